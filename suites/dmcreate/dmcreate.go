// Package dmcreate is the conformance certification of Rocket.Chat's
// POST /api/v1/dm.create and its alias im.create: a catalogue of checks,
// one file per behaviour family, each declared once as data with its
// evidence. Three entry points run it: Test inside a caller's go test,
// GinkgoTest inside a caller's own Ginkgo tree, and Run for the rcconform
// command. The package holds no mutable state of its own.
package dmcreate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/fixtures"
	"github.com/rcconform/rcconform/rcapi"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// The admin a run logs in as by default: the bundled reference's.
const (
	DefaultAdminUser     = conformance.DefaultAdminUser
	DefaultAdminPassword = conformance.DefaultAdminPassword
)

// Server is the server a run certifies, as whoever obtained it describes it.
type Server = fw.Server

// Config says which running server to certify and how. The suite is given
// its server: its URL, or Start, which obtains one (package certify starts
// the bundled reference, an image or Rocket.Chat that way). Zero values mean
// the defaults: the bundled reference's admin, Rocket.Chat's default member
// limit, the compat level and the release the server reports.
type Config struct {
	// URL of the running server to certify.
	URL string
	// Start, when set, obtains the server instead: the run's first process
	// calls it once and the others are given what it returned; stop (nil
	// for nothing) is called when the run ends.
	Start func(ctx context.Context) (s Server, stop func(context.Context) error, err error)
	// Kind and Image say how Start obtains the server, for the reports of
	// a run that stops before it does.
	Kind, Image string
	// AdminUser and AdminPassword log in the admin who provisions the
	// test users (default: the bundled reference's admin).
	AdminUser     string
	AdminPassword string
	// MaxUsers is the server's DirectMesssage_maxUsers setting (default 8).
	MaxUsers int
	// Level is the widest level that counts toward the verdict (default
	// compat). Recommended checks run at every level.
	Level conformance.Level
	// RCVersion is the Rocket.Chat release to certify against; empty takes
	// the server's GET /api/info. RCVersionFrom says where it came from,
	// for the reports (default "--rc-version (RC_VERSION)").
	RCVersion     string
	RCVersionFrom string
	// HTTPClient, when set, carries every call to the server; its transport
	// is wrapped to wait on HTTP 429, and it follows no redirect.
	HTTPClient *http.Client
	// ReportDir, when set, receives results.json, report.html and junit.xml.
	ReportDir string
	// HTTPTimeout bounds each call (default 10 s), StartTimeout Start
	// (default 90 s), RateLimitBudget the total wait on HTTP 429 (default 3
	// min).
	HTTPTimeout     time.Duration
	StartTimeout    time.Duration
	RateLimitBudget time.Duration
	// HarnessVersion is recorded in the results (default "devel").
	HarnessVersion string
	// Log receives progress notes; nil discards them.
	Log io.Writer
	// Trace receives how long each phase of the run took (starting the
	// server, provisioning, the checks ...); nil ignores them.
	Trace conformance.Trace
}

// DefaultConfig returns the configuration the zero values stand for.
func DefaultConfig() Config { return Config{}.WithDefaults() }

// WithDefaults returns c with its zero values replaced by the defaults they
// stand for.
func (c Config) WithDefaults() Config {
	if c.AdminUser == "" {
		c.AdminUser = DefaultAdminUser
	}
	if c.AdminPassword == "" {
		c.AdminPassword = DefaultAdminPassword
	}
	if c.MaxUsers == 0 {
		c.MaxUsers = conformance.DefaultMaxUsers
	}
	if c.Level == "" {
		c.Level = conformance.Compat
	}
	if c.RCVersionFrom == "" {
		c.RCVersionFrom = "--rc-version (RC_VERSION)"
	}
	if c.HTTPTimeout == 0 {
		c.HTTPTimeout = 10 * time.Second
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = 90 * time.Second
	}
	if c.RateLimitBudget == 0 {
		c.RateLimitBudget = 3 * time.Minute
	}
	if c.HarnessVersion == "" {
		c.HarnessVersion = "devel"
	}
	return c
}

func (c Config) log() io.Writer {
	if c.Log == nil {
		return io.Discard
	}
	return c.Log
}

func (c Config) options() fw.Options {
	return fw.Options{
		AdminUser: c.AdminUser, AdminPassword: c.AdminPassword, MaxUsers: c.MaxUsers,
		RCVersion: c.RCVersion, RCVersionFrom: c.RCVersionFrom, HTTPClient: c.HTTPClient, HTTPTimeout: c.HTTPTimeout,
		RateLimitBudget: c.RateLimitBudget,
	}
}

// Prepare obtains the server cfg names (calling Start when set), logs its
// admin in, settles the release and probes the fingerprint, as a run's
// setup does; it provisions no users. Failures are *conformance.CannotRun;
// on one, nothing it started stays running. The caller calls stop.
func Prepare(ctx context.Context, cfg Config) (fw.Shared, func(context.Context) error, error) {
	cfg = cfg.WithDefaults()
	server := Server{URL: cfg.URL, Kind: "url", Note: "a server given by URL"}
	stop := func(context.Context) error { return nil }
	switch {
	case cfg.Start != nil:
		began := time.Now()
		var err error
		if server, stop, err = cfg.Start(ctx); err != nil {
			return fw.Shared{}, nil, err
		}
		cfg.Trace.Since("start the target", began)
		if stop == nil {
			stop = func(context.Context) error { return nil }
		}
	case cfg.URL == "":
		return fw.Shared{}, nil, &conformance.CannotRun{Reason: "no server to certify: give its URL (dmcreate.Config.URL, --target or RC_URL)"}
	}
	fmt.Fprintf(cfg.log(), "rcconform: target %s: %s\n", server.URL, server.Note)
	began := time.Now()
	sh, err := fw.Prepare(ctx, cfg.options(), server)
	if err != nil {
		_ = stop(context.WithoutCancel(ctx))
		return fw.Shared{}, nil, err
	}
	cfg.Trace.Since("log in, settle the release, probe", began)
	return sh, stop, nil
}

// Session is one Ginkgo process's part of a run: the target, the release
// it is certified at, and personas of this process's own.
type Session struct {
	mu     sync.Mutex
	ready  bool
	stop   func(context.Context) error // what the setup started; nil when none
	shared fw.Shared
	env    *fw.Env
	// stopping is the stop of the target a run started, which goes on
	// while the results are written; Run waits for it before it returns.
	stopping sync.WaitGroup
}

// Shared returns what the run settled (target, release), or nil before
// the setup did.
func (s *Session) Shared() *fw.Shared {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ready && s.env == nil {
		return nil
	}
	sh := s.shared
	return &sh
}

// start obtains the server and settles the release; failures are
// *conformance.CannotRun.
func (s *Session) start(ctx context.Context, cfg Config) error {
	sh, stop, err := Prepare(ctx, cfg)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.stop, s.shared, s.ready = stop, sh, true
	s.mu.Unlock()
	return nil
}

// join provisions this process's personas on the shared target.
func (s *Session) join(ctx context.Context, cfg Config, sh fw.Shared) error {
	env, err := fw.Join(ctx, cfg.options(), sh)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.shared, s.env = sh, env
	s.mu.Unlock()
	return nil
}

// Cleanup deletes this process's users and stops a target it started.
// GinkgoTest's callers call it from their own AfterSuite.
func (s *Session) Cleanup(ctx context.Context) error {
	var errs []error
	if err := s.deleteUsers(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := s.stopTarget(ctx); err != nil {
		errs = append(errs, err)
	}
	s.mu.Lock()
	s.env, s.ready = nil, false
	s.mu.Unlock()
	if len(errs) > 0 {
		return fmt.Errorf("rcconform cleanup: %v", errs)
	}
	return nil
}

// deleteUsers deletes this process's users.
func (s *Session) deleteUsers(ctx context.Context) error {
	s.mu.Lock()
	env := s.env
	s.mu.Unlock()
	if err := env.Cleanup(ctx); err != nil {
		return fmt.Errorf("some test users could not be deleted: %w", err)
	}
	return nil
}

// stopTarget stops a server this process started.
func (s *Session) stopTarget(ctx context.Context) error {
	s.mu.Lock()
	stop := s.stop
	s.stop = nil
	s.mu.Unlock()
	if stop == nil {
		return nil
	}
	return stop(ctx)
}

// Personas are the users a run made on its server, for a comparison that
// names them in the exchanges.
type Personas struct {
	// RunID is the run-unique part of the usernames ("rcc-<RunID>-<key>").
	RunID string
	// Users are this process's personas, those deleted since included.
	Users []fixtures.User
	Admin rcapi.Credentials
	// Probe is the user the setup's probes made, and deleted.
	Probe fixtures.User
}

// Personas returns the users this process provisioned so far.
func (s *Session) Personas() Personas {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.env == nil {
		return Personas{}
	}
	return Personas{RunID: s.env.Cast.RunID, Users: s.env.Cast.All(), Admin: s.env.Cast.Admin, Probe: s.shared.ProbeUser}
}

// run runs one check in this process's environment.
func (s *Session) run(ctx SpecContext, level conformance.Level, c check) {
	s.mu.Lock()
	envp := s.env
	s.mu.Unlock()
	if envp == nil {
		Fail(fw.CannotRunPrefix + "the suite setup did not provision this process's users")
	}
	if c.Level != recommended && !level.Counts(c.Level) {
		// Run selects by label; a caller's own tree (GinkgoTest) does not.
		Skip(fmt.Sprintf("not selected: a %s check, and the run is at level %s", c.Level, level))
	}
	e := env{Env: envp, level: level, client: envp.Client.WithProfile(profile(level, c.Level))}
	body := func() {
		if c.Run != nil {
			c.Run(ctx, e)
			return
		}
		e.judge(ctx, c)
	}
	if c.Level == recommended && !level.Counts(recommended) {
		if err := InterceptGomegaFailure(body); err != nil {
			Skip(conformance.RecommendedNotMet + err.Error())
		}
		return
	}
	body()
}

// profile is what a check's exchanges are validated against: a core check
// holds the answers to what the doc page states, and at compat accepts a
// release's own answers too; the others hold them to the strict spec.
func profile(run, check conformance.Level) fw.Profile {
	switch {
	case check != core:
		return fw.Strict
	case run == core:
		return fw.DocOnly
	}
	return fw.DocOrStrict
}

// register adds every check to the Ginkgo tree, one Describe per family,
// each It at the check's own declaration; before is called at the start of
// each check.
func register(s *Session, level func() conformance.Level, before func(SpecContext)) {
	checks := catalogue()
	for _, f := range families() {
		Describe(f.title, func() {
			for _, c := range checks {
				if c.family != f.name {
					continue
				}
				It(c.Title, c.At, Label(c.info().Labels()...), func(ctx SpecContext) {
					before(ctx)
					s.run(ctx, level(), c)
				})
			}
		})
	}
}

// GinkgoTest registers the checks inside the caller's own Ginkgo tree, next
// to their own BeforeSuite and specs (the form of csi-sanity's GinkgoTest).
// cfg is read when the first check runs, so a BeforeSuite may still fill it
// in. Each Ginkgo process sets itself up on first use; call Cleanup on the
// returned session from an AfterSuite to delete the test users and stop a
// target it started.
func GinkgoTest(cfg *Config) *Session {
	s := &Session{}
	var once sync.Once
	var setupErr error
	ensure := func(ctx SpecContext) {
		once.Do(func() {
			c := cfg.WithDefaults()
			if setupErr = s.start(ctx, c); setupErr == nil {
				setupErr = s.join(ctx, c, s.shared)
			}
		})
		if setupErr != nil {
			AbortSuite(fw.CannotRunMessage(setupErr))
		}
	}
	Describe("dm.create conformance", func() {
		register(s, func() conformance.Level { return cfg.WithDefaults().Level }, ensure)
	})
	return s
}

// setupNodes registers the suite-level setup of a run this package owns:
// process 1 starts the target and settles the release, every process
// provisions its own personas, and cleanup runs on every exit path.
func setupNodes(s *Session, cfg Config) {
	SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
		if err := s.start(ctx, cfg); err != nil {
			Fail(fw.CannotRunMessage(err))
		}
		DeferCleanup(func(ctx SpecContext) {
			// No check needs the target any more: removing it (a container
			// takes a tenth of a second or more) overlaps writing the reports.
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			s.stopping.Go(func() {
				defer cancel()
				defer cfg.Trace.Since("stop the target (while the reports are written)", time.Now())
				if err := s.stopTarget(stopCtx); err != nil {
					fmt.Fprintf(cfg.log(), "rcconform: %v\n", err)
				}
			})
		})
		data, err := json.Marshal(s.shared)
		Expect(err).NotTo(HaveOccurred(), "encode the suite state")
		return data
	}, func(ctx SpecContext, data []byte) {
		var sh fw.Shared
		Expect(json.Unmarshal(data, &sh)).To(Succeed(), "decode the suite state")
		began := time.Now()
		if err := s.join(ctx, cfg, sh); err != nil {
			Fail(fw.CannotRunMessage(err))
		}
		cfg.Trace.Since("provision the users", began)
		if sh.Target.Disposable {
			return // the users go with the server
		}
		DeferCleanup(func(ctx SpecContext) {
			defer cfg.Trace.Since("delete the users", time.Now())
			if err := s.deleteUsers(ctx); err != nil {
				fmt.Fprintf(cfg.log(), "rcconform: %v\n", err)
			}
		}, NodeTimeout(2*time.Minute))
	}, NodeTimeout(cfg.StartTimeout+3*time.Minute))
}
