package main

// An observation made end to end: `run --rocketchat` against a stand-in of
// 7.10.2 told to show variants other than its line's most likely ones,
// then the observation, made genuine, read as evidence.

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/standin"
	"github.com/rcconform/rcconform/targets"
)

// observedStandIn is a 7.10.2 whose line (7.10–7.13) leaves these choices
// open; each is the variant the line does not default to.
var observedStandIn = standin.RocketChat{Release: "7.10.2", Variants: map[string]string{
	conformance.DimBodyShape: conformance.AsParsed,
	conformance.DimNames:     conformance.Exact,
	conformance.DimRID:       conformance.Generated,
	conformance.DimEmptyName: conformance.DroppedName,
}}

var observedStandInBuilt = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return standin.BuildRocketChat(ctx, nil, observedStandIn)
})

func TestRocketChatObservation(t *testing.T) {
	dockerOrSkip(t)
	if err := observedStandInBuilt(); err != nil {
		t.Fatalf("build the stand-in images: %v", err)
	}
	before := engineState(t)
	rel := conformance.MustRelease(observedStandIn.Release)
	line, _ := conformance.LineOf(rel)
	for dim, v := range observedStandIn.Variants {
		if !slices.Contains(line.Allowed(dim), v) {
			t.Fatalf("the %s line does not allow %s=%s: the test asks the stand-in for what no 7.10.2 shows", line.Name, dim, v)
		}
	}

	dir := t.TempDir()
	r := cli(t, nil, "run", "--rocketchat", observedStandIn.Release, "--rocketchat-image", observedStandIn.Image(),
		"--mongo-image", standin.MongoImage, "--report-dir", dir)
	res := wantPassingRun(t, r, dir)
	wantClean(t, before)

	file := filepath.Join(dir, targets.ObservationsDir, observedStandIn.Release+".json")
	if !strings.Contains(r.stdout, "Observation: "+file) {
		t.Errorf("the console does not say where the observation is (%s)", file)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the run wrote no observation: %v", err)
	}
	var o conformance.Observation
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("the observation is not JSON: %v", err)
	}
	if o.Release != "7.10.2" || o.Image != observedStandIn.Image() || !strings.HasPrefix(o.ImageDigest, "sha256:") ||
		o.Date != res.StartTime.UTC().Format(time.DateOnly) || o.Harness != res.HarnessVersion || !o.StandIn {
		t.Errorf("observation %+v: want release 7.10.2, the stand-in image and its digest, the run's day and harness, standIn", o)
	}
	if !strings.Contains(string(raw), `"standIn": true`) {
		t.Errorf("the file does not mark the stand-in:\n%s", raw)
	}

	// It shows what the stand-in was told to, and the line's default along
	// the dimensions it was not told about; the member limit is not probed.
	for _, d := range conformance.Dimensions {
		want, told := observedStandIn.Variants[d.ID]
		if !told {
			want = line.Allowed(d.ID)[0]
		}
		got, ok := o.Fingerprint[d.ID]
		switch {
		case d.ID == conformance.DimMaxUsers:
			if ok {
				t.Errorf("the fingerprint has %s, which the run does not probe", d.ID)
			}
		case got.Variant != want || got.Answer == "":
			t.Errorf("the observation shows %s=%q (answer %q), want %s", d.ID, got.Variant, got.Answer, want)
		}
	}
	if !maps.Equal(o.Fingerprint, res.Target.Fingerprint) {
		t.Errorf("the observation's fingerprint %s is not results.json's %s", o.Fingerprint, res.Target.Fingerprint)
	}

	// As it is, the catalogue refuses it.
	refused := t.TempDir()
	writeObserved(t, refused, o)
	if _, err := conformance.LoadObservations(os.DirFS(refused), "observed"); err == nil || !strings.Contains(err.Error(), "stand-in") {
		t.Errorf("LoadObservations took a stand-in's observation (err %v)", err)
	}
	if err := targets.ObservationProblem(o); err != nil {
		t.Errorf("the observation would not validate but for its stand-in mark: %v", err)
	}

	// Marked genuine, it is evidence: 7.10.2 allows only what it showed,
	// and its neighbours still every variant of the line.
	o.StandIn, o.ImageDigest = false, "sha256:"+strings.Repeat("0", 64)
	genuine := t.TempDir()
	writeObserved(t, genuine, o)
	obs, err := conformance.LoadObservations(os.DirFS(genuine), "observed")
	if err != nil || len(obs) != 1 {
		t.Fatalf("LoadObservations of the genuine copy: %d observations, %v", len(obs), err)
	}
	for dim, shown := range o.Fingerprint {
		if got := conformance.AllowedGiven(obs, rel, dim); !slices.Equal(got, []string{shown.Variant}) {
			t.Errorf("AllowedGiven(7.10.2, %s) = %v, want [%s]", dim, got, shown.Variant)
		}
		if got := conformance.AllowedGiven(obs, conformance.MustRelease("7.10.3"), dim); !slices.Equal(got, line.Allowed(dim)) {
			t.Errorf("AllowedGiven(7.10.3, %s) = %v, want the line's %v: an observation narrows its own release only", dim, got, line.Allowed(dim))
		}
	}
	for dim := range observedStandIn.Variants {
		if len(line.Allowed(dim)) < 2 {
			t.Errorf("%s is established on the %s line: the stand-in shows no narrowing along it", dim, line.Name)
		}
	}
}

func writeObserved(t *testing.T, dir string, o conformance.Observation) {
	t.Helper()
	data, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "observed"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "observed", o.Release+".json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
