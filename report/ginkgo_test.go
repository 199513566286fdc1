package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/suites/framework"
)

var start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// spec is an It node's report with framework.Check labels.
func spec(id, level, since string, state types.SpecState) types.SpecReport {
	return types.SpecReport{
		ContainerHierarchyTexts:  []string{"dm.create"},
		ContainerHierarchyLabels: [][]string{{"family:test"}},
		LeafNodeType:             types.NodeTypeIt,
		LeafNodeText:             "does " + id,
		LeafNodeLabels:           []string{"id:" + id, level, "since:" + since, "status:200"},
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

var testRun = Run{HarnessVersion: "v1.0.0", Target: Target{URL: "http://127.0.0.1:3000", Kind: "url"}, Level: framework.Compat}

func TestFromGinkgo(t *testing.T) {
	ex := framework.Exchange{Method: "POST", Path: framework.DMCreate, Status: 200,
		RequestHeaders: map[string]string{"X-Auth-Token": "[redacted]"}, DurationMillis: 1.5}
	inProcess := spec("A", framework.Core, framework.V0590, types.SpecStatePassed)
	inProcess.ReportEntries = types.ReportEntries{
		{Name: framework.ExchangeEntry, Value: types.WrapEntryValue(ex)},
		{Name: "something else", Value: types.WrapEntryValue(42)},
	}
	// A report that crossed processes carries the value as JSON only.
	crossed := spec("B", framework.Core, framework.V3010, types.SpecStatePassed)
	exJSON, _ := json.Marshal(ex)
	crossed.ReportEntries = types.ReportEntries{{Name: framework.ExchangeEntry, Value: types.ReportEntryValue{AsJSON: string(exJSON)}}}
	unselected := spec("C", framework.Compat, framework.V3180, types.SpecStateSkipped)
	unselected.LeafNodeLabels = append(unselected.LeafNodeLabels, "slow")
	selfSkipped := failed(spec("D", framework.Compat, framework.V3180, types.SpecStateSkipped), "the target has no guests")
	broken := failed(spec("E", framework.Compat, framework.V3180, types.SpecStateFailed), "Expected 200, got 400")
	setup := types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStatePassed}

	res, err := FromGinkgo(ginkgoReport("(core || compat) && !slow", setup, inProcess, crossed, unselected, selfSkipped, broken), testRun)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Checks) != 5 {
		t.Fatalf("%d checks, want the 5 It nodes", len(res.Checks))
	}
	a, b, c, d, e := res.Checks[0], res.Checks[1], res.Checks[2], res.Checks[3], res.Checks[4]
	if a.ID != "A" || a.Level != framework.Core || a.Since != framework.V0590 || a.ExpectedStatus != 200 || a.Family != "test" ||
		a.Title != "dm.create does A" || a.Outcome != Passed || a.DurationMillis != 1.5 || a.Location != "suites/dmcreate/x.go:7" {
		t.Errorf("check A = %+v", a)
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
	if e.Outcome != Failed || e.Failure != "Expected 200, got 400" || e.FailureLocation != "suites/dmcreate/x.go:9" {
		t.Errorf("failed check = %+v", e)
	}
	if res.RunError != nil || res.Summary.Verdict != NotConformant || res.Summary.CertifiedFeatureLevel != framework.V3010 {
		t.Errorf("run error %+v, summary %+v", res.RunError, res.Summary)
	}
	if res.SpecDigest == "" || res.ChecksDigest == "" || len(res.Coverage) == 0 || res.Selection.Filter != "(core || compat) && !slow" {
		t.Errorf("results not sealed: %+v", res)
	}
	if _, err := Verify(mustJSON(t, res)); err != nil {
		t.Errorf("fresh results do not verify: %v", err)
	}
}

func TestFromGinkgoRunErrors(t *testing.T) {
	passed := spec("A", framework.Core, framework.V0590, types.SpecStatePassed)
	for _, tc := range []struct {
		name           string
		report         types.Report
		reason, detail string
	}{
		{
			name: "setup could not run",
			report: ginkgoReport("core", failed(types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateFailed},
				framework.CannotRunPrefix+"the target cannot be reached; check the URL\nGet http://x: connection refused")),
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
			report: ginkgoReport("core", passed, failed(spec("B", framework.Core, framework.V0590, types.SpecStateAborted),
				framework.CannotRunPrefix+"the rate limiter kept refusing requests")),
			reason: "the rate limiter kept refusing requests",
		},
		{
			name: "interrupted",
			report: func() types.Report {
				r := ginkgoReport("core", passed, failed(spec("B", framework.Core, framework.V0590, types.SpecStateInterrupted), "interrupted by user"))
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
			report: ginkgoReport("core", spec("A", framework.Core, framework.V0590, types.SpecStateSkipped)),
			reason: "no check ran; check the label filter",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := FromGinkgo(tc.report, testRun)
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
	r := ginkgoReport("core", failed(spec("A", framework.Core, framework.V0590, types.SpecStateInterrupted), ""))
	res, err := FromGinkgo(r, testRun)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Checks[0]
	if c.Outcome != Failed || !strings.HasPrefix(c.Note, "interrupted") || c.Failure == "" {
		t.Errorf("interrupted check = %+v, want failed with a note and a failure text", c)
	}
}

func TestFromGinkgoRefusesUnlabelledChecks(t *testing.T) {
	s := spec("A", framework.Core, framework.V0590, types.SpecStatePassed)
	s.LeafNodeLabels = []string{"core"}
	if _, err := FromGinkgo(ginkgoReport("core", s), testRun); err == nil || !strings.Contains(err.Error(), "framework.Check") {
		t.Errorf("a check without an id gave %v, want an error naming framework.Check", err)
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
