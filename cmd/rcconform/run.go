package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/onsi/ginkgo/v2/formatter"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/rcconform/rcconform/certify"
	"github.com/rcconform/rcconform/config"
	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/reference/container"
	"github.com/rcconform/rcconform/report"
	fw "github.com/rcconform/rcconform/suites/framework"
	"github.com/rcconform/rcconform/targets"
)

const runUsage = `Usage: rcconform run [flags]

Runs the dm.create conformance checks against a target and writes
results.json, report.html and junit.xml into --report-dir.

Without --target or --image it certifies the bundled reference: in a
container when a Docker engine answers, else in-process.

Every flag has an environment variable; a flag wins over its variable.

Flags:
`

// parseRun reads the flags and the environment; it returns false with the
// exit code when no run should start (help, or bad settings).
func parseRun(args []string, stdout, stderr io.Writer) (certify.Plan, int, bool) {
	fs := flag.NewFlagSet("rcconform run", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as one sentence below
	cfg, err := config.Load(fs, args, os.Getenv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, runUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return cfg, exitPassed, false
	case err != nil:
		return cfg, cannotRun(stderr, "%v; see rcconform run -h", err), false
	}
	if cfg.ReportDir == "" {
		cfg.ReportDir = certify.DefaultReportDir
	}
	cfg.HarnessVersion = harnessVersion()
	cfg.Log = stdout
	return cfg.WithDefaults(), 0, true
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := parseRun(args, stdout, stderr)
	if !ok {
		return code
	}
	if _, err := cfg.Filter(); errors.Is(err, certify.ErrNothingToRerun) {
		fmt.Fprintf(stdout, "rcconform: %v\n", err)
		return exitPassed
	}
	// testcontainers prints a banner and container events on stderr, which
	// is kept for the one sentence of a run that cannot happen. Without a
	// registry it must not try to pull Ryuk either.
	tclog.SetDefault(tclog.NewNoopLogger())
	container.PrepareEnv()

	fmt.Fprintf(stdout, "rcconform %s: dm.create conformance, level %s, spec %s\n", harnessVersion(), cfg.Level, openapi.Digest())
	fmt.Fprintf(stdout, "target: %s\n", cfg.Describe())
	reaped := make(chan string, 1)
	if kind := cfg.TargetKind(); kind == targets.URL || kind == targets.InProcess {
		// Containers of crashed runs are reaped when the next run starts
		// one; a run that starts none still cleans up after them, in the
		// background, as asking Docker may take seconds.
		go func() { reaped <- reapLeftovers() }()
	}

	console := &progress{out: stdout}
	formatter.ColorableStdOut = io.Discard // the progress lines replace Ginkgo's own output
	out, err := certify.Run(cfg, certify.RunOptions{OnCheck: console.check})
	if err != nil {
		return cannotRun(stderr, "%v", err)
	}
	select {
	case note := <-reaped:
		fmt.Fprint(stdout, note)
	default: // still waiting on Docker; removals it started finish without us
	}

	switch {
	case out.Err != nil:
		return cannotRun(stderr, "%v", out.Err)
	case out.Report != nil && out.Report.PreRunStats.SpecsThatWillRun == 0:
		return cannotRun(stderr, "no check matches the selection (label filter %q); see `rcconform checks` for the ids and labels", out.Report.SuiteConfig.LabelFilter)
	case out.Report == nil || out.Results == nil:
		return cannotRun(stderr, "the suite ended without a report; this is a bug in rcconform")
	}
	res := out.Results
	files := out.Files
	if obs := writeObservation(stdout, cfg, res); obs != "" {
		files = append(files, obs)
	}
	printSummary(stdout, res, files)
	switch res.Summary.Verdict {
	case report.Conformant:
		return exitPassed
	case report.NotConformant:
		return exitFailed
	}
	reason := "the run did not give a verdict"
	if res.RunError != nil {
		reason = res.RunError.Reason
	}
	return cannotRun(stderr, "%s", reason)
}

// reapLeftovers removes the containers of crashed runs when a Docker
// engine answers, and returns a note saying so, or "".
func reapLeftovers() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if container.Available(ctx) != nil {
		return ""
	}
	n, err := container.ReapLeftovers(ctx)
	switch {
	case err != nil:
		return fmt.Sprintf("rcconform: could not remove containers left by crashed runs: %v\n", err)
	case n > 0:
		return fmt.Sprintf("rcconform: removed %d containers left by crashed runs\n", n)
	}
	return ""
}

// announce prints the line that says the target is ready, once.
func (p *progress) announce(sh *fw.Shared) {
	if p.announced || sh == nil {
		return
	}
	fmt.Fprintf(p.out, "target ready: %s, %s", rest.RedactURL(sh.Target.URL), sh.Target.Note)
	if sh.Version != "" {
		fmt.Fprintf(p.out, ", server version %s", sh.Version)
	}
	fmt.Fprintf(p.out, "\nrelease: %s (%s)\n", sh.Release, sh.ReleaseSource)
	p.announced = true
}
