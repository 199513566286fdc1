package report

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
)

// section is the part of page from the heading named title to the next
// second-level heading.
func section(t *testing.T, page, title string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, "<h2>"+title+"</h2>")
	if !ok {
		t.Fatalf("the page has no section %q", title)
	}
	s, _, _ := strings.Cut(rest, "<h2>")
	return s
}

func render(t *testing.T, res *Results) string {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderHTML(&buf, res); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestRenderHTML(t *testing.T) {
	res := sealed(t)
	res.Checks[2].Failure = "the body is wrong <script>alert(1)</script>"
	res.Checks[2].Exchanges[0].ResponseBody = `{"error":"<img src=x onerror=alert(1)>"}`
	res.Checks[2].Exchanges[0].Violations = []string{"status 400 body: missing field success"}
	res.Checks[2].Evidence[0].Says = "upstream answers <b>400</b>"
	page := render(t, res)
	for _, want := range []string{
		`<div class="verdict fail">`,
		`id="verdict">not conformant</div>`,
		"certified feature level 3.1.0",
		"1 of 3 counted checks that ran failed",
		`<th><code>POST /api/v1/dm.create</code></th>`,
		`<td class="covered ids"><code>A</code> <code>R</code> </td>`,
		`<strong>not exercised</strong>`,
		`id="fail-C"`,
		"missing field success",
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"&lt;b&gt;400&lt;/b&gt;",
		res.ChecksDigest,
		"<strong>6.14.0</strong>, " + template.HTMLEscapeString(testRun.Target.ReleaseSource),
		template.HTMLEscapeString(testRun.Target.ReleaseLine),
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "<img", "<b>", "http://", "https://"} {
		if strings.Contains(strings.ReplaceAll(page, res.Target.URL, ""), bad) {
			t.Errorf("the page contains %q: unescaped evidence or an external asset", bad)
		}
	}

	// A counted failure shows why it is expected: its evidence and the
	// dimensions its answer depends on.
	failures := section(t, page, "Failures")
	c := res.Checks[2]
	for _, want := range []string{
		`id="fail-C"`,
		"Why this is expected",
		string(c.Evidence[0].Kind) + " · " + template.HTMLEscapeString(c.Evidence[0].Where),
		"&lt;b&gt;400&lt;/b&gt;",
		"which depends on " + strings.Join(c.Dimensions, ", "),
	} {
		if !strings.Contains(failures, want) {
			t.Errorf("the failures section lacks %q:\n%s", want, failures)
		}
	}
	// A recommended check that does not count is no failure of the run...
	if strings.Contains(failures, `id="fail-R"`) || strings.Contains(failures, "clients are helped by R") {
		t.Errorf("the failures section shows the recommended check R, which does not count:\n%s", failures)
	}
	// ...it is listed, with its evidence, among the recommended properties.
	recommended := section(t, page, "Recommended properties")
	for _, want := range []string{
		`<td><code>R</code></td><td class="failed">not met</td><td>checks R</td><td>reported only</td>`,
		`id="fail-R"`,
		"it failed",
		"clients are helped by R",
	} {
		if !strings.Contains(recommended, want) {
			t.Errorf("the recommended section lacks %q:\n%s", want, recommended)
		}
	}
	for _, id := range []string{"A", "B", "C"} {
		if strings.Contains(recommended, "<code>"+id+"</code>") {
			t.Errorf("the recommended section lists check %s, which is not recommended", id)
		}
	}
	if n := strings.Count(page, `id="fail-`); n != 2 {
		t.Errorf("the page has %d failure blocks, want 2 (C and R)", n)
	}
}

func TestRenderHTMLRecommendedCounts(t *testing.T) {
	res := sealed(t)
	res.Selection.Level = conformance.Recommended
	res.Checks[3].Counts = true
	if err := Seal(res); err != nil {
		t.Fatal(err)
	}
	page := render(t, res)
	if !strings.Contains(page, "2 of 4 counted checks that ran failed; certified feature level none.") {
		t.Error("the headline does not count the recommended failure")
	}
	failures := section(t, page, "Failures")
	for _, want := range []string{`id="fail-C"`, `id="fail-R"`, "clients are helped by R"} {
		if !strings.Contains(failures, want) {
			t.Errorf("the failures section lacks %q:\n%s", want, failures)
		}
	}
	recommended := section(t, page, "Recommended properties")
	if !strings.Contains(recommended, `<td><code>R</code></td><td class="failed">not met</td><td>checks R</td><td>counts</td>`) {
		t.Errorf("the recommended section does not say R counts:\n%s", recommended)
	}
	if n := strings.Count(page, `id="fail-R"`); n != 1 {
		t.Errorf("the failure of R is shown %d times, want once", n)
	}
}

func TestRenderHTMLCouldNotRun(t *testing.T) {
	res := &Results{Format: Format, Selection: Selection{Level: conformance.Core, Filter: "(core)"},
		RunError: &RunError{Reason: "the target cannot be reached", Detail: "connection refused"}}
	if err := Seal(res); err != nil {
		t.Fatal(err)
	}
	page := render(t, res)
	for _, want := range []string{`<div class="verdict stop">`, "could not run", "the target cannot be reached", "connection refused",
		"not known", "No check that counts failed.", "No recommended check was selected."} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
