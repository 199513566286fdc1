package main

// Reliability (issue 5): every exit path of `rcconform run` cleans up what
// the run started, a run killed with -9 is cleaned up after by the next
// one, every wait is bounded, and no secret reaches the console or the
// reports. None of these tests is parallel: they compare the engine's
// containers before and after a run.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/rcconform/rcconform/reference"
	"github.com/rcconform/rcconform/reference/container"
	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/targets"
)

// dockerOrSkip skips the test unless a Docker engine answers.
func dockerOrSkip(t *testing.T) {
	t.Helper()
	tclog.SetDefault(tclog.NewNoopLogger()) // no banner in the test's output
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := container.Available(ctx); err != nil {
		t.Skipf("no Docker engine answers: %v", err)
	}
}

// labelled returns the ids of the containers carrying io.rcconform=true.
func labelled(t *testing.T) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids, err := container.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// ownerOf is the io.rcconform.owner label a run with this pid gives its
// containers.
func ownerOf(t *testing.T, pid int) string {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return host + "/" + strconv.Itoa(pid)
}

// containersOf returns the labelled containers that are not in before and
// whose owner label names pid: the containers of that one run, whichever
// other runs share the engine.
func containersOf(t *testing.T, before map[string]bool, pid int) []string {
	t.Helper()
	want := ownerOf(t, pid)
	var ids []string
	for id := range labelled(t) {
		if before[id] {
			continue
		}
		out, err := exec.Command("docker", "inspect", "--format", `{{index .Config.Labels "`+container.LabelOwner+`"}}`, id).Output()
		if err != nil {
			continue // removed in the meantime
		}
		if strings.TrimSpace(string(out)) == want {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// removeContainersOf force-removes every container whose owner is pid.
func removeContainersOf(t *testing.T, pid int) {
	out, err := exec.Command("docker", "ps", "-aq", "--filter", "label="+container.LabelOwner+"="+ownerOf(t, pid)).Output()
	if err != nil {
		t.Logf("list the containers of pid %d: %v", pid, err)
		return
	}
	for id := range strings.FieldsSeq(string(out)) {
		if out, err := exec.Command("docker", "rm", "-f", id).CombinedOutput(); err != nil {
			t.Logf("docker rm -f %s: %v %s", id, err, out)
		}
	}
}

// liveRun is a `rcconform` process whose stdout the test reads line by line.
type liveRun struct {
	cmd    *exec.Cmd
	lines  *bufio.Scanner
	out    strings.Builder
	stderr bytes.Buffer
	start  time.Time
	done   bool
	// containers says to remove the run's containers at the test's end,
	// after the process is gone.
	containers bool
}

func startRun(t *testing.T, env []string, args ...string) *liveRun {
	t.Helper()
	skipShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	l := &liveRun{cmd: exec.CommandContext(ctx, bin, args...)}
	l.cmd.Dir = t.TempDir()
	l.cmd.Env = append(cleanEnv(), env...)
	l.cmd.Stderr = &l.stderr
	stdout, err := l.cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	l.lines = bufio.NewScanner(stdout)
	l.start = time.Now()
	if err := l.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !l.done {
			_ = l.cmd.Process.Kill()
			_ = l.cmd.Wait()
		}
		cancel()
		if l.containers {
			removeContainersOf(t, l.cmd.Process.Pid)
		}
	})
	return l
}

// startContainerRun is startRun for a run that starts containers: whatever
// it leaves behind is removed when the test ends, however it ends.
func startContainerRun(t *testing.T, args ...string) *liveRun {
	t.Helper()
	l := startRun(t, nil, args...)
	l.containers = true
	return l
}

// waitPass reads stdout up to the first "PASS " line: the run is then in
// the middle of its checks.
func (l *liveRun) waitPass(t *testing.T) {
	t.Helper()
	for l.lines.Scan() {
		l.out.WriteString(l.lines.Text() + "\n")
		if strings.HasPrefix(l.lines.Text(), "PASS ") {
			return
		}
	}
	l.finish(t)
	t.Fatal("the run ended before any check passed")
}

func (l *liveRun) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := l.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("send %v: %v", sig, err)
	}
}

// finish reads the rest of stdout and waits for the process; the code of
// a process killed by a signal is -1.
func (l *liveRun) finish(t *testing.T) result {
	t.Helper()
	for l.lines.Scan() {
		l.out.WriteString(l.lines.Text() + "\n")
	}
	err := l.cmd.Wait()
	l.done = true
	r := result{stdout: l.out.String(), stderr: l.stderr.String(), elapsed: time.Since(l.start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run rcconform %v: %v", l.cmd.Args[1:], err)
	}
	t.Logf("rcconform %s → exit %d in %s\nstdout:\n%s\nstderr:\n%s", strings.Join(l.cmd.Args[1:], " "), r.code, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
	return r
}

// wantContainerMidRun stops the run, checks that exactly one labelled
// container of it exists, sends sig (unless 0), which the run receives
// before it does anything else, and lets it go on. It returns the
// container's id.
func wantContainerMidRun(t *testing.T, l *liveRun, before map[string]bool, sig syscall.Signal) string {
	t.Helper()
	l.signal(t, syscall.SIGSTOP)
	ids := containersOf(t, before, l.cmd.Process.Pid)
	if sig != 0 {
		l.signal(t, sig) // pending until SIGCONT
	}
	l.signal(t, syscall.SIGCONT)
	if len(ids) != 1 {
		t.Fatalf("mid-run, the run owns the containers %v, want exactly one", ids)
	}
	return ids[0]
}

// wantInterrupted checks a run stopped by a signal: exit 2, one sentence,
// results that certify nothing, no counts line.
func wantInterrupted(t *testing.T, r result, dir string) {
	t.Helper()
	wantExit(t, r, exitCannotRun)
	wantOneSentence(t, r, "interrupted")
	res := readResults(t, dir)
	if res.Summary.Verdict != report.CouldNotRun || res.Summary.CertifiedFeatureLevel != report.NoLevel {
		t.Errorf("an interrupted run says %q at level %q", res.Summary.Verdict, res.Summary.CertifiedFeatureLevel)
	}
	if countsLine.MatchString(lastLine(r.stdout)) {
		t.Errorf("an interrupted run ends with the counts line %q", lastLine(r.stdout))
	}
}

// TestCleanupContainer runs the bundled reference in a container and ends
// the run by passing, SIGINT and SIGTERM: its container is gone each time.
func TestCleanupContainer(t *testing.T) {
	if testing.Short() {
		t.Skip("an end-to-end run of the rcconform command (make test runs it)")
	}
	dockerOrSkip(t)
	for _, tc := range []struct {
		name string
		sig  syscall.Signal // 0: let the run pass
	}{{"pass", 0}, {"SIGINT", syscall.SIGINT}, {"SIGTERM", syscall.SIGTERM}} {
		t.Run(tc.name, func(t *testing.T) {
			before := labelled(t)
			dir := t.TempDir()
			l := startContainerRun(t, "run", "--report-dir", dir)
			pid := l.cmd.Process.Pid
			l.waitPass(t)
			stopped := time.Now()
			id := wantContainerMidRun(t, l, before, tc.sig)
			r := l.finish(t)
			if tc.sig == 0 {
				wantExit(t, r, exitPassed)
				res := readResults(t, dir)
				if res.Target.Kind != string(targets.Container) || res.Summary.Verdict != report.Conformant {
					t.Errorf("target %+v, verdict %q; want a conformant container run", res.Target, res.Summary.Verdict)
				}
			} else {
				wantInterrupted(t, r, dir)
				if d := time.Since(stopped); d > 10*time.Second {
					t.Errorf("the run took %s to stop after %v", d, tc.sig)
				}
			}
			if left := containersOf(t, before, pid); len(left) > 0 {
				t.Errorf("the run's container %.12s is still there after the run: %v", id, left)
			}
		})
	}
}

// referenceImage returns the tag of the bundled reference's image, as a
// passing container run reports it.
func referenceImage(t *testing.T) string {
	t.Helper()
	before := labelled(t)
	dir := t.TempDir()
	l := startContainerRun(t, "run", "--report-dir", dir)
	pid := l.cmd.Process.Pid
	wantExit(t, l.finish(t), exitPassed)
	if left := containersOf(t, before, pid); len(left) > 0 {
		t.Errorf("a passing run left its containers %v", left)
	}
	res := readResults(t, dir)
	if !strings.HasPrefix(res.Target.Image, container.ReferenceRepo+":") {
		t.Fatalf("the passing run's target image is %q, not the reference's", res.Target.Image)
	}
	return res.Target.Image
}

// TestCleanupImageFailure certifies an image of the reference configured
// with another max-users than the run assumes: the run fails, and its
// container is gone.
func TestCleanupImageFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("an end-to-end run of the rcconform command (make test runs it)")
	}
	dockerOrSkip(t)
	base := referenceImage(t)

	const image = "rcconform-broken-maxusers:test"
	ctxDir := t.TempDir()
	dockerfile := fmt.Sprintf("FROM %s\nCMD [\"--max-users\", \"9\"]\n", base)
	if err := os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.Cleanup(func() {
		if out, err := exec.Command("docker", "rmi", "-f", image).CombinedOutput(); err != nil {
			t.Logf("docker rmi %s: %v %s", image, err, out)
		}
	})
	if out, err := exec.CommandContext(ctx, "docker", "build", "-t", image, ctxDir).CombinedOutput(); err != nil {
		t.Fatalf("docker build %s: %v\n%s", image, err, out)
	}

	before := labelled(t)
	dir := t.TempDir()
	l := startContainerRun(t, "run", "--image", image, "--report-dir", dir)
	pid := l.cmd.Process.Pid
	l.waitPass(t)
	id := wantContainerMidRun(t, l, before, 0)
	r := l.finish(t)
	wantExit(t, r, exitFailed)
	res := readResults(t, dir)
	if res.Target.Kind != string(targets.Image) || res.Summary.Verdict != report.NotConformant {
		t.Errorf("target %+v, verdict %q; want a not conformant image run", res.Target, res.Summary.Verdict)
	}
	if !strings.Contains(r.stdout, "FAIL  SEM-MAX-USERS-EXCEEDED ") {
		t.Error("the run does not fail SEM-MAX-USERS-EXCEEDED against a max-users of 9")
	}
	if left := containersOf(t, before, pid); len(left) > 0 {
		t.Errorf("the failed run left its containers %v (mid-run %.12s)", left, id)
	}
}

// TestCleanupURLSigterm stops a slow URL run with SIGTERM: exit 2, and
// every user the run created is deleted.
func TestCleanupURLSigterm(t *testing.T) {
	if testing.Short() {
		t.Skip("an end-to-end run of the rcconform command (make test runs it)")
	}
	srv := startServer(t, serverOptions{delay: 100 * time.Millisecond})
	dir := t.TempDir()
	l := startRun(t, nil, "run", "--target", srv.URL, "--admin-password", "admin-pass", "--report-dir", dir)
	l.waitPass(t)
	stopped := time.Now()
	l.signal(t, syscall.SIGTERM)
	r := l.finish(t)
	wantInterrupted(t, r, dir)
	if d := time.Since(stopped); d > 10*time.Second {
		t.Errorf("the run took %s to stop after SIGTERM", d)
	}
	if c, d := srv.created.Load(), srv.deleted.Load(); c == 0 || c != d {
		t.Errorf("the run created %d users and deleted %d", c, d)
	}
}

// TestLeftoverOfKilledRun kills a container run with -9, which leaves its
// container behind, and checks that the next run removes it.
func TestLeftoverOfKilledRun(t *testing.T) {
	if testing.Short() {
		t.Skip("an end-to-end run of the rcconform command (make test runs it)")
	}
	dockerOrSkip(t)
	before := labelled(t)
	l := startContainerRun(t, "run", "--report-dir", t.TempDir())
	pid := l.cmd.Process.Pid
	l.waitPass(t)
	l.signal(t, syscall.SIGKILL)
	if r := l.finish(t); r.code != -1 {
		t.Fatalf("the killed run ended with exit %d", r.code)
	}
	left := containersOf(t, before, pid)
	if len(left) != 1 {
		t.Fatalf("after kill -9 the run's containers are %v, want its one container left over", left)
	}

	dir := t.TempDir()
	again := startContainerRun(t, "run", "--report-dir", dir)
	againPid := again.cmd.Process.Pid
	wantExit(t, again.finish(t), exitPassed)
	if res := readResults(t, dir); res.Target.Kind != string(targets.Container) {
		t.Errorf("the second run's target is %+v, not a container", res.Target)
	}
	if still := containersOf(t, before, pid); len(still) > 0 {
		t.Errorf("the leftover %v of the killed run is still there after the next run", still)
	}
	if still := containersOf(t, before, againPid); len(still) > 0 {
		t.Errorf("the second run left its containers %v", still)
	}
}

// TestHangingTarget certifies a server that accepts connections and never
// answers: the run gives up within its --timeout and names the target.
func TestHangingTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never read nor answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	hanging := "http://" + ln.Addr().String()
	dir := t.TempDir()
	r := cli(t, nil, "run", "--target", hanging, "--admin-password", "admin-pass", "--timeout", "5s", "--report-dir", dir)
	wantExit(t, r, exitCannotRun)
	wantOneSentence(t, r, hanging)
	if r.elapsed > 10*time.Second {
		t.Errorf("a run with --timeout 5s against a hanging target took %s", r.elapsed)
	}
	mu.Lock()
	n := len(conns)
	mu.Unlock()
	if n == 0 {
		t.Error("the run never connected to the hanging target")
	}
	if res := readResults(t, dir); res.Summary.Verdict != report.CouldNotRun {
		t.Errorf("a run against a hanging target says %q", res.Summary.Verdict)
	}
}

// recordingProxy is a reverse proxy in front of the reference that records
// every login token it answers and every password it is sent.
type recordingProxy struct {
	*httptest.Server
	mu        sync.Mutex
	tokens    []string
	passwords []string
}

func startRecordingProxy(t *testing.T, adminPassword string, rewrite func(status int, body []byte) []byte) *recordingProxy {
	t.Helper()
	cfg := reference.DefaultConfig()
	cfg.AdminPassword = adminPassword
	ref, err := reference.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(ref)
	t.Cleanup(upstream.Close)
	target, err := url.Parse(upstream.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Header.Del("Accept-Encoding") // keep the answers readable
		},
		ModifyResponse: func(resp *http.Response) error {
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				return err
			}
			if resp.Request.URL.Path == "/api/v1/login" {
				var out struct {
					Data struct {
						AuthToken string `json:"authToken"`
					} `json:"data"`
				}
				if json.Unmarshal(body, &out) == nil && out.Data.AuthToken != "" {
					p.mu.Lock()
					p.tokens = append(p.tokens, out.Data.AuthToken)
					p.mu.Unlock()
				}
			}
			if rewrite != nil {
				body = rewrite(resp.StatusCode, body)
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return nil
		},
	}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/login" || r.URL.Path == "/api/v1/users.create" {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var in struct {
				Password string `json:"password"`
			}
			if json.Unmarshal(body, &in) == nil && in.Password != "" {
				p.mu.Lock()
				p.passwords = append(p.passwords, in.Password)
				p.mu.Unlock()
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// TestSecretsNeverLeak runs the CLI through a recording proxy, once
// against the reference and once against a broken variant, and looks for
// the admin password, every login token and every user password in the
// console and the reports.
func TestSecretsNeverLeak(t *testing.T) {
	const adminPassword = "Rel1ab-Adm1n-Pw-7f3e9d21"
	for _, tc := range []struct {
		name    string
		rewrite func(int, []byte) []byte
		code    int
	}{{"passing", nil, exitPassed}, {"failing", breakUnauthorized, exitFailed}} {
		t.Run(tc.name, func(t *testing.T) {
			p := startRecordingProxy(t, adminPassword, tc.rewrite)
			dir := t.TempDir()
			r := cli(t, nil, "run", "--target", p.URL, "--admin-user", "admin", "--admin-password", adminPassword, "--report-dir", dir)
			wantExit(t, r, tc.code)
			p.mu.Lock()
			tokens, passwords := slices.Clone(p.tokens), slices.Clone(p.passwords)
			p.mu.Unlock()
			if len(tokens) < 12 {
				t.Fatalf("the proxy saw %d login tokens, want at least 12 for a meaningful scan", len(tokens))
			}
			if !slices.Contains(passwords, adminPassword) || len(passwords) < 12 {
				t.Fatalf("the proxy saw %d passwords (admin's among them: %t), want the admin's and the users'", len(passwords), slices.Contains(passwords, adminPassword))
			}
			// Tokens (Meteor's base64 alphabet), the users' passwords
			// (base32) and the admin password need no escaping in JSON,
			// HTML or XML, so a plain substring search finds any copy.
			all := map[string]string{
				"stdout": r.stdout, "stderr": r.stderr,
			}
			for _, f := range []string{report.ResultsFile, report.HTMLFile, report.JUnitFile} {
				data, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				all[f] = string(data)
			}
			secrets := map[string]string{"the admin password": adminPassword}
			for i, tok := range tokens {
				secrets[fmt.Sprintf("login token %d", i+1)] = tok
			}
			for i, pw := range passwords {
				if pw != adminPassword {
					secrets[fmt.Sprintf("user password %d", i+1)] = pw
				}
			}
			for where, text := range all {
				for name, secret := range secrets {
					if strings.Contains(text, secret) {
						t.Errorf("%s appears in %s", name, where)
					}
				}
			}
			t.Logf("scanned %d files for %d secrets (%d tokens, %d passwords)", len(all), len(secrets), len(tokens), len(passwords))
		})
	}
}
