package rest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRedactJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"user":"admin","password":"s3cret"}`, `{"password":"[redacted]","user":"admin"}`},
		{`{"data":{"userId":"u1","authToken":"tok-123456"}}`, `{"data":{"authToken":"[redacted]","userId":"u1"}}`},
		{`{"room":{"rid":"r"},"success":true}`, `{"room":{"rid":"r"},"success":true}`}, // untouched, same bytes
		{`{"b": 1,  "a": 2}`, `{"b": 1,  "a": 2}`},                                     // no secret: original bytes kept
		{`not json tok-123456`, `not json [redacted]`},                                 // known secrets still go
		{`[{"Password":"x"}]`, `[{"Password":"[redacted]"}]`},                          // any depth, any case
	} {
		if got := string(RedactJSON([]byte(tc.in), "tok-123456")); got != tc.want {
			t.Errorf("RedactJSON(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestRedactHeader(t *testing.T) {
	h := http.Header{"X-Auth-Token": {"t"}, "X-User-Id": {"u"}}
	got := RedactHeader(h)
	if got.Get("X-Auth-Token") != Redacted || got.Get("X-User-Id") != "u" || h.Get("X-Auth-Token") != "t" {
		t.Fatalf("RedactHeader: got %v, original now %v", got, h)
	}
}

// limited answers 429 to the first n requests, naming a reset time.
func limited(n int64, reset time.Duration) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if calls.Add(1) <= n {
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(reset).UnixMilli(), 10))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write(body) // echo: the replayed body must be whole
	}))
	return srv, &calls
}

func TestTransportWaitsOutTheLimiter(t *testing.T) {
	srv, calls := limited(2, 30*time.Millisecond)
	defer srv.Close()
	tr := &Transport{Budget: time.Second}
	c := &http.Client{Transport: tr}
	resp, err := c.Post(srv.URL, "application/json", strings.NewReader(`{"username":"bob"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != `{"username":"bob"}` || calls.Load() != 3 {
		t.Fatalf("got %d %q after %d calls; want 200 with the body replayed after 3 calls", resp.StatusCode, body, calls.Load())
	}
	if waited, hits := tr.Waited(); hits != 2 || waited <= 0 {
		t.Fatalf("Waited() = %s, %d; want two waits", waited, hits)
	}
}

func TestTransportStopsBeyondTheBudget(t *testing.T) {
	srv, _ := limited(1000, time.Hour)
	defer srv.Close()
	c := &http.Client{Transport: &Transport{Budget: 100 * time.Millisecond, MaxWait: 50 * time.Millisecond}}
	start := time.Now()
	_, err := c.Get(srv.URL)
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("got %v, want ErrRateLimited", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("giving up took %s; the budget is 100ms", d)
	}
}
