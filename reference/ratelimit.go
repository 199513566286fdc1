package reference

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rateLimiter is a fixed-window counter per route and client IP, like the
// Meteor RateLimiter behind Rocket.Chat's API_Enable_Rate_Limiter: a call is
// counted first and refused once the count exceeds the limit.
type rateLimiter struct {
	calls  int
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	windows   map[string]*rateWindow
	nextSweep int // prune expired windows when the map reaches this size
}

type rateWindow struct {
	start time.Time
	count int
}

type rateDecision struct {
	allowed   bool
	remaining int
	reset     time.Time
}

func newRateLimiter(rl RateLimit) *rateLimiter {
	return &rateLimiter{
		calls:     rl.Calls,
		window:    rl.Window,
		now:       time.Now,
		windows:   map[string]*rateWindow{},
		nextSweep: 1024,
	}
}

func (l *rateLimiter) take(key string) rateDecision {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.windows[key]
	if w == nil || now.Sub(w.start) >= l.window {
		if w == nil && len(l.windows) >= l.nextSweep {
			l.sweep(now)
		}
		w = &rateWindow{start: now}
		l.windows[key] = w
	}
	w.count++
	return rateDecision{
		allowed:   w.count <= l.calls,
		remaining: max(l.calls-w.count, 0),
		reset:     w.start.Add(l.window),
	}
}

// sweep drops expired windows so that many distinct clients cannot grow the
// map without bound.
func (l *rateLimiter) sweep(now time.Time) {
	for k, w := range l.windows {
		if now.Sub(w.start) >= l.window {
			delete(l.windows, k)
		}
	}
	l.nextSweep = max(1024, 2*len(l.windows))
}

// limit applies the limiter for route to this request and reports whether
// it may proceed; on refusal the 429 response has been written. Headers are
// set on every limited response, as Rocket.Chat does.
func (s *Server) limit(w http.ResponseWriter, r *http.Request, route string, u *user) bool {
	if s.limiter == nil || u.can(permBypassRateLimit) {
		return true
	}
	d := s.limiter.take(route + " " + clientIP(r))
	wait := d.reset.Sub(s.limiter.now())
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.limiter.calls))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(d.reset.UnixMilli(), 10))
	if d.allowed {
		return true
	}
	seconds := int64(math.Ceil(wait.Seconds()))
	h.Set("Retry-After", strconv.FormatInt(seconds, 10))
	s.writeError(w, plainError(http.StatusTooManyRequests,
		"Error, too many requests. Please slow down. You must wait "+strconv.FormatInt(seconds, 10)+
			" seconds before trying this endpoint again. [error-too-many-requests]"))
	return false
}

// clientIP is the connection's peer address; forwarding headers are not
// trusted, so clients cannot pick their own rate-limit bucket.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
