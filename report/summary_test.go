package report

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/openapi"
)

// chk is the record of a check of a level, feature version and outcome, as
// a run at level compat gives it: core and compat checks count, recommended
// checks do not.
func chk(id string, level conformance.Level, since, outcome string, exchanges ...conformance.Exchange) Check {
	i := info(id, level, since)
	i.Title = "checks " + id
	c := Check{Info: i, Counts: conformance.Compat.Counts(level),
		Outcome: outcome, Location: "suites/x.go:1", Exchanges: exchanges}
	if outcome == Failed {
		c.Failure = "it failed"
	}
	return c
}

// counting returns c with Counts set.
func counting(c Check, counts bool) Check {
	c.Counts = counts
	return c
}

func TestSummarize(t *testing.T) {
	const core, compat, rec = conformance.Core, conformance.Compat, conformance.Recommended
	v1, v2, v3 := conformance.V0590, conformance.V3010, conformance.V3180
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

		{"a failed check that does not count", []Check{chk("A", core, v1, Passed), chk("R", rec, v1, Failed), chk("B", core, v2, Passed), chk("C", core, v3, Passed)}, nil, Conformant, v3},
		{"the same failed check when it counts", []Check{chk("A", core, v1, Passed), counting(chk("R", rec, v1, Failed), true), chk("B", core, v2, Passed), chk("C", core, v3, Passed)}, nil, NotConformant, NoLevel},
		{"a passed check that does not count certifies nothing", []Check{chk("A", core, v1, Passed), chk("R", rec, v2, Passed)}, nil, Conformant, v1},
		{"a passed recommended check that counts certifies", []Check{chk("A", core, v1, Passed), counting(chk("R", rec, v2, Passed), true)}, nil, Conformant, v2},
		{"a failure that does not count at an unknown version", []Check{chk("A", core, v1, Passed), chk("R", rec, "9.9.9", Failed)}, nil, Conformant, v1},
		{"a core check that does not count", []Check{chk("A", core, v1, Passed), counting(chk("B", core, v1, Failed), false)}, nil, Conformant, v1},
		{"only checks that do not count ran", []Check{chk("A", core, v1, Skipped), chk("R", rec, v1, Failed), chk("P", rec, v1, Passed)}, nil, CouldNotRun, NoLevel},
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
	for _, tc := range []struct {
		name   string
		checks []Check
		want   Summary
	}{
		{
			name: "a counted failure",
			checks: []Check{
				chk("A", conformance.Core, conformance.V0590, Passed),
				chk("B", conformance.Compat, conformance.V0590, Failed),
				chk("C", conformance.Compat, conformance.V3010, Skipped),
				chk("D", conformance.Core, conformance.V3180, Passed),
				chk("R", conformance.Recommended, conformance.V3010, Failed),
			},
			want: Summary{
				Total: Counts{Passed: 2, Failed: 2, Skipped: 1},
				Levels: []LevelCounts{
					{Level: conformance.Core, Counts: Counts{Passed: 2}},
					{Level: conformance.Compat, Counts: Counts{Failed: 1, Skipped: 1}},
					{Level: conformance.Recommended, Counts: Counts{Failed: 1}},
				},
				Features: []FeatureCounts{
					{Version: conformance.V0590, Counts: Counts{Passed: 1, Failed: 1}},
					{Version: conformance.V3010, Counts: Counts{Failed: 1, Skipped: 1}},
					{Version: conformance.V3180, Counts: Counts{Passed: 1}},
				},
				CertifiedFeatureLevel: NoLevel,
				Verdict:               NotConformant,
			},
		},
		{
			// Totals count every check; the verdict only those that count.
			name: "only a failure that does not count",
			checks: []Check{
				chk("A", conformance.Core, conformance.V0590, Passed),
				chk("R", conformance.Recommended, conformance.V0590, Failed),
				chk("P", conformance.Recommended, conformance.V3010, Passed),
			},
			want: Summary{
				Total: Counts{Passed: 2, Failed: 1},
				Levels: []LevelCounts{
					{Level: conformance.Core, Counts: Counts{Passed: 1}},
					{Level: conformance.Compat},
					{Level: conformance.Recommended, Counts: Counts{Passed: 1, Failed: 1}},
				},
				Features: []FeatureCounts{
					{Version: conformance.V0590, Counts: Counts{Passed: 1, Failed: 1}},
					{Version: conformance.V3010, Counts: Counts{Passed: 1}},
					{Version: conformance.V3180},
				},
				CertifiedFeatureLevel: conformance.V0590,
				Verdict:               Conformant,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s := Summarize(tc.checks, nil); !reflect.DeepEqual(s, tc.want) {
				t.Errorf("Summarize =\n%+v\nwant\n%+v", s, tc.want)
			}
		})
	}
}

func TestCoverage(t *testing.T) {
	ops := []openapi.Operation{
		{Method: "POST", Path: dmCreate, Statuses: []int{200, 400, 429}},
		{Method: "POST", Path: imCreate, Statuses: []int{200}},
	}
	ex := func(path string, status int) conformance.Exchange {
		return conformance.Exchange{Method: "POST", Path: path, Status: status}
	}
	checks := []Check{
		chk("B", conformance.Core, conformance.V0590, Passed, ex(dmCreate, 200), ex(dmCreate, 200)),
		chk("A", conformance.Core, conformance.V0590, Failed, ex(dmCreate, 200), ex(dmCreate, 500)),
		chk("C", conformance.Core, conformance.V0590, Passed, ex("/api/v1/other", 200)),
	}
	got := Coverage(ops, checks)
	want := []CoverageCell{
		{Method: "POST", Path: dmCreate, Status: 200, Documented: true, Checks: []string{"A", "B"}},
		{Method: "POST", Path: dmCreate, Status: 400, Documented: true, Checks: []string{}},
		{Method: "POST", Path: dmCreate, Status: 429, Documented: true, Checks: []string{}},
		{Method: "POST", Path: dmCreate, Status: 500, Documented: false, Checks: []string{"A"}},
		{Method: "POST", Path: imCreate, Status: 200, Documented: true, Checks: []string{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Coverage =\n%+v\nwant\n%+v", got, want)
	}
}

func TestChecksDigest(t *testing.T) {
	checks := []Check{chk("A", conformance.Core, conformance.V0590, Passed, conformance.Exchange{
		Method: "POST", Path: dmCreate, Status: 200, ResponseBody: `{"a":"<b>&"}`, DurationMillis: 1.25,
	})}
	d, err := ChecksDigest(checks)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
		t.Fatalf("digest %q", d)
	}
	// White space, key order and escaping are not part of the content.
	reformatted := `[ { "title": "checks A", "id": "A", "level": "core", "since": "0.59.0", "status": 200,
		"family": "test", "evidence": [ { "says": "the doc page documents A", "kind": "doc", "where": "dm.create doc page, Responses" } ],
		"outcome": "passed", "counts": true, "location": "suites/x.go:1", "durationMillis": 0,
		"exchanges": [ { "method": "POST", "path": "/api/v1/dm.create", "status": 200,
		"responseBody": "{\"a\":\"\u003cb\u003e\u0026\"}", "durationMillis": 1.25 } ] } ]`
	if r, err := digestJSON([]byte(reformatted)); err != nil || r != d {
		t.Errorf("reformatted checks digest to %q (%v), want %q", r, err, d)
	}
	for name, edit := range map[string]func(c *Check){
		"a changed number": func(c *Check) { c.Exchanges[0].DurationMillis = 1.250001 },
		"a changed counts": func(c *Check) { c.Counts = false },
		"a changed evidence": func(c *Check) {
			c.Evidence = []conformance.Evidence{{Kind: conformance.Doc, Where: "elsewhere", Says: "something else"}}
		},
		"a changed dimensions": func(c *Check) { c.Dimensions = []string{conformance.DimRoute} },
	} {
		edited := []Check{checks[0]}
		edited[0].Exchanges = append([]conformance.Exchange(nil), checks[0].Exchanges...)
		edit(&edited[0])
		if d2, _ := ChecksDigest(edited); d2 == d {
			t.Errorf("%s does not change the digest", name)
		}
	}
}
