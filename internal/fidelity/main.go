// Command fidelity certifies real Rocket.Chat releases with `rcconform run
// --rocketchat`, compares each with the bundled reference at its release
// with `rcconform diff --rocketchat`, and sums the results up in a table
// (make fidelity): one report directory per release (the comparison in its
// diff/), and summary.md with the release, the verdict, the checks that
// failed and the checks whose exchanges differ from the reference's. Either
// kind of finding makes the exit code 1: the catalogue or the reference is
// not faithful to that release.
package main

import (
	"bytes"
	"encoding/json"
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
		dir := filepath.Join(*out, v)
		args := []string{"run", "--rocketchat", v, "--report-dir", dir}
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
		worst = max(worst, code)
		if err := os.MkdirAll(dir, 0o755); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "console.log"), console.Bytes(), 0o644)
		}
		diffDir := filepath.Join(dir, "diff")
		diffArgs := append([]string{"diff"}, args[1:]...)
		diffArgs[slices.Index(diffArgs, dir)] = diffDir
		fmt.Printf("fidelity: %s %s\n", *bin, strings.Join(diffArgs, " "))
		cmd = exec.Command(*bin, diffArgs...)
		var diffConsole bytes.Buffer
		cmd.Stdout, cmd.Stderr = &diffConsole, &diffConsole
		err = cmd.Run()
		diffCode := 0
		switch {
		case errors.As(err, &ee):
			diffCode = ee.ExitCode()
		case err != nil:
			fmt.Fprintf(os.Stderr, "fidelity: run %s diff: %v\n", *bin, err)
			os.Exit(2)
		}
		worst = max(worst, diffCode)
		if err := os.MkdirAll(diffDir, 0o755); err == nil {
			_ = os.WriteFile(filepath.Join(diffDir, "console.log"), diffConsole.Bytes(), 0o644)
		}
		rows = append(rows, row(v, dir, code, console.String())+" "+diffCell(diffDir, diffCode, diffConsole.String())+" |")
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
	raw, err := os.ReadFile(filepath.Join(dir, diff.File))
	var rep diff.Report
	if err == nil {
		err = json.Unmarshal(raw, &rep)
	}
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

// row is one release's line of the table, without its last cell.
func row(version, dir string, code int, console string) string {
	res, err := report.ReadFile(filepath.Join(dir, report.ResultsFile))
	if err != nil {
		return fmt.Sprintf("| %s | could not run (exit %d): %s | |", version, code, lastLine(console))
	}
	verdict := res.Summary.Verdict
	if res.RunError != nil {
		verdict += ": " + res.RunError.Reason
	}
	var failed []string
	for _, c := range res.Checks {
		if c.Outcome == report.Failed && c.Counts {
			failed = append(failed, c.ID)
		}
	}
	return fmt.Sprintf("| %s | %s | %s |", version, strings.ReplaceAll(verdict, "|", "/"), strings.Join(failed, ", "))
}
