package framework

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/fixtures"
	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/rcapi"
)

// Options is what a session needs to know about the run.
type Options struct {
	// AdminUser and AdminPassword log in the admin who provisions users.
	AdminUser     string
	AdminPassword string
	// MaxUsers is the target's DirectMesssage_maxUsers setting.
	MaxUsers int
	// RCVersion, when set, is the release the run certifies against;
	// otherwise the target's GET /api/info decides. RCVersionFrom names
	// where it came from, for the reports.
	RCVersion     string
	RCVersionFrom string
	// HTTPClient, when set, is the client every call goes through; its
	// transport is wrapped to wait on HTTP 429 and it follows no redirect.
	HTTPClient *http.Client
	// HTTPTimeout bounds every HTTP call unless HTTPClient has a timeout.
	HTTPTimeout time.Duration
	// RateLimitBudget is the total time the run may wait on HTTP 429.
	RateLimitBudget time.Duration
}

// Server is the server a run certifies, as whoever obtained it describes
// it: its URL, and for the reports how it was obtained.
type Server struct {
	URL string `json:"url"`
	// Kind says how it was obtained: url, container, in-process, image or
	// rocketchat.
	Kind  string `json:"kind"`
	Image string `json:"image,omitempty"`
	// Note says plainly how the server was chosen.
	Note string `json:"note,omitempty"`
	// Disposable says the server goes away when the run stops it, with
	// every user on it, so the run does not delete its users one by one.
	Disposable bool `json:"disposable,omitempty"`
}

// Shared is what one process sets up for the whole run and every parallel
// process receives: the server and the release it is certified at.
type Shared struct {
	Target Server `json:"target"`
	// Version is what GET /api/info reported, "" when nothing.
	Version string `json:"version"`
	// Release is the release whose behaviour compat checks expect.
	Release string `json:"release"`
	// ReleaseSource says how Release was determined.
	ReleaseSource string `json:"releaseSource"`
	MaxUsers      int    `json:"maxUsers"`
	// Fingerprint is what the target showed along each dimension, Probes the
	// exchanges that showed it, and Assessment what that means at Release.
	Fingerprint conformance.Fingerprint `json:"fingerprint"`
	Probes      []conformance.Exchange  `json:"probes"`
	Assessment  conformance.Assessment  `json:"assessment"`
	// ProbeUser is the user the probes made (and deleted), whom the probe
	// exchanges name.
	ProbeUser fixtures.User `json:"probeUser"`
}

// Prepare logs the admin in once, to fail early and plainly, settles the
// release from opts.RCVersion or the target's GET /api/info, and probes the
// target's fingerprint. Failures are *conformance.CannotRun.
func Prepare(ctx context.Context, opts Options, target Server) (Shared, error) {
	api := newAPI(opts, target.URL)
	admin, err := fixtures.AdminLogin(ctx, api, opts.AdminUser, opts.AdminPassword)
	if err != nil {
		return Shared{}, err
	}
	version, _ := api.Info(ctx, &admin)
	rel, source, err := conformance.ResolveRelease(opts.RCVersion, opts.RCVersionFrom, version)
	if err != nil {
		return Shared{}, &conformance.CannotRun{Reason: err.Error()}
	}
	client, err := newClient(api, func() []string { return []string{admin.Token, opts.AdminPassword} })
	if err != nil {
		return Shared{}, err
	}
	probe, err := Probe(ctx, client, api, admin)
	if err != nil {
		return Shared{}, err
	}
	return Shared{Target: target, Version: version, Release: rel.String(), ReleaseSource: source, MaxUsers: opts.MaxUsers,
		Fingerprint: probe.Fingerprint, Probes: probe.Exchanges, ProbeUser: probe.User, Assessment: conformance.Assess(rel, probe.Fingerprint)}, nil
}

// newClient is a client of the operation under test over api's transport.
func newClient(api *rcapi.Client, secrets func() []string) (*Client, error) {
	spec, err := openapi.Load()
	if err != nil {
		return nil, fmt.Errorf("load the embedded OpenAPI spec: %w", err)
	}
	doc, err := openapi.LoadDocProfile()
	if err != nil {
		return nil, fmt.Errorf("load the doc page's profile: %w", err)
	}
	return &Client{BaseURL: api.BaseURL, HTTP: api.HTTP, Spec: spec, DocProfile: doc, Secrets: secrets}, nil
}

// Env is one process's view of the run: the shared state, a client, and
// personas of its own, so that no two processes ever create the same room.
type Env struct {
	Shared
	// Rel is Shared.Release parsed; zero when the release is not known.
	Rel    conformance.Release
	Client *Client
	API    *rcapi.Client
	Cast   *fixtures.Cast

	mu    sync.Mutex
	fresh int
}

// Join provisions this process's personas on the shared target.
// Failures are *conformance.CannotRun.
func Join(ctx context.Context, opts Options, sh Shared) (*Env, error) {
	var rel conformance.Release
	if sh.Release != "" {
		var err error
		if rel, err = conformance.ParseRelease(sh.Release); err != nil {
			return nil, fmt.Errorf("the shared release %q: %w", sh.Release, err)
		}
	}
	api := newAPI(opts, sh.Target.URL)
	personas, err := fixtures.Personas()
	if err != nil {
		return nil, err
	}
	cast, err := fixtures.Provision(ctx, api, opts.AdminUser, opts.AdminPassword, fixtures.NewRunID(), personas)
	if err != nil {
		return nil, err
	}
	client, err := newClient(api, func() []string { return append(cast.Secrets(), opts.AdminPassword) })
	if err != nil {
		return nil, errors.Join(err, cast.Cleanup(ctx, api))
	}
	return &Env{Shared: sh, Rel: rel, API: api, Cast: cast, Client: client}, nil
}

// Accepted returns the variants the checks accept along dim.
func (e *Env) Accepted(dim string) []string { return e.Assessment.Accepted[dim] }

// Cleanup deletes every user this process provisioned.
func (e *Env) Cleanup(ctx context.Context) error {
	if e == nil {
		return nil
	}
	return e.Cast.Cleanup(ctx, e.API)
}

// User returns a provisioned persona.
func (e *Env) User(key string) fixtures.User { return e.Cast.User(key) }

// Creds returns a persona's credentials.
func (e *Env) Creds(key string) *rcapi.Credentials {
	c := e.Cast.User(key).Creds
	return &c
}

// Fresh provisions n users that no other check has seen, for checks whose
// outcome depends on which rooms already exist. They are deleted with the
// rest of the cast.
func (e *Env) Fresh(ctx context.Context, n int) []fixtures.User {
	GinkgoHelper()
	e.mu.Lock()
	keys := make([]string, n)
	for i := range keys {
		e.fresh++
		keys[i] = "fresh" + strconv.Itoa(e.fresh)
	}
	e.mu.Unlock()
	users := make([]fixtures.User, n)
	for i, k := range keys {
		u, err := e.Cast.Add(ctx, e.API, fixtures.Persona{Key: k, Role: "user", Name: "Fresh " + k[len("fresh"):]})
		if err != nil {
			abortIfCannotRun(err)
			Failf("provision a fresh user for this check: %v", err)
		}
		users[i] = u
	}
	return users
}

// Discard deletes a user provisioned for this check now, for checks about
// what happens once a user is gone.
func (e *Env) Discard(ctx context.Context, u fixtures.User) {
	GinkgoHelper()
	if err := e.Cast.Remove(ctx, e.API, u.Key); err != nil {
		Failf("delete the user %s: %v", u.Username, err)
	}
}

func newAPI(opts Options, base string) *rcapi.Client {
	return &rcapi.Client{BaseURL: base, HTTP: rest.NewClient(rest.ClientOptions{Timeout: opts.HTTPTimeout, Budget: opts.RateLimitBudget, Base: opts.HTTPClient})}
}

// CannotRunMessage is the failure message of a run that could not happen:
// the prefix and one sentence, then the details on the following lines.
func CannotRunMessage(err error) string {
	var ce *conformance.CannotRun
	if errors.As(err, &ce) {
		msg := CannotRunPrefix + ce.Reason
		if ce.Err != nil {
			msg += "\n" + ce.Err.Error()
		}
		if err != error(ce) {
			msg += "\n" + err.Error()
		}
		return msg
	}
	return CannotRunPrefix + err.Error()
}
