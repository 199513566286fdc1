package report

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/openapi"
)

// Run is what a results file says about a run beyond the Ginkgo report.
type Run struct {
	HarnessVersion string
	Target         Target
	// Level and LabelFilter are what the user asked for; the filter the
	// run used comes from the Ginkgo report.
	Level       conformance.Level
	LabelFilter string
}

// Special suite failure reasons Ginkgo records (internal/suite.go and
// internal/interrupt_handler). Ginkgo exports no constant for them; the
// end-to-end tests TestInterrupt and TestTimeout of cmd/rcconform fail when
// they change, as the run's exit code then changes.
const (
	ginkgoInterrupted = "Interrupted by User"
	ginkgoTimedOut    = "Suite Timeout Elapsed"
)

// FromGinkgo builds the results of a run from its Ginkgo report: one check
// per It node, declared in catalogue (found by its id label), with its
// outcome and recorded exchanges, and the reason when the run could not
// happen or finish. The results are sealed.
func FromGinkgo(r types.Report, run Run, catalogue []conformance.Info) (*Results, error) {
	infos := make(map[string]conformance.Info, len(catalogue))
	for _, i := range catalogue {
		infos[i.ID] = i
	}
	res := &Results{
		Format:         Format,
		HarnessVersion: run.HarnessVersion,
		SpecDigest:     openapi.Digest(),
		Target:         run.Target,
		Selection:      Selection{Level: run.Level, LabelFilter: run.LabelFilter, Filter: r.SuiteConfig.LabelFilter},
		StartTime:      r.StartTime.UTC(),
		EndTime:        r.EndTime.UTC(),
		RunError:       runError(r),
	}
	for _, s := range r.SpecReports.WithLeafNodeType(types.NodeTypeIt) {
		c, err := check(s, infos, res.Selection, res.RunError)
		if err != nil {
			return nil, err
		}
		res.Checks = append(res.Checks, c)
	}
	if res.RunError == nil && !slices.ContainsFunc(res.Checks, func(c Check) bool { return c.Counts && c.Outcome != Skipped }) {
		res.RunError = &RunError{Reason: "no check that counts at level " + string(run.Level) + " ran; check the label filter and the release"}
	}
	if err := Seal(res); err != nil {
		return nil, err
	}
	return res, nil
}

// runError finds why the run could not happen or finish: an interrupt or
// the suite timeout, a failed suite setup, or a check that aborted the run.
func runError(r types.Report) *RunError {
	for _, reason := range r.SpecialSuiteFailureReasons {
		switch reason {
		case ginkgoInterrupted:
			return &RunError{Reason: "the run was interrupted (SIGINT or SIGTERM) before it finished, so it certifies nothing; run it again"}
		case ginkgoTimedOut:
			return &RunError{Reason: fmt.Sprintf("the run did not finish within its time limit of %s; give it more time with --timeout", r.SuiteConfig.Timeout)}
		}
	}
	setup := types.NodeTypeBeforeSuite | types.NodeTypeSynchronizedBeforeSuite
	for _, s := range r.SpecReports {
		if s.LeafNodeType.Is(setup) && s.State.Is(types.SpecStateFailureStates) {
			return cannotRun(s.Failure.Message, "the suite setup failed: ")
		}
	}
	for _, s := range r.SpecReports {
		if s.State.Is(types.SpecStateAborted) && strings.HasPrefix(s.Failure.Message, conformance.CannotRunPrefix) {
			return cannotRun(s.Failure.Message, "")
		}
	}
	return nil
}

// cannotRun splits a failure message into the sentence after
// conformance.CannotRunPrefix and the details on the lines below it.
func cannotRun(msg, otherwise string) *RunError {
	msg = strings.TrimSpace(msg)
	text, ok := strings.CutPrefix(msg, conformance.CannotRunPrefix)
	if !ok {
		text = otherwise + msg
	}
	reason, detail, _ := strings.Cut(text, "\n")
	return &RunError{Reason: strings.TrimSpace(reason), Detail: strings.TrimSpace(detail)}
}

func check(s types.SpecReport, infos map[string]conformance.Info, sel Selection, runErr *RunError) (Check, error) {
	location := shortLocation(s.LeafNodeLocation)
	id, ok := conformance.IDFromLabels(s.Labels())
	info, known := infos[id]
	if !ok || !known {
		return Check{}, fmt.Errorf("the spec %q at %s is no check of the catalogue (id label %q)", s.FullText(), location, id)
	}
	info.Title = s.FullText()
	c := Check{
		Info:           info,
		Counts:         sel.Level.Counts(info.Level),
		Location:       location,
		DurationMillis: float64(s.RunTime.Microseconds()) / 1000,
		Exchanges:      []conformance.Exchange{},
	}
	for _, e := range s.ReportEntries {
		switch e.Name {
		case conformance.ExchangeEntry:
			var ex conformance.Exchange
			if err := entryValue(e, &ex); err != nil {
				return Check{}, fmt.Errorf("check %s: exchange: %w", c.ID, err)
			}
			c.Exchanges = append(c.Exchanges, ex)
		case conformance.AnswerEntry:
			var a conformance.Answered
			if err := entryValue(e, &a); err != nil {
				return Check{}, fmt.Errorf("check %s: answer: %w", c.ID, err)
			}
			if s.State.Is(types.SpecStatePassed) {
				c.Answered = &a
			}
		}
	}

	msg := failureMessage(s.Failure)
	switch {
	case s.State.Is(types.SpecStatePassed):
		c.Outcome = Passed
	case s.State.Is(types.SpecStateSkipped) && strings.HasPrefix(msg, conformance.RecommendedNotMet):
		// A recommended check that does not count ran and failed; Ginkgo
		// saw a skip so that the run did not fail.
		c.Outcome = Failed
		c.Failure = strings.TrimPrefix(msg, conformance.RecommendedNotMet)
		c.Note = "recommended: reported, but it counts only at --level recommended"
		c.FailureLocation = shortLocation(s.Failure.Location)
	case s.State.Is(types.SpecStateSkipped | types.SpecStatePending):
		c.Outcome = Skipped
		c.Note = skipNote(s, sel.Filter, runErr)
	default:
		c.Outcome = Failed
		c.Failure = msg
		if msg == "" {
			c.Failure = "the check ended " + s.State.String() + " without a message"
		}
		c.FailureLocation = shortLocation(s.Failure.Location)
		switch {
		case s.State.Is(types.SpecStateInterrupted):
			c.Note = "interrupted: the run was stopped while this check ran"
		case s.State.Is(types.SpecStateAborted):
			c.Note = "aborted: this check stopped the run"
		case s.State.Is(types.SpecStateTimedout):
			c.Note = "timed out"
		case s.State.Is(types.SpecStatePanicked):
			c.Note = "the check panicked"
		}
	}
	return c, nil
}

// failureMessage is the failure's message, with the panic value and where
// it was raised when the check panicked.
func failureMessage(f types.Failure) string {
	msg := strings.TrimSpace(f.Message)
	if f.ForwardedPanic != "" {
		msg += "\n" + f.ForwardedPanic
		if f.Location.FullStackTrace != "" {
			msg += "\n" + strings.TrimSpace(f.Location.FullStackTrace)
		}
	}
	return msg
}

func skipNote(s types.SpecReport, filter string, runErr *RunError) string {
	if filter != "" {
		if selected, err := s.MatchesLabelFilter(filter); err == nil && !selected {
			return "not selected by the label filter"
		}
	}
	if msg := strings.TrimSpace(s.Failure.Message); msg != "" {
		return msg
	}
	if runErr != nil {
		return "not run: " + runErr.Reason
	}
	return "not run"
}

// entryValue decodes a report entry's value into v: a report that crossed
// processes carries it as JSON, one made in this process as the value.
func entryValue(e types.ReportEntry, v any) error {
	raw := []byte(e.Value.AsJSON)
	if len(raw) == 0 {
		var err error
		if raw, err = json.Marshal(e.Value.GetRawValue()); err != nil {
			return fmt.Errorf("encode: %w", err)
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// shortLocation keeps the path from the module's suites/ directory on, so
// reports neither depend on nor reveal where the harness was built.
func shortLocation(l types.CodeLocation) string {
	if l.FileName == "" {
		return ""
	}
	name := filepath.ToSlash(l.FileName)
	if i := strings.LastIndex(name, "/suites/"); i >= 0 {
		name = name[i+1:]
	} else {
		name = filepath.Base(name)
	}
	return name + ":" + strconv.Itoa(l.LineNumber)
}
