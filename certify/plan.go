// Package certify owns a run: one Plan holds every setting and its
// default, Run certifies the server the plan names, and Compare compares it
// with another server. The rcconform command, `go test ./suites/dmcreate`
// and make fidelity (through the command) all go through it; package config
// binds flags and RC_* variables to a Plan. It is the layer that obtains
// servers (package targets), so that the suite itself only ever sees a
// running one.
package certify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/reference"
	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/suites/dmcreate"
	"github.com/rcconform/rcconform/targets"
)

// Plan is one run: which server, how to judge it, where to report. Zero
// values stand for the defaults WithDefaults fills in.
type Plan struct {
	// URL is a running server to certify; Image an image on the local
	// Docker engine to start (serving on ImagePort); RocketChat, with a
	// Version, Rocket.Chat of that release with its MongoDB. With none of
	// them the bundled reference runs: in a container when a Docker engine
	// answers, else in-process, unless Target forces one.
	URL        string
	Image      string
	ImagePort  string
	RocketChat targets.RocketChatConfig
	Target     targets.Kind
	// Reference tunes the bundled reference (its variants, rate limiter).
	Reference reference.Config
	// AdminUser and AdminPassword log in the admin who provisions users.
	AdminUser     string
	AdminPassword string
	// AllowInsecure lets credentials go over plain http to a public address.
	AllowInsecure bool
	// Level is the widest level that counts toward the verdict.
	Level conformance.Level
	// RCVersion is the release to certify against (default: what the
	// server reports; with --rocketchat, the release started).
	RCVersion string
	// MaxUsers is the server's DirectMesssage_maxUsers setting.
	MaxUsers int
	// LabelFilter narrows the checks (Ginkgo label syntax); RerunFailed is
	// a report directory whose failed checks alone run again.
	LabelFilter string
	RerunFailed string
	// Timeout bounds the whole run, and every wait inside it: HTTPTimeout
	// each call, StartTimeout starting a server, RateLimitBudget the total
	// wait on HTTP 429.
	Timeout         time.Duration
	HTTPTimeout     time.Duration
	StartTimeout    time.Duration
	RateLimitBudget time.Duration
	// ReportDir receives the reports (none are written when it is empty;
	// the rcconform command's default is DefaultReportDir); HarnessVersion
	// is recorded in them.
	ReportDir      string
	HarnessVersion string
	// HTTPClient, when set, carries every call to the server.
	HTTPClient *http.Client
	// Log receives progress notes; nil discards them.
	Log io.Writer
	// Trace receives how long each phase of the run took; nil ignores them.
	Trace conformance.Trace
}

// Defaults of a run; the suite's own (admin, member limit, level, the
// waits) come from dmcreate.DefaultConfig.
const (
	DefaultTimeout              = 10 * time.Minute
	DefaultReportDir            = "report"
	DefaultImagePort            = "3000/tcp"
	DefaultRocketChatStartLimit = 5 * time.Minute // Rocket.Chat takes a minute or two
)

// WithDefaults returns p with every zero value replaced by its default, and
// the waits bounded by the run's time limit: a call gets at most half of
// it, so a server that never answers fails its call, which names the
// server, before the run's limit ends the run with a message that only asks
// for more time.
func (p Plan) WithDefaults() Plan {
	def := dmcreate.DefaultConfig()
	set := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	setD := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	set(&p.AdminUser, def.AdminUser)
	set(&p.AdminPassword, def.AdminPassword)
	set(&p.ImagePort, DefaultImagePort)
	set(&p.HarnessVersion, def.HarnessVersion)
	if p.Level == "" {
		p.Level = def.Level
	}
	if p.MaxUsers == 0 {
		p.MaxUsers = def.MaxUsers
	}
	setD(&p.Timeout, DefaultTimeout)
	setD(&p.HTTPTimeout, def.HTTPTimeout)
	if p.RocketChat.Version != "" {
		setD(&p.StartTimeout, DefaultRocketChatStartLimit)
	}
	setD(&p.StartTimeout, def.StartTimeout)
	setD(&p.RateLimitBudget, def.RateLimitBudget)
	p.HTTPTimeout = min(p.HTTPTimeout, max(p.Timeout/2, time.Nanosecond))
	p.StartTimeout = min(p.StartTimeout, p.Timeout)
	p.RateLimitBudget = min(p.RateLimitBudget, p.Timeout)
	return p
}

// TargetKind is how the plan's server is obtained: a URL, an image or
// Rocket.Chat resolve Auto; the bundled reference stays Auto unless forced.
func (p Plan) TargetKind() targets.Kind { return p.targets().ResolvedKind() }

func (p Plan) targets() targets.Config {
	ref := p.Reference
	ref.MaxUsers = p.MaxUsers
	if p.RCVersion != "" {
		ref.Version = p.RCVersion
	}
	return targets.Config{
		Kind: p.Target, URL: p.URL, Image: p.Image, ImagePort: p.ImagePort,
		AdminUser: p.AdminUser, AdminPassword: p.AdminPassword, Reference: ref, RocketChat: p.RocketChat,
		StartTimeout: p.StartTimeout, AllowInsecure: p.AllowInsecure, Log: p.log(), Trace: p.Trace,
	}
}

func (p Plan) log() io.Writer {
	if p.Log == nil {
		return io.Discard
	}
	return p.Log
}

// Suite is the suite's configuration for the plan: its server obtained by
// Start through package targets.
func (p Plan) Suite() dmcreate.Config {
	p = p.WithDefaults()
	tc := p.targets()
	release, from := p.RCVersion, "--rc-version (RC_VERSION)"
	if release == "" && p.RocketChat.Version != "" {
		// The release started is the one certified.
		release, from = p.RocketChat.Version, "--rocketchat (RC_ROCKETCHAT_VERSION), the release started"
	}
	return dmcreate.Config{
		URL: p.URL, Kind: string(p.TargetKind()), Image: p.Image,
		Start: func(ctx context.Context) (dmcreate.Server, func(context.Context) error, error) {
			t, err := targets.Start(ctx, tc)
			if err != nil {
				return dmcreate.Server{}, nil, err
			}
			// Whatever targets started, its stop removes with everything on it.
			return dmcreate.Server{URL: t.URL, Kind: string(t.Kind), Image: t.Image, Note: t.Note, Disposable: t.Kind != targets.URL}, t.Stop, nil
		},
		AdminUser: p.AdminUser, AdminPassword: p.AdminPassword, MaxUsers: p.MaxUsers, Level: p.Level,
		RCVersion: release, RCVersionFrom: from, HTTPClient: p.HTTPClient, ReportDir: p.ReportDir,
		HTTPTimeout: p.HTTPTimeout, StartTimeout: p.StartTimeout, RateLimitBudget: p.RateLimitBudget,
		HarnessVersion: p.HarnessVersion, Log: p.Log, Trace: p.Trace,
	}
}

// Describe says in a few words which server the plan certifies, before it
// starts.
func (p Plan) Describe() string {
	if d := describeGiven(p.URL, p.Image, p.RocketChat.Version); d != "" {
		return d
	}
	if p.Target == targets.InProcess {
		return "the bundled reference, in-process"
	}
	return "the bundled reference (in a container when a Docker engine answers, else in-process)"
}

// describeGiven says which server a URL, an image or a release of
// Rocket.Chat names, the first of them given; "" when none is.
func describeGiven(url, image, rocketChat string) string {
	switch {
	case url != "":
		return "the server at " + rest.RedactURL(url)
	case image != "":
		return "the image " + image + " in a container"
	case rocketChat != "":
		return "Rocket.Chat " + rocketChat + " with its MongoDB, started in containers"
	}
	return ""
}

// checkID matches what a check id may be, so a results file cannot smuggle
// filter syntax into the rerun filter.
var checkID = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// ErrNothingToRerun says the results to rerun hold no failed check.
var ErrNothingToRerun = errors.New("no check failed")

// Filter is the label filter of the run beyond its level: the plan's own
// and, with RerunFailed, the ids of the checks that failed then.
func (p Plan) Filter() (string, error) {
	var parts []string
	if p.LabelFilter != "" {
		parts = append(parts, "("+p.LabelFilter+")")
	}
	if p.RerunFailed != "" {
		path := p.RerunFailed + string(os.PathSeparator) + report.ResultsFile
		prev, err := report.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("--rerun-failed needs a readable results file: %w", err)
		}
		var ids []string
		for _, ch := range prev.Checks {
			if ch.Outcome != report.Failed {
				continue
			}
			if !checkID.MatchString(ch.ID) {
				return "", fmt.Errorf("%s names a failed check %q that is no check id", path, ch.ID)
			}
			ids = append(ids, "id:"+ch.ID)
		}
		if len(ids) == 0 {
			return "", fmt.Errorf("%w in %s; nothing to run again", ErrNothingToRerun, path)
		}
		parts = append(parts, "("+strings.Join(ids, " || ")+")")
	}
	return strings.Join(parts, " && "), nil
}
