package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/report"
)

func TestVerify(t *testing.T) {
	fresh := t.TempDir()
	wantExit(t, cli(t, nil, "run", "--in-process", "--report-dir", fresh), exitPassed)
	data, err := os.ReadFile(filepath.Join(fresh, report.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	wantExit(t, cli(t, nil, "verify", fresh), exitPassed)

	for _, tc := range []struct {
		name      string
		old, new  string
		mentioned []string
	}{
		// Turning a failure into a pass, or the reverse, changes the checks
		// and so their digest and the counts.
		{"edited outcome", `"outcome": "passed"`, `"outcome": "failed", "failure": "x"`, []string{"checksDigest", "summary total.passed"}},
		{"edited count", `"passed": `, `"passed": 1`, []string{"summary total.passed says 1"}},
		{"edited verdict", `"verdict": "conformant"`, `"verdict": "not conformant"`, []string{"summary verdict"}},
		{"edited spec digest", `"specDigest": "sha256:`, `"specDigest": "sha256:0`, []string{"specDigest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(string(data), tc.old) {
				t.Fatalf("results.json has no %q to edit", tc.old)
			}
			dir := t.TempDir()
			edited := strings.Replace(string(data), tc.old, tc.new, 1)
			if err := os.WriteFile(filepath.Join(dir, report.ResultsFile), []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			r := cli(t, nil, "verify", dir)
			wantExit(t, r, exitFailed)
			for _, m := range tc.mentioned {
				if !strings.Contains(r.stdout, m) {
					t.Errorf("verify does not name %q", m)
				}
			}
		})
	}

	t.Run("unreadable", func(t *testing.T) {
		r := cli(t, nil, "verify", t.TempDir())
		wantExit(t, r, exitCannotRun)
		wantOneSentence(t, r, "results.json")
	})
	t.Run("not JSON", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, report.ResultsFile), []byte("<html>"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := cli(t, nil, "verify", dir)
		wantExit(t, r, exitCannotRun)
		wantOneSentence(t, r, "not a JSON object")
	})
}
