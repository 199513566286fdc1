package reference

import (
	"encoding/json"
	"math"
	"net/http"
	"testing"
)

// TestDMCreateSchemaRows checks every row of research §1.4 (5.0+ column):
// the exact invalid-params text, or, for bodies that pass the schema, that
// the coerced value is what the handler then uses.
func TestDMCreateSchemaRows(t *testing.T) {
	e := newEnv(t, Config{})
	caller := e.addUser("caller", "caller")
	ids := map[string]string{}
	for _, name := range []string{"bob", "a", "123", "true", "1.5"} {
		ids[name] = e.addUser(name, name).id
	}
	ok := func(name string) string {
		return dmOK(pairRid(caller.id, ids[name]), sortedNames("caller", name)...)
	}
	rows := []struct {
		body   string
		status int
		want   string
	}{
		{`{}`, 400, invalidParamsBody(missingMsg)},
		{`{"foo":1}`, 400, invalidParamsBody(missingMsg)},
		{`{"excludeSelf":true}`, 400, invalidParamsBody(missingMsg)},
		{`{"username":"bob"}`, 200, ok("bob")},
		{`{"username":""}`, 400, emptyNameBody},
		{`{"username":123}`, 200, ok("123")},
		{`{"usernames":123}`, 200, ok("123")},
		{`{"username":1.50}`, 200, ok("1.5")},
		{`{"username":true}`, 200, ok("true")},
		{`{"username":null}`, 400, emptyNameBody},
		{`{"username":["a"]}`, 400, invalidParamsBody(`must have required property 'usernames'\n must be string\n must match exactly one schema in oneOf [invalid-params]`)},
		{`{"username":{}}`, 400, invalidParamsBody(`must have required property 'usernames'\n must be string\n must match exactly one schema in oneOf [invalid-params]`)},
		{`{"usernames":["a","b"]}`, 400, invalidParamsBody(`must be string\n must have required property 'username'\n must match exactly one schema in oneOf [invalid-params]`)},
		{`{"username":"a","usernames":"b"}`, 400, invalidParamsBody(`must NOT have additional properties\n must NOT have additional properties\n must match exactly one schema in oneOf [invalid-params]`)},
		{`{"username":"a","foo":1}`, 400, invalidParamsBody(`must have required property 'usernames'\n must NOT have additional properties\n must match exactly one schema in oneOf [invalid-params]`)},
		{`{"usernames":"a","foo":1}`, 400, invalidParamsBody(`must NOT have additional properties\n must have required property 'username'\n must match exactly one schema in oneOf [invalid-params]`)},
		// excludeSelf coerced to true leaves exactly one other user: error-invalid-user.
		{`{"username":"a","excludeSelf":"true"}`, 400, invalidUserBody},
		{`{"username":"a","excludeSelf":1}`, 400, invalidUserBody},
		{`{"username":"a","excludeSelf":"false"}`, 200, ok("a")},
		{`{"username":"a","excludeSelf":0}`, 200, ok("a")},
		{`{"username":"a","excludeSelf":null}`, 200, ok("a")},
		{`{"username":"a","excludeSelf":"yes"}`, 400, invalidParamsBody(`must have required property 'usernames'\n must be boolean\n must match exactly one schema in oneOf [invalid-params]`)},
		{`{"username":"a","excludeSelf":2}`, 400, invalidParamsBody(`must have required property 'usernames'\n must be boolean\n must match exactly one schema in oneOf [invalid-params]`)},
		{`{"usernames":"a","excludeSelf":[]}`, 400, invalidParamsBody(`must be boolean\n must have required property 'username'\n must match exactly one schema in oneOf [invalid-params]`)},
		{`[]`, 400, invalidParamsBody(`must be object\n must be object\n must match exactly one schema in oneOf [invalid-params]`)},
		{`["bob"]`, 400, invalidParamsBody(`must be object\n must be object\n must match exactly one schema in oneOf [invalid-params]`)},
	}
	for _, row := range rows {
		t.Run(row.body, func(t *testing.T) {
			wantResponse(t, e.dm(caller, row.body), row.status, row.want)
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

// TestDMCreateBodyParsing covers how the body reaches the schema: Hono-era
// parsing turns anything unparsable into {}, parses form bodies, and keeps
// arrays.
func TestDMCreateBodyParsing(t *testing.T) {
	e := newEnv(t, Config{})
	caller := e.addUser("caller", "Caller")
	bob := e.addUser("bob", "Bob")
	okBob := dmOK(pairRid(caller.id, bob.id), "bob", "caller")
	missing := invalidParamsBody(missingMsg)
	cases := []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"no body, no content type", "", "", 400, missing},
		{"empty JSON body", "application/json", "", 400, missing},
		{"broken JSON", "application/json", `{"username":`, 400, missing},
		{"trailing garbage", "application/json", `{"username":"bob"} x`, 400, missing},
		{"two values", "application/json", `{"username":"bob"}{}`, 400, missing},
		{"JSON string", "application/json", `"bob"`, 400, missing},
		{"JSON number", "application/json", `42`, 400, missing},
		{"JSON null", "application/json", `null`, 400, missing},
		{"JSON true", "application/json", `true`, 400, missing},
		{"JSON array", "application/json", `[{"username":"bob"}]`, 400,
			invalidParamsBody(`must be object\n must be object\n must match exactly one schema in oneOf [invalid-params]`)},
		{"JSON with charset", "application/json; charset=utf-8", `{"username":"bob"}`, 200, okBob},
		{"JSON with BOM", "application/json", "\uFEFF" + `{"username":"bob"}`, 200, okBob},
		{"JSON as text/plain", "text/plain", `{"username":"bob"}`, 400, missing},
		{"JSON without content type", "", `{"username":"bob"}`, 400, missing},
		{"content type is case-sensitive", "Application/JSON", `{"username":"bob"}`, 400, missing},
		{"multipart", "multipart/form-data; boundary=x", "--x\r\n", 400, missing},
		{"form", "application/x-www-form-urlencoded", "username=bob", 200, okBob},
		{"form usernames", "application/x-www-form-urlencoded", "usernames=bob%2C+caller", 200, okBob},
		{"form coerces excludeSelf", "application/x-www-form-urlencoded", "username=bob&excludeSelf=true", 400, invalidUserBody},
		{"form last value wins", "application/x-www-form-urlencoded", "username=nobody&username=bob", 200, okBob},
		{"form empty", "application/x-www-form-urlencoded", "", 400, missing},
		{"form extra key", "application/x-www-form-urlencoded", "username=bob&x", 400,
			invalidParamsBody(`must have required property 'usernames'\n must NOT have additional properties\n must match exactly one schema in oneOf [invalid-params]`)},
		{"form bad escape stays literal", "application/x-www-form-urlencoded", "username=b%zzob", 400, invalidUserBody},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantResponse(t, e.request(http.MethodPost, "/api/v1/dm.create", &caller, c.contentType, c.body), c.status, c.want)
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
			got, msg := coerce(c.in, c.typ, c.nullable)
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
