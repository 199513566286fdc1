package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/standin"
	"github.com/rcconform/rcconform/reference/container"
	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/targets"
)

// TestFidelityObservation writes the observation of a release from its
// run's results.json, naming an image on the engine: MongoDB's stand-in,
// which builds in seconds and carries the stand-in label too.
func TestFidelityObservation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the stand-in stack in containers (make test runs it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := container.Available(ctx); err != nil {
		t.Skipf("no Docker engine answers: %v", err)
	}
	if err := standin.Build(ctx, nil); err != nil {
		t.Fatalf("build the MongoDB stand-in: %v", err)
	}
	out := t.TempDir()
	fp := conformance.Fingerprint{conformance.DimUnauthorized: {Variant: conformance.Breaking, Answer: "401 {...}"}}
	started := time.Date(2026, 12, 7, 23, 59, 0, 0, time.FixedZone("UTC-2", -2*3600))
	results := func(v, image string, fp conformance.Fingerprint) string {
		dir := filepath.Join(out, v)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		res := &report.Results{HarnessVersion: "v1.2.3", StartTime: started, Target: report.Target{Image: image, Release: v, Fingerprint: fp}}
		if err := report.WriteResults(filepath.Join(dir, report.ResultsFile), res); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	line, ok := observe("9.0.0", results("9.0.0", standin.MongoImage, fp), out, started)
	if !ok || !strings.Contains(line, "9.0.0.json") || !strings.Contains(line, "a stand-in") || !strings.Contains(line, "unauthorized=breaking") {
		t.Errorf("summary line %q (ok %v), want the file, the stand-in mark and the fingerprint", line, ok)
	}
	raw, err := os.ReadFile(filepath.Join(out, targets.ObservationsDir, "9.0.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	var o conformance.Observation
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	if o.Release != "9.0.0" || o.Image != standin.MongoImage || !strings.HasPrefix(o.ImageDigest, "sha256:") || o.Date != "2026-12-08" ||
		o.Harness != "v1.2.3" || !o.StandIn || o.Fingerprint[conformance.DimUnauthorized] != fp[conformance.DimUnauthorized] {
		t.Errorf("observation %+v", o)
	}

	// A run that probed nothing observed nothing; one whose image is gone
	// cannot be observed, and says so.
	if line, ok := observe("8.6.1", results("8.6.1", standin.MongoImage, nil), out, started); line != "" || !ok {
		t.Errorf("a run without a fingerprint gave %q, %v", line, ok)
	}
	if line, ok := observe("8.7.1", results("8.7.1", "rcconform-standin/none:0", fp), out, started); ok || !strings.Contains(line, "no observation") {
		t.Errorf("a run whose image is gone gave %q, %v", line, ok)
	}
	// results.json left by an earlier run is not this run's.
	if line, ok := observe("9.0.0", filepath.Join(out, "9.0.0"), out, started.Add(time.Hour)); line != "" || !ok {
		t.Errorf("the results of an earlier run gave %q, %v", line, ok)
	}
}
