// Command fidelity certifies real Rocket.Chat releases with `rcconform run
// --rocketchat` and sums the results up in a table (make fidelity): one
// report directory per release, and summary.md with the release, the
// verdict and the checks that failed.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

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
	rows := []string{"| release | verdict | failed checks |", "|---|---|---|"}
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
		rows = append(rows, row(v, dir, code, console.String()))
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

// row is one release's line of the table.
func row(version, dir string, code int, console string) string {
	res, err := report.ReadFile(filepath.Join(dir, report.ResultsFile))
	if err != nil {
		last := strings.TrimSpace(console)
		if i := strings.LastIndex(last, "\n"); i >= 0 {
			last = last[i+1:]
		}
		return fmt.Sprintf("| %s | could not run (exit %d): %s | |", version, code, strings.ReplaceAll(last, "|", "/"))
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
