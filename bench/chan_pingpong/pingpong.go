// chan_pingpong: two goroutines bounce an integer N times over two
// 1-buffered channels: main sends i on ping, the other answers i + 1 on
// pong. Prints the last answer (N).
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	n := 1000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	ping := make(chan int, 1)
	pong := make(chan int, 1)
	go func() {
		for i := 0; i < n; i++ {
			x := <-ping
			pong <- x + 1
		}
	}()
	last := 0
	for i := 0; i < n; i++ {
		ping <- i
		last = <-pong
	}
	fmt.Println(last)
}
