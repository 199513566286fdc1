package diff

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/suites/dmcreate"
)

// Endpoint is a running server and the admin who provisions users there.
type Endpoint struct {
	URL           string
	AdminUser     string
	AdminPassword string
}

// CheckConfig says how to run the checks at the two servers.
type CheckConfig struct {
	Target, Against Endpoint
	// Release is the release the target is certified at ("" when it
	// reports none: its fingerprint decides), AgainstRelease the other
	// server's (default Release). The checks send the same requests
	// whatever the release; only their expectations follow it.
	Release        string
	AgainstRelease string
	// Variation tells differences the release's allowed variants explain
	// from real ones; nil counts every difference. Alternates, when given,
	// run the checks too, after both servers, so that an exchange can be
	// explained by what references with other variants answer.
	Variation   *Variation
	Alternates  []Alternate
	MaxUsers    int
	Level       conformance.Level
	LabelFilter string
	// Timeout bounds the whole run; HTTPTimeout each call; RateLimitBudget
	// the total wait on HTTP 429 at each server.
	Timeout         time.Duration
	HTTPTimeout     time.Duration
	RateLimitBudget time.Duration
	HarnessVersion  string
	// OnSide is called as the checks start at a server (TargetSide, then
	// AgainstSide); OnCheck as each check has run at both and been compared.
	OnSide  func(side string)
	OnCheck func(CheckResult)
}

// CheckResult is one check compared.
type CheckResult struct {
	ID, Title string
	// Target and Against are the check's outcomes at each server.
	Target, Against string
	// Exchanges is how many exchange pairs were compared; Differing how
	// many differ for real, Within how many within known variation.
	Exchanges, Differing, Within int
	// Dimensions explain the differences within known variation.
	Dimensions []string
}

// Checks is what RunChecks found.
type Checks struct {
	// Differences are the real differences; WithinVariation those the
	// release's allowed variants explain.
	Differences     []Difference
	WithinVariation []Difference
	Summary         ChecksSummary
	// TargetReport is the target's part of Ginkgo's report, shaped as
	// `rcconform run` makes it: what the target's certificate is made from.
	TargetReport types.Report
	// Cleanup says which test users could not be deleted afterwards; the
	// comparison stands.
	Cleanup error
}

// side is one server's part of the run: what its checks recorded.
type side struct {
	name    string
	cfg     dmcreate.Config
	session *dmcreate.Session
	norm    *Normaliser
	// variants is what an alternate emulates; nil for the two servers.
	variants map[string]string
	checks   map[string][]pair // check id → its exchanges, normalised
	outcome  map[string]string
	// answered is the answer each check that accepts several took.
	answered map[string]*conformance.Answered
}

// pair is one exchange, normalised.
type pair struct {
	req Request
	ans Answer
}

// Container texts of the Ginkgo tree RunChecks builds: the root, then one
// container per side, then the certification's own.
const (
	rootText  = "rcconform diff"
	sideDepth = 1
	certDepth = 3 // root, side, "dm.create conformance"
	// alternateSide names the sides of alternates, "alternate 1", ...
	alternateSide = "alternate"
	outcomeAbort  = "aborted"
)

type fakeT struct{}

func (fakeT) Fail() {}

// RunChecks runs every selected check at both servers, all of them at the
// target first, then at the other, each time in the catalogue's order, so
// that each check's requests reach both servers in the same order and
// after the same earlier checks; it pairs the exchanges of each check in
// order and compares them. It calls Ginkgo's RunSpecs, so it can run once per
// process, and it silences Ginkgo's own console output. A run that cannot
// happen returns a *conformance.CannotRun.
func RunChecks(cfg CheckConfig) (*Checks, error) {
	if cfg.Level == "" {
		cfg.Level = conformance.Compat
	}
	if cfg.AgainstRelease == "" {
		cfg.AgainstRelease = cfg.Release
	}
	sides := []*side{newSide(TargetSide, cfg, cfg.Target, cfg.Release), newSide(AgainstSide, cfg, cfg.Against, cfg.AgainstRelease)}
	for i, a := range cfg.Alternates {
		s := newSide(fmt.Sprintf("%s %d", alternateSide, i+1), cfg, a.Endpoint, cfg.AgainstRelease)
		s.variants = a.Variants
		sides = append(sides, s)
	}
	out := &Checks{Differences: []Difference{}, WithinVariation: []Difference{}, Summary: ChecksSummary{Level: string(cfg.Level), LabelFilter: cfg.LabelFilter}}
	// Ordered keeps the catalogue's order (Ginkgo would otherwise sort by
	// text); ContinueOnFailure lets every check run after one fails.
	ginkgo.Describe(rootText, ginkgo.Ordered, ginkgo.ContinueOnFailure, func() {
		for _, s := range sides {
			ginkgo.Describe(s.name, func() { s.session = dmcreate.GinkgoTest(&s.cfg) })
		}
	})
	var cleanupErr error
	ginkgo.AfterSuite(func(ctx ginkgo.SpecContext) {
		for _, s := range sides {
			cleanupErr = errors.Join(cleanupErr, s.session.Cleanup(ctx))
		}
	}, ginkgo.NodeTimeout(2*time.Minute))
	started := map[string]bool{}
	ginkgo.ReportBeforeEach(func(r types.SpecReport) {
		if s := sideOf(r); s != "" && !started[s] && cfg.OnSide != nil {
			started[s] = true
			cfg.OnSide(s)
		}
	})
	ginkgo.ReportAfterEach(func(r types.SpecReport) {
		name := sideOf(r)
		id, ok := conformance.IDFromLabels(r.Labels())
		if name == "" || !ok {
			return
		}
		s := sides[slices.IndexFunc(sides, func(s *side) bool { return s.name == name })]
		s.record(id, r)
		// Every side runs the checks in one order, the last side last.
		if _, done := sides[0].checks[id]; done && s == sides[len(sides)-1] {
			res, real, within := compareCheck(id, r.LeafNodeText, sides, cfg.Variation)
			out.Summary.Checks++
			out.Summary.Exchanges += res.Exchanges
			out.Summary.Differing += res.Differing
			out.Summary.WithinVariation += res.Within
			out.Differences = append(out.Differences, real...)
			out.WithinVariation = append(out.WithinVariation, within...)
			if cfg.OnCheck != nil {
				cfg.OnCheck(res)
			}
		}
	})
	var full types.Report
	ginkgo.ReportAfterSuite(rootText, func(r types.Report) { full = r })

	suiteCfg, repCfg := types.NewDefaultSuiteConfig(), types.NewDefaultReporterConfig()
	suiteCfg.LabelFilter = dmcreate.LevelFilter(cfg.Level)
	if cfg.LabelFilter != "" {
		suiteCfg.LabelFilter += " && (" + cfg.LabelFilter + ")"
	}
	if cfg.Timeout > 0 {
		suiteCfg.Timeout = cfg.Timeout
	}
	formatter.ColorableStdOut = io.Discard // progress goes through OnSide and OnCheck
	gomega.RegisterFailHandler(ginkgo.Fail)
	ginkgo.RunSpecs(fakeT{}, "dm.create differential comparison", suiteCfg, repCfg)

	if err := runError(full); err != nil {
		return nil, err
	}
	if full.PreRunStats.SpecsThatWillRun == 0 {
		return nil, &conformance.CannotRun{Reason: fmt.Sprintf("no check matches the selection (label filter %q); see `rcconform checks` for the ids and labels", suiteCfg.LabelFilter)}
	}
	out.Cleanup = cleanupErr
	out.TargetReport = targetReport(full)
	return out, nil
}

func newSide(name string, cfg CheckConfig, ep Endpoint, release string) *side {
	return &side{
		name: name, norm: NewNormaliser(Known{}),
		checks: map[string][]pair{}, outcome: map[string]string{}, answered: map[string]*conformance.Answered{},
		cfg: dmcreate.Config{
			URL: ep.URL, AdminUser: ep.AdminUser, AdminPassword: ep.AdminPassword,
			MaxUsers: cfg.MaxUsers, Level: cfg.Level, RCVersion: release,
			HTTPTimeout:     cfg.HTTPTimeout,
			RateLimitBudget: cfg.RateLimitBudget,
			HarnessVersion:  cfg.HarnessVersion, Log: io.Discard,
		},
	}
}

// sideOf names the server a spec of the tree ran against, "" for nodes
// outside the two sides.
func sideOf(r types.SpecReport) string {
	if r.LeafNodeType != types.NodeTypeIt || len(r.ContainerHierarchyTexts) <= sideDepth {
		return ""
	}
	return r.ContainerHierarchyTexts[sideDepth]
}

// record normalises a check's exchanges as it ends: checks end in the
// same order at both servers, so new ids are named alike.
func (s *side) record(id string, r types.SpecReport) {
	s.norm.Learn(known(s.session.Personas(), s.cfg.AdminUser))
	s.outcome[id] = outcome(r)
	var pairs []pair
	for i, e := range r.ReportEntries {
		if e.Name == conformance.AnswerEntry {
			if a, ok := e.Value.GetRawValue().(conformance.Answered); ok {
				s.answered[id] = &a
			}
			continue
		}
		if e.Name != conformance.ExchangeEntry {
			continue
		}
		ex, ok := e.Value.GetRawValue().(conformance.Exchange)
		if !ok {
			// Entries made in this process carry the value itself.
			panic(fmt.Sprintf("diff: report entry %d of %s is a %T, not an exchange", i, id, e.Value.GetRawValue()))
		}
		where := fmt.Sprintf("%s#%d", id, len(pairs)+1)
		pairs = append(pairs, pair{req: s.request(ex), ans: Answer{
			Sent: true, Status: ex.Status, ContentType: ex.ResponseHeaders["Content-Type"],
			Body: s.norm.Body(where, []byte(ex.ResponseBody)),
		}})
	}
	s.checks[id] = pairs
}

// known is what a side's run tells of its users: the personas it made,
// the admin, the user its probes made, and the bots every server has.
func known(p dmcreate.Personas, adminUser string) Known {
	k := Known{RunID: p.RunID, Users: append([]User(nil), builtinUsers...)}
	if p.Admin.UserID != "" {
		k.Users = append(k.Users, User{Key: ServerAdmin, ID: p.Admin.UserID, Username: adminUser, Token: p.Admin.Token})
	}
	for _, u := range p.Users {
		k.Users = append(k.Users, User{Key: u.Key, ID: u.ID, Username: u.Username, Token: u.Creds.Token})
	}
	if p.Probe.ID != "" {
		k.Users = append(k.Users, User{Key: p.Probe.Key, ID: p.Probe.ID, Username: p.Probe.Username})
	}
	return k
}

// run is how check id ended at this server.
func (s *side) run(id string) checkRun {
	return checkRun{outcome: s.outcome[id], answered: s.answered[id]}
}

func (s *side) request(ex conformance.Exchange) Request {
	req := Request{Method: ex.Method, Path: ex.Path, Body: s.norm.String(ex.RequestBody)}
	for _, k := range slices.Sorted(maps.Keys(ex.RequestHeaders)) {
		req.Headers = append(req.Headers, Header{Name: k, Value: s.norm.String(ex.RequestHeaders[k])})
	}
	return req
}

// outcome is how a check ended, in a word.
func outcome(r types.SpecReport) string {
	switch {
	case r.State.Is(types.SpecStatePassed):
		return "passed"
	case r.State.Is(types.SpecStateAborted | types.SpecStateInterrupted):
		return outcomeAbort
	case r.State.Is(types.SpecStateFailureStates):
		return "failed"
	case strings.HasPrefix(r.Failure.Message, conformance.RecommendedNotMet):
		return "not met"
	}
	return "skipped"
}

// compareCheck pairs a check's exchanges at both servers in order and
// tells the real differences from those within known variation: all of
// the check's, when what it recorded at both servers explains them
// (Variation.explainCheck); else each one the alternates explain.
func compareCheck(id, title string, sides []*side, v *Variation) (res CheckResult, real, within []Difference) {
	target, against := sides[0], sides[1]
	a, b := target.checks[id], against.checks[id]
	res = CheckResult{ID: id, Title: title, Target: target.outcome[id], Against: against.outcome[id], Exchanges: max(len(a), len(b))}
	byCheck := v.explainCheck(id, target.run(id), against.run(id))
	for i := range res.Exchanges {
		x, y := exchangeAt(a, i), exchangeAt(b, i)
		aspects := Compare(x.ans, y.ans)
		if len(aspects) == 0 {
			continue
		}
		req := x.req
		if !x.ans.Sent {
			req = y.req
		}
		x.ans.Outcome, y.ans.Outcome = res.Target, res.Against
		d := Difference{
			Source: FromCheck, Check: id, Title: title, Exchange: i + 1,
			Request: req, Target: x.ans, Against: y.ans, Aspects: aspects,
			Explained: byCheck,
		}
		if d.Explained == nil {
			d.Explained = explainByAlternates(v, x.ans, y.ans, sides[2:], id, i)
		}
		if d.Explained == nil {
			res.Differing++
			real = append(real, d)
			continue
		}
		res.Within++
		for _, dim := range d.Explained.Dimensions {
			if !slices.Contains(res.Dimensions, dim) {
				res.Dimensions = append(res.Dimensions, dim)
			}
		}
		within = append(within, d)
	}
	slices.SortFunc(res.Dimensions, byModelOrder)
	return res, real, within
}

// exchangeAt is a check's i-th exchange, or none when it stopped before it.
func exchangeAt(pairs []pair, i int) pair {
	if i < len(pairs) {
		return pairs[i]
	}
	return pair{}
}

// explainByAlternates explains the i-th exchange of check id, answered
// target and against, when the target answered as an alternate whose
// variants it may have and the server compared against as one whose
// variants it may have; of several such pairs, the one that differs along
// the fewest dimensions.
func explainByAlternates(v *Variation, target, against Answer, alts []*side, id string, i int) *Explanation {
	var best *Explanation
	for _, t := range alts {
		if len(Compare(target, exchangeAt(t.checks[id], i).ans)) > 0 {
			continue
		}
		for _, a := range alts {
			if len(Compare(against, exchangeAt(a.checks[id], i).ans)) > 0 {
				continue
			}
			if e := v.ExplainAnswers(t.variants, a.variants); e != nil && (best == nil || len(e.Dimensions) < len(best.Dimensions)) {
				best = e
			}
		}
	}
	return best
}

// runError is why the run could not happen or finish: an interrupt, the
// time limit, or a check that stopped the run (a server's setup failed).
func runError(r types.Report) error {
	if len(r.SpecialSuiteFailureReasons) > 0 {
		return &conformance.CannotRun{Reason: "the comparison did not finish (" + strings.ToLower(r.SpecialSuiteFailureReasons[0]) + "); run it again, with a longer --timeout if it ran out of time"}
	}
	for _, s := range r.SpecReports {
		if !s.State.Is(types.SpecStateAborted) {
			continue
		}
		msg := strings.TrimSpace(s.Failure.Message)
		reason, detail, _ := strings.Cut(strings.TrimPrefix(msg, conformance.CannotRunPrefix), "\n")
		switch name := sideOf(s); {
		case name == AgainstSide:
			reason = AgainstReason(reason)
		case strings.HasPrefix(name, alternateSide):
			reason = "a reference started to tell known variation apart: " + reason
		}
		return &conformance.CannotRun{Reason: reason, Err: errors.New(detail)}
	}
	return nil
}

// AgainstReason words why the run cannot happen when the server compared
// against is the cause: the setup's sentences name the target's flags, and
// these are the other server's.
func AgainstReason(reason string) string {
	return "the server compared against: " + strings.ReplaceAll(reason, "--admin-", "--against-admin-")
}

// targetReport is the target's part of the report, its specs' container
// texts cut to what `rcconform run` shows (family, then check).
func targetReport(r types.Report) types.Report {
	out := r
	out.SpecReports = nil
	for _, s := range r.SpecReports {
		if s.LeafNodeType == types.NodeTypeIt {
			if sideOf(s) != TargetSide || len(s.ContainerHierarchyTexts) < certDepth {
				continue
			}
			s.ContainerHierarchyTexts = s.ContainerHierarchyTexts[certDepth:]
			s.ContainerHierarchyLocations = s.ContainerHierarchyLocations[certDepth:]
			s.ContainerHierarchyLabels = s.ContainerHierarchyLabels[certDepth:]
		}
		out.SpecReports = append(out.SpecReports, s)
	}
	return out
}
