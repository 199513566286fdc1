package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/suites/framework"
)

func TestRenderHTML(t *testing.T) {
	res := sealed(t)
	res.Checks[2].Failure = "the body is wrong <script>alert(1)</script>"
	res.Checks[2].Exchanges[0].ResponseBody = `{"error":"<img src=x onerror=alert(1)>"}`
	res.Checks[2].Exchanges[0].Violations = []string{"status 400 body: missing field success"}
	var buf bytes.Buffer
	if err := RenderHTML(&buf, res); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		`<div class="verdict fail">`,
		`id="verdict">not conformant</div>`,
		"certified feature level 3.1.0",
		`<th><code>POST /api/v1/dm.create</code></th>`,
		`<td class="covered ids"><code>A</code> </td>`,
		`<strong>not exercised</strong>`,
		`id="fail-C"`,
		"missing field success",
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		res.ChecksDigest,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "<img", "http://", "https://"} {
		if strings.Contains(strings.ReplaceAll(page, res.Target.URL, ""), bad) {
			t.Errorf("the page contains %q: unescaped evidence or an external asset", bad)
		}
	}
}

func TestRenderHTMLCouldNotRun(t *testing.T) {
	res := &Results{Format: Format, Selection: Selection{Level: framework.Core, Filter: "(core)"},
		RunError: &RunError{Reason: "the target cannot be reached", Detail: "connection refused"}}
	if err := Seal(res); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := RenderHTML(&buf, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<div class="verdict stop">`, "could not run", "the target cannot be reached", "connection refused"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
