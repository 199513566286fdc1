package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/report"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// failureLines is how much of a failure message the console shows; the
// reports keep all of it.
const failureLines = 12

// progress prints one line per check as it ends.
type progress struct {
	out       io.Writer
	announced bool
}

func (p *progress) check(s types.SpecReport, sh *fw.Shared) {
	// The target is known once the suite setup is done, which is before the
	// first check ends.
	p.announce(sh)
	var tag string
	switch {
	case s.State.Is(types.SpecStatePassed):
		tag = "PASS"
	case s.State.Is(types.SpecStateInterrupted | types.SpecStateAborted):
		tag = "STOP"
	case s.State.Is(types.SpecStateFailureStates):
		tag = "FAIL"
	case strings.HasPrefix(s.Failure.Message, conformance.RecommendedNotMet):
		tag = "REC " // a recommended property not met, which does not count
	case s.Failure.Message != "":
		tag = "SKIP" // skipped by the check itself, with a reason
	default:
		return // not selected, or not run because the run stopped: the summary says so
	}
	id, _ := conformance.IDFromLabels(s.Labels())
	fmt.Fprintf(p.out, "%s  %-32s %s (%s)\n", tag, id, s.FullText(), millis(s.RunTime))
	if tag == "PASS" {
		return
	}
	msg := strings.TrimSpace(s.Failure.Message)
	if s.Failure.ForwardedPanic != "" {
		msg += ": " + s.Failure.ForwardedPanic
	}
	lines := strings.Split(msg, "\n")
	if len(lines) > failureLines {
		lines = append(lines[:failureLines], fmt.Sprintf("… (%d more lines in the reports)", len(lines)-failureLines))
	}
	for _, l := range lines {
		fmt.Fprintf(p.out, "      %s\n", l)
	}
}

func millis(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// printSummary ends the console output: the release line, the counts per
// level and feature version, the certified level, the verdict, the reports
// and, for a run that gave a verdict, a plain "N passed, N failed" line.
func printSummary(out io.Writer, res *report.Results, files []string) {
	s := res.Summary
	fmt.Fprintf(out, "\nSummary: %d checks in %s, selected by the label filter %s\n", len(res.Checks), millis(res.EndTime.Sub(res.StartTime)), res.Selection.Filter)
	if t := res.Target; t.Release != "" {
		fmt.Fprintf(out, "Release: %s, %s\n  %s\n", t.Release, t.ReleaseSource, t.ReleaseLine)
	} else if t.ReleaseSource != "" {
		fmt.Fprintf(out, "Release: %s\n  expectations of the lines %s\n", t.ReleaseSource, strings.Join(t.Lines, ", "))
	}
	if fp := res.Target.Fingerprint; len(fp) > 0 {
		fmt.Fprintf(out, "Fingerprint: %s\n", fp)
	}
	for _, d := range res.Summary.Deviations {
		fmt.Fprintf(out, "Deviation from the doc page %s (the release's own answer; fails at --level core): %s\n", d.ID, strings.Join(d.Checks, ", "))
	}
	if len(res.Checks) > 0 {
		fmt.Fprintf(out, "  %-20s %7s %7s %8s\n", "", "passed", "failed", "skipped")
		for _, l := range s.Levels {
			name := "level " + string(l.Level)
			if !res.Selection.Level.Counts(l.Level) {
				name += "*"
			}
			fmt.Fprintf(out, "  %-20s %7d %7d %8d\n", name, l.Passed, l.Failed, l.Skipped)
		}
		for _, f := range s.Features {
			fmt.Fprintf(out, "  %-20s %7d %7d %8d\n", "feature "+f.Version, f.Passed, f.Failed, f.Skipped)
		}
		fmt.Fprintf(out, "  %-20s %7d %7d %8d\n", "all", s.Total.Passed, s.Total.Failed, s.Total.Skipped)
		fmt.Fprintf(out, "  * reported only: it does not count at level %s\n", res.Selection.Level)
	}
	fmt.Fprintf(out, "Certified feature level: %s\n", s.CertifiedFeatureLevel)
	failed, notMet := res.Failures()
	if len(notMet) > 0 {
		fmt.Fprintf(out, "Not counted at level %s, not met: %s\n", res.Selection.Level, strings.Join(notMet, ", "))
	}
	switch s.Verdict {
	case report.NotConformant:
		fmt.Fprintf(out, "Verdict: %s at level %s (failed: %s)\n", s.Verdict, res.Selection.Level, strings.Join(failed, ", "))
	case report.CouldNotRun:
		fmt.Fprintf(out, "Verdict: %s\n", s.Verdict)
		if res.RunError != nil {
			fmt.Fprintf(out, "  %s\n", res.RunError.Reason)
		}
	default:
		fmt.Fprintf(out, "Verdict: %s at level %s\n", s.Verdict, res.Selection.Level)
	}
	fmt.Fprintf(out, "Reports: %s\n", strings.Join(files, ", "))
	if s.Verdict == report.CouldNotRun {
		return // counts of an unfinished run are no result a CI should read
	}
	line := fmt.Sprintf("%d passed, %d failed", s.Total.Passed, len(failed))
	if skipped := len(res.Checks) - s.Total.Passed - len(failed); skipped > 0 {
		line += fmt.Sprintf(", %d skipped", skipped)
	}
	fmt.Fprintln(out, line)
}
