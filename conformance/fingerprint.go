package conformance

import (
	"fmt"
	"slices"
	"strings"
)

// Shown is what a target showed along one dimension.
type Shown struct {
	// Variant is the variant its answer fits; "" when it fits none.
	Variant string `json:"variant,omitempty"`
	// Answer is the answer that showed it, abridged, secrets redacted.
	Answer string `json:"answer"`
}

// Fingerprint is what a target showed along each dimension the run probed.
type Fingerprint map[string]Shown

// String writes the fingerprint as "dim=variant, ..." in dimension order.
func (f Fingerprint) String() string {
	var parts []string
	for _, d := range Dimensions {
		if s, ok := f[d.ID]; ok {
			v := s.Variant
			if v == "" {
				v = "?"
			}
			parts = append(parts, d.ID+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}

// Assessment is what a fingerprint means at a release: the lines it fits,
// what the checks accept along each dimension, and what contradicts.
type Assessment struct {
	// Lines are the lines the checks' expectations come from: the
	// release's own, or, for an unknown release, those the fingerprint fits
	// (every line when it fits none).
	Lines []string `json:"lines"`
	// Accepted is, per dimension, the variants the checks accept: the one
	// shown when the release allows it, else every allowed one.
	Accepted map[string][]string `json:"accepted"`
	// Problems say how the fingerprint contradicts the release or itself.
	Problems []string `json:"problems,omitempty"`
}

// Assess judges fp at rel (zero: not known).
func Assess(rel Release, fp Fingerprint) Assessment {
	var a Assessment
	var lines []Line
	if l, ok := LineOf(rel); ok {
		lines = []Line{l}
		a.Problems = lineProblems(l, rel, fp)
	} else {
		for _, l := range Lines {
			if len(lineProblems(l, Release{}, fp)) == 0 {
				lines = append(lines, l)
			}
		}
		for _, d := range Dimensions {
			if s, ok := fp[d.ID]; ok && s.Variant == "" {
				a.Problems = append(a.Problems, unrecognised(d, s))
			}
		}
		if len(lines) == 0 {
			a.Problems = append(a.Problems, "its answers fit no release line: no Rocket.Chat release answers with this combination ("+fp.String()+")")
			lines = Lines
		}
	}
	for _, l := range lines {
		a.Lines = append(a.Lines, l.Name)
	}
	a.Accepted = map[string][]string{}
	for _, d := range Dimensions {
		allowed := Allowed(rel, d.ID)
		if len(lines) != 1 || !lines[0].Releases.Contains(rel) {
			allowed = nil
			for _, l := range lines {
				for _, v := range l.Allowed(d.ID) {
					if !slices.Contains(allowed, v) {
						allowed = append(allowed, v)
					}
				}
			}
		}
		if s, ok := fp[d.ID]; ok && slices.Contains(allowed, s.Variant) {
			allowed = []string{s.Variant}
		}
		a.Accepted[d.ID] = allowed
	}
	return a
}

// LineOfName returns the line called name (the zero Line when none is).
func LineOfName(name string) Line {
	for _, l := range Lines {
		if l.Name == name {
			return l
		}
	}
	return Line{}
}

func unrecognised(d Dimension, s Shown) string {
	return fmt.Sprintf("%s: the answer fits none of its variants (%s): %s", d.ID, strings.Join(d.VariantIDs(), ", "), s.Answer)
}

// lineProblems says how fp contradicts line l (at rel, when known).
func lineProblems(l Line, rel Release, fp Fingerprint) []string {
	var out []string
	known := !rel.IsZero()
	for _, d := range Dimensions {
		s, ok := fp[d.ID]
		if !ok {
			continue
		}
		if s.Variant == "" {
			if known {
				out = append(out, unrecognised(d, s))
			}
			continue
		}
		allowed := l.Allowed(d.ID)
		if known {
			allowed = Allowed(rel, d.ID)
		}
		if !slices.Contains(allowed, s.Variant) {
			where := "the " + l.Name + " line"
			if known {
				where = fmt.Sprintf("%s (the %s line)", rel, l.Name)
			}
			out = append(out, fmt.Sprintf("%s: it answers as %s, which %s does not (it answers as %s); the answer: %s",
				d.ID, s.Variant, where, strings.Join(allowed, " or "), s.Answer))
		}
	}
	for _, c := range Constraints {
		if !c.Applies(l.Releases[0].From) {
			continue // lines start where constraints do, so the start stands for the line
		}
		got, ok := fp[c.If.Dim]
		if !ok || !slices.Contains(c.If.Variants, got.Variant) {
			continue
		}
		then, ok := fp[c.Then.Dim]
		if ok && then.Variant != "" && !slices.Contains(c.Then.Variants, then.Variant) {
			out = append(out, fmt.Sprintf("%s=%s and %s=%s contradict each other: %s", c.If.Dim, got.Variant, c.Then.Dim, then.Variant, c.Why))
		}
	}
	return out
}
