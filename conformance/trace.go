package conformance

import "time"

// Trace receives how long each phase of a run took, as the phase ends
// (starting the target, provisioning, the checks, stopping ...), so that a
// slow run can be taken apart. A nil Trace ignores them.
type Trace func(phase string, took time.Duration)

// Since reports phase as having taken the time since start.
func (t Trace) Since(phase string, start time.Time) {
	if t != nil {
		t(phase, time.Since(start))
	}
}
