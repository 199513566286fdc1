// Package targets obtains the server a run certifies: the bundled reference
// in a container or in-process, any image already on the Docker engine, or
// any running server given by URL.
package targets

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference"
	"github.com/rcconform/rcconform/reference/container"
)

// Kind says how the target is obtained.
type Kind string

const (
	// Auto picks Container when a Docker engine answers, else InProcess;
	// with a URL or an image it means URL or Image.
	Auto Kind = ""
	// Container is the bundled reference in a FROM scratch container.
	Container Kind = "container"
	// InProcess is the bundled reference on loopback inside this process.
	InProcess Kind = "in-process"
	// URL is any running server, given by its URL.
	URL Kind = "url"
	// Image is any image already on the Docker engine.
	Image Kind = "image"
	// RocketChat is a real Rocket.Chat of a given release with its MongoDB,
	// in containers.
	RocketChat Kind = "rocketchat"
)

// Kinds lists the kinds a user may ask for.
var Kinds = []Kind{Container, InProcess, URL, Image, RocketChat}

// Config says which target to obtain.
type Config struct {
	Kind Kind
	// URL of a running server (URL).
	URL string
	// Image already on the engine (Image); it must serve Rocket.Chat's
	// REST API on ImagePort.
	Image     string
	ImagePort string
	// AdminUser and AdminPassword become the bundled reference's admin.
	AdminUser     string
	AdminPassword string
	// Reference configures the bundled reference; its Version, when set,
	// makes it behave like that Rocket.Chat release.
	Reference reference.Config
	// StartTimeout bounds starting a container.
	StartTimeout time.Duration
	// RocketChat configures the RocketChat kind.
	RocketChat RocketChatConfig
	// AllowInsecure lets a URL target be plain http on a public address,
	// where the admin's password would cross the network in clear.
	AllowInsecure bool
	// Log receives progress notes (which target, why); nil discards them.
	Log io.Writer
	// Trace receives how long each phase of starting and stopping a
	// container took; nil ignores them.
	Trace conformance.Trace
}

// Target is the server under test.
type Target struct {
	Kind  Kind   `json:"kind"`
	URL   string `json:"url"`
	Image string `json:"image,omitempty"`
	// Note says plainly how the target was chosen, e.g. why it runs in-process.
	Note string `json:"note,omitempty"`

	stop func(context.Context) error
}

// ResolvedKind is the kind Start obtains when asked for Auto with a URL or
// an image; Auto still means container or in-process.
func (cfg Config) ResolvedKind() Kind {
	if cfg.Kind == Auto {
		switch {
		case cfg.URL != "":
			return URL
		case cfg.Image != "":
			return Image
		case cfg.RocketChat.Version != "":
			return RocketChat
		}
	}
	return cfg.Kind
}

// Start obtains the target cfg describes. Failures are *conformance.CannotRun.
func Start(ctx context.Context, cfg Config) (*Target, error) {
	kind := cfg.ResolvedKind()
	log := cfg.Log
	if log == nil {
		log = io.Discard
	}
	switch kind {
	case URL:
		if cfg.URL == "" {
			return nil, &conformance.CannotRun{Reason: "a URL target needs its URL (--target or RC_URL)"}
		}
		if !cfg.AllowInsecure {
			if err := CheckTransport(ctx, cfg.URL); err != nil {
				return nil, err
			}
		}
		return &Target{Kind: URL, URL: strings.TrimRight(cfg.URL, "/"), Note: "a server given by URL"}, nil
	case Image:
		if err := container.Available(ctx); err != nil {
			return nil, &conformance.CannotRun{Reason: fmt.Sprintf("the image target %q needs a Docker engine, and none answers; start Docker or give --target URL instead", cfg.Image), Err: err}
		}
		return startContainer(ctx, cfg, container.Options{Image: cfg.Image, Port: cfg.ImagePort}, log)
	case InProcess:
		return startInProcess(cfg, "the reference in-process, as asked")
	case RocketChat:
		return startRocketChat(ctx, cfg, log)
	case Container:
		if err := available(ctx, cfg.Trace); err != nil {
			return nil, &conformance.CannotRun{Reason: "the container target needs a Docker engine, and none answers; start Docker or choose the in-process target", Err: err}
		}
		return startContainer(ctx, cfg, container.ReferenceOptions(referenceConfig(cfg)), log)
	case Auto:
		if err := available(ctx, cfg.Trace); err != nil {
			fmt.Fprintf(log, "rcconform: no Docker engine answers (%v); running the reference in-process instead of in a container\n", err)
			return startInProcess(cfg, "the reference in-process, because no Docker engine answers")
		}
		t, err := startContainer(ctx, cfg, container.ReferenceOptions(referenceConfig(cfg)), log)
		if err != nil {
			// E.g. an installed binary without the module source or a Go
			// toolchain to build the image from: the same reference still runs.
			fmt.Fprintf(log, "rcconform: %v; running the reference in-process instead\n", err)
			return startInProcess(cfg, "the reference in-process, because its container could not be started")
		}
		return t, nil
	}
	return nil, &conformance.CannotRun{Reason: fmt.Sprintf("unknown target kind %q; use container, in-process, url or image", kind)}
}

// Warm asks the Docker engine, in the background, whether it answers when
// cfg's target may run in a container: testcontainers keeps the engine's
// answer for the process, so Start finds it there while the run's own
// setup went on meanwhile. Start still reports an engine that does not
// answer.
func Warm(ctx context.Context, cfg Config) {
	switch cfg.ResolvedKind() {
	case Auto, Container, Image:
		// Bounded as Start is: Start's own question waits on this one.
		limit := cfg.StartTimeout
		if limit <= 0 {
			limit = time.Minute
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
		go func() {
			defer cancel()
			_ = container.Available(ctx)
		}()
	}
}

// Stop ends what Start started; a URL target is left alone.
func (t *Target) Stop(ctx context.Context) error {
	if t == nil || t.stop == nil {
		return nil
	}
	err := t.stop(ctx)
	t.stop = nil
	return err
}

// referenceConfig is the bundled reference's configuration with the admin
// the run logs in as.
func referenceConfig(cfg Config) reference.Config {
	rc := cfg.Reference
	rc.AdminUsername, rc.AdminPassword = cfg.AdminUser, cfg.AdminPassword
	return rc
}

// available says whether a Docker engine answers.
func available(ctx context.Context, trace conformance.Trace) error {
	defer trace.Since("target: docker engine check", time.Now())
	return container.Available(ctx)
}

func startContainer(ctx context.Context, cfg Config, opts container.Options, log io.Writer) (*Target, error) {
	opts.StartupTimeout = cfg.StartTimeout
	opts.BuildLog = io.Discard
	opts.Trace = cfg.Trace
	began := time.Now()
	if _, err := container.ReapLeftovers(ctx); err != nil {
		fmt.Fprintf(log, "rcconform: could not reap leftover containers: %v\n", err)
	}
	cfg.Trace.Since("target: reap leftover containers", began)
	inst, err := container.Start(ctx, opts)
	if err != nil {
		return nil, &conformance.CannotRun{Reason: "the target container could not be started", Err: err}
	}
	t := &Target{Kind: Container, URL: inst.URL, Image: inst.Image, stop: inst.Stop}
	if opts.Image != "" {
		t.Kind = Image
		t.Note = "the image " + opts.Image + " in a container"
	} else {
		t.Note = "the reference in a container (" + inst.Image + ")"
		if inst.Built {
			t.Note += ", image built for this run"
		}
	}
	return t, nil
}

func startInProcess(cfg Config, note string) (*Target, error) {
	srv, err := reference.New(referenceConfig(cfg))
	if err != nil {
		return nil, &conformance.CannotRun{Reason: "the in-process reference could not be configured", Err: err}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, &conformance.CannotRun{Reason: "the in-process reference cannot listen on loopback", Err: err}
	}
	hs := reference.NewHTTPServer(ln.Addr().String(), srv)
	go func() { _ = hs.Serve(ln) }()
	// The run is over when it stops: nothing is in flight, and connections
	// that never sent a request would hold a graceful Shutdown for 5 s.
	stop := func(context.Context) error {
		if err := hs.Close(); err != nil {
			return fmt.Errorf("stop the in-process reference: %w", err)
		}
		return nil
	}
	return &Target{Kind: InProcess, URL: "http://" + ln.Addr().String(), Note: note, stop: stop}, nil
}
