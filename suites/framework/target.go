package framework

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/reference"
	"github.com/rcconform/rcconform/reference/container"
)

// Target is the server under test.
type Target struct {
	Kind  Kind   `json:"kind"`
	URL   string `json:"url"`
	Image string `json:"image,omitempty"`
	// Note says plainly how the target was chosen, e.g. why it runs in-process.
	Note string `json:"note,omitempty"`

	stop func(context.Context) error
}

// StartTarget obtains the target cfg describes: it starts the reference (in
// a container, or in-process when no Docker engine answers) or an image, or
// takes a URL as is. Failures are *rest.CannotRun.
func StartTarget(ctx context.Context, cfg Config) (*Target, error) {
	kind := cfg.Kind
	if kind == KindAuto {
		switch {
		case cfg.URL != "":
			kind = KindURL
		case cfg.Image != "":
			kind = KindImage
		}
	}
	log := cfg.Log
	if log == nil {
		log = io.Discard
	}
	switch kind {
	case KindURL:
		if cfg.URL == "" {
			return nil, &rest.CannotRun{Reason: "a URL target needs its URL (--target or RC_URL)"}
		}
		return &Target{Kind: KindURL, URL: strings.TrimRight(cfg.URL, "/"), Note: "a server given by URL"}, nil
	case KindImage:
		if err := container.Available(ctx); err != nil {
			return nil, &rest.CannotRun{Reason: fmt.Sprintf("the image target %q needs a Docker engine, and none answers; start Docker or give --target URL instead", cfg.Image), Err: err}
		}
		return startContainer(ctx, cfg, container.Options{Image: cfg.Image, Port: cfg.ImagePort}, log)
	case KindInProcess:
		return startInProcess(cfg, "the reference in-process, as asked")
	case KindContainer:
		if err := container.Available(ctx); err != nil {
			return nil, &rest.CannotRun{Reason: "the container target needs a Docker engine, and none answers; start Docker or choose the in-process target", Err: err}
		}
		return startContainer(ctx, cfg, referenceOptions(cfg), log)
	case KindAuto:
		if err := container.Available(ctx); err != nil {
			fmt.Fprintf(log, "rcconform: no Docker engine answers (%v); running the reference in-process instead of in a container\n", err)
			return startInProcess(cfg, "the reference in-process, because no Docker engine answers")
		}
		t, err := startContainer(ctx, cfg, referenceOptions(cfg), log)
		if err != nil {
			// E.g. an installed binary without the module source or a Go
			// toolchain to build the image from: the same reference still runs.
			fmt.Fprintf(log, "rcconform: %v; running the reference in-process instead\n", err)
			return startInProcess(cfg, "the reference in-process, because its container could not be started")
		}
		return t, nil
	}
	return nil, &rest.CannotRun{Reason: fmt.Sprintf("unknown target kind %q; use container, in-process, url or image", kind)}
}

// Stop ends what StartTarget started; a URL target is left alone.
func (t *Target) Stop(ctx context.Context) error {
	if t == nil || t.stop == nil {
		return nil
	}
	err := t.stop(ctx)
	t.stop = nil
	return err
}

func referenceOptions(cfg Config) container.Options {
	ref := cfg.Reference
	args := []string{"--max-users", strconv.Itoa(max(cfg.MaxUsers, 1))}
	if ref.RateLimit.Calls > 0 {
		args = append(args, "--rate-limit", strconv.Itoa(ref.RateLimit.Calls), "--rate-limit-window", ref.RateLimit.Window.String())
	}
	return container.Options{
		Env:  map[string]string{"ADMIN_USERNAME": cfg.AdminUser, "ADMIN_PASS": cfg.AdminPassword},
		Args: args,
	}
}

func startContainer(ctx context.Context, cfg Config, opts container.Options, log io.Writer) (*Target, error) {
	opts.StartupTimeout = cfg.StartTimeout
	opts.BuildLog = io.Discard
	if _, err := container.ReapLeftovers(ctx); err != nil {
		fmt.Fprintf(log, "rcconform: could not reap leftover containers: %v\n", err)
	}
	inst, err := container.Start(ctx, opts)
	if err != nil {
		return nil, &rest.CannotRun{Reason: "the target container could not be started", Err: err}
	}
	t := &Target{Kind: KindContainer, URL: inst.URL, Image: inst.Image, stop: inst.Stop}
	if opts.Image != "" {
		t.Kind = KindImage
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
	rc := cfg.Reference
	rc.AdminUsername, rc.AdminPassword, rc.MaxUsers = cfg.AdminUser, cfg.AdminPassword, cfg.MaxUsers
	srv, err := reference.New(rc)
	if err != nil {
		return nil, &rest.CannotRun{Reason: "the in-process reference could not be configured", Err: err}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, &rest.CannotRun{Reason: "the in-process reference cannot listen on loopback", Err: err}
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
	return &Target{Kind: KindInProcess, URL: "http://" + ln.Addr().String(), Note: note, stop: stop}, nil
}
