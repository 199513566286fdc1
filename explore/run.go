// Package explore sends generated requests to two servers and compares the
// answers the way package diff compares the checks' exchanges. Cases are
// generated with pgregory.net/rapid from the spec's request schema and the
// personas of personas.yaml; each difference is shrunk to its smallest
// case and comes with a check skeleton in the catalogue's form, so that it
// can become a permanent check. A run is determined by its seed.
package explore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"pgregory.net/rapid"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/diff"
	"github.com/rcconform/rcconform/fixtures"
	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/rcapi"
	"github.com/rcconform/rcconform/suites/dmcreate"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// Config says what to explore, and where.
type Config struct {
	Target, Against diff.Endpoint
	// Cases is how many cases to generate; Seed determines them.
	Cases int
	Seed  uint64
	// MaxUsers is the servers' DirectMesssage_maxUsers setting (default 8).
	MaxUsers int
	// Release is the release the servers are compared at; skeletons are
	// declared for its line.
	Release string
	// HTTPTimeout bounds each call (default 10 s); RateLimitBudget the
	// total wait on HTTP 429 at each server (default 3 min).
	HTTPTimeout     time.Duration
	RateLimitBudget time.Duration
	// ShrinkTime bounds the shrinking of one difference (default 30 s).
	// Shrinking that reaches it ends early, and a rerun with the same seed
	// may then end elsewhere.
	ShrinkTime time.Duration
	// MaxDifferences stops the exploration once it found that many real
	// differences (default 10); past as many within known variation, it
	// looks for real ones only.
	MaxDifferences int
	// Variation tells differences the release's allowed variants explain
	// from real ones; nil counts every difference. Alternates are the
	// references that emulate its candidates; nil starts them here when
	// it has some.
	Variation  *diff.Variation
	Alternates []diff.Alternate
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

func (c Config) withDefaults() Config {
	// Those of the checks.
	def := dmcreate.DefaultConfig()
	if c.MaxUsers == 0 {
		c.MaxUsers = def.MaxUsers
	}
	if c.HTTPTimeout == 0 {
		c.HTTPTimeout = def.HTTPTimeout
	}
	if c.RateLimitBudget == 0 {
		c.RateLimitBudget = def.RateLimitBudget
	}
	if c.ShrinkTime == 0 {
		c.ShrinkTime = 30 * time.Second
	}
	if c.MaxDifferences == 0 {
		c.MaxDifferences = 10
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return c
}

// Result is what an exploration found: the real differences, and those
// the release's allowed variants explain.
type Result struct {
	Summary         diff.ExploreSummary
	Differences     []diff.Difference
	WithinVariation []diff.Difference
}

// progressEvery is how many generated cases a progress line stands for.
const progressEvery = 100

// explorer holds what every case needs.
type explorer struct {
	cfg     Config
	cases   *rapid.Generator[Case]
	servers [2]*endpoint
	// alternates are references at the release with other variants it
	// allows (see explain); stop stops those it started itself.
	alternates []*alternate
	stop       func()
	personas   []fixtures.Persona
	names      map[string]string // persona key → display name
	since      map[string]string // documented key → feature version
	release    conformance.Release
	counter    atomic.Int64
	// memo holds each case's outcome, by the case as JSON.
	memo map[string]*outcome
}

// endpoint is one server, its admin logged in.
type endpoint struct {
	name   string
	url    string
	api    *rcapi.Client
	admin  rcapi.Credentials
	user   diff.User // the admin, for normalisation
	runID  string
	client *http.Client
}

// Run generates cfg.Cases cases, sends each to both servers and compares
// the answers. Each new difference (by diff.Signature) is shrunk to its
// smallest case before the exploration goes on with the remaining cases.
// A server that stops answering makes a *conformance.CannotRun.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	x, err := newExplorer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := x.startAlternates(ctx); err != nil {
		return nil, &conformance.CannotRun{Reason: "the exploration could not start the references that tell known variation apart", Err: err}
	}
	defer x.stopAlternates()
	fmt.Fprintf(cfg.Log, "explore: %d cases, seed %d (pass --seed %d to generate the same cases again)\n", cfg.Cases, cfg.Seed, cfg.Seed)
	res := &Result{Summary: diff.ExploreSummary{Seed: cfg.Seed, Requested: cfg.Cases}, Differences: []diff.Difference{}, WithinVariation: []diff.Difference{}}
	known := map[string]bool{}
	start := time.Now()
	var shrinking time.Duration
	// Each round ends at a new difference or when the cases run out, so
	// there are at most cfg.Cases rounds.
	for i := 0; res.Summary.Cases < cfg.Cases; i++ {
		if len(res.Differences) == cfg.MaxDifferences {
			res.Summary.Stopped = fmt.Sprintf("stopped after %d differences (the limit); fix them, or look at them, and explore again", cfg.MaxDifferences)
			break
		}
		r := &round{known: known, offset: res.Summary.Cases, ignoreWithin: len(res.WithinVariation) >= cfg.MaxDifferences,
			progress: func(n int) { x.progress(n, len(res.Differences), start) }}
		err := withRapid(map[string]string{
			"rapid.checks": fmt.Sprint(cfg.Cases - res.Summary.Cases), "rapid.seed": fmt.Sprint(roundSeed(cfg.Seed, i)),
			"rapid.shrinktime": cfg.ShrinkTime.String(), "rapid.nofailfile": "true",
			"rapid.v": "false", "rapid.log": "false", "rapid.debug": "false",
		}, func() { rapid.Check(&rapidTB{}, x.property(ctx, r)) })
		if err == nil {
			err = r.err
		}
		if err != nil {
			return nil, x.cannotRun(err)
		}
		res.Summary.Cases += r.generated
		res.Summary.ShrinkSteps += r.steps
		if r.target == "" {
			break // every remaining case answered alike, or like a known difference
		}
		took := time.Since(r.shrinkStart)
		shrinking += took
		known[r.target] = true
		d := x.difference(r, took)
		if d.Explained != nil {
			res.WithinVariation = append(res.WithinVariation, d)
		} else {
			res.Differences = append(res.Differences, d)
		}
		fmt.Fprintf(cfg.Log, "      smallest case after %d steps (%s): %s\n", r.steps, took.Round(time.Millisecond), d.Title)
	}
	total := time.Since(start)
	res.Summary.Differences = len(res.Differences)
	res.Summary.WithinVariation = len(res.WithinVariation)
	res.Summary.DurationMillis = millis(total)
	res.Summary.ShrinkMillis = millis(shrinking)
	if gen := total - shrinking; gen > 0 {
		res.Summary.CasesPerSecond = float64(res.Summary.Cases) / gen.Seconds()
	}
	fmt.Fprintf(cfg.Log, "explore: %d cases in %s (%.0f cases/s), %s, %d within known variation, %s shrinking\n",
		res.Summary.Cases, total.Round(time.Millisecond), res.Summary.CasesPerSecond, differences(len(res.Differences)), len(res.WithinVariation), shrinking.Round(time.Millisecond))
	return res, nil
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func differences(n int) string {
	if n == 1 {
		return "1 difference"
	}
	return fmt.Sprintf("%d differences", n)
}

func newExplorer(ctx context.Context, cfg Config) (*explorer, error) {
	spec, err := openapi.Load()
	if err != nil {
		return nil, fmt.Errorf("load the embedded OpenAPI spec: %w", err)
	}
	branches, err := spec.RequestBranches(fw.DMCreate)
	if err != nil {
		return nil, err
	}
	personas, err := fixtures.Personas()
	if err != nil {
		return nil, err
	}
	g, err := newGenerator(branches, personas, cfg.MaxUsers)
	if err != nil {
		return nil, err
	}
	rel, err := conformance.ParseRelease(cfg.Release)
	if err != nil && cfg.Release != "" {
		return nil, fmt.Errorf("explore: the release %q: %w", cfg.Release, err)
	}
	x := &explorer{cfg: cfg, cases: g.cases(), personas: personas, names: map[string]string{}, since: spec.Since(), release: rel, memo: map[string]*outcome{}}
	for _, p := range personas {
		x.names[p.Key] = p.Name
	}
	for i, ep := range []struct {
		name string
		diff.Endpoint
	}{{diff.TargetSide, cfg.Target}, {diff.AgainstSide, cfg.Against}} {
		s := &endpoint{name: ep.name, url: strings.TrimRight(ep.URL, "/"), runID: fixtures.NewRunID(), client: newClient(cfg)}
		s.api = &rcapi.Client{BaseURL: s.url, HTTP: s.client}
		if s.admin, err = fixtures.AdminLogin(ctx, s.api, ep.AdminUser, ep.AdminPassword); err != nil {
			return nil, fmt.Errorf("explore at the %s: %w", ep.name, err)
		}
		s.user = diff.User{Key: diff.ServerAdmin, ID: s.admin.UserID, Username: ep.AdminUser, Token: s.admin.Token}
		x.servers[i] = s
	}
	return x, nil
}

// newClient is the harness's one HTTP client, with the run's limits.
func newClient(cfg Config) *http.Client {
	return rest.NewClient(rest.ClientOptions{Timeout: cfg.HTTPTimeout, Budget: cfg.RateLimitBudget})
}

func (x *explorer) cannotRun(err error) error {
	var ce *conformance.CannotRun
	switch {
	case errors.As(err, &ce):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		return &conformance.CannotRun{Reason: "the exploration did not finish within the time limit; give it more time with --timeout, or fewer cases", Err: err}
	case errors.Is(err, context.Canceled):
		return &conformance.CannotRun{Reason: "the exploration was interrupted before it finished", Err: err}
	}
	return &conformance.CannotRun{Reason: "the exploration could not go on; check that both servers are up", Err: err}
}

func (x *explorer) progress(generated, found int, start time.Time) {
	if generated%progressEvery == 0 {
		fmt.Fprintf(x.cfg.Log, "explore: %d of %d cases, %s (%s)\n", generated, x.cfg.Cases, differences(found), time.Since(start).Round(time.Millisecond))
	}
}

// round is one rapid.Check: it generates cases until one shows a new
// difference, then shrinks that case.
type round struct {
	known  map[string]bool
	offset int // cases generated in earlier rounds
	// ignoreWithin passes over differences within known variation: as
	// many as the limit were found already.
	ignoreWithin bool
	progress     func(generated int)
	// target is the signature being shrunk; "" while generating.
	target string
	// generated counts the cases generated, steps the cases shrinking
	// tried; found is the generated case that showed the target.
	generated, steps, found int
	first, last             *outcome
	// lastFailed says whether the latest case showed the target: rapid
	// replays the smallest case last.
	lastFailed  bool
	shrinkStart time.Time
	err         error
}

// property is what rapid checks: that the servers answer a case alike, or
// with a difference already found. While shrinking, only the difference
// being shrunk counts, so that the smallest case shows that one.
func (x *explorer) property(ctx context.Context, r *round) func(*rapid.T) {
	return func(t *rapid.T) {
		c := x.cases.Draw(t, "case")
		r.lastFailed = false
		if r.err != nil {
			return // a server stopped answering: let rapid run out its count
		}
		if r.err = ctx.Err(); r.err != nil {
			return
		}
		if r.target == "" {
			r.generated++
			r.progress(r.offset + r.generated)
		} else {
			r.steps++
		}
		o, err := x.outcome(ctx, c)
		if err != nil {
			r.err = err
			return
		}
		sig := o.signature()
		if r.target == "" {
			if sig == "" || r.known[sig] || (o.explained != nil && r.ignoreWithin) {
				return
			}
			r.target, r.first, r.found, r.shrinkStart = sig, o, r.generated, time.Now()
			tag := "DIFF"
			if o.explained != nil {
				tag = "VARY"
			}
			fmt.Fprintf(x.cfg.Log, "%s  explore case %d: %s; shrinking it\n", tag, r.offset+r.generated, sig)
		}
		if sig != r.target {
			return
		}
		r.last, r.lastFailed = o, true
		// One call site: rapid tells failures apart by where they happen.
		t.Fatalf("%s", sig)
	}
}

// outcome is one case run at both servers.
type outcome struct {
	c               Case
	target, against diff.Answer
	aspects         []diff.Aspect
	// explained is set when the release's allowed variants explain the
	// difference.
	explained *diff.Explanation
}

// signature tells the outcome's difference apart from others; one within
// known variation never shares a signature with a real one, so that it
// cannot hide it.
func (o *outcome) signature() string {
	sig := diff.Signature(o.aspects)
	if sig == "" || o.explained == nil {
		return sig
	}
	return "within known variation (" + strings.Join(o.explained.Dimensions, ", ") + "): " + sig
}

// outcome runs a case, or recalls its outcome: shrinking meets the same
// case again and again (many draws make one case), and a case answers
// alike each time since it runs with personas of its own.
func (x *explorer) outcome(ctx context.Context, c Case) (*outcome, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode a case: %w", err)
	}
	if o, ok := x.memo[string(raw)]; ok {
		return o, nil
	}
	o, err := x.try(ctx, c)
	if err == nil {
		x.memo[string(raw)] = o
	}
	return o, err
}

// try runs a case at both servers, each with personas of its own made for
// it, so that no state of an earlier case changes the answer.
func (x *explorer) try(ctx context.Context, c Case) (*outcome, error) {
	n := x.counter.Add(1)
	keys := c.personas(x.isPersona)
	tmpl := c.render()
	answers, err := x.runAt(ctx, n, keys, tmpl, x.servers[:])
	if err != nil {
		return nil, err
	}
	o := &outcome{c: c, target: answers[0], against: answers[1], aspects: diff.Compare(answers[0], answers[1])}
	if len(o.aspects) > 0 {
		if o.explained, err = x.explain(ctx, n, keys, tmpl, o.target, o.against); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func (x *explorer) isPersona(key string) bool {
	return slices.ContainsFunc(x.personas, func(p fixtures.Persona) bool { return p.Key == key })
}

// ordered sorts keys like personas.yaml, the order both servers get them in.
func (x *explorer) ordered(keys []string) []fixtures.Persona {
	var out []fixtures.Persona
	for _, p := range x.personas {
		if slices.Contains(keys, p.Key) {
			out = append(out, p)
		}
	}
	return out
}

// provision makes the case's personas, with names unique to this run and case.
func (s *endpoint) provision(ctx context.Context, n int64, personas []fixtures.Persona) (*fixtures.Cast, error) {
	cast := &fixtures.Cast{RunID: fmt.Sprintf("%s-%d", s.runID, n), Admin: s.admin, Users: map[string]fixtures.User{}}
	for _, p := range personas {
		if _, err := cast.Add(ctx, s.api, p); err != nil {
			return cast, fmt.Errorf("provision %s at the %s: %w", p.Key, s.name, err)
		}
	}
	return cast, nil
}

// maxAnswer bounds what is read of an answer.
const maxAnswer = 1 << 20

// send sends the case's request with this server's values and normalises
// the answer.
func (s *endpoint) send(ctx context.Context, t template, cast *fixtures.Cast) (diff.Answer, error) {
	r := server{cast: cast}
	var body io.Reader
	if t.hasBody {
		body = strings.NewReader(text(t.body, r))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+t.path, body)
	if err != nil {
		return diff.Answer{}, fmt.Errorf("build the request for the %s: %w", s.name, err)
	}
	for _, h := range t.headers {
		// As sent: the name keeps its case, a repeated header its lines.
		req.Header[h.name] = append(req.Header[h.name], text(h.value, r))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return noAnswer(ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return noAnswer(ctx, err)
	}
	norm := diff.NewNormaliser(known(cast, s.user))
	return diff.Answer{Sent: true, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: norm.Body("case", raw)}, nil
}

// noAnswer is a request that got no HTTP answer: a finding when only one
// server fails that way (it dropped the connection on that one request),
// unless the run itself was stopped. Provisioning, which fails first when a
// server is down, stops the exploration instead.
func noAnswer(ctx context.Context, err error) (diff.Answer, error) {
	if ctx.Err() != nil {
		return diff.Answer{}, ctx.Err()
	}
	var ne net.Error
	why := "no HTTP answer"
	switch {
	case errors.Is(err, rest.ErrRateLimited):
		return diff.Answer{}, err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		why = "the connection closed before a whole answer"
	case errors.As(err, &ne) && ne.Timeout():
		why = "no answer within the time limit"
	case errors.Is(err, syscall.ECONNRESET):
		why = "the connection was reset"
	}
	return diff.Answer{Sent: true, Error: why}, nil
}

// difference reports what a round found, with its smallest case.
func (x *explorer) difference(r *round, took time.Duration) diff.Difference {
	o := r.first
	if r.lastFailed {
		o = r.last
	}
	raw, err := json.Marshal(o.c)
	if err != nil {
		panic(fmt.Sprintf("explore: encode a case: %v", err)) // a Case always encodes
	}
	return diff.Difference{
		Source: diff.FromExplore, Title: o.c.Describe(x.names), Request: x.request(o.c),
		Target: o.target, Against: o.against, Aspects: o.aspects, Explained: o.explained,
		Found: &diff.Found{
			Case: raw, Index: r.offset + r.found, Minimal: r.lastFailed, ShrinkSteps: r.steps,
			ShrinkMillis: millis(took), Signature: r.target, Skeleton: x.skeleton(o, raw),
		},
	}
}

// request is the case's request with placeholders for names.
func (x *explorer) request(c Case) diff.Request {
	t := c.render()
	sym := symbolic{names: x.names}
	req := diff.Request{Method: http.MethodPost, Path: t.path}
	for _, h := range t.headers {
		req.Headers = append(req.Headers, diff.Header{Name: h.name, Value: text(h.value, sym)})
	}
	if t.hasBody {
		req.Body = text(t.body, sym)
	}
	return req
}
