package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/suites/dmcreate"
)

// checks prints the catalogue: a table for people, or with --json the
// document the committed catalogue.json is generated from. With --release
// it shows what each check accepts at that release.
func checks(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rcconform checks", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print the catalogue as JSON")
	release := fs.String("release", "", "show, per check, the answers it accepts and the deviations at this release (e.g. 7.10.0)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: rcconform checks [--json] [--release X.Y.Z]")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return exitPassed
		}
		return cannotRun(stderr, "%v; see rcconform checks -h", err)
	}
	if fs.NArg() > 0 {
		return cannotRun(stderr, "checks takes no argument but --json and --release")
	}
	if *release == "" {
		return printCatalogue(stdout, stderr, *asJSON)
	}
	rel, err := conformance.ParseRelease(*release)
	if err != nil {
		return cannotRun(stderr, "--release: %v", err)
	}
	view := dmcreate.AtRelease(rel)
	if *asJSON {
		return printJSON(stdout, stderr, view)
	}
	fmt.Fprintf(stdout, "%s\n\n", conformance.Describe(rel))
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tLEVEL\tDIMENSIONS\tSTATUS\tACCEPTED ANSWERS")
	for _, c := range view.Checks {
		if len(c.Accepted) == 0 {
			fmt.Fprintf(w, "%s\t%s\t-\t\t%s\n", c.ID, c.Level, "the same answer at every release: "+c.Title)
			continue
		}
		for i, a := range c.Accepted {
			id, level, dims := "", "", ""
			if i == 0 {
				id, level, dims = c.ID, string(c.Level), strings.Join(c.Dimensions, ",")
			}
			says := a.Says
			switch {
			case a.Doc:
				says += " [the doc page's]"
			case a.Deviation != nil:
				says += fmt.Sprintf(" [deviation %s from the doc page; the doc page's answer passes too: %v]", a.Deviation.ID, a.Deviation.DocAlsoPasses)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", id, level, dims, a.Status, says)
		}
	}
	if err := w.Flush(); err != nil {
		return cannotRun(stderr, "cannot print the catalogue: %v", err)
	}
	fmt.Fprintf(stdout, "\n%d checks at %s; at --level core a core check accepts the doc page's answer alone\n", len(view.Checks), rel)
	return exitPassed
}

func printCatalogue(stdout, stderr io.Writer, asJSON bool) int {
	if asJSON {
		raw, err := dmcreate.CatalogueJSON()
		if err != nil {
			return cannotRun(stderr, "cannot encode the catalogue: %v", err)
		}
		if _, err := stdout.Write(raw); err != nil {
			return cannotRun(stderr, "cannot print the catalogue: %v", err)
		}
		return exitPassed
	}
	cat := dmcreate.Catalogue()
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tLEVEL\tSINCE\tSTATUS\tFAMILY\tDIMENSIONS\tEVIDENCE\tTITLE")
	for _, c := range cat {
		kinds := map[string]bool{}
		var ev []string
		for _, e := range c.Evidence {
			if !kinds[string(e.Kind)] {
				ev = append(ev, string(e.Kind))
				kinds[string(e.Kind)] = true
			}
		}
		status, dims := fmt.Sprint(c.Status), strings.Join(c.Dimensions, ",")
		if c.Status == 0 {
			status = "varies"
		}
		if dims == "" {
			dims = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Level, c.Since, status, c.Family, dims, strings.Join(ev, "+"), c.Title)
	}
	if err := w.Flush(); err != nil {
		return cannotRun(stderr, "cannot print the catalogue: %v", err)
	}
	fmt.Fprintf(stdout, "\n%d checks; `rcconform checks --json` prints each with its evidence and answers, with the dimensions and release lines; `--release X` what each accepts at X\n", len(cat))
	return exitPassed
}

func printJSON(stdout, stderr io.Writer, v any) int {
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return cannotRun(stderr, "cannot print the catalogue: %v", err)
	}
	return exitPassed
}
