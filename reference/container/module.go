package container

import (
	"context"
	"io"
	"time"

	"github.com/rcconform/rcconform/reference"
)

// Container is the reference server running in a container, for the
// integration tests of Rocket.Chat clients, bots and SDKs: a test double of
// the Rocket.Chat REST API that behaves like a released line.
type Container struct {
	inst          *Instance
	adminUser     string
	adminPassword string
}

// URL is the server's base URL, e.g. http://127.0.0.1:32770.
func (c *Container) URL() string { return c.inst.URL }

// AdminUser and AdminPassword are the admin's credentials, for POST
// /api/v1/login.
func (c *Container) AdminUser() string     { return c.adminUser }
func (c *Container) AdminPassword() string { return c.adminPassword }

// Terminate removes the container.
func (c *Container) Terminate(ctx context.Context) error {
	if c == nil {
		return nil
	}
	return c.inst.Stop(ctx)
}

// Option configures Run.
type Option func(*runSettings)

type runSettings struct {
	ref      reference.Config
	startup  time.Duration
	buildLog io.Writer
}

// WithRelease makes the server behave like a Rocket.Chat release of one of
// the lines 6.0 to 9.x (default 8.6.1, conformance.DefaultRelease).
func WithRelease(version string) Option { return func(s *runSettings) { s.ref.Version = version } }

// WithVariant makes the server emulate this variant of a dimension (ids of
// conformance.Dimensions, e.g. "names", "exact") where the release's line
// allows several; other dimensions take the line's most likely variant.
func WithVariant(dimension, variant string) Option {
	return func(s *runSettings) {
		if s.ref.Variants == nil {
			s.ref.Variants = map[string]string{}
		}
		s.ref.Variants[dimension] = variant
	}
}

// WithMaxUsers sets DirectMesssage_maxUsers (default 8).
func WithMaxUsers(n int) Option { return func(s *runSettings) { s.ref.MaxUsers = n } }

// WithAdmin sets the admin's username and password (default admin /
// admin-pass).
func WithAdmin(user, password string) Option {
	return func(s *runSettings) { s.ref.AdminUsername, s.ref.AdminPassword = user, password }
}

// WithRateLimit turns Rocket.Chat's dm.create limiter on: calls per window
// and client address, for users without api-bypass-rate-limit.
func WithRateLimit(calls int, window time.Duration) Option {
	return func(s *runSettings) { s.ref.RateLimit = reference.RateLimit{Calls: calls, Window: window} }
}

// WithStartupTimeout bounds the build and start (default 60 s).
func WithStartupTimeout(d time.Duration) Option { return func(s *runSettings) { s.startup = d } }

// WithBuildLog receives the output of building the image.
func WithBuildLog(w io.Writer) Option { return func(s *runSettings) { s.buildLog = w } }

// Run builds the reference image when the engine lacks it and starts it,
// like a testcontainers-go module. It needs the Go toolchain and this
// module's source (or module cache) to build the image, and no registry.
// Call Terminate when done; Run never changes the process environment.
func Run(ctx context.Context, opts ...Option) (*Container, error) {
	s := runSettings{ref: reference.DefaultConfig()}
	for _, o := range opts {
		o(&s)
	}
	if _, err := reference.New(s.ref); err != nil {
		return nil, err // a bad option, said before any container starts
	}
	start := ReferenceOptions(s.ref)
	start.StartupTimeout, start.BuildLog = s.startup, s.buildLog
	inst, err := Start(ctx, start)
	if err != nil {
		return nil, err
	}
	return &Container{inst: inst, adminUser: s.ref.AdminUsername, adminPassword: s.ref.AdminPassword}, nil
}
