package detection

import (
	"fmt"
	"net/http"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference"
)

// mutant is a server that differs from released Rocket.Chat (the reference
// at a release) in exactly one behaviour. Mutants live in test code only:
// the shipped reference has no switch for any of them. A mutant is data: the
// releases it wraps and reports, the middleware that breaks it, and what a
// run against it must show.
type mutant struct {
	Name string
	// Family is filled in from the file (the family) that declares it.
	Family string
	// Description is the one behaviour the mutant breaks, or, for a mutant
	// that must pass, the behaviour it shows.
	Description string
	// Versions are the releases the mutant wraps and reports from GET
	// /api/info, one run (or one per seed) each; nil takes the family's.
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
	// contain: the failure names the behaviour.
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

// Releases the mutants wrap.
const (
	v640        = "6.4.0"  // before 6.5: an empty name is looked up like any other
	v650        = "6.5.0"  // before 6.6: the member limit is a plain error
	v6          = "6.14.0" // the 6.x line
	v8          = "8.6.1"  // the 8.x line
	memberLimit = 8        // the member limit the suite assumes (Rocket.Chat's default)
)

// both is the default of the families whose behaviour both lines share.
var both = []string{v6, v8}

// family is one file of mutants, named like the families of the checks.
type family struct {
	name string
	// versions are the releases its mutants run at unless they say.
	versions []string
	// allSeeds: every mutant of the family depends on room state.
	allSeeds bool
	mutants  func() []mutant
}

func families() []family {
	return []family{
		{"unauthorized", both, false, unauthorizedMutants},
		{"invalid-params", both, false, invalidParamsMutants},
		{"invalid-user", []string{v6}, false, invalidUserMutants},
		{"success", both, false, successMutants},
		{"semantics", both, true, semanticsMutants},
		{"alias", both, false, aliasMutants},
		{"concurrency", both, false, concurrencyMutants},
		{"release-lines", nil, false, releaseLineMutants},
		{"inputs", both, false, inputMutants},
		{"features", both, false, featureMutants},
		{"test-mode", both, false, testModeMutants},
	}
}

// catalogue returns every mutant with its family and defaults filled in.
func catalogue() ([]mutant, error) {
	var out []mutant
	seen := map[string]bool{}
	for _, f := range families() {
		for _, m := range f.mutants() {
			m.Family = f.name
			if m.Versions == nil {
				m.Versions = f.versions
			}
			m.AllSeeds = m.AllSeeds || f.allSeeds
			if m.Level == "" {
				m.Level = conformance.Compat
			}
			switch {
			case seen[m.Name]:
				return nil, fmt.Errorf("mutant %s is declared twice", m.Name)
			case len(m.Versions) == 0:
				return nil, fmt.Errorf("mutant %s runs at no release", m.Name)
			case len(m.MustFail) == 0 && len(m.PassesAt) == 0:
				return nil, fmt.Errorf("mutant %s must neither fail nor pass anything", m.Name)
			case len(m.MustFail) > 0 && m.MessageHas == "":
				return nil, fmt.Errorf("mutant %s has no MessageHas", m.Name)
			}
			seen[m.Name] = true
			out = append(out, m)
		}
	}
	return out, nil
}

// handler builds the mutant around a fresh reference at version.
func (m mutant) handler(version string) (http.Handler, error) {
	cfg := reference.DefaultConfig()
	cfg.Version = version
	if m.Config != nil {
		m.Config(&cfg)
	}
	ref, err := reference.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("mutant %s at %s: %w", m.Name, version, err)
	}
	tr := newTraffic(version)
	var h http.Handler = ref
	if m.Wrap != nil {
		h = m.Wrap(h, tr)
	}
	return tr.learn(h), nil
}
