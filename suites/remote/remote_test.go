// Package remote_test runs the dm.create suites as a user would against a
// server given only by URL: the reference started as a separate process,
// behind a proxy that counts what the harness does to it, and servers that
// put Rocket.Chat's obstacles (rate limiter, two-factor login) in the way.
package remote_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/refproc"
	"github.com/rcconform/rcconform/suites/framework"
)

// bin holds the binaries built once for all tests.
var bin struct{ suite, reference string }

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // every test here needs the binaries
	}
	dir, err := os.MkdirTemp("", "rcconform-remote-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin.suite = filepath.Join(dir, "dmcreate.test")
	if out, err := exec.Command("go", "test", "-c", "-o", bin.suite, "../dmcreate").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "compile the suite: %v\n%s", err, out)
		os.Exit(1)
	}
	if bin.reference, err = refproc.Build(context.Background(), "..", dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startReference runs the reference binary as its own process and returns
// its URL; the process is stopped when the test ends.
func startReference(t *testing.T, env []string, args ...string) string {
	t.Helper()
	p, err := refproc.Start(bin.reference, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	return p.URL
}

// suiteRun is the outcome of one run of the suite binary.
type suiteRun struct {
	output string
	specs  types.SpecReports
	setup  types.SpecReports // the suite-level nodes
	err    error
}

func (r suiteRun) failed() []string {
	var out []string
	for _, s := range r.specs {
		if s.State.Is(types.SpecStateFailureStates) {
			out = append(out, s.FullText()+": "+s.FailureMessage())
		}
	}
	return out
}

// ownEnv is this process's environment without the caller's RC_*
// variables: each test says which settings its runs get, so an RC_URL in
// the shell never points them elsewhere (RC_PARALLEL_RUNS, a setting of
// this package's own tests, is read before).
func ownEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RC_") {
			out = append(out, kv)
		}
	}
	return out
}

// runSuite runs the compiled suite against url with extra environment.
func runSuite(t *testing.T, url string, env ...string) suiteRun {
	t.Helper()
	report := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin.suite, "-ginkgo.json-report="+report, "-ginkgo.no-color")
	cmd.Env = append(ownEnv(), append([]string{"RC_URL=" + url}, env...)...)
	out, err := cmd.CombinedOutput()
	run := suiteRun{output: string(out), err: err}
	raw, rerr := os.ReadFile(report)
	if rerr != nil {
		t.Fatalf("the suite wrote no JSON report (%v); its output:\n%s", rerr, out)
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("parse the suite's JSON report: %v", err)
	}
	for _, s := range reports[0].SpecReports {
		if s.LeafNodeType == types.NodeTypeIt {
			run.specs = append(run.specs, s)
		} else {
			run.setup = append(run.setup, s)
		}
	}
	return run
}

// counter is a reverse proxy that counts the users the harness creates and
// deletes, so leftovers on a URL target are visible.
type counter struct {
	created, deleted, rateLimited atomic.Int64
}

func (c *counter) proxy(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			c.rateLimited.Add(1)
		case resp.StatusCode != http.StatusOK:
		case resp.Request.URL.Path == "/api/v1/users.create":
			c.created.Add(1)
		case resp.Request.URL.Path == "/api/v1/users.delete":
			c.deleted.Add(1)
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestURLTargetStartedAsSeparateProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compiled suite against servers by URL (make test runs it)")
	}
	const password = "url-target-Secret-9137"
	ref := startReference(t, []string{"ADMIN_PASS=" + password})
	var c counter
	run := runSuite(t, c.proxy(t, ref), "RC_ADMIN_USER=admin", "RC_ADMIN_PASSWORD="+password)
	if run.err != nil || len(run.failed()) > 0 {
		t.Fatalf("the suite must pass against the reference given by URL; failures: %v\n%s", run.failed(), run.output)
	}
	if len(run.specs) < 50 {
		t.Fatalf("only %d checks ran", len(run.specs))
	}
	if c.created.Load() == 0 || c.created.Load() != c.deleted.Load() {
		t.Fatalf("the harness created %d users and deleted %d; every user it creates must be deleted", c.created.Load(), c.deleted.Load())
	}
	if strings.Contains(run.output, password) {
		t.Fatal("the admin password appears in the suite's output")
	}
}

func TestRateLimitedTargetIsWaitedOut(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compiled suite against servers by URL (make test runs it)")
	}
	// Rocket.Chat's limiter with a short window: the harness must wait as
	// told and still certify the server.
	ref := startReference(t, nil, "--rate-limit", "20", "--rate-limit-window", "1s")
	var c counter
	run := runSuite(t, c.proxy(t, ref))
	if run.err != nil || len(run.failed()) > 0 {
		t.Fatalf("a rate-limited but conforming server must pass; failures: %v\n%s", run.failed(), run.output)
	}
	if c.rateLimited.Load() == 0 {
		t.Fatal("the limiter never answered 429, so this test proved nothing; lower --rate-limit")
	}
	t.Logf("waited out %d answers of 429", c.rateLimited.Load())
}

func TestRateLimiterBeyondBudgetStopsTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compiled suite against servers by URL (make test runs it)")
	}
	ref := startReference(t, nil, "--rate-limit", "3", "--rate-limit-window", "1h")
	run := runSuite(t, ref, "RC_RATE_LIMIT_BUDGET=1s")
	if run.err == nil {
		t.Fatal("the run passed although the limiter refused almost every call")
	}
	if !strings.Contains(run.output, framework.CannotRunPrefix) || !strings.Contains(run.output, "API_Enable_Rate_Limiter") {
		t.Fatalf("the run must stop saying how to turn the limiter off; output:\n%s", run.output)
	}
	for _, s := range run.specs {
		if s.State == types.SpecStateFailed && !strings.Contains(s.FailureMessage(), framework.CannotRunPrefix) {
			t.Fatalf("a rate-limited check was reported as a conformance failure: %s: %s", s.FullText(), s.FailureMessage())
		}
	}
}

func TestTwoFactorLoginStopsTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compiled suite against servers by URL (make test runs it)")
	}
	// What Rocket.Chat answers when the admin has two-factor authentication.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/info":
			io.WriteString(w, `{"version":"8.8.1","success":true}`)
		case "/api/v1/login":
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"status":"error","error":"totp-required","message":"TOTP Required","details":{"method":"email","codeGenerated":true}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	run := runSuite(t, srv.URL)
	if run.err == nil {
		t.Fatal("the run passed although no one could log in")
	}
	if !strings.Contains(run.output, "Accounts_TwoFactorAuthentication_Enabled") {
		t.Fatalf("the run must stop naming the two-factor setting to change; output:\n%s", run.output)
	}
	if len(run.failed()) > 0 {
		t.Fatalf("no check may fail when the run could not happen; failed: %v", run.failed())
	}
}

func TestUnreachableTargetStopsTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compiled suite against servers by URL (make test runs it)")
	}
	start := time.Now()
	run := runSuite(t, "http://127.0.0.1:1")
	if run.err == nil || !strings.Contains(run.output, "cannot be reached") {
		t.Fatalf("an unreachable target must stop the run saying so; output:\n%s", run.output)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("stopping took %s", d)
	}
}

func TestParallelProcessesShareOneTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite under ginkgo -p")
	}
	report := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command("go", "tool", "ginkgo", "-p", "--procs=2", "--no-color", "--json-report="+report, bin.suite)
	cmd.Env = append(ownEnv(), "RC_TARGET=in-process")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the suite must pass under ginkgo -p with two processes: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil {
		t.Fatal(err)
	}
	procs := map[int]bool{}
	for _, s := range reports[0].SpecReports {
		if s.LeafNodeType == types.NodeTypeIt {
			procs[s.ParallelProcess] = true
		}
	}
	if len(procs) != 2 {
		t.Fatalf("the checks ran on processes %v; want both of two", procs)
	}
}

// TestParallelProcessesAgainstRacyServer runs the suite under ginkgo -p
// against a server that creates rooms the way released Rocket.Chat does
// (look up, then insert): each process has personas of its own, so no two
// checks running at once create the same room for the first time, and only
// the recommended concurrency checks, which do not count, may see the race.
func TestParallelProcessesAgainstRacyServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite under ginkgo -p several times")
	}
	runs := 3
	if v := os.Getenv("RC_PARALLEL_RUNS"); v != "" {
		fmt.Sscan(v, &runs)
	}
	for _, version := range []string{"6.14.0", "8.6.1"} {
		t.Run(version, func(t *testing.T) {
			ref := startReference(t, nil, "--rc-version", version, "--racy-creation")
			passed, raced := 0, 0
			for i := range runs {
				procs := 2 + i%3
				report := filepath.Join(t.TempDir(), "report.json")
				cmd := exec.Command("go", "tool", "ginkgo", "-p", fmt.Sprintf("--procs=%d", procs), "--no-color", "--json-report="+report, bin.suite)
				cmd.Env = append(ownEnv(), "RC_URL="+ref)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("run %d with %d processes failed: %v\n%s", i+1, procs, err, out)
					continue
				}
				passed++
				raw, err := os.ReadFile(report)
				if err != nil {
					t.Fatal(err)
				}
				var reports []types.Report
				if err := json.Unmarshal(raw, &reports); err != nil {
					t.Fatal(err)
				}
				for _, s := range reports[0].SpecReports {
					if strings.HasPrefix(s.Failure.Message, conformance.RecommendedNotMet) {
						raced++
					}
				}
			}
			if raced == 0 {
				t.Errorf("no recommended concurrency check saw the race in %d runs, so the server did not race and the runs prove nothing", runs)
			}
			t.Logf("%s: %d of %d parallel runs passed", version, passed, runs)
		})
	}
}
