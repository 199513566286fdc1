// Command rcconform certifies a Rocket.Chat-compatible server's
// POST /api/v1/dm.create (alias im.create) against the documented and the
// released behaviour. It runs the very Ginkgo specs of suites/dmcreate that
// `go test` runs, and writes a certificate anyone can re-check offline.
//
//	rcconform run [flags]   run the checks, write results.json, report.html, junit.xml
//	rcconform verify DIR    re-check DIR/results.json offline
//	rcconform checks        print the catalogue of checks (--json: as data)
//	rcconform spec          print the embedded OpenAPI document
//	rcconform version       print the harness version and spec digest
//
// Exit codes: 0 every selected check passed, 1 a check failed, 2 the run
// could not happen (bad flags, unreachable target, login or provisioning
// failed, ...), with one sentence on stderr saying what to do.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/report"
)

// Exit codes.
const (
	exitPassed    = 0
	exitFailed    = 1
	exitCannotRun = 2
)

const usage = `rcconform certifies POST /api/v1/dm.create (alias im.create) of a Rocket.Chat-compatible server.

Usage:
  rcconform run [flags]   run the checks and write the reports (rcconform run -h for the flags)
  rcconform diff [flags]  send the same requests to two servers and compare the answers (rcconform diff -h)
  rcconform verify DIR    re-check DIR/results.json offline
  rcconform checks        print the catalogue of checks; --json prints it as data
  rcconform spec          print the embedded OpenAPI document
  rcconform version       print the harness version

Exit codes: 0 every selected check passed, 1 a check failed, 2 the run could not happen.
`

func main() {
	// A closed stdout (rcconform run | head) must not kill the run before it
	// deletes its users and stops its container; failed writes are ignored.
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(rcconform(os.Args[1:], os.Stdout, os.Stderr))
}

func rcconform(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitCannotRun
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		return run(rest, stdout, stderr)
	case "diff":
		return diffCommand(rest, stdout, stderr)
	case "verify":
		return verify(rest, stdout, stderr)
	case "checks":
		return checks(rest, stdout, stderr)
	case "spec":
		if _, err := stdout.Write(openapi.Document); err != nil {
			return cannotRun(stderr, "cannot print the spec: %v", err)
		}
		return exitPassed
	case "version":
		fmt.Fprintf(stdout, "rcconform %s (spec %s, %s)\n", harnessVersion(), openapi.Digest(), runtime.Version())
		return exitPassed
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitPassed
	default:
		return cannotRun(stderr, "unknown command %q; run rcconform help", cmd)
	}
}

// verify re-checks DIR/results.json: 0 consistent, 1 something does not
// match, 2 the file cannot be read or parsed.
func verify(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		return cannotRun(stderr, "verify takes one argument, the report directory or its results.json (rcconform verify DIR)")
	}
	return report.VerifyCommand(args[0], "rcconform", stdout, stderr)
}

// cannotRun prints one sentence on stderr and returns exitCannotRun.
func cannotRun(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "rcconform: "+format+"\n", args...)
	return exitCannotRun
}

// harnessVersion is the module version `go install` stamped, or "devel".
func harnessVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
