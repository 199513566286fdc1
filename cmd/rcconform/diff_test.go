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
	return variantServer(t, version, nil, wrap)
}

// variantServer serves the reference at version, emulating variants where
// its line allows several, on loopback behind wrap.
func variantServer(t *testing.T, version string, variants map[string]string, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	ref, err := reference.New(reference.Config{Version: version, Variants: variants})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wrap(ref))
	t.Cleanup(srv.Close)
	return srv.URL
}

func asIs(h http.Handler) http.Handler { return h }

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
	if testing.Short() {
		t.Skip("an end-to-end run of the rcconform command (make test runs it)")
	}
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
	// The container takes the target's variants as --variant flags.
	t.Run("8.4.0 typed route", func(t *testing.T) {
		dir := t.TempDir()
		url := variantServer(t, "8.4.0", map[string]string{"route": "typed", "coercion": "coerce"}, asIs)
		wantSame(t, cli(t, nil, "diff", "--target", url, "--against-container", "--report-dir", dir), dir)
		if v := readDiff(t, dir).Variation; v == nil || !v.ReferenceStarted || v.Variants["route"] != "typed" || v.Variants["coercion"] != "coerce" {
			t.Errorf("diff.json: variation %+v", v)
		}
	})
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

// jsonUnderTwoTypesOnly reads a JSON body only under the two
// Content-Types the checks send, and under any other JSON type as no body:
// no check reaches it, generated cases do.
func jsonUnderTwoTypesOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct := strings.Join(r.Header.Values("Content-Type"), ", ")
		if isDMCreate(r) && strings.Contains(ct, "application/json") && ct != "application/json" && ct != "application/json; charset=utf-8" {
			_, _ = io.Copy(io.Discard, r.Body)
			r.Body = io.NopCloser(strings.NewReader(""))
			r.ContentLength = 0
		}
		next.ServeHTTP(w, r)
	})
}

func TestDiffExploreFindsWhatNoCheckReaches(t *testing.T) {
	t.Parallel()
	url := brokenServer(t, "8.6.1", jsonUnderTwoTypesOnly)
	dir := t.TempDir()
	wantSame(t, cli(t, nil, "diff", "--target", url, "--report-dir", dir), dir)

	dir = t.TempDir()
	r := cli(t, nil, "diff", "--target", url, "--explore", "300", "--seed", "1", "--report-dir", dir)
	wantExit(t, r, exitFailed)
	for _, want := range []string{"explore: 300 cases, seed 1", "DIFF  explore case", `ID: "EXPLORE-`, "Content-Type: application/json", "status 400 vs 200"} {
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
	if len(rep.WithinVariation) != 0 {
		t.Errorf("8.6.1 establishes every dimension, yet %d differences are within known variation", len(rep.WithinVariation))
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
		{[]string{"--target", ref, "--rc-version", "5.4.0"}, []string{"the bundled reference emulates", "5.4.0", "--against"}},
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

// legacyRoute gives invalid-params answers the " [invalid-params]" suffix
// of dm.create's legacy route: a typed-route server then answers as the
// legacy one.
var legacyRoute = onAnswer(func(status int, m map[string]any, _ http.Header) {
	if msg, ok := m["error"].(string); ok && status == http.StatusBadRequest && m["errorType"] == "invalid-params" && !strings.HasSuffix(msg, " [invalid-params]") {
		m["error"] = msg + " [invalid-params]"
	}
})

// reportsNoVersion answers GET /api/info without a version.
func reportsNoVersion(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/info" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"success":true}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// TestDiffLegacyRouteByRelease: a server that answers as dm.create's
// legacy route is known variation at 8.4.0, whose line allows either
// route, so the reference answers as the legacy route too and nothing
// differs; at 8.6.1, which established the typed route, it differs for
// real.
func TestDiffLegacyRouteByRelease(t *testing.T) {
	t.Parallel()
	t.Run("8.4.0", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		r := cli(t, nil, "diff", "--target", variantServer(t, "8.4.0", map[string]string{"route": "typed"}, legacyRoute), "--report-dir", dir)
		wantSame(t, r, dir)
		for _, want := range []string{"release: 8.4.0 (reported by GET /api/info)", "variation: 8.4.0 (the 8.3–8.5 line) allows", "route=legacy|typed", "the reference answers as the target's variants", "route=legacy"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q", want)
			}
		}
		rep := readDiff(t, dir)
		if v := rep.Variation; v == nil || !v.ReferenceStarted || v.Variants["route"] != "legacy" || len(v.Open["route"]) != 2 {
			t.Errorf("diff.json: the variation %+v does not say the reference answered as the legacy route", rep.Variation)
		}
	})
	t.Run("8.6.1", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		r := cli(t, nil, "diff", "--target", brokenServer(t, "8.6.1", legacyRoute), "--report-dir", dir)
		wantExit(t, r, exitFailed)
		rep := readDiff(t, dir)
		if rep.Verdict != diff.Different || len(rep.Differences) == 0 || len(rep.WithinVariation) != 0 {
			t.Fatalf("diff.json: verdict %q, %d real differences, %d within known variation; want real ones only",
				rep.Verdict, len(rep.Differences), len(rep.WithinVariation))
		}
		if !slices.ContainsFunc(rep.Differences, func(d diff.Difference) bool {
			return slices.ContainsFunc(d.Aspects, func(a diff.Aspect) bool { return strings.HasSuffix(a.Target, ` [invalid-params]"`) })
		}) {
			t.Errorf("no real difference shows the suffix")
		}
		if v := rep.Variation; v == nil || !strings.Contains(strings.Join(v.NotMatched, " "), "route=legacy: 8.6.1 (the 8.6.x line) does not allow it") {
			t.Errorf("diff.json does not say why the reference kept the typed route: %+v", rep.Variation)
		}
	})
}

// TestDiffWithinKnownVariation compares a legacy-route server at 8.4.0
// with a typed-route one at 8.4.0 given by URL, which cannot be told to
// answer otherwise: the differences are known variation along route,
// listed apart, and the exit code is 0; generated cases are judged alike.
func TestDiffWithinKnownVariation(t *testing.T) {
	t.Parallel()
	target := variantServer(t, "8.4.0", map[string]string{"route": "legacy"}, asIs)
	against := variantServer(t, "8.4.0", map[string]string{"route": "typed"}, asIs)
	dir := t.TempDir()
	r := cli(t, nil, "diff", "--target", target, "--against", against, "--explore", "150", "--seed", "1", "--report-dir", dir)
	wantExit(t, r, exitPassed)
	for _, want := range []string{"VARY  PARAMS-", "differ within known variation: route", "Within the known variation of 8.4.0, not counted as differences (route):",
		"Verdict: no differences beyond the known variation of 8.4.0"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	rep := readDiff(t, dir)
	if rep.Verdict != diff.WithinVariation || len(rep.Differences) != 0 || len(rep.WithinVariation) == 0 || rep.Checks.WithinVariation == 0 {
		t.Fatalf("diff.json: verdict %q, %d real differences, %d within known variation", rep.Verdict, len(rep.Differences), len(rep.WithinVariation))
	}
	explored := 0
	for _, d := range rep.WithinVariation {
		if d.Explained == nil || !slices.Equal(d.Explained.Dimensions, []string{"route"}) {
			t.Errorf("%s: explained by %+v, want route", d.Origin(), d.Explained)
		}
		if d.Source == diff.FromExplore {
			explored++
		}
	}
	if explored == 0 || rep.Explore.WithinVariation != explored || rep.Explore.Differences != 0 {
		t.Errorf("exploration: %+v, %d generated cases within known variation", rep.Explore, explored)
	}
	res := readResults(t, dir)
	if c := res.Comparison; c == nil || len(c.Differences) != 0 || len(c.WithinVariation) != len(rep.WithinVariation) || !strings.Contains(c.Variation, "route=legacy|typed") {
		t.Errorf("results.json carries the comparison %+v", res.Comparison)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<div class="verdict pass" id="comparison-verdict">`, `<div class="word">within known variation</div>`, `id="within-variation"`, "within known variation of <strong>route</strong>"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if v := cli(t, nil, "verify", dir); v.code != exitPassed {
		t.Errorf("the target's certificate does not verify: %s", v.stdout)
	}
}

// TestDiffAgainstTheTargetsVariants: targets whose line allows several
// variants, each showing others than the line's most likely, compared
// with the default server: the bundled reference, which answers as their
// variants, so nothing differs.
func TestDiffAgainstTheTargetsVariants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, version string
		variants      map[string]string
	}{
		{"8.4.0 exact names, typed route, coercion", "8.4.0", map[string]string{"names": "exact", "route": "typed", "coercion": "coerce", "body-shape": "as-parsed"}},
		{"8.1.0 names looked up", "8.1.0", map[string]string{"names": "lookup", "one-to-one-rid": "composed", "empty-name": "invalid-username", "body-shape": "as-parsed"}},
		{"7.10.0 exact names", "7.10.0", map[string]string{"names": "exact", "one-to-one-rid": "generated", "empty-name": "dropped"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			wantSame(t, cli(t, nil, "diff", "--target", variantServer(t, tc.version, tc.variants, asIs), "--report-dir", dir), dir)
			if v := readDiff(t, dir).Variation; v == nil || !v.ReferenceStarted {
				t.Fatalf("diff.json: variation %+v", v)
			} else {
				for dim, want := range tc.variants {
					if got := v.Variants[dim]; got != want {
						t.Errorf("the reference was started with %s=%q, want %q", dim, got, want)
					}
				}
			}
		})
	}
}

// TestDiffTargetWithoutRelease: a target that reports no release is
// compared at the first release of the first line its answers fit, and the
// output says so.
func TestDiffTargetWithoutRelease(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := cli(t, nil, "diff", "--target", brokenServer(t, "8.6.1", reportsNoVersion), "--report-dir", dir)
	wantSame(t, r, dir)
	want := "the comparison is judged at 8.3.0, the first release of the 8.3–8.5 line, the first of the lines the target's fingerprint fits"
	if !strings.Contains(r.stdout, want) {
		t.Errorf("stdout does not say how the release was chosen (%q)", want)
	}
	rep := readDiff(t, dir)
	if rep.Release != "8.3.0" || !strings.Contains(rep.ReleaseSource, want) || rep.Variation.Variants["route"] != "typed" {
		t.Errorf("diff.json: release %q (%s), variation %+v", rep.Release, rep.ReleaseSource, rep.Variation)
	}
	if res := readResults(t, dir); res.Target.Release != "" {
		t.Errorf("the target is certified at %q, want by the lines it fits, as rcconform run does", res.Target.Release)
	}
}
