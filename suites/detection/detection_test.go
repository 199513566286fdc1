// Package detection shows that the dm.create suite catches servers that
// differ from released Rocket.Chat in one documented behaviour: each mutant
// of mutants_test.go is served on loopback and the very suite binary users
// run is pointed at it by URL. Test code only; nothing here ships.
package detection

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/reference"
)

const suitePackage = "github.com/rcconform/rcconform/suites/dmcreate"

// parallelRuns bounds how many suite runs go at once.
const parallelRuns = 2

// failedCheck is a check (an It) that failed in a run.
type failedCheck struct {
	ID, Since string
	// Promise is the failure message up to the request it shows: the words of
	// the check itself, without the echoed exchange.
	Promise string
	Message string
}

// runResult is what one suite run against one server reported.
type runResult struct {
	Checks int               // It specs that ran
	Since  map[string]string // check id → since version, for every check that ran
	Failed []failedCheck
	// Setup is the failure message of the suite's setup, "" when it passed.
	Setup  string
	Output string
}

func (r runResult) failedIDs() []string {
	ids := make([]string, 0, len(r.Failed))
	for _, f := range r.Failed {
		ids = append(ids, f.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

func TestEveryMutantIsCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the dm.create suite and runs it once per mutant")
	}
	bin := buildSuite(t)
	sem := make(chan struct{}, parallelRuns)

	// The unmodified reference passes through the very same path.
	ref, err := reference.New(reference.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	base := runSuite(t, sem, bin, ref)
	t.Run("reference", func(t *testing.T) {
		if base.Setup != "" {
			t.Fatalf("the suite's setup failed against the reference:\n%s", base.Setup)
		}
		if base.Checks == 0 {
			t.Fatalf("no check ran against the reference:\n%s", base.Output)
		}
		for _, f := range base.Failed {
			t.Errorf("%s fails against the reference:\n%s", f.ID, f.Message)
		}
		t.Logf("reference: %d checks, %d failed", base.Checks, len(base.Failed))
	})
	if t.Failed() {
		t.FailNow()
	}

	var mu sync.Mutex
	results := map[string]runResult{}
	caught := map[string]bool{}
	t.Run("mutants", func(t *testing.T) {
		for _, m := range mutants {
			t.Run(m.Name, func(t *testing.T) {
				t.Parallel()
				for _, id := range m.MustFail {
					if _, ok := base.Since[id]; !ok {
						t.Fatalf("MustFail names %s, which is no check of the suite", id)
					}
				}
				h, err := m.handler()
				if err != nil {
					t.Fatal(err)
				}
				res := runSuite(t, sem, bin, h)
				mu.Lock()
				results[m.Name] = res
				mu.Unlock()
				if ok := judge(t, m, res); ok {
					mu.Lock()
					caught[m.Name] = true
					mu.Unlock()
				}
			})
		}
	})

	var table strings.Builder
	fmt.Fprintf(&table, "%-40s %-15s %s\n", "mutant", "family", "failing checks")
	for _, m := range mutants {
		mark := ""
		if !caught[m.Name] {
			mark = "NOT CAUGHT: "
		}
		fmt.Fprintf(&table, "%-40s %-15s %s%s\n", m.Name, m.Family, mark, strings.Join(results[m.Name].failedIDs(), " "))
	}
	t.Logf("mutant → failing checks\n%s", table.String())
	t.Logf("%d of %d mutants caught", len(caught), len(mutants))

	// Every check must be able to fail: some broken server must make it fail.
	seen := map[string]bool{}
	for _, res := range results {
		for _, id := range res.failedIDs() {
			seen[id] = true
		}
	}
	var never []string
	for id := range base.Since {
		if !seen[id] {
			never = append(never, id)
		}
	}
	slices.Sort(never)
	if len(never) > 0 {
		t.Errorf("no broken server makes these checks fail, so nothing shows they can: %v", never)
	}
	t.Logf("%d of %d checks fail against at least one broken server", len(base.Since)-len(never), len(base.Since))
}

// judge asserts that the run caught the mutant for the right reason and
// reports whether it did.
func judge(t *testing.T, m mutant, res runResult) bool {
	t.Helper()
	if res.Setup != "" {
		t.Errorf("the suite's setup failed, so the run proves nothing about %q:\n%s", m.Description, res.Setup)
		return false
	}
	if len(res.Failed) == 0 {
		t.Errorf("no check failed against a server where %s", m.Description)
		return false
	}
	ok := true
	var expected []failedCheck
	for _, f := range res.Failed {
		if slices.Contains(m.MustFail, f.ID) {
			expected = append(expected, f)
		}
	}
	if len(expected) == 0 {
		t.Errorf("none of %v failed against a server where %s; failing: %v", m.MustFail, m.Description, res.failedIDs())
		ok = false
	} else if !slices.ContainsFunc(expected, func(f failedCheck) bool { return strings.Contains(f.Promise, m.MessageHas) }) {
		var b strings.Builder
		for _, f := range expected {
			fmt.Fprintf(&b, "\n--- %s:\n%s", f.ID, f.Promise)
		}
		t.Errorf("no failure of %v names the behaviour (%q) for a server where %s:%s", m.MustFail, m.MessageHas, m.Description, b.String())
		ok = false
	}
	if m.OnlyFeatures != nil {
		for _, f := range res.Failed {
			if !slices.Contains(m.OnlyFeatures, f.Since) {
				t.Errorf("%s (since:%s) fails against a server that only lacks a feature of %v; a check must not depend on another feature:\n%s",
					f.ID, f.Since, m.OnlyFeatures, f.Message)
				ok = false
			}
		}
	}
	return ok
}

// buildSuite compiles the suite's test binary once, without -race.
func buildSuite(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is needed to build the suite: %v", err)
	}
	gomod, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" {
		t.Fatalf("find the module root with go env GOMOD: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "dmcreate.test")
	cmd := exec.Command(goBin, "test", "-c", "-o", bin, suitePackage)
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	cmd.Env = withoutRace(os.Environ())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the suite: %v\n%s", err, out)
	}
	return bin
}

func withoutRace(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
			kv = "GOFLAGS=" + strings.Join(slices.DeleteFunc(strings.Fields(v), func(f string) bool { return f == "-race" }), " ")
		}
		out = append(out, kv)
	}
	return out
}

// runSuite serves h on loopback, runs the suite binary against it by URL and
// reads the JSON report.
func runSuite(t *testing.T, sem chan struct{}, bin string, h http.Handler) runResult {
	t.Helper()
	sem <- struct{}{}
	defer func() { <-sem }()

	srv := httptest.NewServer(h)
	defer srv.Close()
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-ginkgo.json-report="+report, "-ginkgo.no-color")
	cmd.Dir = dir
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "RC_") })
	cmd.Env = append(env, "RC_URL="+srv.URL, "RC_ADMIN_USER=admin", "RC_ADMIN_PASSWORD=admin-pass")
	out, runErr := cmd.CombinedOutput()
	res := runResult{Output: string(out), Since: map[string]string{}}

	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("the suite wrote no report (%v; exit: %v):\n%s", err, runErr, out)
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil {
		t.Fatalf("read the suite's report: %v", err)
	}
	for _, r := range reports {
		for _, sr := range r.SpecReports {
			failed := sr.State.Is(types.SpecStateFailureStates)
			switch sr.LeafNodeType {
			case types.NodeTypeSynchronizedBeforeSuite, types.NodeTypeBeforeSuite:
				if failed {
					res.Setup = sr.Failure.Message
				}
			case types.NodeTypeIt:
				if sr.State == types.SpecStateSkipped || sr.State == types.SpecStatePending {
					continue
				}
				res.Checks++
				id, since := label(sr, "id:"), label(sr, "since:")
				res.Since[id] = since
				if failed {
					msg := sr.Failure.Message
					promise, _, _ := strings.Cut(msg, "\n  request:")
					res.Failed = append(res.Failed, failedCheck{ID: id, Since: since, Promise: promise, Message: msg})
				}
			}
		}
	}
	return res
}

func label(sr types.SpecReport, prefix string) string {
	for _, l := range sr.Labels() {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return v
		}
	}
	return ""
}
