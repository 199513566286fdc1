package dmcreate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/report"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// RunOptions tune a run beyond its Config: what Ginkgo selects and shows.
type RunOptions struct {
	// LabelFilter narrows the checks further, in Ginkgo's label syntax.
	LabelFilter string
	// Timeout bounds the whole run; zero keeps Ginkgo's own limit.
	Timeout time.Duration
	// OnCheck is called as each check ends, with what the run settled
	// (nil before the setup did).
	OnCheck func(types.SpecReport, *fw.Shared)
}

// Outcome is what a run produced. Only Ginkgo's process 1 has Results.
type Outcome struct {
	// Report is Ginkgo's report of the whole run.
	Report *types.Report
	// Results are the certification's results; nil on other processes.
	Results *report.Results
	// Files are the report files written into Config.ReportDir.
	Files []string
	// Err says why the results could not be built or written.
	Err error
}

// LevelFilter is the label filter that selects the checks of a run at
// level: its own level and the narrower ones, plus the recommended checks,
// which run at every level.
func LevelFilter(level conformance.Level) string {
	var names []string
	for _, l := range conformance.Levels {
		if level.Counts(l) || l == conformance.Recommended {
			names = append(names, string(l))
		}
	}
	return "(" + strings.Join(names, " || ") + ")"
}

// Run registers the whole certification and runs it with Ginkgo, reporting
// to t. It must be the only RunSpecs of the process; Ginkgo's flags (from
// go test or the ginkgo command) still apply, narrowed by the level.
func Run(t GinkgoTestingT, cfg Config, opts RunOptions) *Outcome {
	cfg = cfg.WithDefaults()
	s := &Session{}
	out := &Outcome{}
	setupNodes(s, cfg)
	register(s, func() conformance.Level { return cfg.Level }, func(SpecContext) {})
	if opts.OnCheck != nil {
		ReportAfterEach(func(r types.SpecReport) { opts.OnCheck(r, s.Shared()) })
	}
	ReportAfterSuite("dm.create certification", func(r types.Report) {
		out.Report = &r
		if r.PreRunStats.SpecsThatWillRun == 0 {
			return // nothing was selected: there is nothing to certify or write
		}
		traceChecks(cfg.Trace, r)
		defer cfg.Trace.Since("results and reports", time.Now())
		res, err := report.FromGinkgo(r, report.Run{
			HarnessVersion: cfg.HarnessVersion,
			Target:         resultTarget(cfg, s.Shared()),
			Level:          cfg.Level,
			LabelFilter:    opts.LabelFilter,
		}, Catalogue())
		if err != nil {
			out.Err = fmt.Errorf("build the results: %w", err)
			return
		}
		out.Results = res
		if cfg.ReportDir != "" {
			if out.Files, err = report.Write(cfg.ReportDir, r, res); err != nil {
				out.Err = err
			}
		}
	})

	suiteCfg, repCfg := GinkgoConfiguration()
	filters := []string{LevelFilter(cfg.Level)}
	for _, f := range []string{suiteCfg.LabelFilter, opts.LabelFilter} {
		if f != "" {
			filters = append(filters, "("+f+")")
		}
	}
	suiteCfg.LabelFilter = strings.Join(filters, " && ")
	if opts.Timeout > 0 {
		suiteCfg.Timeout = opts.Timeout
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "dm.create conformance", suiteCfg, repCfg)
	s.stopping.Wait() // nothing this run started outlives it
	return out
}

// traceChecks reports the time from the first check's start to the last
// one's end: the checks phase of the run, setup and cleanup excluded.
func traceChecks(trace conformance.Trace, r types.Report) {
	var first, last time.Time
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt || sr.StartTime.IsZero() {
			continue
		}
		if first.IsZero() || sr.StartTime.Before(first) {
			first = sr.StartTime
		}
		if sr.EndTime.After(last) {
			last = sr.EndTime
		}
	}
	if trace != nil && !first.IsZero() {
		trace("checks", last.Sub(first))
	}
}

// resultTarget is the target as the setup found it, or as it was asked for
// when the setup did not get that far.
func resultTarget(cfg Config, sh *fw.Shared) report.Target {
	if sh == nil {
		kind := cfg.Kind
		if kind == "" && cfg.Start == nil {
			kind = "url"
		}
		return report.Target{URL: rest.RedactURL(cfg.URL), Kind: kind, Image: cfg.Image, Release: cfg.RCVersion}
	}
	rel, _ := conformance.ParseRelease(sh.Release)
	return report.Target{
		URL: rest.RedactURL(sh.Target.URL), Kind: sh.Target.Kind, Note: sh.Target.Note, Image: sh.Target.Image,
		ServerVersion: sh.Version, Release: sh.Release, ReleaseSource: sh.ReleaseSource, ReleaseLine: conformance.Describe(rel),
		Lines: sh.Assessment.Lines, Fingerprint: sh.Fingerprint,
	}
}

// Test runs the whole certification inside the caller's test: it fails t
// naming each failed check that counts at cfg.Level, and returns the
// results (nil on Ginkgo processes other than the first). It calls Ginkgo's
// RunSpecs, so it must be the only Ginkgo suite of the test binary; next to
// Ginkgo specs of your own, use GinkgoTest. opts, at most one, narrows the
// checks or bounds the run.
func Test(t *testing.T, cfg Config, opts ...RunOptions) *report.Results {
	t.Helper()
	var o RunOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	out := Run(t, cfg, o)
	if out.Err != nil {
		t.Errorf("rcconform: %v", out.Err)
	}
	res := out.Results
	if res == nil {
		return nil
	}
	if res.RunError != nil {
		t.Errorf("rcconform: the run could not happen: %s", res.RunError.Reason)
	}
	for _, c := range res.Checks {
		switch {
		case c.Outcome == report.Failed && c.Counts:
			t.Errorf("%s failed: %s\n%s", c.ID, c.Title, c.Failure)
		case c.Outcome == report.Failed:
			t.Logf("%s (recommended, not counted at level %s): %s", c.ID, res.Selection.Level, firstLine(c.Failure))
		}
	}
	t.Logf("rcconform: %s at level %s, release %s (%s): %d passed, %d failed, %d skipped",
		res.Summary.Verdict, res.Selection.Level, res.Target.Release, res.Target.ReleaseSource,
		res.Summary.Total.Passed, res.Summary.Total.Failed, res.Summary.Total.Skipped)
	return res
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// Results builds the certificate of a run of cfg from Ginkgo's report r, as
// Run does: sh is what the setup settled (nil when it did not get that
// far), labelFilter the selection beyond the run's level.
func Results(r types.Report, cfg Config, sh *fw.Shared, labelFilter string) (*report.Results, error) {
	cfg = cfg.WithDefaults()
	return report.FromGinkgo(r, report.Run{
		HarnessVersion: cfg.HarnessVersion,
		Target:         resultTarget(cfg, sh),
		Level:          cfg.Level,
		LabelFilter:    labelFilter,
	}, Catalogue())
}
