# chan_pingpong: two fibers bounce an integer N times over two 1-buffered
# channels: main sends i on ping, the other answers i + 1 on pong. Prints
# the last answer (N).
n = (ARGV[0]? || "1000000").to_i64
ping = Channel(Int64).new(1)
pong = Channel(Int64).new(1)
spawn do
  n.times do
    x = ping.receive
    pong.send(x + 1)
  end
end
last = 0_i64
n.times do |i|
  ping.send(i.to_i64)
  last = pong.receive
end
puts last
