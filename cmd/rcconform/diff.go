package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/rcconform/rcconform/config"
	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/diff"
	"github.com/rcconform/rcconform/explore"
	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/reference/container"
	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/suites/dmcreate"
	fw "github.com/rcconform/rcconform/suites/framework"
	"github.com/rcconform/rcconform/targets"
)

const diffUsage = `Usage: rcconform diff [flags]

Sends the requests of every conformance check, and with --explore N that
many generated cases, to two servers and compares their answers: status,
Content-Type and body (JSON as values: key order aside, array order kept).
Ids, run-unique names and tokens become placeholders that keep their
relations first, so two faithful servers compare equal.

The target is chosen as for rcconform run. The server it is compared
against is, by default, the bundled reference in-process, behaving like the
release the target reports (--against-container runs it in a container);
or any server by URL (--against), image (--against-image), or Rocket.Chat
of a release (--against-rocketchat). Both are certified at the target's
release, so both run the same checks.

It writes diff.json (the comparison), and the target's results.json,
report.html (with the differences) and junit.xml into --report-dir.

Exit codes: 0 the servers answered alike, 1 they differ, 2 the comparison
could not happen.

Every flag has an environment variable; a flag wins over its variable.

Flags:
`

// parseDiff reads run's settings and diff's own, from the environment and
// then the flags; it returns false with the exit code when no comparison
// should start.
func parseDiff(args []string, stdout, stderr io.Writer) (config.Config, config.Diff, int, bool) {
	fs := flag.NewFlagSet("rcconform diff", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as one sentence below
	cfg, o, err := config.LoadDiff(fs, args, os.Getenv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, diffUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return cfg, o, exitPassed, false
	case err != nil:
		return cfg, o, cannotRun(stderr, "%v; see rcconform diff -h", err), false
	}
	if cfg.ReportDir == "" {
		cfg.ReportDir = "report"
	}
	cfg.HarnessVersion = harnessVersion()
	return cfg, o, 0, true
}

// compared is one of the two servers compared, started, its admin logged in.
type compared struct {
	target   *targets.Target
	shared   fw.Shared
	endpoint diff.Endpoint
}

func (s compared) report() diff.Server {
	return diff.Server{URL: rest.RedactURL(s.target.URL), Kind: string(s.target.Kind), Note: s.target.Note, Image: s.target.Image, ServerVersion: s.shared.Version}
}

// describe names the server in a few words, for the table and the page.
func (s compared) describe() string {
	d := rest.RedactURL(s.target.URL) + ", " + s.target.Note
	if s.shared.Version != "" {
		d += ", version " + s.shared.Version
	}
	return d
}

func diffCommand(args []string, stdout, stderr io.Writer) int {
	cfg, o, code, ok := parseDiff(args, stdout, stderr)
	if !ok {
		return code
	}
	// As in run: testcontainers stays quiet and never pulls Ryuk.
	tclog.SetDefault(tclog.NewNoopLogger())
	container.PrepareEnv()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	suite := cfg.Suite(stdout)
	start := time.Now()

	fmt.Fprintf(stdout, "rcconform %s: dm.create differential comparison, level %s, spec %s\n", harnessVersion(), suite.Level, openapi.Digest())
	fmt.Fprintf(stdout, "target:  %s\n", describeTarget(cfg))
	fmt.Fprintf(stdout, "against: %s\n", describeAgainst(o))
	target, against, err := startServers(ctx, cfg, suite, o)
	if err != nil {
		return cannotRunErr(stderr, err)
	}
	defer func() {
		for _, s := range []*targets.Target{target.target, against.target} {
			if err := s.Stop(context.WithoutCancel(ctx)); err != nil {
				fmt.Fprintf(stdout, "rcconform: %v\n", err)
			}
		}
	}()
	release := target.shared.Release
	fmt.Fprintf(stdout, "target ready:  %s\nagainst ready: %s\nrelease: %s (%s); both servers are certified at it\n",
		target.describe(), against.describe(), release, target.shared.ReleaseSource)

	deadline, _ := ctx.Deadline()
	checks, err := diff.RunChecks(diff.CheckConfig{
		Target: target.endpoint, Against: against.endpoint, Release: release,
		MaxUsers: suite.MaxUsers, Level: suite.Level, LabelFilter: cfg.LabelFilter,
		Timeout: time.Until(deadline), HTTPTimeout: suite.HTTPTimeout, RateLimitBudget: suite.RateLimitBudget,
		AllowInsecure: suite.AllowInsecure, HarnessVersion: cfg.HarnessVersion,
		OnSide: func(side string) {
			if side == diff.TargetSide {
				fmt.Fprintln(stdout, "checks: running them at the target, then at the server compared against; one line per check compared")
			}
		},
		OnCheck: func(r diff.CheckResult) { printCheck(stdout, r) },
	})
	if err != nil {
		return cannotRunErr(stderr, err)
	}
	if checks.Cleanup != nil {
		fmt.Fprintf(stdout, "rcconform: some test users could not be deleted: %v\n", checks.Cleanup)
	}
	rep := &diff.Report{
		Format: diff.Format, HarnessVersion: cfg.HarnessVersion, SpecDigest: openapi.Digest(),
		Target: target.report(), Against: against.report(), Release: release, ReleaseSource: target.shared.ReleaseSource,
		StartTime: start.UTC(), Checks: &checks.Summary, Differences: checks.Differences,
	}
	if o.Explore > 0 {
		res, err := explore.Run(ctx, explore.Config{
			Target: target.endpoint, Against: against.endpoint, Cases: o.Explore, Seed: o.Seed,
			MaxUsers: suite.MaxUsers, Release: release, HTTPTimeout: suite.HTTPTimeout,
			RateLimitBudget: suite.RateLimitBudget, Log: stdout,
		})
		if err != nil {
			return cannotRunErr(stderr, err)
		}
		rep.Explore = &res.Summary
		rep.Differences = append(rep.Differences, res.Differences...)
	}
	rep.EndTime = time.Now().UTC()
	rep.Verdict = diff.Same
	if len(rep.Differences) > 0 {
		rep.Verdict = diff.Different
	}
	files, err := writeDiff(cfg, suite, target, against, checks, rep)
	if err != nil {
		return cannotRun(stderr, "cannot write the reports: %v", err)
	}
	printDiffSummary(stdout, rep, target, against, files)
	if rep.Verdict == diff.Different {
		return exitFailed
	}
	return exitPassed
}

// describeAgainst says which server the comparison is against, before it
// starts.
func describeAgainst(o config.Diff) string {
	switch {
	case o.URL != "":
		return "the server at " + rest.RedactURL(o.URL)
	case o.Image != "":
		return "the image " + o.Image + " in a container"
	case o.RocketChat.Version != "":
		return "Rocket.Chat " + o.RocketChat.Version + " with its MongoDB, started in containers"
	case o.Container:
		return "the bundled reference at the target's release, in a container"
	}
	return "the bundled reference at the target's release, in-process"
}

// startServers starts the target, settles its release, then starts the
// server compared against at that release. Failures are
// *conformance.CannotRun; on one, nothing stays running.
func startServers(ctx context.Context, cfg config.Config, s dmcreate.Config, o config.Diff) (compared, compared, error) {
	s = s.WithDefaults()
	t, sh, err := dmcreate.Start(ctx, s)
	if err != nil {
		return compared{}, compared{}, err
	}
	a := newCompared(s, t, sh)
	b, err := startAgainst(ctx, cfg, s, o, sh.Release)
	if err == nil {
		return a, b, nil
	}
	_ = a.target.Stop(context.WithoutCancel(ctx))
	var ce *conformance.CannotRun
	if errors.As(err, &ce) {
		err = &conformance.CannotRun{Reason: diff.AgainstReason(ce.Reason), Err: ce.Err}
	}
	return compared{}, compared{}, err
}

// startAgainst starts the server compared against, at the target's release.
func startAgainst(ctx context.Context, cfg config.Config, s dmcreate.Config, o config.Diff, release string) (compared, error) {
	c, err := againstConfig(cfg, s, o, release)
	if err != nil {
		return compared{}, err
	}
	c = c.WithDefaults()
	t, sh, err := dmcreate.StartAt(ctx, c, release, "the target's release")
	if err != nil {
		return compared{}, err
	}
	return newCompared(c, t, sh), nil
}

// againstConfig is how to obtain the server compared against: with the
// target's limits, at its release.
func againstConfig(cfg config.Config, s dmcreate.Config, o config.Diff, release string) (dmcreate.Config, error) {
	c := dmcreate.Config{
		AdminUser: o.AdminUser, AdminPassword: o.AdminPassword, MaxUsers: s.MaxUsers,
		StartTimeout: s.StartTimeout, HTTPTimeout: s.HTTPTimeout, RateLimitBudget: s.RateLimitBudget,
		AllowInsecure: s.AllowInsecure, Log: s.Log,
	}
	switch {
	case o.URL != "":
		c.URL = o.URL
	case o.Image != "":
		c.Image = o.Image
	case o.RocketChat.Version != "":
		c.RocketChat = o.RocketChat
		if cfg.StartTimeout == 0 {
			c.StartTimeout = min(5*time.Minute, cfg.Timeout) // Rocket.Chat takes a minute or two
		}
	default:
		rel, err := conformance.ParseRelease(release)
		if err != nil || !conformance.Supported.Contains(rel) {
			return c, &conformance.CannotRun{Reason: fmt.Sprintf("the bundled reference emulates the releases %s, and the target is certified at %s; compare against another server with --against, or choose the release with --rc-version", conformance.Supported, release)}
		}
		c.Target = targets.InProcess
		if o.Container {
			c.Target = targets.Container
		}
	}
	return c, nil
}

// newCompared is a server started with c, c's defaults filled in.
func newCompared(c dmcreate.Config, t *targets.Target, sh fw.Shared) compared {
	return compared{target: t, shared: sh, endpoint: diff.Endpoint{URL: t.URL, AdminUser: c.AdminUser, AdminPassword: c.AdminPassword}}
}

// cannotRunErr prints the one sentence of an error that stops the
// comparison and returns exitCannotRun.
func cannotRunErr(stderr io.Writer, err error) int {
	var ce *conformance.CannotRun
	if errors.As(err, &ce) {
		return cannotRun(stderr, "%s", ce.Reason)
	}
	return cannotRun(stderr, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
}

// printCheck prints one line per check compared, like run's progress.
func printCheck(out io.Writer, r diff.CheckResult) {
	tag, what := "SAME", plural(r.Exchanges, "exchange")
	switch {
	case r.Differing > 0:
		tag, what = "DIFF", fmt.Sprintf("%d of %s differ", r.Differing, plural(r.Exchanges, "exchange"))
	case r.Exchanges == 0:
		tag, what = "SKIP", r.Target
	}
	if r.Target != r.Against {
		what += fmt.Sprintf("; %s at the target, %s at the other", r.Target, r.Against)
	}
	fmt.Fprintf(out, "%s  %-32s %s (%s)\n", tag, r.ID, r.Title, what)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeDiff writes diff.json and the target's certificate, its page with
// the differences.
func writeDiff(cfg config.Config, s dmcreate.Config, target, against compared, checks *diff.Checks, rep *diff.Report) ([]string, error) {
	res, err := dmcreate.Results(checks.TargetReport, s, &target.shared, cfg.LabelFilter)
	if err != nil {
		return nil, fmt.Errorf("build the target's results: %w", err)
	}
	res.Comparison = rep.Comparison(against.describe())
	// report.Write creates the directory.
	files, err := report.Write(cfg.ReportDir, checks.TargetReport, res)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.ReportDir, diff.File)
	if err := rep.Write(path); err != nil {
		return nil, err
	}
	return append([]string{path}, files...), nil
}

func printDiffSummary(out io.Writer, rep *diff.Report, target, against compared, files []string) {
	if len(rep.Differences) > 0 {
		fmt.Fprintf(out, "\nDifferences between\n  target:  %s\n  against: %s\n", target.describe(), against.describe())
		fmt.Fprintln(out, "Names, ids and tokens are placeholders: {peer} is the peer's username, {peer.id} their id.")
		rep.Table(out)
	}
	if kinds := rep.Kinds(); len(kinds) > 0 {
		fmt.Fprintln(out, "\nWhat differs, and where (most likely one behaviour per line):")
		for _, k := range kinds {
			where := k.Origins
			if len(where) > 3 {
				where = append(where[:3:3], fmt.Sprintf("%d more", len(k.Origins)-3))
			}
			fmt.Fprintf(out, "  %3d× %s: %s\n", len(k.Origins), k.Signature, strings.Join(where, ", "))
		}
	}
	c := rep.Checks
	fmt.Fprintf(out, "\nSummary: %d checks compared, %d of %d exchanges differ", c.Checks, c.Differing, c.Exchanges)
	if e := rep.Explore; e != nil {
		fmt.Fprintf(out, "; %d generated cases (seed %d), %s", e.Cases, e.Seed, plural(e.Differences, "difference"))
		if e.Stopped != "" {
			fmt.Fprintf(out, " (%s)", e.Stopped)
		}
	}
	fmt.Fprintf(out, "\nReports: %s\n", strings.Join(files, ", "))
	if rep.Verdict == diff.Different {
		fmt.Fprintf(out, "Verdict: the servers differ (%s)\n", plural(len(rep.Differences), "difference"))
		return
	}
	fmt.Fprintln(out, "Verdict: no differences")
}
