package detection

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// This file holds the small, generic pieces the mutants are made of: a
// learner that watches provisioning traffic, and helpers to read, replace and
// rewrite request and answer bodies of dm.create / im.create.

const (
	dmPath = "/api/v1/dm.create"
	imPath = "/api/v1/im.create"
)

// person is what the learner knows about a user.
type person struct {
	ID, Username, Name, Token string
	Roles                     []string
}

// display is the name Rocket.Chat sorts a room's members by.
func (p *person) display() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Username
}

// traffic learns who is who by watching login and users.create answers:
// user id ↔ token ↔ username ↔ display name.
type traffic struct {
	mu      sync.Mutex
	byID    map[string]*person
	byName  map[string]*person // lower-case username
	byToken map[string]*person
}

func newTraffic() *traffic {
	bot := &person{ID: "rocket.cat", Username: "rocket.cat", Name: "Rocket.Cat"}
	return &traffic{
		byID:    map[string]*person{bot.ID: bot},
		byName:  map[string]*person{bot.Username: bot},
		byToken: map[string]*person{},
	}
}

func (t *traffic) remember(id, username, name, token string, roles []any) {
	if id == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.byID[id]
	if p == nil {
		p = &person{ID: id}
		t.byID[id] = p
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
	if !ok {
		return nil
	}
	cp := *p
	return &cp
}

// learn is the outermost layer of every mutant: it passes everything through
// and remembers what login and users.create answer.
func (t *traffic) learn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/login" && r.URL.Path != "/api/v1/users.create" {
			next.ServeHTTP(w, r)
			return
		}
		a := forward(next, r)
		if m := a.object(); a.Status == http.StatusOK && m != nil {
			if data, ok := m["data"].(map[string]any); ok {
				me, _ := data["me"].(map[string]any)
				roles, _ := me["roles"].([]any)
				t.remember(str(data["userId"]), str(me["username"]), str(me["name"]), str(data["authToken"]), roles)
			}
			if u, ok := m["user"].(map[string]any); ok {
				roles, _ := u["roles"].([]any)
				t.remember(str(u["_id"]), str(u["username"]), str(u["name"]), "", roles)
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

// reply builds an answer with a JSON body and Rocket.Chat's headers.
func reply(status int, body string) *answer {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	return &answer{Status: status, Header: h, Body: []byte(body)}
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
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return nil
	}
	return m
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

// onDM wraps only dm.create and im.create with fn; fn returns the answer to
// send. Every other path goes straight to the reference.
func onDM(fn func(c *call) *answer) func(http.Handler, *traffic) http.Handler {
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

// onAnswer forwards the (unchanged) request and lets fn rewrite the answer.
func onAnswer(fn func(c *call, a *answer)) func(http.Handler, *traffic) http.Handler {
	return onDM(func(c *call) *answer {
		a := c.forward()
		fn(c, a)
		return a
	})
}

// onRoom lets fn rewrite the room of every 200 answer.
func onRoom(fn func(c *call, room map[string]any)) func(http.Handler, *traffic) http.Handler {
	return onAnswer(func(c *call, a *answer) {
		if m, room := a.room(); room != nil {
			fn(c, room)
			a.setObject(m)
		}
	})
}

// onErrorType lets fn rewrite every answer with this errorType.
func onErrorType(typ string, fn func(c *call, a *answer, m map[string]any)) func(http.Handler, *traffic) http.Handler {
	return onAnswer(func(c *call, a *answer) {
		if m := a.object(); m != nil && str(m["errorType"]) == typ {
			fn(c, a, m)
			a.setObject(m)
		}
	})
}

// onBody lets fn rewrite the JSON object body of each request before it is
// forwarded; other bodies pass unchanged.
func onBody(fn func(c *call, body map[string]any)) func(http.Handler, *traffic) http.Handler {
	return onDM(func(c *call) *answer {
		if m := c.object(); m != nil {
			fn(c, m)
			c.body = encode(m)
		}
		return c.forward()
	})
}

func (c *call) im() bool { return c.r.URL.Path == imPath }

// object is the request body as a JSON object, or nil.
func (c *call) object() map[string]any { return decodeObject(c.body) }

// forward sends the request, with its current body, to the reference.
func (c *call) forward() *answer {
	r := c.r.Clone(c.r.Context())
	r.Body = io.NopCloser(bytes.NewReader(c.body))
	r.ContentLength = int64(len(c.body))
	return forward(c.next, r)
}

// authenticated asks the reference, without side effects (an empty body),
// whether the request's credentials are accepted.
func (c *call) authenticated() bool {
	r := c.r.Clone(c.r.Context())
	r.Body = io.NopCloser(strings.NewReader(`{}`))
	r.ContentLength = 2
	r.Header.Set("Content-Type", "application/json")
	return forward(c.next, r).Status != http.StatusUnauthorized
}

// caller is the user the request's X-User-Id names, if the learner knows it.
func (c *call) caller() *person { return c.tr.id(c.r.Header.Get("X-User-Id")) }

// names lists the names the body gives, as the handler reads them: username
// as is, usernames split on commas and trimmed.
func (c *call) names() []string {
	m := c.object()
	if u, ok := m["username"].(string); ok {
		return []string{u}
	}
	s, ok := m["usernames"].(string)
	if !ok {
		return nil
	}
	out := strings.Split(s, ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// excludeSelf reports whether the body asks for excludeSelf true.
func (c *call) excludeSelf() bool {
	v := c.object()["excludeSelf"]
	return v == true || v == "true"
}

// Canned answers of released Rocket.Chat.
const (
	notAllowedBody  = `{"success":false,"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed","details":{"method":"createDirectMessage"}}`
	invalidUserBody = `{"success":false,"error":"Invalid user [error-invalid-user]","errorType":"error-invalid-user","details":{"method":"createDirectMessage"}}`
)

func invalidParams(msg string) *answer {
	return reply(http.StatusBadRequest, string(encode(map[string]any{
		"success": false, "error": msg + " [invalid-params]", "errorType": "invalid-params",
	})))
}

func maxUsersBody(n int) string {
	return string(encode(map[string]any{
		"success":   false,
		"error":     "You cannot add more than " + strconv.Itoa(n) + " users, including yourself to a direct message [error-direct-message-max-user-exceeded]",
		"errorType": "error-direct-message-max-user-exceeded",
		"details":   map[string]any{"method": "createDirectRoom"},
	}))
}

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

// composedRid is the rid released Rocket.Chat gives a 1:1 room: the two
// user ids sorted and joined; ok is false when a member is unknown.
func composedRid(tr *traffic, names []string) (ids []string, ok bool) {
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

// A tiny model of the ajv schema of dm.create, enough for the mutants that
// answer invalid-params themselves (a server without coercion, or without a
// feature). Released Rocket.Chat reports each branch's first error in order.
type prop struct{ name, typ string }

type branch struct {
	required string
	props    []prop // required first, then the optional keys
}

// schema is dm.create's body schema; usernames and excludeSelf can be left
// out, as on servers older than 3.1.0 and 3.18.0.
func schema(usernames, excludeSelf bool) []branch {
	forms := []string{"username"}
	if usernames {
		forms = []string{"usernames", "username"}
	}
	var out []branch
	for _, req := range forms {
		b := branch{required: req, props: []prop{{req, "string"}}}
		if excludeSelf {
			b.props = append(b.props, prop{"excludeSelf", "boolean"})
		}
		out = append(out, b)
	}
	return out
}

// ajvMessage is the invalid-params text (without the suffix) for body, or
// "" when the body is valid.
func ajvMessage(body []byte, branches []branch, coerce bool) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if len(bytes.TrimSpace(body)) == 0 || dec.Decode(&v) != nil {
		v = map[string]any{}
	}
	if len(branches) == 1 { // a plain object schema: ajv reports its first error
		return firstError(v, branches[0], coerce)
	}
	var msgs []string
	for _, b := range branches {
		m := firstError(v, b, coerce)
		if m == "" {
			return ""
		}
		msgs = append(msgs, m)
	}
	return strings.Join(append(msgs, "must match exactly one schema in oneOf"), "\n ")
}

func firstError(v any, b branch, coerce bool) string {
	obj, ok := v.(map[string]any)
	if !ok {
		return "must be object"
	}
	if _, ok := obj[b.required]; !ok {
		return "must have required property '" + b.required + "'"
	}
	for k := range obj {
		if !slices.ContainsFunc(b.props, func(p prop) bool { return p.name == k }) {
			return "must NOT have additional properties"
		}
	}
	for _, p := range b.props {
		if val, ok := obj[p.name]; ok && !fits(val, p.typ, coerce) {
			return "must be " + p.typ
		}
	}
	return ""
}

func fits(v any, typ string, coerce bool) bool {
	switch typ {
	case "string":
		if _, ok := v.(string); ok {
			return true
		}
		switch v.(type) {
		case json.Number, bool, nil:
			return coerce
		}
	case "boolean":
		if _, ok := v.(bool); ok {
			return true
		}
		switch t := v.(type) {
		case nil:
			return coerce
		case string:
			return coerce && (t == "true" || t == "false")
		case json.Number:
			return coerce && (t == "0" || t == "1")
		}
	}
	return false
}
