package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/rcconform/rcconform/suites/dmcreate"
)

// checks prints the catalogue: a table for people, or with --json the
// array the committed catalogue.json is generated from.
func checks(args []string, stdout, stderr io.Writer) int {
	asJSON := false
	switch {
	case len(args) == 1 && args[0] == "--json":
		asJSON = true
	case len(args) > 0:
		return cannotRun(stderr, "checks takes no argument but --json")
	}
	cat := dmcreate.Catalogue()
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
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tLEVEL\tSINCE\tSTATUS\tFAMILY\tRELEASES\tEVIDENCE\tTITLE")
	for _, c := range cat {
		kinds := map[string]bool{}
		var ev string
		for _, e := range c.Evidence {
			if !kinds[string(e.Kind)] {
				if ev != "" {
					ev += "+"
				}
				ev += string(e.Kind)
				kinds[string(e.Kind)] = true
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", c.ID, c.Level, c.Since, c.Status, c.Family, c.Releases, ev, c.Title)
	}
	if err := w.Flush(); err != nil {
		return cannotRun(stderr, "cannot print the catalogue: %v", err)
	}
	fmt.Fprintf(stdout, "\n%d checks; `rcconform checks --json` prints each with its evidence\n", len(cat))
	return exitPassed
}
