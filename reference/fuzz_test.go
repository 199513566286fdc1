package reference

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
)

// fuzzContentTypes are picked by the fuzzer's second argument.
var fuzzContentTypes = []string{
	"application/json", "", "application/x-www-form-urlencoded", "text/plain",
	"multipart/form-data; boundary=x", "application/json; charset=utf-8",
}

// fuzzEndpoint posts each input to path on a server per release line, one
// with the line's defaults and one with its last allowed variants, and
// requires one of the allowed statuses, a valid JSON body and the exact
// JSON headers: never a 5xx. With the strict body parser a JSON-typed body
// may instead get the parser's page, but never when it is a JSON object or
// array.
func fuzzEndpoint(f *testing.F, path string, asAdmin bool, allowed map[int]bool, seeds []string) {
	type target struct {
		e      *testEnv
		caller creds
		name   string
		strict bool
	}
	var targets []target
	for _, l := range conformance.Lines {
		for name, variants := range map[string]map[string]string{"defaults": nil, "last": allLast(l)} {
			e := newEnv(f, Config{Version: firstRelease(l).String(), Variants: variants})
			caller := e.addUser("caller", "Caller")
			e.addUser("bob", "Bob")
			e.addUser("123", "Numbers")
			e.addUser("guest1", "Guest", "guest")
			if asAdmin {
				caller = e.admin
			}
			targets = append(targets, target{e, caller, l.Name + " " + name, e.srv.rel.bodyParser == conformance.StrictParser})
		}
	}
	for _, s := range seeds {
		for ct := range fuzzContentTypes {
			f.Add(s, uint8(ct))
		}
	}
	f.Fuzz(func(t *testing.T, body string, ct uint8) {
		contentType := fuzzContentTypes[int(ct)%len(fuzzContentTypes)]
		for _, tg := range targets {
			fe := &testEnv{t: t, srv: tg.e.srv, admin: tg.e.admin} // f's methods are off-limits in here
			c := &tg.caller
			if path == "/api/v1/login" {
				c = nil
			}
			res := fe.request(http.MethodPost, path, c, contentType, body)
			if tg.strict && res.header.Get("Content-Type") != "application/json" {
				jsonTyped := strings.HasPrefix(contentType, "application/json")
				if !jsonTyped || res.status != 400 || res.body != parserPage {
					t.Fatalf("%s: %d %q (%s) for %q as %q", tg.name, res.status, res.body, res.header.Get("Content-Type"), body, contentType)
				}
				if v := strings.TrimLeft(body, " \t\r\n"); v != "" && (v[0] == '{' || v[0] == '[') && json.Valid([]byte(v)) {
					t.Fatalf("%s: body parser page for the JSON %q", tg.name, body)
				}
				continue
			}
			if !allowed[res.status] {
				t.Fatalf("%s: status %d for %q: %s", tg.name, res.status, body, res.body)
			}
			if !json.Valid([]byte(res.body)) {
				t.Fatalf("%s: invalid JSON for %q: %q", tg.name, body, res.body)
			}
			if got := res.header.Get("Content-Type"); got != "application/json" {
				t.Fatalf("%s: Content-Type %q", tg.name, got)
			}
		}
	})
}

func FuzzDMCreateBody(f *testing.F) {
	fuzzEndpoint(f, "/api/v1/dm.create", false, map[int]bool{200: true, 400: true}, []string{
		`{}`, `{"foo":1}`, `{"excludeSelf":true}`, `{"username":"bob"}`, `{"username":""}`,
		`{"username":123}`, `{"usernames":123}`, `{"username":true}`, `{"username":null}`,
		`{"username":["a"]}`, `{"username":{}}`, `{"usernames":["a","b"]}`,
		`{"username":"a","usernames":"b"}`, `{"username":"a","foo":1}`, `{"usernames":"a","foo":1}`,
		`{"username":"bob","excludeSelf":"true"}`, `{"username":"bob","excludeSelf":1}`,
		`{"username":"a","excludeSelf":"yes"}`, `[]`, `"bob"`, ``, `{`, `null`,
		`{"usernames":"bob,,caller"}`, `{"usernames":"@bob,@x"}`, `{"username":"caller","excludeSelf":true}`,
		`{"usernames":"bob,123,caller,rocket.cat","excludeSelf":true}`, `{"username":1e400}`,
		`username=bob&excludeSelf=1`, `abc`, `42`, " \n{\"username\":\"bob\"}", `{"usernames":"nobody,BOB,caller"}`,
	})
}

func FuzzUsersCreateBody(f *testing.F) {
	fuzzEndpoint(f, "/api/v1/users.create", true, map[int]bool{200: true, 400: true}, []string{
		`{}`, `[]`, `{"email":"x@example.com","name":"X","password":"p","username":"x"}`,
		`{"email":"x@example.com","name":"X","password":"p","username":"x","roles":["guest","admin"],"active":"false","verified":1}`,
		`{"email":"","name":" ","password":"","username":"bob"}`,
		`{"email":"y@example.com","name":"Y","password":"p","username":"y","roles":["nope"]}`,
		`{"email":1,"name":true,"password":null,"username":2,"customFields":{"a":1}}`,
		`email=z%40example.com&name=Z&password=p&username=z`,
	})
}

func FuzzLoginBody(f *testing.F) {
	fuzzEndpoint(f, "/api/v1/login", false, map[int]bool{200: true, 401: true}, []string{
		`{}`, `[]`, `{"user":"admin","password":"admin-pass"}`, `{"user":"bob","password":"pw-bob"}`,
		`{"username":"Bob","password":"x"}`, `{"email":"bob@example.com","password":"pw-bob"}`,
		`{"user":{"username":"bob"},"password":"pw-bob"}`, `{"user":{"id":1},"password":{}}`,
		`{"user":"bob","password":{"digest":"00","algorithm":"sha-256"}}`, `{"password":0}`,
		`user=bob&password=pw-bob`,
	})
}

func FuzzUsersDeleteBody(f *testing.F) {
	fuzzEndpoint(f, "/api/v1/users.delete", true, map[int]bool{200: true, 400: true}, []string{
		`{}`, `[]`, `{"userId":""}`, `{"userId":1}`, `{"username":"bob"}`, `{"username":"BOB","confirmRelinquish":true}`,
		`{"userId":"nope","username":"bob"}`, `{"username":"admin"}`, `{"userId":null}`, `userId=x`, `{`,
	})
}
