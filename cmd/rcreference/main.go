// Command rcreference serves the reference Rocket.Chat implementation
// (package reference) over HTTP until SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference"
)

// shutdownGrace is how long in-flight requests may finish on SIGTERM.
// Connections that never sent a request would hold Shutdown for 5 s, so
// whatever is left after the grace is closed.
const shutdownGrace = time.Second

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "rcreference:", err)
		os.Exit(1)
	}
}

func run(args []string) (err error) {
	def := reference.DefaultConfig()
	fs := flag.NewFlagSet("rcreference", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:3000", "listen address (port 0 picks a free port)")
	maxUsers := fs.Int("max-users", def.MaxUsers, "DirectMesssage_maxUsers: members allowed in a direct message, caller included")
	calls := fs.Int("rate-limit", 0, "dm.create/im.create calls allowed per window and client IP (0: off)")
	window := fs.Duration("rate-limit-window", time.Minute, "rate limit window")
	version := fs.String("rc-version", def.Version, "Rocket.Chat release to behave like and report from GET /api/info, on one of the release lines "+lineNames())
	variants := variantFlags{}
	fs.Var(variants, "variant", "emulate `DIMENSION=VARIANT` where the release's line allows several variants, instead of its most likely one (repeatable, e.g. names=exact); the dimensions and their variants: "+dimensionNames())
	delay := fs.Bool("unauthorized-delay", false, "delay 401 answers by 0.5 to 1 s, as the Restivus router does (unauthorized=restivus)")
	racy := fs.Bool("racy-creation", false, "find or create rooms like released Rocket.Chat, look-up then insert, so that concurrent creations can race")
	rcEnv := fs.Bool("rocketchat-env", false, "configure from the environment of Rocket.Chat's container image (PORT, ROOT_URL, MONGO_URL, ADMIN_*, OVERWRITE_SETTING_API_Enable_Rate_Limiter), and refuse to start unless MONGO_URL's server answers; the release is RCCONFORM_RELEASE and RCCONFORM_VARIANTS adds comma-separated DIMENSION=VARIANT")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	switch {
	case *maxUsers < 1:
		return fmt.Errorf("--max-users must be at least 1, got %d", *maxUsers)
	case *calls < 0:
		return fmt.Errorf("--rate-limit must not be negative, got %d", *calls)
	case *window <= 0:
		return fmt.Errorf("--rate-limit-window must be positive, got %s", *window)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg := reference.Config{
		AdminUsername:     envOr("ADMIN_USERNAME", def.AdminUsername),
		AdminPassword:     envOr("ADMIN_PASS", def.AdminPassword),
		MaxUsers:          *maxUsers,
		Version:           *version,
		Variants:          variants,
		RateLimit:         reference.RateLimit{Calls: *calls, Window: *window},
		UnauthorizedDelay: *delay,
		RacyCreation:      *racy,
		Logger:            logger,
	}
	if *rcEnv {
		if *addr, err = rocketChatEnv(&cfg, os.Getenv); err != nil {
			return err
		}
	}
	srv, err := reference.New(cfg)
	if err != nil {
		return err
	}

	// Listen first so that the logged URL carries the real port.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := reference.NewHTTPServer(ln.Addr().String(), srv)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	// A plain line, so that scripts can take the URL as the last field.
	logger.Info("emulating", slog.String("release", cfg.Version), slog.String("line", srv.Line()), slog.String("variants", formatVariants(srv.Variants())))
	log.New(os.Stderr, "", 0).Printf("rcreference %s listening on http://%s", cfg.Version, ln.Addr())

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stop()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shutdown: %w", err)
		}
		if err := hs.Close(); err != nil {
			return fmt.Errorf("close: %w", err)
		}
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// variantFlags collects --variant DIMENSION=VARIANT, one per dimension.
type variantFlags map[string]string

func (v variantFlags) String() string { return formatVariants(v) }

func (v variantFlags) Set(s string) error {
	dim, variant, err := conformance.ParseVariant(s)
	if err != nil {
		return err
	}
	if prev, ok := v[dim]; ok && prev != variant {
		return fmt.Errorf("%s is given twice, as %s and as %s", dim, prev, variant)
	}
	v[dim] = variant
	return nil
}

// formatVariants writes DIMENSION=VARIANT pairs in the model's order of
// dimensions, comma-separated.
func formatVariants(v map[string]string) string {
	var parts []string
	for _, d := range conformance.Dimensions {
		if variant, ok := v[d.ID]; ok {
			parts = append(parts, d.ID+"="+variant)
		}
	}
	return strings.Join(parts, ",")
}

func lineNames() string {
	names := make([]string, len(conformance.Lines))
	for i, l := range conformance.Lines {
		names[i] = l.Name
	}
	return strings.Join(names, ", ")
}

func dimensionNames() string {
	names := make([]string, len(conformance.Dimensions))
	for i, d := range conformance.Dimensions {
		names[i] = d.ID + " (" + strings.Join(d.VariantIDs(), "|") + ")"
	}
	return strings.Join(names, ", ")
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
