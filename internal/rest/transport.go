// Package rest holds what every HTTP exchange of the harness with a target
// shares: bounded waits on Rocket.Chat's rate limiter and secret redaction.
package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ErrRateLimited says the target kept answering 429 beyond the wait budget.
// It is never a conformance verdict: the run cannot happen as configured.
var ErrRateLimited = errors.New("the target's rate limiter kept refusing requests beyond the wait budget; " +
	"turn it off (Rocket.Chat setting API_Enable_Rate_Limiter=false, or start the server with TEST_MODE=true) and run again")

// Transport retries requests that Rocket.Chat's rate limiter refused (HTTP
// 429), waiting as long as the server says, within one budget shared by
// every request of the run.
type Transport struct {
	// Base does the actual round trips; nil uses http.DefaultTransport.
	Base http.RoundTripper
	// Budget is the total time the run may spend waiting on 429 answers.
	Budget time.Duration
	// MaxWait caps one wait when the server names no reset time.
	MaxWait time.Duration

	mu     sync.Mutex
	waited time.Duration
	hits   int
}

// Waited reports how long the run waited on the rate limiter and how often.
func (t *Transport) Waited() (time.Duration, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waited, t.hits
}

// RoundTrip sends req, and again after each 429 while the budget lasts.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	for {
		resp, err := base.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			return resp, err
		}
		wait := t.retryAfter(resp.Header)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if !t.spend(wait) {
			return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, ErrRateLimited)
		}
		if req.Body != nil {
			if req.GetBody == nil {
				return nil, fmt.Errorf("%s %s: rate limited and the body cannot be replayed: %w", req.Method, req.URL.Path, ErrRateLimited)
			}
			if req.Body, err = req.GetBody(); err != nil {
				return nil, fmt.Errorf("%s %s: replay body: %w", req.Method, req.URL.Path, err)
			}
		}
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

func (t *Transport) spend(d time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.waited+d > t.Budget {
		return false
	}
	t.waited += d
	t.hits++
	return true
}

// retryAfter reads Rocket.Chat's X-RateLimit-Reset (ms since the epoch),
// then the standard Retry-After (seconds), else waits MaxWait.
func (t *Transport) retryAfter(h http.Header) time.Duration {
	maxWait := t.MaxWait
	if maxWait <= 0 {
		maxWait = 10 * time.Second
	}
	if ms, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && ms > 0 {
		d := time.Until(time.UnixMilli(ms)) + 50*time.Millisecond
		return min(max(d, 10*time.Millisecond), maxWait*6)
	}
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second+50*time.Millisecond, maxWait*6)
	}
	return maxWait
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
