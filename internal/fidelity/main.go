// Command fidelity certifies real Rocket.Chat releases and compares each
// with the bundled reference at its release, in one `rcconform diff
// --rocketchat` run per release, and sums the results up in a table (make
// fidelity): one report directory per release (results.json and diff.json),
// and summary.md with the release, the verdict, the checks that failed and
// the checks whose exchanges differ from the reference's. Either kind of
// finding makes the exit code 1: the catalogue or the reference is not
// faithful to that release.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rcconform/rcconform/diff"
	"github.com/rcconform/rcconform/internal/standin"
	"github.com/rcconform/rcconform/report"
)

func main() {
	out := flag.String("out", "build/fidelity", "directory for one report directory per release and summary.md")
	bin := flag.String("rcconform", "rcconform", "the rcconform binary")
	standins := flag.Bool("standin", false, "use the stand-in images (make standin-images) instead of Rocket.Chat's and MongoDB's")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "fidelity: name the Rocket.Chat releases to certify, e.g. 6.13.1 8.7.1")
		os.Exit(2)
	}
	rows := []string{"| release | verdict | failed checks | exchanges differing from the reference |", "|---|---|---|---|"}
	worst := 0
	for _, v := range flag.Args() {
		// One diff run certifies the release (results.json) and compares
		// its exchanges with the reference's (diff.json): one stack start.
		dir := filepath.Join(*out, v)
		args := []string{"diff", "--rocketchat", v, "--report-dir", dir}
		if *standins {
			args = append(args, "--rocketchat-image", standin.RocketChatImage(v), "--mongo-image", standin.MongoImage)
		}
		fmt.Printf("fidelity: %s %s\n", *bin, strings.Join(args, " "))
		cmd := exec.Command(*bin, args...)
		var console bytes.Buffer
		cmd.Stdout, cmd.Stderr = &console, &console
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			code = ee.ExitCode()
		case err != nil:
			fmt.Fprintf(os.Stderr, "fidelity: run %s: %v\n", *bin, err)
			os.Exit(2)
		}
		if err := os.MkdirAll(dir, 0o755); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "console.log"), console.Bytes(), 0o644)
		}
		cells, conformant := row(v, dir, code, console.String())
		if !conformant {
			code = max(code, 1)
		}
		worst = max(worst, code)
		rows = append(rows, cells+" "+diffCell(dir, code, console.String())+" |")
		fmt.Println(rows[len(rows)-1])
	}
	summary := strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(*out, "summary.md"), []byte(summary), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "fidelity: write the summary: %v\n", err)
		os.Exit(2)
	}
	fmt.Printf("\n%s\nfidelity: reports in %s\n", summary, *out)
	os.Exit(worst)
}

// diffCell says how the release's exchanges compared with the reference's.
func diffCell(dir string, code int, console string) string {
	rep, err := diff.ReadFile(filepath.Join(dir, diff.File))
	if err != nil || rep.Checks == nil {
		return fmt.Sprintf("could not compare (exit %d): %s", code, lastLine(console))
	}
	if rep.Checks.Differing == 0 {
		return fmt.Sprintf("none of %d", rep.Checks.Exchanges)
	}
	var checks []string
	for _, d := range rep.Differences {
		if d.Check != "" && !slices.Contains(checks, d.Check) {
			checks = append(checks, d.Check)
		}
	}
	return fmt.Sprintf("%d of %d, in %s", rep.Checks.Differing, rep.Checks.Exchanges, strings.Join(checks, ", "))
}

func lastLine(console string) string {
	last := strings.TrimSpace(console)
	if i := strings.LastIndex(last, "\n"); i >= 0 {
		last = last[i+1:]
	}
	return strings.ReplaceAll(last, "|", "/")
}

// row is one release's line of the table, without its last cell, and
// whether the release was certified conformant.
func row(version, dir string, code int, console string) (string, bool) {
	res, err := report.ReadFile(filepath.Join(dir, report.ResultsFile))
	if err != nil {
		return fmt.Sprintf("| %s | could not run (exit %d): %s | |", version, code, lastLine(console)), false
	}
	verdict := res.Summary.Verdict
	if res.RunError != nil {
		verdict += ": " + res.RunError.Reason
	}
	failed, _ := res.Failures()
	return fmt.Sprintf("| %s | %s | %s |", version, strings.ReplaceAll(verdict, "|", "/"), strings.Join(failed, ", ")), res.Summary.Verdict == report.Conformant
}
