package reference

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRateLimitOffByDefault(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
			plain := e.addUser("plain", "Plain")
			for i := range 30 {
				res := e.dm(plain, `{"username":"plain"}`)
				if res.status != 200 || res.header.Get("X-RateLimit-Limit") != "" {
					t.Fatalf("call %d: %d %s %v", i+1, res.status, res.body, res.header)
				}
			}
		})
	}
}

// TestRateLimit covers 6.x's legacy route, which limits the rate before it
// validates the body.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, Config{Version: v6, RateLimit: RateLimit{Calls: 10, Window: time.Minute}})
	now := time.UnixMilli(1_700_000_000_000)
	e.srv.limiter.now = func() time.Time { return now }
	plain := e.addUser("plain", "Plain")
	call := func(path, ip string, c creds, body string) response {
		req := newJSONRequest(path, body)
		req.RemoteAddr = ip + ":5555"
		req.Header.Set("X-User-Id", c.id)
		req.Header.Set("X-Auth-Token", c.token)
		return e.serve(req)
	}
	reset := strconv.FormatInt(now.Add(time.Minute).UnixMilli(), 10)

	for i := 1; i <= 10; i++ {
		body := `{"username":"plain"}`
		if i%2 == 0 {
			body = `{}` // failing calls count too: the limiter runs before validation
		}
		res := call("/api/v1/dm.create", "192.0.2.1", plain, body)
		if res.status == http.StatusTooManyRequests {
			t.Fatalf("call %d refused", i)
		}
		wantHeaders(t, res, "10", strconv.Itoa(10-i), reset)
	}
	now = now.Add(20*time.Second + 500*time.Millisecond)
	res := call("/api/v1/dm.create", "192.0.2.1", plain, `{"username":"plain"}`)
	wantResponse(t, res, 429, `{"success":false,"error":"Error, too many requests. Please slow down. You must wait 40 seconds before trying this endpoint again. [error-too-many-requests]"}`)
	wantHeaders(t, res, "10", "0", reset)
	if got := res.header.Get("Retry-After"); got != "40" {
		t.Errorf("Retry-After %q", got)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("429 Content-Type %q", ct)
	}

	// Unauthenticated calls are rejected before the limiter.
	req := newJSONRequest("/api/v1/dm.create", `{}`)
	req.RemoteAddr = "192.0.2.1:5555"
	wantResponse(t, e.serve(req), 401, restivusUnauthorizedBody401)
	// Other buckets: another route, another IP. The key is the IP, not the user.
	if res := call("/api/v1/im.create", "192.0.2.1", plain, `{"username":"plain"}`); res.status != 200 {
		t.Errorf("im.create shares dm.create's bucket: %d", res.status)
	}
	if res := call("/api/v1/dm.create", "192.0.2.2", plain, `{"username":"plain"}`); res.status != 200 {
		t.Errorf("another IP is limited: %d", res.status)
	}
	other := e.addUser("other", "Other")
	if res := call("/api/v1/dm.create", "192.0.2.1", other, `{"username":"other"}`); res.status != 429 {
		t.Errorf("another user from the same IP: %d", res.status)
	}
	// Admins bypass it entirely (api-bypass-rate-limit), without headers.
	for range 15 {
		res := call("/api/v1/dm.create", "192.0.2.1", e.admin, `{"username":"plain"}`)
		if res.status != 200 || res.header.Get("X-RateLimit-Limit") != "" {
			t.Fatalf("admin: %d %v", res.status, res.header)
		}
	}
	// Other endpoints are not limited.
	for range 15 {
		if res := call("/api/v1/users.delete", "192.0.2.1", plain, `{}`); res.status != 403 {
			t.Fatalf("users.delete limited: %d", res.status)
		}
	}
	// A new window starts once the old one has passed.
	now = now.Add(40 * time.Second)
	res = call("/api/v1/dm.create", "192.0.2.1", plain, `{"username":"plain"}`)
	if res.status != 200 {
		t.Fatalf("after the window: %d %s", res.status, res.body)
	}
	wantHeaders(t, res, "10", "9", strconv.FormatInt(now.Add(time.Minute).UnixMilli(), 10))
}

// TestRateLimitTyped covers 8.x's typed route, which validates the body
// before the action limits the rate: invalid calls are neither counted nor
// refused with 429, and carry no rate-limit headers.
func TestRateLimitTyped(t *testing.T) {
	e := newEnv(t, Config{RateLimit: RateLimit{Calls: 3, Window: time.Minute}})
	now := time.UnixMilli(1_700_000_000_000)
	e.srv.limiter.now = func() time.Time { return now }
	plain := e.addUser("plain", "Plain")
	reset := strconv.FormatInt(now.Add(time.Minute).UnixMilli(), 10)
	invalid := func(i int) {
		t.Helper()
		for _, body := range []string{`{}`, `42`, `{"username":"plain","x":1}`} {
			res := e.dm(plain, body)
			if res.status != 400 || !strings.Contains(res.body, `"errorType":"invalid-params"`) {
				t.Fatalf("invalid call %d %s: %d %s", i, body, res.status, res.body)
			}
			wantHeaders(t, res, "", "", "")
		}
	}
	invalid(0)
	for i := 1; i <= 3; i++ {
		res := e.dm(plain, `{"username":"plain"}`)
		if res.status != 200 {
			t.Fatalf("call %d: %d %s", i, res.status, res.body)
		}
		wantHeaders(t, res, "3", strconv.Itoa(3-i), reset)
		invalid(i)
	}
	// The fourth valid call is over the limit; invalid ones still get the
	// validation error, and valid but unknown names count like any call.
	for _, body := range []string{`{"username":"plain"}`, `{"username":"nobody"}`} {
		res := e.dm(plain, body)
		wantResponse(t, res, 429, `{"success":false,"error":"Error, too many requests. Please slow down. You must wait 60 seconds before trying this endpoint again. [error-too-many-requests]"}`)
		wantHeaders(t, res, "3", "0", reset)
	}
	invalid(4)
	// A 401 comes before both.
	wantResponse(t, e.postJSON("/api/v1/dm.create", nil, `{}`), 401, unauthorizedBody401)
}

func wantHeaders(t *testing.T, res response, limit, remaining, reset string) {
	t.Helper()
	got := [3]string{res.header.Get("X-RateLimit-Limit"), res.header.Get("X-RateLimit-Remaining"), res.header.Get("X-RateLimit-Reset")}
	if got != [3]string{limit, remaining, reset} {
		t.Errorf("X-RateLimit-Limit/Remaining/Reset = %q, want %q", got, [3]string{limit, remaining, reset})
	}
}

func TestClientIP(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.1:5555":   "192.0.2.1",
		"[2001:db8::1]:80": "2001:db8::1",
		"pipe":             "pipe", // no port: the whole address is the key
		"":                 "",
	} {
		if got := clientIP(&http.Request{RemoteAddr: addr}); got != want {
			t.Errorf("clientIP(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestRateLimiterSweep(t *testing.T) {
	l := newRateLimiter(RateLimit{Calls: 1, Window: time.Second})
	now := time.Unix(0, 0)
	l.now = func() time.Time { return now }
	for i := range 2000 {
		l.take(strconv.Itoa(i))
	}
	now = now.Add(2 * time.Second)
	for i := range 100 {
		l.take("fresh" + strconv.Itoa(i))
	}
	if len(l.windows) > 100 {
		t.Errorf("%d windows kept after they expired", len(l.windows))
	}
}
