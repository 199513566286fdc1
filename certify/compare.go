package certify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/diff"
	"github.com/rcconform/rcconform/explore"
	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/suites/dmcreate"
	fw "github.com/rcconform/rcconform/suites/framework"
	"github.com/rcconform/rcconform/targets"
)

// Against names the server a comparison is against: a URL, an image,
// Rocket.Chat of a release, or (none of them) the bundled reference at the
// target's release, in a container when Container is set.
type Against struct {
	URL        string
	Image      string
	RocketChat targets.RocketChatConfig
	Container  bool
	// AdminUser and AdminPassword log in that server's admin (default: the
	// bundled reference's).
	AdminUser     string
	AdminPassword string
	// Explore is how many generated cases to send to both servers; Seed
	// determines them.
	Explore int
	Seed    uint64
}

// Describe says which server the comparison is against, before it starts.
func (a Against) Describe() string {
	if d := describeGiven(a.URL, a.Image, a.RocketChat.Version); d != "" {
		return d
	}
	if a.Container {
		return "the bundled reference at the target's release, as the target's variants where the release allows them, in a container"
	}
	return "the bundled reference at the target's release, as the target's variants where the release allows them, in-process"
}

// CompareOptions say where a comparison reports its progress.
type CompareOptions struct {
	// Out receives a line per step (servers ready, release, variation).
	Out io.Writer
	// OnSide is called as the checks start at a server; OnCheck as each
	// check has run at both and been compared.
	OnSide  func(side string)
	OnCheck func(diff.CheckResult)
}

// Comparison is what Compare found and wrote.
type Comparison struct {
	Report *diff.Report
	// Target and Against describe the two servers in a few words.
	Target, Against string
	// Files are the reports written: diff.json, then the target's
	// certificate.
	Files []string
}

// compared is one of the two servers, started, its admin logged in.
type compared struct {
	shared   fw.Shared
	stop     func(context.Context) error
	endpoint diff.Endpoint
}

func (s compared) report() diff.Server {
	t := s.shared.Target
	return diff.Server{URL: rest.RedactURL(t.URL), Kind: t.Kind, Note: t.Note, Image: t.Image, ServerVersion: s.shared.Version}
}

func (s compared) describe() string {
	d := rest.RedactURL(s.shared.Target.URL) + ", " + s.shared.Target.Note
	if s.shared.Version != "" {
		d += ", version " + s.shared.Version
	}
	return d
}

// Compare sends every selected check's requests, and a's generated cases,
// to the plan's server and to the one a names, and compares the answers:
// the comparison is judged at the target's release, and differences its
// allowed variants explain are known variation. It writes diff.json and
// the target's certificate into the plan's report directory. A comparison
// that cannot happen returns a *conformance.CannotRun.
func Compare(ctx context.Context, p Plan, a Against, opts CompareOptions) (*Comparison, error) {
	p = p.WithDefaults()
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	start := time.Now()
	target, against, variation, err := startServers(ctx, p, a)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, s := range []compared{target, against} {
			if err := s.stop(context.WithoutCancel(ctx)); err != nil {
				fmt.Fprintf(out, "rcconform: %v\n", err)
			}
		}
	}()
	release := variation.Release
	fmt.Fprintf(out, "target ready:  %s\nagainst ready: %s\n", target.describe(), against.describe())
	if target.shared.Release != "" {
		fmt.Fprintf(out, "release: %s (%s); both servers are certified at it\n", release, variation.Source)
	} else {
		fmt.Fprintf(out, "release: %s; the target is certified by the lines its answers fit, the server compared against at %s\n", variation.Source, release)
	}
	variation.SetAgainst(against.shared.Fingerprint)
	fmt.Fprintf(out, "variation: %s\n", variation.Describe())
	// A server compared against that is not the reference answering as the
	// target's variants may show others the release allows: references with
	// either server's variants then tell that variation apart.
	alternates, stopAlternates, err := diff.StartAlternates(variation, p.MaxUsers)
	if err != nil {
		return nil, &conformance.CannotRun{Reason: "the references that tell the release's known variation apart could not start", Err: err}
	}
	defer stopAlternates()
	for _, alt := range alternates {
		fmt.Fprintf(out, "variation: the checks and the generated cases also run at %s\n", alt.Name())
	}

	filter, err := p.Filter()
	if err != nil {
		return nil, &conformance.CannotRun{Reason: err.Error()}
	}
	deadline, _ := ctx.Deadline()
	checks, err := diff.RunChecks(diff.CheckConfig{
		Target: target.endpoint, Against: against.endpoint, Release: target.shared.Release, AgainstRelease: release,
		Variation: variation, Alternates: alternates,
		MaxUsers: p.MaxUsers, Level: p.Level, LabelFilter: filter,
		Timeout: time.Until(deadline), HTTPTimeout: p.HTTPTimeout, RateLimitBudget: p.RateLimitBudget,
		HarnessVersion: p.HarnessVersion, OnSide: opts.OnSide, OnCheck: opts.OnCheck,
	})
	if err != nil {
		return nil, err
	}
	if checks.Cleanup != nil {
		fmt.Fprintf(out, "rcconform: some test users could not be deleted: %v\n", checks.Cleanup)
	}
	rep := &diff.Report{
		Format: diff.Format, HarnessVersion: p.HarnessVersion, SpecDigest: openapi.Digest(),
		Target: target.report(), Against: against.report(), Release: release, ReleaseSource: variation.Source, Variation: variation,
		StartTime: start.UTC(), Checks: &checks.Summary, Differences: checks.Differences, WithinVariation: checks.WithinVariation,
	}
	if a.Explore > 0 {
		res, err := explore.Run(ctx, explore.Config{
			Target: target.endpoint, Against: against.endpoint, Cases: a.Explore, Seed: a.Seed,
			MaxUsers: p.MaxUsers, Release: release, HTTPTimeout: p.HTTPTimeout,
			RateLimitBudget: p.RateLimitBudget, Variation: variation, Alternates: alternates, Log: out,
		})
		if err != nil {
			return nil, err
		}
		rep.Explore = &res.Summary
		rep.Differences = append(rep.Differences, res.Differences...)
		rep.WithinVariation = append(rep.WithinVariation, res.WithinVariation...)
	}
	rep.EndTime = time.Now().UTC()
	rep.Judge()
	files, err := writeComparison(p, filter, target, against, checks, rep)
	if err != nil {
		return nil, &conformance.CannotRun{Reason: "cannot write the reports", Err: err}
	}
	return &Comparison{Report: rep, Target: target.describe(), Against: against.describe(), Files: files}, nil
}

// startServers starts the target, settles the release the comparison is
// judged at and what it allows, then starts the server compared against at
// that release. Failures are *conformance.CannotRun; on one, nothing stays
// running.
func startServers(ctx context.Context, p Plan, a Against) (compared, compared, *diff.Variation, error) {
	t, err := startSide(ctx, p.Suite())
	if err != nil {
		return compared{}, compared{}, nil, err
	}
	v, err := comparisonVariation(t.shared)
	if err == nil {
		var b compared
		if b, err = startAgainst(ctx, p, a, v, t.shared.Release != ""); err == nil {
			return t, b, v, nil
		}
		var ce *conformance.CannotRun
		if errors.As(err, &ce) {
			err = &conformance.CannotRun{Reason: diff.AgainstReason(ce.Reason), Err: ce.Err}
		}
	}
	_ = t.stop(context.WithoutCancel(ctx))
	return compared{}, compared{}, nil, err
}

// startSide obtains a server as a run's setup does.
func startSide(ctx context.Context, c dmcreate.Config) (compared, error) {
	c = c.WithDefaults()
	sh, stop, err := dmcreate.Prepare(ctx, c)
	if err != nil {
		return compared{}, err
	}
	return compared{shared: sh, stop: stop, endpoint: diff.Endpoint{URL: sh.Target.URL, AdminUser: c.AdminUser, AdminPassword: c.AdminPassword}}, nil
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

// startAgainst starts the server compared against at the comparison's
// release (the target's own when targetRelease), with the target's limits;
// the bundled reference answers as the target's variants.
func startAgainst(ctx context.Context, p Plan, a Against, v *diff.Variation, targetRelease bool) (compared, error) {
	q := Plan{
		AdminUser: a.AdminUser, AdminPassword: a.AdminPassword, MaxUsers: p.MaxUsers, Level: p.Level,
		Timeout: p.Timeout, StartTimeout: p.StartTimeout, HTTPTimeout: p.HTTPTimeout, RateLimitBudget: p.RateLimitBudget,
		AllowInsecure: p.AllowInsecure, HarnessVersion: p.HarnessVersion, Log: p.Log, RCVersion: v.Release,
	}
	switch {
	case a.URL != "":
		q.URL = a.URL
	case a.Image != "":
		q.Image = a.Image
	case a.RocketChat.Version != "":
		q.RocketChat = a.RocketChat
		if p.StartTimeout < DefaultRocketChatStartLimit {
			q.StartTimeout = min(DefaultRocketChatStartLimit, p.Timeout)
		}
	default:
		rel, err := conformance.ParseRelease(v.Release)
		if err != nil || !conformance.Known.Contains(rel) {
			return compared{}, &conformance.CannotRun{Reason: fmt.Sprintf("the bundled reference emulates the releases %s, and the target is certified at %q; compare against another server with --against, or choose the release with --rc-version", conformance.Known, v.Release)}
		}
		q.Target = targets.InProcess
		if a.Container {
			q.Target = targets.Container
		}
		q.Reference.Variants = v.Variants
		v.ReferenceStarted = true
	}
	c := q.Suite()
	c.RCVersionFrom = "the target's release"
	if !targetRelease {
		c.RCVersionFrom = "the first release of the first line the target's answers fit"
	}
	return startSide(ctx, c)
}

// writeComparison writes diff.json and the target's certificate, its page
// with the differences.
func writeComparison(p Plan, filter string, target, against compared, checks *diff.Checks, rep *diff.Report) ([]string, error) {
	res, err := dmcreate.Results(checks.TargetReport, p.Suite(), &target.shared, filter)
	if err != nil {
		return nil, fmt.Errorf("build the target's results: %w", err)
	}
	res.Comparison = rep.Comparison(against.describe())
	// report.Write creates the directory.
	files, err := report.Write(p.ReportDir, checks.TargetReport, res)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(p.ReportDir, diff.File)
	if err := rep.Write(path); err != nil {
		return nil, err
	}
	return append([]string{path}, files...), nil
}
