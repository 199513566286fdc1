package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/openapi"
)

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"headers": sortedHeaders,
	"join":    strings.Join,
}).Parse(pageTemplate))

// WriteHTML writes the certificate page: verdict, target, summary tables,
// the coverage matrix, the evidence of each failure and every check.
func WriteHTML(path string, res *Results) error {
	var buf bytes.Buffer
	if err := RenderHTML(&buf, res); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write the HTML report: %w", err)
	}
	return nil
}

// RenderHTML renders the certificate page of res to w.
func RenderHTML(w io.Writer, res *Results) error {
	v, err := newView(res)
	if err != nil {
		return err
	}
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("render the HTML report: %w", err)
	}
	return nil
}

// view is what the template shows, prepared so the template stays simple.
type view struct {
	*Results
	VerdictClass string
	Headline     string
	Duration     string
	Features     []featureRow
	Matrix       matrix
	// Failures are the failed checks that count toward the verdict.
	Failures []Check
	// Recommended are the recommended checks, reported in their own
	// section whether they count or not.
	Recommended []Check
	Families    []family
	// Fingerprint lists the target's fingerprint in dimension order.
	Fingerprint []fingerprintRow
	// The comparison's own verdict, for a diff run.
	ComparisonClass, ComparisonWord, ComparisonHeadline string
}

type fingerprintRow struct {
	Dimension string
	conformance.Shown
}

type featureRow struct {
	FeatureCounts
	Parameters string
	Certified  bool
}

type matrix struct {
	Statuses []int
	Rows     []matrixRow
}

type matrixRow struct {
	Operation string
	Cells     []matrixCell
}

type matrixCell struct {
	// Kind is "covered", "missing" (documented, no check got it),
	// "undocumented" (answered, not documented) or "none" (neither).
	Kind   string
	Checks []string
}

type family struct {
	Name   string
	Checks []Check
}

func newView(res *Results) (*view, error) {
	spec, err := openapi.Load()
	if err != nil {
		return nil, fmt.Errorf("load the embedded spec: %w", err)
	}
	v := &view{Results: res, Duration: durationText(res.EndTime.Sub(res.StartTime))}
	s := res.Summary
	switch s.Verdict {
	case Conformant:
		v.VerdictClass = "pass"
		v.Headline = fmt.Sprintf("Every check that counts at level %s passed; certified feature level %s.", res.Selection.Level, s.CertifiedFeatureLevel)
	case NotConformant:
		v.VerdictClass = "fail"
		n := res.Counted()
		v.Headline = fmt.Sprintf("%d of %d counted checks that ran failed; certified feature level %s.", n.Failed, n.Passed+n.Failed, s.CertifiedFeatureLevel)
	default:
		v.VerdictClass = "stop"
		v.Headline = "The run did not give a verdict."
		if res.RunError != nil {
			v.Headline = "The run did not give a verdict: " + res.RunError.Reason + "."
		}
	}

	params := map[string][]string{}
	for p, ver := range spec.Since() {
		params[ver] = append(params[ver], p)
	}
	certified := slices.Index(conformance.FeatureVersions, s.CertifiedFeatureLevel)
	for _, f := range s.Features {
		ps := params[f.Version]
		slices.Sort(ps)
		i := slices.Index(conformance.FeatureVersions, f.Version)
		v.Features = append(v.Features, featureRow{FeatureCounts: f, Parameters: strings.Join(ps, ", "), Certified: i >= 0 && i <= certified})
	}

	for _, d := range conformance.Dimensions {
		if shown, ok := res.Target.Fingerprint[d.ID]; ok {
			v.Fingerprint = append(v.Fingerprint, fingerprintRow{Dimension: d.ID, Shown: shown})
		}
	}
	if c := res.Comparison; c != nil {
		v.ComparisonClass, v.ComparisonWord, v.ComparisonHeadline = comparisonVerdict(c)
	}

	v.Matrix = newMatrix(res.Coverage)
	byFamily := map[string][]Check{}
	for _, c := range res.Checks {
		if c.Outcome == Failed && c.Counts {
			v.Failures = append(v.Failures, c)
		}
		if c.Level == conformance.Recommended {
			v.Recommended = append(v.Recommended, c)
		}
		byFamily[c.Family] = append(byFamily[c.Family], c)
	}
	for name, checks := range byFamily {
		slices.SortFunc(checks, func(a, b Check) int { return strings.Compare(a.ID, b.ID) })
		v.Families = append(v.Families, family{Name: name, Checks: checks})
	}
	slices.SortFunc(v.Families, func(a, b family) int { return strings.Compare(a.Name, b.Name) })
	return v, nil
}

// comparisonVerdict words the verdict of a diff run: red only for real
// differences; those within the variation the release allows are named,
// and leave it green.
func comparisonVerdict(c *Comparison) (class, word, headline string) {
	n, dims := len(c.WithinVariation), strings.Join(withinDimensions(c), ", ")
	switch {
	case len(c.Differences) > 0:
		headline = fmt.Sprintf("Compared with %s: %s answered differently.", c.Against, requests(len(c.Differences)))
		if n > 0 {
			headline += fmt.Sprintf(" Besides, %s answered differently within the variation the release allows (%s).", requests(n), dims)
		}
		return "fail", "differs", headline
	case n > 0:
		return "pass", "within known variation", fmt.Sprintf("Compared with %s: no answer differed beyond the variation the release allows; %s answered differently within it (%s).", c.Against, requests(n), dims)
	}
	return "pass", "no difference", fmt.Sprintf("Compared with %s: every request was answered alike.", c.Against)
}

// withinDimensions lists the dimensions that explain the comparison's
// differences within known variation, in order of first mention.
func withinDimensions(c *Comparison) []string {
	var out []string
	for _, d := range c.WithinVariation {
		for _, dim := range d.Dimensions {
			if !slices.Contains(out, dim) {
				out = append(out, dim)
			}
		}
	}
	return out
}

func requests(n int) string {
	if n == 1 {
		return "1 request was"
	}
	return fmt.Sprintf("%d requests were", n)
}

func newMatrix(cells []CoverageCell) matrix {
	var m matrix
	var ops []string
	byOp := map[string]map[int]CoverageCell{}
	for _, c := range cells {
		op := c.Method + " " + c.Path
		if byOp[op] == nil {
			byOp[op] = map[int]CoverageCell{}
			ops = append(ops, op)
		}
		byOp[op][c.Status] = c
		if !slices.Contains(m.Statuses, c.Status) {
			m.Statuses = append(m.Statuses, c.Status)
		}
	}
	slices.Sort(m.Statuses)
	for _, op := range ops {
		row := matrixRow{Operation: op}
		for _, st := range m.Statuses {
			c, ok := byOp[op][st]
			cell := matrixCell{Kind: "none", Checks: c.Checks}
			switch {
			case !ok:
			case !c.Documented:
				cell.Kind = "undocumented"
			case len(c.Checks) == 0:
				cell.Kind = "missing"
			default:
				cell.Kind = "covered"
			}
			row.Cells = append(row.Cells, cell)
		}
		m.Rows = append(m.Rows, row)
	}
	return m
}

type header struct{ Name, Value string }

func sortedHeaders(h map[string]string) []header {
	out := make([]header, 0, len(h))
	for k, v := range h {
		out = append(out, header{k, v})
	}
	slices.SortFunc(out, func(a, b header) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// durationText renders a duration for people: 12ms, 1.4s, 2m3s.
func durationText(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
