package detection

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/oracle"
	"github.com/rcconform/rcconform/openapi"
)

// This file holds the small, generic pieces the mutants are made of: a
// learner that watches provisioning traffic, helpers to read, replace and
// rewrite request and answer bodies of dm.create / im.create, the answers
// released Rocket.Chat gives under each variant, and the oracle's model of
// the body schema. No mutant lives here.

const (
	dmPath = "/api/v1/dm.create"
	imPath = "/api/v1/im.create"
)

// person is what the learner knows about a user.
type person struct {
	ID, Username, Name, Token string
	Emails                    []string
	Roles                     []string
	// Deleted is set once users.delete removed the user.
	Deleted bool
}

// display is the name Rocket.Chat sorts a room's members by.
func (p *person) display() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Username
}

// traffic learns who is who by watching login, users.create and
// users.delete: user id ↔ token ↔ username ↔ display name ↔ e-mail. It also
// knows the variants the server shows (the reference's, or what a mutant
// makes it show instead), so that the answers a mutant makes up have the
// shape of the server's own.
type traffic struct {
	// Version is the release the wrapped reference emulates.
	Version string
	// Variants are the variants the server shows, per dimension id.
	Variants variants

	mu      sync.Mutex
	byID    map[string]*person
	byName  map[string]*person // lower-case username
	byToken map[string]*person
	order   []*person // first seen first
}

func newTraffic(version string, vs variants) *traffic {
	bot := &person{ID: "rocket.cat", Username: "rocket.cat", Name: "Rocket.Cat"}
	return &traffic{
		Version:  version,
		Variants: vs,
		byID:     map[string]*person{bot.ID: bot},
		byName:   map[string]*person{bot.Username: bot},
		byToken:  map[string]*person{},
		order:    []*person{bot},
	}
}

// is reports whether the server shows one of these variants along dim.
func (t *traffic) is(dim string, vs ...string) bool { return slices.Contains(vs, t.Variants[dim]) }

func (t *traffic) remember(id, username, name, token string, roles, emails []any) {
	if id == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.byID[id]
	if p == nil {
		p = &person{ID: id}
		t.byID[id] = p
		t.order = append(t.order, p)
	}
	if username != "" {
		p.Username = username
		t.byName[strings.ToLower(username)] = p
	}
	if name != "" {
		p.Name = name
	}
	if token != "" {
		p.Token = token
		t.byToken[token] = p
	}
	if roles != nil {
		p.Roles = nil
		for _, r := range roles {
			p.Roles = append(p.Roles, str(r))
		}
	}
	for _, e := range emails {
		if m, ok := e.(map[string]any); ok && !slices.Contains(p.Emails, str(m["address"])) {
			p.Emails = append(p.Emails, str(m["address"]))
		}
	}
}

func (t *traffic) forget(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.byID[id]; p != nil {
		p.Deleted = true
	}
}

// id, token and name return a copy of what is known, or nil.
func (t *traffic) id(id string) *person { return t.lookup(t.byID, id) }

func (t *traffic) token(token string) *person { return t.lookup(t.byToken, token) }

// name finds a user by username, ignoring case.
func (t *traffic) name(username string) *person {
	return t.lookup(t.byName, strings.ToLower(username))
}

func (t *traffic) lookup(m map[string]*person, key string) *person {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := m[key]
	if !ok || p.Deleted {
		return nil
	}
	cp := *p
	return &cp
}

// deleted returns a copy of a user users.delete removed, or nil.
func (t *traffic) deleted(id string) *person {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.byID[id]
	if p == nil || !p.Deleted {
		return nil
	}
	cp := *p
	return &cp
}

// people returns a copy of every known user who was not deleted, in the
// order they were first seen (MongoDB's natural order, near enough).
func (t *traffic) people() []person {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]person, 0, len(t.order))
	for _, p := range t.order {
		if !p.Deleted {
			out = append(out, *p)
		}
	}
	return out
}

// find returns the first known user that match accepts, or nil.
func (t *traffic) find(match func(p person) bool) *person {
	for _, p := range t.people() {
		if match(p) {
			return &p
		}
	}
	return nil
}

// learn is the outermost layer of every mutant: it passes everything through
// and remembers what login, users.create and users.delete answer.
func (t *traffic) learn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/login", "/api/v1/users.create", "/api/v1/users.delete":
		default:
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		a := forward(next, r)
		if m := a.object(); a.Status == http.StatusOK && m != nil {
			if data, ok := m["data"].(map[string]any); ok {
				me, _ := data["me"].(map[string]any)
				roles, _ := me["roles"].([]any)
				emails, _ := me["emails"].([]any)
				t.remember(str(data["userId"]), str(me["username"]), str(me["name"]), str(data["authToken"]), roles, emails)
			}
			if u, ok := m["user"].(map[string]any); ok {
				roles, _ := u["roles"].([]any)
				emails, _ := u["emails"].([]any)
				t.remember(str(u["_id"]), str(u["username"]), str(u["name"]), "", roles, emails)
			}
			if r.URL.Path == "/api/v1/users.delete" {
				t.forget(str(decodeObject(body)["userId"]))
			}
		}
		a.write(w)
	})
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// answer is a recorded response that a mutant may rewrite.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// forward serves r with h and records the answer.
func forward(h http.Handler, r *http.Request) *answer {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return &answer{Status: rec.Code, Header: rec.Header().Clone(), Body: rec.Body.Bytes()}
}

// reply builds an answer with a JSON body and the headers of the server's
// router: Restivus adds its CORS headers to every answer of a route.
func (t *traffic) reply(status int, body string) *answer {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if t.is(conformance.DimUnauthorized, conformance.Restivus) {
		setRestivusHeaders(h)
	}
	return &answer{Status: status, Header: h, Body: []byte(body)}
}

// setRestivusHeaders adds the CORS headers Restivus puts on every answer.
func setRestivusHeaders(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token")
}

func (a *answer) write(w http.ResponseWriter) {
	for k, v := range a.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}

// object decodes the answer as a JSON object (numbers kept exact), or nil.
func (a *answer) object() map[string]any { return decodeObject(a.Body) }

// setObject replaces the body with m.
func (a *answer) setObject(m map[string]any) { a.Body = encode(m) }

// errorType is the answer's errorType, "" when it has none.
func (a *answer) errorType() string { return str(a.object()["errorType"]) }

// room returns a success answer's decoded body and its room, or nils.
func (a *answer) room() (map[string]any, map[string]any) {
	m := a.object()
	room, _ := m["room"].(map[string]any)
	if a.Status != http.StatusOK || room == nil {
		return nil, nil
	}
	return m, room
}

func decodeObject(b []byte) map[string]any {
	m, _ := decodeJSON(b).(map[string]any)
	return m
}

// decodeJSON decodes one JSON value (numbers kept exact), or nil.
func decodeJSON(b []byte) any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil
	}
	return v
}

func encode(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// call is one dm.create / im.create request going through a mutant.
type call struct {
	r    *http.Request
	body []byte
	next http.Handler
	tr   *traffic
}

// wrapper is what a mutant puts in front of the reference.
type wrapper = func(next http.Handler, tr *traffic) http.Handler

// fresh is a wrapper whose state (the rooms it saw, the ids it gave) is
// made anew for every server it wraps.
func fresh(build func() wrapper) wrapper {
	return func(next http.Handler, tr *traffic) http.Handler { return build()(next, tr) }
}

// onDM wraps only dm.create and im.create with fn; fn returns the answer to
// send. Every other path goes straight to the reference.
func onDM(fn func(c *call) *answer) wrapper {
	return func(next http.Handler, tr *traffic) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != dmPath && r.URL.Path != imPath {
				next.ServeHTTP(w, r)
				return
			}
			body, _ := io.ReadAll(r.Body)
			fn(&call{r: r, body: body, next: next, tr: tr}).write(w)
		})
	}
}

// onPath wraps one other path with fn, which sees the request and the
// answer of the reference; dm.create and everything else pass unchanged.
func onPath(path string, fn func(r *http.Request, a *answer, tr *traffic)) wrapper {
	return func(next http.Handler, tr *traffic) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				next.ServeHTTP(w, r)
				return
			}
			a := forward(next, r)
			fn(r, a, tr)
			a.write(w)
		})
	}
}

// onAnswer forwards the (unchanged) request and lets fn rewrite the answer.
func onAnswer(fn func(c *call, a *answer)) wrapper {
	return onDM(func(c *call) *answer {
		a := c.forward()
		fn(c, a)
		return a
	})
}

// onRoom lets fn rewrite the room of every 200 answer.
func onRoom(fn func(c *call, room map[string]any)) wrapper {
	return onAnswer(func(c *call, a *answer) {
		if m, room := a.room(); room != nil {
			fn(c, room)
			a.setObject(m)
		}
	})
}

// onErrorType lets fn rewrite every answer with this errorType.
func onErrorType(typ string, fn func(c *call, a *answer, m map[string]any)) wrapper {
	return onAnswer(func(c *call, a *answer) {
		if m := a.object(); m != nil && str(m["errorType"]) == typ {
			fn(c, a, m)
			a.setObject(m)
		}
	})
}

// onError lets fn rewrite every JSON error answer whose error is exactly msg.
func onError(msg string, fn func(c *call, a *answer, m map[string]any)) wrapper {
	return onAnswer(func(c *call, a *answer) {
		if m := a.object(); a.Status == http.StatusBadRequest && m != nil && str(m["error"]) == msg {
			fn(c, a, m)
			a.setObject(m)
		}
	})
}

// onBody lets fn rewrite the JSON object body of each request before it is
// forwarded; other bodies pass unchanged.
func onBody(fn func(c *call, body map[string]any)) wrapper {
	return onDM(func(c *call) *answer {
		if m := c.object(); m != nil && c.json() {
			fn(c, m)
			c.body = encode(m)
		}
		return c.forward()
	})
}

func (c *call) im() bool { return c.r.URL.Path == imPath }

// json reports whether the request says its body is JSON.
func (c *call) json() bool {
	return strings.Contains(strings.ToLower(c.r.Header.Get("Content-Type")), "application/json")
}

// object is the request body as a JSON object, or nil.
func (c *call) object() map[string]any { return decodeObject(c.body) }

// params is the body as the endpoint reads it, along the variants the
// server shows: JSON (a value that does not parse reads as {}; a top-level
// scalar spread into an object where the body is spread), a form where
// forms are parsed, or {} for any other Content-Type (an object of the
// text's characters where the body is spread, which validates alike).
func (c *call) params() any {
	ct := strings.ToLower(c.r.Header.Get("Content-Type"))
	switch {
	case strings.Contains(ct, "application/json"):
		if v := decodeJSON(c.body); v != nil && jsonValid(c.body) {
			if c.tr.is(conformance.DimBodyShape, conformance.Spread) && c.tr.is(conformance.DimBodyParser, conformance.LenientParser) {
				return spreadJS(v)
			}
			return v
		}
	case strings.Contains(ct, "application/x-www-form-urlencoded") && c.tr.is(conformance.DimFormBody, conformance.FormParsed):
		return parseForm(c.body)
	}
	return map[string]any{}
}

// parseForm reads a form body as Object.fromEntries does: the last value
// of a repeated key wins.
func parseForm(body []byte) map[string]any {
	q, _ := url.ParseQuery(string(body))
	out := map[string]any{}
	for k, vs := range q {
		out[k] = vs[len(vs)-1]
	}
	return out
}

// spreadJS is JavaScript's {...v} for a parsed JSON value, arrays kept: an
// object is itself, a string an object of its (UTF-16) indexes, any other
// scalar {}.
func spreadJS(v any) any {
	switch t := v.(type) {
	case []any, map[string]any:
		return t
	case string:
		out := map[string]any{}
		for i, u := range utf16.Encode([]rune(t)) {
			out[strconv.Itoa(i)] = string(rune(u))
		}
		return out
	}
	return map[string]any{}
}

// coerce reports whether the server's body schema coerces scalars.
func (c *call) coerce() bool { return c.tr.is(conformance.DimCoercion, conformance.Coerce) }

// validation is the validator's message for the request's parameters
// against these body forms, "" when they pass.
func (c *call) validation(branches []openapi.Branch, coerce bool) string {
	return oracle.Message(branches, c.params(), coerce)
}

// valid reports whether the parameters pass dm.create's schema, as the
// server's schema coerces them or not.
func (c *call) valid() bool { return c.validation(dmBranches(), c.coerce()) == "" }

// forward sends the request, with its current body, to the reference.
func (c *call) forward() *answer {
	r := c.r.Clone(c.r.Context())
	r.Body = io.NopCloser(bytes.NewReader(c.body))
	r.ContentLength = int64(len(c.body))
	return forward(c.next, r)
}

// forwardWith sends the request with another body and Content-Type.
func (c *call) forwardWith(contentType string, body []byte) *answer {
	r := c.r.Clone(c.r.Context())
	r.Header.Set("Content-Type", contentType)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return forward(c.next, r)
}

// authenticated asks the reference, without side effects (an empty body),
// whether the request's credentials are accepted.
func (c *call) authenticated() bool {
	return c.forwardWith("application/json", []byte(`{}`)).Status != http.StatusUnauthorized
}

// caller is the user the request's X-User-Id names, if the learner knows it.
func (c *call) caller() *person { return c.tr.id(c.r.Header.Get("X-User-Id")) }

// names lists the names the body gives, as the handler reads them after
// the schema: username as is (a number, boolean or null coerced to a
// string where the schema coerces), usernames split on commas and trimmed.
func (c *call) names() []string {
	m, _ := c.params().(map[string]any)
	if u, ok := m["username"]; ok {
		return []string{asName(u)}
	}
	s, ok := m["usernames"]
	if !ok {
		return nil
	}
	return splitNames(asName(s))
}

// asName is ajv's coercion of a scalar to a string: null is "".
func asName(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	return fmt.Sprint(v)
}

func splitNames(s string) []string {
	out := strings.Split(s, ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// setNames writes names back into the body's username or usernames.
func setNames(body map[string]any, names []string) {
	if _, ok := body["username"]; ok {
		body["username"] = strings.Join(names, ",")
		return
	}
	body["usernames"] = strings.Join(names, ",")
}

// excludeSelf reports whether the body asks for excludeSelf true.
func (c *call) excludeSelf() bool {
	m, _ := c.params().(map[string]any)
	switch v := m["excludeSelf"].(type) {
	case bool:
		return v
	case string:
		return v == "true" || v == "1"
	case json.Number:
		return v == "1"
	}
	return false
}

// Answers of released Rocket.Chat, in the shape of the server's variants.

const (
	notAllowedBody   = `{"success":false,"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed","details":{"method":"createDirectMessage"}}`
	invalidUserBody  = `{"success":false,"error":"Invalid user [error-invalid-user]","errorType":"error-invalid-user","details":{"method":"createDirectMessage"}}`
	emptyNameBody    = `{"success":false,"error":"invalid username"}`
	maxUsersPlainErr = "error-direct-message-max-user-exceeded"
	loggedOut        = "You must be logged in to do this."
	// bodyParserPage is the page the strict global JSON body parser answers with.
	bodyParserPage = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Bad Request</pre>\n</body>\n</html>\n"
)

// invalidParams is the server's answer to a body that fails the schema:
// on the legacy route a Meteor error with the " [invalid-params]" suffix,
// on the typed route the router's answer without it.
func (t *traffic) invalidParams(msg string) *answer {
	if t.is(conformance.DimRoute, conformance.Legacy) {
		return t.reply(http.StatusBadRequest, `{"success":false,"error":`+quote(msg+legacySuffix)+`,"errorType":"invalid-params"}`)
	}
	return t.reply(http.StatusBadRequest, `{"success":false,"errorType":"invalid-params","error":`+quote(msg)+`}`)
}

const legacySuffix = " [invalid-params]"

// unauthorized is the server's 401 answer.
func (t *traffic) unauthorized() *answer {
	return t.reply(http.StatusUnauthorized, body401(t.Variants[conformance.DimUnauthorized]))
}

// body401 is the 401 body of each variant of the unauthorized dimension.
func body401(variant string) string {
	switch variant {
	case conformance.Restivus:
		return restivus401
	case conformance.Breaking:
		return breaking401
	}
	return router401
}

const (
	restivus401 = `{"status":"error","message":"` + loggedOut + `"}`
	router401   = `{"success":false,"error":"` + loggedOut + `","status":"error","message":"` + loggedOut + `"}`
	breaking401 = `{"success":false,"error":"` + loggedOut + `"}`
)

// maxUsers is the server's member-limit error for a limit of n.
func (t *traffic) maxUsers(n int) *answer {
	if t.is(conformance.DimMaxUsers, conformance.PlainError) {
		return t.reply(http.StatusBadRequest, `{"success":false,"error":"`+maxUsersPlainErr+`"}`)
	}
	return t.reply(http.StatusBadRequest, maxUsersBody(n))
}

// maxUsersBody is the member-limit answer of 6.6 and later.
func maxUsersBody(n int) string {
	return string(encode(map[string]any{
		"success":   false,
		"error":     "You cannot add more than " + strconv.Itoa(n) + " users, including yourself to a direct message [error-direct-message-max-user-exceeded]",
		"errorType": "error-direct-message-max-user-exceeded",
		"details":   map[string]any{"method": "createDirectRoom"},
	}))
}

// htmlBadRequest is the strict body parser's page.
func htmlBadRequest() *answer {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	return &answer{Status: http.StatusBadRequest, Header: h, Body: []byte(bodyParserPage)}
}

func quote(s string) string { return string(encode(s)) }

// setRid gives the room another id, keeping _id equal to rid.
func setRid(room map[string]any, rid string) {
	room["rid"] = rid
	room["_id"] = rid
}

// newRid returns a fresh id shaped like a MongoDB ObjectId.
func newRid() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// members returns the room's usernames.
func members(room map[string]any) []string {
	arr, _ := room["usernames"].([]any)
	out := make([]string, 0, len(arr))
	for _, v := range arr {
		out = append(out, str(v))
	}
	return out
}

func setMembers(room map[string]any, names []string) {
	arr := make([]any, len(names))
	for i, n := range names {
		arr[i] = n
	}
	room["usernames"] = arr
}

// userIDs returns the sorted ids of the named users; ok is false when a
// name is unknown.
func userIDs(tr *traffic, names []string) (ids []string, ok bool) {
	for _, n := range names {
		p := tr.name(n)
		if p == nil {
			return nil, false
		}
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	return ids, true
}

// dmBranches are the body forms of dm.create, read from the harness's own
// spec by the oracle.
var dmBranches = sync.OnceValue(func() []openapi.Branch {
	spec, err := openapi.Load()
	if err != nil {
		panic(fmt.Sprintf("detection: load the embedded spec: %v", err))
	}
	branches, err := spec.RequestBranches(dmPath)
	if err != nil {
		panic(fmt.Sprintf("detection: read the body forms: %v", err))
	}
	return branches
})

// overlap tells identical dm.create requests that run at the same time
// apart. The suite races requests from a user it has just made, so the
// first request of a caller never seen is held a moment, so that a
// concurrent twin surely overlaps it; the twins that start while an
// identical request runs are late. Holding only those keeps the rest of a
// run at full speed.
type overlap struct {
	mu       sync.Mutex
	inflight map[string]int
	callers  map[string]bool
}

// overlapHold is how long a new caller's first request is held.
const overlapHold = 100 * time.Millisecond

func newOverlap() *overlap {
	return &overlap{inflight: map[string]int{}, callers: map[string]bool{}}
}

// run forwards c and reports whether it overlapped an identical request
// that started before it.
func (o *overlap) run(c *call, serve func() *answer) (*answer, bool) {
	caller := c.r.Header.Get("X-User-Id")
	key := c.r.URL.Path + "\x00" + caller + "\x00" + string(c.body)
	o.mu.Lock()
	late, first := o.inflight[key] > 0, !o.callers[caller]
	o.callers[caller] = true
	o.inflight[key]++
	o.mu.Unlock()
	if first && !late {
		time.Sleep(overlapHold)
	}
	a := serve()
	o.mu.Lock()
	o.inflight[key]--
	o.mu.Unlock()
	return a, late
}

// Header names as sent. Go's server puts every header name in canonical
// form, so a mutant that matches names with case needs the bytes on the
// wire: the listener records them and each request carries its own.

type rawNamesKey struct{}

// rawHeaderNames returns the header names of r as the client spelled them.
func rawHeaderNames(r *http.Request) []string {
	names, _ := r.Context().Value(rawNamesKey{}).([]string)
	return names
}

// recordingListener keeps what each connection reads, so that the header
// block of every request can be read back as sent.
type recordingListener struct{ net.Listener }

func (l recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c}, nil
}

type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.buf.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

// take returns what was read since the last take.
func (c *recordingConn) take() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := bytes.Clone(c.buf.Bytes())
	c.buf.Reset()
	return out
}

type connKey struct{}

// serveRecorded starts h on loopback with header names recorded as sent.
func serveRecorded(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(*recordingConn); ok {
			r = r.WithContext(context.WithValue(r.Context(), rawNamesKey{}, headerNames(c.take(), r)))
		}
		h.ServeHTTP(w, r)
	}))
	srv.Listener = recordingListener{srv.Listener}
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	srv.Start()
	return srv
}

// headerNames finds r's request line in raw (the client sends a request
// only after the answer to the previous one, so it is the last one) and
// returns the names of the header lines after it.
func headerNames(raw []byte, r *http.Request) []string {
	line := []byte(r.Method + " " + r.URL.RequestURI() + " ")
	i := bytes.LastIndex(raw, line)
	if i < 0 {
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(raw[i:]))
	sc.Scan() // the request line
	var names []string
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if l == "" {
			break
		}
		if name, _, ok := strings.Cut(l, ":"); ok {
			names = append(names, name)
		}
	}
	return names
}
