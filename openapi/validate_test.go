package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
)

const dmPath = "/api/v1/dm.create"

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

func authHeader() http.Header {
	return http.Header{
		"Content-Type": {"application/json"},
		"X-Auth-Token": {"RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f"},
		"X-User-Id":    {"rbAXPnMktTFbNpwtJ"},
	}
}

func response(status int, body string) Exchange {
	return Exchange{Method: http.MethodPost, Path: dmPath, RequestHeader: authHeader(), RequestBody: []byte(`{"username":"g1"}`),
		Status: status, ResponseHeader: jsonHeader(), ResponseBody: []byte(body)}
}

func request(header http.Header, body string) Exchange {
	return Exchange{Method: http.MethodPost, Path: dmPath, RequestHeader: header, RequestBody: []byte(body)}
}

// Bodies as Rocket.Chat sends them (see the research notes on dm.create).
var seedResponses = []struct {
	name   string
	status int
	body   string
}{
	{"created", 200, `{"room":{"t":"d","rid":"PMrDaS4axRqkjY7errocket.cat","usernames":["g1","rocket.cat"],"_id":"PMrDaS4axRqkjY7errocket.cat"},"success":true}`},
	{"missing parameter", 400, `{"success":false,"error":"must have required property 'usernames'\n must have required property 'username'\n must match exactly one schema in oneOf [invalid-params]","errorType":"invalid-params"}`},
	{"invalid user", 400, `{"success":false,"error":"Invalid user [error-invalid-user]","errorType":"error-invalid-user","details":{"method":"createDirectMessage"}}`},
	{"empty username", 400, `{"success":false,"error":"invalid username"}`},
	{"max users", 400, `{"success":false,"error":"You cannot add more than 8 users, including yourself to a direct message [error-direct-message-max-user-exceeded]","errorType":"error-direct-message-max-user-exceeded","details":{"method":"createDirectRoom"}}`},
	{"test mode stack", 400, `{"success":false,"error":"invalid username","stack":"Error: invalid username\n    at ..."}`},
	{"401 restivus", 401, `{"status":"error","message":"You must be logged in to do this."}`},
	{"401 8.x", 401, `{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}`},
	{"rate limited", 429, `{"success":false,"error":"Error, too many requests. Please slow down. You must wait 59 seconds before trying this endpoint again. [error-too-many-requests]"}`},
}

func TestSeedResponsesConform(t *testing.T) {
	s := mustLoad(t)
	for _, path := range []string{"/api/v1/dm.create", "/api/v1/im.create"} {
		for _, tt := range seedResponses {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				ex := response(tt.status, tt.body)
				ex.Path = path
				if tt.status == 401 {
					ex.RequestHeader = jsonHeader() // a 401 exchange carries no credentials
				}
				if vs := s.ValidateResponse(context.Background(), ex); len(vs) != 0 {
					t.Errorf("violations: %v", vs)
				}
			})
		}
	}
}

// Every example of the document is also a conforming exchange.
func TestDocumentExamplesConform(t *testing.T) {
	s := mustLoad(t)
	n := 0
	for _, op := range s.Operations() {
		o := s.Doc.Paths.Value(op.Path).GetOperation(op.Method)
		for code, ref := range o.Responses.Map() {
			status := 0
			if _, err := fmt.Sscan(code, &status); err != nil {
				t.Fatalf("status %q: %v", code, err)
			}
			for name, ex := range ref.Value.Content["application/json"].Examples {
				body, err := json.Marshal(ex.Value.Value)
				if err != nil {
					t.Fatal(err)
				}
				n++
				if vs := s.ValidateResponse(context.Background(), Exchange{Method: op.Method, Path: op.Path,
					Status: status, ResponseHeader: jsonHeader(), ResponseBody: body}); len(vs) != 0 {
					t.Errorf("%s %s example %q: %v", op.Path, code, name, vs)
				}
			}
		}
		for name, ex := range o.RequestBody.Value.Content["application/json"].Examples {
			body, err := json.Marshal(ex.Value.Value)
			if err != nil {
				t.Fatal(err)
			}
			n++
			ez := request(authHeader(), string(body))
			ez.Path = op.Path
			if vs := s.ValidateRequest(context.Background(), ez); len(vs) != 0 {
				t.Errorf("%s request example %q: %v", op.Path, name, vs)
			}
		}
	}
	if n < 12 {
		t.Errorf("checked %d examples, expected at least 12", n)
	}
}

type wantViolation struct {
	rule, field string
	contains    []string // substrings of the message
}

func checkViolations(t *testing.T, got []Violation, want wantViolation) {
	t.Helper()
	for _, v := range got {
		if v.Rule != want.rule || v.Field != want.field {
			continue
		}
		ok := true
		for _, c := range want.contains {
			ok = ok && strings.Contains(v.Message, c)
		}
		if ok {
			return
		}
	}
	t.Errorf("no violation %s %q with message containing %q; got:\n%s", want.rule, want.field, want.contains, list(got))
}

func list(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("  " + v.String() + "\n")
	}
	return b.String()
}

func TestBadResponsesRejected(t *testing.T) {
	s := mustLoad(t)
	const okRoom = `{"t":"d","rid":"a","usernames":["a"],"_id":"a"}`
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   wantViolation
	}{
		{"undocumented 418", 418, jsonHeader(), `{}`, wantViolation{RuleStatus, "",
			[]string{"status 418 is not documented for POST /api/v1/dm.create (documented: 200, 400, 401, 429)"}}},
		{"undocumented 500", 500, jsonHeader(), `{"success":false,"error":"boom"}`, wantViolation{RuleStatus, "",
			[]string{"status 500 is not documented"}}},
		{"missing room.rid", 200, jsonHeader(), `{"room":{"t":"d","usernames":[],"_id":"a"},"success":true}`, wantViolation{RuleResponseSchema, "/room/rid",
			[]string{`response body field "room.rid" is missing (required by the 200 response schema)`}}},
		{"empty room.rid", 200, jsonHeader(), `{"room":{"t":"d","rid":"","usernames":[],"_id":""},"success":true}`, wantViolation{RuleResponseSchema, "/room/rid",
			[]string{`field "room.rid" must not be empty`}}},
		{"missing success", 200, jsonHeader(), `{"room":` + okRoom + `}`, wantViolation{RuleResponseSchema, "/success",
			[]string{`response body field "success" is missing`}}},
		{"success as string", 200, jsonHeader(), `{"room":` + okRoom + `,"success":"yes"}`, wantViolation{RuleResponseSchema, "/success",
			[]string{`response body field "success" must be boolean, got string "yes"`}}},
		{"success false on 200", 200, jsonHeader(), `{"room":` + okRoom + `,"success":false}`, wantViolation{RuleResponseSchema, "/success",
			[]string{`field "success" must be true, got boolean false`}}},
		{"usernames as string", 200, jsonHeader(), `{"room":{"t":"d","rid":"a","usernames":"a,b","_id":"a"},"success":true}`, wantViolation{RuleResponseSchema, "/room/usernames",
			[]string{`field "room.usernames" must be array, got string "a,b"`}}},
		{"usernames item as number", 200, jsonHeader(), `{"room":{"t":"d","rid":"a","usernames":["a",7],"_id":"a"},"success":true}`, wantViolation{RuleResponseSchema, "/room/usernames/1",
			[]string{`field "room.usernames[1]" must be string, got number 7`}}},
		{"wrong room type", 200, jsonHeader(), `{"room":{"t":"c","rid":"a","usernames":[],"_id":"a"},"success":true}`, wantViolation{RuleResponseSchema, "/room/t",
			[]string{`field "room.t" must be "d", got string "c"`}}},
		{"room null", 200, jsonHeader(), `{"room":null,"success":true}`, wantViolation{RuleResponseSchema, "/room",
			[]string{`field "room" must be object, got null`}}},
		{"text/plain", 200, http.Header{"Content-Type": {"text/plain"}}, `{"room":` + okRoom + `,"success":true}`, wantViolation{RuleContentType, "",
			[]string{`Content-Type "text/plain" is not application/json`}}},
		{"no content type", 200, nil, `{"room":` + okRoom + `,"success":true}`, wantViolation{RuleContentType, "",
			[]string{"Content-Type header is missing"}}},
		{"401 without message", 401, jsonHeader(), `{"status":"error"}`, wantViolation{RuleResponseSchema, "",
			[]string{`matches none of the two forms the 401 response schema allows: {status, message}: field "message" is missing; {success, error}: field "success" is missing, field "error" is missing`}}},
		{"401 wrong status", 401, jsonHeader(), `{"status":"ok","message":"x"}`, wantViolation{RuleResponseSchema, "/status",
			[]string{`field "status" must be "error"`}}},
		{"400 without error", 400, jsonHeader(), `{"success":false,"errorType":"invalid-params"}`, wantViolation{RuleResponseSchema, "/error",
			[]string{`field "error" is missing (required by the 400 response schema)`}}},
		{"400 with success true", 400, jsonHeader(), `{"success":true,"error":"x"}`, wantViolation{RuleResponseSchema, "/success",
			[]string{`must be false, got boolean true`}}},
		{"400 details not object", 400, jsonHeader(), `{"success":false,"error":"x","details":"createDirectMessage"}`, wantViolation{RuleResponseSchema, "/details",
			[]string{`field "details" must be object`}}},
		{"non-JSON body", 200, jsonHeader(), `<html>oops</html>`, wantViolation{RuleResponseSchema, "",
			[]string{"response body is not valid JSON"}}},
		{"truncated JSON", 400, jsonHeader(), `{"success":false`, wantViolation{RuleResponseSchema, "",
			[]string{"not valid JSON"}}},
		{"trailing garbage", 400, jsonHeader(), `{"success":false,"error":"x"} extra`, wantViolation{RuleResponseSchema, "",
			[]string{"not valid JSON"}}},
		{"empty body", 200, jsonHeader(), ``, wantViolation{RuleResponseSchema, "",
			[]string{"response body is empty"}}},
		{"array body", 200, jsonHeader(), `[]`, wantViolation{RuleResponseSchema, "",
			[]string{"response body must be object, got array"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := response(tt.status, tt.body)
			ex.ResponseHeader = tt.header
			checkViolations(t, s.ValidateResponse(context.Background(), ex), tt.want)
		})
	}
}

func TestResponseContentTypeParametersTolerated(t *testing.T) {
	s := mustLoad(t)
	ex := response(seedResponses[0].status, seedResponses[0].body)
	ex.ResponseHeader = http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	if vs := s.ValidateResponse(context.Background(), ex); len(vs) != 0 {
		t.Errorf("violations: %v", vs)
	}
}

// A wrong media type does not hide body problems.
func TestResponseReportsEveryViolation(t *testing.T) {
	s := mustLoad(t)
	ex := response(200, `{"room":{"t":"d","usernames":[],"_id":"a"},"success":"yes"}`)
	ex.ResponseHeader = http.Header{"Content-Type": {"text/html"}}
	vs := s.ValidateResponse(context.Background(), ex)
	if len(vs) != 3 {
		t.Errorf("want content-type, room.rid and success violations, got:\n%s", list(vs))
	}
}

func TestRouteViolations(t *testing.T) {
	s := mustLoad(t)
	tests := []struct {
		method, path, want string
	}{
		{"GET", dmPath, "method GET is not documented for /api/v1/dm.create (documented: POST)"},
		{"POST", "/api/v1/dm.delete", "path /api/v1/dm.delete is not documented"},
		{"POST", "/api/v1/dm.create/", "is not documented"},
		{"BAD METHOD", dmPath, "build request"},
	}
	for _, tt := range tests {
		ex := response(200, seedResponses[0].body)
		ex.Method, ex.Path = tt.method, tt.path
		for name, vs := range map[string][]Violation{
			"response": s.ValidateResponse(context.Background(), ex),
			"request":  s.ValidateRequest(context.Background(), ex),
		} {
			if len(vs) != 1 || vs[0].Rule != RuleRoute || !strings.Contains(vs[0].Message, tt.want) {
				t.Errorf("%s %s %q: got %v, want one route violation containing %q", name, tt.method, tt.path, vs, tt.want)
			}
		}
	}
}

func TestValidRequests(t *testing.T) {
	s := mustLoad(t)
	for _, body := range []string{
		`{"username":"g1"}`,
		`{"username":""}`, // schema-valid; Rocket.Chat rejects it later with "invalid username"
		`{"usernames":"g1,rocket.cat"}`,
		`{"usernames":"g1, rocket.cat","excludeSelf":true}`,
		`{"username":"g1","excludeSelf":false}`,
	} {
		for _, path := range []string{"/api/v1/dm.create", "/api/v1/im.create"} {
			ex := request(authHeader(), body)
			ex.Path = path
			if vs := s.ValidateRequest(context.Background(), ex); len(vs) != 0 {
				t.Errorf("%s %s: %v", path, body, vs)
			}
		}
	}
}

func TestBadRequestsRejected(t *testing.T) {
	s := mustLoad(t)
	tests := []struct {
		name   string
		header http.Header
		body   string
		want   wantViolation
	}{
		{"empty object", authHeader(), `{}`, wantViolation{RuleRequestSchema, "", []string{
			`request body matches none of the two body forms: {usernames, excludeSelf?}: field "usernames" is missing; {username, excludeSelf?}: field "username" is missing`}}},
		{"only excludeSelf", authHeader(), `{"excludeSelf":true}`, wantViolation{RuleRequestSchema, "", []string{
			`{usernames, excludeSelf?}: field "usernames" is missing`}}},
		{"both keys", authHeader(), `{"username":"a","usernames":"b"}`, wantViolation{RuleRequestSchema, "", []string{
			`matches none of the two body forms: {usernames, excludeSelf?}: field "username" is not allowed; {username, excludeSelf?}: field "usernames" is not allowed`}}},
		{"unknown key", authHeader(), `{"username":"a","foo":1}`, wantViolation{RuleRequestSchema, "", []string{
			`{username, excludeSelf?}: field "foo" is not allowed`}}},
		{"array body", authHeader(), `[]`, wantViolation{RuleRequestSchema, "", []string{
			`{usernames, excludeSelf?}: must be object, got array; {username, excludeSelf?}: must be object, got array`}}},
		{"string body", authHeader(), `"bob"`, wantViolation{RuleRequestSchema, "", []string{`must be object, got string "bob"`}}},
		{"username as number", authHeader(), `{"username":123}`, wantViolation{RuleRequestSchema, "", []string{
			`{username, excludeSelf?}: field "username" must be string, got number 123`}}},
		{"username null", authHeader(), `{"username":null}`, wantViolation{RuleRequestSchema, "", []string{
			`field "username" must be string, got null`}}},
		{"usernames as array", authHeader(), `{"usernames":["a","b"]}`, wantViolation{RuleRequestSchema, "", []string{
			`{usernames, excludeSelf?}: field "usernames" must be string, got array`}}},
		{"excludeSelf as string", authHeader(), `{"username":"a","excludeSelf":"true"}`, wantViolation{RuleRequestSchema, "", []string{
			`field "excludeSelf" must be boolean, got string "true"`}}},
		{"not JSON", authHeader(), `username=bob`, wantViolation{RuleRequestSchema, "", []string{"request body is not valid JSON"}}},
		{"no body", authHeader(), ``, wantViolation{RuleRequestSchema, "", []string{"request body is missing"}}},
		{"form content type", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Auth-Token": {"t"}, "X-User-Id": {"u"}},
			`{"username":"a"}`, wantViolation{RuleContentType, "", []string{`request Content-Type "application/x-www-form-urlencoded" is not application/json`}}},
		{"no auth headers", jsonHeader(), `{"username":"a"}`, wantViolation{RuleSecurity, "", []string{
			"request lacks the X-Auth-Token and X-User-Id headers (the document requires X-Auth-Token and X-User-Id)"}}},
		{"no token", http.Header{"Content-Type": {"application/json"}, "X-User-Id": {"u"}}, `{"username":"a"}`, wantViolation{RuleSecurity, "", []string{
			"request lacks the X-Auth-Token header"}}},
		{"empty user id", http.Header{"Content-Type": {"application/json"}, "X-Auth-Token": {"t"}, "X-User-Id": {""}}, `{"username":"a"}`, wantViolation{RuleSecurity, "", []string{
			"request lacks the X-User-Id header"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkViolations(t, s.ValidateRequest(context.Background(), request(tt.header, tt.body)), tt.want)
		})
	}
}

// A request with several problems reports each, and the body schema is
// still checked when the credentials are missing.
func TestRequestReportsEveryViolation(t *testing.T) {
	s := mustLoad(t)
	vs := s.ValidateRequest(context.Background(), request(nil, `{}`))
	rules := map[string]bool{}
	for _, v := range vs {
		rules[v.Rule] = true
	}
	for _, r := range []string{RuleSecurity, RuleContentType, RuleRequestSchema} {
		if !rules[r] {
			t.Errorf("no %s violation in:\n%s", r, list(vs))
		}
	}
}

func TestValidationDoesNotModifyExchange(t *testing.T) {
	s := mustLoad(t)
	h := http.Header{"Content-Type": {"text/plain"}}
	body := []byte(`{"username":"a"}`)
	s.ValidateRequest(context.Background(), request(h, string(body)))
	ex := response(200, `{}`)
	ex.ResponseHeader = h
	s.ValidateResponse(context.Background(), ex)
	if len(h) != 1 || h.Get("Content-Type") != "text/plain" {
		t.Errorf("caller's header changed: %v", h)
	}
}

func TestViolationString(t *testing.T) {
	tests := []struct {
		v    Violation
		want string
	}{
		{Violation{Rule: RuleStatus, Message: "m"}, "status-documented: m"},
		{Violation{Rule: RuleResponseSchema, Field: "/room/rid", Message: "m"}, "response-schema /room/rid: m"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestFieldPointerEscaping(t *testing.T) {
	if got := pointer([]string{"a/b", "c~d", "0"}); got != "/a~1b/c~0d/0" {
		t.Errorf("pointer = %q", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := mustLoad(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				seed := seedResponses[(i+j)%len(seedResponses)]
				if vs := s.ValidateResponse(context.Background(), response(seed.status, seed.body)); len(vs) != 0 {
					t.Errorf("%s: %v", seed.name, vs)
				}
				if vs := s.ValidateResponse(context.Background(), response(200, `{"room":{},"success":"x"}`)); len(vs) != 5 {
					t.Errorf("bad 200: want 5 violations, got %v", vs)
				}
				if vs := s.ValidateRequest(context.Background(), request(nil, `{"username":1,"usernames":2}`)); len(vs) != 3 {
					t.Errorf("bad request: want 3 violations, got %v", vs)
				}
			}
		})
	}
	wg.Wait()
}

// The official description is loose: its oneOf branches have neither
// required nor additionalProperties, so every object matches both.
func TestOfficialSpec(t *testing.T) {
	data, err := os.ReadFile("../../shared/reference-data/rocketchat-official-dm-create.yaml")
	if os.IsNotExist(err) {
		t.Skip("official description not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	official, err := LoadData(data)
	if err != nil {
		t.Fatalf("LoadData(official): %v", err)
	}
	if len(official.ExampleProblems) == 0 || !strings.Contains(strings.Join(official.ExampleProblems, "\n"), "more than one oneOf") {
		t.Errorf("want its request example flagged as matching both branches, got %q", official.ExampleProblems)
	}
	if got := official.DocumentedStatuses("POST", "/api/v1/dm.create"); len(got) != 3 {
		t.Errorf("official statuses = %v, want 200, 400, 401", got)
	}
	if vs := official.ValidateResponse(context.Background(), response(seedResponses[0].status, seedResponses[0].body)); len(vs) != 0 {
		t.Errorf("official rejects the live 200 body: %v", vs)
	}

	ours := mustLoad(t)
	ambiguous := request(authHeader(), `{"username":"a","usernames":"b"}`)
	got := official.ValidateRequest(context.Background(), ambiguous)
	checkViolations(t, got, wantViolation{RuleRequestSchema, "", []string{"matches both body forms", "{excludeSelf?, username?}", "{excludeSelf?, usernames?}"}})
	got = ours.ValidateRequest(context.Background(), ambiguous)
	checkViolations(t, got, wantViolation{RuleRequestSchema, "", []string{"matches none of the two body forms"}})
	// Even a plain, correct body is ambiguous under the official oneOf.
	checkViolations(t, official.ValidateRequest(context.Background(), request(authHeader(), `{"username":"a"}`)),
		wantViolation{RuleRequestSchema, "", []string{"matches both body forms"}})
}

func BenchmarkValidateResponse(b *testing.B) {
	s := mustLoad(b)
	ex := response(seedResponses[0].status, seedResponses[0].body)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if vs := s.ValidateResponse(ctx, ex); len(vs) != 0 {
			b.Fatal(vs)
		}
	}
}

// The doc page's profile holds an answer only to what the page states: the
// 200 example without room._id passes it, under any JSON media type, while
// the strict document refuses both; what the page does state still binds.
func TestDocProfile(t *testing.T) {
	strict, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := LoadDocProfile()
	if err != nil {
		t.Fatal(err)
	}
	pageExample := `{"room":{"t":"d","rid":"PMrDaS4axRqkjY7errocket.cat","usernames":["g1","rocket.cat"]},"success":true}`
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		docOK       bool
		strictOK    bool
	}{
		{"the page's 200 example", 200, "application/json", pageExample, true, false},
		{"another JSON media type", 200, "text/json", pageExample, true, false},
		{"the 9.x 401", 401, "application/json", `{"success":false,"error":"You must be logged in to do this."}`, true, true},
		{"the page's 401", 401, "application/json", `{"status":"error","message":"You must be logged in to do this."}`, true, true},
		{"a 401 with a numeric message", 401, "application/json", `{"status":"error","message":7}`, false, false},
		{"a room whose usernames is a string", 200, "application/json", `{"room":{"t":"d","rid":"x","usernames":"g1"},"success":true}`, false, false},
		{"an undocumented status", 403, "application/json", `{"success":false,"error":"forbidden"}`, false, false},
		{"no JSON at all", 400, "text/html", `<html>Bad Request</html>`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := response(tt.status, tt.body)
			ex.ResponseHeader = http.Header{"Content-Type": {tt.contentType}}
			if got := doc.ValidateDocResponse(context.Background(), ex); (len(got) == 0) != tt.docOK {
				t.Errorf("doc profile: want ok=%v, got %v", tt.docOK, got)
			}
			if got := strict.ValidateResponse(context.Background(), ex); (len(got) == 0) != tt.strictOK {
				t.Errorf("strict document: want ok=%v, got %v", tt.strictOK, got)
			}
		})
	}
}
