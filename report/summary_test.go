package report

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/suites/framework"
)

// chk is a check record of a level, feature version and outcome.
func chk(id, level, since, outcome string, exchanges ...framework.Exchange) Check {
	c := Check{ID: id, Title: "checks " + id, Level: level, Since: since, ExpectedStatus: 200,
		Family: "test", Outcome: outcome, Location: "suites/x.go:1", Exchanges: exchanges}
	if outcome == Failed {
		c.Failure = "it failed"
	}
	return c
}

func TestSummarize(t *testing.T) {
	const core, compat = framework.Core, framework.Compat
	v1, v2, v3 := framework.V0590, framework.V3010, framework.V3180
	for _, tc := range []struct {
		name      string
		checks    []Check
		runErr    *RunError
		verdict   string
		certified string
	}{
		{"all pass", []Check{chk("A", core, v1, Passed), chk("B", compat, v2, Passed), chk("C", core, v3, Passed)}, nil, Conformant, v3},
		{"skipped do not fail a level", []Check{chk("A", core, v1, Passed), chk("B", compat, v1, Skipped), chk("C", core, v2, Passed), chk("D", core, v3, Passed)}, nil, Conformant, v3},
		{"a level without a passing check is not certified", []Check{chk("A", core, v1, Passed), chk("B", core, v2, Passed), chk("C", core, v3, Skipped)}, nil, Conformant, v2},
		{"a missing level stops certification above it", []Check{chk("A", core, v1, Passed), chk("C", core, v3, Passed)}, nil, Conformant, v1},
		{"the highest failing level", []Check{chk("A", core, v1, Passed), chk("B", core, v2, Passed), chk("C", compat, v3, Failed)}, nil, NotConformant, v2},
		{"a middle failing level", []Check{chk("A", core, v1, Passed), chk("B", core, v2, Failed), chk("C", core, v3, Passed)}, nil, NotConformant, v1},
		{"0.59.0 fails", []Check{chk("A", core, v1, Failed), chk("B", core, v2, Passed), chk("C", core, v3, Passed)}, nil, NotConformant, NoLevel},
		{"everything fails", []Check{chk("A", core, v1, Failed)}, nil, NotConformant, NoLevel},
		{"a failure at an unknown version", []Check{chk("A", core, v1, Passed), chk("B", core, "9.9.9", Failed)}, nil, NotConformant, NoLevel},
		{"run error", []Check{chk("A", core, v1, Passed), chk("B", core, v2, Passed)}, &RunError{Reason: "stopped"}, CouldNotRun, NoLevel},
		{"nothing ran", []Check{chk("A", core, v1, Skipped)}, nil, CouldNotRun, NoLevel},
		{"no checks", nil, nil, CouldNotRun, NoLevel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize(tc.checks, tc.runErr)
			if s.Verdict != tc.verdict || s.CertifiedFeatureLevel != tc.certified {
				t.Errorf("verdict %q at %q, want %q at %q", s.Verdict, s.CertifiedFeatureLevel, tc.verdict, tc.certified)
			}
		})
	}
}

func TestSummarizeCounts(t *testing.T) {
	s := Summarize([]Check{
		chk("A", framework.Core, framework.V0590, Passed),
		chk("B", framework.Compat, framework.V0590, Failed),
		chk("C", framework.Compat, framework.V3010, Skipped),
		chk("D", framework.Core, framework.V3180, Passed),
	}, nil)
	want := Summary{
		Total: Counts{Passed: 2, Failed: 1, Skipped: 1},
		Levels: []LevelCounts{
			{Level: framework.Core, Counts: Counts{Passed: 2}},
			{Level: framework.Compat, Counts: Counts{Failed: 1, Skipped: 1}},
		},
		Features: []FeatureCounts{
			{Version: framework.V0590, Counts: Counts{Passed: 1, Failed: 1}},
			{Version: framework.V3010, Counts: Counts{Skipped: 1}},
			{Version: framework.V3180, Counts: Counts{Passed: 1}},
		},
		CertifiedFeatureLevel: NoLevel,
		Verdict:               NotConformant,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Summarize =\n%+v\nwant\n%+v", s, want)
	}
}

func TestCoverage(t *testing.T) {
	ops := []openapi.Operation{
		{Method: "POST", Path: "/api/v1/dm.create", Statuses: []int{200, 400, 429}},
		{Method: "POST", Path: "/api/v1/im.create", Statuses: []int{200}},
	}
	ex := func(path string, status int) framework.Exchange {
		return framework.Exchange{Method: "POST", Path: path, Status: status}
	}
	checks := []Check{
		chk("B", framework.Core, framework.V0590, Passed, ex("/api/v1/dm.create", 200), ex("/api/v1/dm.create", 200)),
		chk("A", framework.Core, framework.V0590, Failed, ex("/api/v1/dm.create", 200), ex("/api/v1/dm.create", 500)),
		chk("C", framework.Core, framework.V0590, Passed, ex("/api/v1/other", 200)),
	}
	got := Coverage(ops, checks)
	want := []CoverageCell{
		{Method: "POST", Path: "/api/v1/dm.create", Status: 200, Documented: true, Checks: []string{"A", "B"}},
		{Method: "POST", Path: "/api/v1/dm.create", Status: 400, Documented: true, Checks: []string{}},
		{Method: "POST", Path: "/api/v1/dm.create", Status: 429, Documented: true, Checks: []string{}},
		{Method: "POST", Path: "/api/v1/dm.create", Status: 500, Documented: false, Checks: []string{"A"}},
		{Method: "POST", Path: "/api/v1/im.create", Status: 200, Documented: true, Checks: []string{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Coverage =\n%+v\nwant\n%+v", got, want)
	}
}

func TestChecksDigest(t *testing.T) {
	checks := []Check{chk("A", framework.Core, framework.V0590, Passed, framework.Exchange{
		Method: "POST", Path: "/api/v1/dm.create", Status: 200, ResponseBody: `{"a":"<b>&"}`, DurationMillis: 1.25,
	})}
	d, err := ChecksDigest(checks)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
		t.Fatalf("digest %q", d)
	}
	// White space, key order and escaping are not part of the content.
	reformatted := `[ { "title": "checks A", "id": "A", "level": "core", "since": "0.59.0", "expectedStatus": 200,
		"family": "test", "outcome": "passed", "location": "suites/x.go:1", "durationMillis": 0,
		"exchanges": [ { "method": "POST", "path": "/api/v1/dm.create", "status": 200,
		"responseBody": "{\"a\":\"\u003cb\u003e\u0026\"}", "durationMillis": 1.25 } ] } ]`
	if r, err := digestJSON([]byte(reformatted)); err != nil || r != d {
		t.Errorf("reformatted checks digest to %q (%v), want %q", r, err, d)
	}
	checks[0].Exchanges[0].DurationMillis = 1.250001
	if d2, _ := ChecksDigest(checks); d2 == d {
		t.Error("a changed number does not change the digest")
	}
}
