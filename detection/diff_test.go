package detection

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/diff"
)

// diffRun is what `rcconform diff --target` said about one server.
type diffRun struct {
	Exit int
	// Checks are the checks with a really differing exchange, sorted;
	// Within counts the differences within the release's known variation.
	Checks   []string
	Within   int
	Report   diff.Report
	Output   string
	Duration time.Duration
}

// diffSample: make test compares with one broken server in this many; the
// full run (make detection-full, which CI runs) with every one.
const diffSample = 6

// TestDiffFindsEveryMutant runs `rcconform diff` against every server of
// this suite, compared with the reference at the release it reports,
// answering as the variants the server showed where that release allows
// them. A faithful server (the reference with any variants its line
// allows) must show no real difference; a broken one must differ for real
// in an exchange of a check that names its behaviour, while a server with
// TEST_MODE's stack traces, which released Rocket.Chat has, compares equal.
func TestDiffFindsEveryMutant(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rcconform and compares it with every mutant")
	}
	start := time.Now()
	mutants, err := catalogue()
	if err != nil {
		t.Fatal(err)
	}
	bins := buildBinaries(t)
	rcconform := buildCommand(t, "github.com/rcconform/rcconform/cmd/rcconform")
	sem := make(chan struct{}, parallelRuns)

	var mu sync.Mutex
	var table []string
	runs := 0
	row := func(spec string, res diffRun) {
		mu.Lock()
		defer mu.Unlock()
		runs++
		table = append(table, fmt.Sprintf("%-64s exit %d  %5.1fs  %3d differences, %3d within known variation  %s", spec, res.Exit, res.Duration.Seconds(), len(res.Report.Differences), res.Within, strings.Join(res.Checks, " ")))
	}
	t.Run("faithful", func(t *testing.T) {
		for _, f := range faithfulServers() {
			spec := referenceName + "@" + f.spec()
			t.Run(f.spec(), func(t *testing.T) {
				t.Parallel()
				res := runDiff(t, sem, bins, rcconform, spec)
				row(spec, res)
				if res.Exit != 0 || len(res.Report.Differences) > 0 {
					t.Errorf("rcconform diff exits %d with %d real differences (in %v) against the reference at %s (%s), which answers as its release may:\n%s",
						res.Exit, len(res.Report.Differences), res.Checks, f.rel, describeVariants(f.vs), res.Output)
				}
			})
		}
	})
	t.Run("mutants", func(t *testing.T) {
		for i, m := range mutants {
			// The command's comparison is the same code for every server:
			// make test samples a sixth of the broken servers, the full
			// run (make detection-full) takes every one, each at one
			// placement.
			if !fullMode() && i%diffSample != 0 && m.Family != "test-mode" {
				continue
			}
			sameAsReleased := len(m.MustFail) == 0 && slices.Contains(m.PassesAt, conformance.Compat) && m.Family == "test-mode"
			if len(m.MustFail) == 0 && !sameAsReleased {
				continue // released behaviour that differs run to run: racing creations
			}
			if m.Level != "" && m.Level != conformance.Compat {
				continue // caught only by recommended checks of concurrent requests, whose answers vary between runs
			}
			for _, v := range m.Versions[:1] {
				t.Run(m.Name+"@"+v, func(t *testing.T) {
					t.Parallel()
					res := runDiff(t, sem, bins, rcconform, m.Name+"@"+v)
					row(m.Name+"@"+v, res)
					if sameAsReleased {
						if res.Exit != 0 {
							t.Errorf("a server that only adds TEST_MODE's stack traces (%s) differs from the reference in %v:\n%s", m.Description, res.Checks, res.Output)
						}
						return
					}
					if res.Exit != 1 || len(res.Report.Differences) == 0 {
						t.Fatalf("rcconform diff exits %d with %d real differences against a server where %s, want 1 (the servers differ):\n%s", res.Exit, len(res.Report.Differences), m.Description, res.Output)
					}
					if !slices.ContainsFunc(res.Checks, func(id string) bool { return slices.Contains(m.MustFail, id) }) {
						t.Errorf("rcconform diff against a server where %s names no check of its behaviour %v among the differing ones %v", m.Description, m.MustFail, res.Checks)
					}
					if !strings.Contains(res.Output, "DIFF  ") {
						t.Errorf("the console shows no DIFF line:\n%s", res.Output)
					}
				})
			}
		}
	})
	slices.Sort(table)
	t.Logf("server → rcconform diff\n%s", strings.Join(table, "\n"))
	t.Logf("%d diff runs in %s", runs, time.Since(start).Round(time.Second))
}

// buildCommand compiles the program pkg without -race.
func buildCommand(t *testing.T, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Env = withoutRace(os.Environ())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// runDiff starts the server spec names (name@placement) and compares it
// with the reference at the release it reports, the default of rcconform
// diff.
func runDiff(t *testing.T, sem chan struct{}, bins binaries, rcconform, spec string) diffRun {
	t.Helper()
	var res diffRun
	withServer(t, sem, bins.servers, spec, func(ctx context.Context, url, dir string, env []string) {
		began := time.Now()
		cmd := exec.CommandContext(ctx, rcconform, "diff", "--target", url, "--report-dir", dir)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		res = diffRun{Output: string(out), Duration: time.Since(began)}
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			res.Exit = exit.ExitCode()
		case err != nil:
			t.Fatalf("run rcconform diff: %v\n%s", err, out)
		}
		rep, err := diff.ReadFile(filepath.Join(dir, diff.File))
		if err != nil {
			t.Fatalf("rcconform diff (exit %d): %v\n%s", res.Exit, err, out)
		}
		res.Report = *rep
	})
	for _, d := range res.Report.Differences {
		if d.Check != "" {
			res.Checks = append(res.Checks, d.Check)
		}
	}
	res.Checks = sortedUnique(res.Checks)
	res.Within = len(res.Report.WithinVariation)
	return res
}
