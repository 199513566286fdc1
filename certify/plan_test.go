package certify

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/report"
	"github.com/rcconform/rcconform/targets"
)

func TestPlanDefaults(t *testing.T) {
	p := Plan{}.WithDefaults()
	if p.AdminUser != conformance.DefaultAdminUser || p.AdminPassword != conformance.DefaultAdminPassword || p.MaxUsers != conformance.DefaultMaxUsers ||
		p.Level != conformance.Compat || p.Timeout != DefaultTimeout || p.ImagePort != DefaultImagePort || p.ReportDir != "" ||
		p.HTTPTimeout != 10*time.Second || p.StartTimeout != 90*time.Second || p.RateLimitBudget != 3*time.Minute {
		t.Errorf("defaults: %+v", p)
	}
	if rc := (Plan{RocketChat: targets.RocketChatConfig{Version: "8.6.1"}}).WithDefaults(); rc.StartTimeout != DefaultRocketChatStartLimit {
		t.Errorf("Rocket.Chat takes longer to start: %s", rc.StartTimeout)
	}
}

// The run's limit bounds every wait inside it: a call gets at most half of
// it, so a server that never answers fails its call before the run's limit.
func TestPlanBoundsWaitsByTheRunsLimit(t *testing.T) {
	p := Plan{Timeout: 4 * time.Minute, RocketChat: targets.RocketChatConfig{Version: "8.6.1"}}.WithDefaults()
	if p.HTTPTimeout != 10*time.Second || p.StartTimeout != 4*time.Minute || p.RateLimitBudget != 3*time.Minute {
		t.Errorf("bounded by 4m: %+v", p)
	}
	p = Plan{Timeout: 6 * time.Second}.WithDefaults()
	if p.HTTPTimeout != 3*time.Second || p.StartTimeout != 6*time.Second || p.RateLimitBudget != 6*time.Second {
		t.Errorf("bounded by 6s: %+v", p)
	}
}

func TestPlanSuite(t *testing.T) {
	s := Plan{RocketChat: targets.RocketChatConfig{Version: "7.10.2"}, Level: conformance.Core, MaxUsers: 5}.Suite()
	if s.RCVersion != "7.10.2" || !strings.Contains(s.RCVersionFrom, "--rocketchat") || s.Start == nil || s.Kind != string(targets.RocketChat) ||
		s.Level != conformance.Core || s.MaxUsers != 5 {
		t.Errorf("the suite of a Rocket.Chat plan: %+v", s)
	}
	if s := (Plan{RCVersion: "6.14.0", RocketChat: targets.RocketChatConfig{Version: "7.10.2"}}).Suite(); s.RCVersion != "6.14.0" {
		t.Errorf("--rc-version wins over the release started: %q", s.RCVersion)
	}
	for p, want := range map[*Plan]string{
		{URL: "http://u:p@127.0.0.1:3000"}: "the server at http://127.0.0.1:3000",
		{Image: "our/server:1"}:            "the image our/server:1 in a container",
		{Target: targets.InProcess}:        "the bundled reference, in-process",
		{}:                                 "the bundled reference (in a container when",
	} {
		if got := p.Describe(); !strings.HasPrefix(got, want) {
			t.Errorf("Describe() = %q, want %q", got, want)
		}
	}
}

func TestPlanFilter(t *testing.T) {
	dir := t.TempDir()
	res := &report.Results{Format: report.Format, Checks: []report.Check{
		{Info: conformance.Info{ID: "AUTH-01"}, Outcome: report.Failed},
		{Info: conformance.Info{ID: "OK-GROUP"}, Outcome: report.Passed},
		{Info: conformance.Info{ID: "USER-UNKNOWN"}, Outcome: report.Failed},
	}}
	write := func() {
		t.Helper()
		if err := report.WriteResults(filepath.Join(dir, report.ResultsFile), res); err != nil {
			t.Fatal(err)
		}
	}
	write()
	got, err := Plan{LabelFilter: "core", RerunFailed: dir}.Filter()
	if err != nil || got != "(core) && (id:AUTH-01 || id:USER-UNKNOWN)" {
		t.Errorf("Filter() = %q, %v", got, err)
	}
	res.Checks[0].Outcome, res.Checks[2].Outcome = report.Passed, report.Passed
	write()
	if _, err := (Plan{RerunFailed: dir}).Filter(); err == nil || !strings.Contains(err.Error(), ErrNothingToRerun.Error()) {
		t.Errorf("nothing failed: %v", err)
	}
	res.Checks[0].ID, res.Checks[0].Outcome = "x) || (y", report.Failed
	write()
	if _, err := (Plan{RerunFailed: dir}).Filter(); err == nil || !strings.Contains(err.Error(), "no check id") {
		t.Errorf("a smuggled filter: %v", err)
	}
}
