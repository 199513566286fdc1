package diff

import (
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rcconform/rcconform/report"
)

// Schema is the JSON Schema (draft 2020-12) of diff.json.
//
//go:embed diff.schema.json
var Schema []byte

const schemaURL = "https://github.com/rcconform/rcconform/diff/diff.schema.json"

var validate = report.SchemaValidator("diff.schema.json", schemaURL, Schema)

// ValidateSchema reports whether data is a JSON text that follows Schema.
func ValidateSchema(data []byte) error { return validate(data) }

// Write puts the report, as indented JSON, at path; lists left nil are
// written empty, as the schema wants them.
func (r *Report) Write(path string) error {
	if r.Differences == nil {
		r.Differences = []Difference{}
	}
	if r.WithinVariation == nil {
		r.WithinVariation = []Difference{}
	}
	return report.WriteJSON(path, r, "the comparison")
}

// ReadFile reads and decodes a diff.json without checking it.
func ReadFile(path string) (*Report, error) {
	var r Report
	if err := report.ReadJSON(path, &r, "the comparison"); err != nil {
		return nil, err
	}
	return &r, nil
}

// Comparison is the report's section of the target's certificate.
func (r *Report) Comparison(against string) *report.Comparison {
	c := &report.Comparison{Against: against, File: File, Differences: []report.ComparedDifference{}}
	if r.Checks != nil {
		c.Exchanges = r.Checks.Exchanges
	}
	if e := r.Explore; e != nil {
		c.Explored = fmt.Sprintf("%d generated cases (seed %d)", e.Cases, e.Seed)
	}
	if r.Variation != nil {
		c.Variation = r.Variation.Describe()
	}
	for _, d := range r.Differences {
		c.Differences = append(c.Differences, d.compared())
	}
	for _, d := range r.WithinVariation {
		c.WithinVariation = append(c.WithinVariation, d.compared())
	}
	return c
}

// compared is the difference as the certificate shows it.
func (d Difference) compared() report.ComparedDifference {
	cd := report.ComparedDifference{
		Source: d.Origin(), Title: d.Title, Request: d.Request.String(),
		Target: d.Target.String(), Against: d.Against.String(),
	}
	for _, a := range d.Aspects {
		cd.Differs = append(cd.Differs, a.Describe())
	}
	if d.Found != nil {
		cd.Skeleton = d.Found.Skeleton
	}
	if e := d.Explained; e != nil {
		cd.Dimensions, cd.Explained = e.Dimensions, e.Why
	}
	return cd
}

// Origin names where a difference came from: "OK-GROUP exchange 2", or
// "explore case 17".
func (d Difference) Origin() string {
	if d.Found != nil {
		return "explore case " + strconv.Itoa(d.Found.Index)
	}
	return d.Check + " exchange " + strconv.Itoa(d.Exchange)
}

// Column widths of the console table.
const (
	tableIndent = "    "
	columnWidth = 58
)

// maxTable bounds how many differences the console shows, and
// maxWithinTable how many of those within known variation; diff.json and
// report.html have all of them.
const (
	maxTable       = 25
	maxWithinTable = 10
)

// Table prints the differences for a console: for each, where it came from,
// the request, what differs, and both answers side by side.
func (r *Report) Table(w io.Writer) {
	for i, d := range r.Differences {
		if i == maxTable {
			fmt.Fprintf(w, "\n… and %d more differences, in %s and report.html\n", len(r.Differences)-maxTable, File)
			return
		}
		fmt.Fprintf(w, "\n%d. %s: %s\n", i+1, d.Origin(), d.Title)
		fmt.Fprintf(w, "%srequest   %s\n", tableIndent, indentLines(d.Request.String(), tableIndent+"          "))
		var what []string
		for _, a := range d.Aspects {
			what = append(what, a.Describe())
		}
		fmt.Fprintf(w, "%sdiffers   %s\n", tableIndent, strings.Join(what, ", "))
		left := TargetSide + "\n" + d.Target.String()
		right := AgainstSide + "\n" + d.Against.String()
		for _, line := range sideBySide(left, right, columnWidth) {
			fmt.Fprintf(w, "%s%s\n", tableIndent, strings.TrimRight(line, " "))
		}
		if d.Found != nil {
			fmt.Fprintf(w, "%sfound     %s\n", tableIndent, d.Found.Describe())
			fmt.Fprintf(w, "%scheck skeleton for suites/dmcreate:\n%s\n", tableIndent, indentLines(tableIndent+d.Found.Skeleton, tableIndent))
		}
	}
}

// WithinTable lists the differences within known variation for a
// console, one short entry each: where, what differs, and the dimensions
// that explain it.
func (r *Report) WithinTable(w io.Writer) {
	for i, d := range r.WithinVariation {
		if i == maxWithinTable {
			fmt.Fprintf(w, "  … and %d more, in %s and report.html\n", len(r.WithinVariation)-maxWithinTable, File)
			return
		}
		var what []string
		for _, a := range d.Aspects {
			what = append(what, a.Describe())
		}
		fmt.Fprintf(w, "  %s: %s (%s)\n    differs %s; %s\n", d.Origin(), d.Title, strings.Join(d.Explained.Dimensions, ", "), strings.Join(what, ", "), d.Explained.Why)
	}
}

// WithinDimensions lists the dimensions that explain the differences
// within known variation, in the model's order.
func (r *Report) WithinDimensions() []string {
	var out []string
	for _, d := range r.WithinVariation {
		for _, dim := range d.Explained.Dimensions {
			if !slices.Contains(out, dim) {
				out = append(out, dim)
			}
		}
	}
	slices.SortFunc(out, byModelOrder)
	return out
}

// Kind is differences that differ alike (one Signature): most likely one
// behaviour, seen by several exchanges.
type Kind struct {
	Signature string
	// Origins are where it was seen, in order.
	Origins []string
}

// Kinds groups the differences by signature, in order of first sight.
func (r *Report) Kinds() []Kind {
	var out []Kind
	at := map[string]int{}
	for _, d := range r.Differences {
		sig := Signature(d.Aspects)
		i, seen := at[sig]
		if !seen {
			i = len(out)
			at[sig] = i
			out = append(out, Kind{Signature: sig})
		}
		out[i].Origins = append(out[i].Origins, d.Origin())
	}
	return out
}

// Describe says how exploration found a difference.
func (f *Found) Describe() string {
	if !f.Minimal {
		return fmt.Sprintf("at generated case %d; shrinking did not reproduce it, so this is the case as first generated", f.Index)
	}
	return fmt.Sprintf("at generated case %d, shrunk to the case above in %d steps (%.0f ms)", f.Index, f.ShrinkSteps, f.ShrinkMillis)
}

func indentLines(s, indent string) string {
	return strings.ReplaceAll(s, "\n", "\n"+indent)
}

// sideBySide lays two texts out in two columns of width runes, wrapping
// long lines.
func sideBySide(left, right string, width int) []string {
	l, r := wrap(left, width), wrap(right, width)
	out := make([]string, max(len(l), len(r)))
	for i := range out {
		var a, b string
		if i < len(l) {
			a = l[i]
		}
		if i < len(r) {
			b = r[i]
		}
		out[i] = a + strings.Repeat(" ", width-utf8.RuneCountInString(a)) + " | " + b
	}
	return out
}

// wrap cuts each line of s into pieces of at most width runes.
func wrap(s string, width int) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		runes := []rune(line)
		for len(runes) > width {
			out = append(out, string(runes[:width]))
			runes = runes[width:]
		}
		out = append(out, string(runes))
	}
	return out
}
