package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
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
	"github.com/rcconform/rcconform/reference"
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

// diffOptions are the settings diff adds to those of run.
type diffOptions struct {
	URL, AdminUser, AdminPassword, Image string
	Container                            bool
	RocketChat                           targets.RocketChatConfig
	Explore                              int
	Seed                                 uint64
	seedGiven                            bool
}

// diffSetting is one of them: its flag, its variable, its help.
type diffSetting struct {
	flag, env, usage string
	isBool           bool
	set              func(o *diffOptions, v string) error
}

func diffSettings() []diffSetting {
	str := func(p func(*diffOptions) *string) func(*diffOptions, string) error {
		return func(o *diffOptions, v string) error { *p(o) = v; return nil }
	}
	return []diffSetting{
		{flag: "against", env: "RC_AGAINST_URL", usage: "base URL of the server to compare against (default: the bundled reference at the target's release)", set: str(func(o *diffOptions) *string { return &o.URL })},
		{flag: "against-admin-user", env: "RC_AGAINST_ADMIN_USER", usage: "admin of that server, who provisions its test users (default: the bundled reference's)", set: str(func(o *diffOptions) *string { return &o.AdminUser })},
		{flag: "against-admin-password", env: "RC_AGAINST_ADMIN_PASSWORD", usage: "that admin's password (prefer the variable or --against-admin-password-file: a flag shows in ps)", set: str(func(o *diffOptions) *string { return &o.AdminPassword })},
		{flag: "against-admin-password-file", env: "RC_AGAINST_ADMIN_PASSWORD_FILE", usage: "file holding that admin's password (its first line)", set: func(o *diffOptions, v string) error {
			raw, err := os.ReadFile(v)
			if err != nil {
				return fmt.Errorf("cannot read the against admin password file: %w", err)
			}
			first, _, _ := strings.Cut(string(raw), "\n")
			if o.AdminPassword = strings.TrimRight(first, "\r"); o.AdminPassword == "" {
				return fmt.Errorf("the against admin password file %s is empty", v)
			}
			return nil
		}},
		{flag: "against-image", env: "RC_AGAINST_IMAGE", usage: "image on the local Docker engine to start and compare against", set: str(func(o *diffOptions) *string { return &o.Image })},
		{flag: "against-container", env: "RC_AGAINST_CONTAINER", isBool: true, usage: "run the bundled reference compared against in a container rather than in-process", set: func(o *diffOptions, v string) error {
			b, err := strconv.ParseBool(v)
			o.Container = b
			if err != nil {
				return fmt.Errorf("RC_AGAINST_CONTAINER must be true or false, not %q", v)
			}
			return nil
		}},
		{flag: "against-rocketchat", env: "RC_AGAINST_ROCKETCHAT_VERSION", usage: "start Rocket.Chat of this release with its MongoDB in containers, and compare against it", set: func(o *diffOptions, v string) error {
			if _, err := conformance.ParseRelease(v); err != nil {
				return fmt.Errorf("%q is not a release such as 8.6.1", v)
			}
			o.RocketChat.Version = v
			return nil
		}},
		{flag: "against-rocketchat-image", env: "RC_AGAINST_ROCKETCHAT_IMAGE", usage: "Rocket.Chat's image for --against-rocketchat (default " + targets.DefaultRocketChatImage("VERSION") + ")", set: str(func(o *diffOptions) *string { return &o.RocketChat.Image })},
		{flag: "against-mongo-image", env: "RC_AGAINST_MONGO_IMAGE", usage: "MongoDB's image for --against-rocketchat (default: one the release supports)", set: str(func(o *diffOptions) *string { return &o.RocketChat.MongoImage })},
		{flag: "explore", env: "RC_EXPLORE", usage: "also send N generated cases to both servers and compare the answers (default 0)", set: func(o *diffOptions, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("--explore must be a number of cases, not %q", v)
			}
			o.Explore = n
			return nil
		}},
		{flag: "seed", env: "RC_SEED", usage: "seed of the generated cases: the same seed generates the same cases (default: a random one, printed)", set: func(o *diffOptions, v string) error {
			s, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("--seed must be a non-negative integer, not %q", v)
			}
			o.Seed, o.seedGiven = s, true
			return nil
		}},
	}
}

// parseDiff reads run's settings and diff's own, from the environment and
// then the flags; it returns false with the exit code when no comparison
// should start.
func parseDiff(args []string, stdout, stderr io.Writer) (config.Config, diffOptions, int, bool) {
	var o diffOptions
	fail := func(format string, a ...any) (config.Config, diffOptions, int, bool) {
		return config.Config{}, o, cannotRun(stderr, format+"; see rcconform diff -h", a...), false
	}
	fs := flag.NewFlagSet("rcconform diff", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as one sentence below
	var setErr error
	for _, s := range diffSettings() {
		if v := os.Getenv(s.env); v != "" {
			if err := s.set(&o, v); err != nil {
				return fail("%s: %v", s.env, err)
			}
		}
		set := func(v string) error {
			if err := s.set(&o, v); err != nil {
				setErr = fmt.Errorf("--%s: %w", s.flag, err)
				return err
			}
			return nil
		}
		help := s.usage + " (env " + s.env + ")"
		if s.isBool {
			fs.BoolFunc(s.flag, help, set)
		} else {
			fs.Func(s.flag, help, set)
		}
	}
	cfg, err := config.Load(fs, args, os.Getenv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, diffUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return cfg, o, exitPassed, false
	case setErr != nil:
		return fail("%v", setErr)
	case fs.NArg() > 0:
		return fail("diff takes no arguments, got %q", fs.Args())
	case err != nil:
		return fail("%v", err)
	case cfg.RerunFailed != "":
		return fail("--rerun-failed (RC_RERUN_FAILED) is for rcconform run; a comparison runs every selected check")
	}
	if err := o.check(); err != nil {
		return fail("%v", err)
	}
	if cfg.ReportDir == "" {
		cfg.ReportDir = "report"
	}
	cfg.HarnessVersion = harnessVersion()
	if !o.seedGiven {
		// Below 2^53, so that diff.json carries it exactly to any reader.
		var b [8]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		o.Seed = binary.LittleEndian.Uint64(b[:]) & (1<<53 - 1)
	}
	return cfg, o, 0, true
}

// check says what is wrong with the settings of the server compared against.
func (o diffOptions) check() error {
	given := 0
	for _, set := range []bool{o.URL != "", o.Image != "", o.RocketChat.Version != "", o.Container} {
		if set {
			given++
		}
	}
	bundled := o.URL == "" && o.Image == "" && o.RocketChat.Version == ""
	switch {
	case given > 1:
		return errors.New("give one of --against, --against-image, --against-rocketchat and --against-container")
	case o.RocketChat.Version == "" && (o.RocketChat.Image != "" || o.RocketChat.MongoImage != ""):
		return errors.New("--against-rocketchat-image and --against-mongo-image go with --against-rocketchat VERSION")
	case bundled && (o.AdminUser != "" || o.AdminPassword != ""):
		return errors.New("the bundled reference compared against has its own admin; --against-admin-user and --against-admin-password go with --against, --against-image or --against-rocketchat")
	}
	if o.URL != "" {
		return config.CheckServerURL("--against", o.URL, "--against-admin-user", "--against-admin-password-file")
	}
	return nil
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
	fmt.Fprintf(stdout, "against: %s\n", o.describe())
	target, against, err := startServers(ctx, cfg, suite, o, stdout)
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

// describe says which server the comparison is against, before it starts.
func (o diffOptions) describe() string {
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
func startServers(ctx context.Context, cfg config.Config, s dmcreate.Config, o diffOptions, log io.Writer) (compared, compared, error) {
	def := dmcreate.DefaultConfig()
	adminUser, adminPassword := orDefault(s.AdminUser, def.AdminUser), orDefault(s.AdminPassword, def.AdminPassword)
	tc := targets.Config{
		Kind: s.Target, URL: s.URL, Image: s.Image, ImagePort: orDefault(s.ImagePort, def.ImagePort),
		AdminUser: adminUser, AdminPassword: adminPassword,
		Reference:  reference.Config{MaxUsers: s.MaxUsers, Version: s.RCVersion},
		RocketChat: s.RocketChat, StartTimeout: s.StartTimeout, AllowInsecure: s.AllowInsecure, Log: log,
	}
	release, from := s.RCVersion, "--rc-version (RC_VERSION)"
	if release == "" && s.RocketChat.Version != "" {
		release, from = s.RocketChat.Version, "--rocketchat (RC_ROCKETCHAT_VERSION), the release started"
	}
	a, err := startCompared(ctx, tc, fw.Options{
		AdminUser: adminUser, AdminPassword: adminPassword, MaxUsers: s.MaxUsers, RCVersion: release, RCVersionFrom: from,
		HTTPTimeout: s.HTTPTimeout, RateLimitBudget: s.RateLimitBudget,
	})
	if err != nil {
		return compared{}, compared{}, err
	}
	bc, err := againstConfig(cfg, s, o, a.shared.Release, log)
	if err == nil {
		var b compared
		b, err = startCompared(ctx, bc, fw.Options{
			AdminUser: bc.AdminUser, AdminPassword: bc.AdminPassword, MaxUsers: s.MaxUsers,
			RCVersion: a.shared.Release, RCVersionFrom: "the target's release",
			HTTPTimeout: s.HTTPTimeout, RateLimitBudget: s.RateLimitBudget,
		})
		if err == nil {
			return a, b, nil
		}
	}
	_ = a.target.Stop(context.WithoutCancel(ctx))
	var ce *conformance.CannotRun
	if errors.As(err, &ce) {
		// The sentences name the target's flags; these are the other server's.
		err = &conformance.CannotRun{Reason: "the server compared against: " + strings.ReplaceAll(ce.Reason, "--admin-", "--against-admin-"), Err: ce.Err}
	}
	return compared{}, compared{}, err
}

// againstConfig is how to obtain the server compared against.
func againstConfig(cfg config.Config, s dmcreate.Config, o diffOptions, release string, log io.Writer) (targets.Config, error) {
	ref := reference.DefaultConfig()
	c := targets.Config{
		AdminUser: orDefault(o.AdminUser, ref.AdminUsername), AdminPassword: orDefault(o.AdminPassword, ref.AdminPassword),
		StartTimeout: s.StartTimeout, AllowInsecure: s.AllowInsecure, Log: log,
	}
	switch {
	case o.URL != "":
		c.Kind, c.URL = targets.URL, o.URL
	case o.Image != "":
		c.Kind, c.Image, c.ImagePort = targets.Image, o.Image, orDefault(s.ImagePort, dmcreate.DefaultConfig().ImagePort)
	case o.RocketChat.Version != "":
		c.Kind, c.RocketChat = targets.RocketChat, o.RocketChat
		if cfg.StartTimeout == 0 {
			c.StartTimeout = min(5*time.Minute, cfg.Timeout) // Rocket.Chat takes a minute or two
		}
	default:
		rel, err := conformance.ParseRelease(release)
		if err != nil || !conformance.Supported.Contains(rel) {
			return c, &conformance.CannotRun{Reason: fmt.Sprintf("the bundled reference emulates the releases %s, and the target is certified at %s; compare against another server with --against, or choose the release with --rc-version", conformance.Supported, release)}
		}
		c.Kind, c.Reference = targets.InProcess, reference.Config{Version: release, MaxUsers: s.MaxUsers}
		if o.Container {
			c.Kind = targets.Container
		}
	}
	return c, nil
}

// startCompared obtains a server and logs its admin in; on failure it stops it.
func startCompared(ctx context.Context, tc targets.Config, opts fw.Options) (compared, error) {
	t, err := targets.Start(ctx, tc)
	if err != nil {
		return compared{}, err
	}
	sh, err := fw.Prepare(ctx, opts, t)
	if err != nil {
		_ = t.Stop(context.WithoutCancel(ctx))
		return compared{}, err
	}
	return compared{target: t, shared: sh, endpoint: diff.Endpoint{URL: t.URL, AdminUser: opts.AdminUser, AdminPassword: opts.AdminPassword}}, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
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
	if err := os.MkdirAll(cfg.ReportDir, 0o755); err != nil {
		return nil, fmt.Errorf("create the report directory: %w", err)
	}
	path := filepath.Join(cfg.ReportDir, diff.File)
	if err := rep.Write(path); err != nil {
		return nil, err
	}
	sh := target.shared
	rel, _ := conformance.ParseRelease(sh.Release)
	res, err := report.FromGinkgo(checks.TargetReport, report.Run{
		HarnessVersion: cfg.HarnessVersion, Level: s.Level, LabelFilter: cfg.LabelFilter,
		Target: report.Target{
			URL: rest.RedactURL(sh.Target.URL), Kind: string(sh.Target.Kind), Note: sh.Target.Note, Image: sh.Target.Image,
			ServerVersion: sh.Version, Release: sh.Release, ReleaseSource: sh.ReleaseSource, ReleaseLine: conformance.Describe(rel),
		},
	}, dmcreate.Catalogue())
	if err != nil {
		return nil, fmt.Errorf("build the target's results: %w", err)
	}
	res.Comparison = rep.Comparison(against.describe())
	files, err := report.Write(cfg.ReportDir, checks.TargetReport, res)
	if err != nil {
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
