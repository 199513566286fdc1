package targets

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
)

func TestRocketChatImageDigest(t *testing.T) {
	const (
		id    = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
		own   = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
		other = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
	)
	for _, c := range []struct {
		ref         string
		repoDigests []string
		want        string
	}{
		{"rcconform-standin/rocket.chat:8.6.1", nil, id},
		{"registry.rocket.chat/rocketchat/rocket.chat:8.6.1", []string{"rocketchat/rocket.chat@" + other, "registry.rocket.chat/rocketchat/rocket.chat@" + own}, own},
		{"localhost:5000/rocket.chat:8.6.1", []string{"localhost:5000/rocket.chat@" + own}, own},
		{"localhost:5000/rocket.chat", []string{"localhost:5000/rocket.chat@" + own}, own},
		{"registry.rocket.chat/rocketchat/rocket.chat@" + own, []string{"registry.rocket.chat/rocketchat/rocket.chat@" + own}, own},
		// Retagged: the digest of the repository it came from.
		{"mirror/rocket.chat:8.6.1", []string{"registry.rocket.chat/rocketchat/rocket.chat@" + other}, other},
	} {
		if got := contentDigest(c.ref, c.repoDigests, id); got != c.want {
			t.Errorf("contentDigest(%s, %v) = %s, want %s", c.ref, c.repoDigests, got, c.want)
		}
	}
}

func TestRocketChatWriteObservation(t *testing.T) {
	o := conformance.Observation{
		Release: "8.6.1", Image: DefaultRocketChatImage("8.6.1"), ImageDigest: "sha256:" + strings.Repeat("a", 64),
		Date: "2026-12-07", Harness: "devel", StandIn: true,
		Fingerprint: conformance.Fingerprint{conformance.DimNames: {Variant: conformance.Exact, Answer: "200 {...}"}},
	}
	dir := t.TempDir()
	file, err := WriteObservation(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, ObservationsDir, "8.6.1.json"); file != want {
		t.Errorf("written to %s, want %s", file, want)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var back conformance.Observation
	if err := json.Unmarshal(raw, &back); err != nil || !back.StandIn || back.Fingerprint[conformance.DimNames] != o.Fingerprint[conformance.DimNames] {
		t.Errorf("read back %+v (%v) from:\n%s", back, err, raw)
	}
	if err := o.Validate(); err == nil {
		t.Errorf("a stand-in's observation validates")
	}
	if err := ObservationProblem(o); err != nil {
		t.Errorf("ObservationProblem of an observation sound but for its stand-in mark: %v", err)
	}
	o.Fingerprint[conformance.DimNames] = conformance.Shown{Variant: conformance.Lookup}
	if err := ObservationProblem(o); err == nil {
		t.Errorf("ObservationProblem accepts names=lookup at 8.6.1, which its line excludes")
	}
	if _, err := WriteObservation(dir, conformance.Observation{Release: "../x"}); err == nil {
		t.Errorf("an observation of no release was written")
	}
}
