package dmcreate

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// judge sends the check's requests, then takes the first answer the run
// accepts from this target (its release's variants, pinned to the ones its
// fingerprint showed) whose assertions all hold. It records which answer
// that was; when none holds it fails, naming every answer it accepted and
// why each did not fit.
func (e env) judge(ctx SpecContext, c check) {
	GinkgoHelper()
	rs := c.Send(ctx, e)
	info := c.info()
	accepted := info.Accepts(e.level, e.Assessment.Accepted)
	if len(accepted) == 0 {
		fw.Failf("rcconform bug: %s gives no answer for what %s may show (%s)", c.ID, e.where(), e.variantsOf(c.Dimensions))
	}
	var misses []string
	for _, n := range accepted {
		a := c.Answers[n]
		err := InterceptGomegaFailure(func() { a.Expect(e, rs) })
		if err == nil {
			record(a.Answer, n)
			return
		}
		misses = append(misses, fmt.Sprintf("  (%d) %s%s\n      but: %s", len(misses)+1, a.Says, whenText(a.When), promiseOf(err.Error())))
	}
	var b strings.Builder
	if e.level == core && c.Level == core {
		fmt.Fprintf(&b, "%s: the doc page promises %s\n%s", c.Title, c.Answers[accepted[0]].Says, misses[0])
		if d, ok := e.deviationMatched(c, rs); ok {
			fmt.Fprintf(&b, "\n  The target answers as %s itself may (deviation %s: %s), which passes at --level compat; at --level core the doc page is the contract.", e.where(), d.Deviation.ID, d.Says)
		}
	} else {
		fmt.Fprintf(&b, "%s: the answer is none of those %s may give (%s):\n%s", c.Title, e.where(), e.variantsOf(c.Dimensions), strings.Join(misses, "\n"))
	}
	fw.Failf("%s%s", b.String(), exchangeOf(rs))
}

// deviationMatched reports the first deviation of c whose answer the target
// gave and whose variants the run accepts.
func (e env) deviationMatched(c check, rs []*fw.Response) (answer, bool) {
	for _, a := range c.Answers {
		if a.Deviation == nil || !a.Allows(e.Assessment.Accepted) {
			continue
		}
		if InterceptGomegaFailure(func() { a.Expect(e, rs) }) == nil {
			return a, true
		}
	}
	return answer{}, false
}

// record attaches the answer the check took to its report.
func record(a conformance.Answer, n int) {
	rec := conformance.Answered{Index: n, Says: a.Says}
	if a.Deviation != nil {
		rec.Deviation = a.Deviation.ID
	}
	AddReportEntry(conformance.AnswerEntry, rec, ReportEntryVisibilityNever)
}

// where names the release the run certifies against, or the lines the
// fingerprint fits when the release is not known.
func (e env) where() string {
	if l, ok := conformance.LineOf(e.Rel); ok {
		return fmt.Sprintf("release %s (the %s line)", e.Rel, l.Name)
	}
	return "a release of the lines " + strings.Join(e.Assessment.Lines, ", ")
}

// variantsOf lists what the run accepts along the dimensions.
func (e env) variantsOf(dims []string) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = d + "=" + strings.Join(e.Assessment.Accepted[d], "|")
	}
	return strings.Join(parts, ", ")
}

func whenText(cs []conformance.Cond) string {
	if len(cs) == 0 {
		return ""
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return " [" + strings.Join(parts, ", ") + "]"
}

// promiseOf is the words of a failure, without the exchange it shows.
func promiseOf(msg string) string {
	p, _, _ := strings.Cut(msg, "\n  request:")
	return strings.ReplaceAll(p, "\n", "\n      ")
}

// exchangeOf shows the requests the check sent and the answers.
func exchangeOf(rs []*fw.Response) string {
	var b strings.Builder
	for _, r := range rs {
		if r == nil {
			continue
		}
		_, ex, _ := strings.Cut(r.Explain(""), "\n")
		b.WriteString("\n" + ex)
	}
	return b.String()
}
