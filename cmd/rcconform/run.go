package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/reference/container"
	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/suites/dmcreate"
	"github.com/rcconform/rcconform/suites/framework"
)

// options are the flags of `rcconform run`, after the environment fallbacks.
type options struct {
	target, adminUser, adminPassword, image string
	reportDir, level, labelFilter           string
	maxUsers                                int
	timeout                                 time.Duration
	rerunFailed                             string
	inProcess                               bool
}

const runUsage = `Usage: rcconform run [flags]

Runs the dm.create conformance checks against a target and writes
results.json, report.html and junit.xml into --report-dir.

Without --target or --image it certifies the bundled reference: in a
container when a Docker engine answers, else in-process.

Flags:
`

// parseRun reads the flags; it returns false with the exit code when no
// run should start (help, or bad flags).
func parseRun(args []string, stdout, stderr io.Writer) (*options, int, bool) {
	def := framework.DefaultConfig()
	o := &options{}
	fs := flag.NewFlagSet("rcconform run", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as one sentence below
	fs.StringVar(&o.target, "target", "", "base URL of a running server to certify (env RC_URL)")
	fs.StringVar(&o.adminUser, "admin-user", "", "admin who provisions the test users (env RC_ADMIN_USER; default "+def.AdminUser+")")
	fs.StringVar(&o.adminPassword, "admin-password", "", "the admin's password (env RC_ADMIN_PASSWORD; default: the bundled reference's)")
	fs.StringVar(&o.image, "image", "", "image on the local Docker engine to start and certify (env RC_IMAGE)")
	fs.StringVar(&o.reportDir, "report-dir", "report", "directory for results.json, report.html and junit.xml")
	fs.StringVar(&o.level, "level", framework.Compat, "core: only what the doc page documents; compat: core and released Rocket.Chat behaviour")
	fs.StringVar(&o.labelFilter, "label-filter", "", "Ginkgo label filter further narrowing the checks, e.g. 'family:unauthorized' or 'since:0.59.0'")
	fs.IntVar(&o.maxUsers, "max-users", def.MaxUsers, "the target's DirectMesssage_maxUsers setting")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "time limit of the whole run; it also bounds each HTTP call")
	fs.StringVar(&o.rerunFailed, "rerun-failed", "", "run only the checks that failed in `DIR`/results.json")
	fs.BoolVar(&o.inProcess, "in-process", false, "run the bundled reference inside this process instead of a container")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, runUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil, exitPassed, false
		}
		return nil, cannotRun(stderr, "%v; see rcconform run -h", err), false
	}
	if fs.NArg() > 0 {
		return nil, cannotRun(stderr, "run takes no arguments, got %q; see rcconform run -h", fs.Args()), false
	}
	for _, fb := range []struct {
		v   *string
		env string
	}{{&o.target, "RC_URL"}, {&o.adminUser, "RC_ADMIN_USER"}, {&o.adminPassword, "RC_ADMIN_PASSWORD"}, {&o.image, "RC_IMAGE"}} {
		if *fb.v == "" {
			*fb.v = os.Getenv(fb.env)
		}
	}
	if msg := o.check(); msg != "" {
		return nil, cannotRun(stderr, "%s", msg), false
	}
	return o, 0, true
}

// check returns what is wrong with the options, as a sentence, or "".
func (o *options) check() string {
	switch {
	case o.level != framework.Core && o.level != framework.Compat:
		return fmt.Sprintf("--level must be core or compat, not %q", o.level)
	case o.maxUsers < 1:
		return fmt.Sprintf("--max-users must be at least 1, not %d", o.maxUsers)
	case o.timeout <= 0:
		return fmt.Sprintf("--timeout must be positive, not %s", o.timeout)
	case o.target != "" && o.image != "":
		return "give either --target (RC_URL) or --image (RC_IMAGE), not both"
	case o.inProcess && (o.target != "" || o.image != ""):
		return "--in-process runs the bundled reference; it cannot be combined with --target (RC_URL) or --image (RC_IMAGE)"
	case o.reportDir == "":
		return "--report-dir must not be empty"
	}
	if o.target != "" {
		u, err := url.Parse(o.target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Sprintf("--target %q is not an http:// or https:// URL", redactURL(o.target))
		}
		if u.User != nil {
			// Messages and reports name the URL; credentials have their own flags.
			return fmt.Sprintf("--target %q carries credentials; give them with --admin-user and --admin-password instead", redactURL(o.target))
		}
	}
	if o.labelFilter != "" {
		if _, err := types.ParseLabelFilter(o.labelFilter); err != nil {
			return fmt.Sprintf("the label filter %q cannot be parsed (%s); see https://onsi.github.io/ginkgo/#spec-labels", o.labelFilter, ginkgoErrorText(err))
		}
	}
	return ""
}

// config is the framework configuration the options describe.
func (o *options) config(log io.Writer) framework.Config {
	cfg := framework.DefaultConfig()
	cfg.URL, cfg.Image = o.target, o.image
	switch {
	case o.inProcess:
		cfg.Kind = framework.KindInProcess
	case o.target != "":
		cfg.Kind = framework.KindURL
	case o.image != "":
		cfg.Kind = framework.KindImage
	}
	if o.adminUser != "" {
		cfg.AdminUser = o.adminUser
	}
	if o.adminPassword != "" {
		cfg.AdminPassword = o.adminPassword
	}
	cfg.MaxUsers = o.maxUsers
	// The run's time limit bounds every wait inside it too. A call gets at
	// most half of it, so a target that never answers fails its call, which
	// names the target, before the run's limit ends the run with a message
	// that only asks for more time. It is never 0, which http.Client reads
	// as no limit at all.
	cfg.HTTPTimeout = min(cfg.HTTPTimeout, max(o.timeout/2, time.Nanosecond))
	cfg.StartTimeout = min(cfg.StartTimeout, o.timeout)
	cfg.RateLimitBudget = min(cfg.RateLimitBudget, o.timeout)
	cfg.Log = log
	return cfg
}

// checkID matches what a check id may be, so a results file cannot smuggle
// filter syntax into --rerun-failed.
var checkID = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// filter is the Ginkgo label filter of the run: the level, the user's own
// filter and, with --rerun-failed, the failed checks' ids. It returns
// false (after saying why, or that there is nothing to do) when no run
// should start.
func (o *options) filter(stdout, stderr io.Writer) (string, int, bool) {
	parts := []string{"(core)"}
	if o.level == framework.Compat {
		parts[0] = "(core || compat)"
	}
	if o.labelFilter != "" {
		parts = append(parts, "("+o.labelFilter+")")
	}
	if o.rerunFailed != "" {
		path := filepath.Join(o.rerunFailed, report.ResultsFile)
		prev, err := report.ReadFile(path)
		if err != nil {
			return "", cannotRun(stderr, "--rerun-failed needs a readable results file: %v", err), false
		}
		var ids []string
		for _, c := range prev.Checks {
			if c.Outcome != report.Failed {
				continue
			}
			if !checkID.MatchString(c.ID) {
				return "", cannotRun(stderr, "%s names a failed check %q that is no check id", path, c.ID), false
			}
			ids = append(ids, "id:"+c.ID)
		}
		if len(ids) == 0 {
			fmt.Fprintf(stdout, "rcconform: no check failed in %s; nothing to run again\n", path)
			return "", exitPassed, false
		}
		parts = append(parts, "("+strings.Join(ids, " || ")+")")
	}
	return strings.Join(parts, " && "), 0, true
}

// console receives the progress lines of the running checks.
var console = &progress{out: io.Discard}

var _ = ReportAfterEach(func(s types.SpecReport) { console.check(s) })

// fakeT is the GinkgoTestingT of a run outside `go test`; the outcome is
// read from the report, so it only needs to exist.
type fakeT struct{}

func (fakeT) Fail() {}

func run(args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseRun(args, stdout, stderr)
	if !ok {
		return code
	}
	filter, code, ok := o.filter(stdout, stderr)
	if !ok {
		return code
	}
	// testcontainers prints a banner and container events on stderr, which
	// is kept for the one sentence of a run that cannot happen.
	tclog.SetDefault(tclog.NewNoopLogger())

	cfg := o.config(stdout)
	fmt.Fprintf(stdout, "rcconform %s: dm.create conformance, level %s, spec %s\n", harnessVersion(), o.level, openapi.Digest())
	fmt.Fprintf(stdout, "target: %s\n", o.describeTarget())
	reaped := make(chan string, 1)
	if cfg.Kind == framework.KindURL || cfg.Kind == framework.KindInProcess {
		// Containers of crashed runs are reaped when the next run starts
		// one; a run that starts none still cleans up after them, in the
		// background, as asking Docker may take seconds.
		go func() { reaped <- reapLeftovers() }()
	}

	ginkgoReport := runSuite(cfg, filter, o.timeout, stdout)
	select {
	case note := <-reaped:
		fmt.Fprint(stdout, note)
	default: // still waiting on Docker; removals it started finish without us
	}

	if ginkgoReport == nil {
		return cannotRun(stderr, "the suite ended without a report; this is a bug in rcconform")
	}
	if ginkgoReport.PreRunStats.SpecsThatWillRun == 0 {
		return cannotRun(stderr, "no check matches the selection (label filter %q); see the check ids and labels in a full run's report", filter)
	}
	res, err := report.FromGinkgo(*ginkgoReport, report.Run{
		HarnessVersion: harnessVersion(),
		Target:         o.resultTarget(cfg),
		Level:          o.level,
		LabelFilter:    o.labelFilter,
	})
	if err != nil {
		return cannotRun(stderr, "cannot build the results: %v", err)
	}
	files, err := report.Write(o.reportDir, *ginkgoReport, res)
	if err != nil {
		return cannotRun(stderr, "cannot write the reports into %s: %v", o.reportDir, err)
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

// runSuite runs the checks of suites/dmcreate in this process, printing a
// line per check to out, and returns the Ginkgo report, or nil if the
// suite ended without one.
func runSuite(cfg framework.Config, filter string, timeout time.Duration, out io.Writer) *types.Report {
	dmcreate.Config = cfg
	var ginkgoReport *types.Report
	dmcreate.OnReport = func(r types.Report) { ginkgoReport = &r }
	console = &progress{out: out}

	formatter.ColorableStdOut = io.Discard // the progress lines replace Ginkgo's own output
	suiteCfg, repCfg := GinkgoConfiguration()
	suiteCfg.LabelFilter = filter
	suiteCfg.Timeout = timeout
	repCfg.NoColor = true
	RegisterFailHandler(Fail)
	RunSpecs(fakeT{}, "dm.create conformance", suiteCfg, repCfg)
	return ginkgoReport
}

func (o *options) describeTarget() string {
	switch {
	case o.target != "":
		return "the server at " + redactURL(o.target)
	case o.image != "":
		return "the image " + o.image + " in a container"
	case o.inProcess:
		return "the bundled reference, in-process"
	}
	return "the bundled reference (in a container when a Docker engine answers, else in-process)"
}

// resultTarget is the target as the setup found it, or as it was asked for
// when the setup did not get that far.
func (o *options) resultTarget(cfg framework.Config) report.Target {
	if st := dmcreate.RunState(); st != nil {
		return report.Target{
			URL: redactURL(st.Target.URL), Kind: string(st.Target.Kind), Note: st.Target.Note,
			ServerVersion: st.Version, Image: st.Target.Image,
		}
	}
	return report.Target{URL: redactURL(o.target), Kind: string(cfg.Kind), Image: o.image}
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

// redactURL drops any user and password from a URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.LastIndex(s, "@"); i >= 0 {
			return "…" + s[i:]
		}
		return s
	}
	if u.User == nil {
		return s
	}
	u.User = nil
	return u.String()
}

// ginkgoErrorText is the plain last line of a Ginkgo error, which
// otherwise spans lines and carries colour codes.
func ginkgoErrorText(err error) string {
	var ge types.GinkgoError
	text := err.Error()
	if errors.As(err, &ge) {
		text = ge.Message
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
