package detection

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/conformance"
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
const selfPackage = "github.com/rcconform/rcconform/suites/detection"

// serveEnv names the mutant ("name@release") a process started from this
// package's test binary serves instead of running the tests.
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
	os.Exit(m.Run())
}

// serveMutant serves the mutant spec names on loopback, writes its URL on
// a line of stdout and serves until stdin is closed.
func serveMutant(spec string) error {
	name, version, ok := strings.Cut(spec, "@")
	if !ok {
		return fmt.Errorf("%s=%q is not name@release", serveEnv, spec)
	}
	m := mutant{Name: name}
	if name != referenceName {
		mutants, err := catalogue()
		if err != nil {
			return err
		}
		i := slices.IndexFunc(mutants, func(m mutant) bool { return m.Name == name })
		if i < 0 {
			return fmt.Errorf("no mutant is named %q", name)
		}
		m = mutants[i]
	}
	h, err := m.handler(version)
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

// buildBinaries compiles the suite's test binary and this package's, once,
// without -race.
func buildBinaries(t *testing.T) binaries {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is needed to build the suite: %v", err)
	}
	gomod, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" {
		t.Fatalf("find the module root with go env GOMOD: %v", err)
	}
	dir := t.TempDir()
	bins := binaries{suite: filepath.Join(dir, "dmcreate.test"), servers: filepath.Join(dir, "detection.test")}
	for bin, pkg := range map[string]string{bins.suite: suitePackage, bins.servers: selfPackage} {
		cmd := exec.Command(goBin, "test", "-c", "-o", bin, pkg)
		cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
		cmd.Env = withoutRace(os.Environ())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
	}
	return bins
}

// startServer starts the mutant (name@release) as a process of the servers
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

// withServer starts the server spec names (name@release) once a slot of
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

// runSuite starts the server spec names (name@release), runs the suite
// binary against it by URL, in the order of seed and at level, and reads
// the JSON report.
func runSuite(t *testing.T, sem chan struct{}, bins binaries, spec string, seed int64, level conformance.Level) runResult {
	t.Helper()
	var out []byte
	var runErr error
	var report string
	withServer(t, sem, bins.servers, spec, func(ctx context.Context, url, dir string, env []string) {
		report = filepath.Join(dir, "report.json")
		cmd := exec.CommandContext(ctx, bins.suite, "-test.run=^TestDMCreate$",
			"-ginkgo.json-report="+report, "-ginkgo.no-color",
			"-ginkgo.randomize-all", "-ginkgo.seed="+strconv.FormatInt(seed, 10))
		cmd.Dir = dir
		cmd.Env = append(env, "RC_URL="+url, "RC_LEVEL="+string(level))
		out, runErr = cmd.CombinedOutput()
	})
	res := runResult{Output: string(out)}

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
