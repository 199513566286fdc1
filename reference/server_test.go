package reference

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const notFoundBody = `{"success":false,"error":"Resource not found"}`

func TestRoutes(t *testing.T) {
	e := newEnv(t, Config{Version: "8.9.0"})
	cases := []struct {
		method, path string
		status       int
		want         string
	}{
		{http.MethodGet, "/healthz", 200, `{"status":"ok"}`},
		{http.MethodGet, "/api/info", 200, `{"version":"8.9.0","success":true}`},
		// net/http drops a HEAD body on the wire; the recorder keeps it.
		{http.MethodHead, "/api/info", 200, `{"version":"8.9.0","success":true}`},
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
			wantResponse(t, e.request(c.method, c.path, &e.admin, "application/json", `{}`), c.status, c.want)
		})
	}
}

func TestDefaults(t *testing.T) {
	want := Config{AdminUsername: "admin", AdminPassword: "admin-pass", MaxUsers: 8, Version: "8.8.1"}
	if got := DefaultConfig(); got != want {
		t.Errorf("DefaultConfig() = %+v", got)
	}
	e := newEnv(t, Config{}) // logs in as admin / admin-pass
	if e.srv.cfg.MaxUsers != 8 || e.srv.limiter != nil {
		t.Errorf("zero Config: MaxUsers %d, limiter %v", e.srv.cfg.MaxUsers, e.srv.limiter)
	}
	wantResponse(t, e.request(http.MethodGet, "/api/info", nil, "", ""), 200, `{"version":"8.8.1","success":true}`)
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
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}

// TestHeadersOverHTTP checks the exact headers on every kind of response,
// through a real HTTP round trip.
func TestHeadersOverHTTP(t *testing.T) {
	e := newEnv(t, Config{RateLimit: RateLimit{Calls: 1, Window: time.Minute}})
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
	responses := map[string]*http.Response{
		"200 dm":      send(http.MethodPost, "/api/v1/dm.create", &e.admin, `{"username":"plain"}`),
		"200 info":    send(http.MethodGet, "/api/info", nil, ""),
		"200 healthz": send(http.MethodGet, "/healthz", nil, ""),
		"400":         send(http.MethodPost, "/api/v1/im.create", &e.admin, `{}`),
		"401":         send(http.MethodPost, "/api/v1/dm.create", nil, `{}`),
		"403":         send(http.MethodPost, "/api/v1/users.create", &plain, `{"email":"a@b.cd","name":"A","password":"p","username":"a"}`),
		"404":         send(http.MethodGet, "/nope", nil, ""),
		"413":         send(http.MethodPost, "/api/v1/dm.create", &e.admin, strings.Repeat(" ", maxBodyBytes+1)),
	}
	send(http.MethodPost, "/api/v1/dm.create", &plain, `{}`)
	responses["429"] = send(http.MethodPost, "/api/v1/dm.create", &plain, `{}`)
	for name, res := range responses {
		if want := name[:3]; res.Status[:3] != want {
			t.Errorf("%s: status %s", name, res.Status)
		}
		for k, want := range map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"} {
			if got := res.Header.Values(k); len(got) != 1 || got[0] != want {
				t.Errorf("%s: %s = %q, want %q", name, k, got, want)
			}
		}
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t, Config{})
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
		})
	}
	// Exactly the limit is fine.
	exact := `{"username":"bob"}` + strings.Repeat(" ", maxBodyBytes-len(`{"username":"bob"}`))
	if res := e.dm(e.admin, exact); res.status != 200 {
		t.Errorf("1 MiB body: %d %s", res.status, res.body)
	}
	// Authentication comes first.
	wantResponse(t, e.postJSON("/api/v1/dm.create", nil, big), 401, unauthorizedBody401)
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
