package dmcreate_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/rcconform/rcconform/certify"
	"github.com/rcconform/rcconform/config"
	"github.com/rcconform/rcconform/reference/container"
)

// TestDMCreate certifies the server the RC_* variables describe (see
// `rcconform run -h`), through the same Plan as the rcconform command:
// RC_URL, RC_IMAGE, or by default the bundled reference, in a container
// when a Docker engine answers and in-process otherwise. Ginkgo's own flags
// apply too.
func TestDMCreate(t *testing.T) {
	// Without a registry, testcontainers must not try to pull Ryuk, and on
	// some machines it must be told the mapped ports are on loopback.
	container.PrepareEnv()
	plan, err := config.Load(nil, nil, os.Getenv)
	if err != nil {
		t.Fatalf("rcconform: %v", err)
	}
	plan.Log = os.Stderr
	res := certify.Test(t, plan)
	if res != nil {
		failed, _ := res.Failures()
		// A plain closing line that CI and people read at a glance.
		fmt.Printf("%d passed, %d failed, %d skipped\n", res.Summary.Total.Passed, len(failed), len(res.Checks)-res.Summary.Total.Passed-len(failed))
	}
}
