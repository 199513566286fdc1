package conformance

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
)

// Observation is what a real Rocket.Chat release answered when a run
// probed it: evidence of kind Observed. Committed observations (the
// observed/ folder of this package) narrow that release's allowed variants
// to the ones it showed.
type Observation struct {
	Release string `json:"release"`
	// Image is the image that ran, and ImageDigest its content digest.
	Image       string `json:"image"`
	ImageDigest string `json:"imageDigest"`
	// Date is the day of the run (YYYY-MM-DD).
	Date string `json:"date"`
	// Harness is the version of rcconform that probed it.
	Harness     string      `json:"harness"`
	Fingerprint Fingerprint `json:"fingerprint"`
	// StandIn is set when the server was a stand-in for the release, not
	// the release itself: such an observation proves the path, and is
	// never evidence.
	StandIn bool `json:"standIn,omitempty"`
}

// Validate reports an observation that cannot be evidence.
func (o Observation) Validate() error {
	var errs []string
	rel, err := ParseRelease(o.Release)
	switch {
	case err != nil:
		errs = append(errs, err.Error())
	case strings.ContainsAny(strings.TrimSpace(o.Release), "-+"):
		errs = append(errs, "it observed a pre-release or a build ("+o.Release+"), which says nothing certain of the release itself")
	case o.StandIn:
		errs = append(errs, "it observed a stand-in, not the release")
	case o.ImageDigest == "" || o.Date == "":
		errs = append(errs, "it names no image digest or no date")
	}
	l, inLine := LineOf(rel)
	for dim, s := range o.Fingerprint {
		if err := CheckVariant(dim, s.Variant); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if inLine && !slices.Contains(l.Allowed(dim), s.Variant) {
			errs = append(errs, fmt.Sprintf("it shows %s=%s, which the %s line excludes: the line's model needs correcting first", dim, s.Variant, l.Name))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("observation of %s: %s", o.Release, strings.Join(errs, "; "))
	}
	return nil
}

// Evidence is the observation as evidence along dim.
func (o Observation) Evidence(dim string) Evidence {
	return Evidence{Kind: Observed,
		Where: fmt.Sprintf("a run against Rocket.Chat %s (%s@%s) on %s", o.Release, o.Image, o.ImageDigest, o.Date),
		Says:  fmt.Sprintf("it answered as %s: %s", o.Fingerprint[dim].Variant, o.Fingerprint[dim].Answer)}
}

// ObservedDir is where committed observations live, in this package.
const ObservedDir = "observed"

//go:embed observed
var observedFS embed.FS

// observations are the committed observations, loaded once.
var observations = mustLoadObservations(observedFS, ObservedDir)

// LoadObservations reads every *.json observation under dir of fsys.
func LoadObservations(fsys fs.FS, dir string) ([]Observation, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]Observation, 0, len(names))
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var o Observation
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := o.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, o)
	}
	return out, nil
}

func mustLoadObservations(fsys fs.FS, dir string) []Observation {
	obs, err := LoadObservations(fsys, dir)
	if err != nil {
		panic(fmt.Sprintf("conformance: the committed observations: %v", err))
	}
	return obs
}

// Observations returns the committed observations.
func Observations() []Observation { return slices.Clone(observations) }

// ObservationOf returns the committed observation of exactly rel.
func ObservationOf(rel Release) (Observation, bool) {
	for _, o := range observations {
		if r, err := ParseRelease(o.Release); err == nil && r.Compare(rel) == 0 {
			return o, true
		}
	}
	return Observation{}, false
}
