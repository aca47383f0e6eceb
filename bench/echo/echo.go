// echo: the Go peer of the echo benchmark (bench/run.sh echo). Listens on
// 127.0.0.1:PORT and serves each connection in a goroutine of its own,
// sending back every byte until the client closes. SIGTERM or SIGINT stop
// it cleanly: it prints "echo_go: stopped" and exits with status 0.
//
//	go build -o echo_go echo.go && ./echo_go 7000
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func handle(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 65536)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil { // io.EOF once the client closes, or a reset
			return
		}
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: echo_go PORT")
		os.Exit(2)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo_go:", err)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		fmt.Println("echo_go: stopped")
		os.Exit(0)
	}()
	fmt.Println("echo_go: listening on 127.0.0.1:" + os.Args[1])
	for {
		c, err := l.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo_go:", err)
			os.Exit(1)
		}
		go handle(c)
	}
}
