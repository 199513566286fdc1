package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rcconform/rcconform/reference"
)

// abuse measures one valid client's latency before and during three kinds
// of abuse, against the reference with its real server timeouts.
func abuse(ctx context.Context, d time.Duration) error {
	fmt.Println("## Reference under abuse (one valid keep-alive client; its latency before and during)")
	b, err := newBed(ctx, func(s *http.Server) {
		ref := reference.NewHTTPServer("", nil)
		s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout = ref.ReadHeaderTimeout, ref.ReadTimeout, ref.WriteTimeout
		s.IdleTimeout, s.MaxHeaderBytes = ref.IdleTimeout, ref.MaxHeaderBytes
	})
	if err != nil {
		return fmt.Errorf("start the reference: %w", err)
	}
	defer b.stop()
	body, _ := json.Marshal(map[string]string{"username": b.users["peer"].Username})
	valid := post(b.url+"/api/v1/dm.create", b.auth("caller"), body)

	base, err := load(ctx, "valid client, quiet server", 1, d, valid)
	if err != nil {
		return err
	}
	fmt.Println(base)

	// 10 000 wrong-token requests from 8 clients, with the valid client
	// alongside; the same flood of valid requests is the control, since on
	// two cores any flood takes CPU from the valid client.
	flood := func(name string, build request) (result, time.Duration, error) {
		var sent atomic.Int64
		t0 := time.Now()
		r, err := alongside(ctx, d, valid, name, func(stop <-chan struct{}) {
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					c := newClient()
					for sent.Add(1) <= 10_000 {
						req, _ := build()
						if resp, err := c.Do(req); err == nil {
							_, _ = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
						}
					}
				})
			}
			wg.Wait()
		})
		return r, time.Since(t0), err
	}
	wrong := post(b.url+"/api/v1/dm.create", map[string]string{"X-User-Id": b.users["caller"].ID, "X-Auth-Token": strings.Repeat("x", 43)}, body)
	during, took, err := flood("valid client, during 10000 wrong-token requests", wrong)
	if err != nil {
		return err
	}
	fmt.Println(during)
	fmt.Printf("the 10000 wrong-token requests took %s\n", took.Round(time.Millisecond))
	control, took, err := flood("valid client, during 10000 valid requests", post(b.url+"/api/v1/dm.create", b.auth("peer"), body))
	if err != nil {
		return err
	}
	fmt.Println(control)
	fmt.Printf("the 10000 valid requests (control) took %s\n", took.Round(time.Millisecond))

	// Slow clients: 200 connections that trickle a request header.
	var closed atomic.Int64
	// Long enough for the server's ReadHeaderTimeout to close them.
	slowFor := max(d, reference.NewHTTPServer("", nil).ReadHeaderTimeout+2*time.Second)
	slow, err := alongside(ctx, slowFor, valid, "valid client, during 200 slowloris connections", func(stop <-chan struct{}) {
		var wg sync.WaitGroup
		host := strings.TrimPrefix(b.url, "http://")
		for range 200 {
			wg.Go(func() {
				conn, err := net.Dial("tcp", host)
				if err != nil {
					return
				}
				defer conn.Close()
				_, _ = io.WriteString(conn, "POST /api/v1/dm.create HTTP/1.1\r\nHost: x\r\n")
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					case <-time.After(500 * time.Millisecond):
					}
					if _, err := fmt.Fprintf(conn, "X-Slow-%d: 1\r\n", i); err != nil {
						closed.Add(1)
						return
					}
				}
			})
		}
		<-stop
		wg.Wait()
	})
	if err != nil {
		return err
	}
	fmt.Println(slow)
	fmt.Printf("slow connections the server closed within %s: %d of 200 (ReadHeaderTimeout %s)\n", slowFor, closed.Load(), reference.NewHTTPServer("", nil).ReadHeaderTimeout)

	// Oversized bodies: 4 clients each sending a 4 MiB body every 50 ms.
	// Unpaced, the load generator's own writes would take both cores and
	// measure the machine, not the server.
	var refused atomic.Int64
	big := bytes.Repeat([]byte(" "), 4<<20)
	over, err := alongside(ctx, d, valid, "valid client, during 80 bodies of 4 MiB/s", func(stop <-chan struct{}) {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				c := newClient()
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					req, _ := post(b.url+"/api/v1/dm.create", b.auth("caller"), big)()
					if resp, err := c.Do(req); err == nil {
						if resp.StatusCode == http.StatusRequestEntityTooLarge {
							refused.Add(1)
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
			})
		}
		wg.Wait()
	})
	if err != nil {
		return err
	}
	fmt.Println(over)
	fmt.Printf("oversized bodies refused with 413: %d\n", refused.Load())
	fmt.Printf("p99 ratio during/quiet: wrong tokens %.2f (control flood of valid requests %.2f), slowloris %.2f, oversized %.2f\n",
		float64(during.p99)/float64(base.p99), float64(control.p99)/float64(base.p99), float64(slow.p99)/float64(base.p99), float64(over.p99)/float64(base.p99))
	return nil
}

// alongside measures the valid client while abuse runs, for at most d;
// abuse must return once stop is closed.
func alongside(ctx context.Context, d time.Duration, valid request, name string, abuse func(stop <-chan struct{})) (result, error) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { abuse(stop); close(done) }()
	// The measurement ends when the abuse does, so it never covers quiet time.
	mctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-done:
			cancel()
		case <-mctx.Done():
		}
	}()
	r, err := measure(mctx, name, 1, d, valid)
	cancel()
	close(stop)
	<-done
	return r, err
}
