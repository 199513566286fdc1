package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/suites/framework"
)

// sealed returns fresh results of three checks, one failed.
func sealed(t *testing.T) *Results {
	t.Helper()
	res := &Results{
		Format: Format, HarnessVersion: "v1.0.0", SpecDigest: openapi.Digest(),
		Target:    Target{URL: "http://127.0.0.1:3000", Kind: "url"},
		Selection: Selection{Level: framework.Compat, Filter: "(core || compat)"},
		StartTime: start, EndTime: start.Add(1e9),
		Checks: []Check{
			chk("A", framework.Core, framework.V0590, Passed, framework.Exchange{Method: "POST", Path: framework.DMCreate, Status: 200}),
			chk("B", framework.Compat, framework.V3010, Passed, framework.Exchange{Method: "POST", Path: framework.IMCreate, Status: 401}),
			chk("C", framework.Compat, framework.V3180, Failed, framework.Exchange{Method: "POST", Path: framework.DMCreate, Status: 400}),
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
	if res.Summary.Verdict != NotConformant || res.Summary.CertifiedFeatureLevel != framework.V3010 {
		t.Errorf("summary %+v", res.Summary)
	}
}

func TestVerifyCatchesEdits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(r *Results)
		wants []string
	}{
		{"outcome", func(r *Results) { r.Checks[2].Outcome, r.Checks[2].Failure = Passed, "" }, []string{"checksDigest", "summary total.failed says 1, the checks give 0", "summary verdict"}},
		{"outcome with a new digest", func(r *Results) {
			r.Checks[2].Outcome, r.Checks[2].Failure = Passed, ""
			r.ChecksDigest, _ = ChecksDigest(r.Checks)
		}, []string{"summary feature 3.18.0.passed says 0, the checks give 1", "summary certifiedFeatureLevel says 3.1.0, the checks give 3.18.0"}},
		{"count", func(r *Results) { r.Summary.Levels[1].Passed = 7 }, []string{"summary level compat.passed says 7, the checks give 1"}},
		{"certified level", func(r *Results) { r.Summary.CertifiedFeatureLevel = framework.V3180 }, []string{"certifiedFeatureLevel"}},
		{"run error", func(r *Results) { r.RunError = &RunError{Reason: "it stopped"} }, []string{"summary verdict says not conformant, the checks give could not run"}},
		{"exchange", func(r *Results) { r.Checks[0].Exchanges[0].Status = 201 }, []string{"checksDigest", "coverage"}},
		{"spec digest", func(r *Results) { r.SpecDigest = "sha256:" + strings.Repeat("0", 64) }, []string{"specDigest"}},
		{"schema", func(r *Results) { r.Checks[0].Outcome = "great" }, []string{"results schema"}},
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
