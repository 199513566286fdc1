package diff

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rcconform/rcconform/report"
)

func answer(status int, body string) Answer {
	return Answer{Sent: true, Status: status, ContentType: "application/json", Body: body}
}

func TestCompare(t *testing.T) {
	room := `{"room":{"rid":"{new id from X#1}","usernames":["{caller}","{peer}"]},"success":true}`
	for _, tc := range []struct {
		name      string
		a, b      Answer
		described []string
		signature string
	}{
		{"alike", answer(200, room), answer(200, room), nil, ""},
		{"key order does not matter", answer(200, `{"success":true,"a":1}`), answer(200, `{"a":1,"success":true}`), nil, ""},
		{"array order does", answer(200, room), answer(200, `{"room":{"rid":"{new id from X#1}","usernames":["{peer}","{caller}"]},"success":true}`),
			[]string{"body room.usernames[0]", "body room.usernames[1]"}, "body room.usernames"},
		{"status", answer(400, `{}`), answer(200, `{}`), []string{"status"}, "status 400 vs 200"},
		{"content type", Answer{Sent: true, Status: 200, ContentType: "text/html"}, answer(200, ""), []string{"Content-Type"}, "contentType"},
		{"a key only at one", answer(200, `{"a":1,"b":2}`), answer(200, `{"a":1}`), []string{"body b"}, "body b"},
		{"numbers by value", answer(200, `{"a":1.0,"b":1e2}`), answer(200, `{"a":1,"b":100}`), nil, ""},
		{"numbers", answer(200, `{"a":1}`), answer(200, `{"a":2}`), []string{"body a"}, "body a"},
		{"text", answer(400, "<pre>Bad</pre>"), answer(400, "<pre>Bad Request</pre>"), []string{"body"}, "body"},
		{"json and text", answer(400, `{"a":1}`), answer(400, "a=1"), []string{"body"}, "body"},
		{"not sent", Answer{}, answer(401, `{}`), []string{"sent"}, "sent not sent: the check stopped before this request vs sent"},
		{"no answer", Answer{Sent: true, Error: "the connection was reset"}, answer(200, room), []string{"answer"}, "answer no answer: the connection was reset vs an HTTP answer"},
		{"no answer at both", Answer{Sent: true, Error: "x"}, Answer{Sent: true, Error: "x"}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			aspects := Compare(tc.a, tc.b)
			var got []string
			for _, a := range aspects {
				got = append(got, a.Describe())
			}
			if strings.Join(got, "|") != strings.Join(tc.described, "|") {
				t.Errorf("differs in %q, want %q", got, tc.described)
			}
			if s := Signature(aspects); s != tc.signature {
				t.Errorf("signature %q, want %q", s, tc.signature)
			}
		})
	}
}

func TestCompareBoundsItsList(t *testing.T) {
	var a, b strings.Builder
	a.WriteString("[")
	b.WriteString("[")
	for i := range 50 {
		if i > 0 {
			a.WriteString(",")
			b.WriteString(",")
		}
		a.WriteString("1")
		b.WriteString("2")
	}
	if n := len(Compare(answer(200, a.String()+"]"), answer(200, b.String()+"]"))); n != maxAspects {
		t.Errorf("%d aspects, want at most %d", n, maxAspects)
	}
}

// sample is a comparison with a difference of each source.
func sample() *Report {
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	return &Report{
		Format: Format, HarnessVersion: "devel", SpecDigest: "sha256:" + strings.Repeat("ab", 32),
		Target:  Server{URL: "http://127.0.0.1:4000", Kind: "url", Note: "a server given by URL", ServerVersion: "6.14.0"},
		Against: Server{URL: "http://127.0.0.1:4001", Kind: "in-process", ServerVersion: "6.14.0"},
		Release: "6.14.0", ReleaseSource: "reported by GET /api/info", StartTime: start, EndTime: start.Add(time.Second),
		Variation: &Variation{Release: "6.14.0", Source: "reported by GET /api/info", Line: "6.6–6.x"},
		Checks:    &ChecksSummary{Level: "compat", Checks: 130, Exchanges: 175, Differing: 1, WithinVariation: 1},
		Explore:   &ExploreSummary{Seed: 7, Requested: 500, Cases: 500, ShrinkSteps: 99, DurationMillis: 4000, ShrinkMillis: 40, CasesPerSecond: 126, Differences: 1},
		Differences: []Difference{
			{Source: FromCheck, Check: "SEM-RID-COMPOSED", Title: "gives a 1:1 DM the rid of the two user ids sorted and joined", Exchange: 1,
				Request: Request{Method: "POST", Path: "/api/v1/dm.create", Headers: []Header{{"X-User-Id", "{caller.id}"}}, Body: `{"username":"{peer}"}`},
				Target:  answer(200, `{"room":{"rid":"{ids of caller,peer reverse-sorted}"}}`), Against: answer(200, `{"room":{"rid":"{ids of caller,peer sorted}"}}`),
				Aspects: []Aspect{{What: "body", Path: "room.rid", Target: `"{ids of caller,peer reverse-sorted}"`, Against: `"{ids of caller,peer sorted}"`}}},
			{Source: FromExplore, Title: "POST /api/v1/dm.create as caller: {}",
				Request: Request{Method: "POST", Path: "/api/v1/dm.create", Body: "{}"},
				Target:  Answer{Sent: true, Error: "the connection was reset"}, Against: answer(400, `{"success":false}`),
				Aspects: []Aspect{{What: "answer", Target: "no answer", Against: "an HTTP answer"}},
				Found:   &Found{Case: json.RawMessage(`{"path":"/api/v1/dm.create"}`), Index: 3, Minimal: true, ShrinkSteps: 99, ShrinkMillis: 40, Signature: "answer", Skeleton: `chk("EXPLORE-0000", ...)`}},
		},
		WithinVariation: []Difference{
			{Source: FromCheck, Check: "PARAMS-EMPTY-TEXT", Title: "answers Rocket.Chat's exact validation message", Exchange: 1,
				Request: Request{Method: "POST", Path: "/api/v1/dm.create", Body: "{}"},
				Target:  answer(400, `{"error":"x [invalid-params]"}`), Against: answer(400, `{"error":"x"}`),
				Aspects:   []Aspect{{What: "body", Path: "error", Target: `"x [invalid-params]"`, Against: `"x"`}},
				Explained: &Explanation{Dimensions: []string{"route"}, Why: "PARAMS-EMPTY-TEXT passed at both servers with answers of variants 8.4.0 allows"}},
		},
		Verdict: Different,
	}
}

func TestReportFollowsItsSchema(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/" + File
	if err := sample().Write(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateSchema(data); err != nil {
		t.Fatalf("diff.json does not follow diff.schema.json: %v", err)
	}
	var back Report
	if err := json.Unmarshal(data, &back); err != nil || len(back.Differences) != 2 || len(back.WithinVariation) != 1 {
		t.Fatalf("diff.json does not read back: %v", err)
	}
	// The schema says what it refuses too.
	broken := bytes.Replace(data, []byte(`"source": "explore"`), []byte(`"source": "elsewhere"`), 1)
	if ValidateSchema(broken) == nil {
		t.Error("the schema takes an unknown source")
	}
	// A real difference has no explanation; a difference within known
	// variation has one.
	r := sample()
	r.Differences[0].Explained = r.WithinVariation[0].Explained
	r.WithinVariation[0].Explained = nil
	if err := r.Write(path); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); ValidateSchema(data) == nil {
		t.Error("the schema takes an explained real difference and an unexplained one within known variation")
	}
	// Lists left nil are written empty.
	r = sample()
	r.Differences, r.WithinVariation = nil, nil
	if err := r.Write(path); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); ValidateSchema(data) != nil {
		t.Errorf("a comparison without differences does not follow its schema: %v", ValidateSchema(data))
	}
}

func TestJudge(t *testing.T) {
	r := sample()
	for _, tc := range []struct {
		real, within int
		want         string
	}{{2, 1, Different}, {0, 1, WithinVariation}, {0, 0, Same}} {
		r.Differences, r.WithinVariation = sample().Differences[:tc.real], sample().WithinVariation[:tc.within]
		if r.Judge(); r.Verdict != tc.want {
			t.Errorf("%d real and %d within known variation: verdict %q, want %q", tc.real, tc.within, r.Verdict, tc.want)
		}
	}
}

func TestWithinTableNamesTheDimensions(t *testing.T) {
	var out bytes.Buffer
	r := sample()
	r.WithinTable(&out)
	for _, want := range []string{"PARAMS-EMPTY-TEXT exchange 1: answers Rocket.Chat's exact validation message (route)", "differs body error; PARAMS-EMPTY-TEXT passed at both servers"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
	if got := r.WithinDimensions(); len(got) != 1 || got[0] != "route" {
		t.Errorf("dimensions %v", got)
	}
}

func TestTableShowsBothAnswersAndWhereTheyCameFrom(t *testing.T) {
	var out bytes.Buffer
	sample().Table(&out)
	text := out.String()
	for _, want := range []string{
		"1. SEM-RID-COMPOSED exchange 1: gives a 1:1 DM",
		"differs   body room.rid",
		`"rid": "{ids of caller,peer reverse-sorted}"`, `"rid": "{ids of caller,peer sorted}"`,
		"2. explore case 3:", "(no answer: the connection was reset)", "shrunk to the case above in 99 steps",
		`chk("EXPLORE-0000", ...)`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the table lacks %q:\n%s", want, text)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if left, _, ok := strings.Cut(line, " | "); ok && len([]rune(left)) != len(tableIndent)+columnWidth {
			t.Errorf("a row's columns do not line up: %q", line)
		}
	}
}

func TestKindsGroupDifferencesBySignature(t *testing.T) {
	r := sample()
	r.Differences = append(r.Differences, r.Differences[0])
	r.Differences[2].Check = "OK-ONE-TO-ONE"
	kinds := r.Kinds()
	if len(kinds) != 2 || kinds[0].Signature != "body room.rid" || strings.Join(kinds[0].Origins, ",") != "SEM-RID-COMPOSED exchange 1,OK-ONE-TO-ONE exchange 1" {
		t.Errorf("kinds %+v", kinds)
	}
}

func TestComparisonOnTheCertificate(t *testing.T) {
	c := sample().Comparison("the reference at 6.14.0")
	if c.Exchanges != 175 || c.Explored != "500 generated cases (seed 7)" || len(c.Differences) != 2 || len(c.WithinVariation) != 1 {
		t.Fatalf("comparison %+v", c)
	}
	if w := c.WithinVariation[0]; w.Source != "PARAMS-EMPTY-TEXT exchange 1" || len(w.Dimensions) != 1 || w.Dimensions[0] != "route" || !strings.Contains(w.Explained, "passed at both") {
		t.Errorf("the difference within known variation %+v", w)
	}
	if !strings.Contains(c.Variation, "6.14.0 (the 6.6–6.x line) establishes every dimension") {
		t.Errorf("variation %q", c.Variation)
	}
	d := c.Differences[0]
	if d.Source != "SEM-RID-COMPOSED exchange 1" || d.Differs[0] != "body room.rid" || !strings.Contains(d.Target, "reverse-sorted") {
		t.Errorf("first difference %+v", d)
	}
	if c.Differences[1].Skeleton == "" {
		t.Error("the explored difference has no skeleton")
	}
	var page bytes.Buffer
	res := &report.Results{Comparison: c, Summary: report.Summary{Verdict: report.Conformant}}
	if err := report.RenderHTML(&page, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Differences from the server compared against", "SEM-RID-COMPOSED exchange 1", "check skeleton for suites/dmcreate", "{ids of caller,peer sorted}"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
