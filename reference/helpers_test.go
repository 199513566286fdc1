package reference

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
)

// v6 is the 6.x release the legacy tests run against, with every
// dimension at its 6.x variant; the zero Config emulates 8.6.1
// (conformance.DefaultRelease): router 401, lenient parser, typed route,
// exact names, generated rids.
const v6 = "6.14.0"

// line is an emulated release with its line's default variants, for tests
// that run on both ends of the model.
type line struct {
	name    string
	version string // Config.Version
	release
}

var lines = []line{testLine("8.6.1", ""), testLine("6.14.0", v6)}

func testLine(name, version string) line {
	if version == "" {
		version = DefaultConfig().Version
	}
	rel, err := newRelease(version, nil)
	if err != nil {
		panic(err)
	}
	return line{name: name, version: version, release: rel}
}

// unauthorized is the release's 401 body.
func (r release) unauthorizedBody() string {
	switch r.unauthorized {
	case conformance.Restivus:
		return restivusUnauthorizedBody401
	case conformance.Breaking:
		return breakingUnauthorizedBody401
	default:
		return unauthorizedBody401
	}
}

// unauthorized is the line's 401 body.
func (l line) unauthorized() string { return l.unauthorizedBody() }

// invalidParams is the release's dm.create answer to a body failing the
// schema with these ajv messages (without Meteor's suffix).
func (r release) invalidParams(msg string) string {
	if r.route == conformance.Legacy {
		return invalidParamsBody(msg + " [invalid-params]")
	}
	return typedInvalidParamsBody(msg)
}

// missing is the line's answer to a dm.create body without either name key.
func (l line) missing() string { return l.invalidParams(missingTyped) }

// creds are the X-User-Id / X-Auth-Token pair of a logged-in user.
type creds struct {
	id, token string
}

type testEnv struct {
	t     testing.TB
	srv   *Server
	admin creds
}

func newEnv(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e := &testEnv{t: t, srv: srv}
	e.admin = e.login(srv.cfg.AdminUsername, srv.cfg.AdminPassword)
	return e
}

type response struct {
	status int
	header http.Header
	body   string
}

// request sends one request through ServeHTTP; contentType "" sends none.
func (e *testEnv) request(method, path string, c *creds, contentType, body string) response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c != nil {
		req.Header.Set("X-User-Id", c.id)
		req.Header.Set("X-Auth-Token", c.token)
	}
	return e.serve(req)
}

func (e *testEnv) serve(req *http.Request) response {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	res := rec.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (e *testEnv) postJSON(path string, c *creds, body string) response {
	e.t.Helper()
	return e.request(http.MethodPost, path, c, "application/json", body)
}

func (e *testEnv) dm(c creds, body string) response {
	e.t.Helper()
	return e.postJSON("/api/v1/dm.create", &c, body)
}

func (e *testEnv) login(username, password string) creds {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"user": username, "password": password})
	res := e.postJSON("/api/v1/login", nil, string(body))
	if res.status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", username, res.status, res.body)
	}
	var out struct {
		Data struct {
			UserID    string `json:"userId"`
			AuthToken string `json:"authToken"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(res.body), &out); err != nil {
		e.t.Fatalf("login response %q: %v", res.body, err)
	}
	return creds{out.Data.UserID, out.Data.AuthToken}
}

// addUser creates a user through users.create (password "pw-"+username)
// and logs in as that user.
func (e *testEnv) addUser(username, name string, roles ...string) creds {
	e.t.Helper()
	req := map[string]any{
		"username": username, "name": name, "password": "pw-" + username,
		"email": strings.ReplaceAll(username, "@", "_") + "@example.com",
	}
	if len(roles) > 0 {
		req["roles"] = roles
	}
	body, _ := json.Marshal(req)
	res := e.postJSON("/api/v1/users.create", &e.admin, string(body))
	if res.status != http.StatusOK {
		e.t.Fatalf("users.create %s: %d %s", username, res.status, res.body)
	}
	return e.login(username, "pw-"+username)
}

func wantResponse(t testing.TB, got response, status int, body string) {
	t.Helper()
	if got.status != status || got.body != body {
		t.Errorf("got %d %s\nwant %d %s", got.status, got.body, status, body)
	}
}

// dmOK is the exact 200 body of dm.create.
func dmOK(rid string, usernames ...string) string {
	names, _ := json.Marshal(usernames)
	if usernames == nil {
		names = []byte("[]")
	}
	return `{"room":{"t":"d","rid":"` + rid + `","usernames":` + string(names) + `,"_id":"` + rid + `"},"success":true}`
}

// ridOf extracts room.rid from a dm.create response.
func ridOf(t testing.TB, res response) string {
	t.Helper()
	var out struct {
		Room struct {
			Rid       string   `json:"rid"`
			Usernames []string `json:"usernames"`
		} `json:"room"`
	}
	if res.status != http.StatusOK {
		t.Fatalf("dm.create: %d %s", res.status, res.body)
	}
	if err := json.Unmarshal([]byte(res.body), &out); err != nil {
		t.Fatalf("dm.create response %q: %v", res.body, err)
	}
	return out.Room.Rid
}

func pairRid(a, b string) string {
	if a < b {
		return a + b
	}
	return b + a
}

const (
	missingTyped        = `must have required property 'usernames'\n must have required property 'username'\n must match exactly one schema in oneOf`
	missingMsg          = missingTyped + ` [invalid-params]`
	objectMsg           = `must be object\n must be object\n must match exactly one schema in oneOf`
	invalidUserBody     = `{"success":false,"error":"Invalid user [error-invalid-user]","errorType":"error-invalid-user","details":{"method":"createDirectMessage"}}`
	notAllowedBody      = `{"success":false,"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed","details":{"method":"createDirectMessage"}}`
	emptyNameBody       = `{"success":false,"error":"invalid username"}`
	unauthorizedBody401 = `{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}`
	// restivusUnauthorizedBody401 is the Restivus 401 body.
	restivusUnauthorizedBody401 = `{"status":"error","message":"You must be logged in to do this."}`
	// breakingUnauthorizedBody401 is the 401 body with the breaking changes applied.
	breakingUnauthorizedBody401 = `{"success":false,"error":"You must be logged in to do this."}`
	// plainMaxUsersBody is the member limit before 6.6.0.
	plainMaxUsersBody = `{"success":false,"error":"error-direct-message-max-user-exceeded"}`
	loginFailedBody   = `{"success":false,"error":"Unauthorized","status":"error","message":"Unauthorized"}`
	unrecognizedBody  = `{"success":false,"error":400,"status":"error","message":"Unrecognized options for login request"}`
	// parserPage is the page 6.x's body parser answers broken JSON with.
	parserPage    = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Bad Request</pre>\n</body>\n</html>\n"
	forbiddenBody = `{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}`
)

// typedInvalidParamsBody is the typed route's validation error: no Meteor
// suffix, errorType before error.
func typedInvalidParamsBody(msg string) string {
	return `{"success":false,"errorType":"invalid-params","error":"` + msg + `"}`
}

// e11000Body is the answer when a concurrent creation inserted the 1:1 room
// under its composed id first.
func e11000Body(rid string) string {
	return `{"success":false,"error":"E11000 duplicate key error collection: rocketchat.rocketchat_room index: _id_ dup key: { _id: \"` + rid + `\" }"}`
}

func invalidParamsBody(msg string) string {
	return `{"success":false,"error":"` + msg + `","errorType":"invalid-params"}`
}

func maxUsersBody(n string) string {
	return `{"success":false,"error":"You cannot add more than ` + n +
		` users, including yourself to a direct message [error-direct-message-max-user-exceeded]","errorType":"error-direct-message-max-user-exceeded","details":{"method":"createDirectRoom"}}`
}

// jsonHeaders are the exact headers of a JSON answer: bare is one the
// router that replaced Restivus sends outside a route's action (401, typed
// validation), which carries Content-Type only; with Restivus every answer
// carries its defaults.
func jsonHeaders(restivus, bare bool) map[string]string {
	h := map[string]string{"Content-Type": "application/json"}
	if bare && !restivus {
		return h
	}
	h["Cache-Control"] = "no-store"
	h["Pragma"] = "no-cache"
	if restivus {
		h["Access-Control-Allow-Origin"] = "*"
		h["Access-Control-Allow-Headers"] = "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token"
	}
	return h
}

// wantExactHeaders requires exactly these headers, each with one value.
func wantExactHeaders(t testing.TB, got http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if vs := got.Values(k); len(vs) != 1 || vs[0] != v {
			t.Errorf("header %s = %q, want %q", k, vs, v)
		}
	}
	for k, vs := range got {
		if _, ok := want[http.CanonicalHeaderKey(k)]; !ok {
			t.Errorf("unexpected header %s: %q", k, vs)
		}
	}
}

// wantParserPage requires the strict body parser's page with its exact headers.
func wantParserPage(t testing.TB, res response) {
	t.Helper()
	wantResponse(t, res, http.StatusBadRequest, parserPage)
	wantExactHeaders(t, res.header, map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Content-Security-Policy": "default-src 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Content-Length":          strconv.Itoa(len(parserPage)),
	})
}

// check is an expectation on one response.
type check func(t *testing.T, res response)

// exact expects this status and body.
func exact(status int, body string) check {
	return func(t *testing.T, res response) {
		t.Helper()
		wantResponse(t, res, status, body)
	}
}

// pageCheck expects the strict body parser's page.
func pageCheck(t *testing.T, res response) {
	t.Helper()
	wantParserPage(t, res)
}

// roomSets tracks rooms whose rids are generated ObjectIds (every room
// with one-to-one-rid=generated): the first answer for a member set fixes its rid, later answers for
// that set must repeat it, and no other set may get it.
type roomSets struct {
	byNames map[string]string // usernames in answer order, joined by ",", to rid
}

func newRoomSets() *roomSets { return &roomSets{byNames: map[string]string{}} }

// room expects a 200 with the room of exactly these usernames, in this order.
func (rs *roomSets) room(usernames ...string) check {
	return func(t *testing.T, res response) {
		t.Helper()
		rid := generatedRoom(t, res, usernames...)
		key := strings.Join(usernames, ",")
		if prev, ok := rs.byNames[key]; ok {
			if prev != rid {
				t.Errorf("members %q: rid %s, earlier %s", usernames, rid, prev)
			}
			return
		}
		for other, r := range rs.byNames {
			if r == rid {
				t.Errorf("members %q got rid %s, the room of %q", usernames, rid, other)
			}
		}
		rs.byNames[key] = rid
	}
}
