package diff

import (
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strings"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference"
	"github.com/rcconform/rcconform/suites/dmcreate"
)

// Variation is what the release a comparison is judged at allows along
// each dimension of the conformance model. Where the release has not
// established a dimension, two servers may both answer as it may, each
// with another variant: such a difference is known variation, reported
// apart from the real differences, and does not make the servers differ.
type Variation struct {
	// Release is the release the comparison is judged at; Source says how
	// it was chosen.
	Release string `json:"release"`
	Source  string `json:"source"`
	// Line is the release's line; "" for a release no line covers, where
	// nothing counts as known variation.
	Line string `json:"line,omitempty"`
	// Open lists, per dimension the release has not established, the
	// variants it allows.
	Open map[string][]string `json:"open,omitempty"`
	// Variants are the target's variants along the open dimensions, where
	// the release allows them and the reference can emulate them together.
	Variants map[string]string `json:"variants,omitempty"`
	// ReferenceStarted is set when the server compared against is the
	// bundled reference started with Variants, so that it answers as the
	// target's own variant of the release.
	ReferenceStarted bool `json:"referenceStarted"`
	// NotMatched says where the target's fingerprint shows a variant the
	// reference does not take, and why.
	NotMatched []string `json:"notMatched,omitempty"`
	// AgainstVariants are, likewise, the variants the server compared
	// against showed along the open dimensions (see SetAgainst).
	AgainstVariants map[string]string `json:"againstVariants,omitempty"`

	rel    conformance.Release
	checks map[string]conformance.Info
	// pins are what each server's fingerprint showed along each dimension
	// ("" for an answer that fits no variant); a dimension a server
	// showed, but not as a variant the reference could take with the
	// others, explains nothing.
	targetPins, againstPins map[string]string
	unusable                map[string]bool
}

// Explanation says why a difference is known variation.
type Explanation struct {
	// Dimensions are those along which the two answers show different
	// variants, each of which the release allows.
	Dimensions []string `json:"dimensions"`
	Why        string   `json:"why"`
}

// ComparisonRelease is the release a comparison is judged at: the one the
// target's run settled (release, source), or, when the target reports
// none, the first release of the first line its fingerprint fits (the
// lines of its assessment). The sentence says how it was chosen.
func ComparisonRelease(release, source string, a conformance.Assessment) (string, string, error) {
	if release != "" {
		return release, source, nil
	}
	if len(a.Lines) == 0 {
		return "", "", fmt.Errorf("the target reports no release and its assessment names no line")
	}
	l := conformance.LineOfName(a.Lines[0])
	if len(l.Releases) == 0 || l.Releases[0].From.IsZero() {
		return "", "", fmt.Errorf("the line %q has no first release", a.Lines[0])
	}
	rel := l.Releases[0].From.String()
	why := fmt.Sprintf("the first release of the %s line, the first of the lines the target's fingerprint fits (%s)", l.Name, strings.Join(a.Lines, ", "))
	if len(a.Lines) == len(conformance.Lines) && len(a.Problems) > 0 {
		why = fmt.Sprintf("the first release of the oldest line (%s), since the target's fingerprint fits no line", l.Name)
	}
	if source == "" {
		source = "not known"
	}
	return rel, fmt.Sprintf("%s; the comparison is judged at %s, %s", strings.TrimSuffix(source, "."), rel, why), nil
}

// NewVariation judges a comparison at release for a target that showed fp.
// It picks the target's variants the reference can emulate at release:
// along each open dimension the one the target showed, where the release
// allows it, keeping as many as the ties between dimensions let it.
func NewVariation(release, source string, fp conformance.Fingerprint) (*Variation, error) {
	v := &Variation{Release: release, Source: source, checks: map[string]conformance.Info{}, targetPins: pins(fp), unusable: map[string]bool{}}
	for _, info := range dmcreate.Catalogue() {
		v.checks[info.ID] = info
	}
	if release == "" {
		return v, nil
	}
	rel, err := conformance.ParseRelease(release)
	if err != nil {
		return nil, fmt.Errorf("the release of the comparison: %w", err)
	}
	v.rel = rel
	l, ok := conformance.LineOf(rel)
	if !ok {
		return v, nil
	}
	v.Line = l.Name
	v.Open = map[string][]string{}
	var candidates []string // open dimensions whose shown variant the release allows
	for _, d := range conformance.Dimensions {
		allowed := conformance.Allowed(rel, d.ID)
		if len(allowed) > 1 {
			v.Open[d.ID] = allowed
		}
		s, shown := fp[d.ID]
		switch {
		case !shown:
		case s.Variant == "":
			v.unusable[d.ID] = true
		case !slices.Contains(allowed, s.Variant):
			v.unusable[d.ID] = true
			v.NotMatched = append(v.NotMatched, fmt.Sprintf("%s=%s: %s does not allow it (it allows %s)", d.ID, s.Variant, v.where(), strings.Join(allowed, " or ")))
		case len(allowed) > 1:
			candidates = append(candidates, d.ID)
		}
	}
	v.Variants = v.largestConsistent(candidates, fp)
	for _, d := range candidates {
		if _, kept := v.Variants[d]; !kept {
			v.unusable[d] = true
			v.NotMatched = append(v.NotMatched, fmt.Sprintf("%s=%s: with the target's other variants it breaks a tie between dimensions, so the reference keeps %s's default", d, fp[d].Variant, v.where()))
		}
	}
	// The reference is the judge of what it emulates: a refusal here is a
	// harness bug, better reported than started.
	if _, err := reference.New(reference.Config{Version: release, Variants: v.Variants}); err != nil {
		return nil, fmt.Errorf("the reference cannot emulate the target's variants %s at %s: %w", FormatVariants(v.Variants), release, err)
	}
	return v, nil
}

// largestConsistent is the largest subset of the candidates' shown
// variants that breaks no constraint; of subsets alike in size, the one
// that keeps the earlier dimensions.
func (v *Variation) largestConsistent(candidates []string, fp conformance.Fingerprint) map[string]string {
	n := len(candidates)
	best, bestSize := map[string]string{}, -1
	for mask := (1 << n) - 1; mask >= 0; mask-- {
		size := bits.OnesCount(uint(mask))
		if size <= bestSize {
			continue
		}
		a := map[string]string{}
		for i, d := range candidates {
			if mask&(1<<(n-1-i)) != 0 {
				a[d] = fp[d].Variant
			}
		}
		if v.broken(a) == nil {
			best, bestSize = a, size
		}
	}
	return best
}

// effective is what the reference emulates when given a: a's variant
// where it names one, else the release's most likely.
func (v *Variation) effective(a map[string]string) map[string]string {
	out := map[string]string{}
	for _, d := range conformance.Dimensions {
		if x, ok := a[d.ID]; ok {
			out[d.ID] = x
		} else if allowed := conformance.Allowed(v.rel, d.ID); len(allowed) > 0 {
			out[d.ID] = allowed[0]
		}
	}
	return out
}

// broken returns the first constraint a breaks at the release, as the
// reference judges it.
func (v *Variation) broken(a map[string]string) *conformance.Constraint {
	eff := v.effective(a)
	for i, c := range conformance.Constraints {
		if c.Applies(v.rel) && slices.Contains(c.If.Variants, eff[c.If.Dim]) && !slices.Contains(c.Then.Variants, eff[c.Then.Dim]) {
			return &conformance.Constraints[i]
		}
	}
	return nil
}

// pins is what a fingerprint showed, per dimension.
func pins(fp conformance.Fingerprint) map[string]string {
	out := map[string]string{}
	for d, s := range fp {
		out[d] = s.Variant
	}
	return out
}

// SetAgainst records what the server compared against showed: its
// variants along the open dimensions, where the release allows them.
func (v *Variation) SetAgainst(fp conformance.Fingerprint) {
	v.againstPins = pins(fp)
	if len(v.Open) == 0 {
		return
	}
	var candidates []string
	for d, allowed := range v.Open {
		if s, ok := fp[d]; ok {
			if slices.Contains(allowed, s.Variant) {
				candidates = append(candidates, d)
			} else {
				v.unusable[d] = true
			}
		}
	}
	slices.SortFunc(candidates, byModelOrder)
	v.AgainstVariants = v.largestConsistent(candidates, fp)
	for _, d := range candidates {
		if _, kept := v.AgainstVariants[d]; !kept {
			v.unusable[d] = true
		}
	}
}

// Base is the target's variants along every open dimension, completed
// with the release's most likely ones.
func (v *Variation) Base() map[string]string { return v.openOnly(v.effective(v.Variants)) }

func (v *Variation) openOnly(a map[string]string) map[string]string {
	out := map[string]string{}
	for d := range v.Open {
		out[d] = a[d]
	}
	return out
}

// Candidates are the assignments of the open dimensions that references
// must emulate to tell known variation apart, when the server compared
// against is not the reference started with the target's variants
// already: the target's (Base), the other server's, and, to name the one
// dimension that explains a difference, the target's with each dimension
// where they differ changed to the other's (and the others tied to it).
func (v *Variation) Candidates() []map[string]string {
	if v == nil || len(v.Open) == 0 || v.ReferenceStarted {
		return nil
	}
	base := v.Base()
	other := maps.Clone(base)
	maps.Copy(other, v.AgainstVariants)
	if v.broken(other) != nil {
		other = v.openOnly(v.effective(v.AgainstVariants))
	}
	out := []map[string]string{base}
	seen := map[string]bool{key(base): true}
	add := func(a map[string]string) {
		if !seen[key(a)] {
			seen[key(a)] = true
			out = append(out, a)
		}
	}
	for _, d := range differing(base, other) {
		a := maps.Clone(base)
		a[d] = other[d]
		if v.settle(a, d, other) {
			add(a)
		}
	}
	add(other)
	return out
}

// settle changes the open dimensions other than fixed, preferring the
// variants of prefer, until a breaks no constraint; it reports whether it
// got there.
func (v *Variation) settle(a map[string]string, fixed string, prefer map[string]string) bool {
	for range len(conformance.Constraints) + 1 {
		c := v.broken(a)
		if c == nil {
			return true
		}
		// Make the consequence hold, else undo the condition.
		switch {
		case c.Then.Dim != fixed && v.pick(a, c.Then.Dim, prefer, func(x string) bool { return slices.Contains(c.Then.Variants, x) }):
		case c.If.Dim != fixed && v.pick(a, c.If.Dim, prefer, func(x string) bool { return !slices.Contains(c.If.Variants, x) }):
		default:
			return false
		}
	}
	return false
}

// pick sets the open dimension dim to a variant the release allows that
// ok accepts: prefer's when it is one, else the most likely.
func (v *Variation) pick(a map[string]string, dim string, prefer map[string]string, ok func(string) bool) bool {
	for _, x := range append([]string{prefer[dim]}, v.Open[dim]...) {
		if slices.Contains(v.Open[dim], x) && ok(x) {
			a[dim] = x
			return true
		}
	}
	return false
}

// AsTarget reports whether a server with the assignment a of the open
// dimensions could be the target: a agrees with every variant the target
// showed. AsAgainst is the same for the server compared against.
func (v *Variation) AsTarget(a map[string]string) bool  { return agrees(a, v.targetPins) }
func (v *Variation) AsAgainst(a map[string]string) bool { return agrees(a, v.againstPins) }

func agrees(a, pins map[string]string) bool {
	for d, x := range a {
		if p, ok := pins[d]; ok && p != x {
			return false
		}
	}
	return true
}

// key writes an assignment in dimension order.
func key(a map[string]string) string { return FormatVariants(a) }

// differing lists the dimensions where a and b differ, in model order.
func differing(a, b map[string]string) []string {
	var out []string
	for _, d := range conformance.Dimensions {
		if a[d.ID] != b[d.ID] {
			out = append(out, d.ID)
		}
	}
	return out
}

// FormatVariants writes an assignment as "dim=variant, ..." in the
// model's order of dimensions.
func FormatVariants(a map[string]string) string {
	var parts []string
	for _, d := range conformance.Dimensions {
		if x, ok := a[d.ID]; ok {
			parts = append(parts, d.ID+"="+x)
		}
	}
	return strings.Join(parts, ", ")
}

// formatDims writes only the given dimensions of an assignment.
func formatDims(a map[string]string, dims []string) string {
	var parts []string
	for _, d := range dims {
		parts = append(parts, d+"="+a[d])
	}
	return strings.Join(parts, ", ")
}

func (v *Variation) where() string {
	if v.Line == "" {
		return v.Release
	}
	return fmt.Sprintf("%s (the %s line)", v.Release, v.Line)
}

// Describe says in a sentence what the release leaves open and how the
// server compared against was started.
func (v *Variation) Describe() string {
	if v == nil || v.Release == "" {
		return "no release to judge the differences at: every difference counts"
	}
	if v.Line == "" {
		return fmt.Sprintf("%s is on no release line the harness knows: every difference counts", v.Release)
	}
	if len(v.Open) == 0 {
		return fmt.Sprintf("%s establishes every dimension: every difference counts", v.where())
	}
	var open []string
	for _, d := range conformance.Dimensions {
		if vs, ok := v.Open[d.ID]; ok {
			open = append(open, d.ID+"="+strings.Join(vs, "|"))
		}
	}
	s := fmt.Sprintf("%s allows %s", v.where(), strings.Join(open, ", "))
	if v.ReferenceStarted {
		s += "; the reference answers as the target's variants"
		if len(v.Variants) > 0 {
			s += " " + FormatVariants(v.Variants)
		} else {
			s += " (none it can take: the release's most likely ones)"
		}
	}
	if len(v.NotMatched) > 0 {
		s += "; not taken: " + strings.Join(v.NotMatched, "; ")
	}
	return s
}

// checkRun is how a check ended at one server.
type checkRun struct {
	outcome  string
	answered *conformance.Answered
}

// allowed is every variant the release allows, per dimension.
func (v *Variation) allowed() map[string][]string {
	out := map[string][]string{}
	for _, d := range conformance.Dimensions {
		out[d.ID] = conformance.Allowed(v.rel, d.ID)
	}
	return out
}

// explainCheck decides, from what each server's run of check id recorded,
// whether its differing exchanges are known variation: the check passed at
// both, each with another of its answers, both answers ones the release
// allows, under variants of an open dimension that exclude each other.
// A passing check took an answer of the variants its server showed, since
// the run accepts only those where the release allows them.
// Both servers' answers then hold the check's assertions for a variant of
// the release; an answer that holds for every release (the doc page's,
// say) explains nothing.
func (v *Variation) explainCheck(id string, target, against checkRun) *Explanation {
	if v == nil || len(v.Open) == 0 || target.outcome != "passed" || against.outcome != "passed" || target.answered == nil || against.answered == nil {
		return nil
	}
	info, ok := v.checks[id]
	i, j := target.answered.Index, against.answered.Index
	if !ok || i == j || i < 0 || j < 0 || i >= len(info.Answers) || j >= len(info.Answers) {
		return nil
	}
	a, b := info.Answers[i], info.Answers[j]
	allowed := v.allowed()
	if !a.Allows(allowed) || !b.Allows(allowed) {
		return nil
	}
	var dims []string
	for _, x := range a.When {
		for _, y := range b.When {
			if x.Dim == y.Dim && v.explains(x.Dim) && !slices.ContainsFunc(x.Variants, func(s string) bool { return slices.Contains(y.Variants, s) }) && !slices.Contains(dims, x.Dim) {
				dims = append(dims, x.Dim)
			}
		}
	}
	if len(dims) == 0 {
		return nil
	}
	slices.SortFunc(dims, byModelOrder)
	return &Explanation{Dimensions: dims, Why: fmt.Sprintf(
		"%s passed at both servers with answers of variants %s allows: the target's %q [%s], the other's %q [%s]",
		id, v.where(), a.Says, conds(a.When), b.Says, conds(b.When))}
}

// explains reports whether dim can explain a difference: the release has
// not established it, and neither server showed along it a variant the
// reference could not take.
func (v *Variation) explains(dim string) bool { return len(v.Open[dim]) > 0 && !v.unusable[dim] }

// ExplainAnswers explains a difference between two answers: the target
// answered as the reference at the release with the variants t, the server
// compared against as with a (each along every open dimension). It is nil
// unless t may be the target's variants and a the other's, and they differ
// only along dimensions that can explain it.
func (v *Variation) ExplainAnswers(t, a map[string]string) *Explanation {
	dims := differing(t, a)
	if len(dims) == 0 || !v.AsTarget(t) || !(v.AsAgainst(a) || v.ReferenceStarted) || slices.ContainsFunc(dims, func(d string) bool { return !v.explains(d) }) {
		return nil
	}
	return &Explanation{Dimensions: dims, Why: fmt.Sprintf(
		"the target answers as the reference at %s with %s, the server compared against as with %s: %s allows both",
		v.Release, formatDims(t, dims), formatDims(a, dims), v.Release)}
}

func byModelOrder(a, b string) int {
	index := func(id string) int {
		return slices.IndexFunc(conformance.Dimensions, func(d conformance.Dimension) bool { return d.ID == id })
	}
	return index(a) - index(b)
}

func conds(cs []conformance.Cond) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, ", ")
}
