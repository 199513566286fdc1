package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/rcconform/rcconform/openapi"
)

// Mismatch lists what in a results file does not match what it should be.
type Mismatch struct {
	Problems []string
}

func (m *Mismatch) Error() string {
	return "the results do not match: " + strings.Join(m.Problems, "; ")
}

// ReadFile reads and decodes a results file without verifying it.
func ReadFile(path string) (*Results, error) {
	var r Results
	if err := ReadJSON(path, &r, "the results"); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReadJSON reads the JSON file at path, called what in errors, into v.
func ReadJSON(path string, v any, what string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// Verify re-checks a results file offline: it must follow Schema, its
// checks digest, summary and coverage must be what its check records give,
// and its spec digest must be the embedded spec's. It returns a *Mismatch
// naming every difference, or another error when data is not JSON at all.
func Verify(data []byte) (*Results, error) {
	var raw struct {
		Checks json.RawMessage `json:"checks"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("the results are not a JSON object: %w", err)
	}
	var problems []string
	if err := ValidateSchema(data); err != nil {
		problems = append(problems, "the file does not follow the results schema: "+err.Error())
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, &Mismatch{Problems: append(problems, "the file cannot be decoded as results: "+err.Error())}
	}

	if want := openapi.Digest(); r.SpecDigest != want {
		problems = append(problems, fmt.Sprintf("specDigest %s is not the digest of this harness's spec, %s (a run of another rcconform version?)", r.SpecDigest, want))
	}
	if len(raw.Checks) > 0 {
		digest, err := digestJSON(raw.Checks)
		switch {
		case err != nil:
			problems = append(problems, "the checks cannot be digested: "+err.Error())
		case digest != r.ChecksDigest:
			problems = append(problems, fmt.Sprintf("checksDigest %s is not the digest of the checks, %s: a check record was changed after the run", r.ChecksDigest, digest))
		}
	}
	for _, c := range r.Checks {
		if want := r.Selection.Level.Counts(c.Level); c.Counts != want {
			problems = append(problems, fmt.Sprintf("check %s says counts=%t, but a %s check counts=%t at level %s", c.ID, c.Counts, c.Level, want, r.Selection.Level))
		}
	}
	problems = append(problems, diffSummary(r.Summary, Summarize(r.Checks, r.RunError))...)
	spec, err := openapi.Load()
	if err != nil {
		return nil, fmt.Errorf("load the embedded spec: %w", err)
	}
	if cov := Coverage(spec.Operations(), r.Checks); !reflect.DeepEqual(normCoverage(r.Coverage), normCoverage(cov)) {
		problems = append(problems, "coverage is not what the checks' exchanges give")
	}
	if len(problems) > 0 {
		return &r, &Mismatch{Problems: problems}
	}
	return &r, nil
}

// VerifyFile is Verify on a file; errors other than *Mismatch mean the
// file could not be read or is not JSON.
func VerifyFile(path string) (*Results, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the results: %w", err)
	}
	r, err := Verify(data)
	var m *Mismatch
	if err != nil && !errors.As(err, &m) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, err
}

// diffSummary names each number of got that differs from want.
func diffSummary(got, want Summary) []string {
	var out []string
	diff := func(name string, g, w any) {
		if g != w {
			out = append(out, fmt.Sprintf("summary %s says %v, the checks give %v", name, g, w))
		}
	}
	counts := func(name string, g, w Counts) {
		diff(name+".passed", g.Passed, w.Passed)
		diff(name+".failed", g.Failed, w.Failed)
		diff(name+".skipped", g.Skipped, w.Skipped)
	}
	counts("total", got.Total, want.Total)
	for _, w := range want.Levels {
		var g Counts
		for _, l := range got.Levels {
			if l.Level == w.Level {
				g = l.Counts
			}
		}
		counts("level "+string(w.Level), g, w.Counts)
	}
	for _, w := range want.Features {
		var g Counts
		for _, f := range got.Features {
			if f.Version == w.Version {
				g = f.Counts
			}
		}
		counts("feature "+w.Version, g, w.Counts)
	}
	if len(got.Levels) != len(want.Levels) || len(got.Features) != len(want.Features) {
		out = append(out, "summary lists other levels or feature versions than the harness knows")
	}
	diff("certifiedFeatureLevel", got.CertifiedFeatureLevel, want.CertifiedFeatureLevel)
	diff("verdict", got.Verdict, want.Verdict)
	return out
}

// normCoverage makes empty and missing check lists compare equal.
func normCoverage(cells []CoverageCell) []CoverageCell {
	out := make([]CoverageCell, len(cells))
	for i, c := range cells {
		out[i] = c
		if len(c.Checks) == 0 {
			out[i].Checks = nil
		}
	}
	return out
}
