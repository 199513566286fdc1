// Package report turns a conformance run into its certificate: results.json
// (the machine-readable record anyone can re-check offline with Verify),
// report.html (the page people read) and junit.xml (for CI).
//
// Everything in a summary is derived mechanically from the per-check
// records, so a summary can always be recomputed, and a hand-edited file
// is caught.
package report

import (
	"time"

	"github.com/rcconform/rcconform/conformance"
)

// Format names the layout of results.json; it changes when the layout does.
const Format = "rcconform-results/v3"

// Outcomes of a check.
const (
	Passed  = "passed"
	Failed  = "failed"
	Skipped = "skipped"
)

// Verdicts of a run.
const (
	Conformant    = "conformant"
	NotConformant = "not conformant"
	CouldNotRun   = "could not run"
)

// NoLevel is the certified feature level of a run that certifies none.
const NoLevel = "none"

// Results is the content of results.json.
type Results struct {
	Format         string    `json:"format"`
	HarnessVersion string    `json:"harnessVersion"`
	SpecDigest     string    `json:"specDigest"`
	Target         Target    `json:"target"`
	Selection      Selection `json:"selection"`
	StartTime      time.Time `json:"startTime"`
	EndTime        time.Time `json:"endTime"`
	// RunError says why the run could not happen or finish; nil when it did.
	RunError *RunError `json:"runError,omitempty"`
	Checks   []Check   `json:"checks"`
	// ChecksDigest is "sha256:<hex>" of the canonical JSON of Checks. It
	// makes an edit of a check record detectable; it is no signature.
	ChecksDigest string         `json:"checksDigest"`
	Summary      Summary        `json:"summary"`
	Coverage     []CoverageCell `json:"coverage"`
	// Comparison is what `rcconform diff` found comparing the target with
	// another server; nil for `rcconform run`. It is no part of the checks'
	// digest: diff.json, next to this file, holds it in full.
	Comparison *Comparison `json:"comparison,omitempty"`
}

// Comparison summarises a differential comparison for the certificate.
type Comparison struct {
	// Against says which server the target was compared with.
	Against string `json:"against"`
	// File is the comparison's own file, next to results.json.
	File string `json:"file"`
	// Exchanges is how many exchanges of the checks were compared.
	Exchanges int `json:"exchanges"`
	// Explored says how many generated cases were compared, and their seed.
	Explored string `json:"explored,omitempty"`
	// Variation says what the release compared at allows and how the
	// server compared against was started.
	Variation string `json:"variation,omitempty"`
	// Differences are the real differences; WithinVariation the requests
	// answered differently as variants the release allows may answer,
	// which do not make the servers differ.
	Differences     []ComparedDifference `json:"differences"`
	WithinVariation []ComparedDifference `json:"withinVariation,omitempty"`
}

// ComparedDifference is one request the two servers answered differently,
// as text to show: answers and request are normalised (ids, names and
// tokens are placeholders).
type ComparedDifference struct {
	// Source is the check that sent the request, or the generated case.
	Source string `json:"source"`
	Title  string `json:"title"`
	// Differs lists what differs: the status, the Content-Type, body paths.
	Differs  []string `json:"differs"`
	Request  string   `json:"request"`
	Target   string   `json:"target"`
	Against  string   `json:"against"`
	Skeleton string   `json:"skeleton,omitempty"`
	// Dimensions and Explained, on a difference within known variation,
	// name the dimensions that explain it and say how.
	Dimensions []string `json:"dimensions,omitempty"`
	Explained  string   `json:"explained,omitempty"`
}

// Target is the server the run certified.
type Target struct {
	URL           string `json:"url"`
	Kind          string `json:"kind"`
	Note          string `json:"note,omitempty"`
	ServerVersion string `json:"serverVersion,omitempty"`
	Image         string `json:"image,omitempty"`
	// Release is the Rocket.Chat release the compat checks expected.
	Release string `json:"release,omitempty"`
	// ReleaseSource says how Release was determined.
	ReleaseSource string `json:"releaseSource,omitempty"`
	// ReleaseLine names Release's line and what it means for the run.
	ReleaseLine string `json:"releaseLine,omitempty"`
	// Lines are the release lines the checks took their expectations
	// from: the release's own, or those the fingerprint fits.
	Lines []string `json:"lines,omitempty"`
	// Fingerprint is, per dimension, the variant the target showed.
	Fingerprint conformance.Fingerprint `json:"fingerprint,omitempty"`
}

// Selection says which checks the run was asked to run.
type Selection struct {
	// Level is the widest level that counts toward the verdict; recommended
	// checks run at every level but count only at their own.
	Level conformance.Level `json:"level"`
	// LabelFilter is the user's own filter, if any.
	LabelFilter string `json:"labelFilter,omitempty"`
	// Filter is the label filter the run actually used.
	Filter string `json:"filter"`
}

// RunError is why a run could not happen or finish.
type RunError struct {
	// Reason is one plain sentence saying what to do.
	Reason string `json:"reason"`
	// Detail is the underlying error, secrets redacted.
	Detail string `json:"detail,omitempty"`
}

// Check is the record of one conformance check: its declaration from the
// catalogue, and what happened.
type Check struct {
	conformance.Info
	// Counts is whether the check counts toward the verdict at the
	// selected level.
	Counts  bool   `json:"counts"`
	Outcome string `json:"outcome"`
	// Note explains a skip, an interruption or an abort.
	Note            string  `json:"note,omitempty"`
	Failure         string  `json:"failure,omitempty"`
	FailureLocation string  `json:"failureLocation,omitempty"`
	Location        string  `json:"location"`
	DurationMillis  float64 `json:"durationMillis"`
	// Exchanges are the requests the check sent and the answers, redacted.
	Exchanges []conformance.Exchange `json:"exchanges"`
	// Answered is the answer a passing check with several took.
	Answered *conformance.Answered `json:"answered,omitempty"`
}

// Counts tallies outcomes.
type Counts struct {
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// LevelCounts tallies the checks of one level.
type LevelCounts struct {
	Level conformance.Level `json:"level"`
	Counts
}

// FeatureCounts tallies the checks of one feature version.
type FeatureCounts struct {
	Version string `json:"version"`
	Counts
}

// Summary is derived from the checks and the run error alone (Summarize).
type Summary struct {
	Total    Counts          `json:"total"`
	Levels   []LevelCounts   `json:"levels"`
	Features []FeatureCounts `json:"features"`
	// CertifiedFeatureLevel is the highest feature version such that every
	// counted check up to it passed and each version up to it had a
	// passing counted check; NoLevel when there is none.
	CertifiedFeatureLevel string `json:"certifiedFeatureLevel"`
	Verdict               string `json:"verdict"`
	// Deviations lists the deviations from the doc page the target showed,
	// and the checks that passed with them.
	Deviations []DeviationSeen `json:"deviations,omitempty"`
}

// DeviationSeen is a deviation from the doc page a run saw.
type DeviationSeen struct {
	ID     string   `json:"id"`
	Checks []string `json:"checks"`
}

// CoverageCell is one documented (or observed) status of one operation and
// the checks whose exchanges got it.
type CoverageCell struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
	// Documented is false for a status the target answered that the spec
	// does not document for the operation.
	Documented bool     `json:"documented"`
	Checks     []string `json:"checks"`
}
