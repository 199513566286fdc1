package conformance

import (
	"errors"
	"fmt"
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
	// Releases are the Rocket.Chat releases whose behaviour the expectation
	// describes; for a target outside them the check is skipped.
	Releases Releases `json:"releases"`
	// ReleaseNote says why the releases stop where they do, when the
	// evidence alone does not: e.g. that a later release is known to differ,
	// or that the sources cannot establish what a release line does.
	ReleaseNote string `json:"releaseNote,omitempty"`
	// Status is the HTTP status the check expects.
	Status   int        `json:"status"`
	Family   string     `json:"family"`
	Evidence []Evidence `json:"evidence"`
}

var idPattern = regexp.MustCompile(`^[A-Z0-9]+(-[A-Z0-9]+)*$`)

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
	if err := i.Releases.Validate(); err != nil {
		bad("%v", err)
	}
	switch i.Status {
	case 200, 400, 401:
	default:
		bad("expected status %d is not one dm.create documents", i.Status)
	}
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

// Applies reports whether the check describes release rel; an unknown
// release (zero) applies to every check.
func (i Info) Applies(rel Release) bool {
	return rel.IsZero() || i.Releases.Contains(rel)
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
// "id:AUTH-01", the level ("core"), "since:0.59.0", "status:401" and
// "family:unauthorized".
func (i Info) Labels() []string {
	return []string{labelID + i.ID, string(i.Level), labelSince + i.Since, labelStatus + strconv.Itoa(i.Status), labelFamily + i.Family}
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

// Notes that carry a meaning from a run to its reports.
const (
	// CannotRunPrefix starts the failure message of a run stopped without
	// a verdict; the sentence after it says what to do.
	CannotRunPrefix = "rcconform: the run cannot go on: "
	// NotForRelease starts the skip note of a check whose expectation does
	// not describe the target's release.
	NotForRelease = "not for this release: "
	// RecommendedNotMet starts the note of a recommended check that failed
	// at a level where it does not count.
	RecommendedNotMet = "recommended property not met (it counts only at --level recommended): "
)
