// Package framework is what every conformance suite shares: the target it
// talks to, the recorded and spec-validated HTTP client, check labels and
// the shared run state. Configuration is a plain struct; flags and the
// environment are read only by entry points.
package framework

import (
	"io"
	"time"

	"github.com/rcconform/rcconform/reference"
)

// Kind says how the target was obtained.
type Kind string

const (
	// KindAuto picks KindContainer when a Docker engine answers, else KindInProcess.
	KindAuto Kind = ""
	// KindContainer is the bundled reference in a FROM scratch container.
	KindContainer Kind = "container"
	// KindInProcess is the bundled reference on loopback inside this process.
	KindInProcess Kind = "in-process"
	// KindURL is any running server, given by its URL.
	KindURL Kind = "url"
	// KindImage is any image already on the Docker engine.
	KindImage Kind = "image"
)

// Config is everything a run needs to know. DefaultConfig gives the
// defaults; entry points fill it from flags or the environment.
type Config struct {
	// Kind chooses the target; KindAuto unless URL or Image is set.
	Kind Kind
	// URL of a running server (KindURL).
	URL string
	// Image already on the engine (KindImage); it must serve Rocket.Chat's
	// REST API on ImagePort.
	Image     string
	ImagePort string
	// AdminUser and AdminPassword log in the admin who provisions users.
	AdminUser     string
	AdminPassword string
	// MaxUsers is the target's DirectMesssage_maxUsers setting (Rocket.Chat's
	// default 8); the harness cannot read settings, so it is an option.
	MaxUsers int
	// Reference configures the bundled reference (container and in-process).
	Reference reference.Config
	// HTTPTimeout bounds every HTTP call to the target.
	HTTPTimeout time.Duration
	// StartTimeout bounds starting a container target.
	StartTimeout time.Duration
	// RateLimitBudget is the total time the run may wait on HTTP 429.
	RateLimitBudget time.Duration
	// Log receives progress notes (which target, image builds); nil discards.
	Log io.Writer
}

// DefaultConfig returns Rocket.Chat's defaults and the bundled reference.
func DefaultConfig() Config {
	ref := reference.DefaultConfig()
	return Config{
		AdminUser:       ref.AdminUsername,
		AdminPassword:   ref.AdminPassword,
		MaxUsers:        8,
		Reference:       ref,
		ImagePort:       "3000/tcp",
		HTTPTimeout:     10 * time.Second,
		StartTimeout:    90 * time.Second,
		RateLimitBudget: 3 * time.Minute,
	}
}
