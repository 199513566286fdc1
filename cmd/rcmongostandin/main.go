// Command mongo stands in for a MongoDB image in the harness's own tests,
// where no image can be pulled. It honours the contract the harness relies
// on: it accepts TCP connections on 27017 and logs "Waiting for
// connections", and the image installs it as /bin/sh, mongosh and mongo too,
// so that the commands that start and check the replica set succeed. It
// stores nothing and speaks no wire protocol; the Rocket.Chat stand-in only
// checks that it can reach it.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
)

func main() {
	switch filepath.Base(os.Args[0]) {
	case "sh", "mongosh", "mongo":
		// rs.initiate(...), rs.status().ok and port probes all succeed.
		fmt.Println("1")
		return
	}
	ln, err := net.Listen("tcp", ":27017")
	if err != nil {
		fmt.Fprintln(os.Stderr, "mongo stand-in:", err)
		os.Exit(1)
	}
	// The line testcontainers' MongoDB module waits for, in mongod's format.
	fmt.Println(`{"t":{"$date":"1970-01-01T00:00:00.000Z"},"s":"I","c":"NETWORK","id":23016,"ctx":"listener","msg":"Waiting for connections","attr":{"port":27017,"ssl":"off"}}`)
	for {
		conn, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "mongo stand-in:", err)
			os.Exit(1)
		}
		go func() {
			_, _ = io.Copy(io.Discard, conn)
			conn.Close()
		}()
	}
}
