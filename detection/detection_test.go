// Package detection shows that the dm.create suite passes every server that
// answers as a release may, and catches servers that differ from released
// Rocket.Chat in one behaviour, on every release line.
//
// Faithful servers: on each line of conformance.Lines, at a representative
// release (lines_test.go), the reference with its default variants and
// servers showing the line's other allowed variants must pass at compat,
// with the fingerprint they emulate in the run's results.json, and fail at
// --level core exactly the checks whose declared deviations their variants
// show. Broken servers (mutants, one file per family: mutants_*_test.go and
// inputs_test.go, the helpers in wire_test.go and variants_test.go) each
// declare the variants their broken behaviour needs and run at the lines
// that allow them; the release-line family is made from the model: per line
// and dimension a server showing a variant the line excludes, and servers
// whose variants contradict each other. Every server is a process of its
// own on loopback, and the very suite binary users run is pointed at it by
// URL, with the checks in a random order (-ginkgo.randomize-all
// -ginkgo.seed=N). A mutant is caught when, in every run, one of its
// MustFail checks fails with its MessageHas.
//
// Two sizes. The default run (part of make test) runs every faithful
// server, every line-particular mutant at its line, the EveryLine mutants
// at every line, and every other mutant at one line in rotation; every
// check must fail against some broken server. DETECTION_FULL=1 (make
// detection-full) runs every faithful combination of variants and every
// mutant at every line it applies to, and every check must fail against a
// broken server on every line.
//
// The seeds are printed. In the full run the reference's default servers,
// and the mutants whose catch depends on room state, run under all five
// fixed seeds, every other run under one of them, in rotation; the default
// run, to stay within make test's time, runs everything under one seed in
// rotation (all five are used). DETECTION_SEEDS=N runs every run under N
// seeds. DETECTION_DEBUG=1 logs, for each run, the failure that
// named the mutant's behaviour. Test code only; nothing here ships.
package detection

import (
	"fmt"
	"maps"
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
const parallelRuns = 4

// mutantSample: by default (make test) one placement of a broken server in
// this many runs, so that the loop stays short; the full run (make
// detection-full, which CI runs) takes every placement of every broken
// server and holds every check to being caught on every line.
const mutantSample = 3

// minChecks is how many checks a faithful server's compat run must run
// (not skip).
const minChecks = 110

// defaultSeeds are the orders the checks run in (-ginkgo.randomize-all
// -ginkgo.seed=N).
var defaultSeeds = []int64{1, 42, 1337, 20250, 65537}

// checkInfos is the catalogue, read once.
var checkInfos = sync.OnceValue(dmcreate.Catalogue)

// seedPlan says which seeds the runs use: DETECTION_SEEDS=N runs every
// run under N seeds (the fixed list, extended when N > 5).
type seedPlan struct {
	all []int64 // in the full run, the default faithful servers and the AllSeeds mutants run under these
	per int     // every other run under this many, in rotation
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

// seeds returns the seeds of the i-th run.
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

// runCounter counts suite runs and their time.
type runCounter struct {
	start time.Time
	n     atomic.Int64
}

func (c *runCounter) String() string {
	return fmt.Sprintf("%d suite runs in %s", c.n.Load(), time.Since(c.start).Round(time.Second))
}

// faithfulServer is the reference at a representative release, with
// variants its line allows.
type faithfulServer struct {
	rel string
	vs  variants
	// def: the reference's defaults at rel.
	def bool
}

func (f faithfulServer) spec() string { return placementSpec(f.rel, f.vs) }

// faithfulServers are the servers of the run: per line, the reference's
// defaults and the fewest others that show every other variant the line
// allows; in the full run, every combination the line allows.
func faithfulServers() []faithfulServer {
	var out []faithfulServer
	for _, rel := range representatives {
		out = append(out, faithfulServer{rel: rel, vs: defaults(rel), def: true})
		others := alternatives(rel)
		if fullMode() {
			others = combos(rel)[1:]
		}
		for _, vs := range others {
			out = append(out, faithfulServer{rel: rel, vs: vs})
		}
	}
	return out
}

// expectedCore is what a faithful server showing vs fails at --level core:
// each core check whose deviation (an answer contradicting the doc page)
// the variants give, with the deviation's id, which the failure names.
func expectedCore(vs variants) map[string]string {
	accepted := map[string][]string{}
	for dim, v := range vs {
		accepted[dim] = []string{v}
	}
	out := map[string]string{}
	for _, c := range checkInfos() {
		if c.Level != conformance.Core {
			continue
		}
		for _, a := range c.Answers {
			if a.Deviation != nil && a.Allows(accepted) {
				out[c.ID] = a.Deviation.ID
			}
		}
	}
	return out
}

// faithfulFailed is set when a faithful server failed: the mutants' runs
// then prove nothing.
var faithfulFailed atomic.Bool

func TestFaithfulServers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the dm.create suite and runs it against the reference on every line")
	}
	plan, err := newSeedPlan()
	if err != nil {
		t.Fatal(err)
	}
	servers := faithfulServers()
	t.Logf("seeds: %v (in the full run the default servers run under all of them, in the default run every server under one, in rotation); %d faithful servers", plan.all, len(servers))
	bin := buildBinaries(t)
	sem := make(chan struct{}, parallelRuns)
	runs := &runCounter{start: time.Now()}

	rows := make([]string, len(servers))
	t.Run("servers", func(t *testing.T) {
		for i, f := range servers {
			t.Run(lineOf(f.rel)+"/"+f.spec(), func(t *testing.T) {
				t.Parallel()
				spec := referenceName + "@" + f.spec()
				want := expectedFingerprint(f.vs)
				checks := 0
				var shown variants
				for _, seed := range plan.seeds(i, f.def && fullMode()) {
					res := runSuite(t, sem, bin, spec, seed, conformance.Compat, true)
					runs.n.Add(1)
					switch {
					case res.Setup != "":
						t.Errorf("seed %d: the suite's setup failed against %s:\n%s", seed, f.spec(), res.Setup)
					case res.Checks < minChecks:
						t.Errorf("seed %d: %d checks ran against %s, want at least %d:\n%s", seed, res.Checks, f.spec(), minChecks, res.Output)
					}
					if res.Exit != 0 {
						t.Errorf("seed %d: the suite exits %d at compat against %s, which answers as %s may, want 0", seed, res.Exit, f.spec(), f.rel)
					}
					for _, fc := range res.Failed {
						t.Errorf("seed %d: %s fails against %s (%s):\n%s", seed, fc.ID, f.spec(), describeVariants(f.vs), fc.Message)
					}
					if got := describeVariants(res.Fingerprint); got != describeVariants(want) {
						t.Errorf("seed %d: results.json shows the fingerprint %q, want the variants the server emulates: %q", seed, got, describeVariants(want))
					}
					checks, shown = res.Checks, res.Fingerprint
				}
				core := expectedCore(f.vs)
				res := runSuite(t, sem, bin, spec, plan.all[i%len(plan.all)], conformance.Core, false)
				runs.n.Add(1)
				judgeCore(t, f, core, res)
				rows[i] = fmt.Sprintf("%-12s %-8s %3d  %s\n%25s core: exit %d%s", lineOf(f.rel), f.rel, checks, describeVariants(shown), "", res.Exit, coreNote(core))
			})
		}
	})
	if t.Failed() {
		faithfulFailed.Store(true)
	}
	t.Logf("line         release  checks run at compat, and the fingerprint results.json shows\n%s", strings.Join(rows, "\n"))
	t.Logf("%d faithful servers on %d lines; %s", len(servers), len(representatives), runs)
}

// judgeCore asserts that a faithful server fails at --level core exactly
// the checks whose deviations it shows, each failure naming its deviation.
func judgeCore(t *testing.T, f faithfulServer, want map[string]string, res runResult) {
	t.Helper()
	if res.Setup != "" {
		t.Errorf("core: the suite's setup failed against %s:\n%s", f.spec(), res.Setup)
		return
	}
	wantExit := 0
	if len(want) > 0 {
		wantExit = 1
	}
	if res.Exit != wantExit {
		t.Errorf("core: the suite exits %d against %s, want %d (deviations %v)", res.Exit, f.spec(), wantExit, want)
	}
	got := map[string]bool{}
	for _, fc := range res.Failed {
		got[fc.ID] = true
		dev, ok := want[fc.ID]
		switch {
		case !ok:
			t.Errorf("core: %s fails against %s, which declares no deviation there:\n%s", fc.ID, f.spec(), fc.Message)
		case !strings.Contains(fc.Message, dev):
			t.Errorf("core: %s fails against %s without naming the deviation %s:\n%s", fc.ID, f.spec(), dev, fc.Message)
		}
	}
	for id, dev := range want {
		if !got[id] {
			t.Errorf("core: %s passes against %s, which shows the deviation %s from the doc page", id, f.spec(), dev)
		}
	}
}

func coreNote(core map[string]string) string {
	if len(core) == 0 {
		return ", nothing fails"
	}
	var parts []string
	for _, id := range slices.Sorted(maps.Keys(core)) {
		parts = append(parts, id+" ("+core[id]+")")
	}
	return ", fails " + strings.Join(parts, " ")
}

// outcome is what the runs of one mutant at one placement showed.
type outcome struct {
	index   int // in run order
	m       mutant
	spec    string
	line    string
	seeds   []int64
	failed  []string // check ids that failed in any run that had to catch it
	setupOK bool     // every run that had to catch it got past the setup
	// passFailed are the checks that failed in a run that had to pass.
	passFailed []string
	notMet     []string // recommended checks that failed without counting
	ran        bool     // its runs happened (-run may select others)
	ok         bool     // every run showed what it had to
}

func TestEveryMutantIsCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the dm.create suite and runs it against every mutant")
	}
	if faithfulFailed.Load() {
		t.Skip("a faithful server failed (TestFaithfulServers): the mutants' runs would prove nothing")
	}
	mutants, err := catalogue()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := newSeedPlan()
	if err != nil {
		t.Fatal(err)
	}
	mode := fmt.Sprintf("default: one placement in %d (of the line-particular and EveryLine mutants at their lines, every other mutant at one line in rotation)", mutantSample)
	if fullMode() {
		mode = "full: every mutant at every line it applies to"
	}
	t.Logf("%s; seeds: %v (in the full run the room-state mutants run under all of them; every other run under %d, in rotation)", mode, plan.all, plan.per)
	bin := buildBinaries(t)
	sem := make(chan struct{}, parallelRuns)
	runs := &runCounter{start: time.Now()}

	var mu sync.Mutex
	var outcomes []*outcome
	t.Run("mutants", func(t *testing.T) {
		i := 0
		for _, m := range mutants {
			for _, spec := range m.Versions {
				o := &outcome{index: i, m: m, spec: spec, line: lineOf(m.reports(spec)), seeds: plan.seeds(i, m.AllSeeds && fullMode()), setupOK: true}
				i++
				if !fullMode() && o.index%mutantSample != 0 {
					continue
				}
				outcomes = append(outcomes, o)
				t.Run(m.Name+"@"+spec, func(t *testing.T) {
					t.Parallel()
					server := m.Name + "@" + spec
					for _, seed := range o.seeds {
						if len(m.MustFail) > 0 {
							res := runSuite(t, sem, bin, server, seed, m.Level, false)
							runs.n.Add(1)
							mu.Lock()
							o.failed = append(o.failed, res.failedIDs()...)
							o.notMet = append(o.notMet, res.NotMet...)
							o.setupOK = o.setupOK && res.Setup == ""
							mu.Unlock()
							judge(t, m, spec, seed, res)
						}
						for _, level := range m.PassesAt {
							if level != conformance.Recommended && slices.Contains(m.PassesAt, conformance.Recommended) {
								continue // a run at recommended counts every check a run at compat or core does
							}
							res := runSuite(t, sem, bin, server, seed, level, false)
							runs.n.Add(1)
							mu.Lock()
							o.notMet = append(o.notMet, res.NotMet...)
							o.passFailed = append(o.passFailed, res.failedIDs()...)
							mu.Unlock()
							judgePass(t, m, spec, seed, level, res)
						}
					}
					mu.Lock()
					o.ok, o.ran = !t.Failed(), true
					mu.Unlock()
				})
			}
		}
	})

	t.Logf("mutant@placement → failing checks\n%s", outcomeTable(outcomes))
	all, err := catalogueOf(true)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", census(mutants, all))

	// Every check must be able to fail: some broken server must make it
	// fail, on every line in the full run.
	ids := make([]string, 0, len(checkInfos()))
	for _, c := range checkInfos() {
		ids = append(ids, c.ID)
	}
	seen := map[string]map[string]bool{} // line → check → failed
	pooled := map[string]bool{}
	for _, o := range outcomes {
		if len(o.m.MustFail) == 0 {
			continue
		}
		if seen[o.line] == nil {
			seen[o.line] = map[string]bool{}
		}
		for _, id := range o.failed {
			seen[o.line][id] = true
			pooled[id] = true
		}
	}
	var never []string
	for _, id := range ids {
		if !pooled[id] {
			never = append(never, id)
		}
	}
	if len(never) > 0 && fullMode() {
		t.Errorf("no broken server makes these checks fail, so nothing shows they can: %v", never)
	}
	t.Logf("%d of %d checks fail against at least one broken server", len(ids)-len(never), len(ids))
	var perLine []string
	var uncaught []string
	for _, rel := range representatives {
		line := lineOf(rel)
		var missing []string
		for _, id := range ids {
			if !seen[line][id] {
				missing = append(missing, id)
			}
		}
		perLine = append(perLine, fmt.Sprintf("%s %d/%d", line, len(ids)-len(missing), len(ids)))
		if len(missing) > 0 {
			uncaught = append(uncaught, fmt.Sprintf("%s: %s", line, strings.Join(missing, " ")))
		}
	}
	t.Logf("checks failing against a broken server, per line: %s", strings.Join(perLine, ", "))
	if fullMode() {
		if len(uncaught) > 0 {
			t.Errorf("(line, check) pairs no broken server makes fail:\n%s", strings.Join(uncaught, "\n"))
		} else {
			t.Logf("every check fails against a broken server on every line (%d lines × %d checks)", len(representatives), len(ids))
		}
	}
	t.Logf("%s", runs)
}

// outcomeTable writes one line per mutant placement: what failed.
func outcomeTable(outcomes []*outcome) string {
	var table strings.Builder
	fmt.Fprintf(&table, "%-70s %-15s %-14s %s\n", "mutant@placement", "family", "seeds", "failing checks")
	for _, o := range outcomes {
		if !o.ran {
			continue
		}
		ids := sortedUnique(o.failed)
		var notes []string
		switch {
		case len(o.m.MustFail) == 0 && o.ok:
			notes = append(notes, "passes, as released Rocket.Chat does")
		case len(o.m.MustFail) == 0:
			notes = append(notes, "FAILS, though released Rocket.Chat does this: "+strings.Join(sortedUnique(o.passFailed), " "))
		case !o.ok:
			notes = append(notes, "NOT CAUGHT:")
		}
		if len(o.m.MustFail) > 0 && len(o.m.PassesAt) > 0 {
			notes = append(notes, fmt.Sprintf("passes at %v,", o.m.PassesAt))
		}
		if nm := sortedUnique(o.notMet); len(nm) > 0 {
			notes = append(notes, "(recommended, not counted: "+strings.Join(nm, " ")+")")
		}
		if len(o.m.MustFail) > 0 && o.m.Level != conformance.Compat {
			notes = append(notes, "at level "+string(o.m.Level)+" fails:")
		}
		fmt.Fprintf(&table, "%-70s %-15s %-14s %s\n", o.m.Name+"@"+o.spec, o.m.Family, seedList(o.seeds),
			strings.TrimSpace(strings.Join(notes, " ")+" "+strings.Join(ids, " ")))
	}
	return table.String()
}

// judge asserts that the run caught the mutant for the right reason.
func judge(t *testing.T, m mutant, spec string, seed int64, res runResult) {
	t.Helper()
	at := fmt.Sprintf("%s, seed %d, level %s", spec, seed, m.Level)
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
	} else if !slices.ContainsFunc(expected, func(f failedCheck) bool { return m.named(f.Promise) }) {
		var b strings.Builder
		for _, f := range expected {
			fmt.Fprintf(&b, "\n--- %s:\n%s", f.ID, f.Promise)
		}
		t.Errorf("%s: no failure of %v names the behaviour (%q) for a server where %s:%s", at, m.MustFail, m.MessageHas, m.Description, b.String())
	}
	if os.Getenv("DETECTION_DEBUG") != "" {
		for _, f := range expected {
			if m.named(f.Promise) {
				t.Logf("DEBUG %s %s: %s", m.Name, f.ID, strings.ReplaceAll(f.Promise, "\n", " | "))
				break
			}
		}
	}
	if m.OnlyFeatures != nil {
		for _, f := range res.Failed {
			// The fingerprint's probes send usernames' text and excludeSelf
			// (3.1.0 and 3.18.0) whatever RELEASE-FINGERPRINT's since: says.
			if !slices.Contains(m.OnlyFeatures, f.Since) && f.ID != "RELEASE-FINGERPRINT" {
				t.Errorf("%s: %s (since:%s) fails against a server that only lacks a feature of %v; a check must not depend on another feature:\n%s",
					at, f.ID, f.Since, m.OnlyFeatures, f.Message)
			}
		}
	}
}

// judgePass asserts that a run against behaviour released Rocket.Chat has
// failed no check that counts at its level.
func judgePass(t *testing.T, m mutant, spec string, seed int64, level conformance.Level, res runResult) {
	t.Helper()
	at := fmt.Sprintf("%s, seed %d, level %s", spec, seed, level)
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

// census counts the mutants per family, and the mutant placements per line
// in this run and in the full run (all).
func census(mutants, all []mutant) string {
	fams := map[string]int{}
	var famOrder []string
	for _, m := range all {
		if fams[m.Family] == 0 {
			famOrder = append(famOrder, m.Family)
		}
		fams[m.Family]++
	}
	perLine := func(ms []mutant) map[string]int {
		out := map[string]int{}
		for _, m := range ms {
			for _, spec := range m.Versions {
				out[lineOf(m.reports(spec))]++
			}
		}
		return out
	}
	here, full := perLine(mutants), perLine(all)
	var b strings.Builder
	fmt.Fprintf(&b, "%d mutants (%d in this run); per family:", len(all), len(mutants))
	for _, f := range famOrder {
		fmt.Fprintf(&b, " %s %d,", f, fams[f])
	}
	b.WriteString(" mutant placements per line, in this run (in the full run):")
	for _, rel := range representatives {
		l := lineOf(rel)
		fmt.Fprintf(&b, " %s %d (%d),", l, here[l], full[l])
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
