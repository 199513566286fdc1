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
release the target reports and, where that release allows several
variants of a behaviour, like the variant the target showed
(--against-container runs it in a container); or any server by URL
(--against), image (--against-image), or Rocket.Chat of a release
(--against-rocketchat). Both are certified at the target's release, so
both run the same checks. A target that reports no release is compared at
the first release of the first line its answers fit.

A difference between two answers that the release both allows, as
different variants of a behaviour it has not established (say the legacy
and the typed route of 8.3-8.5), is known variation: it is listed apart,
with the behaviour that explains it, and does not count as a difference.

It writes diff.json (the comparison), and the target's results.json,
report.html (with the differences) and junit.xml into --report-dir.

Exit codes: 0 the servers answered alike, or differed only within the
release's known variation; 1 they differ; 2 the comparison could not
happen.

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
	target, against, variation, err := startServers(ctx, cfg, suite, o)
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
	release := variation.Release
	fmt.Fprintf(stdout, "target ready:  %s\nagainst ready: %s\n", target.describe(), against.describe())
	if target.shared.Release != "" {
		fmt.Fprintf(stdout, "release: %s (%s); both servers are certified at it\n", release, variation.Source)
	} else {
		fmt.Fprintf(stdout, "release: %s; the target is certified by the lines its answers fit, the server compared against at %s\n", variation.Source, release)
	}
	variation.SetAgainst(against.shared.Fingerprint)
	fmt.Fprintf(stdout, "variation: %s\n", variation.Describe())
	// A server compared against that is not the reference answering as
	// the target's variants may show others the release allows: references
	// with either server's variants then tell that variation apart.
	alternates, stopAlternates, err := diff.StartAlternates(variation, suite.MaxUsers)
	if err != nil {
		return cannotRun(stderr, "the references that tell the release's known variation apart could not start: %v", err)
	}
	defer stopAlternates()
	for _, a := range alternates {
		fmt.Fprintf(stdout, "variation: the checks and the generated cases also run at %s\n", a.Name())
	}

	deadline, _ := ctx.Deadline()
	checks, err := diff.RunChecks(diff.CheckConfig{
		Target: target.endpoint, Against: against.endpoint, Release: target.shared.Release, AgainstRelease: release,
		Variation: variation, Alternates: alternates,
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
		Target: target.report(), Against: against.report(), Release: release, ReleaseSource: variation.Source, Variation: variation,
		StartTime: start.UTC(), Checks: &checks.Summary, Differences: checks.Differences, WithinVariation: checks.WithinVariation,
	}
	if o.Explore > 0 {
		res, err := explore.Run(ctx, explore.Config{
			Target: target.endpoint, Against: against.endpoint, Cases: o.Explore, Seed: o.Seed,
			MaxUsers: suite.MaxUsers, Release: release, HTTPTimeout: suite.HTTPTimeout,
			RateLimitBudget: suite.RateLimitBudget, Variation: variation, Alternates: alternates, Log: stdout,
		})
		if err != nil {
			return cannotRunErr(stderr, err)
		}
		rep.Explore = &res.Summary
		rep.Differences = append(rep.Differences, res.Differences...)
		rep.WithinVariation = append(rep.WithinVariation, res.WithinVariation...)
	}
	rep.EndTime = time.Now().UTC()
	rep.Judge()
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
		return "the bundled reference at the target's release, as the target's variants where the release allows them, in a container"
	}
	return "the bundled reference at the target's release, as the target's variants where the release allows them, in-process"
}

// startServers starts the target, settles the release the comparison is
// judged at and what it allows, then starts the server compared against
// at that release. Failures are *conformance.CannotRun; on one, nothing
// stays running.
func startServers(ctx context.Context, cfg config.Config, s dmcreate.Config, o config.Diff) (compared, compared, *diff.Variation, error) {
	s = s.WithDefaults()
	t, sh, err := dmcreate.Start(ctx, s)
	if err != nil {
		return compared{}, compared{}, nil, err
	}
	a := newCompared(s, t, sh)
	v, err := comparisonVariation(sh)
	if err == nil {
		var b compared
		if b, err = startAgainst(ctx, cfg, s, o, v, sh.Release != ""); err == nil {
			return a, b, v, nil
		}
		var ce *conformance.CannotRun
		if errors.As(err, &ce) {
			err = &conformance.CannotRun{Reason: diff.AgainstReason(ce.Reason), Err: ce.Err}
		}
	}
	_ = a.target.Stop(context.WithoutCancel(ctx))
	return compared{}, compared{}, nil, err
}

// comparisonVariation is the release the comparison is judged at (the
// target's, else one of the first line its fingerprint fits) and what it
// allows.
func comparisonVariation(sh fw.Shared) (*diff.Variation, error) {
	release, source, err := diff.ComparisonRelease(sh.Release, sh.ReleaseSource, sh.Assessment)
	if err != nil {
		return nil, &conformance.CannotRun{Reason: "no release to compare the target at; choose one with --rc-version", Err: err}
	}
	v, err := diff.NewVariation(release, source, sh.Fingerprint)
	if err != nil {
		return nil, &conformance.CannotRun{Reason: fmt.Sprintf("the comparison cannot be judged at %s; choose another release with --rc-version", release), Err: err}
	}
	return v, nil
}

// startAgainst starts the server compared against, at the comparison's
// release (the target's own when targetRelease); the bundled reference
// answers as the target's variants.
func startAgainst(ctx context.Context, cfg config.Config, s dmcreate.Config, o config.Diff, v *diff.Variation, targetRelease bool) (compared, error) {
	c, err := againstConfig(cfg, s, o, v.Release)
	if err != nil {
		return compared{}, err
	}
	if c.Target == targets.InProcess || c.Target == targets.Container {
		c.Reference.Variants = v.Variants
		v.ReferenceStarted = true
	}
	c = c.WithDefaults()
	from := "the target's release"
	if !targetRelease {
		from = "the first release of the first line the target's answers fit"
	}
	t, sh, err := dmcreate.StartAt(ctx, c, v.Release, from)
	if err != nil {
		return compared{}, err
	}
	return newCompared(c, t, sh), nil
}

// againstConfig is how to obtain the server compared against: with the
// target's limits, at the comparison's release.
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
		if err != nil || !conformance.Known.Contains(rel) {
			return c, &conformance.CannotRun{Reason: fmt.Sprintf("the bundled reference emulates the releases %s, and the target is certified at %q; compare against another server with --against, or choose the release with --rc-version", conformance.Known, release)}
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
		if r.Within > 0 {
			what += fmt.Sprintf(", %d more within known variation: %s", r.Within, strings.Join(r.Dimensions, ", "))
		}
	case r.Within > 0:
		tag, what = "VARY", fmt.Sprintf("%d of %s differ within known variation: %s", r.Within, plural(r.Exchanges, "exchange"), strings.Join(r.Dimensions, ", "))
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
	if len(rep.WithinVariation) > 0 {
		fmt.Fprintf(out, "\nWithin the known variation of %s, not counted as differences (%s):\n", rep.Release, strings.Join(rep.WithinDimensions(), ", "))
		rep.WithinTable(out)
	}
	c := rep.Checks
	fmt.Fprintf(out, "\nSummary: %d checks compared, %d of %d exchanges differ", c.Checks, c.Differing, c.Exchanges)
	if c.WithinVariation > 0 {
		fmt.Fprintf(out, ", %d more within known variation", c.WithinVariation)
	}
	if e := rep.Explore; e != nil {
		fmt.Fprintf(out, "; %d generated cases (seed %d), %s", e.Cases, e.Seed, plural(e.Differences, "difference"))
		if e.WithinVariation > 0 {
			fmt.Fprintf(out, " and %d within known variation", e.WithinVariation)
		}
		if e.Stopped != "" {
			fmt.Fprintf(out, " (%s)", e.Stopped)
		}
	}
	fmt.Fprintf(out, "\nReports: %s\n", strings.Join(files, ", "))
	dims := strings.Join(rep.WithinDimensions(), ", ")
	switch n := len(rep.WithinVariation); {
	case rep.Verdict == diff.Different && n > 0:
		fmt.Fprintf(out, "Verdict: the servers differ (%s; %d more within the known variation of %s: %s)\n", plural(len(rep.Differences), "difference"), n, rep.Release, dims)
	case rep.Verdict == diff.Different:
		fmt.Fprintf(out, "Verdict: the servers differ (%s)\n", plural(len(rep.Differences), "difference"))
	case rep.Verdict == diff.WithinVariation:
		fmt.Fprintf(out, "Verdict: no differences beyond the known variation of %s (%d within it: %s)\n", rep.Release, n, dims)
	default:
		fmt.Fprintln(out, "Verdict: no differences")
	}
}
