package framework

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/fixtures"
	"github.com/rcconform/rcconform/internal/oracle"
	"github.com/rcconform/rcconform/openapi"
	"github.com/rcconform/rcconform/rcapi"
)

// Probed is what the probes found: the fingerprint, the exchanges that
// showed it, and the user they made to do so (deleted since).
type Probed struct {
	Fingerprint conformance.Fingerprint
	Exchanges   []conformance.Exchange
	User        fixtures.User
}

// Probe sends, as the admin and as nobody, one request per dimension that
// tells its variants apart, and returns the variant each answer fits: the
// target's fingerprint, and the exchanges that showed it. It provisions one
// user of its own for the 1:1 rid and deletes it before returning. The
// member limit is not probed (it would take a room of more than the limit):
// the max-users checks show it.
func Probe(ctx context.Context, c *Client, api *rcapi.Client, admin rcapi.Credentials) (Probed, error) {
	me, err := api.Me(ctx, admin)
	if err != nil {
		return Probed{}, &conformance.CannotRun{Reason: "the admin's own name could not be read with GET /api/v1/me", Err: err}
	}
	cast := &fixtures.Cast{RunID: fixtures.NewRunID(), Admin: admin, Users: map[string]fixtures.User{}}
	defer func() { _ = cast.Cleanup(context.WithoutCancel(ctx), api) }()
	other, err := cast.Add(ctx, api, fixtures.Persona{Key: "probe", Role: "user", Name: "Probe Fingerprint"})
	if err != nil {
		return Probed{}, err
	}
	secrets := c.Secrets
	c = &Client{BaseURL: c.BaseURL, HTTP: c.HTTP, Spec: c.Spec, Secrets: func() []string { return append(secrets(), cast.Secrets()...) }}

	p := prober{ctx: ctx, c: c, admin: &admin, me: me, fp: conformance.Fingerprint{}}
	p.run(conformance.DimUnauthorized, Request{Body: JSON(map[string]any{"username": me})}, classifyUnauthorized)
	p.run(conformance.DimBodyParser, Request{Body: `{"username":`}, classifyParser)
	p.run(conformance.DimRoute, Request{Auth: &admin, Body: `{}`}, classifyRoute)
	p.run(conformance.DimBodyShape, Request{Auth: &admin, Body: `"x"`}, classifyShape)
	p.run(conformance.DimFormBody, Request{Auth: &admin, Body: url.Values{"username": {me}}.Encode(), ContentType: "application/x-www-form-urlencoded"}, p.classifyForm)
	p.run(conformance.DimCoercion, Request{Auth: &admin, Body: JSON(map[string]any{"username": me, "excludeSelf": "false"})}, classifyCoercion)
	p.run(conformance.DimNames, Request{Auth: &admin, Body: JSON(map[string]any{"username": "rcc-" + cast.RunID + "-nobody"})}, p.classifyNames)
	p.run(conformance.DimEmptyName, Request{Auth: &admin, Body: `{"username":""}`}, p.classifyEmptyName)
	p.run(conformance.DimRID, Request{Auth: &admin, Body: JSON(map[string]any{"username": other.Username})}, func(r *Response) string {
		ids := []string{admin.UserID, other.ID}
		slices.Sort(ids)
		switch rid := r.String("room.rid"); {
		case r.Status != 200 || rid == "":
			return ""
		case rid == strings.Join(ids, ""):
			return conformance.Composed
		default:
			return conformance.Generated
		}
	})
	if p.err != nil {
		return Probed{}, p.err
	}
	other.Creds = rcapi.Credentials{} // deleted: it names a user, no login
	return Probed{Fingerprint: p.fp, Exchanges: p.exchanges, User: other}, nil
}

type prober struct {
	ctx       context.Context
	c         *Client
	admin     *rcapi.Credentials
	me        string
	fp        conformance.Fingerprint
	exchanges []conformance.Exchange
	err       error
}

// notProbed is what a classifier returns for an answer that cannot show
// the dimension (a strict parser refuses the body-shape probe).
const notProbed = "-"

// run sends one probe and records what its answer shows.
func (p *prober) run(dim string, r Request, classify func(*Response) string) {
	if p.err != nil {
		return
	}
	resp, err := p.c.Send(p.ctx, r)
	if err != nil {
		p.err = &conformance.CannotRun{Reason: "the target did not answer the requests that tell its release's behaviour apart", Err: err}
		return
	}
	p.exchanges = append(p.exchanges, resp.Exchange)
	if v := classify(resp); v != notProbed {
		p.fp[dim] = conformance.Shown{Variant: v, Answer: abridge(resp)}
	}
}

// abridge is an answer in one line: its status and (redacted) body.
func abridge(r *Response) string {
	body := strings.Join(strings.Fields(r.Exchange.ResponseBody), " ")
	if len(body) > 240 {
		body = body[:240] + "…"
	}
	return fmt.Sprintf("%d %s", r.Status, body)
}

// sameJSON reports whether the body is the JSON want, a TEST_MODE "stack"
// aside.
func sameJSON(r *Response, want string) bool {
	var got, w map[string]any
	if json.Unmarshal(r.Body, &got) != nil || json.Unmarshal([]byte(want), &w) != nil {
		return false
	}
	if _, ok := got["stack"].(string); ok {
		delete(got, "stack")
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(w)
	return string(a) == string(b)
}

// The bodies the probes compare with.
const (
	bodyRestivus = `{"status":"error","message":"` + conformance.LoggedOut + `"}`
	bodyRouter   = `{"success":false,"error":"` + conformance.LoggedOut + `","status":"error","message":"` + conformance.LoggedOut + `"}`
	bodyBreaking = `{"success":false,"error":"` + conformance.LoggedOut + `"}`
	bodyEmpty    = `{"success":false,"error":"invalid username"}`
)

// LegacySuffix is what Meteor.Error appends to a message on the legacy route.
const LegacySuffix = " [invalid-params]"

func classifyUnauthorized(r *Response) string {
	if r.Status != 401 {
		return ""
	}
	for v, body := range map[string]string{conformance.Restivus: bodyRestivus, conformance.Router: bodyRouter, conformance.Breaking: bodyBreaking} {
		if sameJSON(r, body) {
			return v
		}
	}
	return ""
}

func classifyParser(r *Response) string {
	switch {
	case r.Status == 401:
		return conformance.LenientParser
	case r.Status == 400 && !IsEnvelope(r):
		return conformance.StrictParser
	}
	return ""
}

// IsEnvelope reports whether the answer is Rocket.Chat's JSON envelope: an
// object with "success".
func IsEnvelope(r *Response) bool {
	_, ok := r.Field("success")
	return ok
}

// invalidParamsText returns the error text of an invalid-params answer, and
// whether it is one.
func invalidParamsText(r *Response) (string, bool) {
	if r.Status != 400 || r.String("errorType") != "invalid-params" {
		return "", false
	}
	return r.String("error"), true
}

// dmBranches are the body forms of the spec's dm.create schema; the spec
// is loaded once, and they are read from it again each time.
func dmBranches() []openapi.Branch {
	spec, err := openapi.Load()
	if err != nil {
		panic(fmt.Sprintf("framework: load the embedded spec: %v", err))
	}
	b, err := spec.RequestBranches(DMCreate)
	if err != nil {
		panic(fmt.Sprintf("framework: the spec's dm.create body forms: %v", err))
	}
	return b
}

// ValidatorMessage is the ajv message the schema gives body (decoded
// JSON), without any suffix.
func ValidatorMessage(body any, coerce bool) string {
	return oracle.Message(dmBranches(), body, coerce)
}

func classifyRoute(r *Response) string {
	text, ok := invalidParamsText(r)
	want := ValidatorMessage(map[string]any{}, true)
	switch {
	case !ok:
		return ""
	case text == want+LegacySuffix:
		return conformance.Legacy
	case text == want:
		return conformance.Typed
	}
	return ""
}

func classifyShape(r *Response) string {
	text, ok := invalidParamsText(r)
	text = strings.TrimSuffix(text, LegacySuffix)
	switch {
	case r.Status == 400 && !IsEnvelope(r):
		return notProbed // a strict parser refused the string before any route
	case !ok:
		return ""
	case text == ValidatorMessage("x", true):
		return conformance.AsParsed
	case text == ValidatorMessage(map[string]any{"0": "x"}, true):
		return conformance.Spread
	}
	return ""
}

// selfDM reports whether the answer is the admin's own room.
func (p *prober) selfDM(r *Response) bool {
	return r.Status == 200 && slices.Equal(r.Strings("room.usernames"), []string{p.me})
}

func (p *prober) classifyForm(r *Response) string {
	if p.selfDM(r) {
		return conformance.FormParsed
	}
	if _, ok := invalidParamsText(r); ok {
		return conformance.FormUnparsed
	}
	return ""
}

func classifyCoercion(r *Response) string {
	if r.Status == 200 {
		return conformance.Coerce
	}
	if text, ok := invalidParamsText(r); ok && strings.Contains(text, "must be boolean") {
		return conformance.NoCoercion
	}
	return ""
}

func (p *prober) classifyNames(r *Response) string {
	switch {
	case r.Status == 400 && r.String("errorType") == "error-invalid-user":
		return conformance.Lookup
	case p.selfDM(r):
		return conformance.Exact
	}
	return ""
}

func (p *prober) classifyEmptyName(r *Response) string {
	switch {
	case r.Status == 400 && sameJSON(r, bodyEmpty):
		return conformance.InvalidName
	case r.Status == 400 && r.String("errorType") == "error-invalid-user":
		return conformance.UnknownUser
	case p.selfDM(r):
		return conformance.DroppedName
	}
	return ""
}
