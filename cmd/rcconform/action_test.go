package main

import (
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestActionMetadata reads the repository's composite action: every run
// step names its shell and parses as bash, every input it uses is declared,
// every output it declares is written by its step, and the password travels
// through the environment only. actionlint (make lint) checks the workflows
// that use it.
func TestActionMetadata(t *testing.T) {
	raw, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Name    string
		Inputs  map[string]struct{ Description string }
		Outputs map[string]struct{ Description, Value string }
		Runs    struct {
			Using string
			Steps []struct {
				ID, Name, Uses, Shell, Run string
				Env                        map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(raw, &action); err != nil {
		t.Fatalf("action.yml is not YAML: %v", err)
	}
	if action.Name == "" || action.Runs.Using != "composite" || len(action.Runs.Steps) == 0 {
		t.Fatalf("action.yml is no composite action with a name and steps")
	}
	for _, want := range []string{"target", "admin-user", "admin-password", "level", "rc-version", "report-dir", "version"} {
		if action.Inputs[want].Description == "" {
			t.Errorf("input %q is missing or undescribed", want)
		}
	}
	expr := regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)
	written := map[string][]string{} // step id → outputs it writes
	for i, s := range action.Runs.Steps {
		for _, v := range append([]string{s.Run}, slices.Collect(maps.Values(s.Env))...) {
			for _, m := range expr.FindAllStringSubmatch(v, -1) {
				if in, ok := strings.CutPrefix(m[1], "inputs."); ok {
					if _, declared := action.Inputs[in]; !declared {
						t.Errorf("step %d uses the undeclared input %q", i, in)
					}
				}
			}
		}
		if s.Run == "" {
			continue
		}
		if s.Shell != "bash" {
			t.Errorf("step %d (%s) runs a script without shell: bash", i, s.Name)
		}
		if strings.Contains(s.Run, "inputs.admin-password") || strings.Contains(s.Run, "RC_ADMIN_PASSWORD") && !strings.Contains(s.Env["RC_ADMIN_PASSWORD"], "inputs.admin-password") {
			t.Errorf("step %d handles the password outside the environment", i)
		}
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %d (%s) expands an expression inside its script; pass it through env", i, s.Name)
		}
		cmd := exec.Command("bash", "-n")
		cmd.Stdin = strings.NewReader(s.Run)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("step %d (%s) is not valid bash: %v\n%s", i, s.Name, err, out)
		}
		for _, m := range regexp.MustCompile(`echo "([a-z-]+)=`).FindAllStringSubmatch(s.Run, -1) {
			written[s.ID] = append(written[s.ID], m[1])
		}
	}
	for name, o := range action.Outputs {
		m := regexp.MustCompile(`steps\.([a-z-]+)\.outputs\.([a-z-]+)`).FindStringSubmatch(o.Value)
		if m == nil || !slices.Contains(written[m[1]], m[2]) || m[2] != name {
			t.Errorf("output %q (%s) is not written by the step it names", name, o.Value)
		}
	}
}
