package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// VerifyCommand is `verify DIR` of the rcconform and rcverify commands: it
// re-checks DIR/results.json (or the file named) and says so. It returns
// the exit code: 0 consistent, 1 something does not match, 2 the file
// cannot be read or parsed. name starts the sentences on stderr.
func VerifyCommand(path, name string, stdout, stderr io.Writer) int {
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		path = filepath.Join(path, ResultsFile)
	}
	res, err := VerifyFile(path)
	var mismatch *Mismatch
	switch {
	case errors.As(err, &mismatch):
		fmt.Fprintf(stdout, "NOT VERIFIED: %s does not match:\n", path)
		for _, p := range mismatch.Problems {
			fmt.Fprintf(stdout, "  - %s\n", p)
		}
		fmt.Fprintf(stderr, "%s: %s was changed after the run or comes from another harness version; do not trust it\n", name, path)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "%s: cannot verify: %v\n", name, err)
		return 2
	}
	s := res.Summary
	fmt.Fprintf(stdout, "verified: %s is consistent: %s at level %s, certified feature level %s, %d passed, %d failed, %d skipped, spec %s\n",
		path, s.Verdict, res.Selection.Level, s.CertifiedFeatureLevel, s.Total.Passed, s.Total.Failed, s.Total.Skipped, res.SpecDigest)
	return 0
}
