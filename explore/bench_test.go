package explore

import (
	"context"
	"net/http"
	"testing"
)

// BenchmarkExplore500 explores 500 cases against two in-process servers:
// the reference, and the reference with one planted difference. It
// reports the cases generated per second (shrinking aside), the time spent
// shrinking and how many differences were found; -v lists them.
//
//	go test -run '^$' -bench Explore500 -benchtime 1x -v ./explore/
func BenchmarkExplore500(b *testing.B) {
	for _, p := range []struct {
		name, version string
		wrap          func(http.Handler) http.Handler
	}{
		{"none", "8.6.1", nil},
		{"excludeSelf-ignored", "8.6.1", excludeSelfIgnored},
		{"strict-json-type", "8.6.1", strictJSONType},
		{"drops-numbers", "8.6.1", dropsNumbers},
	} {
		b.Run(p.name, func(b *testing.B) {
			cfg := Config{Target: serve(b, p.version, p.wrap), Against: serve(b, p.version, nil), Cases: 500, Seed: 1, Release: p.version}
			var res *Result
			for b.Loop() {
				var err error
				if res, err = Run(context.Background(), cfg); err != nil {
					b.Fatal(err)
				}
			}
			s := res.Summary
			b.ReportMetric(s.CasesPerSecond, "cases/s")
			b.ReportMetric(s.ShrinkMillis, "shrink-ms")
			b.ReportMetric(float64(s.Differences), "differences")
			for _, d := range res.Differences {
				b.Logf("case %d, shrunk in %d steps (%.0f ms): %s\n    differs: %s", d.Found.Index, d.Found.ShrinkSteps, d.Found.ShrinkMillis, d.Title, d.Found.Signature)
			}
		})
	}
}
