package detection

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/report"
)

const suitePackage = "github.com/rcconform/rcconform/suites/dmcreate"

// binaries are the two programs a run needs: the suite, and the servers.
type binaries struct{ suite, servers string }

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
	Checks int // It specs that ran
	Failed []failedCheck
	// NotMet are the recommended checks that failed at a level where they do
	// not count (Ginkgo skips them with conformance.RecommendedNotMet).
	NotMet []string
	// Setup is the failure message of the suite's setup, "" when it passed.
	Setup  string
	Output string
	// Exit is the suite binary's exit code.
	Exit int
	// Fingerprint is what results.json says the target showed, per
	// dimension: the variant, "?" for an answer that fits none.
	Fingerprint variants
}

func (r runResult) failedIDs() []string {
	ids := make([]string, 0, len(r.Failed))
	for _, f := range r.Failed {
		ids = append(ids, f.ID)
	}
	return sortedUnique(ids)
}

// selfPackage is this package: its test binary, built without -race, is
// also the process that serves the mutants (see TestMain).
const selfPackage = "github.com/rcconform/rcconform/detection"

// serveEnv names the mutant ("name@placement", see lines_test.go) a process
// started from this package's test binary serves instead of running the
// tests.
const serveEnv = "DETECTION_SERVE"

// TestMain serves one mutant when serveEnv says so: the tests start each
// server as a process of its own, built without -race, so that the race
// detector of a `go test -race` run slows only the few lines that drive
// the runs, not the servers and their password hashing.
func TestMain(m *testing.M) {
	if spec := os.Getenv(serveEnv); spec != "" {
		if err := serveMutant(spec); err != nil {
			fmt.Fprintf(os.Stderr, "detection: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// serveMutant serves the mutant spec names on loopback, writes its URL on
// a line of stdout and serves until stdin is closed.
func serveMutant(spec string) error {
	name, placement, ok := strings.Cut(spec, "@")
	if !ok {
		return fmt.Errorf("%s=%q is not name@placement", serveEnv, spec)
	}
	m := mutant{Name: name}
	if name != referenceName {
		var ok bool
		if m, ok = findMutant(name); !ok {
			return fmt.Errorf("no mutant is named %q", name)
		}
	}
	h, err := m.handler(placement)
	if err != nil {
		return err
	}
	srv := serveRecorded(h)
	defer srv.Close()
	fmt.Println(srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// referenceName serves the reference itself.
const referenceName = "reference"

// built holds the two binaries once the first test built them: every test
// of the package shares them, and TestMain removes them.
var built struct {
	sync.Mutex
	dir  string
	bins binaries
	err  error
	skip string
}

// buildBinaries compiles the suite's test binary and this package's,
// without -race, once for all the tests of the package.
func buildBinaries(t *testing.T) binaries {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	if built.dir == "" && built.err == nil && built.skip == "" {
		built.bins, built.dir, built.skip, built.err = compileBinaries()
	}
	switch {
	case built.skip != "":
		t.Skip(built.skip)
	case built.err != nil:
		t.Fatal(built.err)
	}
	return built.bins
}

func compileBinaries() (binaries, string, string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return binaries{}, "", fmt.Sprintf("the go command is needed to build the suite: %v", err), nil
	}
	gomod, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" {
		return binaries{}, "", "", fmt.Errorf("find the module root with go env GOMOD: %v", err)
	}
	dir, err := os.MkdirTemp("", "rcconform-detection-")
	if err != nil {
		return binaries{}, "", "", fmt.Errorf("make a directory for the binaries: %w", err)
	}
	bins := binaries{suite: filepath.Join(dir, "dmcreate.test"), servers: filepath.Join(dir, "detection.test")}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, b := range []struct{ bin, pkg string }{{bins.suite, suitePackage}, {bins.servers, selfPackage}} {
		wg.Go(func() {
			cmd := exec.Command(goBin, "test", "-c", "-o", b.bin, b.pkg)
			cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
			cmd.Env = withoutRace(os.Environ())
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("build %s: %w\n%s", b.pkg, err, out)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		_ = os.RemoveAll(dir)
		return binaries{}, "", "", err
	}
	return bins, dir, "", nil
}

// startServer starts the mutant (name@placement) as a process of the servers
// binary and returns its URL and a function that stops it.
func startServer(ctx context.Context, servers, spec string) (string, func(), error) {
	cmd := exec.CommandContext(ctx, servers)
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, serveEnv+"=") }), serveEnv+"="+spec)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	// Closing stdin asks the server to stop; one that does not is killed.
	stop := func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("serve %s: %v\n%s", spec, err, stderr.String())
	}
	return strings.TrimSpace(line), stop, nil
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

// withServer starts the server spec names (name@placement) once a slot of
// sem is free, and calls run with its URL, a fresh directory and the
// environment of a program run against it: no RC_* variable of the caller's,
// the reference's admin.
func withServer(t *testing.T, sem chan struct{}, servers, spec string, run func(ctx context.Context, url, dir string, env []string)) {
	t.Helper()
	sem <- struct{}{}
	defer func() { <-sem }()

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	url, stop, err := startServer(ctx, servers, spec)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "RC_") || strings.HasPrefix(kv, serveEnv+"=")
	})
	run(ctx, url, t.TempDir(), append(env, "RC_ADMIN_USER=admin", "RC_ADMIN_PASSWORD=admin-pass"))
}

// runSuite starts the server spec names (name@placement), runs the suite
// binary against it by URL, in the order of seed and at level, and reads
// Ginkgo's JSON report, and with results the run's results.json (writing
// the certificate costs a little, so only the runs that read it write it).
func runSuite(t *testing.T, sem chan struct{}, bins binaries, spec string, seed int64, level conformance.Level, results bool) runResult {
	t.Helper()
	var out []byte
	var runErr error
	var reportPath, resultsPath string
	withServer(t, sem, bins.servers, spec, func(ctx context.Context, url, dir string, env []string) {
		reportPath = filepath.Join(dir, "report.json")
		cmd := exec.CommandContext(ctx, bins.suite, "-test.run=^TestDMCreate$",
			"-ginkgo.json-report="+reportPath, "-ginkgo.no-color",
			"-ginkgo.randomize-all", "-ginkgo.seed="+strconv.FormatInt(seed, 10))
		cmd.Dir = dir
		cmd.Env = append(env, "RC_URL="+url, "RC_LEVEL="+string(level))
		if results {
			resultsPath = filepath.Join(dir, "results", "results.json")
			cmd.Env = append(cmd.Env, "RC_REPORT_DIR="+filepath.Dir(resultsPath))
		}
		out, runErr = cmd.CombinedOutput()
	})
	res := runResult{Output: string(out)}
	var exit *exec.ExitError
	switch {
	case errors.As(runErr, &exit):
		res.Exit = exit.ExitCode()
	case runErr != nil:
		t.Fatalf("run the suite against %s: %v\n%s", spec, runErr, out)
	}
	if results {
		r, err := report.ReadFile(resultsPath)
		if err != nil {
			t.Fatalf("read the run's results.json (exit %d): %v\n%s", res.Exit, err, out)
		}
		res.Fingerprint = variants{}
		for dim, shown := range r.Target.Fingerprint {
			res.Fingerprint[dim] = cmp.Or(shown.Variant, "?")
		}
	}

	raw, err := os.ReadFile(reportPath)
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
				id, since := label(sr, "id:"), label(sr, "since:")
				if sr.State == types.SpecStateSkipped && strings.HasPrefix(sr.Failure.Message, conformance.RecommendedNotMet) {
					res.NotMet = append(res.NotMet, id)
				}
				if sr.State == types.SpecStateSkipped || sr.State == types.SpecStatePending {
					continue
				}
				res.Checks++
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
