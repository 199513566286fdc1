// Command rcverify re-checks an rcconform certificate offline: rcverify DIR
// recomputes the summary of DIR/results.json from its check records and
// compares the digests, like `rcconform verify DIR`, in a binary that links
// nothing but the report package (no Docker client, no reference server),
// for whoever receives a certificate and wants a small tool to trust.
//
// Exit codes: 0 consistent, 1 something does not match, 2 the file cannot
// be read.
package main

import (
	"fmt"
	"os"

	"github.com/rcconform/rcconform/report"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "rcverify: usage: rcverify DIR (a report directory, or its results.json)")
		os.Exit(2)
	}
	os.Exit(report.VerifyCommand(os.Args[1], "rcverify", os.Stdout, os.Stderr))
}
