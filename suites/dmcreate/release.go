package dmcreate

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/rcconform/rcconform/conformance"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// releaseChecks: RELEASE-FINGERPRINT needs excludeSelf (3.18.0), which
// the coercion probe sends, and the usernames form whose message the route
// probe reads (3.1.0).
func releaseChecks() []check {
	every := make([]string, len(conformance.Dimensions))
	for i, d := range conformance.Dimensions {
		every[i] = d.ID
	}
	return []check{
		{At: here(), ID: "RELEASE-FINGERPRINT", Level: compat, Since: v3180, Status: 0, Dimensions: every,
			Title: "answers along every dimension as one release does: the one it reports, or for a server that reports none, some release",
			Evidence: ev(srcAuth6(), srcAuth8(), srcBodyParser6(), srcBodyParser8(), srcValidate6(), srcValidate8(), srcLookup6(), srcLookup8(), srcRoomLookup(), srcRoomLookup8(),
				srcStrictSchema(), srcFormsUnparsed(), srcSpread()),
			Run: func(ctx SpecContext, e env) {
				By("reading what the setup's probes showed: " + e.Fingerprint.String())
				for _, ex := range e.Probes {
					AddReportEntry(conformance.ExchangeEntry, ex, ReportEntryVisibilityNever)
				}
				if len(e.Assessment.Problems) == 0 {
					return
				}
				fw.Failf("every release answers along each dimension in one of a few ways, and the variants of one release go together (rcconform checks --release shows them); this target's answers contradict %s:\n  - %s\n  its fingerprint: %s",
					e.where(), strings.Join(e.Assessment.Problems, "\n  - "), e.Fingerprint)
			},
		},
	}
}
