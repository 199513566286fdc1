package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/openapi"
)

// Summarize derives the summary from the check records and the run error:
// the counts per level and feature version take every check, the verdict
// and the certified feature level only the checks that count.
func Summarize(checks []Check, runErr *RunError) Summary {
	s := Summary{CertifiedFeatureLevel: NoLevel}
	for _, l := range conformance.Levels {
		s.Levels = append(s.Levels, LevelCounts{Level: l})
	}
	var counted Counts
	for _, v := range conformance.FeatureVersions {
		s.Features = append(s.Features, FeatureCounts{Version: v})
	}
	certifying := map[string]*Counts{}
	for _, v := range conformance.FeatureVersions {
		certifying[v] = &Counts{}
	}
	for _, c := range checks {
		s.Total.add(c.Outcome)
		if c.Outcome == Passed && c.Answered != nil && c.Answered.Deviation != "" {
			s.Deviations = seen(s.Deviations, c.Answered.Deviation, c.ID)
		}
		if c.Counts {
			counted.add(c.Outcome)
			if f := certifying[c.Since]; f != nil {
				f.add(c.Outcome)
			}
		}
		for i := range s.Levels {
			if s.Levels[i].Level == c.Level {
				s.Levels[i].add(c.Outcome)
			}
		}
		for i := range s.Features {
			if s.Features[i].Version == c.Since {
				s.Features[i].add(c.Outcome)
			}
		}
	}

	switch {
	case runErr != nil || counted.Passed+counted.Failed == 0:
		s.Verdict = CouldNotRun
		return s // an unfinished run certifies nothing
	case counted.Failed > 0:
		s.Verdict = NotConformant
	default:
		s.Verdict = Conformant
	}
	// A feature version is certified when all of its counted checks that ran
	// passed, at least one did, and every lower version is certified too; a
	// failure in a counted check of an unknown version certifies nothing.
	for _, c := range checks {
		if c.Counts && c.Outcome == Failed && !slices.Contains(conformance.FeatureVersions, c.Since) {
			return s
		}
	}
	for _, v := range conformance.FeatureVersions {
		if f := certifying[v]; f.Failed > 0 || f.Passed == 0 {
			break
		}
		s.CertifiedFeatureLevel = v
	}
	return s
}

// seen adds the check id to the deviation's record, in order of first sight.
func seen(ds []DeviationSeen, id, check string) []DeviationSeen {
	for i := range ds {
		if ds[i].ID == id {
			ds[i].Checks = append(ds[i].Checks, check)
			return ds
		}
	}
	return append(ds, DeviationSeen{ID: id, Checks: []string{check}})
}

// Failures returns the ids of the failed checks: those that count at the
// run's level, and the recommended ones that do not.
func (r *Results) Failures() (counted, notCounted []string) {
	for _, c := range r.Checks {
		switch {
		case c.Outcome == Failed && c.Counts:
			counted = append(counted, c.ID)
		case c.Outcome == Failed:
			notCounted = append(notCounted, c.ID)
		}
	}
	return counted, notCounted
}

// Counted tallies the checks that count at the run's level.
func (r *Results) Counted() Counts {
	var n Counts
	for _, c := range r.Checks {
		if c.Counts {
			n.add(c.Outcome)
		}
	}
	return n
}

func (c *Counts) add(outcome string) {
	switch outcome {
	case Passed:
		c.Passed++
	case Failed:
		c.Failed++
	default:
		c.Skipped++
	}
}

// Coverage lists, for every operation of the spec and each status it
// documents, the checks whose exchanges got that status; statuses the
// target answered without the spec documenting them get cells too.
func Coverage(ops []openapi.Operation, checks []Check) []CoverageCell {
	var cells []CoverageCell
	for _, op := range ops {
		hits := map[int][]string{}
		for _, c := range checks {
			for _, ex := range c.Exchanges {
				if strings.EqualFold(ex.Method, op.Method) && ex.Path == op.Path && !slices.Contains(hits[ex.Status], c.ID) {
					hits[ex.Status] = append(hits[ex.Status], c.ID)
				}
			}
		}
		statuses := slices.Clone(op.Statuses)
		for st := range hits {
			if !slices.Contains(statuses, st) {
				statuses = append(statuses, st)
			}
		}
		slices.Sort(statuses)
		for _, st := range statuses {
			ids := hits[st]
			slices.Sort(ids)
			if ids == nil {
				ids = []string{}
			}
			cells = append(cells, CoverageCell{
				Method: op.Method, Path: op.Path, Status: st,
				Documented: slices.Contains(op.Statuses, st), Checks: ids,
			})
		}
	}
	return cells
}

// ChecksDigest returns "sha256:<hex>" of the canonical JSON of checks.
func ChecksDigest(checks []Check) (string, error) {
	raw, err := json.Marshal(checks)
	if err != nil {
		return "", fmt.Errorf("encode the checks: %w", err)
	}
	return digestJSON(raw)
}

// digestJSON hashes the canonical form of a JSON text: decoded and encoded
// again, so that white space and key order do not matter while every value,
// numbers to the digit, does.
func digestJSON(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("decode the checks: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("encode the checks: %w", err)
	}
	sum := sha256.Sum256(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Seal fills in what is derived from the checks: the checks digest, the
// summary and the coverage matrix against the embedded spec.
func Seal(r *Results) error {
	if r.Checks == nil {
		r.Checks = []Check{}
	}
	for i := range r.Checks {
		if r.Checks[i].Exchanges == nil {
			r.Checks[i].Exchanges = []conformance.Exchange{}
		}
	}
	digest, err := ChecksDigest(r.Checks)
	if err != nil {
		return err
	}
	spec, err := openapi.Load()
	if err != nil {
		return fmt.Errorf("load the embedded spec: %w", err)
	}
	r.ChecksDigest = digest
	r.Summary = Summarize(r.Checks, r.RunError)
	r.Coverage = Coverage(spec.Operations(), r.Checks)
	return nil
}
