package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// File names in a report directory.
const (
	ResultsFile = "results.json"
	HTMLFile    = "report.html"
	JUnitFile   = "junit.xml"
)

// Write puts results.json, report.html and junit.xml into dir, creating
// it, and returns their paths.
func Write(dir string, r types.Report, res *Results) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create the report directory: %w", err)
	}
	results, html, junit := filepath.Join(dir, ResultsFile), filepath.Join(dir, HTMLFile), filepath.Join(dir, JUnitFile)
	if err := WriteResults(results, res); err != nil {
		return nil, err
	}
	if err := WriteHTML(html, res); err != nil {
		return nil, err
	}
	if err := WriteJUnit(junit, r); err != nil {
		return nil, err
	}
	return []string{results, html, junit}, nil
}

// WriteResults writes res as indented JSON.
func WriteResults(path string, res *Results) error { return WriteJSON(path, res, "the results") }

// WriteJSON writes v, called what in errors, as indented JSON without HTML
// escaping: bodies stay readable, and the digests do not depend on escaping.
func WriteJSON(path string, v any, what string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s: %w", what, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}

// WriteJUnit writes the run as JUnit XML, one test case per check: suite
// setup and cleanup nodes are not tests, and passing checks carry no
// timeline.
func WriteJUnit(path string, r types.Report) error {
	err := reporters.GenerateJUnitReportWithConfig(r, path, reporters.JunitReportConfig{
		OmitSuiteSetupNodes:       true,
		OmitTimelinesForSpecState: types.SpecStatePassed | types.SpecStateSkipped,
		OmitCapturedStdOutErr:     true,
	})
	if err != nil {
		return fmt.Errorf("write the JUnit report: %w", err)
	}
	return nil
}
