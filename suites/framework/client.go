package framework

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/rest"
	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/rcapi"
)

// The two paths of the operation under test.
const (
	DMCreate = "/api/v1/dm.create"
	IMCreate = "/api/v1/im.create"
)

// maxShownBody caps how much of a body a failure message shows.
const maxShownBody = 2048

// Request is one call to the operation under test.
type Request struct {
	// Path defaults to DMCreate.
	Path string
	// Auth sets X-User-Id and X-Auth-Token; Header may override either.
	Auth *rcapi.Credentials
	// Header holds extra headers; an empty value removes the header.
	Header map[string]string
	// Raw headers are sent exactly as given, after Header: the name keeps
	// its case and each value goes on its own header line.
	Raw map[string][]string
	// Body is sent as is; empty sends no body at all.
	Body string
	// ContentType defaults to application/json when there is a body.
	ContentType string
}

// JSON encodes v as a request body.
func JSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("framework: encode request body: %v", err))
	}
	return string(b)
}

// Client sends requests to the target, validates every exchange against the
// spec and records it on the running check.
type Client struct {
	BaseURL string
	HTTP    *http.Client
	// Spec is the strict document; DocProfile what the doc page states.
	Spec       *openapi.Spec
	DocProfile *openapi.Spec
	// Profile says which of them an exchange must satisfy.
	Profile Profile
	// Secrets lists what is redacted from everything the client shows or
	// records; it is asked each time, as checks provision users as they go.
	Secrets func() []string
}

// Profile says what an exchange is validated against.
type Profile int

const (
	// Strict: the strict document, which admits what released Rocket.Chat
	// answers (compat and recommended checks).
	Strict Profile = iota
	// DocOnly: only what the doc page states (core checks at --level core).
	DocOnly
	// DocOrStrict: what the doc page states or what a release answers (core
	// checks at compat, where a release's own answer may deviate).
	DocOrStrict
)

// WithProfile returns a copy of c that validates against p.
func (c *Client) WithProfile(p Profile) *Client {
	cp := *c
	cp.Profile = p
	return &cp
}

// Response is the target's answer to one Request.
type Response struct {
	Request Request
	Status  int
	Header  http.Header
	Body    []byte
	// Violations are the strict document's; DocViolations the doc page's.
	Violations    []openapi.Violation
	DocViolations []openapi.Violation
	Exchange      conformance.Exchange

	parsed any
	jsonOK bool
}

// Send does the request and validates the exchange without touching the
// running check, so it is safe from any goroutine; Post is the usual way.
func (c *Client) Send(ctx context.Context, r Request) (*Response, error) {
	if r.Path == "" {
		r.Path = DMCreate
	}
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+r.Path, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	if r.Body != "" {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if r.Auth != nil {
		r.Auth.Header(req.Header)
	}
	for k, v := range r.Header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	for k, vs := range r.Raw {
		req.Header[k] = vs
	}
	start := time.Now()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", r.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("POST %s: read the answer: %w", r.Path, err)
	}
	out := &Response{Request: r, Status: resp.StatusCode, Header: resp.Header, Body: raw}
	ex := openapi.Exchange{
		Method: http.MethodPost, Path: r.Path,
		RequestHeader: req.Header, RequestBody: []byte(r.Body),
		Status: resp.StatusCode, ResponseHeader: resp.Header, ResponseBody: raw,
	}
	out.Violations = c.Spec.ValidateResponse(ctx, ex)
	if c.DocProfile != nil {
		out.DocViolations = c.DocProfile.ValidateDocResponse(ctx, ex)
	}
	out.Exchange = c.record(req.Header, out, time.Since(start))
	if err := json.Unmarshal(raw, &out.parsed); err == nil {
		out.jsonOK = true
	}
	return out, nil
}

// Post sends r on behalf of the running check: the exchange is recorded,
// and a spec violation fails the check with the request, the answer and the
// broken rule. A target that cannot answer fails the check; one that cannot
// be talked to at all (a rate limiter that does not give way, a redirect)
// stops the whole run, which then gives no verdict.
func (c *Client) Post(ctx context.Context, r Request) *Response {
	GinkgoHelper()
	resp, err := c.Send(ctx, r)
	c.ExpectAnswered(err, r)
	c.Record(resp)
	return resp
}

// ExpectAnswered handles the error of Send as Post does: a target that
// cannot be talked to stops the run, one that did not answer fails the
// check. Call it from the check's own goroutine.
func (c *Client) ExpectAnswered(err error, r Request) {
	GinkgoHelper()
	if err == nil {
		return
	}
	abortIfCannotRun(err)
	Failf("the target did not answer POST %s: %s", r.Path, rest.RedactString(err.Error(), c.Secrets()...))
}

// Record attaches resp's exchange to the running check and fails the check
// if the exchange breaks what the client's profile validates against. Call
// it from the check's own goroutine.
func (c *Client) Record(resp *Response) {
	GinkgoHelper()
	AddReportEntry(conformance.ExchangeEntry, resp.Exchange, ReportEntryVisibilityNever)
	violations, against := resp.Violations, "the OpenAPI spec of dm.create (openapi/dm.create.yaml)"
	switch c.Profile {
	case DocOnly:
		violations, against = resp.DocViolations, "what the dm.create doc page states about it (openapi/dm.create.doc.yaml)"
	case DocOrStrict:
		if len(resp.DocViolations) == 0 {
			violations = nil
		} else if len(violations) > 0 {
			violations, against = resp.DocViolations, "what the dm.create doc page states about it, nor a released Rocket.Chat's answer,"
		}
	}
	if len(violations) > 0 {
		lines := make([]string, 0, len(violations))
		for _, v := range violations {
			lines = append(lines, "  - "+v.String())
		}
		Failf("%s", resp.Explain("every answer must match "+against+", and this one does not:\n"+strings.Join(lines, "\n")))
	}
}

// abortIfCannotRun stops the whole run when err says the target cannot be
// talked to (a *conformance.CannotRun, or a rate limiter that does not give
// way): no check could get a verdict.
func abortIfCannotRun(err error) {
	GinkgoHelper()
	var ce *conformance.CannotRun
	switch {
	case errors.As(err, &ce):
		AbortSuite(CannotRunPrefix + ce.Reason)
	case errors.Is(err, rest.ErrRateLimited):
		AbortSuite(CannotRunPrefix + rest.ErrRateLimited.Error())
	}
}

// Failf fails the running check with a message. It goes through Gomega,
// like every assertion of the checks, so that a recommended check that does
// not count can record its failure instead of failing the run.
func Failf(format string, args ...any) {
	GinkgoHelper()
	Expect(fmt.Sprintf(format, args...)).To(failure{})
}

// failure is the matcher of Failf: it never matches, and its message is
// the text it was given.
type failure struct{}

func (failure) Match(any) (bool, error)                 { return false, nil }
func (failure) FailureMessage(actual any) string        { return fmt.Sprint(actual) }
func (failure) NegatedFailureMessage(actual any) string { return fmt.Sprint(actual) }

// CannotRunPrefix starts the message of a run stopped without a verdict.
const CannotRunPrefix = conformance.CannotRunPrefix

func (c *Client) record(reqHeader http.Header, r *Response, d time.Duration) conformance.Exchange {
	ex := conformance.Exchange{
		Method: http.MethodPost, Path: r.Request.Path,
		RequestHeaders:  flatten(rest.RedactHeader(reqHeader)),
		RequestBody:     string(rest.RedactJSON([]byte(r.Request.Body), c.Secrets()...)),
		Status:          r.Status,
		ResponseHeaders: flatten(rest.RedactHeader(r.Header)),
		ResponseBody:    string(rest.RedactJSON(r.Body, c.Secrets()...)),
		DurationMillis:  float64(d.Microseconds()) / 1000,
	}
	for _, v := range r.Violations {
		ex.Violations = append(ex.Violations, v.String())
	}
	return ex
}

func flatten(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if k == "Date" {
			continue
		}
		out[k] = strings.Join(v, ", ")
	}
	return out
}

// Explain prefixes a failure with the promise the documentation makes and
// shows the request that tested it and what came back, secrets redacted.
func (r *Response) Explain(promise string) string {
	ex := r.Exchange
	var b strings.Builder
	b.WriteString(promise)
	b.WriteString("\n  request:  POST " + ex.Path)
	keys := make([]string, 0, len(ex.RequestHeaders))
	for k := range ex.RequestHeaders {
		if k == "X-User-Id" || k == "X-Auth-Token" || k == "Content-Type" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %s", k, ex.RequestHeaders[k])
	}
	if ex.RequestBody == "" {
		b.WriteString("\n            (no body)")
	} else {
		b.WriteString("\n            " + clip(ex.RequestBody))
	}
	fmt.Fprintf(&b, "\n  response: %d  Content-Type: %s\n            %s\n", ex.Status, r.Header.Get("Content-Type"), clip(ex.ResponseBody))
	return b.String()
}

func clip(s string) string {
	if len(s) > maxShownBody {
		return s[:maxShownBody] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

// Field returns the JSON value at a dotted path ("room.rid"), and whether
// it is there.
func (r *Response) Field(path string) (any, bool) {
	if !r.jsonOK {
		return nil, false
	}
	cur := r.parsed
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// String returns the string at path, or "" when it is absent or not a string.
func (r *Response) String(path string) string {
	v, _ := r.Field(path)
	s, _ := v.(string)
	return s
}

// Strings returns the array of strings at path.
func (r *Response) Strings(path string) []string {
	v, _ := r.Field(path)
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// ExpectStatus fails the check unless the answer has status want.
func (r *Response) ExpectStatus(want int, promise string) {
	GinkgoHelper()
	Expect(r.Status).To(Equal(want), "%s", r.Explain(promise))
}

// ExpectField fails the check unless the JSON value at path satisfies
// matcher: a Gomega matcher, or a plain Go value that must equal the field
// once both are seen as JSON (so 3 equals the JSON number 3).
func (r *Response) ExpectField(path string, matcher any, promise string) {
	GinkgoHelper()
	v, ok := r.Field(path)
	Expect(ok).To(BeTrue(), "%s", r.Explain(promise+fmt.Sprintf(" (the answer has no field %q)", path)))
	m, isMatcher := matcher.(OmegaMatcher)
	if !isMatcher {
		m = Equal(asJSON(matcher))
	}
	Expect(v).To(m, "%s", r.Explain(promise+fmt.Sprintf(" (field %q)", path)))
}

// asJSON is v as encoding/json decodes it into an any: numbers become
// float64, structs maps, slices []any.
func asJSON(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("framework: the expected value %#v is no JSON value: %v", v, err))
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(fmt.Sprintf("framework: decode the expected value: %v", err))
	}
	return out
}

// ExpectNoField fails the check if the answer has a value at path.
func (r *Response) ExpectNoField(path, promise string) {
	GinkgoHelper()
	v, ok := r.Field(path)
	Expect(ok).To(BeFalse(), "%s", r.Explain(promise+fmt.Sprintf(" (the answer has field %q = %v)", path, v)))
}

// ExpectBody fails the check unless the body is exactly the JSON want, key
// order and white space aside. A "stack" key is ignored unless want has one:
// Rocket.Chat adds the error's stack trace to every 400 body when it runs
// with TEST_MODE, and that says nothing about the behaviour checked.
func (r *Response) ExpectBody(want, promise string) {
	GinkgoHelper()
	got := r.Body
	var wanted map[string]any
	if json.Unmarshal([]byte(want), &wanted) == nil {
		if _, ok := wanted["stack"]; !ok {
			got = WithoutStack(got)
		}
	}
	Expect(string(got)).To(MatchJSON(want), "%s", r.Explain(promise))
}

// WithoutStack returns a JSON object body without its string "stack" key,
// which TEST_MODE adds to every 400; any other body as it is.
func WithoutStack(body []byte) []byte {
	var obj map[string]any
	if json.Unmarshal(body, &obj) != nil {
		return body
	}
	if _, isString := obj["stack"].(string); !isString {
		return body
	}
	delete(obj, "stack")
	out, _ := json.Marshal(obj)
	return out
}

// ExpectContentType fails the check unless Content-Type is exactly want.
func (r *Response) ExpectContentType(want, promise string) {
	GinkgoHelper()
	Expect(r.Header.Get("Content-Type")).To(Equal(want), "%s", r.Explain(promise))
}

// Same reports whether two answers are the same (status and JSON body).
func Same(a, b *Response) bool {
	if a.Status != b.Status {
		return false
	}
	var x, y any
	if json.Unmarshal(a.Body, &x) != nil || json.Unmarshal(b.Body, &y) != nil {
		return bytes.Equal(a.Body, b.Body)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}
