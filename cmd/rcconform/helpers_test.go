package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rcconform/rcconform/internal/refproc"
	"github.com/rcconform/rcconform/reference"
	"github.com/rcconform/rcconform/report"
)

// bin is the rcconform binary the tests run, built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run()) // the end-to-end tests, which need the binary, skip
	}
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "rcconform-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "rcconform")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build rcconform: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}())
}

// result is one finished CLI run.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

// cli runs rcconform with args in a fresh directory, without any RC_*
// variable of the caller's environment, plus env.
// skipShort skips an end-to-end test of the command under -short, where
// TestMain builds no binary.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("an end-to-end run of the rcconform command (make test runs it)")
	}
}

func cli(t *testing.T, env []string, args ...string) result {
	t.Helper()
	skipShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(cleanEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run rcconform %v: %v", args, err)
	}
	t.Logf("rcconform %s → exit %d in %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
	return r
}

func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RC_") {
			out = append(out, kv)
		}
	}
	return out
}

// wantExit fails the test unless r ended with code.
func wantExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d", r.code, code)
	}
}

// wantOneSentence checks the stderr of a run that could not happen: one
// line, starting "rcconform: ", containing each of words.
func wantOneSentence(t *testing.T, r result, words ...string) {
	t.Helper()
	line := strings.TrimSuffix(r.stderr, "\n")
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, "rcconform: ") {
		t.Errorf("stderr is not one sentence starting %q:\n%s", "rcconform: ", r.stderr)
	}
	for _, w := range words {
		if !strings.Contains(line, w) {
			t.Errorf("stderr %q does not mention %q", line, w)
		}
	}
}

// lastLine is the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// readResults validates dir/results.json against the schema and decodes it.
func readResults(t *testing.T, dir string) *report.Results {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, report.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := report.ValidateSchema(data); err != nil {
		t.Fatalf("results.json does not follow the schema: %v", err)
	}
	var res report.Results
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

// junitCases returns the names of the test cases in dir/junit.xml.
func junitCases(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, report.JUnitFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("junit.xml is not XML: %v", err)
	}
	var names []string
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			names = append(names, c.Name)
		}
	}
	return names
}

// reportText concatenates the three report files of dir.
func reportText(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	for _, f := range []string{report.ResultsFile, report.HTMLFile, report.JUnitFile} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// server is the reference behind httptest, with a middleware that can
// break it or slow it down and that counts the users created and deleted.
type server struct {
	*httptest.Server
	created, deleted atomic.Int64
}

// serverOptions say how the test server differs from the reference.
type serverOptions struct {
	adminPassword string
	// rewrite changes every answer's body for a status, to break one
	// documented behaviour.
	rewrite func(status int, body []byte) []byte
	// delay slows every dm.create and im.create call.
	delay time.Duration
}

func startServer(t *testing.T, o serverOptions) *server {
	t.Helper()
	cfg := reference.DefaultConfig()
	if o.adminPassword != "" {
		cfg.AdminPassword = o.adminPassword
	}
	ref, err := reference.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.delay > 0 && (r.URL.Path == "/api/v1/dm.create" || r.URL.Path == "/api/v1/im.create") {
			select {
			case <-time.After(o.delay):
			case <-r.Context().Done():
				return
			}
		}
		rec := httptest.NewRecorder()
		ref.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if o.rewrite != nil {
			body = o.rewrite(rec.Code, body)
		}
		if rec.Code == http.StatusOK {
			switch r.URL.Path {
			case "/api/v1/users.create":
				s.created.Add(1)
			case "/api/v1/users.delete":
				s.deleted.Add(1)
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// login logs in at base and returns the auth token.
func login(t *testing.T, base, user, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"user": user, "password": password})
	resp, err := http.Post(base+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			AuthToken string `json:"authToken"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Data.AuthToken == "" {
		t.Fatalf("log in as %s: status %d, %v", user, resp.StatusCode, err)
	}
	return out.Data.AuthToken
}

// startReferenceProcess builds cmd/rcreference, starts it on a free port
// with env, and returns its URL from its one log line.
func startReferenceProcess(t *testing.T, env ...string) string {
	t.Helper()
	refBin, err := refproc.Build(context.Background(), "..", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := refproc.Start(refBin, env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	return p.URL
}
