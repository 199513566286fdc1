package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/rcconform/rcconform/certify"
	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/targets"
)

// observeTimeout bounds asking the engine for the image's digest.
const observeTimeout = 30 * time.Second

// writeObservation writes what a `--rocketchat V` run showed of release V
// as <report dir>/observations/V.json, the file conformance/observed/
// takes as evidence, and returns its path ("" when there is none). A run
// that probed no fingerprint observed nothing. Failing to write it leaves
// the certificate as it is: the run says so on the console instead.
func writeObservation(out io.Writer, cfg certify.Plan, res *report.Results) string {
	if cfg.RocketChat.Version == "" || res == nil || len(res.Target.Fingerprint) == 0 {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), observeTimeout)
	defer cancel()
	o, err := targets.Observe(ctx, cfg.RocketChat.Version, res.Target.Image, res.HarnessVersion, res.StartTime, res.Target.Fingerprint)
	if err == nil {
		var file string
		if file, err = targets.WriteObservation(cfg.ReportDir, o); err == nil {
			note := "conformance/observed/README.md says how to commit it as evidence"
			if o.StandIn {
				note = "of a stand-in image: it proves the path, it is no evidence"
			}
			if problem := targets.ObservationProblem(o); problem != nil {
				note += "; it cannot be committed as it is: " + problem.Error()
			}
			fmt.Fprintf(out, "Observation: %s, %s\n", file, note)
			return file
		}
	}
	fmt.Fprintf(out, "rcconform: no observation written: %v\n", err)
	return ""
}
