package reference

import (
	"bytes"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rcconform/rcconform/conformance"
)

const notFoundBody = `{"success":false,"error":"Resource not found"}`

func TestRoutes(t *testing.T) {
	for _, version := range []string{"8.9.0", "6.14.0"} {
		t.Run(version, func(t *testing.T) {
			e := newEnv(t, Config{Version: version})
			info := `{"version":"` + version + `","info":{"version":"` + version + `"},"success":true}`
			cases := []struct {
				method, path string
				status       int
				want         string
			}{
				{http.MethodGet, "/healthz", 200, `{"status":"ok"}`},
				{http.MethodGet, "/api/info", 200, info},
				// net/http drops a HEAD body on the wire; the recorder keeps it.
				{http.MethodHead, "/api/info", 200, info},
				{http.MethodGet, "/", 404, notFoundBody},
				{http.MethodGet, "/api/v1/channels.list", 404, notFoundBody},
				{http.MethodPost, "/api/v1/rooms.create", 404, notFoundBody},
				{http.MethodGet, "/api/v1/dm.create", 404, notFoundBody},
				{http.MethodPut, "/api/v1/im.create", 404, notFoundBody},
				{http.MethodPost, "/api/info", 404, notFoundBody},
				{http.MethodGet, "/api/v1/login", 404, notFoundBody},
				{http.MethodPost, "/api/v1/dm.create/", 404, notFoundBody},
				{http.MethodPost, "/API/V1/DM.CREATE", 404, notFoundBody},
				{http.MethodDelete, "/healthz", 404, notFoundBody},
			}
			for _, c := range cases {
				t.Run(c.method+" "+c.path, func(t *testing.T) {
					res := e.request(c.method, c.path, &e.admin, "application/json", `{}`)
					wantResponse(t, res, c.status, c.want)
					wantExactHeaders(t, res.header, jsonHeaders(e.srv.rel.restivusRouter(), false))
				})
			}
		})
	}
}

// TestInfo checks GET /api/info: MAJOR.MINOR to anyone, the whole version
// (also under info) to a caller who may view statistics.
func TestInfo(t *testing.T) {
	cases := []struct {
		version, trimmed, full string
	}{
		{"", "8.6", "8.6.1"},
		{"8.6.1", "8.6", "8.6.1"},
		{"8.10.3", "8.10", "8.10.3"},
		{"8.0.0", "8.0", "8.0.0"},
		{"6.14.0", "6.14", "6.14.0"},
		{"6.5.0-rc.1", "6.5", "6.5.0-rc.1"},
		{"6.0", "6.0", "6.0"},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			e := newEnv(t, Config{Version: c.version})
			plain := e.addUser("plain", "Plain")
			bot := e.addUser("bot1", "Bot", "bot")
			anon := `{"version":"` + c.trimmed + `","success":true}`
			full := `{"version":"` + c.full + `","info":{"version":"` + c.full + `"},"success":true}`
			for name, cr := range map[string]*creds{
				"anonymous":  nil,
				"plain user": &plain,
				"bot":        &bot,
				"bad token":  {e.admin.id, "bad"},
				"only id":    {e.admin.id, ""},
			} {
				res := e.request(http.MethodGet, "/api/info", cr, "", "")
				if res.status != 200 || res.body != anon {
					t.Errorf("%s: got %d %s, want %s", name, res.status, res.body, anon)
				}
			}
			wantResponse(t, e.request(http.MethodGet, "/api/info", &e.admin, "", ""), 200, full)
			other := e.addUser("admin2", "Admin Two", "admin")
			wantResponse(t, e.request(http.MethodGet, "/api/info", &other, "", ""), 200, full)
		})
	}
}

func TestDefaults(t *testing.T) {
	want := Config{AdminUsername: "admin", AdminPassword: "admin-pass", MaxUsers: 8, Version: "8.6.1"}
	if got := DefaultConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("DefaultConfig() = %+v", got)
	}
	if conformance.DefaultRelease != want.Version {
		t.Errorf("the default version %s is not conformance.DefaultRelease %s", want.Version, conformance.DefaultRelease)
	}
	e := newEnv(t, Config{}) // logs in as admin / admin-pass
	if e.srv.cfg.MaxUsers != 8 || e.srv.limiter != nil || e.srv.cfg.Version != "8.6.1" || e.srv.Line() != "8.6.x" {
		t.Errorf("zero Config: MaxUsers %d, limiter %v, version %s, line %s", e.srv.cfg.MaxUsers, e.srv.limiter, e.srv.cfg.Version, e.srv.Line())
	}
	wantVariants := map[string]string{
		conformance.DimUnauthorized: conformance.Router, conformance.DimBodyParser: conformance.LenientParser,
		conformance.DimBodyShape: conformance.AsParsed, conformance.DimFormBody: conformance.FormParsed,
		conformance.DimRoute: conformance.Typed, conformance.DimNames: conformance.Exact,
		conformance.DimRID: conformance.Generated, conformance.DimCoercion: conformance.Coerce,
		conformance.DimEmptyName: conformance.DroppedName, conformance.DimMaxUsers: conformance.MeteorError,
	}
	if got := e.srv.Variants(); !maps.Equal(got, wantVariants) {
		t.Errorf("zero Config: variants %v, want 8.6.1's %v", got, wantVariants)
	}
	wantResponse(t, e.request(http.MethodGet, "/api/info", nil, "", ""), 200, `{"version":"8.6","success":true}`)
	wantResponse(t, e.request(http.MethodGet, "/api/info", &e.admin, "", ""), 200, `{"version":"8.6.1","info":{"version":"8.6.1"},"success":true}`)
	if s, err := New(Config{RateLimit: RateLimit{Calls: 3}}); err != nil || s.limiter.window != time.Minute {
		t.Errorf("rate limit window default: %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	for name, cfg := range map[string]Config{
		"negative MaxUsers":      {MaxUsers: -1},
		"negative Calls":         {RateLimit: RateLimit{Calls: -1}},
		"negative Window":        {RateLimit: RateLimit{Calls: 1, Window: -time.Second}},
		"admin named rocket.cat": {AdminUsername: "Rocket.Cat"},
		"before 6.x":             {Version: "5.4.10"},
		"10.x":                   {Version: "10.0.0"},
		"not a version":          {Version: "latest"},
		"major only":             {Version: "8"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	for _, v := range []string{"5.99.0", "10.0.0"} {
		_, err := New(Config{Version: v})
		if err == nil || !strings.Contains(err.Error(), v) || !strings.Contains(err.Error(), "6.0–6.4") || !strings.Contains(err.Error(), "9.x") {
			t.Errorf("New(%s): error %v does not name the version and the lines", v, err)
		}
	}
	for _, v := range []string{"6.0.0", "6.99.99", "7.0.0", "7.3.9", "7.99.99", "8.0.0", "8.99.0", "9.0.0", "9.99.99", "v8.6.1", "6.14.0-rc.1"} {
		if _, err := New(Config{Version: v}); err != nil {
			t.Errorf("New(%s): %v", v, err)
		}
	}
}

// TestHeadersOverHTTP checks the headers on every kind of response,
// through a real HTTP round trip.
func TestHeadersOverHTTP(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version, RateLimit: RateLimit{Calls: 1, Window: time.Minute}})
			plain := e.addUser("plain", "Plain")
			ts := httptest.NewServer(e.srv)
			defer ts.Close()
			send := func(method, path string, c *creds, body string) *http.Response {
				t.Helper()
				req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if c != nil {
					req.Header.Set("X-User-Id", c.id)
					req.Header.Set("X-Auth-Token", c.token)
				}
				res, err := ts.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				return res
			}
			type sent struct {
				res  *http.Response
				bare bool // without Restivus: an answer from outside the route's action
			}
			responses := map[string]sent{
				"200 dm":      {send(http.MethodPost, "/api/v1/dm.create", &e.admin, `{"username":"plain"}`), false},
				"200 info":    {send(http.MethodGet, "/api/info", nil, ""), false},
				"200 healthz": {send(http.MethodGet, "/healthz", nil, ""), false},
				"400":         {send(http.MethodPost, "/api/v1/im.create", &e.admin, `{}`), true},
				"401":         {send(http.MethodPost, "/api/v1/dm.create", nil, `{}`), true},
				"403":         {send(http.MethodPost, "/api/v1/users.create", &plain, `{"email":"a@b.cd","name":"A","password":"p","username":"a"}`), false},
				"404":         {send(http.MethodGet, "/nope", nil, ""), false},
				"413":         {send(http.MethodPost, "/api/v1/dm.create", &e.admin, strings.Repeat(" ", maxBodyBytes+1)), false},
			}
			send(http.MethodPost, "/api/v1/dm.create", &plain, `{"username":"plain"}`)
			responses["429"] = sent{send(http.MethodPost, "/api/v1/dm.create", &plain, `{"username":"plain"}`), false}
			for name, r := range responses {
				if want := name[:3]; r.res.Status[:3] != want {
					t.Errorf("%s: status %s", name, r.res.Status)
				}
				want := jsonHeaders(l.restivusRouter(), r.bare)
				for _, k := range []string{"Content-Type", "Cache-Control", "Pragma", "Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Content-Security-Policy"} {
					got := r.res.Header.Values(k)
					if w, ok := want[k]; ok && (len(got) != 1 || got[0] != w) || !ok && len(got) != 0 {
						t.Errorf("%s: %s = %q, want %q", name, k, got, want[k])
					}
				}
			}
			if l.bodyParser == conformance.StrictParser {
				res := send(http.MethodPost, "/api/v1/dm.create", nil, `{`)
				if res.StatusCode != 400 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
					res.Header.Get("Cache-Control") != "" || res.Header.Get("Access-Control-Allow-Origin") != "" {
					t.Errorf("body parser page: %s %v", res.Status, res.Header)
				}
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
			e.addUser("bob", "Bob")
			tooLarge := `{"success":false,"error":"request entity too large"}`
			big := `{"username":"bob","x":"` + strings.Repeat("a", maxBodyBytes) + `"}`
			for _, path := range []string{"/api/v1/dm.create", "/api/v1/im.create", "/api/v1/users.create", "/api/v1/users.delete", "/api/v1/login"} {
				t.Run(path, func(t *testing.T) {
					c := &e.admin
					if path == "/api/v1/login" {
						c = nil
					}
					wantResponse(t, e.postJSON(path, c, big), 413, tooLarge)
					// Without Content-Length the limit applies while reading.
					req := httptest.NewRequest(http.MethodPost, path, &chunked{strings.NewReader(big)})
					req.ContentLength = -1
					req.Header.Set("Content-Type", "application/json")
					if c != nil {
						req.Header.Set("X-User-Id", c.id)
						req.Header.Set("X-Auth-Token", c.token)
					}
					wantResponse(t, e.serve(req), 413, tooLarge)
					// A form body is read by the route on both lines.
					wantResponse(t, e.request(http.MethodPost, path, c, "application/x-www-form-urlencoded", "x="+strings.Repeat("a", maxBodyBytes)), 413, tooLarge)
				})
			}
			// Exactly the limit is fine.
			exact := `{"username":"bob"}` + strings.Repeat(" ", maxBodyBytes-len(`{"username":"bob"}`))
			if res := e.dm(e.admin, exact); res.status != 200 {
				t.Errorf("1 MiB body: %d %s", res.status, res.body)
			}
			formBig := "username=bob&x=" + strings.Repeat("a", maxBodyBytes)
			if l.bodyParser == conformance.StrictParser {
				// The strict body parser reads a JSON body before authentication;
				// other bodies are left to the route, which authenticates first.
				wantResponse(t, e.postJSON("/api/v1/dm.create", nil, big), 413, tooLarge)
				wantResponse(t, e.request(http.MethodPost, "/api/v1/dm.create", nil, "application/x-www-form-urlencoded", formBig), 401, l.unauthorized())
			} else {
				// Authentication comes first.
				wantResponse(t, e.postJSON("/api/v1/dm.create", nil, big), 401, l.unauthorized())
				wantResponse(t, e.request(http.MethodPost, "/api/v1/dm.create", nil, "application/x-www-form-urlencoded", formBig), 401, l.unauthorized())
			}
		})
	}
}

// TestUnauthorizedDelay: the Restivus router delays a 401 by 0.5 to 1 s
// when asked to; the other variants never do, and nothing else is delayed.
func TestUnauthorizedDelay(t *testing.T) {
	timed := func(f func() response) (response, time.Duration) {
		start := time.Now()
		res := f()
		return res, time.Since(start)
	}
	for _, c := range []struct {
		name    string
		cfg     Config
		delayed bool
	}{
		{"restivus", Config{Version: v6, UnauthorizedDelay: true}, true},
		{"restivus without the delay", Config{Version: v6}, false},
		{"router", Config{UnauthorizedDelay: true}, false},
		{"breaking", Config{Version: "9.0.0", UnauthorizedDelay: true}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, c.cfg)
			if e.srv.rel.unauthorized != strings.Fields(c.name)[0] {
				t.Fatalf("%s emulates unauthorized=%s", c.cfg.Version, e.srv.rel.unauthorized)
			}
			unauthorized := map[string]func() response{
				"dm.create": func() response { return e.postJSON("/api/v1/dm.create", nil, `{"username":"admin"}`) },
				"me":        func() response { return e.request(http.MethodGet, "/api/v1/me", &creds{e.admin.id, "bad"}, "", "") },
			}
			for name, f := range unauthorized {
				res, took := timed(f)
				wantResponse(t, res, 401, e.srv.rel.unauthorizedBody())
				if c.delayed && (took < 500*time.Millisecond || took > 5*time.Second) {
					t.Errorf("%s: 401 after %s, want 0.5 to 1 s", name, took)
				}
				if !c.delayed && took >= 500*time.Millisecond {
					t.Errorf("%s: 401 after %s, want no delay", name, took)
				}
			}
			// Other answers are never delayed.
			for name, f := range map[string]func() response{
				"200":      func() response { return e.dm(e.admin, `{"username":"admin"}`) },
				"400":      func() response { return e.dm(e.admin, `{}`) },
				"404":      func() response { return e.request(http.MethodGet, "/nope", nil, "", "") },
				"info":     func() response { return e.request(http.MethodGet, "/api/info", nil, "", "") },
				"page/400": func() response { return e.postJSON("/api/v1/dm.create", nil, `{`) },
			} {
				if res, took := timed(f); took >= 500*time.Millisecond {
					t.Errorf("%s: %d after %s, want no delay", name, res.status, took)
				}
			}
		})
	}
}

// chunked hides the length of a reader from httptest.NewRequest.
type chunked struct{ r io.Reader }

func (c *chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestPanicRecovery(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	e.srv.routes["/panic"] = route{http.MethodGet, func(http.ResponseWriter, *http.Request) { panic("boom") }}
	wantResponse(t, e.request(http.MethodGet, "/panic", nil, "", ""), 500, `{"success":false,"error":"Internal server error"}`)
	if !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic not logged: %s", logs.String())
	}
	// A panic after the answer started cannot change it.
	e.srv.routes["/late-panic"] = route{http.MethodGet, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "partial")
		panic("late boom")
	}}
	wantResponse(t, e.request(http.MethodGet, "/late-panic", nil, "", ""), 200, "partial")
	if !strings.Contains(logs.String(), "late boom") {
		t.Errorf("late panic not logged: %s", logs.String())
	}
	e.srv.routes["/abort"] = route{http.MethodGet, func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }}
	func() {
		defer func() {
			if recover() != http.ErrAbortHandler {
				t.Error("ErrAbortHandler was swallowed")
			}
		}()
		e.request(http.MethodGet, "/abort", nil, "", "")
	}()
}

func TestNoSecretsLogged(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, Config{AdminPassword: "very-secret-pass", Logger: logger})
	bob := e.addUser("bob", "Bob")
	e.dm(bob, `{"username":"admin"}`)
	e.postJSON("/api/v1/users.delete", &e.admin, `{"username":"bob"}`)
	for _, secret := range []string{"very-secret-pass", "pw-bob", e.admin.token, bob.token} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log contains a secret %q", secret)
		}
	}
}

func TestNewHTTPServer(t *testing.T) {
	h := http.NotFoundHandler()
	s := NewHTTPServer("127.0.0.1:0", h)
	if s.Addr != "127.0.0.1:0" || s.Handler == nil {
		t.Errorf("Addr %q Handler %v", s.Addr, s.Handler)
	}
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Errorf("unset limits: %+v", s)
	}
}
