package conformance

import (
	"fmt"
	"strings"
)

// LinesTable is the release lines as a Markdown table: a row per line, a
// column per dimension; a variant in bold is established, "a | b" lists
// the possible ones (the first is the reference's default). docs/releases.md
// carries it, and a test keeps the two the same.
func LinesTable() string {
	var b strings.Builder
	b.WriteString("| line | releases |")
	for _, d := range Dimensions {
		b.WriteString(" " + d.ID + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(Dimensions)) + "\n")
	for _, l := range Lines {
		fmt.Fprintf(&b, "| %s | `%s` |", l.Name, l.Releases)
		for _, d := range Dimensions {
			vs := l.Allowed(d.ID)
			if len(vs) == 1 {
				fmt.Fprintf(&b, " **%s** |", vs[0])
			} else {
				fmt.Fprintf(&b, " %s |", strings.Join(vs, " \\| "))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
