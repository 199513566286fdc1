package detection

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/rcconform/rcconform/conformance"
)

// Release-line mutants, made from the model (conformance.Lines and
// conformance.Constraints) rather than written one by one:
//
//   - for each line and each dimension, a server that reports the line's
//     release and answers along that dimension as the line excludes, every
//     other dimension as the line allows: the reference of another release
//     that shows exactly that combination, reporting this one, where one
//     exists; otherwise the reference of this release made to show the
//     variant (show, variants_test.go);
//   - for each line, servers whose variants are each allowed but
//     contradict each other (a constraint), inside a window;
//   - whole servers of one line that report a release of another.
//
// Each is caught by RELEASE-FINGERPRINT (the member limit, which the setup
// does not probe, by the max-users checks), and usually by the checks of the
// dimension too. unobservable lists what no server can show.
func releaseLineMutants() []mutant {
	var out []mutant
	for _, rel := range representatives {
		out = append(out, excludedMutants(rel)...)
		out = append(out, contradictionMutants(rel)...)
	}
	return append(out, misreportMutants()...)
}

// unobservable says why a (line, dimension) pair has no excluded-variant
// mutant, or "" when it has.
func unobservable(rel, dim string) string {
	if dim == conformance.DimBodyShape && slices.Equal(conformance.Allowed(conformance.MustRelease(rel), conformance.DimBodyParser), []string{conformance.StrictParser}) {
		return "a strict body parser refuses every top-level scalar before the route, so how the route would shape one never shows"
	}
	return ""
}

// dimensionChecks are the checks whose answers depend on dim.
func dimensionChecks(dim string) []string {
	var out []string
	for _, c := range checkInfos() {
		if slices.Contains(c.Dimensions, dim) && c.ID != "RELEASE-FINGERPRINT" {
			out = append(out, c.ID)
		}
	}
	return out
}

// excludedMutants are rel's servers that each show one variant rel's line
// excludes. The default run takes one per dimension: a release's own
// behaviour (served elsewhere) where there is one, else the first.
func excludedMutants(rel string) []mutant {
	r := conformance.MustRelease(rel)
	var out []mutant
	for _, d := range conformance.Dimensions {
		if unobservable(rel, d.ID) != "" {
			continue
		}
		var ms []mutant
		chosen := -1
		for _, v := range d.VariantIDs() {
			if slices.Contains(conformance.Allowed(r, d.ID), v) {
				continue
			}
			m := mutant{
				Name:     fmt.Sprintf("line-%s-%s-%s", rel, d.ID, v),
				MustFail: append([]string{"RELEASE-FINGERPRINT"}, dimensionChecks(d.ID)...),
				// The fingerprint's problem names the dimension and the
				// variant shown.
				MessageHas: d.ID + ": it answers as " + v,
				Reports:    rel,
				FullOnly:   true,
			}
			if d.ID == conformance.DimMaxUsers {
				m.MessageHas = "error-direct-message-max-user-exceeded"
			}
			if serve, vs, ok := servedElsewhere(rel, d.ID, v); ok {
				m.At = []string{placementSpec(serve, vs)}
				m.Description = fmt.Sprintf("reports %s but answers %s as %s does (%s): every other dimension as %s may", rel, d.ID, serve, v, rel)
				if chosen < 0 {
					chosen = len(ms)
				}
			} else if showable(d.ID, v) {
				m.At = []string{rel}
				m.Shows = variants{d.ID: v}
				m.Description = fmt.Sprintf("reports %s and answers as it does, except %s as %s", rel, d.ID, v)
			} else {
				continue
			}
			ms = append(ms, m)
		}
		if len(ms) == 0 {
			continue
		}
		ms[max(chosen, 0)].FullOnly = false
		out = append(out, ms...)
	}
	return out
}

// servedElsewhere finds a release of another line whose reference shows
// rel's variants, allowed and consistent at rel, except dim=v.
func servedElsewhere(rel, dim, v string) (string, variants, bool) {
	var best variants
	bestRel, bestN := "", -1
	for _, y := range representatives {
		for _, vs := range combos(y) {
			if vs[dim] != v || !valid(rel, vs) {
				continue
			}
			others := maps.Clone(vs)
			delete(others, dim)
			if !allowedAt(rel, others) {
				continue
			}
			if n := changes(defaults(rel), vs); bestN < 0 || n < bestN {
				best, bestRel, bestN = vs, y, n
			}
		}
	}
	return bestRel, best, bestN >= 0
}

// contradictionMutants are rel's servers whose variants are each allowed at
// rel but break a constraint: the reference showing the constraint's
// premise, made to show a conclusion the constraint forbids.
func contradictionMutants(rel string) []mutant {
	r := conformance.MustRelease(rel)
	var out []mutant
	for _, c := range conformance.Constraints {
		if !c.Applies(r) {
			continue
		}
		for _, a := range conformance.Allowed(r, c.If.Dim) {
			if !slices.Contains(c.If.Variants, a) {
				continue
			}
			base, ok := satisfying(rel, []conformance.Cond{conformance.Is(c.If.Dim, a)})
			if !ok {
				continue
			}
			for _, b := range conformance.Allowed(r, c.Then.Dim) {
				if slices.Contains(c.Then.Variants, b) || !showable(c.Then.Dim, b) {
					continue
				}
				out = append(out, mutant{
					Name:        fmt.Sprintf("contradiction-%s-%s-%s-%s-%s", rel, c.If.Dim, a, c.Then.Dim, b),
					Description: fmt.Sprintf("reports %s and shows %s=%s and %s=%s, each allowed there, which no release shows together: %s", rel, c.If.Dim, a, c.Then.Dim, b, c.Why),
					At:          []string{placementSpec(rel, base)},
					Shows:       variants{c.Then.Dim: b},
					MustFail:    []string{"RELEASE-FINGERPRINT"},
					MessageHas:  "contradict each other",
				})
			}
		}
	}
	return out
}

// misreportMutants are whole servers of one line that report a release of
// another.
func misreportMutants() []mutant {
	return []mutant{
		{
			Name:        "reports-6.14.0-serves-8.6.1",
			Description: "an 8.6.1 server that reports 6.14.0 from GET /api/info",
			At:          []string{"8.6.1"},
			Reports:     "6.14.0",
			MustFail:    []string{"RELEASE-FINGERPRINT", "AUTH-BODY-EXACT", "USER-UNKNOWN-IN-LIST", "SEM-RID-COMPOSED", "PARAMS-MISSING-TEXT"},
			MessageHas:  "6.14.0",
		},
		{
			Name:        "reports-8.6.1-serves-6.14.0",
			Description: "a 6.14.0 server that reports 8.6.1 from GET /api/info",
			At:          []string{"6.14.0"},
			Reports:     "8.6.1",
			MustFail:    []string{"RELEASE-FINGERPRINT", "AUTH-BODY-EXACT", "PARAMS-BROKEN-JSON", "PARAMS-STRING", "PARAMS-NUMBER"},
			MessageHas:  "8.6.1",
		},
	}
}

// reportVersion makes GET /api/info report another release.
func reportVersion(v string) wrapper {
	return onPath("/api/info", func(_ *http.Request, a *answer, _ *traffic) {
		m := a.object()
		if m == nil {
			return
		}
		if info, ok := m["info"].(map[string]any); ok {
			info["version"] = v
			m["version"] = v
		} else {
			m["version"] = v[:strings.LastIndex(v, ".")]
		}
		a.setObject(m)
	})
}

// jsonValid is whether JSON.parse takes the body: one value, nothing after it.
func jsonValid(b []byte) bool { return json.Valid(b) }
