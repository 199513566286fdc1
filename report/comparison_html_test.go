package report

import (
	"encoding/json"
	"strings"
	"testing"
)

// comparedDiff is a difference as a diff run puts it on the certificate;
// dims makes it one within known variation.
func comparedDiff(source string, dims ...string) ComparedDifference {
	d := ComparedDifference{Source: source, Title: "a check", Differs: []string{"body error"},
		Request: "POST /api/v1/dm.create\n{}", Target: "400\n{\"error\":\"x [invalid-params]\"}", Against: "400\n{\"error\":\"x\"}"}
	if len(dims) > 0 {
		d.Dimensions, d.Explained = dims, "PARAMS-MISSING passed at both servers with answers of variants 8.4.0 allows"
	}
	return d
}

// verdictDiv is the comparison's verdict box at the top of the page.
func verdictDiv(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `id="comparison-verdict"`)
	if i < 0 {
		t.Fatal("the page has no comparison verdict")
	}
	start := strings.LastIndex(page[:i], "<div")
	end := strings.Index(page[i:], "</div>\n</div>")
	return page[start : i+end]
}

func TestComparisonVerdict(t *testing.T) {
	against := "the reference at 8.4.0"
	for _, tc := range []struct {
		name          string
		real, within  []ComparedDifference
		class, word   string
		headline      []string
		listed, apart int
	}{
		{"alike", nil, nil, "pass", "no difference", []string{"every request was answered alike"}, 0, 0},
		{"within known variation only", nil, []ComparedDifference{comparedDiff("PARAMS-MISSING exchange 1", "route"), comparedDiff("explore case 3", "route", "coercion")},
			"pass", "within known variation", []string{"no answer differed beyond the variation the release allows", "2 requests were answered differently within it (route, coercion)."}, 0, 2},
		{"real and within", []ComparedDifference{comparedDiff("AUTH-01 exchange 1")}, []ComparedDifference{comparedDiff("PARAMS-MISSING exchange 1", "route")},
			"fail", "differs", []string{"1 request was answered differently.", "Besides, 1 request was answered differently within the variation the release allows (route)"}, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := sealed(t)
			res.Comparison = &Comparison{Against: against, File: "diff.json", Exchanges: 200, Variation: "8.4.0 (the 8.3–8.5 line) allows route=legacy|typed",
				Differences: append([]ComparedDifference{}, tc.real...), WithinVariation: tc.within}
			raw, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateSchema(raw); err != nil {
				t.Fatalf("results.json with this comparison does not follow its schema: %v", err)
			}
			page := render(t, res)
			box := verdictDiv(t, page)
			if !strings.Contains(box, `class="verdict `+tc.class+`"`) || !strings.Contains(box, `<div class="word">`+tc.word+`</div>`) {
				t.Errorf("the comparison verdict is not %s/%q:\n%s", tc.class, tc.word, box)
			}
			for _, want := range tc.headline {
				if !strings.Contains(box, want) {
					t.Errorf("the comparison verdict lacks %q:\n%s", want, box)
				}
			}
			// The conformance verdict stays its own, beside it.
			if !strings.Contains(page, `<div class="verdict fail">`+"\n"+`  <div class="word" id="verdict">not conformant</div>`) {
				t.Error("the conformance verdict is gone")
			}
			_, section, ok := strings.Cut(page, `<h2 id="comparison">Differences from the server compared against</h2>`)
			if !ok {
				t.Fatal("the page has no comparison section")
			}
			section, _, _ = strings.Cut(section, "<h2>")
			real, within, _ := strings.Cut(section, `id="within-variation"`)
			if n := strings.Count(real, `<div class="failure">`); n != tc.listed {
				t.Errorf("%d real differences listed, want %d", n, tc.listed)
			}
			if n := strings.Count(within, `<div class="within">`); n != tc.apart {
				t.Errorf("%d differences listed within known variation, want %d", n, tc.apart)
			}
			if tc.apart > 0 && !strings.Contains(within, "within known variation of <strong>route</strong>: PARAMS-MISSING passed") {
				t.Errorf("a difference within known variation does not name its dimension and why:\n%s", within)
			}
			if !strings.Contains(section, `id="variation">Variation: 8.4.0 (the 8.3–8.5 line) allows route=legacy|typed.`) {
				t.Errorf("the section does not say what the release allows:\n%s", section)
			}
		})
	}
}
