package detection

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/rcconform/rcconform/conformance"
)

// Where the servers run: one representative release per release line, and
// on it the reference with some choice of the variants the line allows.

// representatives are the releases the servers report, one per line of
// conformance.Lines, in the lines' order (TestRepresentativesCoverEveryLine
// keeps them so).
var representatives = []string{
	"6.4.0", "6.5.0", "6.14.0", "7.2.0", "7.5.0", "7.6.1", "7.9.0",
	"7.10.0", "8.0.0", "8.1.0", "8.4.0", "8.6.1", "8.7.1", "9.0.0",
}

// lineOf names the line of a release ("" when it is on none).
func lineOf(release string) string {
	l, ok := conformance.LineOf(conformance.MustRelease(release))
	if !ok {
		return ""
	}
	return l.Name
}

// variants is a variant per dimension id.
type variants map[string]string

// fullEnv turns on the full matrix (DETECTION_FULL=1): every mutant at
// every line it applies to, every faithful combination of variants, and
// coverage per (line, check).
const fullEnv = "DETECTION_FULL"

func fullMode() bool { v := os.Getenv(fullEnv); return v != "" && v != "0" }

// defaults are the variants the reference emulates at rel when told none:
// the first each dimension allows.
func defaults(rel string) variants {
	r := conformance.MustRelease(rel)
	out := variants{}
	for _, d := range conformance.Dimensions {
		out[d.ID] = conformance.Allowed(r, d.ID)[0]
	}
	return out
}

// valid reports whether vs breaks no constraint that applies at rel.
func valid(rel string, vs variants) bool {
	r := conformance.MustRelease(rel)
	for _, c := range conformance.Constraints {
		if c.Applies(r) && slices.Contains(c.If.Variants, vs[c.If.Dim]) && !slices.Contains(c.Then.Variants, vs[c.Then.Dim]) {
			return false
		}
	}
	return true
}

// allowedAt reports whether rel's line allows every variant of vs.
func allowedAt(rel string, vs variants) bool {
	r := conformance.MustRelease(rel)
	for dim, v := range vs {
		if !slices.Contains(conformance.Allowed(r, dim), v) {
			return false
		}
	}
	return true
}

// combos lists every choice of variants rel's line allows that breaks no
// constraint, the reference's default first, then the fewest changes from
// it first. The lists are made once (the servers' processes look them up
// too); callers must not change them.
func combos(rel string) []variants {
	combosMu.Lock()
	defer combosMu.Unlock()
	if c, ok := combosOf[rel]; ok {
		return c
	}
	c := makeCombos(rel)
	combosOf[rel] = c
	return c
}

var (
	combosMu sync.Mutex
	combosOf = map[string][]variants{}
)

func makeCombos(rel string) []variants {
	r := conformance.MustRelease(rel)
	out := []variants{{}}
	for _, d := range conformance.Dimensions {
		var next []variants
		for _, c := range out {
			for _, v := range conformance.Allowed(r, d.ID) {
				n := maps.Clone(c)
				n[d.ID] = v
				next = append(next, n)
			}
		}
		out = next
	}
	out = slices.DeleteFunc(out, func(vs variants) bool { return !valid(rel, vs) })
	def := defaults(rel)
	slices.SortStableFunc(out, func(a, b variants) int { return changes(def, a) - changes(def, b) })
	return out
}

// changes counts the dimensions where vs differs from base.
func changes(base, vs variants) int {
	n := 0
	for dim, v := range vs {
		if base[dim] != v {
			n++
		}
	}
	return n
}

// alternatives are the fewest combinations that, together, show every
// variant rel's line allows besides its defaults: each takes the
// non-default variants not shown yet, as many as the constraints let one
// server show.
func alternatives(rel string) []variants {
	def := defaults(rel)
	all := combos(rel)
	missing := map[string]bool{}
	for _, vs := range all {
		for dim, v := range vs {
			if v != def[dim] {
				missing[dim+"="+v] = true
			}
		}
	}
	var out []variants
	for len(missing) > 0 {
		best, bestN := variants(nil), 0
		for _, vs := range all {
			n := 0
			for dim, v := range vs {
				if missing[dim+"="+v] {
					n++
				}
			}
			if n > bestN {
				best, bestN = vs, n
			}
		}
		for dim, v := range best {
			delete(missing, dim+"="+v)
		}
		out = append(out, best)
	}
	return out
}

// satisfying returns the combination of rel's line nearest its defaults
// that meets every condition, and false when none does.
func satisfying(rel string, needs []conformance.Cond) (variants, bool) {
	for _, vs := range combos(rel) {
		if meets(vs, needs) {
			return vs, true
		}
	}
	return nil, false
}

func meets(vs variants, needs []conformance.Cond) bool {
	for _, c := range needs {
		if !slices.Contains(c.Variants, vs[c.Dim]) {
			return false
		}
	}
	return true
}

// A placement spec names the reference a server wraps: its release, and
// the variants it emulates where they are not the release's defaults, as
// "7.10.0+names=exact,one-to-one-rid=generated". conformance.ParseRelease
// reads it as the release (it drops "+build" suffixes).

// placementSpec writes the spec of the reference at rel with vs.
func placementSpec(rel string, vs variants) string {
	def := defaults(rel)
	var parts []string
	for _, d := range conformance.Dimensions {
		if v, ok := vs[d.ID]; ok && v != def[d.ID] {
			parts = append(parts, d.ID+"="+v)
		}
	}
	if len(parts) == 0 {
		return rel
	}
	return rel + "+" + strings.Join(parts, ",")
}

// parsePlacement reads a placement spec back: the release and every
// dimension's variant.
func parsePlacement(spec string) (string, variants, error) {
	rel, rest, _ := strings.Cut(spec, "+")
	if _, err := conformance.ParseRelease(rel); err != nil {
		return "", nil, fmt.Errorf("placement %q: %w", spec, err)
	}
	if _, ok := conformance.LineOf(conformance.MustRelease(rel)); !ok {
		return "", nil, fmt.Errorf("placement %q: %s is on no release line", spec, rel)
	}
	vs := defaults(rel)
	if rest != "" {
		for _, kv := range strings.Split(rest, ",") {
			dim, v, err := conformance.ParseVariant(kv)
			if err != nil {
				return "", nil, fmt.Errorf("placement %q: %w", spec, err)
			}
			vs[dim] = v
		}
	}
	return rel, vs, nil
}

// releaseOf is the release part of a placement spec.
func releaseOf(spec string) string {
	rel, _, _ := strings.Cut(spec, "+")
	return rel
}

// expectedFingerprint is what a run should show of a server emulating vs:
// every dimension the setup probes (the member limit is not probed, nor the
// body's shape where a strict parser refuses the probe).
func expectedFingerprint(vs variants) variants {
	out := maps.Clone(vs)
	delete(out, conformance.DimMaxUsers)
	if vs[conformance.DimBodyParser] == conformance.StrictParser {
		delete(out, conformance.DimBodyShape)
	}
	return out
}

// describeVariants writes vs in dimension order.
func describeVariants(vs variants) string {
	var parts []string
	for _, d := range conformance.Dimensions {
		if v, ok := vs[d.ID]; ok {
			parts = append(parts, d.ID+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}
