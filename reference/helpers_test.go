package reference

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
	missingMsg          = `must have required property 'usernames'\n must have required property 'username'\n must match exactly one schema in oneOf [invalid-params]`
	invalidUserBody     = `{"success":false,"error":"Invalid user [error-invalid-user]","errorType":"error-invalid-user","details":{"method":"createDirectMessage"}}`
	notAllowedBody      = `{"success":false,"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed","details":{"method":"createDirectMessage"}}`
	emptyNameBody       = `{"success":false,"error":"invalid username"}`
	unauthorizedBody401 = `{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}`
	forbiddenBody       = `{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}`
)

func invalidParamsBody(msg string) string {
	return `{"success":false,"error":"` + msg + `","errorType":"invalid-params"}`
}

func maxUsersBody(n string) string {
	return `{"success":false,"error":"You cannot add more than ` + n +
		` users, including yourself to a direct message [error-direct-message-max-user-exceeded]","errorType":"error-direct-message-max-user-exceeded","details":{"method":"createDirectRoom"}}`
}
