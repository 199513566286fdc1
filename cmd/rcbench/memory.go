package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rcconform/rcconform/fixtures"
	"github.com/rcconform/rcconform/internal/refproc"
	"github.com/rcconform/rcconform/rcapi"
)

// memory runs the reference as its own process, makes calls dm.create
// calls spread over ~10 000 distinct 1:1 rooms, and reads its peak RSS.
func memory(ctx context.Context, calls int) error {
	const users = 142 // 142*141/2 = 10 011 distinct pairs
	fmt.Printf("## Reference memory: %d dm.create calls over %d distinct 1:1 rooms (separate process)\n", calls, users*(users-1)/2)
	dir, err := os.MkdirTemp("", "rcconform-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := refproc.Build(ctx, ".", dir)
	if err != nil {
		return err
	}
	ref, err := refproc.Start(bin, nil)
	if err != nil {
		return err
	}
	defer func() { _ = ref.Stop() }()
	url := ref.URL
	fmt.Printf("RSS at start: %s\n", rss(ref.Pid()))

	api := &rcapi.Client{BaseURL: url, HTTP: &http.Client{Timeout: 10 * time.Second}}
	personas := make([]fixtures.Persona, users)
	for i := range personas {
		personas[i] = fixtures.Persona{Key: fmt.Sprintf("u%03d", i), Role: "user", Name: fmt.Sprintf("User %03d", i)}
	}
	cast, err := fixtures.Provision(ctx, api, "admin", "admin-pass", fixtures.NewRunID(), personas)
	if err != nil {
		return err
	}
	fmt.Printf("RSS after creating and logging in %d users: %s\n", users, rss(ref.Pid()))
	type pair struct{ from, to fixtures.User }
	var pairs []pair
	for i := range users {
		for j := i + 1; j < users; j++ {
			pairs = append(pairs, pair{cast.Users[personas[i].Key], cast.Users[personas[j].Key]})
		}
	}

	var next, failed atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			c := newClient()
			for {
				n := next.Add(1) - 1
				if n >= int64(calls) {
					return
				}
				p := pairs[n%int64(len(pairs))]
				body, _ := json.Marshal(map[string]string{"username": p.to.Username})
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/dm.create", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				p.from.Creds.Header(req.Header)
				resp, err := c.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	fmt.Printf("%d calls in %s (%d not answered 200)\n", calls, time.Since(start).Round(time.Millisecond), failed.Load())
	fmt.Printf("RSS after the calls: %s\n", rss(ref.Pid()))
	return nil
}

// rss reads the current and peak resident set size of a process.
func rss(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	var cur, peak string
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "VmRSS:" {
			cur = f[1] + " kB"
		}
		if len(f) >= 2 && f[0] == "VmHWM:" {
			peak = f[1] + " kB"
		}
	}
	return fmt.Sprintf("current %s, peak %s", cur, peak)
}
