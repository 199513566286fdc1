// Package dmcreate holds the conformance checks of POST /api/v1/dm.create
// and its alias im.create, one file per behaviour family. The checks are
// registered when the package is imported; `go test` (suite_test.go) and the
// rcconform CLI run the very same specs.
package dmcreate

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/suites/framework"
)

// Config is the run's configuration; entry points set it before RunSpecs.
var Config = framework.DefaultConfig()

// OnReport, when set, receives the whole run's report on process 1 (the
// CLI writes its certificate from it).
var OnReport func(types.Report)

// env is this process's view of the target and the provisioned users.
var env *framework.Env

var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	return framework.SetupSuite(ctx, Config)
}, func(data []byte) {
	env = framework.Connect(Config, data)
}, NodeTimeout(5*time.Minute))

var _ = ReportAfterSuite("dm.create conformance summary", func(r types.Report) {
	if OnReport != nil {
		OnReport(r) // the entry point prints its own summary
		return
	}
	specs := r.SpecReports.WithLeafNodeType(types.NodeTypeIt)
	// A plain closing line that CI and people read at a glance.
	fmt.Printf("%d passed, %d failed, %d skipped\n",
		specs.CountWithState(types.SpecStatePassed),
		specs.CountWithState(types.SpecStateFailureStates),
		specs.CountWithState(types.SpecStateSkipped|types.SpecStatePending))
})

// peerBody is a valid body naming another user, for checks about anything
// but the body.
func peerBody() string {
	return framework.JSON(map[string]any{"username": env.User("peer").Username})
}

// usernames returns the provisioned usernames of the personas, in order.
func usernames(keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = env.User(k).Username
	}
	return out
}

// haveMembers matches a room's usernames holding exactly these personas.
func haveMembers(keys ...string) OmegaMatcher {
	want := make([]any, len(keys))
	for i, u := range usernames(keys...) {
		want[i] = u
	}
	return ConsistOf(want...)
}

// names joins the personas' usernames for the usernames field.
func names(keys ...string) string { return strings.Join(usernames(keys...), ",") }

// RunState returns what process 1 set up (target, server version, users),
// or nil when the setup did not get that far.
func RunState() *framework.State {
	if env == nil {
		return nil
	}
	return &env.State
}
