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
	"github.com/rcconform/rcconform/reference"
	fw "github.com/rcconform/rcconform/suites/framework"
	"github.com/rcconform/rcconform/targets"
)

// Config says what to certify and how. Zero values mean the defaults of
// the rcconform command: the bundled reference (in a container when a
// Docker engine answers, else in-process), its admin, Rocket.Chat's default
// member limit, the compat level and the release the target reports.
type Config struct {
	// URL of a running server to certify; empty certifies the bundled
	// reference, or Image when that is set.
	URL string
	// AdminUser and AdminPassword log in the admin who provisions the
	// test users (default: the bundled reference's admin).
	AdminUser     string
	AdminPassword string
	// Image is an image already on the Docker engine to start and certify.
	Image string
	// ImagePort is the port Image serves on (default 3000/tcp).
	ImagePort string
	// Target forces how the bundled reference runs: targets.Container or
	// targets.InProcess (default: container when Docker answers).
	Target targets.Kind
	// RocketChat, with a Version, starts a real Rocket.Chat of that release
	// with its MongoDB in containers and certifies it at that release.
	RocketChat targets.RocketChatConfig
	// MaxUsers is the target's DirectMesssage_maxUsers setting (default 8).
	MaxUsers int
	// Level is the widest level that counts toward the verdict (default
	// compat). Recommended checks run at every level.
	Level conformance.Level
	// RCVersion is the Rocket.Chat release to certify against; empty takes
	// the target's GET /api/info. With the bundled reference it also makes
	// the reference behave like that release.
	RCVersion string
	// HTTPClient, when set, carries every call to the target; its transport
	// is wrapped to wait on HTTP 429, and it follows no redirect.
	HTTPClient *http.Client
	// ReportDir, when set, receives results.json, report.html and junit.xml.
	ReportDir string
	// HTTPTimeout bounds each call (default 10 s), StartTimeout the start of
	// a container target (default 90 s), RateLimitBudget the total wait on
	// HTTP 429 (default 3 min).
	HTTPTimeout     time.Duration
	StartTimeout    time.Duration
	RateLimitBudget time.Duration
	// AllowInsecure lets credentials go over plain http to a public address.
	AllowInsecure bool
	// Reference tunes the bundled reference (its rate limiter, its creation).
	Reference reference.Config
	// HarnessVersion is recorded in the results (default "devel").
	HarnessVersion string
	// Log receives progress notes; nil discards them.
	Log io.Writer
}

// TargetKind is the kind of target the run certifies: auto resolved.
func (c Config) TargetKind() targets.Kind { return c.targetConfig().ResolvedKind() }

// DefaultConfig returns the configuration the zero values stand for.
func DefaultConfig() Config { return Config{}.withDefaults() }

func (c Config) withDefaults() Config {
	def := reference.DefaultConfig()
	if c.AdminUser == "" {
		c.AdminUser = def.AdminUsername
	}
	if c.AdminPassword == "" {
		c.AdminPassword = def.AdminPassword
	}
	if c.ImagePort == "" {
		c.ImagePort = "3000/tcp"
	}
	if c.MaxUsers == 0 {
		c.MaxUsers = def.MaxUsers
	}
	if c.Level == "" {
		c.Level = conformance.Compat
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
	release, from := c.RCVersion, "--rc-version (RC_VERSION)"
	if release == "" && c.RocketChat.Version != "" {
		// The release started is the one certified.
		release, from = c.RocketChat.Version, "--rocketchat (RC_ROCKETCHAT_VERSION), the release started"
	}
	return fw.Options{
		AdminUser: c.AdminUser, AdminPassword: c.AdminPassword, MaxUsers: c.MaxUsers,
		RCVersion: release, RCVersionFrom: from, HTTPClient: c.HTTPClient, HTTPTimeout: c.HTTPTimeout,
		RateLimitBudget: c.RateLimitBudget,
	}
}

func (c Config) targetConfig() targets.Config {
	ref := c.Reference
	ref.MaxUsers = c.MaxUsers
	if c.RCVersion != "" {
		ref.Version = c.RCVersion
	}
	return targets.Config{
		Kind: c.Target, URL: c.URL, Image: c.Image, ImagePort: c.ImagePort,
		AdminUser: c.AdminUser, AdminPassword: c.AdminPassword, Reference: ref, RocketChat: c.RocketChat,
		StartTimeout: c.StartTimeout, AllowInsecure: c.AllowInsecure, Log: c.log(),
	}
}

// Session is one Ginkgo process's part of a run: the target, the release
// it is certified at, and personas of this process's own.
type Session struct {
	mu     sync.Mutex
	ready  bool
	target *targets.Target
	shared fw.Shared
	env    *fw.Env
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

// start obtains the target and settles the release; failures are
// *conformance.CannotRun.
func (s *Session) start(ctx context.Context, cfg Config) error {
	target, err := targets.Start(ctx, cfg.targetConfig())
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.log(), "rcconform: target %s: %s\n", target.URL, target.Note)
	sh, err := fw.Prepare(ctx, cfg.options(), target)
	if err != nil {
		_ = target.Stop(context.WithoutCancel(ctx))
		return err
	}
	s.mu.Lock()
	s.target, s.shared, s.ready = target, sh, true
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

// stopTarget stops a target this process started.
func (s *Session) stopTarget(ctx context.Context) error {
	s.mu.Lock()
	target := s.target
	s.target = nil
	s.mu.Unlock()
	return target.Stop(ctx)
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
			c := cfg.withDefaults()
			if setupErr = s.start(ctx, c); setupErr == nil {
				setupErr = s.join(ctx, c, s.shared)
			}
		})
		if setupErr != nil {
			AbortSuite(fw.CannotRunMessage(setupErr))
		}
	}
	Describe("dm.create conformance", func() {
		register(s, func() conformance.Level { return cfg.withDefaults().Level }, ensure)
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
			if err := s.stopTarget(ctx); err != nil {
				fmt.Fprintf(cfg.log(), "rcconform: %v\n", err)
			}
		}, NodeTimeout(time.Minute))
		data, err := json.Marshal(s.shared)
		Expect(err).NotTo(HaveOccurred(), "encode the suite state")
		return data
	}, func(ctx SpecContext, data []byte) {
		var sh fw.Shared
		Expect(json.Unmarshal(data, &sh)).To(Succeed(), "decode the suite state")
		if err := s.join(ctx, cfg, sh); err != nil {
			Fail(fw.CannotRunMessage(err))
		}
		DeferCleanup(func(ctx SpecContext) {
			if err := s.deleteUsers(ctx); err != nil {
				fmt.Fprintf(cfg.log(), "rcconform: %v\n", err)
			}
		}, NodeTimeout(2*time.Minute))
	}, NodeTimeout(cfg.StartTimeout+3*time.Minute))
}
