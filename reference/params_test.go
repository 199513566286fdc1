package reference

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
)

// TestDMCreateSchemaRows checks every row of research §1.4 (5.0+ column):
// the exact invalid-params text, or, for bodies that pass the schema, that
// the coerced value is what the handler then uses. Both lines validate with
// the same schema; they differ in the error's shape and in what the
// coerced names then do.
func TestDMCreateSchemaRows(t *testing.T) {
	e6 := newEnv(t, Config{Version: v6})
	e8 := newEnv(t, Config{})
	caller6, caller8 := e6.addUser("caller", "caller"), e8.addUser("caller", "caller")
	ids := map[string]string{}
	for _, name := range []string{"bob", "a", "123", "true", "1.5"} {
		ids[name] = e6.addUser(name, name).id
		e8.addUser(name, name)
	}
	rs := newRoomSets()
	ok6 := func(name string) check {
		return exact(200, dmOK(pairRid(caller6.id, ids[name]), sortedNames("caller", name)...))
	}
	ok8 := func(name string) check { return rs.room(sortedNames("caller", name)...) }
	rows := []struct {
		body  string
		msg   string // ajv's messages when the body fails the schema
		want6 check  // otherwise
		want8 check
	}{
		{body: `{}`, msg: missingTyped},
		{body: `{"foo":1}`, msg: missingTyped},
		{body: `{"excludeSelf":true}`, msg: missingTyped},
		{body: `{"username":"bob"}`, want6: ok6("bob"), want8: ok8("bob")},
		{body: `{"username":""}`, want6: exact(400, emptyNameBody), want8: rs.room("caller")},
		{body: `{"username":123}`, want6: ok6("123"), want8: ok8("123")},
		{body: `{"usernames":123}`, want6: ok6("123"), want8: ok8("123")},
		{body: `{"username":1.50}`, want6: ok6("1.5"), want8: ok8("1.5")},
		{body: `{"username":true}`, want6: ok6("true"), want8: ok8("true")},
		{body: `{"username":null}`, want6: exact(400, emptyNameBody), want8: rs.room("caller")},
		{body: `{"username":["a"]}`, msg: `must have required property 'usernames'\n must be string\n must match exactly one schema in oneOf`},
		{body: `{"username":{}}`, msg: `must have required property 'usernames'\n must be string\n must match exactly one schema in oneOf`},
		{body: `{"usernames":["a","b"]}`, msg: `must be string\n must have required property 'username'\n must match exactly one schema in oneOf`},
		{body: `{"username":"a","usernames":"b"}`, msg: `must NOT have additional properties\n must NOT have additional properties\n must match exactly one schema in oneOf`},
		{body: `{"username":"a","foo":1}`, msg: `must have required property 'usernames'\n must NOT have additional properties\n must match exactly one schema in oneOf`},
		{body: `{"usernames":"a","foo":1}`, msg: `must NOT have additional properties\n must have required property 'username'\n must match exactly one schema in oneOf`},
		// excludeSelf coerced to true leaves exactly one other user:
		// error-invalid-user on 6.x, that user's self-DM on 8.x.
		{body: `{"username":"a","excludeSelf":"true"}`, want6: exact(400, invalidUserBody), want8: rs.room("a")},
		{body: `{"username":"a","excludeSelf":1}`, want6: exact(400, invalidUserBody), want8: rs.room("a")},
		{body: `{"username":"a","excludeSelf":"false"}`, want6: ok6("a"), want8: ok8("a")},
		{body: `{"username":"a","excludeSelf":0}`, want6: ok6("a"), want8: ok8("a")},
		{body: `{"username":"a","excludeSelf":null}`, want6: ok6("a"), want8: ok8("a")},
		{body: `{"username":"a","excludeSelf":"yes"}`, msg: `must have required property 'usernames'\n must be boolean\n must match exactly one schema in oneOf`},
		{body: `{"username":"a","excludeSelf":2}`, msg: `must have required property 'usernames'\n must be boolean\n must match exactly one schema in oneOf`},
		{body: `{"usernames":"a","excludeSelf":[]}`, msg: `must be boolean\n must have required property 'username'\n must match exactly one schema in oneOf`},
		{body: `[]`, msg: objectMsg},
		{body: `["bob"]`, msg: objectMsg},
	}
	for _, row := range rows {
		t.Run(row.body, func(t *testing.T) {
			want6, want8 := row.want6, row.want8
			if row.msg != "" {
				want6 = exact(400, invalidParamsBody(row.msg+" [invalid-params]"))
				want8 = exact(400, typedInvalidParamsBody(row.msg))
			}
			t.Run("6.x", func(t *testing.T) { want6(t, e6.dm(caller6, row.body)) })
			t.Run("8.x", func(t *testing.T) {
				res := e8.dm(caller8, row.body)
				want8(t, res)
				// A typed validation error is the router's, outside the action.
				wantExactHeaders(t, res.header, jsonHeaders(false, row.msg != ""))
			})
		})
	}
}

// sortedNames orders usernames of users without a display name the way the
// server does (their username is the display name).
func sortedNames(names ...string) []string {
	users := make([]*user, len(names))
	for i, n := range names {
		users[i] = &user{username: n}
	}
	sortByDisplayName(users)
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.username
	}
	return out
}

// TestDMCreateBodyParsing covers how the body reaches the schema. On 8.x
// the route parses it after authentication: anything unparsable is {}, a
// JSON scalar is kept (and fails the schema), form bodies are parsed, and
// the content type is a case-sensitive substring. On 6.x the global body
// parser has run before: broken JSON and scalars get its HTML page, the
// media type is matched without case, and application/*+json is JSON too.
func TestDMCreateBodyParsing(t *testing.T) {
	e6 := newEnv(t, Config{Version: v6})
	e8 := newEnv(t, Config{})
	caller6, caller8 := e6.addUser("caller", "Caller"), e8.addUser("caller", "Caller")
	bob6 := e6.addUser("bob", "Bob")
	e8.addUser("bob", "Bob")
	rs := newRoomSets()
	ok6, ok8 := exact(200, dmOK(pairRid(caller6.id, bob6.id), "bob", "caller")), rs.room("bob", "caller")
	missing6, missing8 := exact(400, invalidParamsBody(missingMsg)), exact(400, typedInvalidParamsBody(missingTyped))
	object6, object8 := exact(400, invalidParamsBody(objectMsg+" [invalid-params]")), exact(400, typedInvalidParamsBody(objectMsg))
	cases := []struct {
		name, contentType, body string
		want6, want8            check
	}{
		{"no body, no content type", "", "", missing6, missing8},
		{"empty JSON body", "application/json", "", missing6, missing8},
		{"broken JSON", "application/json", `{"username":`, pageCheck, missing8},
		{"not JSON", "application/json", `abc`, pageCheck, missing8},
		{"trailing garbage", "application/json", `{"username":"bob"} x`, pageCheck, missing8},
		{"two values", "application/json", `{"username":"bob"}{}`, pageCheck, missing8},
		{"JSON string", "application/json", `"bob"`, pageCheck, object8},
		{"JSON number", "application/json", `42`, pageCheck, object8},
		{"JSON null", "application/json", `null`, pageCheck, object8},
		{"JSON true", "application/json", `true`, pageCheck, object8},
		{"JSON array", "application/json", `[{"username":"bob"}]`, object6, object8},
		{"whitespace before {", "application/json", " \t\r\n" + `{"username":"bob"}`, ok6, ok8},
		{"JSON with charset", "application/json; charset=utf-8", `{"username":"bob"}`, ok6, ok8},
		{"JSON as text/plain", "text/plain", `{"username":"bob"}`, missing6, missing8},
		{"JSON without content type", "", `{"username":"bob"}`, missing6, missing8},
		{"content type case", "Application/JSON", `{"username":"bob"}`, ok6, missing8},
		{"broken JSON, content type case", "Application/JSON", `{`, pageCheck, missing8},
		{"+json media type", "application/vnd.x+json", `{"username":"bob"}`, ok6, missing8},
		{"broken +json", "application/vnd.x+json", `{`, pageCheck, missing8},
		{"json substring", "text/x-application/json", `{"username":"bob"}`, missing6, ok8},
		{"multipart", "multipart/form-data; boundary=x", "--x\r\n", missing6, missing8},
		{"form", "application/x-www-form-urlencoded", "username=bob", ok6, ok8},
		{"form usernames", "application/x-www-form-urlencoded", "usernames=bob%2C+caller", ok6, ok8},
		{"form coerces excludeSelf", "application/x-www-form-urlencoded", "username=bob&excludeSelf=true", exact(400, invalidUserBody), rs.room("bob")},
		{"form last value wins", "application/x-www-form-urlencoded", "username=nobody&username=bob", ok6, ok8},
		{"form empty", "application/x-www-form-urlencoded", "", missing6, missing8},
		{"form extra key", "application/x-www-form-urlencoded", "username=bob&x",
			exact(400, invalidParamsBody(`must have required property 'usernames'\n must NOT have additional properties\n must match exactly one schema in oneOf [invalid-params]`)),
			exact(400, typedInvalidParamsBody(`must have required property 'usernames'\n must NOT have additional properties\n must match exactly one schema in oneOf`))},
		{"form bad escape stays literal", "application/x-www-form-urlencoded", "username=b%zzob", exact(400, invalidUserBody), rs.room("caller")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Run("6.x", func(t *testing.T) {
				c.want6(t, e6.request(http.MethodPost, "/api/v1/dm.create", &caller6, c.contentType, c.body))
			})
			t.Run("8.x", func(t *testing.T) {
				c.want8(t, e8.request(http.MethodPost, "/api/v1/dm.create", &caller8, c.contentType, c.body))
			})
		})
	}
	// A byte-order mark is dropped on 8.x (fetch's Body.json()); for 6.x
	// see TestBodyParserRegressions.
	ok8(t, e8.request(http.MethodPost, "/api/v1/dm.create", &caller8, "application/json", "\uFEFF"+`{"username":"bob"}`))
}

// bodyParserInputs are bodies and content types 6.x's global JSON parser
// decides on; page says whether it answers them with its HTML 400.
var bodyParserInputs = []struct {
	name, contentType, body string
	page                    bool
}{
	{"broken JSON", "application/json", `{"username":`, true},
	{"not JSON", "application/json", `abc`, true},
	{"number", "application/json", `42`, true},
	{"string", "application/json", `"bob"`, true},
	{"null", "application/json", `null`, true},
	{"true", "application/json", `true`, true},
	{"trailing garbage", "application/json", `{} x`, true},
	{"two values", "application/json", `{}{}`, true},
	{"vertical tab is no JSON whitespace", "application/json", "\v{}", true},
	{"whitespace before {", "application/json", " \t\r\n" + `{"username":"bob"}`, false},
	{"whitespace before [", "application/json", "\n[1]", false},
	{"empty body", "application/json", ``, false},
	{"empty object", "application/json", `{}`, false},
	{"empty array", "application/json", `[]`, false},
	{"+json media type", "application/vnd.x+json", `abc`, true},
	{"+json media type, object", "application/vnd.x+json", `{}`, false},
	{"content type case", "Application/JSON", `abc`, true},
	{"charset parameter", "application/json; charset=utf-8", `abc`, true},
	{"text/plain is not parsed", "text/plain", `abc`, false},
	{"text/json is not parsed", "text/json", `abc`, false},
	{"application/jsonx is not parsed", "application/jsonx", `abc`, false},
	{"no content type", "", `abc`, false},
	{"form", "application/x-www-form-urlencoded", `abc`, false},
}

// TestBodyParser6 checks that 6.x's body parser answers before anything
// else, on every route (login, dm.create, even a missing one), whoever
// asks; and that 8.x has no such parser.
func TestBodyParser6(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
			for _, in := range bodyParserInputs {
				t.Run(in.name, func(t *testing.T) {
					page := in.page && l.bodyParser == conformance.StrictParser
					want := func(t *testing.T, res response, status int, body string, bare bool) {
						t.Helper()
						if page {
							wantParserPage(t, res)
							return
						}
						wantResponse(t, res, status, body)
						wantExactHeaders(t, res.header, jsonHeaders(l.restivusRouter(), bare))
					}
					t.Run("dm.create, unauthenticated", func(t *testing.T) {
						want(t, e.request(http.MethodPost, "/api/v1/dm.create", nil, in.contentType, in.body), 401, l.unauthorized(), true)
					})
					t.Run("dm.create, bad token", func(t *testing.T) {
						want(t, e.request(http.MethodPost, "/api/v1/dm.create", &creds{e.admin.id, "bad"}, in.contentType, in.body), 401, l.unauthorized(), true)
					})
					t.Run("login", func(t *testing.T) {
						want(t, e.request(http.MethodPost, "/api/v1/login", nil, in.contentType, in.body), 401, unrecognizedBody, false)
					})
					t.Run("missing route", func(t *testing.T) {
						want(t, e.request(http.MethodPost, "/api/v1/nope", nil, in.contentType, in.body), 404, notFoundBody, false)
					})
					t.Run("dm.create as admin", func(t *testing.T) {
						res := e.request(http.MethodPost, "/api/v1/dm.create", &e.admin, in.contentType, in.body)
						if page {
							wantParserPage(t, res)
						} else if ct := res.header.Get("Content-Type"); ct != "application/json" {
							t.Errorf("got %d %s (%s)", res.status, res.body, ct)
						}
					})
				})
			}
		})
	}
}

// TestBodyParserRegressions pins inputs on which this server once answered
// differently from 6.x's body parser (connect 2.30.2's json: body-parser
// 1.13.3 with iconv-lite 0.4.11, behind Node's header parsing). Each case
// checks the released behaviour, so the divergence cannot come back.
func TestBodyParserRegressions(t *testing.T) {
	e := newEnv(t, Config{Version: v6})
	caller := e.addUser("caller", "Caller")
	bob := e.addUser("bob", "Bob")
	okBob := dmOK(pairRid(caller.id, bob.id), "bob", "caller")
	type regression struct {
		name, why string
		req       func() *http.Request
		// released is what 6.x answers; it returns "" when res matches.
		released func(res response) string
	}
	dm := func(contentTypes []string, body string) func() *http.Request {
		return func() *http.Request {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/dm.create", strings.NewReader(body))
			for _, ct := range contentTypes {
				req.Header.Add("Content-Type", ct)
			}
			req.Header.Set("X-User-Id", caller.id)
			req.Header.Set("X-Auth-Token", caller.token)
			return req
		}
	}
	answer := func(status int, body string) func(response) string {
		return func(res response) string {
			if res.status != status || body != "" && res.body != body {
				return fmt.Sprintf("want %d %s", status, body)
			}
			return ""
		}
	}
	cases := []regression{
		{"whitespace-only JSON body", "body-parser tests for an empty body before skipping whitespace, and strict mode refuses a body without a first character",
			dm([]string{"application/json"}, "  "), answer(400, parserPage)},
		{"byte-order mark", "iconv-lite strips a UTF-8 BOM before the strict first-character check",
			dm([]string{"application/json"}, "\uFEFF"+`{"username":"bob"}`), answer(200, okBob)},
		{"non-UTF charset", "body-parser answers a JSON body whose charset is not utf-* with 415",
			dm([]string{"application/json; charset=latin1"}, `{"username":"bob"}`), answer(415, "")},
		{"repeated Content-Type", "Node keeps the first Content-Type and drops repeats; joining them is 8.x's fetch behaviour",
			dm([]string{"application/json", "application/json"}, `{"username":"bob"}`), answer(200, okBob)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.serve(c.req())
			if msg := c.released(res); msg != "" {
				t.Errorf("diverges from 6.x (%s): got %d %q, released 6.x would %s", c.why, res.status, res.body, msg)
			}
		})
	}
}

func TestJSNumberString(t *testing.T) {
	tenth, fifth := 0.1, 0.2 // variables: constant arithmetic would be exact
	cases := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {1, "1"}, {-1, "-1"}, {1.5, "1.5"}, {100, "100"},
		{123456789, "123456789"}, {1e20, "100000000000000000000"}, {1e21, "1e+21"},
		{1.2345e21, "1.2345e+21"}, {0.1, "0.1"}, {0.000001, "0.000001"}, {1e-7, "1e-7"},
		{1.5e-10, "1.5e-10"}, {123456789012345678901234, "1.2345678901234569e+23"},
		{tenth + fifth, "0.30000000000000004"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
		{5e-324, "5e-324"}, {math.MaxFloat64, "1.7976931348623157e+308"},
	}
	for _, c := range cases {
		if got := jsNumberString(c.in); got != c.want {
			t.Errorf("jsNumberString(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCoerce(t *testing.T) {
	num := func(s string) any { return json.Number(s) }
	cases := []struct {
		name     string
		in       any
		typ      jsonType
		nullable bool
		want     any
		msg      string
	}{
		{"string stays", "x", typeString, false, "x", ""},
		{"number to string", num("12"), typeString, false, "12", ""},
		{"huge number to string", num("1e400"), typeString, false, "Infinity", ""},
		{"bool to string", false, typeString, false, "false", ""},
		{"null to string", nil, typeString, false, "", ""},
		{"null stays null when nullable", nil, typeString, true, nil, ""},
		{"array not string", []any{}, typeString, false, nil, "must be string"},
		{"object not string", map[string]any{}, typeString, false, nil, "must be string"},
		{"true string", "true", typeBoolean, false, true, ""},
		{"false string", "false", typeBoolean, false, false, ""},
		{"one", num("1.0"), typeBoolean, false, true, ""},
		{"zero", num("-0"), typeBoolean, false, false, ""},
		{"null to false", nil, typeBoolean, false, false, ""},
		{"empty string to null when nullable", "", typeBoolean, true, nil, ""},
		{"empty string not boolean", "", typeBoolean, false, nil, "must be boolean"},
		{"TRUE not boolean", "TRUE", typeBoolean, false, nil, "must be boolean"},
		{"two not boolean", num("2"), typeBoolean, false, nil, "must be boolean"},
		{"object", map[string]any{"a": 1.0}, typeObject, false, map[string]any{"a": 1.0}, ""},
		{"array not object", []any{}, typeObject, false, nil, "must be object"},
		{"null not object", nil, typeObject, false, nil, "must be object"},
		{"string array coerces items", []any{"a", num("1"), true, nil}, typeStringArray, false, []string{"a", "1", "true", ""}, ""},
		{"string not array", "a", typeStringArray, false, nil, "must be array"},
		{"nested array item", []any{[]any{}}, typeStringArray, false, nil, "must be string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, msg := coerce(c.in, c.typ, c.nullable, true)
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(c.want)
			if msg != c.msg || string(gj) != string(wj) {
				t.Errorf("coerce(%#v) = %s, %q; want %s, %q", c.in, gj, msg, wj, c.msg)
			}
		})
	}
}

func TestJSTrim(t *testing.T) {
	cases := map[string]string{
		"  bob\t":         "bob",
		"\u00a0bob\u3000": "bob",
		"\ufeffbob\u2028": "bob",
		"\u0085bob":       "\u0085bob", // NEL is not JS whitespace
		"\u200bbob":       "\u200bbob", // nor is ZERO WIDTH SPACE
		" b o b ":         "b o b",
		"\n\r\v\f":        "",
	}
	for in, want := range cases {
		if got := jsTrim(in); got != want {
			t.Errorf("jsTrim(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseFormParams(t *testing.T) {
	got := parseFormParams([]byte("a=1&&b=x+y%21&c&a=2&%ff=%&d=%e2%82%ac"))
	want := map[string]any{"a": "2", "b": "x y!", "c": "", "\uFFFD": "%", "d": "€"}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("parseFormParams = %s, want %s", gj, wj)
	}
}
