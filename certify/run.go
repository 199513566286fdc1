package certify

import (
	"context"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/suites/dmcreate"
	fw "github.com/rcconform/rcconform/suites/framework"
	"github.com/rcconform/rcconform/targets"
)

// RunOptions tune what a run shows as it goes.
type RunOptions struct {
	// OnCheck is called as each check ends, with what the setup settled
	// (nil before it did).
	OnCheck func(types.SpecReport, *fw.Shared)
}

// fakeT is the GinkgoTestingT of a run outside `go test`; the outcome is
// read from the results, so it only needs to exist.
type fakeT struct{}

func (fakeT) Fail() {}

// Run certifies the plan's server with Ginkgo in this process (it must be
// the process's only run) and writes the reports into the plan's report
// directory. Its outcome holds Ginkgo's report and the results.
func Run(p Plan, opts RunOptions) (*dmcreate.Outcome, error) {
	p = p.WithDefaults()
	filter, err := p.Filter()
	if err != nil {
		return nil, err
	}
	targets.Warm(context.Background(), p.targets())
	return dmcreate.Run(fakeT{}, p.Suite(), dmcreate.RunOptions{LabelFilter: filter, Timeout: p.Timeout, OnCheck: opts.OnCheck}), nil
}

// Test certifies the plan's server inside the caller's go test, failing t
// for each check that fails (see dmcreate.Test); it returns the results
// (nil on Ginkgo processes other than the first).
func Test(t *testing.T, p Plan) *report.Results {
	t.Helper()
	p = p.WithDefaults()
	filter, err := p.Filter()
	if err != nil {
		t.Fatalf("rcconform: %v", err)
	}
	targets.Warm(t.Context(), p.targets())
	return dmcreate.Test(t, p.Suite(), dmcreate.RunOptions{LabelFilter: filter, Timeout: p.Timeout})
}
