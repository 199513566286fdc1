package report

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/conformance"
)

var start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const dmCreate, imCreate = "/api/v1/dm.create", "/api/v1/im.create"

// info declares a check of the test catalogue: evidence that fits its
// level, compat checks for the supported release lines, every other check
// for all releases.
func info(id string, level conformance.Level, since string) conformance.Info {
	i := conformance.Info{
		ID: id, Title: "catalogue title of " + id, Level: level, Since: since,
		Status: 200, Family: "test",
	}
	switch level {
	case conformance.Core:
		i.Evidence = []conformance.Evidence{{Kind: conformance.Doc, Where: "dm.create doc page, Responses", Says: "the doc page documents " + id}}
	case conformance.Compat:
		i.Dimensions = []string{conformance.DimNames}
		i.Evidence = []conformance.Evidence{{Kind: conformance.Source, Where: "RocketChat/Rocket.Chat@0123abc apps/meteor/app/api/server/v1/im.ts:10-20", Says: "upstream code does " + id}}
	case conformance.Recommended:
		i.Evidence = []conformance.Evidence{{Kind: conformance.Reasoning, Says: "clients are helped by " + id}}
	}
	return i
}

// spec is an It node's report labelled like the check i.
func spec(i conformance.Info, state types.SpecState) types.SpecReport {
	return types.SpecReport{
		ContainerHierarchyTexts:  []string{"dm.create"},
		ContainerHierarchyLabels: [][]string{{"dmcreate"}},
		LeafNodeType:             types.NodeTypeIt,
		LeafNodeText:             "does " + i.ID,
		LeafNodeLabels:           i.Labels(),
		LeafNodeLocation:         types.CodeLocation{FileName: "/home/someone/src/rcconform/suites/dmcreate/x.go", LineNumber: 7},
		State:                    state,
		RunTime:                  1500 * time.Microsecond,
	}
}

func failed(s types.SpecReport, msg string) types.SpecReport {
	s.Failure = types.Failure{Message: msg, Location: types.CodeLocation{FileName: "/tmp/suites/dmcreate/x.go", LineNumber: 9}}
	return s
}

func ginkgoReport(filter string, specs ...types.SpecReport) types.Report {
	return types.Report{
		SuiteConfig: types.SuiteConfig{LabelFilter: filter, Timeout: time.Minute},
		StartTime:   start, EndTime: start.Add(2 * time.Second),
		SpecReports: specs,
	}
}

var testRun = Run{HarnessVersion: "v1.0.0", Target: Target{URL: "http://127.0.0.1:3000", Kind: "url",
	Release: "6.14.0", ReleaseSource: "given with --rc-version (RC_VERSION)", ReleaseLine: conformance.Describe(conformance.MustRelease("6.14.0"))},
	Level: conformance.Compat}

// runAt is testRun at another level.
func runAt(level conformance.Level) Run {
	r := testRun
	r.Level = level
	return r
}

func TestTestCatalogueIsValid(t *testing.T) {
	var infos []conformance.Info
	for _, l := range conformance.Levels {
		for _, v := range conformance.FeatureVersions {
			infos = append(infos, info("X-"+strings.ToUpper(string(l))+"-"+strings.ReplaceAll(v, ".", ""), l, v))
		}
	}
	if err := conformance.ValidateCatalogue(infos); err != nil {
		t.Fatalf("the test catalogue is no valid catalogue: %v", err)
	}
}

func TestFromGinkgo(t *testing.T) {
	ex := conformance.Exchange{Method: "POST", Path: dmCreate, Status: 200,
		RequestHeaders: map[string]string{"X-Auth-Token": "[redacted]"}, DurationMillis: 1.5}
	iA, iB := info("A", conformance.Core, conformance.V0590), info("B", conformance.Core, conformance.V3010)
	iC, iD, iE := info("C", conformance.Compat, conformance.V3180), info("D", conformance.Compat, conformance.V3180), info("E", conformance.Compat, conformance.V3180)
	catalogue := []conformance.Info{iA, iB, iC, iD, iE, info("UNUSED", conformance.Core, conformance.V0590)}

	inProcess := spec(iA, types.SpecStatePassed)
	inProcess.ReportEntries = types.ReportEntries{
		{Name: conformance.ExchangeEntry, Value: types.WrapEntryValue(ex)},
		{Name: "something else", Value: types.WrapEntryValue(42)},
	}
	// A report that crossed processes carries the value as JSON only.
	crossed := spec(iB, types.SpecStatePassed)
	exJSON, _ := json.Marshal(ex)
	crossed.ReportEntries = types.ReportEntries{{Name: conformance.ExchangeEntry, Value: types.ReportEntryValue{AsJSON: string(exJSON)}}}
	unselected := spec(iC, types.SpecStateSkipped)
	unselected.LeafNodeLabels = append(unselected.LeafNodeLabels, "slow")
	selfSkipped := failed(spec(iD, types.SpecStateSkipped), "the target has no guests")
	broken := failed(spec(iE, types.SpecStateFailed), "Expected 200, got 400")
	setup := types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStatePassed}

	res, err := FromGinkgo(ginkgoReport("(core || compat) && !slow", setup, inProcess, crossed, unselected, selfSkipped, broken), testRun, catalogue)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Checks) != 5 {
		t.Fatalf("%d checks, want the 5 It nodes", len(res.Checks))
	}
	a, b, c, d, e := res.Checks[0], res.Checks[1], res.Checks[2], res.Checks[3], res.Checks[4]
	if a.ID != "A" || a.Level != conformance.Core || a.Since != conformance.V0590 || a.Status != 200 || a.Family != "test" ||
		a.Title != "dm.create does A" || a.Outcome != Passed || a.DurationMillis != 1.5 || a.Location != "suites/dmcreate/x.go:7" || !a.Counts {
		t.Errorf("check A = %+v", a)
	}
	// Everything but the title is the catalogue's declaration.
	wantE := iE
	wantE.Title = "dm.create does E"
	if !reflect.DeepEqual(e.Info, wantE) {
		t.Errorf("check E declares\n%+v\nwant the catalogue's\n%+v", e.Info, wantE)
	}
	if len(a.Exchanges) != 1 || a.Exchanges[0].Status != 200 || len(b.Exchanges) != 1 || b.Exchanges[0].RequestHeaders["X-Auth-Token"] != "[redacted]" {
		t.Errorf("exchanges: A %+v, B %+v", a.Exchanges, b.Exchanges)
	}
	if c.Outcome != Skipped || c.Note != "not selected by the label filter" {
		t.Errorf("unselected check: %s (%s)", c.Outcome, c.Note)
	}
	if d.Outcome != Skipped || d.Note != "the target has no guests" {
		t.Errorf("self-skipped check: %s (%s)", d.Outcome, d.Note)
	}
	if e.Outcome != Failed || e.Failure != "Expected 200, got 400" || e.FailureLocation != "suites/dmcreate/x.go:9" || !e.Counts {
		t.Errorf("failed check = %+v", e)
	}
	if res.RunError != nil || res.Summary.Verdict != NotConformant || res.Summary.CertifiedFeatureLevel != conformance.V3010 {
		t.Errorf("run error %+v, summary %+v", res.RunError, res.Summary)
	}
	if res.SpecDigest == "" || res.ChecksDigest == "" || len(res.Coverage) == 0 || res.Selection.Filter != "(core || compat) && !slow" ||
		res.Selection.Level != conformance.Compat || res.Format != "rcconform-results/v3" || !reflect.DeepEqual(res.Target, testRun.Target) {
		t.Errorf("results not sealed: %+v", res)
	}
	if _, err := Verify(mustJSON(t, res)); err != nil {
		t.Errorf("fresh results do not verify: %v", err)
	}
}

// A check is found by its id label alone: its other labels do not change
// what the catalogue declares.
func TestFromGinkgoReadsOnlyTheIDLabel(t *testing.T) {
	declared := info("A", conformance.Core, conformance.V0590)
	s := spec(declared, types.SpecStatePassed)
	s.LeafNodeLabels = []string{"compat", "id:A", "since:3.18.0", "status:401", "family:other"}
	res, err := FromGinkgo(ginkgoReport("core", s), testRun, []conformance.Info{declared})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Checks[0]
	if c.Level != conformance.Core || c.Since != conformance.V0590 || c.Status != 200 || c.Family != "test" {
		t.Errorf("check = %+v, want the catalogue's level, feature version, status and family", c)
	}
}

func TestFromGinkgoRecommended(t *testing.T) {
	iA, iR := info("A", conformance.Core, conformance.V0590), info("R", conformance.Recommended, conformance.V0590)
	iP, iS := info("P", conformance.Recommended, conformance.V3010), info("S", conformance.Recommended, conformance.V3010)
	catalogue := []conformance.Info{iA, iR, iP, iS}
	ginkgo := ginkgoReport("core || compat || recommended",
		spec(iA, types.SpecStatePassed),
		failed(spec(iR, types.SpecStateSkipped), conformance.RecommendedNotMet+"the answer has no Location header"),
		spec(iP, types.SpecStatePassed),
		failed(spec(iS, types.SpecStateSkipped), "a limit of 2 needs 2 other users; personas.yaml provides 8"),
	)
	for _, tc := range []struct {
		level     conformance.Level
		counts    bool
		verdict   string
		certified string
	}{
		{conformance.Core, false, Conformant, conformance.V0590},
		{conformance.Compat, false, Conformant, conformance.V0590},
		{conformance.Recommended, true, NotConformant, NoLevel},
	} {
		t.Run(string(tc.level), func(t *testing.T) {
			res, err := FromGinkgo(ginkgo, runAt(tc.level), catalogue)
			if err != nil {
				t.Fatal(err)
			}
			r, p, s := res.Checks[1], res.Checks[2], res.Checks[3]
			if r.ID != "R" || r.Outcome != Failed || r.Counts != tc.counts || r.Failure != "the answer has no Location header" ||
				r.FailureLocation != "suites/dmcreate/x.go:9" || !strings.HasPrefix(r.Note, "recommended") {
				t.Errorf("recommended check not met = %+v, want failed with counts=%t", r, tc.counts)
			}
			if p.Outcome != Passed || p.Counts != tc.counts {
				t.Errorf("recommended check met = %+v, want passed with counts=%t", p, tc.counts)
			}
			if s.Outcome != Skipped || s.Counts != tc.counts || !strings.HasPrefix(s.Note, "a limit of 2") {
				t.Errorf("recommended check skipped for a setting = %+v, want skipped", s)
			}
			if !res.Checks[0].Counts {
				t.Errorf("a core check does not count at level %s", tc.level)
			}
			if res.RunError != nil || res.Summary.Verdict != tc.verdict || res.Summary.CertifiedFeatureLevel != tc.certified {
				t.Errorf("run error %+v, summary %+v, want %s at %s", res.RunError, res.Summary, tc.verdict, tc.certified)
			}
			// Totals count every check, whether it counts or not.
			if res.Summary.Total != (Counts{Passed: 2, Failed: 1, Skipped: 1}) {
				t.Errorf("total %+v", res.Summary.Total)
			}
			if l := res.Summary.Levels[2]; l.Level != conformance.Recommended || l.Counts != (Counts{Passed: 1, Failed: 1, Skipped: 1}) {
				t.Errorf("recommended level counts %+v", l)
			}
			if _, err := Verify(mustJSON(t, res)); err != nil {
				t.Errorf("fresh results do not verify: %v", err)
			}
		})
	}
}

func TestFromGinkgoRunErrors(t *testing.T) {
	iA, iB := info("A", conformance.Core, conformance.V0590), info("B", conformance.Core, conformance.V0590)
	catalogue := []conformance.Info{iA, iB}
	passed := spec(iA, types.SpecStatePassed)
	for _, tc := range []struct {
		name           string
		report         types.Report
		reason, detail string
	}{
		{
			name: "setup could not run",
			report: ginkgoReport("core", failed(types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateFailed},
				conformance.CannotRunPrefix+"the target cannot be reached; check the URL\nGet http://x: connection refused")),
			reason: "the target cannot be reached; check the URL",
			detail: "Get http://x: connection refused",
		},
		{
			name:   "setup failed otherwise",
			report: ginkgoReport("core", failed(types.SpecReport{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePanicked}, "decode the suite state: EOF")),
			reason: "the suite setup failed: decode the suite state: EOF",
		},
		{
			name: "a check aborted the run",
			report: ginkgoReport("core", passed, failed(spec(iB, types.SpecStateAborted),
				conformance.CannotRunPrefix+"the rate limiter kept refusing requests")),
			reason: "the rate limiter kept refusing requests",
		},
		{
			name: "interrupted",
			report: func() types.Report {
				r := ginkgoReport("core", passed, failed(spec(iB, types.SpecStateInterrupted), "interrupted by user"))
				r.SpecialSuiteFailureReasons = []string{"Interrupted by User"}
				return r
			}(),
			reason: "the run was interrupted (SIGINT or SIGTERM) before it finished, so it certifies nothing; run it again",
		},
		{
			name: "timed out",
			report: func() types.Report {
				r := ginkgoReport("core", passed)
				r.SpecialSuiteFailureReasons = []string{"Suite Timeout Elapsed"}
				return r
			}(),
			reason: "the run did not finish within its time limit of 1m0s; give it more time with --timeout",
		},
		{
			name:   "nothing ran",
			report: ginkgoReport("core", spec(iA, types.SpecStateSkipped)),
			reason: "no check that counts at level compat ran; check the label filter and the release",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := FromGinkgo(tc.report, testRun, catalogue)
			if err != nil {
				t.Fatal(err)
			}
			if res.RunError == nil || res.RunError.Reason != tc.reason || res.RunError.Detail != tc.detail {
				t.Errorf("run error %+v, want reason %q detail %q", res.RunError, tc.reason, tc.detail)
			}
			if res.Summary.Verdict != CouldNotRun || res.Summary.CertifiedFeatureLevel != NoLevel {
				t.Errorf("summary %+v", res.Summary)
			}
			if err := ValidateSchema(mustJSON(t, res)); err != nil {
				t.Errorf("results do not follow the schema: %v", err)
			}
		})
	}
}

func TestFromGinkgoInterruptedCheck(t *testing.T) {
	iA := info("A", conformance.Core, conformance.V0590)
	r := ginkgoReport("core", failed(spec(iA, types.SpecStateInterrupted), ""))
	res, err := FromGinkgo(r, testRun, []conformance.Info{iA})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Checks[0]
	if c.Outcome != Failed || !strings.HasPrefix(c.Note, "interrupted") || c.Failure == "" {
		t.Errorf("interrupted check = %+v, want failed with a note and a failure text", c)
	}
}

func TestFromGinkgoRefusesChecksOutsideTheCatalogue(t *testing.T) {
	iA := info("A", conformance.Core, conformance.V0590)
	unknown := spec(info("NOT-DECLARED", conformance.Core, conformance.V0590), types.SpecStatePassed)
	unlabelled := spec(iA, types.SpecStatePassed)
	unlabelled.LeafNodeLabels = []string{"core", "since:0.59.0", "status:200"}
	for name, tc := range map[string]struct {
		s     types.SpecReport
		wants []string
	}{
		"an id the catalogue does not declare": {unknown, []string{"catalogue", `"NOT-DECLARED"`, "dm.create does NOT-DECLARED", "suites/dmcreate/x.go:7"}},
		"no id label":                          {unlabelled, []string{"catalogue", "dm.create does A"}},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := FromGinkgo(ginkgoReport("core", spec(iA, types.SpecStatePassed), tc.s), testRun, []conformance.Info{iA})
			if err == nil {
				t.Fatalf("FromGinkgo = %+v, want an error", res)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q: %v", w, err)
				}
			}
		})
	}
	// Without a catalogue, no spec is a check.
	if _, err := FromGinkgo(ginkgoReport("core", spec(iA, types.SpecStatePassed)), testRun, nil); err == nil {
		t.Error("FromGinkgo with no catalogue accepted a check")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
