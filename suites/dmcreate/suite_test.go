package dmcreate_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/suites/dmcreate"
	"github.com/rcconform/rcconform/suites/framework"
)

// TestDMCreate runs the suites against RC_URL when it is set (with
// RC_ADMIN_USER / RC_ADMIN_PASSWORD), against RC_IMAGE when that is set,
// else against the bundled reference: in a container when a Docker engine
// answers, in-process otherwise. RC_TARGET=in-process forces the latter;
// RC_MAX_USERS and RC_RATE_LIMIT_BUDGET tune the run.
func TestDMCreate(t *testing.T) {
	cfg := &dmcreate.Config
	cfg.URL = os.Getenv("RC_URL")
	cfg.Image = os.Getenv("RC_IMAGE")
	cfg.Kind = framework.Kind(os.Getenv("RC_TARGET"))
	if v := os.Getenv("RC_ADMIN_USER"); v != "" {
		cfg.AdminUser = v
	}
	if v := os.Getenv("RC_ADMIN_PASSWORD"); v != "" {
		cfg.AdminPassword = v
	}
	if v := os.Getenv("RC_MAX_USERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("RC_MAX_USERS=%q is not a positive number", v)
		}
		cfg.MaxUsers = n
	}
	if v := os.Getenv("RC_RATE_LIMIT_BUDGET"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("RC_RATE_LIMIT_BUDGET=%q is not a duration", v)
		}
		cfg.RateLimitBudget = d
	}
	cfg.Log = os.Stderr
	RegisterFailHandler(Fail)
	RunSpecs(t, "dm.create conformance")
}
