package detection

import (
	"slices"
	"testing"

	"github.com/rcconform/rcconform/conformance"
)

// These tests need no server: they keep the detection matrix in step with
// the model it is made from.

func TestRepresentativesCoverEveryLine(t *testing.T) {
	if len(representatives) != len(conformance.Lines) {
		t.Fatalf("%d representative releases for %d release lines: each line needs one", len(representatives), len(conformance.Lines))
	}
	for i, l := range conformance.Lines {
		if !l.Releases.Contains(conformance.MustRelease(representatives[i])) {
			t.Errorf("the representative of line %s is %s, which is not on it", l.Name, representatives[i])
		}
	}
}

func TestAlternativesShowEveryAllowedVariant(t *testing.T) {
	for _, rel := range representatives {
		shown := map[string]bool{}
		for _, vs := range append([]variants{defaults(rel)}, alternatives(rel)...) {
			if !valid(rel, vs) || !allowedAt(rel, vs) {
				t.Errorf("%s: the faithful server %s breaks the model", rel, describeVariants(vs))
			}
			for dim, v := range vs {
				shown[dim+"="+v] = true
			}
		}
		for _, vs := range combos(rel) {
			for dim, v := range vs {
				if !shown[dim+"="+v] {
					t.Errorf("%s: no faithful server of the default run shows %s=%s", rel, dim, v)
				}
			}
		}
	}
}

func TestPlacementSpecsRoundTrip(t *testing.T) {
	for _, rel := range representatives {
		for _, vs := range combos(rel) {
			spec := placementSpec(rel, vs)
			got, back, err := parsePlacement(spec)
			if err != nil || got != rel || describeVariants(back) != describeVariants(vs) {
				t.Errorf("%s: read back as %s %v (%v)", spec, got, back, err)
			}
			if r, err := conformance.ParseRelease(spec); err != nil || r.String() != rel {
				t.Errorf("%s: conformance.ParseRelease reads %v (%v), want %s", spec, r, err, rel)
			}
		}
	}
}

// TestMutantCatalogue checks the declarations: MustFail names checks of the
// catalogue; every line has, for every dimension, a server showing each
// variant it excludes (or a reason none can); the deviations the brief
// names are expected of 9.0 and 8.6.1 at --level core.
func TestMutantCatalogue(t *testing.T) {
	mutants, err := catalogueOf(true)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, c := range checkInfos() {
		ids[c.ID] = true
	}
	excluded := map[string]bool{}
	for _, m := range mutants {
		for _, id := range m.MustFail {
			if !ids[id] {
				t.Errorf("mutant %s: MustFail names %s, which is no check of the catalogue", m.Name, id)
			}
		}
		for dim, v := range m.Shows {
			excluded[m.reports(m.Versions[0])+" "+dim+"="+v] = true
		}
		if m.Reports != "" && m.At != nil {
			_, vs, _ := parsePlacement(m.At[0])
			for dim, v := range vs {
				excluded[m.Reports+" "+dim+"="+v] = true
			}
		}
	}
	for _, rel := range representatives {
		r := conformance.MustRelease(rel)
		for _, d := range conformance.Dimensions {
			for _, v := range d.VariantIDs() {
				if slices.Contains(conformance.Allowed(r, d.ID), v) || excluded[rel+" "+d.ID+"="+v] {
					continue
				}
				if why := unobservable(rel, d.ID); why != "" {
					t.Logf("%s: no server shows %s=%s: %s", rel, d.ID, v, why)
					continue
				}
				t.Errorf("%s: no broken server shows %s=%s, which its line excludes", rel, d.ID, v)
			}
		}
	}
	for rel, want := range map[string]map[string]string{
		"9.0.0": {"AUTH-01": "DEV-401-WITHOUT-STATUS"},
		"8.6.1": {"USER-UNKNOWN": "DEV-UNKNOWN-NAME-DROPPED", "PARAMS-MISSING-TEXT": "DEV-TYPED-ROUTE-TEXT"},
	} {
		got := expectedCore(defaults(rel))
		for id, dev := range want {
			if got[id] != dev {
				t.Errorf("at --level core, the reference at %s should fail %s naming %s; expected: %v", rel, id, dev, got)
			}
		}
	}
}
