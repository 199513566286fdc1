package report

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/openapi"
)

// sealed returns fresh results of a run at level compat: three checks that
// count, one of them failed, and a failed recommended check that does not.
func sealed(t *testing.T) *Results {
	t.Helper()
	res := &Results{
		Format: Format, HarnessVersion: "v1.0.0", SpecDigest: openapi.Digest(),
		Target:    testRun.Target,
		Selection: Selection{Level: conformance.Compat, Filter: "(core || compat || recommended)"},
		StartTime: start, EndTime: start.Add(1e9),
		Checks: []Check{
			chk("A", conformance.Core, conformance.V0590, Passed, conformance.Exchange{Method: "POST", Path: dmCreate, Status: 200}),
			chk("B", conformance.Compat, conformance.V3010, Passed, conformance.Exchange{Method: "POST", Path: imCreate, Status: 401}),
			chk("C", conformance.Compat, conformance.V3180, Failed, conformance.Exchange{Method: "POST", Path: dmCreate, Status: 400}),
			chk("R", conformance.Recommended, conformance.V0590, Failed, conformance.Exchange{Method: "POST", Path: dmCreate, Status: 200}),
		},
	}
	if err := Seal(res); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestVerifyAcceptsFreshResults(t *testing.T) {
	res, err := Verify(mustJSON(t, sealed(t)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Verdict != NotConformant || res.Summary.CertifiedFeatureLevel != conformance.V3010 {
		t.Errorf("summary %+v", res.Summary)
	}
	if res.Format != Format || !reflect.DeepEqual(res.Target, testRun.Target) || res.Checks[3].Counts || !res.Checks[2].Counts {
		t.Errorf("decoded results %+v", res)
	}
	// The same records sealed at level recommended verify too.
	rec := sealed(t)
	rec.Selection.Level = conformance.Recommended
	rec.Checks[3].Counts = true
	if err := Seal(rec); err != nil {
		t.Fatal(err)
	}
	if res, err := Verify(mustJSON(t, rec)); err != nil {
		t.Errorf("results at level recommended do not verify: %v", err)
	} else if res.Summary.Verdict != NotConformant || res.Summary.CertifiedFeatureLevel != NoLevel {
		t.Errorf("summary at level recommended %+v", res.Summary)
	}
}

// A repeated credential header is recorded with each value redacted.
func TestVerifyAcceptsRepeatedRedactedHeaders(t *testing.T) {
	res := sealed(t)
	res.Checks[1].Exchanges[0].RequestHeaders = map[string]string{"X-Auth-Token": "[redacted], [redacted]", "X-User-Id": "a, a"}
	if err := Seal(res); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(mustJSON(t, res)); err != nil {
		t.Errorf("results with a repeated, redacted X-Auth-Token do not verify: %v", err)
	}
}

func TestVerifyCatchesEdits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(r *Results)
		wants []string
	}{
		{"outcome", func(r *Results) { r.Checks[2].Outcome, r.Checks[2].Failure = Passed, "" }, []string{"checksDigest", "summary total.failed says 2, the checks give 1", "summary verdict says not conformant, the checks give conformant"}},
		{"outcome with a new digest", func(r *Results) {
			r.Checks[2].Outcome, r.Checks[2].Failure = Passed, ""
			r.ChecksDigest, _ = ChecksDigest(r.Checks)
		}, []string{"summary feature 3.18.0.passed says 0, the checks give 1", "summary certifiedFeatureLevel says 3.1.0, the checks give 3.18.0"}},
		{"count", func(r *Results) { r.Summary.Levels[1].Passed = 7 }, []string{"summary level compat.passed says 7, the checks give 1"}},
		{"recommended count", func(r *Results) { r.Summary.Levels[2].Failed = 0 }, []string{"summary level recommended.failed says 0, the checks give 1"}},
		{"certified level", func(r *Results) { r.Summary.CertifiedFeatureLevel = conformance.V3180 }, []string{"certifiedFeatureLevel"}},
		{"run error", func(r *Results) { r.RunError = &RunError{Reason: "it stopped"} }, []string{"summary verdict says not conformant, the checks give could not run"}},
		{"exchange", func(r *Results) { r.Checks[0].Exchanges[0].Status = 201 }, []string{"checksDigest", "coverage"}},
		{"spec digest", func(r *Results) { r.SpecDigest = "sha256:" + strings.Repeat("0", 64) }, []string{"specDigest"}},
		{"schema", func(r *Results) { r.Checks[0].Outcome = "great" }, []string{"results schema"}},
		{"a token in the clear", func(r *Results) {
			r.Checks[0].Exchanges[0].RequestHeaders = map[string]string{"X-Auth-Token": "[redacted], abc123"}
		}, []string{"results schema", "X-Auth-Token"}},
		{"format", func(r *Results) { r.Format = "rcconform-results/v1" }, []string{"results schema"}},
		{"level", func(r *Results) { r.Selection.Level = "strict" }, []string{"results schema"}},
		{"counts", func(r *Results) { r.Checks[1].Counts = false }, []string{"checksDigest", "check B says counts=false, but a compat check counts=true at level compat"}},
		{"counts with a new digest", func(r *Results) {
			r.Checks[3].Counts = true
			r.ChecksDigest, _ = ChecksDigest(r.Checks)
			r.Summary = Summarize(r.Checks, r.RunError)
		}, []string{"check R says counts=true, but a recommended check counts=false at level compat"}},
		{"selected level", func(r *Results) { r.Selection.Level = conformance.Core }, []string{
			"check B says counts=true, but a compat check counts=false at level core",
			"check C says counts=true, but a compat check counts=false at level core",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := sealed(t)
			tc.edit(res)
			_, err := Verify(mustJSON(t, res))
			var m *Mismatch
			if !errors.As(err, &m) {
				t.Fatalf("Verify = %v, want a *Mismatch", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Verify does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestVerifyFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := VerifyFile(filepath.Join(dir, ResultsFile)); err == nil || errors.As(err, new(*Mismatch)) {
		t.Errorf("a missing file gave %v, want a read error", err)
	}
	path := filepath.Join(dir, ResultsFile)
	if err := os.WriteFile(path, []byte("[1, 2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyFile(path); err == nil || errors.As(err, new(*Mismatch)) {
		t.Errorf("a file that is not JSON gave %v, want a parse error", err)
	}
	if err := WriteResults(path, sealed(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyFile(path); err != nil {
		t.Errorf("written results do not verify: %v", err)
	}
}

// The command's sentences are lines: a results file consistent, changed, or
// missing gives one line per statement and the documented exit code.
func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ResultsFile)
	if err := WriteResults(path, sealed(t)); err != nil {
		t.Fatal(err)
	}
	run := func(arg string) (int, string, string) {
		var out, errb strings.Builder
		code := VerifyCommand(arg, "rcverify", &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, _ := run(dir)
	if code != 0 || !strings.HasPrefix(out, "verified: "+path) || strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("consistent results: exit %d, stdout %q", code, out)
	}
	res := sealed(t)
	res.Checks[2].Outcome, res.Checks[2].Failure = Passed, ""
	if err := os.WriteFile(path, mustJSON(t, res), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(path)
	if code != 1 || !strings.HasPrefix(out, "NOT VERIFIED: ") || !strings.Contains(out, "\n  - ") || strings.Contains(out+errs, `\n`) || !strings.HasPrefix(errs, "rcverify: ") {
		t.Errorf("changed results: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, _, errs = run(filepath.Join(dir, "missing.json"))
	if code != 2 || !strings.HasSuffix(errs, "\n") || strings.Count(errs, "\n") != 1 {
		t.Errorf("missing file: exit %d, stderr %q", code, errs)
	}
}
