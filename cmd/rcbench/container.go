package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/rcconform/rcconform/config"
	"github.com/rcconform/rcconform/reference/container"
)

// measured is one whole `rcconform run` process: wall and CPU time, peak
// resident memory, and the phases its --trace reported.
type measured struct {
	wall, cpu time.Duration
	peakKiB   int64
	phases    map[string]time.Duration
	order     []string
}

// containerRuns measures `rcconform run` with the reference in a container
// next to `rcconform run --in-process`, n pairs run one after the other so
// that both see the same machine, and prints each phase of the container
// run with the in-process one beside it.
func containerRuns(ctx context.Context, n int) error {
	fmt.Printf("## A container run next to an in-process run (%d pairs, one whole rcconform process each, medians)\n", n)
	if exec.CommandContext(ctx, "docker", "info").Run() != nil {
		fmt.Println("skipped: no Docker engine answers")
		return nil
	}
	dir, bin, err := buildCommand(ctx)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kinds := []struct {
		name string
		args []string
	}{
		{"in-process", []string{"run", "--in-process", "--trace", "--report-dir", filepath.Join(dir, "in-process")}},
		{"container", []string{"run", "--trace", "--report-dir", filepath.Join(dir, "container")}},
	}
	// One untimed run of each: the image exists and the caches are warm,
	// as for every run after a user's first.
	for _, k := range kinds {
		if _, err := runMeasured(ctx, bin, k.args); err != nil {
			return err
		}
	}
	runs := map[string][]measured{}
	var ratios []float64
	leftovers := 0
	for range n {
		var pair [2]measured
		for i, k := range kinds {
			m, err := runMeasured(ctx, bin, k.args)
			if err != nil {
				return err
			}
			pair[i] = m
			runs[k.name] = append(runs[k.name], m)
		}
		ratios = append(ratios, pair[1].wall.Seconds()/pair[0].wall.Seconds())
		ids, err := container.List(ctx)
		if err != nil {
			return err
		}
		leftovers += len(ids)
	}

	fmt.Printf("%-12s %10s %10s %12s\n", "run", "wall", "cpu", "peak memory")
	for _, k := range kinds {
		ms := runs[k.name]
		fmt.Printf("%-12s %10s %10s %8.1f MiB\n", k.name,
			medianOf(ms, func(m measured) time.Duration { return m.wall }),
			medianOf(ms, func(m measured) time.Duration { return m.cpu }),
			float64(medianInt(ms, func(m measured) int64 { return m.peakKiB }))/1024)
	}
	slices.Sort(ratios)
	fmt.Printf("container / in-process wall time: median %.2f× (min %.2f×, max %.2f×) over %d pairs\n", ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1], n)
	fmt.Printf("containers left behind after the runs: %d\n\n", leftovers)

	fmt.Printf("%-42s %12s %12s\n", "phase (--trace; indented: part of the phase above)", "container", "in-process")
	for _, line := range phaseRows(runs["container"], runs["in-process"]) {
		fmt.Println(line)
	}
	fmt.Printf("(command: %s; the same with --in-process)\n", strings.Join(append([]string{"rcconform"}, kinds[1].args[:2]...), " "))
	return nil
}

// runMeasured runs rcconform with args and reads what it cost.
func runMeasured(ctx context.Context, bin string, args []string) (measured, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	m := measured{wall: time.Since(t0), phases: map[string]time.Duration{}}
	if err != nil {
		return m, fmt.Errorf("rcconform %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.peakKiB = ru.Maxrss // KiB on Linux; the largest of the process and its children
	}
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		if phase, took, ok := config.ParseTrace(sc.Text()); ok {
			if _, seen := m.phases[phase]; !seen {
				m.order = append(m.order, phase)
			}
			m.phases[phase] += took
		}
	}
	return m, nil
}

// phaseRows lists the median of each phase, in the order the first run
// reported them, each sub-phase (a name with a colon, e.g. "container:
// create") under the phase that contains it, which ends after it.
func phaseRows(primary, other []measured) []string {
	if len(primary) == 0 {
		return nil
	}
	order := primary[0].order
	for _, p := range other[0].order {
		if !slices.Contains(order, p) {
			order = append(order, p)
		}
	}
	row := func(phase, label string) string {
		med := func(ms []measured) string {
			var ds []time.Duration
			for _, m := range ms {
				if d, ok := m.phases[phase]; ok {
					ds = append(ds, d)
				}
			}
			if len(ds) == 0 {
				return "—"
			}
			slices.Sort(ds)
			return fmt.Sprintf("%.1f ms", float64(ds[len(ds)/2].Microseconds())/1000)
		}
		return fmt.Sprintf("%-42s %12s %12s", label, med(primary), med(other))
	}
	var rows, pending []string
	for _, p := range order {
		if strings.Contains(p, ": ") {
			pending = append(pending, row(p, "  "+p))
			continue
		}
		rows = append(rows, row(p, p))
		rows = append(rows, pending...)
		pending = nil
	}
	return append(rows, pending...)
}

func medianOf(ms []measured, f func(measured) time.Duration) time.Duration {
	ds := make([]time.Duration, len(ms))
	for i, m := range ms {
		ds[i] = f(m)
	}
	slices.Sort(ds)
	return ds[len(ds)/2].Round(time.Millisecond)
}

func medianInt(ms []measured, f func(measured) int64) int64 {
	vs := make([]int64, len(ms))
	for i, m := range ms {
		vs[i] = f(m)
	}
	slices.Sort(vs)
	return vs[len(vs)/2]
}
