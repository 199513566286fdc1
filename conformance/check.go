package conformance

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// EvidenceKind says where an expectation comes from.
type EvidenceKind string

const (
	// Doc is a passage of Rocket.Chat's dm.create doc page (the official
	// OpenAPI description): the only evidence a core check may have.
	Doc EvidenceKind = "doc"
	// Source is an upstream file at a release commit.
	Source EvidenceKind = "source"
	// Test is an upstream test.
	Test EvidenceKind = "test"
	// Reasoning is the argument for a recommended property, or a note on
	// what the sources could not establish.
	Reasoning EvidenceKind = "reasoning"
	// Observed is what a real release answered when a run probed it
	// (release, image digest, date, the answers).
	Observed EvidenceKind = "observed"
)

// Evidence is one reason to expect what a check expects.
type Evidence struct {
	Kind EvidenceKind `json:"kind"`
	// Where names the passage: the doc page's section, or
	// "RocketChat/Rocket.Chat@<commit> <path>:<lines>".
	Where string `json:"where,omitempty"`
	// Says is what it shows, in a sentence or a short quote.
	Says string `json:"says"`
}

// Info is a check declared as data: what it expects, for which releases,
// and why.
type Info struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Level Level  `json:"level"`
	// Since is the feature version of the documented key the check needs.
	Since string `json:"since"`
	// Status is the HTTP status of every answer the check accepts; 0 when
	// it depends on the release (each answer then says its own).
	Status   int        `json:"status"`
	Family   string     `json:"family"`
	Evidence []Evidence `json:"evidence"`
	// Dimensions are those whose variants decide the answer the check
	// expects; Answers are those answers. A check without them expects the
	// same answer at every release.
	Dimensions []string `json:"dimensions,omitempty"`
	Answers    []Answer `json:"answers,omitempty"`
}

// Answer is one answer a check accepts, and when.
type Answer struct {
	// When lists the variants under which a release gives this answer;
	// empty for the doc page's own answer, or one every release gives.
	When []Cond `json:"when,omitempty"`
	// Doc marks the doc page's own answer (core checks).
	Doc bool `json:"doc,omitempty"`
	// Deviation, on an answer of a core check, declares that the releases
	// showing When contradict the doc page.
	Deviation *Deviation `json:"deviation,omitempty"`
	Status    int        `json:"status"`
	Says      string     `json:"says"`
}

// Deviation is a release's answer that contradicts the doc page. At
// --level core it fails (the page is the contract); at compat it passes,
// and the doc page's own answer passes too only when DocAlsoPasses.
type Deviation struct {
	ID string `json:"id"`
	// DocAlsoPasses is true where the release's answer is a regression
	// nobody relies on, false where it is a deliberate change clients may
	// rely on.
	DocAlsoPasses bool       `json:"docAlsoPasses"`
	Why           string     `json:"why"`
	Evidence      []Evidence `json:"evidence"`
}

// Allows reports whether the answer is one a release with the accepted
// variants (dimension → variants) may give: each of its conditions meets
// one of them.
func (a Answer) Allows(accepted map[string][]string) bool {
	for _, c := range a.When {
		if !slices.ContainsFunc(accepted[c.Dim], func(v string) bool { return slices.Contains(c.Variants, v) }) {
			return false
		}
	}
	return true
}

// forced reports whether every accepted variant meets the answer's
// conditions: a release with them cannot answer otherwise.
func (a Answer) forced(accepted map[string][]string) bool {
	for _, c := range a.When {
		for _, v := range accepted[c.Dim] {
			if !slices.Contains(c.Variants, v) {
				return false
			}
		}
	}
	return len(a.When) > 0
}

// Accepts returns the indexes of the answers a run at level accepts from a
// target with the accepted variants. At --level core a core check accepts
// its doc answer alone. Otherwise an answer is accepted when the variants
// allow it; the doc answer of a core check is accepted unless a deviation
// that does not let it pass is the only thing the release may answer.
func (i Info) Accepts(level Level, accepted map[string][]string) []int {
	var out []int
	for n, a := range i.Answers {
		switch {
		case a.Doc && (level == Core || !i.docExcluded(accepted)):
			out = append(out, n)
		case a.Doc, level == Core && i.Level == Core:
		case a.Allows(accepted):
			out = append(out, n)
		}
	}
	return out
}

func (i Info) docExcluded(accepted map[string][]string) bool {
	for _, a := range i.Answers {
		if a.Deviation != nil && !a.Deviation.DocAlsoPasses && a.forced(accepted) {
			return true
		}
	}
	return false
}

var idPattern = regexp.MustCompile(`^[A-Z0-9]+(-[A-Z0-9]+)*$`)

func documentedStatus(s int) bool { return s == 200 || s == 400 || s == 401 }

// validateAnswers checks the answers against the dimensions and the level:
// known variants of declared dimensions; a core check's answers are its
// doc answer and deviations; the status is fixed exactly when every answer
// shares it.
func (i Info) validateAnswers(bad func(string, ...any)) {
	if len(i.Answers) == 0 {
		// A check that judges the dimensions themselves sees several
		// statuses (status 0) and gives no answers of its own.
		if !documentedStatus(i.Status) && !(i.Status == 0 && len(i.Dimensions) > 0) {
			bad("expected status %d is not one dm.create documents", i.Status)
		}
		return
	}
	statuses := map[int]bool{}
	docs := 0
	for n, a := range i.Answers {
		statuses[a.Status] = true
		if !documentedStatus(a.Status) {
			bad("answer %d: status %d is not one dm.create documents", n+1, a.Status)
		}
		if strings.TrimSpace(a.Says) == "" {
			bad("answer %d says nothing", n+1)
		}
		if a.Doc {
			docs++
			if len(a.When) > 0 || a.Deviation != nil {
				bad("answer %d: the doc page's answer holds whatever the release", n+1)
			}
		}
		for _, c := range a.When {
			if !slices.Contains(i.Dimensions, c.Dim) {
				bad("answer %d depends on %s, which the check does not declare", n+1, c.Dim)
			}
			for _, v := range c.Variants {
				if err := CheckVariant(c.Dim, v); err != nil {
					bad("answer %d: %v", n+1, err)
				}
			}
		}
		switch {
		case i.Level == Core && !a.Doc && a.Deviation == nil:
			bad("answer %d of a core check is neither the doc page's nor a declared deviation", n+1)
		case i.Level != Core && (a.Doc || a.Deviation != nil):
			bad("answer %d: only core checks have doc answers and deviations", n+1)
		case a.Deviation != nil && (len(a.When) == 0 || strings.TrimSpace(a.Deviation.Why) == "" || len(a.Deviation.Evidence) == 0):
			bad("answer %d: a deviation needs its variants, its reasoning and its evidence", n+1)
		}
	}
	if i.Level == Core && docs != 1 {
		bad("a core check with answers needs exactly one doc answer, not %d", docs)
	}
	if len(statuses) == 1 && !statuses[i.Status] {
		bad("every answer has status %v, but the check declares %d", slices.Collect(maps.Keys(statuses)), i.Status)
	}
	if len(statuses) > 1 && i.Status != 0 {
		bad("the answers' statuses differ, so the check's status must be 0, not %d", i.Status)
	}
	for _, d := range i.Dimensions {
		if _, ok := DimensionByID(d); !ok {
			bad("unknown dimension %q", d)
		}
	}
}

// Validate reports what is wrong with the declaration: an id that is not
// UPPER-KEBAB, an unknown level, feature version or status, an empty range,
// or evidence that does not fit the level (core rests on the doc page
// alone, compat on an upstream file or test, recommended on reasoning).
func (i Info) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !idPattern.MatchString(i.ID) {
		bad("id %q is not UPPER-KEBAB-CASE", i.ID)
	}
	if strings.TrimSpace(i.Title) == "" {
		bad("no title")
	}
	if !slices.Contains(Levels, i.Level) {
		bad("unknown level %q", i.Level)
	}
	if !slices.Contains(FeatureVersions, i.Since) {
		bad("unknown feature version %q (known: %v)", i.Since, FeatureVersions)
	}
	i.validateAnswers(bad)
	if i.Family == "" {
		bad("no family")
	}
	if len(i.Evidence) == 0 {
		bad("no evidence")
	}
	kinds := map[EvidenceKind]bool{}
	for _, e := range i.Evidence {
		kinds[e.Kind] = true
		if strings.TrimSpace(e.Says) == "" {
			bad("evidence of kind %q says nothing", e.Kind)
		}
		if e.Kind != Reasoning && strings.TrimSpace(e.Where) == "" {
			bad("evidence of kind %q does not say where it is", e.Kind)
		}
	}
	switch i.Level {
	case Core:
		for k := range kinds {
			if k != Doc {
				bad("a core check rests on the doc page alone, but has %s evidence", k)
			}
		}
	case Compat:
		if !kinds[Source] && !kinds[Test] {
			bad("a compat check needs an upstream file at a release commit or an upstream test")
		}
	case Recommended:
		if !kinds[Reasoning] {
			bad("a recommended check needs its reasoning")
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("check %s: %w", i.ID, errors.Join(errs...))
	}
	return nil
}

// ValidateCatalogue checks every declaration and rejects duplicate ids.
func ValidateCatalogue(infos []Info) error {
	var errs []error
	seen := map[string]bool{}
	for _, i := range infos {
		if err := i.Validate(); err != nil {
			errs = append(errs, err)
		}
		if seen[i.ID] {
			errs = append(errs, fmt.Errorf("check id %s is declared twice", i.ID))
		}
		seen[i.ID] = true
	}
	return errors.Join(errs...)
}

// Label keys. Labels carry what Ginkgo filters on; reports find a check's
// metadata in the catalogue by its id, the only label they read back.
const (
	labelID     = "id:"
	labelSince  = "since:"
	labelStatus = "status:"
	labelFamily = "family:"
)

// Labels are the Ginkgo labels of the check, for --label-filter:
// "id:AUTH-01", the level ("core"), "since:0.59.0", "status:401" (one per
// status its answers may have) and "family:unauthorized".
func (i Info) Labels() []string {
	out := []string{labelID + i.ID, string(i.Level), labelSince + i.Since}
	for _, s := range i.Statuses() {
		out = append(out, labelStatus+strconv.Itoa(s))
	}
	return append(out, labelFamily+i.Family)
}

// Statuses lists the statuses of the answers the check accepts at some
// release, in order.
func (i Info) Statuses() []int {
	if len(i.Answers) == 0 {
		if i.Status == 0 {
			return nil
		}
		return []int{i.Status}
	}
	var out []int
	for _, a := range i.Answers {
		if !slices.Contains(out, a.Status) {
			out = append(out, a.Status)
		}
	}
	slices.Sort(out)
	return out
}

// IDFromLabels returns the check id among a spec's labels.
func IDFromLabels(labels []string) (string, bool) {
	for _, l := range labels {
		if id, ok := strings.CutPrefix(l, labelID); ok {
			return id, true
		}
	}
	return "", false
}

// AnswerEntry names the report entry in which a check that accepts several
// answers records the one it took.
const AnswerEntry = "answer"

// Answered is the answer a passing check took.
type Answered struct {
	Index     int    `json:"index"`
	Says      string `json:"says"`
	Deviation string `json:"deviation,omitempty"`
}

// Notes that carry a meaning from a run to its reports.
const (
	// CannotRunPrefix starts the failure message of a run stopped without
	// a verdict; the sentence after it says what to do.
	CannotRunPrefix = "rcconform: the run cannot go on: "
	// RecommendedNotMet starts the note of a recommended check that failed
	// at a level where it does not count.
	RecommendedNotMet = "recommended property not met (it counts only at --level recommended): "
)
