package main

// rcconform diff, run as users run it: the binary against servers on
// loopback, some broken by a middleware in one behaviour.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/diff"
	"github.com/rcconform/rcconform/internal/standin"
	"github.com/rcconform/rcconform/reference"
)

// brokenServer serves the reference at version on loopback, behind wrap.
func brokenServer(t *testing.T, version string, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	ref, err := reference.New(reference.Config{Version: version})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wrap(ref))
	t.Cleanup(srv.Close)
	return srv.URL
}

func isDMCreate(r *http.Request) bool {
	return r.URL.Path == "/api/v1/dm.create" || r.URL.Path == "/api/v1/im.create"
}

// onAnswer rewrites the JSON answers of dm.create and im.create, and their
// headers.
func onAnswer(edit func(status int, body map[string]any, h http.Header)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isDMCreate(r) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			var m map[string]any
			if json.Unmarshal(body, &m) == nil {
				edit(rec.Code, m, rec.Header())
				body, _ = json.Marshal(m)
			}
			for k, v := range rec.Header() {
				w.Header()[k] = slices.Clone(v)
			}
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	}
}

// onRequest rewrites the JSON object body of dm.create and im.create
// before the reference reads it.
func onRequest(edit func(m map[string]any)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isDMCreate(r) {
				raw, _ := io.ReadAll(r.Body)
				var m map[string]any
				if json.Unmarshal(raw, &m) == nil {
					edit(m)
					raw, _ = json.Marshal(m)
				}
				r.Body = io.NopCloser(bytes.NewReader(raw))
				r.ContentLength = int64(len(raw))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// readDiff validates dir/diff.json against its schema and decodes it.
func readDiff(t *testing.T, dir string) *diff.Report {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, diff.File))
	if err != nil {
		t.Fatal(err)
	}
	if err := diff.ValidateSchema(data); err != nil {
		t.Fatalf("diff.json does not follow its schema: %v", err)
	}
	var rep diff.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

// wantSame checks a comparison that found nothing, and its reports.
func wantSame(t *testing.T, r result, dir string) {
	t.Helper()
	wantExit(t, r, exitPassed)
	if !strings.Contains(r.stdout, "Verdict: no differences") {
		t.Errorf("stdout does not end with the verdict:\n%s", lastLine(r.stdout))
	}
	rep := readDiff(t, dir)
	if rep.Verdict != diff.Same || len(rep.Differences) != 0 || rep.Checks.Exchanges < 100 {
		t.Errorf("diff.json: verdict %q, %d differences, %d exchanges compared", rep.Verdict, len(rep.Differences), rep.Checks.Exchanges)
	}
	res := readResults(t, dir)
	if res.Comparison == nil || len(res.Comparison.Differences) != 0 || res.Comparison.Exchanges != rep.Checks.Exchanges {
		t.Errorf("results.json carries the comparison %+v", res.Comparison)
	}
	if v := cli(t, nil, "verify", dir); v.code != exitPassed {
		t.Errorf("the target's certificate does not verify: %s", v.stdout)
	}
}

func TestDiffReferenceAgainstItself(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"8.6.1", "6.14.0"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			wantSame(t, cli(t, nil, "diff", "--in-process", "--rc-version", v, "--report-dir", dir), dir)
		})
	}
}

// TestDiffTargetByURL is the command as the issue states it: a server by
// URL, compared with the bundled reference at the release it reports.
func TestDiffTargetByURL(t *testing.T) {
	t.Parallel()
	url := brokenServer(t, "6.14.0", func(h http.Handler) http.Handler { return h })
	dir := t.TempDir()
	r := cli(t, nil, "diff", "--target", url, "--report-dir", dir)
	wantSame(t, r, dir)
	if !strings.Contains(r.stdout, "release: 6.14.0 (reported by GET /api/info)") {
		t.Errorf("the release does not come from the target:\n%s", r.stdout)
	}
}

func TestDiffAgainstTheReferenceInAContainer(t *testing.T) {
	dockerOrSkip(t)
	for _, v := range []string{"8.6.1", "6.14.0"} {
		t.Run(v, func(t *testing.T) {
			dir := t.TempDir()
			r := cli(t, nil, "diff", "--in-process", "--rc-version", v, "--against-container", "--report-dir", dir)
			wantSame(t, r, dir)
			if rep := readDiff(t, dir); rep.Against.Kind != "container" {
				t.Errorf("compared against a %q server, want the container", rep.Against.Kind)
			}
		})
	}
}

func TestDiffAgainstRocketChat(t *testing.T) {
	stackOrSkip(t)
	dir := t.TempDir()
	r := cli(t, nil, "diff", "--in-process", "--rc-version", "8.6.1", "--against-rocketchat", "8.6.1",
		"--against-rocketchat-image", standin.RocketChatImage("8.6.1"), "--against-mongo-image", standin.MongoImage, "--report-dir", dir)
	wantSame(t, r, dir)
	if rep := readDiff(t, dir); rep.Against.Kind != "rocketchat" {
		t.Errorf("compared against a %q server, want rocketchat", rep.Against.Kind)
	}
}

// Broken servers, each differing from the reference in one behaviour, and
// what the table must show: the check that saw it and both answers.
var brokenServers = []struct {
	name, version string
	wrap          func(http.Handler) http.Handler
	check         string
	shows         []string
}{
	{"a changed 401 body", "8.6.1", onAnswer(func(status int, m map[string]any, _ http.Header) {
		if status == http.StatusUnauthorized {
			m["message"] = "Unauthorized"
		}
	}), "AUTH-01 exchange 1", []string{"body message", `"message": "Unauthorized"`, `"message": "You must be logged in to do this."`}},
	{"a 1:1 rid of the ids in reverse order", "6.14.0", onAnswer(func(_ int, m map[string]any, _ http.Header) {
		room, _ := m["room"].(map[string]any)
		if rid, _ := room["rid"].(string); len(rid) == 34 && rid[:17] < rid[17:] {
			room["rid"], room["_id"] = rid[17:]+rid[:17], rid[17:]+rid[:17]
		}
	}), "SEM-RID-COMPOSED exchange 1", []string{"body room.rid", "{ids of caller,peer reverse-sorted}", "{ids of caller,peer sorted}"}},
	{"a lookup that minds case", "6.14.0", onRequest(func(m map[string]any) {
		for _, k := range []string{"username", "usernames"} {
			if s, ok := m[k].(string); ok && s != strings.ToLower(s) {
				m[k] = s + "-no-such-user"
			}
		}
	}), "SEM-CASE-INSENSITIVE exchange 2", []string{"status", `"errorType": "error-invalid-user"`, `"usernames": [`}},
	{"an extra key in the room", "8.6.1", onAnswer(func(_ int, m map[string]any, _ http.Header) {
		if room, ok := m["room"].(map[string]any); ok {
			room["fname"] = "direct"
		}
	}), "OK-ONE-TO-ONE exchange 1", []string{"body room.fname", `"fname": "direct"`}},
	{"a changed Content-Type", "8.6.1", onAnswer(func(_ int, _ map[string]any, h http.Header) {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}), "AUTH-01 exchange 1", []string{"differs   Content-Type", "401 application/json; charset=utf-8", "401 application/json\n"}},
}

func TestDiffNamesTheBrokenBehaviour(t *testing.T) {
	t.Parallel()
	for _, b := range brokenServers {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r := cli(t, nil, "diff", "--target", brokenServer(t, b.version, b.wrap), "--report-dir", dir)
			wantExit(t, r, exitFailed)
			if !strings.Contains(r.stdout, "DIFF  "+strings.Fields(b.check)[0]) || !strings.Contains(r.stdout, "Verdict: the servers differ") {
				t.Errorf("the progress does not name %s, or there is no verdict", b.check)
			}
			entry := tableEntry(r.stdout, b.check)
			if entry == "" {
				t.Fatalf("the table has no entry for %s", b.check)
			}
			for _, want := range b.shows {
				if !strings.Contains(entry, want) {
					t.Errorf("the entry of %s lacks %q:\n%s", b.check, want, entry)
				}
			}
			rep := readDiff(t, dir)
			if rep.Verdict != diff.Different || !slices.ContainsFunc(rep.Differences, func(d diff.Difference) bool { return d.Origin() == b.check }) {
				t.Errorf("diff.json has no difference from %s", b.check)
			}
			page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
			if !bytes.Contains(page, []byte(b.check)) {
				t.Errorf("report.html does not show %s", b.check)
			}
		})
	}
}

// tableEntry is the console table's entry for a check's exchange: from its
// heading to the next one.
func tableEntry(stdout, origin string) string {
	_, rest, ok := strings.Cut(stdout, ". "+origin+":")
	if !ok {
		return ""
	}
	end := len(rest)
	for _, sep := range []string{"\n\n", "\nSummary:"} {
		if i := strings.Index(rest, sep); i >= 0 && i < end {
			end = i
		}
	}
	return rest[:end]
}

// excludeSelfIgnored reads a true excludeSelf as false in the username
// form: no check sends that body to an 8.x server.
func excludeSelfIgnored(m map[string]any) {
	if _, single := m["username"]; single {
		switch m["excludeSelf"] {
		case true, "true", 1.0:
			m["excludeSelf"] = false
		}
	}
}

func TestDiffExploreFindsWhatNoCheckReaches(t *testing.T) {
	t.Parallel()
	url := brokenServer(t, "8.6.1", onRequest(excludeSelfIgnored))
	dir := t.TempDir()
	wantSame(t, cli(t, nil, "diff", "--target", url, "--report-dir", dir), dir)

	dir = t.TempDir()
	r := cli(t, nil, "diff", "--target", url, "--explore", "300", "--seed", "1", "--report-dir", dir)
	wantExit(t, r, exitFailed)
	for _, want := range []string{"explore: 300 cases, seed 1", "DIFF  explore case", `chk("EXPLORE-`, `"excludeSelf":true`, "body room.usernames"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	rep := readDiff(t, dir)
	if rep.Explore == nil || rep.Explore.Seed != 1 || rep.Explore.Cases != 300 || rep.Explore.Differences == 0 {
		t.Fatalf("diff.json: exploration %+v", rep.Explore)
	}
	for _, d := range rep.Differences {
		if d.Source != diff.FromExplore || !d.Found.Minimal || d.Found.Skeleton == "" {
			t.Errorf("difference %s: not explored, not minimal or without a skeleton", d.Origin())
		}
	}
}

func TestDiffCannotRun(t *testing.T) {
	t.Parallel()
	ref := brokenServer(t, "8.6.1", func(h http.Handler) http.Handler { return h })
	for _, tc := range []struct {
		args  []string
		words []string
	}{
		{[]string{"--in-process", "--against", "http://127.0.0.1:1"}, []string{"the server compared against", "cannot be reached"}},
		{[]string{"--in-process", "--against", ref, "--against-admin-password", "wrong"}, []string{"the server compared against", "--against-admin-user"}},
		{[]string{"--target", ref, "--rc-version", "7.3.0"}, []string{"the bundled reference emulates", "7.3.0", "--against"}},
		{[]string{"--against-image", "x", "--against-container"}, []string{"give one of --against"}},
		{[]string{"--against-admin-user", "root"}, []string{"has its own admin"}},
		{[]string{"--against", "ftp://example.com"}, []string{"is not an http:// or https:// URL"}},
		{[]string{"--explore", "-1"}, []string{"--explore must be a number"}},
		{[]string{"--seed", "x"}, []string{"--seed must be"}},
		{[]string{"--rerun-failed", "x"}, []string{"is for rcconform run"}},
		{[]string{"surplus"}, []string{"diff takes no arguments"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := cli(t, nil, append([]string{"diff", "--report-dir", t.TempDir()}, tc.args...)...)
			wantExit(t, r, exitCannotRun)
			wantOneSentence(t, r, tc.words...)
		})
	}
}

func TestDiffHelp(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "diff", "-h")
	wantExit(t, r, exitPassed)
	for _, want := range []string{"Usage: rcconform diff", "-against-rocketchat", "-explore", "-seed", "RC_AGAINST_URL", "-target"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
