package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// wholeRuns times complete runs of the compiled suite (every check, compat
// level) per target kind: median, min and max of n runs.
func wholeRuns(ctx context.Context, n int) error {
	fmt.Printf("## Whole-run time of the complete suite (%d runs each; the suite binary is compiled once beforehand)\n", n)
	dir, err := os.MkdirTemp("", "rcconform-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "dmcreate.test")
	if out, err := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./suites/dmcreate").CombinedOutput(); err != nil {
		return fmt.Errorf("compile the suite: %v\n%s", err, out)
	}
	docker := exec.CommandContext(ctx, "docker", "info").Run() == nil
	kinds := []struct {
		name, target string
		before       func() error
		skip         bool
	}{
		{name: "in-process target", target: "in-process"},
		{name: "container target, image already built", target: "container", skip: !docker,
			before: func() error { return nil }},
		{name: "container target, image build included", target: "container", skip: !docker,
			before: func() error { return removeReferenceImages(ctx) }},
	}
	for _, k := range kinds {
		if k.skip {
			fmt.Printf("%-40s skipped: no Docker engine answers\n", k.name)
			continue
		}
		if k.target == "container" {
			// One untimed run makes sure the image exists for the cached case.
			if err := runOnce(ctx, bin, k.target); err != nil {
				return err
			}
		}
		var times []time.Duration
		for range n {
			if k.before != nil {
				if err := k.before(); err != nil {
					return err
				}
			}
			t0 := time.Now()
			if err := runOnce(ctx, bin, k.target); err != nil {
				return err
			}
			times = append(times, time.Since(t0))
		}
		fmt.Printf("%-40s %s   (command: RC_TARGET=%s ./dmcreate.test, from `go test -c ./suites/dmcreate`)\n", k.name, spread(times), k.target)
	}
	return nil
}

func runOnce(ctx context.Context, bin, target string) error {
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "RC_TARGET="+target)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("suite run against %s failed: %v\n%s", target, err, out)
	}
	return nil
}

func removeReferenceImages(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "docker", "images", "-q", "rcconform-reference").Output()
	if err != nil {
		return fmt.Errorf("list reference images: %w", err)
	}
	ids := strings.Fields(string(out))
	if len(ids) == 0 {
		return nil
	}
	if out, err := exec.CommandContext(ctx, "docker", append([]string{"rmi", "-f"}, ids...)...).CombinedOutput(); err != nil {
		return fmt.Errorf("remove reference images: %v\n%s", err, out)
	}
	// The classic builder reuses leftover intermediate layers as its cache.
	if out, err := exec.CommandContext(ctx, "docker", "image", "prune", "-f").CombinedOutput(); err != nil {
		return fmt.Errorf("prune dangling images: %v\n%s", err, out)
	}
	return nil
}

// spread sorts ts and says its median, minimum and maximum.
func spread(ts []time.Duration) string {
	slices.Sort(ts)
	return fmt.Sprintf("median %6s   min %6s   max %6s", ts[len(ts)/2].Round(time.Millisecond), ts[0].Round(time.Millisecond), ts[len(ts)-1].Round(time.Millisecond))
}

// buildCommand builds the rcconform command into a new temporary folder,
// which the caller removes.
func buildCommand(ctx context.Context) (dir, bin string, err error) {
	if dir, err = os.MkdirTemp("", "rcconform-bench-"); err != nil {
		return "", "", err
	}
	bin = filepath.Join(dir, "rcconform")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/rcconform").CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return "", "", fmt.Errorf("build rcconform: %v\n%s", err, out)
	}
	return dir, bin, nil
}
