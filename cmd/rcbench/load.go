package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// result is one load measurement.
type result struct {
	name     string
	requests int
	elapsed  time.Duration
	p50, p99 time.Duration
	statuses map[int]int
}

func (r result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r result) String() string {
	return fmt.Sprintf("%-34s %9.0f req/s   p50 %8s   p99 %8s   (%d requests, statuses %v)",
		r.name, r.rps(), r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.requests, r.statuses)
}

// request builds one request; it is called for every send.
type request func() (*http.Request, error)

// post returns a request builder for a fixed JSON POST.
func post(url string, header map[string]string, body []byte) request {
	return func() (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		return req, nil
	}
}

// newClient is one keep-alive client; each load worker has its own
// connection, as separate clients of a real server would.
func newClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true,
	}}
}

// load sends build() from conns concurrent keep-alive clients for d, after
// a short warm-up, and measures throughput and latency percentiles.
func load(ctx context.Context, name string, conns int, d time.Duration, build request) (result, error) {
	warm, cancel := context.WithTimeout(ctx, d/5)
	_, _ = drive(warm, conns, build)
	cancel()
	return measure(ctx, name, conns, d, build)
}

// measure is load without the warm-up.
func measure(ctx context.Context, name string, conns int, d time.Duration, build request) (result, error) {
	run, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	lat, statuses := drive(run, conns, build)
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return result{}, fmt.Errorf("%s: no request completed", name)
	}
	slices.Sort(lat)
	return result{
		name: name, requests: len(lat), elapsed: elapsed, statuses: statuses,
		p50: lat[len(lat)/2], p99: lat[len(lat)*99/100],
	}, nil
}

func drive(ctx context.Context, conns int, build request) ([]time.Duration, map[int]int) {
	var mu sync.Mutex
	var all []time.Duration
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			c := newClient()
			defer c.CloseIdleConnections()
			lat := make([]time.Duration, 0, 1<<14)
			st := map[int]int{}
			for ctx.Err() == nil {
				req, err := build()
				if err != nil {
					break
				}
				t0 := time.Now()
				resp, err := c.Do(req.WithContext(ctx))
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				st[resp.StatusCode]++
			}
			mu.Lock()
			all = append(all, lat...)
			for k, v := range st {
				statuses[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, statuses
}

// serve starts h on a loopback port and returns its base URL and a stop func.
func serve(h http.Handler, configure func(*http.Server)) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	if configure != nil {
		configure(srv)
	}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}
