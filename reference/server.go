// Package reference is an in-memory HTTP server that mirrors released
// Rocket.Chat for the endpoints the conformance suite exercises: login,
// users.create, users.delete, me, info and dm.create / im.create.
//
// It emulates a release (Config.Version, 8.6.1 by default) of one of the
// release lines of the conformance model, 6.0 to 9.x (conformance.Lines).
// Along each dimension of that model (conformance.Dimensions) it answers as
// one variant: the one Config.Variants names, else the one the release's
// line lists first. Where a line allows several variants, because the
// sources cannot tell which its releases show, that first one is the most
// likely, so the reference picks it; Config.Variants picks any other the
// line allows. Each variant is emulated exactly as its Answers text says,
// whatever the other dimensions' variants are, and New refuses variants
// the line excludes and combinations the model's constraints rule out.
package reference

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/rcconform/rcconform/conformance"
)

// RateLimit configures the dm.create / im.create limiter. Calls == 0 turns
// it off (the default).
type RateLimit struct {
	Calls  int
	Window time.Duration
}

// Config configures a Server. Zero fields take the defaults of DefaultConfig.
type Config struct {
	AdminUsername string // default "admin"
	AdminPassword string // default "admin-pass"
	AdminEmail    string // optional: the admin can log in with it too
	MaxUsers      int    // default 8 (Rocket.Chat's DirectMesssage_maxUsers)
	// Version is the release the server behaves like and reports from GET
	// /api/info: a release of one of the lines 6.0 to 9.x; default 8.6.1.
	Version string
	// Variants picks, by dimension id, the variant to emulate where the
	// release's line allows several (e.g. "names": "exact"); a dimension
	// left out takes the line's most likely variant.
	Variants  map[string]string
	RateLimit RateLimit // off by default; Window defaults to one minute
	// UnauthorizedDelay delays 401 and 403 answers by 0.5 to 1 s, as the
	// Restivus router does (unauthorized=restivus); off by default, and
	// without effect on the other variants.
	UnauthorizedDelay bool
	// RacyCreation finds or creates rooms the way released Rocket.Chat does:
	// look up, then insert, without a lock in between. Concurrent first
	// creations of one 1:1 DM then lose to a duplicate key where its rid is
	// composed, and concurrent identical DMs can make several rooms. Off by
	// default: the reference creates each room once.
	RacyCreation bool
	Logger       *slog.Logger // nil: discard
}

// DefaultConfig returns the configuration New uses for zero fields.
func DefaultConfig() Config {
	return Config{
		AdminUsername: "admin",
		AdminPassword: "admin-pass",
		MaxUsers:      8,
		Version:       conformance.DefaultRelease,
	}
}

// Server is the reference Rocket.Chat server; it is safe for concurrent use.
type Server struct {
	cfg     Config
	rel     release
	log     *slog.Logger
	store   *store
	limiter *rateLimiter // nil when off
	routes  map[string]route
}

type route struct {
	method  string
	handler http.HandlerFunc
}

// New returns a Server with an admin account (role admin) and Rocket.Chat's
// built-in rocket.cat bot user.
func New(cfg Config) (*Server, error) {
	def := DefaultConfig()
	if cfg.AdminUsername == "" {
		cfg.AdminUsername = def.AdminUsername
	}
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = def.AdminPassword
	}
	if cfg.MaxUsers == 0 {
		cfg.MaxUsers = def.MaxUsers
	}
	if cfg.Version == "" {
		cfg.Version = def.Version
	}
	if cfg.RateLimit.Calls > 0 && cfg.RateLimit.Window == 0 {
		cfg.RateLimit.Window = time.Minute
	}
	switch {
	case cfg.MaxUsers < 0:
		return nil, fmt.Errorf("reference: MaxUsers must not be negative, got %d", cfg.MaxUsers)
	case cfg.RateLimit.Calls < 0:
		return nil, fmt.Errorf("reference: RateLimit.Calls must not be negative, got %d", cfg.RateLimit.Calls)
	case cfg.RateLimit.Window < 0:
		return nil, fmt.Errorf("reference: RateLimit.Window must not be negative, got %s", cfg.RateLimit.Window)
	}
	rel, err := newRelease(cfg.Version, cfg.Variants)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, rel: rel, log: logger, store: newStore()}
	if cfg.RateLimit.Calls > 0 {
		s.limiter = newRateLimiter(cfg.RateLimit)
	}
	if err := s.seed(); err != nil {
		return nil, err
	}
	s.routes = map[string]route{
		"/healthz":             {http.MethodGet, s.handleHealth},
		"/api/info":            {http.MethodGet, s.handleInfo},
		"/api/v1/login":        {http.MethodPost, s.handleLogin},
		"/api/v1/me":           {http.MethodGet, s.handleMe},
		"/api/v1/users.create": {http.MethodPost, s.handleUsersCreate},
		"/api/v1/users.delete": {http.MethodPost, s.handleUsersDelete},
		"/api/v1/dm.create":    {http.MethodPost, s.handleDMCreate("/api/v1/dm.create")},
		"/api/v1/im.create":    {http.MethodPost, s.handleDMCreate("/api/v1/im.create")},
	}
	return s, nil
}

func (s *Server) seed() error {
	hash, err := newPasswordHash(passwordDigest(s.cfg.AdminPassword))
	if err != nil {
		return fmt.Errorf("reference: hash admin password: %w", err)
	}
	now := time.Now()
	admin := &user{
		id: newUserID(), username: s.cfg.AdminUsername, name: "Administrator",
		roles: []string{"admin"}, active: true, createdAt: now, password: hash,
	}
	if s.cfg.AdminEmail != "" {
		admin.emails = []email{{Address: s.cfg.AdminEmail, Verified: true}}
	}
	// Every Rocket.Chat server has this bot; its _id is literally "rocket.cat".
	bot := &user{
		id: "rocket.cat", username: "rocket.cat", name: "Rocket.Cat",
		roles: []string{"bot"}, active: true, createdAt: now,
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	for _, u := range []*user{admin, bot} {
		if taken := s.store.insertUser(u); taken != "" {
			return fmt.Errorf("reference: admin username %q collides with the built-in user %q", s.cfg.AdminUsername, taken)
		}
	}
	return nil
}

// Variants returns the variant the server emulates along each dimension,
// by dimension id.
func (s *Server) Variants() map[string]string { return s.rel.variants() }

// Line returns the name of the emulated release's line.
func (s *Server) Line() string { return s.rel.line }

// Rooms returns the number of stored rooms.
func (s *Server) Rooms() int {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	return len(s.store.rooms)
}

// ServeHTTP routes by exact path. An unknown path or a wrong method gets
// Rocket.Chat's 404 JSON; a panic is logged and answered with a JSON 500.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic serving request", slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			if rec.status == 0 {
				s.writeError(rec, errInternal)
			}
		}
		s.log.Debug("request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Duration("took", time.Since(start)))
	}()
	if s.rel.bodyParser == conformance.StrictParser && !s.bodyParser(rec, r) {
		return
	}
	rt, ok := s.routes[r.URL.Path]
	if !ok || (r.Method != rt.method && !(r.Method == http.MethodHead && rt.method == http.MethodGet)) {
		s.writeError(rec, errNotFound)
		return
	}
	rt.handler(rec, r)
}

// statusRecorder remembers the status so that the panic handler knows
// whether a response was already started.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	s.writeJSON(w, http.StatusOK, struct {
		Status string `json:"status"`
	}{"ok"})
}

// handleInfo answers like getServerInfo: MAJOR.MINOR to anyone, and the
// whole version, also in info, to a user who may view statistics (admins).
func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	type info struct {
		Version string `json:"version"`
	}
	body := struct {
		Version string `json:"version"`
		Info    *info  `json:"info,omitempty"`
		Success bool   `json:"success"`
	}{Version: s.rel.trimmedVersion, Success: true}
	if u := s.authenticate(r); u != nil && u.can(permViewStatistics) {
		body.Version, body.Info = s.cfg.Version, &info{Version: s.cfg.Version}
	}
	s.writeJSON(w, http.StatusOK, body)
}

// NewHTTPServer wraps h in an http.Server whose timeouts and header limit
// keep slow or oversized clients (slowloris) from holding connections.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}
