package detection

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference"
)

// mutant is a server that differs from released Rocket.Chat (the reference
// at a release, with some variants) in exactly one behaviour. Mutants live
// in test code only: the shipped reference has no switch for any of them.
// A mutant is data: where its broken behaviour exists, the middleware that
// breaks it, and what a run against it must show.
type mutant struct {
	Name string
	// Family is filled in from the file (the family) that declares it.
	Family string
	// Description is the one behaviour the mutant breaks, or, for a mutant
	// that must pass, the behaviour it shows.
	Description string
	// Needs are the variants under which the broken behaviour exists (a
	// mutant of the Invalid User body needs names=lookup): the mutant runs
	// at every line that allows them, on the reference showing them. nil:
	// it exists under every variant.
	Needs []conformance.Cond
	// NotWhere leaves out the lines that allow any of these variants: there
	// the broken answer is one of another variant the line allows (a 1:1
	// rid composed in the wrong order is a generated rid), so a faithful
	// server may give it.
	NotWhere []conformance.Cond
	// At pins the placements (specs, see lines_test.go) of a mutant that is
	// particular to one line; it then ignores Needs.
	At []string
	// Reports is the release GET /api/info reports, when it is not the
	// one the reference behind emulates; the run certifies against it.
	Reports string
	// Shows are variants the mutant shows along some dimensions instead of
	// the reference's (show, in variants_test.go, does it); the answers the
	// mutant's own Wrap makes up follow them too.
	Shows variants
	// EveryLine runs the mutant at every line it applies to in the default
	// run too, rather than at one line in rotation.
	EveryLine bool
	// FullOnly runs the mutant in the full run only: another mutant of the
	// same line and dimension stands for it in the default run.
	FullOnly bool
	// Versions are the placements the mutant runs at in this run (full, or
	// one in rotation): filled in by catalogue.
	Versions []string
	// Config changes the reference's configuration; nil keeps the default.
	Config func(*reference.Config)
	// Wrap puts middleware in front of the reference; nil serves it as is.
	// The traffic learner always sits outside it.
	Wrap wrapper
	// MustFail lists check ids of which at least one must fail in every run
	// at Level. Empty for a mutant that only has to pass (PassesAt).
	MustFail []string
	// MessageHas is a phrase the promise of a failing MustFail check must
	// contain: the failure names the behaviour. Phrases separated by "||"
	// are alternatives, for a mutant whose failure reads differently under
	// the variants of different lines.
	MessageHas string
	// OnlyFeatures, for a server lacking a feature, lists the since: versions
	// its failing checks may carry; checks of other features must pass.
	OnlyFeatures []string
	// Level is the level (RC_LEVEL) of the runs that must catch the mutant;
	// "" is the default, compat.
	Level conformance.Level
	// PassesAt lists levels at which a run against the mutant must fail no
	// check that counts: the mutant is behaviour released Rocket.Chat really
	// has (non-atomic creation, TEST_MODE's stack traces).
	PassesAt []conformance.Level
	// AllSeeds runs the mutant under every seed: its catch depends on which
	// rooms exist already, so on the order of the checks.
	AllSeeds bool
}

// memberLimit is the member limit the suite assumes (Rocket.Chat's default).
const memberLimit = 8

// family is one file of mutants, named like the families of the checks.
type family struct {
	name string
	// allSeeds: every mutant of the family depends on room state.
	allSeeds bool
	mutants  func() []mutant
}

func families() []family {
	return []family{
		{"unauthorized", false, unauthorizedMutants},
		{"invalid-params", false, invalidParamsMutants},
		{"invalid-user", false, invalidUserMutants},
		{"success", false, successMutants},
		{"semantics", true, semanticsMutants},
		{"alias", false, aliasMutants},
		{"concurrency", false, concurrencyMutants},
		{"variants", false, variantMutants},
		{"release-lines", false, releaseLineMutants},
		{"inputs", false, inputMutants},
		{"features", false, featureMutants},
		{"test-mode", false, testModeMutants},
	}
}

// catalogue returns the mutants of this run with their family, defaults
// and placements filled in (catalogueOf).
func catalogue() ([]mutant, error) { return catalogueOf(fullMode()) }

// catalogueOf returns the mutants of the full or the default run: in the
// full run every mutant at every line it applies to; in the default run
// the line-particular mutants (but the FullOnly ones) at their lines, the
// EveryLine mutants at every line, and every other at one line in
// rotation.
func catalogueOf(full bool) ([]mutant, error) {
	var out []mutant
	seen := map[string]bool{}
	rotation := 0
	for _, f := range families() {
		for _, m := range f.mutants() {
			m.Family = f.name
			m.AllSeeds = m.AllSeeds || f.allSeeds
			if m.Level == "" {
				m.Level = conformance.Compat
			}
			switch {
			case seen[m.Name]:
				return nil, fmt.Errorf("mutant %s is declared twice", m.Name)
			case len(m.MustFail) == 0 && len(m.PassesAt) == 0:
				return nil, fmt.Errorf("mutant %s must neither fail nor pass anything", m.Name)
			case len(m.MustFail) > 0 && m.MessageHas == "":
				return nil, fmt.Errorf("mutant %s has no MessageHas", m.Name)
			}
			seen[m.Name] = true
			where, err := m.applies()
			if err != nil {
				return nil, err
			}
			if len(where) == 0 {
				return nil, fmt.Errorf("mutant %s applies at no line (needs %v)", m.Name, m.Needs)
			}
			m.Versions = where
			if !full && m.FullOnly {
				continue
			}
			if !full && !m.EveryLine && m.At == nil {
				m.Versions = []string{where[rotation%len(where)]}
				rotation++
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// named reports whether a failure's promise names the mutant's behaviour.
func (m mutant) named(promise string) bool {
	for _, p := range strings.Split(m.MessageHas, "||") {
		if strings.Contains(promise, p) {
			return true
		}
	}
	return false
}

// findMutant returns the mutant declared with this name, as declared: a
// server's process needs nothing else.
func findMutant(name string) (mutant, bool) {
	for _, f := range families() {
		for _, m := range f.mutants() {
			if m.Name == name {
				return m, true
			}
		}
	}
	return mutant{}, false
}

// applies lists the placements where the mutant's broken behaviour exists:
// its own, or at each representative release whose line allows Needs, the
// reference nearest its defaults that shows them.
func (m mutant) applies() ([]string, error) {
	if m.At != nil {
		for _, spec := range m.At {
			rel, vs, err := parsePlacement(spec)
			if err != nil {
				return nil, fmt.Errorf("mutant %s: %w", m.Name, err)
			}
			if !allowedAt(rel, vs) || !valid(rel, vs) {
				return nil, fmt.Errorf("mutant %s: the reference cannot emulate %s at %s", m.Name, describeVariants(vs), rel)
			}
		}
		return m.At, nil
	}
	var out []string
	for _, rel := range representatives {
		if allowsAny(rel, m.NotWhere) {
			continue
		}
		if vs, ok := satisfying(rel, m.Needs); ok {
			out = append(out, placementSpec(rel, vs))
		}
	}
	return out, nil
}

// allowsAny reports whether rel's line allows a variant of any condition.
func allowsAny(rel string, conds []conformance.Cond) bool {
	r := conformance.MustRelease(rel)
	for _, c := range conds {
		for _, v := range conformance.Allowed(r, c.Dim) {
			if slices.Contains(c.Variants, v) {
				return true
			}
		}
	}
	return false
}

// reports is the release a server of this mutant placed at spec reports.
func (m mutant) reports(spec string) string {
	if m.Reports != "" {
		return m.Reports
	}
	return releaseOf(spec)
}

// handler builds the mutant around a fresh reference placed at spec.
func (m mutant) handler(spec string) (http.Handler, error) {
	rel, vs, err := parsePlacement(spec)
	if err != nil {
		return nil, err
	}
	cfg := reference.DefaultConfig()
	cfg.Version = rel
	cfg.Variants = vs
	if m.Config != nil {
		m.Config(&cfg)
	}
	ref, err := reference.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("mutant %s at %s: %w", m.Name, spec, err)
	}
	shown := maps.Clone(variants(ref.Variants()))
	maps.Copy(shown, m.Shows)
	tr := newTraffic(rel, shown)
	cfgMax := cfg.MaxUsers
	var h http.Handler = ref
	// The shown variants go innermost, so that the mutant's own middleware
	// sees the server it breaks.
	for _, d := range conformance.Dimensions {
		if v, ok := m.Shows[d.ID]; ok && v != ref.Variants()[d.ID] {
			h = show(d.ID, v, variants(ref.Variants()), cfgMax)(h, tr)
		}
	}
	if m.Wrap != nil {
		h = m.Wrap(h, tr)
	}
	if m.Reports != "" && m.Reports != rel {
		h = reportVersion(m.Reports)(h, tr)
	}
	return tr.learn(h), nil
}
