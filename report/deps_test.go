package report

import (
	"os/exec"
	"strings"
	"testing"
)

// The report package is what `rcconform verify` and report rendering
// need: it must not pull in the suites, the reference server or
// testcontainers.
func TestDependencies(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	const self = "github.com/rcconform/rcconform/report"
	out, err := exec.CommandContext(t.Context(), gocmd, "list", "-deps", self, "github.com/rcconform/rcconform/cmd/rcverify").Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", self, err, stderr)
	}
	deps := strings.Fields(string(out))
	under := func(pkg, root string) bool { return pkg == root || strings.HasPrefix(pkg, root+"/") }
	for _, pkg := range deps {
		switch {
		case strings.Contains(pkg, "testcontainers"):
			t.Errorf("report depends on %s (testcontainers)", pkg)
		case under(pkg, "github.com/rcconform/rcconform/reference"), under(pkg, "github.com/rcconform/rcconform/suites"):
			t.Errorf("report depends on %s", pkg)
		}
	}
	// The list is the real one: it names the package and its vocabulary.
	for _, want := range []string{self, "github.com/rcconform/rcconform/conformance"} {
		found := false
		for _, pkg := range deps {
			found = found || pkg == want
		}
		if !found {
			t.Errorf("go list -deps does not name %s:\n%s", want, out)
		}
	}
}
