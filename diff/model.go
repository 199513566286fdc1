// Package diff compares two servers' answers to the same requests: the
// exchanges of every conformance check (RunChecks) and generated cases
// (package explore). Before comparing, the values only one server can have
// (user ids, run-unique names, tokens, new room ids) become placeholders
// that keep their relations, so that two faithful servers compare equal and
// a server that, say, composes a rid differently does not. A difference
// that the release's own variation explains (Variation) is reported apart
// and does not make the servers differ. It writes the comparison as
// diff.json (schema diff.schema.json), a console table and a section of the
// target's report.html.
package diff

import (
	"encoding/json"
	"time"
)

// Format names the layout of diff.json; it changes when the layout does.
const Format = "rcconform-diff/v2"

// File is the name of the comparison in a report directory.
const File = "diff.json"

// The two servers of a comparison.
const (
	// TargetSide is the server under test (--target).
	TargetSide = "target"
	// AgainstSide is the server it is compared with (--against).
	AgainstSide = "against"
)

// Sources of a difference.
const (
	FromCheck   = "check"
	FromExplore = "explore"
)

// Verdicts of a comparison. Only Different makes rcconform diff exit 1.
const (
	Same      = "no differences"
	Different = "different"
	// WithinVariation is a comparison whose every difference the
	// release's allowed variants explain.
	WithinVariation = "within known variation"
)

// Report is the content of diff.json.
type Report struct {
	Format         string `json:"format"`
	HarnessVersion string `json:"harnessVersion"`
	SpecDigest     string `json:"specDigest"`
	Target         Server `json:"target"`
	Against        Server `json:"against"`
	// Release is the release the comparison is judged at: the target's,
	// or, when it reports none, one of the first line its fingerprint
	// fits; ReleaseSource says which.
	Release       string `json:"release"`
	ReleaseSource string `json:"releaseSource"`
	// Variation is what the release allows, and how the server compared
	// against was started.
	Variation *Variation `json:"variation,omitempty"`
	StartTime time.Time  `json:"startTime"`
	EndTime   time.Time  `json:"endTime"`
	// Checks summarises the comparison of the checks' exchanges.
	Checks *ChecksSummary `json:"checks,omitempty"`
	// Explore summarises the generated cases, when --explore asked for them.
	Explore *ExploreSummary `json:"explore,omitempty"`
	// Differences are the real differences; WithinVariation those the
	// release's allowed variants explain.
	Differences     []Difference `json:"differences"`
	WithinVariation []Difference `json:"withinVariation"`
	Verdict         string       `json:"verdict"`
}

// Judge sets the verdict from the differences found.
func (r *Report) Judge() {
	switch {
	case len(r.Differences) > 0:
		r.Verdict = Different
	case len(r.WithinVariation) > 0:
		r.Verdict = WithinVariation
	default:
		r.Verdict = Same
	}
}

// Server is one of the two servers compared.
type Server struct {
	URL  string `json:"url"`
	Kind string `json:"kind"`
	// Note says how the server was obtained, e.g. why it runs in-process.
	Note          string `json:"note,omitempty"`
	Image         string `json:"image,omitempty"`
	ServerVersion string `json:"serverVersion,omitempty"`
}

// ChecksSummary counts what the checks' exchanges showed.
type ChecksSummary struct {
	Level       string `json:"level"`
	LabelFilter string `json:"labelFilter,omitempty"`
	// Checks is how many checks ran at both servers.
	Checks int `json:"checks"`
	// Exchanges is how many exchange pairs were compared.
	Exchanges int `json:"exchanges"`
	// Differing is how many of them differ for real; WithinVariation how
	// many differ within the release's known variation.
	Differing       int `json:"differing"`
	WithinVariation int `json:"withinVariation"`
}

// ExploreSummary says what the generated cases covered and cost.
type ExploreSummary struct {
	Seed uint64 `json:"seed"`
	// Requested is --explore N; Cases is how many were generated, fewer
	// when the exploration stopped at its limit of differences.
	Requested int `json:"requested"`
	Cases     int `json:"cases"`
	// ShrinkSteps is how many smaller cases shrinking tried, in total.
	ShrinkSteps    int     `json:"shrinkSteps"`
	DurationMillis float64 `json:"durationMillis"`
	ShrinkMillis   float64 `json:"shrinkMillis"`
	CasesPerSecond float64 `json:"casesPerSecond"`
	// Differences counts the real differences, WithinVariation those the
	// release's allowed variants explain.
	Differences     int `json:"differences"`
	WithinVariation int `json:"withinVariation"`
	// Stopped says why fewer cases than requested were generated.
	Stopped string `json:"stopped,omitempty"`
}

// Difference is one request the two servers answered differently.
type Difference struct {
	Source string `json:"source"`
	// Check is the id of the check that sent the request (FromCheck).
	Check string `json:"check,omitempty"`
	// Title is the check's title, or the case in words.
	Title string `json:"title"`
	// Exchange is the request's position in the check, from 1.
	Exchange int      `json:"exchange,omitempty"`
	Request  Request  `json:"request"`
	Target   Answer   `json:"target"`
	Against  Answer   `json:"against"`
	Aspects  []Aspect `json:"aspects"`
	// Found is how exploration found it (FromExplore).
	Found *Found `json:"found,omitempty"`
	// Explained says why the release's variation explains it; nil for a
	// real difference.
	Explained *Explanation `json:"explained,omitempty"`
}

// Request is a request as sent to the target, normalised.
type Request struct {
	Method  string   `json:"method"`
	Path    string   `json:"path"`
	Headers []Header `json:"headers,omitempty"`
	Body    string   `json:"body,omitempty"`
}

// Header is one request header line, its name as sent.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Answer is one server's answer, normalised. Body is canonical JSON (keys
// sorted) when the body is JSON, else the text.
type Answer struct {
	// Sent is false when the request never reached this server: the check
	// stopped earlier there.
	Sent bool `json:"sent"`
	// Error says why a request sent got no HTTP answer, e.g. the server
	// closed the connection; "" when it answered.
	Error       string `json:"error,omitempty"`
	Status      int    `json:"status,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Body        string `json:"body,omitempty"`
	// Outcome is the check's outcome at this server (FromCheck).
	Outcome string `json:"outcome,omitempty"`
}

// Aspect is one way two answers differ.
type Aspect struct {
	// What is "sent", "answer" (one got no HTTP answer), "status",
	// "contentType" or "body".
	What string `json:"what"`
	// Path locates a body difference, e.g. room.usernames[1]; "" is the
	// whole body.
	Path    string `json:"path,omitempty"`
	Target  string `json:"target"`
	Against string `json:"against"`
}

// Found is how exploration came to a difference.
type Found struct {
	// Case is the smallest case showing it, as data.
	Case json.RawMessage `json:"case"`
	// Index is the generated case that first showed it, from 1.
	Index int `json:"index"`
	// Minimal is true when shrinking reproduced the difference on the
	// smallest case; false when the difference did not come back.
	Minimal      bool    `json:"minimal"`
	ShrinkSteps  int     `json:"shrinkSteps"`
	ShrinkMillis float64 `json:"shrinkMillis"`
	// Signature is what differs, in the coarse terms that keep it apart
	// from the other differences found.
	Signature string `json:"signature"`
	// Skeleton is a check in the catalogue's form that pins the answer of
	// the server compared against, to paste into suites/dmcreate.
	Skeleton string `json:"skeleton"`
}
