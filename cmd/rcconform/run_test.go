package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/targets"
)

var countsLine = regexp.MustCompile(`^\d+ passed, \d+ failed(, \d+ skipped)?$`)

// wantPassingRun checks the console and the reports of a run in which
// every selected check passed.
func wantPassingRun(t *testing.T, r result, dir string) *report.Results {
	t.Helper()
	wantExit(t, r, exitPassed)
	if r.stderr != "" {
		t.Errorf("stderr of a passing run is not empty:\n%s", r.stderr)
	}
	res := readResults(t, dir)
	s := res.Summary
	if s.Verdict != report.Conformant || s.Total.Failed != 0 || s.Total.Passed == 0 {
		t.Errorf("summary %+v, want conformant with passes and no failure", s)
	}
	if last := lastLine(r.stdout); !countsLine.MatchString(last) || !strings.HasSuffix(strings.SplitN(last, ",", 3)[1], " 0 failed") {
		t.Errorf("last console line %q is not \"N passed, 0 failed\"", last)
	}
	if !strings.Contains(r.stdout, "PASS  AUTH-01 ") {
		t.Errorf("console has no progress line for AUTH-01")
	}

	// Every check is a JUnit test case; the suite setup and cleanup are not.
	cases := junitCases(t, dir)
	if len(cases) != len(res.Checks) {
		t.Errorf("junit.xml has %d test cases, results.json %d checks", len(cases), len(res.Checks))
	}
	for _, c := range cases {
		if !strings.HasPrefix(c, "[It]") {
			t.Errorf("junit.xml test case %q is not a check", c)
		}
	}

	v := cli(t, nil, "verify", dir)
	wantExit(t, v, exitPassed)
	if !strings.HasPrefix(v.stdout, "verified: ") {
		t.Errorf("verify says %q, want \"verified: ...\"", v.stdout)
	}
	return res
}

func TestRunInProcessPasses(t *testing.T) {
	dir := t.TempDir()
	r := cli(t, nil, "run", "--in-process", "--report-dir", dir)
	res := wantPassingRun(t, r, dir)
	if res.Target.Kind != string(targets.InProcess) || !strings.Contains(r.stdout, "in-process") {
		t.Errorf("the run does not say it used the in-process reference: target %+v", res.Target)
	}
	if res.Summary.CertifiedFeatureLevel != conformance.V3180 {
		t.Errorf("certified feature level %q, want %s", res.Summary.CertifiedFeatureLevel, conformance.V3180)
	}
	if r.elapsed > 15*time.Second {
		t.Errorf("an in-process run took %s", r.elapsed)
	}

	page, err := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<div class="word" id="verdict">conformant</div>`,
		"<code>AUTH-01</code>",
		`<table id="coverage">`,
		"<th><code>POST /api/v1/dm.create</code></th>",
		// 429 is documented, and no check provokes the rate limiter.
		`<td class="missing ids"><strong>not exercised</strong></td>`,
		openapi.Digest(),
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// TestRunAgainstReferenceProcess certifies the reference started as its
// own process by URL, and checks that neither the admin password nor any
// token leaks into the console or the reports.
func TestRunAgainstReferenceProcess(t *testing.T) {
	const password = "Adm1n-Secret-3c9f1e"
	url := startReferenceProcess(t, "ADMIN_PASS="+password)
	before := login(t, url, "admin", password)
	dir := t.TempDir()
	r := cli(t, nil, "run", "--target", url, "--admin-user", "admin", "--admin-password", password, "--report-dir", dir)
	res := wantPassingRun(t, r, dir)
	after := login(t, url, "admin", password)
	if res.Target.Kind != string(targets.URL) || res.Target.URL != url || res.Target.ServerVersion == "" {
		t.Errorf("target %+v, want the URL %s with its server version", res.Target, url)
	}

	all := r.stdout + r.stderr + reportText(t, dir)
	for name, secret := range map[string]string{"the admin password": password, "an admin token": before, "a later admin token": after} {
		if strings.Contains(all, secret) {
			t.Errorf("%s appears in the console or the reports", name)
		}
	}
	// Tokens of the users the run created are unknown here: every header
	// that carries one must be redacted.
	n := 0
	for _, c := range res.Checks {
		for _, ex := range c.Exchanges {
			for _, h := range []map[string]string{ex.RequestHeaders, ex.ResponseHeaders} {
				for k, v := range h {
					if strings.EqualFold(k, "X-Auth-Token") {
						n++
						if strings.Trim(strings.ReplaceAll(v, "[redacted]", ""), ", ") != "" {
							t.Errorf("%s: X-Auth-Token %q is not redacted", c.ID, v)
						}
					}
				}
			}
		}
	}
	if n == 0 {
		t.Error("no exchange carries X-Auth-Token; the redaction check checked nothing")
	}
}

func TestRunEnvFallbacks(t *testing.T) {
	const password = "Env-Secret-77aa"
	srv := startServer(t, serverOptions{adminPassword: password})
	dir := t.TempDir()
	r := cli(t, []string{"RC_URL=" + srv.URL, "RC_ADMIN_USER=admin", "RC_ADMIN_PASSWORD=" + password}, "run", "--report-dir", dir)
	res := wantPassingRun(t, r, dir)
	if res.Target.URL != srv.URL {
		t.Errorf("target %q, want RC_URL %q", res.Target.URL, srv.URL)
	}
}

// At --level core a release whose own answers deviate from the doc page
// fails, naming the deviation; one that answers as the page does passes.
func TestRunCoreLevelDeviations(t *testing.T) {
	for _, tc := range []struct {
		release    string
		deviations []string // every check that fails names one of these
		failing    []string
	}{
		{"8.6.1", []string{"DEV-UNKNOWN-NAME-DROPPED", "DEV-TYPED-ROUTE-TEXT"}, []string{"USER-UNKNOWN", "PARAMS-MISSING-TEXT", "PARAMS-NO-BODY-TEXT"}},
		{"9.0.0", []string{"DEV-401-WITHOUT-STATUS", "DEV-UNKNOWN-NAME-DROPPED", "DEV-TYPED-ROUTE-TEXT"}, []string{"AUTH-01", "AUTH-02", "AUTH-03", "AUTH-04", "AUTH-05", "USER-UNKNOWN", "PARAMS-MISSING-TEXT", "PARAMS-NO-BODY-TEXT"}},
	} {
		t.Run(tc.release, func(t *testing.T) {
			dir := t.TempDir()
			r := cli(t, nil, "run", "--in-process", "--rc-version", tc.release, "--level", "core", "--report-dir", dir)
			if r.code != exitFailed {
				t.Fatalf("exit %d at --level core, want %d:\n%s", r.code, exitFailed, r.stdout)
			}
			res := readResults(t, dir)
			failed, _ := res.Failures()
			slices.Sort(failed)
			if slices.Sort(tc.failing); !slices.Equal(failed, tc.failing) {
				t.Errorf("failed %v, want %v", failed, tc.failing)
			}
			for _, c := range res.Checks {
				if c.Outcome == report.Failed && !slices.ContainsFunc(tc.deviations, func(d string) bool { return strings.Contains(c.Failure, "deviation "+d) }) {
					t.Errorf("%s fails without naming the deviation: %s", c.ID, c.Failure)
				}
			}
			// At compat the same server is conformant and lists them.
			r = cli(t, nil, "run", "--in-process", "--rc-version", tc.release, "--report-dir", t.TempDir())
			if r.code != exitPassed || !strings.Contains(r.stdout, "Deviation from the doc page "+tc.deviations[0]) {
				t.Errorf("at compat: exit %d, want 0 and the deviations listed:\n%s", r.code, r.stdout)
			}
		})
	}
}

func TestRunCoreLevel(t *testing.T) {
	dir := t.TempDir()
	r := cli(t, nil, "run", "--in-process", "--rc-version", "6.14.0", "--level", "core", "--report-dir", dir)
	res := wantPassingRun(t, r, dir)
	for _, c := range res.Checks {
		switch {
		case c.Level == conformance.Core && c.Outcome == report.Skipped:
			t.Errorf("core check %s skipped: %s", c.ID, c.Note)
		case c.Level == conformance.Core && c.Outcome == report.Failed:
			t.Errorf("core check %s failed", c.ID)
		case c.Level == conformance.Compat && (c.Outcome != report.Skipped || c.Note != "not selected by the label filter"):
			t.Errorf("compat check %s: %s (%s), want skipped as not selected", c.ID, c.Outcome, c.Note)
		}
		if c.Level == conformance.Compat && strings.Contains(r.stdout, " "+c.ID+" ") {
			t.Errorf("the console shows the unselected check %s", c.ID)
		}
	}
	if !strings.HasSuffix(lastLine(r.stdout), " skipped") {
		t.Errorf("last line %q does not count the skipped checks", lastLine(r.stdout))
	}
}

// breakUnauthorized rewrites the documented 401 message.
func breakUnauthorized(status int, body []byte) []byte {
	if status != 401 {
		return body
	}
	return bytes.ReplaceAll(body, []byte("You must be logged in to do this."), []byte("Unauthorized"))
}

func TestRunFailsAgainstBrokenServer(t *testing.T) {
	srv := startServer(t, serverOptions{rewrite: breakUnauthorized})
	dir := t.TempDir()
	r := cli(t, nil, "run", "--target", srv.URL, "--admin-user", "admin", "--admin-password", "admin-pass", "--report-dir", dir)
	wantExit(t, r, exitFailed)
	if !strings.Contains(r.stdout, "FAIL  AUTH-01 ") || !strings.Contains(r.stdout, "You must be logged in to do this.") {
		t.Errorf("the console does not show AUTH-01 failing with the documented message")
	}
	if !countsLine.MatchString(lastLine(r.stdout)) || strings.Contains(lastLine(r.stdout), " 0 failed") {
		t.Errorf("last line %q is not \"N passed, N failed\" with failures", lastLine(r.stdout))
	}
	res := readResults(t, dir)
	if res.Summary.Verdict != report.NotConformant || res.Summary.CertifiedFeatureLevel != report.NoLevel {
		t.Errorf("verdict %q at level %q, want not conformant at none", res.Summary.Verdict, res.Summary.CertifiedFeatureLevel)
	}
	var auth01 *report.Check
	for i, c := range res.Checks {
		if c.ID == "AUTH-01" {
			auth01 = &res.Checks[i]
		}
	}
	if auth01 == nil || auth01.Outcome != report.Failed || len(auth01.Exchanges) == 0 || auth01.Exchanges[0].Status != 401 {
		t.Fatalf("AUTH-01 is not a failure with its 401 exchange: %+v", auth01)
	}
	page, err := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="verdict">not conformant<`, `id="fail-AUTH-01"`, "Unauthorized"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// The certificate of a failing run is as verifiable as any.
	wantExit(t, cli(t, nil, "verify", dir), exitPassed)

	t.Run("rerun-failed", func(t *testing.T) {
		again := t.TempDir()
		r := cli(t, nil, "run", "--target", srv.URL, "--admin-password", "admin-pass", "--rerun-failed", dir, "--report-dir", again)
		wantExit(t, r, exitFailed)
		rerun := readResults(t, again)
		for _, c := range rerun.Checks {
			var before string
			for _, p := range res.Checks {
				if p.ID == c.ID {
					before = p.Outcome
				}
			}
			if (before == report.Failed) != (c.Outcome != report.Skipped) {
				t.Errorf("%s was %s before and is %s in the rerun", c.ID, before, c.Outcome)
			}
		}
		if !strings.Contains(rerun.Selection.Filter, "id:AUTH-01") {
			t.Errorf("the rerun's filter %q does not select AUTH-01", rerun.Selection.Filter)
		}
	})
}

func TestRerunFailedNothingFailed(t *testing.T) {
	dir := t.TempDir()
	wantExit(t, cli(t, nil, "run", "--in-process", "--report-dir", dir), exitPassed)
	r := cli(t, nil, "run", "--in-process", "--rerun-failed", dir, "--report-dir", t.TempDir())
	wantExit(t, r, exitPassed)
	if !strings.Contains(r.stdout, "nothing to run again") {
		t.Errorf("no note that nothing failed: %q", r.stdout)
	}
}

func TestCannotRun(t *testing.T) {
	srv := startServer(t, serverOptions{})
	missing := t.TempDir()
	for _, tc := range []struct {
		name  string
		args  []string
		words []string
		// reports says whether the run got far enough to write reports.
		reports bool
	}{
		{"unreachable target", []string{"--target", "http://127.0.0.1:1"}, []string{"cannot be reached", "127.0.0.1:1"}, true},
		{"wrong admin password", []string{"--target", srv.URL, "--admin-user", "admin", "--admin-password", "not-the-password"}, []string{"cannot log in", "--admin-password"}, true},
		{"unknown flag", []string{"--colour"}, []string{"-colour"}, false},
		{"bad level", []string{"--level", "gold"}, []string{"--level"}, false},
		{"bad max users", []string{"--max-users", "0"}, []string{"--max-users"}, false},
		{"bad timeout", []string{"--timeout", "soon"}, []string{"-timeout"}, false},
		{"target and image", []string{"--target", srv.URL, "--image", "x"}, []string{"give one of"}, false},
		{"target not a URL", []string{"--target", "localhost:3000"}, []string{"not an http"}, false},
		{"credentials in the URL", []string{"--target", "http://admin:Secret-In-URL@127.0.0.1:3000"}, []string{"--admin-password"}, false},
		{"unparsable label filter", []string{"--in-process", "--label-filter", "core &&"}, []string{"cannot be parsed"}, false},
		{"label filter selects nothing", []string{"--in-process", "--label-filter", "id:NO-SUCH-CHECK"}, []string{"no check matches"}, false},
		{"rerun without results", []string{"--in-process", "--rerun-failed", missing}, []string{"--rerun-failed", "results.json"}, false},
		{"stray argument", []string{"--in-process", "now"}, []string{"no arguments"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			r := cli(t, nil, append([]string{"run", "--report-dir", dir}, tc.args...)...)
			wantExit(t, r, exitCannotRun)
			wantOneSentence(t, r, tc.words...)
			if strings.Contains(r.stdout+r.stderr, "Secret-In-URL") {
				t.Error("the password in the URL is printed")
			}
			if r.elapsed > 15*time.Second {
				t.Errorf("took %s to give up", r.elapsed)
			}
			if countsLine.MatchString(lastLine(r.stdout)) {
				t.Errorf("a run that could not happen ends with the counts line %q", lastLine(r.stdout))
			}
			_, err := os.Stat(filepath.Join(dir, report.ResultsFile))
			if !tc.reports {
				if err == nil {
					t.Error("a run that never started wrote results")
				}
				return
			}
			res := readResults(t, dir)
			if res.Summary.Verdict != report.CouldNotRun || res.RunError == nil || !strings.Contains(r.stderr, res.RunError.Reason) {
				t.Errorf("results say %q (%+v), want could not run with the stderr sentence", res.Summary.Verdict, res.RunError)
			}
		})
	}
}

// TestInterrupt stops a slow run with SIGINT: the process ends non-zero,
// the test users are deleted, and the results certify nothing.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("an end-to-end run of the rcconform command (make test runs it)")
	}
	srv := startServer(t, serverOptions{delay: 100 * time.Millisecond})
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--target", srv.URL, "--admin-password", "admin-pass", "--report-dir", dir)
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var out strings.Builder
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "PASS ") {
			break
		}
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	t.Logf("stdout:\n%s\nstderr:\n%s", out.String(), stderr.String())
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitCannotRun {
		t.Fatalf("interrupted run ended with %v, want exit %d", err, exitCannotRun)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the run took %s to stop after SIGINT", d)
	}
	wantOneSentence(t, result{stderr: stderr.String()}, "interrupted")
	if c, d := srv.created.Load(), srv.deleted.Load(); c == 0 || c != d {
		t.Errorf("the run created %d users and deleted %d", c, d)
	}
	res := readResults(t, dir)
	if res.Summary.Verdict != report.CouldNotRun || res.Summary.CertifiedFeatureLevel != report.NoLevel {
		t.Errorf("an interrupted run says %q at level %q", res.Summary.Verdict, res.Summary.CertifiedFeatureLevel)
	}
	if countsLine.MatchString(lastLine(out.String())) {
		t.Errorf("an interrupted run ends with the counts line %q", lastLine(out.String()))
	}
}

// TestTimeout gives a slow server less time than the run needs.
func TestTimeout(t *testing.T) {
	srv := startServer(t, serverOptions{delay: 200 * time.Millisecond})
	dir := t.TempDir()
	r := cli(t, nil, "run", "--target", srv.URL, "--admin-password", "admin-pass", "--timeout", "1s", "--report-dir", dir)
	wantExit(t, r, exitCannotRun)
	wantOneSentence(t, r, "time limit of 1s", "--timeout")
	if r.elapsed > 15*time.Second {
		t.Errorf("a run with --timeout 1s took %s", r.elapsed)
	}
	if c, d := srv.created.Load(), srv.deleted.Load(); c == 0 || c != d {
		t.Errorf("the run created %d users and deleted %d", c, d)
	}
	if res := readResults(t, dir); res.Summary.Verdict != report.CouldNotRun {
		t.Errorf("a run that timed out says %q", res.Summary.Verdict)
	}
}

func TestSpecAndVersion(t *testing.T) {
	r := cli(t, nil, "spec")
	wantExit(t, r, exitPassed)
	if r.stdout != string(openapi.Document) {
		t.Error("rcconform spec does not print the embedded document")
	}
	r = cli(t, nil, "version")
	wantExit(t, r, exitPassed)
	if !strings.HasPrefix(r.stdout, "rcconform devel ") || !strings.Contains(r.stdout, openapi.Digest()) {
		t.Errorf("version says %q", r.stdout)
	}
	wantExit(t, cli(t, nil, "certify"), exitCannotRun)
	wantExit(t, cli(t, nil), exitCannotRun)
	r = cli(t, nil, "run", "-h")
	wantExit(t, r, exitPassed)
	if !strings.Contains(r.stdout, "-rerun-failed") {
		t.Errorf("run -h does not list the flags: %q", r.stdout)
	}
}
