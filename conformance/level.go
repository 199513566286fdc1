package conformance

import (
	"fmt"
	"slices"
)

// Level says what a check's expectation rests on.
type Level string

const (
	// Core checks enforce only what the dm.create doc page itself states:
	// its examples, its parameter table and its change log.
	Core Level = "core"
	// Compat checks enforce what released Rocket.Chat does, for the
	// target's release line; their evidence is upstream code at a release
	// commit or an upstream test.
	Compat Level = "compat"
	// Recommended checks enforce properties that help clients but that
	// released Rocket.Chat does not guarantee. They count toward the verdict
	// only when a run asks for this level.
	Recommended Level = "recommended"
)

// Levels lists the levels from the narrowest to the widest.
var Levels = []Level{Core, Compat, Recommended}

// ParseLevel returns the level named s.
func ParseLevel(s string) (Level, error) {
	if l := Level(s); slices.Contains(Levels, l) {
		return l, nil
	}
	return "", fmt.Errorf("unknown level %q; the levels are core, compat and recommended", s)
}

// Counts reports whether a check of level c counts toward the verdict of a
// run at level l: a run counts its own level and every narrower one.
func (l Level) Counts(c Level) bool {
	i, j := slices.Index(Levels, l), slices.Index(Levels, c)
	return i >= 0 && j >= 0 && j <= i
}
