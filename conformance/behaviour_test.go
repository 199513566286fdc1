package conformance

import (
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// The lines cover 6.0.0 to 10.0.0 without a gap or an overlap, and each
// says something about every dimension, with known variants and evidence.
func TestLinesCoverTheKnownReleases(t *testing.T) {
	next := MustRelease("6.0.0")
	for _, l := range Lines {
		if len(l.Releases) != 1 {
			t.Fatalf("line %s: %d intervals, want one", l.Name, len(l.Releases))
		}
		iv := l.Releases[0]
		if iv.From.Compare(next) != 0 {
			t.Errorf("line %s starts at %s, want %s (the end of the line before)", l.Name, iv.From, next)
		}
		next = iv.Before
		if len(l.Behaviour) != len(Dimensions) {
			t.Errorf("line %s says something about %d dimensions, want all %d", l.Name, len(l.Behaviour), len(Dimensions))
		}
		for _, d := range Dimensions {
			a, ok := l.Allowance(d.ID)
			switch {
			case !ok:
				t.Errorf("line %s: nothing about %s", l.Name, d.ID)
			case len(a.Variants) == 0 || len(a.Evidence) == 0:
				t.Errorf("line %s, %s: variants %v with %d pieces of evidence", l.Name, d.ID, a.Variants, len(a.Evidence))
			}
			for _, v := range a.Variants {
				if err := CheckVariant(d.ID, v); err != nil {
					t.Errorf("line %s: %v", l.Name, err)
				}
			}
		}
	}
	if next.Compare(MustRelease("10.0.0")) != 0 || !Known.Contains(MustRelease("9.99.99")) || Known.Contains(MustRelease("10.0.0")) {
		t.Errorf("the lines end at %s, want 10.0.0 (Known %s)", next, Known)
	}
}

// Every line admits at least one combination of its variants that no
// constraint forbids: a genuine release of it exists in the model.
func TestEveryLineHasAConsistentRelease(t *testing.T) {
	for _, l := range Lines {
		rel := l.Releases[0].From
		fp := Fingerprint{}
		for _, a := range l.Behaviour {
			fp[a.Dim] = Shown{Variant: a.Variants[0]}
		}
		if a := Assess(rel, fp); len(a.Problems) > 0 {
			t.Errorf("line %s: its most likely variants contradict: %v", l.Name, a.Problems)
		}
	}
}

func TestAllowedAndDescribe(t *testing.T) {
	tests := []struct {
		release, dim string
		want         []string
	}{
		{"6.4.9", DimEmptyName, []string{UnknownUser}},
		{"6.5.0", DimEmptyName, []string{InvalidName}},
		{"6.5.3", DimMaxUsers, []string{PlainError}},
		{"7.3.9", DimUnauthorized, []string{Restivus}},
		{"7.4.0", DimUnauthorized, []string{Router}},
		{"7.5.2", DimBodyParser, []string{StrictParser}},
		{"7.6.1", DimFormBody, []string{FormUnparsed}},
		{"7.6.2", DimFormBody, []string{FormParsed}},
		{"7.10.0", DimNames, []string{Lookup, Exact}},
		{"8.0.0", DimUnauthorized, []string{Breaking}},
		{"8.0.1", DimUnauthorized, []string{Router}},
		{"8.4.0", DimRoute, []string{Legacy, Typed}},
		{"8.4.0", DimCoercion, []string{NoCoercion, Coerce}},
		{"8.6.1", DimNames, []string{Exact}},
		{"9.0.0", DimUnauthorized, []string{Breaking}},
	}
	for _, tt := range tests {
		if got := Allowed(MustRelease(tt.release), tt.dim); !slices.Equal(got, tt.want) {
			t.Errorf("Allowed(%s, %s) = %v, want %v", tt.release, tt.dim, got, tt.want)
		}
	}
	// Outside the lines, and with no release, every variant some line allows.
	for _, rel := range []Release{{}, MustRelease("5.4.0"), MustRelease("10.1.0")} {
		if got := Allowed(rel, DimUnauthorized); !slices.Equal(got, []string{Restivus, Router, Breaking}) {
			t.Errorf("Allowed(%q, unauthorized) = %v, want every variant", rel, got)
		}
	}
	for rel, want := range map[string]string{
		"7.10.0": "not established, so every variant is accepted: body-shape=spread|as-parsed, names=lookup|exact",
		"8.0.0":  "does not start",
		"5.0.0":  "older than the oldest line",
		"10.0.0": "newer than the newest line",
	} {
		if got := Describe(MustRelease(rel)); !strings.Contains(got, want) {
			t.Errorf("Describe(%s) = %q, want it to say %q", rel, got, want)
		}
	}
}

func TestParseVariant(t *testing.T) {
	if d, v, err := ParseVariant(" names=exact "); err != nil || d != DimNames || v != Exact {
		t.Errorf("ParseVariant = %q %q %v", d, v, err)
	}
	for _, bad := range []string{"names", "names=fuzzy", "colour=red", "=exact"} {
		if _, _, err := ParseVariant(bad); err == nil {
			t.Errorf("ParseVariant(%q) took it", bad)
		}
	}
}

func fingerprintOf(l Line, set map[string]string) Fingerprint {
	fp := Fingerprint{}
	for _, a := range l.Behaviour {
		fp[a.Dim] = Shown{Variant: a.Variants[0], Answer: "x"}
	}
	for d, v := range set {
		fp[d] = Shown{Variant: v, Answer: "x"}
	}
	return fp
}

func TestAssess(t *testing.T) {
	l810 := LineOfName("8.0.1–8.2")
	l6 := LineOfName("6.6–6.x")
	tests := []struct {
		name, release string
		fp            Fingerprint
		problems      []string // phrases, one per expected problem
		lines         []string
		pinned        map[string][]string
	}{
		{name: "a faithful 6.14", release: "6.14.0", fp: fingerprintOf(l6, nil), lines: []string{"6.6–6.x"},
			pinned: map[string][]string{DimNames: {Lookup}}},
		{name: "a 6.14 with the typed route's errors", release: "6.14.0", fp: fingerprintOf(l6, map[string]string{DimRoute: Typed}),
			problems: []string{"route: it answers as typed, which 6.14.0 (the 6.6–6.x line) does not", "route=typed and body-parser=strict contradict"}},
		{name: "an 8.1 in either window variant", release: "8.1.0", fp: fingerprintOf(l810, map[string]string{DimNames: Exact, DimRID: Generated, DimEmptyName: DroppedName}),
			pinned: map[string][]string{DimNames: {Exact}, DimRID: {Generated}}},
		{name: "an 8.1 with looked-up names and generated rids", release: "8.1.0", fp: fingerprintOf(l810, map[string]string{DimNames: Lookup, DimRID: Generated, DimEmptyName: InvalidName}),
			problems: []string{"names=lookup and one-to-one-rid=generated contradict"}},
		{name: "an unrecognised 401", release: "8.1.0", fp: fingerprintOf(l810, map[string]string{DimUnauthorized: ""}),
			problems: []string{"unauthorized: the answer fits none of its variants"}, pinned: map[string][]string{DimUnauthorized: {Router}}},
		{name: "no release, answering like 9.x", release: "", fp: fingerprintOf(LineOfName("9.x"), nil), lines: []string{"9.x"}},
		{name: "no release, like no line", release: "", fp: fingerprintOf(l6, map[string]string{DimUnauthorized: Breaking}),
			problems: []string{"fit no release line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rel Release
			if tt.release != "" {
				rel = MustRelease(tt.release)
			}
			a := Assess(rel, tt.fp)
			if len(a.Problems) != len(tt.problems) {
				t.Fatalf("problems %q, want %d of them: %q", a.Problems, len(tt.problems), tt.problems)
			}
			for i, want := range tt.problems {
				if !strings.Contains(a.Problems[i], want) {
					t.Errorf("problem %d = %q, want it to say %q", i, a.Problems[i], want)
				}
			}
			if tt.lines != nil && !slices.Equal(a.Lines, tt.lines) {
				t.Errorf("lines %v, want %v", a.Lines, tt.lines)
			}
			for d, want := range tt.pinned {
				if !slices.Equal(a.Accepted[d], want) {
					t.Errorf("accepted %s = %v, want %v", d, a.Accepted[d], want)
				}
			}
		})
	}
}

// A core check accepts its doc answer alone at --level core; at compat the
// variants decide, and the doc answer passes unless a deviation that does
// not let it pass is all the release may answer.
func TestAccepts(t *testing.T) {
	dev := func(also bool) *Deviation {
		return &Deviation{ID: "DEV-X", DocAlsoPasses: also, Why: "why", Evidence: []Evidence{{Kind: Source, Where: "w", Says: "s"}}}
	}
	core := func(also bool) Info {
		return Info{ID: "C", Level: Core, Dimensions: []string{DimUnauthorized}, Answers: []Answer{
			{Doc: true, Status: 401, Says: "doc"},
			{When: []Cond{Is(DimUnauthorized, Breaking)}, Deviation: dev(also), Status: 401, Says: "breaking"},
		}}
	}
	compat := Info{ID: "P", Level: Compat, Dimensions: []string{DimNames, DimRID}, Answers: []Answer{
		{When: []Cond{Is(DimNames, Lookup)}, Status: 400, Says: "refused"},
		{When: []Cond{Is(DimNames, Exact), Is(DimRID, Generated)}, Status: 200, Says: "dropped, generated"},
		{Status: 200, Says: "always"},
	}}
	tests := []struct {
		name     string
		info     Info
		level    Level
		accepted map[string][]string
		want     []int
	}{
		{"core at core", core(false), Core, map[string][]string{DimUnauthorized: {Breaking}}, []int{0}},
		{"core at compat, router", core(false), Compat, map[string][]string{DimUnauthorized: {Router}}, []int{0}},
		{"core at compat, breaking, deliberate", core(false), Compat, map[string][]string{DimUnauthorized: {Breaking}}, []int{1}},
		{"core at compat, breaking, regression", core(true), Compat, map[string][]string{DimUnauthorized: {Breaking}}, []int{0, 1}},
		{"core at compat, either", core(false), Compat, map[string][]string{DimUnauthorized: {Router, Breaking}}, []int{0, 1}},
		{"compat, lookup", compat, Compat, map[string][]string{DimNames: {Lookup}, DimRID: {Composed}}, []int{0, 2}},
		{"compat, exact but composed", compat, Compat, map[string][]string{DimNames: {Exact}, DimRID: {Composed}}, []int{2}},
		{"compat, window", compat, Compat, map[string][]string{DimNames: {Lookup, Exact}, DimRID: {Composed, Generated}}, []int{0, 1, 2}},
	}
	for _, tt := range tests {
		if got := tt.info.Accepts(tt.level, tt.accepted); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Accepts = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidateAnswers(t *testing.T) {
	ok := Info{ID: "OK-X", Title: "t", Level: Compat, Since: V0590, Family: "f", Status: 0, Dimensions: []string{DimNames},
		Evidence: []Evidence{{Kind: Source, Where: "w", Says: "s"}},
		Answers:  []Answer{{When: []Cond{Is(DimNames, Lookup)}, Status: 400, Says: "a"}, {When: []Cond{Is(DimNames, Exact)}, Status: 200, Says: "b"}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a valid declaration: %v", err)
	}
	for want, edit := range map[string]func(i *Info){
		"which the check does not declare": func(i *Info) { i.Dimensions = nil },
		"has no variant":                   func(i *Info) { i.Answers[0].When = []Cond{Is(DimNames, "fuzzy")} },
		"must be 0, not 400":               func(i *Info) { i.Status = 400 },
		"but the check declares 0":         func(i *Info) { i.Answers[1].Status = 400 },
		"only core checks":                 func(i *Info) { i.Answers[0].Doc, i.Answers[0].When = true, nil },
		"neither the doc page's":           func(i *Info) { i.Level = Core; i.Evidence = []Evidence{{Kind: Doc, Where: "d", Says: "s"}} },
		"says nothing":                     func(i *Info) { i.Answers[1].Says = " " },
	} {
		i := ok
		i.Answers = slices.Clone(ok.Answers)
		edit(&i)
		if err := i.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error saying %q, got %v", want, err)
		}
	}
}

func TestObservations(t *testing.T) {
	good := `{"release":"7.10.4","image":"rocketchat/rocket.chat:7.10.4","imageDigest":"sha256:abc","date":"2026-12-01","harness":"v1",
		"fingerprint":{"names":{"variant":"exact","answer":"200 ..."},"unauthorized":{"variant":"router","answer":"401 ..."}}}`
	obs, err := LoadObservations(fstest.MapFS{"o/7.10.4.json": {Data: []byte(good)}}, "o")
	if err != nil || len(obs) != 1 {
		t.Fatalf("load a good observation: %v %v", obs, err)
	}
	if e := obs[0].Evidence(DimNames); e.Kind != Observed || !strings.Contains(e.Where, "sha256:abc") || !strings.Contains(e.Says, "exact") {
		t.Errorf("its evidence: %+v", e)
	}
	for want, body := range map[string]string{
		"stand-in":            strings.Replace(good, `"harness"`, `"standIn":true,"harness"`, 1),
		"no image digest":     strings.Replace(good, `"sha256:abc"`, `""`, 1),
		"which the 7.10–7.13": strings.Replace(good, `"router"`, `"breaking"`, 1),
		"no variant":          strings.Replace(good, `"exact"`, `"fuzzy"`, 1),
	} {
		if _, err := LoadObservations(fstest.MapFS{"o/x.json": {Data: []byte(body)}}, "o"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error saying %q, got %v", want, err)
		}
	}
	// The committed ones load (the package would not initialise otherwise)
	// and each narrows its own release only.
	for _, o := range Observations() {
		rel := MustRelease(o.Release)
		for d, s := range o.Fingerprint {
			if got := Allowed(rel, d); !slices.Equal(got, []string{s.Variant}) {
				t.Errorf("observed %s at %s, but Allowed gives %v", s.Variant, rel, got)
			}
		}
	}
}

// docs/releases.md carries the lines table; it must say what the model says.
func TestReleasesDocListsTheLines(t *testing.T) {
	raw, err := os.ReadFile("../docs/releases.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), "<!-- lines-table: generated from conformance.Lines; a test keeps it current -->\n")
	table, _, ok2 := strings.Cut(rest, "<!-- end lines-table -->")
	if !ok || !ok2 {
		t.Fatal("docs/releases.md has no lines-table markers")
	}
	if table != LinesTable() {
		t.Errorf("docs/releases.md's lines table is stale; it should be:\n%s", LinesTable())
	}
}
