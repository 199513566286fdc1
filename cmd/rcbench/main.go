// Command bench measures the reference server and the harness: throughput
// of the reference next to a bare net/http handler, behaviour under abuse,
// memory after many rooms, and the wall time of whole suite runs. Every
// figure is printed with the command that produced it. Traffic goes to
// loopback only, and every loop is bounded in time or count.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

func main() {
	mode := flag.String("mode", "all", "what to measure: throughput, abuse, memory, runs, container, stack or all")
	dur := flag.Duration("duration", 3*time.Second, "length of each load measurement")
	conns := flag.Int("conns", 16, "concurrent keep-alive clients")
	runs := flag.Int("runs", 5, "whole-suite runs per target kind")
	calls := flag.Int("calls", 100_000, "dm.create calls of the memory measurement")
	pairs := flag.Int("pairs", 7, "container and in-process runs of the container measurement")
	flag.Parse()

	fmt.Printf("# rcconform benchmarks — %s, %s/%s, nproc %d, %s\n", time.Now().UTC().Format(time.RFC3339),
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Printf("# command: go run ./cmd/rcbench %s\n\n", strings.Join(os.Args[1:], " "))
	ctx := context.Background()
	steps := map[string]func() error{
		"throughput": func() error { return throughput(ctx, *conns, *dur) },
		"abuse":      func() error { return abuse(ctx, *dur) },
		"memory":     func() error { return memory(ctx, *calls) },
		"runs":       func() error { return wholeRuns(ctx, *runs) },
		"container":  func() error { return containerRuns(ctx, *pairs) },
		"stack":      func() error { return stackRuns(ctx, *runs) },
	}
	order := []string{"throughput", "abuse", "memory", "runs", "container", "stack"}
	if *mode != "all" {
		if _, ok := steps[*mode]; !ok {
			fmt.Fprintf(os.Stderr, "bench: unknown -mode %q; use throughput, abuse, memory, runs, container, stack or all\n", *mode)
			os.Exit(2)
		}
		order = []string{*mode}
	}
	for _, m := range order {
		if err := steps[m](); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", m, err)
			os.Exit(1)
		}
		fmt.Println()
	}
}
