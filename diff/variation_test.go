package diff

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference"
)

// fingerprintOf is what a reference at version with variants shows along
// every dimension the probes tell apart (not the member limit).
func fingerprintOf(t *testing.T, version string, variants map[string]string) conformance.Fingerprint {
	t.Helper()
	srv, err := reference.New(reference.Config{Version: version, Variants: variants})
	if err != nil {
		t.Fatal(err)
	}
	fp := conformance.Fingerprint{}
	for d, v := range srv.Variants() {
		if d != conformance.DimMaxUsers {
			fp[d] = conformance.Shown{Variant: v, Answer: "…"}
		}
	}
	return fp
}

func variation(t *testing.T, release string, fp conformance.Fingerprint) *Variation {
	t.Helper()
	v, err := NewVariation(release, "given", fp)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNewVariationTakesTheTargetsVariants(t *testing.T) {
	// The 8.6.1 reference's variants, all of which 8.4.0 allows, the
	// typed route included.
	v := variation(t, "8.4.0", fingerprintOf(t, "8.6.1", nil))
	want := map[string]string{"body-shape": "as-parsed", "route": "typed", "names": "exact", "one-to-one-rid": "generated", "coercion": "coerce", "empty-name": "dropped"}
	if !maps.Equal(v.Variants, want) || len(v.NotMatched) != 0 {
		t.Errorf("variants %v (not matched %q), want %v", v.Variants, v.NotMatched, want)
	}
	if v.Line != "8.3–8.5" || !slices.Equal(v.Open["route"], []string{"legacy", "typed"}) {
		t.Errorf("line %q, open %v", v.Line, v.Open)
	}

	// 8.6.1 established the typed route: the legacy one is not taken.
	fp := fingerprintOf(t, "8.6.1", nil)
	fp["route"] = conformance.Shown{Variant: "legacy"}
	v = variation(t, "8.6.1", fp)
	if len(v.Open) != 0 || len(v.Variants) != 0 || len(v.NotMatched) != 1 || !strings.Contains(v.NotMatched[0], "route=legacy: 8.6.1 (the 8.6.x line) does not allow it (it allows typed)") {
		t.Errorf("at 8.6.1: open %v, variants %v, not matched %q", v.Open, v.Variants, v.NotMatched)
	}
}

func TestNewVariationKeepsTheTiesBetweenDimensions(t *testing.T) {
	// Names looked up one by one never drop an empty name: the reference
	// cannot take both, and keeps the other dimensions' variants.
	fp := fingerprintOf(t, "8.4.0", map[string]string{"route": "typed"})
	fp["names"] = conformance.Shown{Variant: "lookup"}
	v := variation(t, "8.4.0", fp)
	if _, ok := v.Variants["names"]; ok || v.Variants["empty-name"] != "dropped" || v.Variants["route"] != "typed" {
		t.Errorf("variants %v, want empty-name=dropped and route=typed kept, names left out", v.Variants)
	}
	if len(v.NotMatched) != 1 || !strings.HasPrefix(v.NotMatched[0], "names=lookup: with the target's other variants it breaks a tie") {
		t.Errorf("not matched %q", v.NotMatched)
	}
	if v.explains("names") {
		t.Error("a dimension the reference could not take explains differences")
	}
}

func TestComparisonRelease(t *testing.T) {
	rel, src, err := ComparisonRelease("8.4.0", "reported by GET /api/info", conformance.Assessment{})
	if err != nil || rel != "8.4.0" || src != "reported by GET /api/info" {
		t.Errorf("a known release: %q, %q, %v", rel, src, err)
	}
	a := conformance.Assess(conformance.Release{}, fingerprintOf(t, "8.6.1", nil))
	rel, src, err = ComparisonRelease("", "not known: the target reported no version.", a)
	if err != nil || rel != "8.3.0" || !strings.Contains(src, "not known: the target reported no version; the comparison is judged at 8.3.0, the first release of the 8.3–8.5 line, the first of the lines the target's fingerprint fits (8.3–8.5, ") {
		t.Errorf("no release: %q, %q, %v", rel, src, err)
	}
}

// answerIndex is the index of check id's answer whose conditions read
// when (e.g. "route=typed"; "" for the one without).
func answerIndex(t *testing.T, v *Variation, id, when string) int {
	t.Helper()
	for i, a := range v.checks[id].Answers {
		if conds(a.When) == when {
			return i
		}
	}
	t.Fatalf("%s has no answer [%s]", id, when)
	return -1
}

func TestExplainCheck(t *testing.T) {
	legacy := variation(t, "8.4.0", fingerprintOf(t, "8.4.0", map[string]string{"route": "legacy"}))
	legacy.SetAgainst(fingerprintOf(t, "8.4.0", map[string]string{"route": "typed"}))
	passed := func(i int) checkRun { return checkRun{outcome: "passed", answered: &conformance.Answered{Index: i}} }
	l, ty := answerIndex(t, legacy, "PARAMS-EMPTY-TEXT", "route=legacy"), answerIndex(t, legacy, "PARAMS-EMPTY-TEXT", "route=typed")

	e := legacy.explainCheck("PARAMS-EMPTY-TEXT", passed(l), passed(ty))
	if e == nil || !slices.Equal(e.Dimensions, []string{"route"}) || !strings.Contains(e.Why, "the target's") {
		t.Fatalf("two answers of the two routes: %+v", e)
	}
	for name, tc := range map[string]struct {
		v               *Variation
		id              string
		target, against checkRun
	}{
		"the same answer":             {legacy, "PARAMS-EMPTY-TEXT", passed(l), passed(l)},
		"failed at the target":        {legacy, "PARAMS-EMPTY-TEXT", checkRun{outcome: "failed"}, passed(ty)},
		"failed at the other":         {legacy, "PARAMS-EMPTY-TEXT", passed(l), checkRun{outcome: "failed", answered: &conformance.Answered{Index: ty}}},
		"the doc page's answer":       {legacy, "PARAMS-MISSING-TEXT", passed(answerIndex(t, legacy, "PARAMS-MISSING-TEXT", "")), passed(answerIndex(t, legacy, "PARAMS-MISSING-TEXT", "route=typed"))},
		"at a release that pins both": {variation(t, "8.6.1", fingerprintOf(t, "8.6.1", nil)), "PARAMS-EMPTY-TEXT", passed(l), passed(ty)},
		"without a variation":         {nil, "PARAMS-EMPTY-TEXT", passed(l), passed(ty)},
	} {
		if e := tc.v.explainCheck(tc.id, tc.target, tc.against); e != nil {
			t.Errorf("%s: explained %+v, want a real difference", name, e)
		}
	}
}

func TestCandidatesAndExplainAnswers(t *testing.T) {
	// The target looks names up (so composes rids and refuses an empty
	// name) on the legacy route; the other matches them exactly on the
	// typed route.
	target := map[string]string{"route": "legacy", "names": "lookup", "one-to-one-rid": "composed", "empty-name": "invalid-username"}
	v := variation(t, "8.4.0", fingerprintOf(t, "8.4.0", target))
	v.SetAgainst(fingerprintOf(t, "8.4.0", map[string]string{"route": "typed"}))
	got := v.Candidates()
	var keys []string
	for _, c := range got {
		keys = append(keys, FormatVariants(c))
		if _, err := reference.New(reference.Config{Version: "8.4.0", Variants: c}); err != nil {
			t.Errorf("the reference refuses the candidate %s: %v", FormatVariants(c), err)
		}
	}
	base, other := v.Base(), got[len(got)-1]
	// The target's first, the other's last, and between them the target's
	// with one of the differing dimensions changed (and those tied to it).
	if len(got) < 3 || !maps.Equal(got[0], base) || !v.AsTarget(base) || !v.AsAgainst(other) || other["route"] != "typed" || other["names"] != "exact" {
		t.Fatalf("candidates:\n%s", strings.Join(keys, "\n"))
	}
	if len(slices.Compact(slices.Sorted(slices.Values(keys)))) != len(keys) {
		t.Errorf("a candidate is listed twice:\n%s", strings.Join(keys, "\n"))
	}
	routeOnly := got[slices.IndexFunc(got, func(c map[string]string) bool { return c["route"] == "typed" && c["names"] == "lookup" })]
	if e := v.ExplainAnswers(base, routeOnly); e != nil {
		t.Errorf("the other server never showed names=lookup, yet %+v", e)
	}
	if e := v.ExplainAnswers(base, other); e == nil || !slices.Equal(e.Dimensions, []string{"route", "names", "one-to-one-rid", "empty-name"}) {
		t.Errorf("the target's and the other's variants: %+v", e)
	}
	if e := v.ExplainAnswers(other, base); e != nil {
		t.Errorf("the target answered as variants it did not show, yet %+v", e)
	}

	// Once the server compared against answers as the target's variants,
	// no reference is needed.
	v.ReferenceStarted = true
	if c := v.Candidates(); c != nil {
		t.Errorf("candidates with the reference started as the target: %v", c)
	}
}
