// Package detection shows that the dm.create suite catches servers that
// differ from released Rocket.Chat in one behaviour. Each mutant (one file
// per family: mutants_*_test.go and inputs_test.go, the helpers in
// wire_test.go) wraps the reference at the releases it names and reports
// them from GET /api/info; it is served on loopback and the very suite
// binary users run is pointed at it by URL, with the checks in a random
// order (-ginkgo.randomize-all -ginkgo.seed=N). A mutant is caught when, in
// every run, one of its MustFail checks fails with its MessageHas; a mutant
// of released behaviour must fail nothing that counts. Every check of the
// catalogue must fail against some mutant, and the reference must pass at
// every release under every seed.
//
// The seeds are printed. By default every mutant runs under one of five
// fixed seeds, in rotation, and the reference and the mutants whose catch
// depends on room state under all five; DETECTION_SEEDS=N runs every
// mutant under N seeds (and those under max(N, 5)). DETECTION_DEBUG=1 logs,
// for each run, the failure that named the mutant's behaviour. Test code
// only; nothing here ships.
package detection

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/suites/dmcreate"
)

// parallelRuns bounds how many suite runs go at once.
const parallelRuns = 2

// defaultSeeds are the orders the checks run in (-ginkgo.randomize-all
// -ginkgo.seed=N). Each mutant runs under one of them, in rotation; a mutant
// whose catch depends on room state, and the reference, run under all.
var defaultSeeds = []int64{1, 42, 1337, 20250, 65537}

// referenceVersions are the releases the reference must pass at: the two
// certified lines and the older 6.x releases some checks describe alone.
var referenceVersions = []string{v640, v650, v6, v8}

// seedPlan says which seeds the runs use: DETECTION_SEEDS=N runs every
// mutant under N seeds (the fixed list, extended when N > 5).
type seedPlan struct {
	all []int64 // the reference and the AllSeeds mutants run under these
	per int     // every other mutant runs under this many, in rotation
}

func newSeedPlan() (seedPlan, error) {
	p := seedPlan{all: slices.Clone(defaultSeeds), per: 1}
	if v := os.Getenv("DETECTION_SEEDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, fmt.Errorf("DETECTION_SEEDS must be a positive number of seeds, not %q", v)
		}
		p.per = n
		for i := len(p.all); i < n; i++ {
			p.all = append(p.all, 1000003*int64(i)+7)
		}
	}
	return p, nil
}

// seeds returns the seeds of the i-th (mutant, release) pair.
func (p seedPlan) seeds(i int, allSeeds bool) []int64 {
	if allSeeds {
		return p.all
	}
	out := make([]int64, 0, p.per)
	for k := range p.per {
		out = append(out, p.all[(i+k)%len(p.all)])
	}
	return out
}

// outcome is what the runs of one mutant at one release showed.
type outcome struct {
	index   int // in catalogue order
	m       mutant
	version string
	seeds   []int64
	failed  []string // check ids that failed in any run that had to catch it
	// passFailed are the checks that failed in a run that had to pass.
	passFailed []string
	notMet     []string // recommended checks that failed without counting
	ok         bool     // every run showed what it had to
}

func TestEveryMutantIsCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the dm.create suite and runs it against every mutant")
	}
	start := time.Now()
	mutants, err := catalogue()
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]conformance.Info{}
	for _, c := range dmcreate.Catalogue() {
		checks[c.ID] = c
	}
	for _, m := range mutants {
		for _, id := range m.MustFail {
			if _, ok := checks[id]; !ok {
				t.Errorf("mutant %s: MustFail names %s, which is no check of the catalogue", m.Name, id)
			}
		}
	}
	plan, err := newSeedPlan()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeds: %v (the reference and the room-state mutants run under all of them; every other mutant under %d, in rotation)", plan.all, plan.per)
	if t.Failed() {
		t.FailNow()
	}
	bin := buildBinaries(t)
	sem := make(chan struct{}, parallelRuns)
	var runs atomic.Int64
	count := func() { runs.Add(1) }

	// The unmodified reference passes through the very same path, at every
	// release, in every order.
	t.Run("reference", func(t *testing.T) {
		for _, v := range referenceVersions {
			t.Run(v, func(t *testing.T) {
				t.Parallel()
				for _, seed := range plan.all {
					res := runSuite(t, sem, bin, referenceName+"@"+v, seed, conformance.Compat)
					count()
					switch {
					case res.Setup != "":
						t.Errorf("seed %d: the suite's setup failed against the reference:\n%s", seed, res.Setup)
					case res.Checks == 0:
						t.Errorf("seed %d: no check ran against the reference:\n%s", seed, res.Output)
					}
					for _, f := range res.Failed {
						t.Errorf("seed %d: %s fails against the reference %s:\n%s", seed, f.ID, v, f.Message)
					}
					t.Logf("seed %d: %d checks ran, %d failed", seed, res.Checks, len(res.Failed))
				}
			})
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	var mu sync.Mutex
	var outcomes []*outcome
	t.Run("mutants", func(t *testing.T) {
		i := 0
		for _, m := range mutants {
			for _, v := range m.Versions {
				o := &outcome{index: i, m: m, version: v, seeds: plan.seeds(i, m.AllSeeds)}
				i++
				t.Run(m.Name+"@"+v, func(t *testing.T) {
					t.Parallel()
					mu.Lock()
					outcomes = append(outcomes, o)
					mu.Unlock()
					for _, seed := range o.seeds {
						if len(m.MustFail) > 0 {
							res := runSuite(t, sem, bin, m.Name+"@"+v, seed, m.Level)
							count()
							mu.Lock()
							o.failed = append(o.failed, res.failedIDs()...)
							o.notMet = append(o.notMet, res.NotMet...)
							mu.Unlock()
							judge(t, m, v, seed, res)
						}
						for _, level := range m.PassesAt {
							res := runSuite(t, sem, bin, m.Name+"@"+v, seed, level)
							count()
							mu.Lock()
							o.notMet = append(o.notMet, res.NotMet...)
							o.passFailed = append(o.passFailed, res.failedIDs()...)
							mu.Unlock()
							judgePass(t, m, v, seed, level, res)
						}
					}
					mu.Lock()
					o.ok = !t.Failed()
					mu.Unlock()
				})
			}
		}
	})

	slices.SortFunc(outcomes, func(a, b *outcome) int { return a.index - b.index })
	var table strings.Builder
	fmt.Fprintf(&table, "%-48s %-15s %-22s %s\n", "mutant@release", "family", "seeds", "failing checks")
	seen := map[string]bool{}
	caught, passing, mustCatch := 0, 0, 0
	for _, o := range outcomes {
		ids := sortedUnique(o.failed)
		for _, id := range ids {
			seen[id] = true
		}
		var notes []string
		switch {
		case len(o.m.MustFail) == 0 && o.ok:
			passing++
			notes = append(notes, "passes, as released Rocket.Chat does")
		case len(o.m.MustFail) == 0:
			notes = append(notes, "FAILS, though released Rocket.Chat does this: "+strings.Join(sortedUnique(o.passFailed), " "))
		case o.ok:
			mustCatch++
			caught++
		default:
			mustCatch++
			notes = append(notes, "NOT CAUGHT:")
		}
		nm := sortedUnique(o.notMet)
		if len(o.m.MustFail) > 0 && len(o.m.PassesAt) > 0 {
			notes = append(notes, fmt.Sprintf("passes at %v,", o.m.PassesAt))
		}
		if len(nm) > 0 {
			notes = append(notes, "(recommended, not counted: "+strings.Join(nm, " ")+")")
		}
		if len(o.m.MustFail) > 0 && o.m.Level != conformance.Compat {
			notes = append(notes, "at level "+string(o.m.Level)+" fails:")
		}
		fmt.Fprintf(&table, "%-48s %-15s %-22s %s\n", o.m.Name+"@"+o.version, o.m.Family, seedList(o.seeds),
			strings.TrimSpace(strings.Join(notes, " ")+" "+strings.Join(ids, " ")))
	}
	t.Logf("mutant → failing checks\n%s", table.String())
	t.Logf("%d of %d broken mutant releases caught; %d releases of released behaviour pass", caught, mustCatch, passing)
	t.Logf("%s", census(mutants))

	// Every check must be able to fail: some broken server must make it fail.
	var never []string
	for id := range checks {
		if !seen[id] {
			never = append(never, id)
		}
	}
	slices.Sort(never)
	if len(never) > 0 {
		t.Errorf("no broken server makes these checks fail, so nothing shows they can: %v", never)
	}
	t.Logf("%d of %d checks fail against at least one broken server", len(checks)-len(never), len(checks))
	t.Logf("%d suite runs in %s", runs.Load(), time.Since(start).Round(time.Second))
}

// judge asserts that the run caught the mutant for the right reason.
func judge(t *testing.T, m mutant, version string, seed int64, res runResult) {
	t.Helper()
	at := fmt.Sprintf("%s, seed %d, level %s", version, seed, m.Level)
	if res.Setup != "" {
		t.Errorf("%s: the suite's setup failed, so the run proves nothing about %q:\n%s", at, m.Description, res.Setup)
		return
	}
	if len(res.Failed) == 0 {
		t.Errorf("%s: no check failed against a server where %s", at, m.Description)
		return
	}
	var expected []failedCheck
	for _, f := range res.Failed {
		if slices.Contains(m.MustFail, f.ID) {
			expected = append(expected, f)
		}
	}
	if len(expected) == 0 {
		t.Errorf("%s: none of %v failed against a server where %s; failing: %v", at, m.MustFail, m.Description, res.failedIDs())
	} else if !slices.ContainsFunc(expected, func(f failedCheck) bool { return strings.Contains(f.Promise, m.MessageHas) }) {
		var b strings.Builder
		for _, f := range expected {
			fmt.Fprintf(&b, "\n--- %s:\n%s", f.ID, f.Promise)
		}
		t.Errorf("%s: no failure of %v names the behaviour (%q) for a server where %s:%s", at, m.MustFail, m.MessageHas, m.Description, b.String())
	}
	if os.Getenv("DETECTION_DEBUG") != "" {
		for _, f := range expected {
			if strings.Contains(f.Promise, m.MessageHas) {
				t.Logf("DEBUG %s %s: %s", m.Name, f.ID, strings.ReplaceAll(f.Promise, "\n", " | "))
				break
			}
		}
	}
	if m.OnlyFeatures != nil {
		for _, f := range res.Failed {
			if !slices.Contains(m.OnlyFeatures, f.Since) {
				t.Errorf("%s: %s (since:%s) fails against a server that only lacks a feature of %v; a check must not depend on another feature:\n%s",
					at, f.ID, f.Since, m.OnlyFeatures, f.Message)
			}
		}
	}
}

// judgePass asserts that a run against behaviour released Rocket.Chat has
// failed no check that counts at its level.
func judgePass(t *testing.T, m mutant, version string, seed int64, level conformance.Level, res runResult) {
	t.Helper()
	at := fmt.Sprintf("%s, seed %d, level %s", version, seed, level)
	switch {
	case res.Setup != "":
		t.Errorf("%s: the suite's setup failed against a server where %s:\n%s", at, m.Description, res.Setup)
	case res.Checks == 0:
		t.Errorf("%s: no check ran against a server where %s:\n%s", at, m.Description, res.Output)
	}
	for _, f := range res.Failed {
		t.Errorf("%s: %s fails against a server where %s, which released Rocket.Chat does:\n%s", at, f.ID, m.Description, f.Message)
	}
}

// census counts the mutants per family, and the mutant releases per
// release and per line.
func census(mutants []mutant) string {
	fams, rels, lines := map[string]int{}, map[string]int{}, map[string]int{}
	var famOrder, relOrder []string
	for _, m := range mutants {
		if fams[m.Family] == 0 {
			famOrder = append(famOrder, m.Family)
		}
		fams[m.Family]++
		for _, v := range m.Versions {
			if rels[v] == 0 {
				relOrder = append(relOrder, v)
			}
			rels[v]++
			if l, ok := conformance.LineOf(conformance.MustRelease(v)); ok {
				lines[l.Name]++
			}
		}
	}
	slices.SortFunc(relOrder, func(a, b string) int {
		return conformance.MustRelease(a).Compare(conformance.MustRelease(b))
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d mutants; per family:", len(mutants))
	for _, f := range famOrder {
		fmt.Fprintf(&b, " %s %d,", f, fams[f])
	}
	b.WriteString(" mutant releases per line:")
	for _, l := range conformance.Lines {
		if lines[l.Name] > 0 {
			fmt.Fprintf(&b, " %s %d,", l.Name, lines[l.Name])
		}
	}
	b.WriteString(" per release:")
	for _, r := range relOrder {
		fmt.Fprintf(&b, " %s %d,", r, rels[r])
	}
	return strings.TrimSuffix(b.String(), ",")
}

func seedList(seeds []int64) string {
	s := make([]string, len(seeds))
	for i, v := range seeds {
		s[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(s, ",")
}

func sortedUnique(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
