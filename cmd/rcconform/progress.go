package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/suites/dmcreate"
)

// failureLines is how much of a failure message the console shows; the
// reports keep all of it.
const failureLines = 12

// progress prints one line per check as it ends.
type progress struct {
	out       io.Writer
	announced bool
}

func (p *progress) check(s types.SpecReport) {
	if !p.announced {
		// The target is known once the suite setup is done, which is before
		// the first check ends.
		if st := dmcreate.RunState(); st != nil {
			fmt.Fprintf(p.out, "target ready: %s, %s", redactURL(st.Target.URL), st.Target.Note)
			if st.Version != "" {
				fmt.Fprintf(p.out, ", server version %s", st.Version)
			}
			fmt.Fprintln(p.out)
			p.announced = true
		}
	}
	var tag string
	switch {
	case s.State.Is(types.SpecStatePassed):
		tag = "PASS"
	case s.State.Is(types.SpecStateInterrupted | types.SpecStateAborted):
		tag = "STOP"
	case s.State.Is(types.SpecStateFailureStates):
		tag = "FAIL"
	case s.Failure.Message != "":
		tag = "SKIP" // skipped by the check itself, with a reason
	default:
		return // not selected, or not run because the run stopped: the summary says so
	}
	fmt.Fprintf(p.out, "%s  %-26s %s (%s)\n", tag, labelValue(s.Labels(), "id"), s.FullText(), millis(s.RunTime))
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

func labelValue(labels []string, key string) string {
	for _, l := range labels {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			return v
		}
	}
	return "?"
}

func millis(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// printSummary ends the console output: the counts per level and feature
// version, the certified level, the verdict, the reports and, for a run
// that gave a verdict, a plain "N passed, N failed" line.
func printSummary(out io.Writer, res *report.Results, files []string) {
	s := res.Summary
	fmt.Fprintf(out, "\nSummary: %d checks in %s, selected by the label filter %s\n", len(res.Checks), millis(res.EndTime.Sub(res.StartTime)), res.Selection.Filter)
	if len(res.Checks) > 0 {
		fmt.Fprintf(out, "  %-16s %7s %7s %8s\n", "", "passed", "failed", "skipped")
		for _, l := range s.Levels {
			fmt.Fprintf(out, "  %-16s %7d %7d %8d\n", "level "+l.Level, l.Passed, l.Failed, l.Skipped)
		}
		for _, f := range s.Features {
			fmt.Fprintf(out, "  %-16s %7d %7d %8d\n", "feature "+f.Version, f.Passed, f.Failed, f.Skipped)
		}
		fmt.Fprintf(out, "  %-16s %7d %7d %8d\n", "all", s.Total.Passed, s.Total.Failed, s.Total.Skipped)
	}
	fmt.Fprintf(out, "Certified feature level: %s\n", s.CertifiedFeatureLevel)
	switch s.Verdict {
	case report.NotConformant:
		var ids []string
		for _, c := range res.Checks {
			if c.Outcome == report.Failed {
				ids = append(ids, c.ID)
			}
		}
		fmt.Fprintf(out, "Verdict: %s (failed: %s)\n", s.Verdict, strings.Join(ids, ", "))
	case report.CouldNotRun:
		fmt.Fprintf(out, "Verdict: %s\n", s.Verdict)
		if res.RunError != nil {
			fmt.Fprintf(out, "  %s\n", res.RunError.Reason)
		}
	default:
		fmt.Fprintf(out, "Verdict: %s\n", s.Verdict)
	}
	fmt.Fprintf(out, "Reports: %s\n", strings.Join(files, ", "))
	if s.Verdict == report.CouldNotRun {
		return // counts of an unfinished run are no result a CI should read
	}
	line := fmt.Sprintf("%d passed, %d failed", s.Total.Passed, s.Total.Failed)
	if s.Total.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.Total.Skipped)
	}
	fmt.Fprintln(out, line)
}
