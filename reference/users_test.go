package reference

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
)

func TestUsersCreate(t *testing.T) {
	e := newEnv(t, Config{})
	res := e.postJSON("/api/v1/users.create", &e.admin,
		`{"email":"bob@example.com","name":"Bob Builder","password":"secret","username":"bob","verified":true,"joinDefaultChannels":false,"sendWelcomeEmail":false,"requirePasswordChange":false}`)
	if res.status != 200 {
		t.Fatalf("users.create: %d %s", res.status, res.body)
	}
	var out struct {
		User map[string]json.RawMessage `json:"user"`
	}
	if err := json.Unmarshal([]byte(res.body), &out); err != nil {
		t.Fatal(err)
	}
	var id, created string
	_ = json.Unmarshal(out.User["_id"], &id)
	_ = json.Unmarshal(out.User["createdAt"], &created)
	if !regexp.MustCompile(`^[` + idAlphabet + `]{17}$`).MatchString(id) {
		t.Errorf("_id %q is not a Meteor Random.id", id)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(created) {
		t.Errorf("createdAt %q is not a JS Date string", created)
	}
	want := `{"user":{"_id":"` + id + `","createdAt":"` + created + `","username":"bob","emails":[{"address":"bob@example.com","verified":true}],"type":"user","status":"offline","active":true,"_updatedAt":"` + created + `","roles":["user"],"name":"Bob Builder"},"success":true}`
	wantResponse(t, res, 200, want)

	bob := e.login("bob", "secret")
	if bob.id != id {
		t.Errorf("login id %s, created %s", bob.id, id)
	}
	wantResponse(t, e.request(http.MethodGet, "/api/v1/me", &bob, "", ""), 200,
		`{"_id":"`+id+`","username":"bob","name":"Bob Builder","emails":[{"address":"bob@example.com","verified":true}],"status":"offline","active":true,"roles":["user"],"email":"bob@example.com","success":true}`)
}

func TestUsersCreateErrors(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) { testUsersCreateErrors(t, l) })
	}
}

// testUsersCreateErrors: users.create keeps the legacy route's Meteor-style
// validation error on both lines; only the 401 differs.
func testUsersCreateErrors(t *testing.T, l line) {
	e := newEnv(t, Config{Version: l.version})
	plain := e.addUser("plain", "Plain")
	const valid = `{"email":"x@example.com","name":"X","password":"p","username":"x"}`
	cases := []struct {
		name   string
		c      *creds
		body   string
		status int
		want   string
	}{
		{"unauthenticated", nil, valid, 401, l.unauthorized()},
		{"not admin", &plain, valid, 403, forbiddenBody},
		{"schema is checked before permission", &plain, `{}`, 400, invalidParamsBody(`must have required property 'email' [invalid-params]`)},
		{"empty", &e.admin, `{}`, 400, invalidParamsBody(`must have required property 'email' [invalid-params]`)},
		{"missing name", &e.admin, `{"email":"x@example.com","password":"p","username":"x"}`, 400, invalidParamsBody(`must have required property 'name' [invalid-params]`)},
		{"missing password", &e.admin, `{"email":"x@example.com","name":"X","username":"x"}`, 400, invalidParamsBody(`must have required property 'password' [invalid-params]`)},
		{"missing username", &e.admin, `{"email":"x@example.com","name":"X","password":"p"}`, 400, invalidParamsBody(`must have required property 'username' [invalid-params]`)},
		{"extra property", &e.admin, `{"email":"x@example.com","name":"X","password":"p","username":"x","foo":1}`, 400, invalidParamsBody(`must NOT have additional properties [invalid-params]`)},
		{"roles not array", &e.admin, `{"email":"x@example.com","name":"X","password":"p","username":"x","roles":"admin"}`, 400, invalidParamsBody(`must be array [invalid-params]`)},
		{"name not string", &e.admin, `{"email":"x@example.com","name":{},"password":"p","username":"x"}`, 400, invalidParamsBody(`must be string [invalid-params]`)},
		{"active not boolean", &e.admin, `{"email":"x@example.com","name":"X","password":"p","username":"x","active":"yes"}`, 400, invalidParamsBody(`must be boolean [invalid-params]`)},
		{"array body", &e.admin, `[]`, 400, invalidParamsBody(`must be object [invalid-params]`)},
		{"blank name", &e.admin, `{"email":"x@example.com","name":" ","password":"p","username":"x"}`, 400,
			`{"success":false,"error":"The field Name is required [error-the-field-is-required]","errorType":"error-the-field-is-required","details":{"method":"insertOrUpdateUser","field":"Name"}}`},
		{"blank username", &e.admin, `{"email":"x@example.com","name":"X","password":"p","username":""}`, 400,
			`{"success":false,"error":"The field Username is required [error-the-field-is-required]","errorType":"error-the-field-is-required","details":{"method":"insertOrUpdateUser","field":"Username"}}`},
		{"invalid username", &e.admin, `{"email":"x@example.com","name":"X","password":"p","username":"a<b"}`, 400,
			`{"success":false,"error":"a&lt;b is not a valid username [error-input-is-not-a-valid-field]","errorType":"error-input-is-not-a-valid-field","details":{"method":"insertOrUpdateUser","input":"a<b","field":"Username"}}`},
		{"empty password", &e.admin, `{"email":"x@example.com","name":"X","password":"","username":"x"}`, 400,
			`{"success":false,"error":"The field Password is required [error-the-field-is-required]","errorType":"error-the-field-is-required","details":{"method":"insertOrUpdateUser","field":"Password"}}`},
		{"invalid email", &e.admin, `{"email":"nope","name":"X","password":"p","username":"x"}`, 400,
			`{"success":false,"error":"Invalid email nope [error-invalid-email]","errorType":"error-invalid-email","details":{"method":"insertOrUpdateUser"}}`},
		{"duplicate username, other case", &e.admin, `{"email":"x@example.com","name":"X","password":"p","username":"PLAIN"}`, 400,
			`{"success":false,"error":"PLAIN is already in use :( [error-field-unavailable]","errorType":"error-field-unavailable","details":{"method":"insertOrUpdateUser","field":"PLAIN"}}`},
		{"duplicate of the admin", &e.admin, `{"email":"x@example.com","name":"X","password":"p","username":"admin"}`, 400,
			`{"success":false,"error":"admin is already in use :( [error-field-unavailable]","errorType":"error-field-unavailable","details":{"method":"insertOrUpdateUser","field":"admin"}}`},
		{"duplicate email", &e.admin, `{"email":"PLAIN@example.com","name":"X","password":"p","username":"x"}`, 400,
			`{"success":false,"error":"PLAIN@example.com is already in use :( [error-field-unavailable]","errorType":"error-field-unavailable","details":{"method":"insertOrUpdateUser","field":"PLAIN@example.com"}}`},
		{"unknown role", &e.admin, `{"email":"x@example.com","name":"X","password":"p","username":"x","roles":["user","wizard"]}`, 400,
			`{"success":false,"error":"Invalid role [error-invalid-role]","errorType":"error-invalid-role","details":{"method":"insertOrUpdateUser"}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantResponse(t, e.postJSON("/api/v1/users.create", c.c, c.body), c.status, c.want)
		})
	}
}

func TestUsersCreateOptions(t *testing.T) {
	e := newEnv(t, Config{})
	cases := []struct {
		name, body, wantTail string
	}{
		{"roles deduplicated", `{"email":"g@example.com","name":"G","password":"p","username":"g","roles":["guest","guest","admin"]}`,
			`"roles":["guest","admin"],"name":"G"},"success":true}`},
		{"empty roles default to user", `{"email":"h@example.com","name":"H","password":"p","username":"h","roles":[]}`,
			`"roles":["user"],"name":"H"},"success":true}`},
		{"coerced flags", `{"email":"i@example.com","name":"I","password":"p","username":"i","active":"false","requirePasswordChange":1}`,
			`"active":false,"_updatedAt":`},
		{"no email", `{"email":"","name":"J","password":"p","username":"j"}`, `"username":"j","type":"user"`},
		{"random password", `{"email":"k@example.com","name":"K","password":"","username":"k","setRandomPassword":true}`, `"username":"k"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.postJSON("/api/v1/users.create", &e.admin, c.body)
			if res.status != 200 || !strings.Contains(res.body, c.wantTail) {
				t.Errorf("got %d %s, want it to contain %s", res.status, res.body, c.wantTail)
			}
		})
	}
	res := e.request(http.MethodPost, "/api/v1/users.create", &e.admin, "application/x-www-form-urlencoded",
		"email=f%40example.com&name=F&password=p&username=f")
	if res.status != 200 {
		t.Errorf("form body: %d %s", res.status, res.body)
	}
	// An inactive user exists but cannot log in.
	wantResponse(t, e.postJSON("/api/v1/login", nil, `{"user":"i","password":"p"}`), 401,
		`{"success":false,"error":"error-user-is-not-activated","status":"error","message":"User is not activated"}`)
	// Nobody knows a random password.
	wantResponse(t, e.postJSON("/api/v1/login", nil, `{"user":"k","password":""}`), 401,
		`{"success":false,"error":400,"status":"error","message":"Unrecognized options for login request"}`)
}

func TestUsersDelete(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) { testUsersDelete(t, l) })
	}
}

func testUsersDelete(t *testing.T, l line) {
	e := newEnv(t, Config{Version: l.version})
	plain := e.addUser("plain", "Plain")
	bob := e.addUser("bob", "Bob")
	carol := e.addUser("Carol", "Carol")
	second := e.login("bob", "pw-bob") // a second token of bob
	ok := `{"success":true}`
	notFound := `{"success":false,"error":"The required \"userId\" or \"username\" param provided does not match any users [error-invalid-user]","errorType":"error-invalid-user"}`
	notProvided := `{"success":false,"error":"The required \"userId\" or \"username\" param was not provided [error-user-param-not-provided]","errorType":"error-user-param-not-provided"}`

	wantResponse(t, e.postJSON("/api/v1/users.delete", nil, `{"userId":"`+bob.id+`"}`), 401, l.unauthorized())
	wantResponse(t, e.postJSON("/api/v1/users.delete", &plain, `{"userId":"`+bob.id+`"}`), 403, forbiddenBody)
	wantResponse(t, e.postJSON("/api/v1/users.delete", &e.admin, `{}`), 400, notProvided)
	wantResponse(t, e.postJSON("/api/v1/users.delete", &e.admin, `{"userId":"  "}`), 400, notProvided)
	wantResponse(t, e.postJSON("/api/v1/users.delete", &e.admin, `{"userId":12}`), 400, notProvided)
	wantResponse(t, e.postJSON("/api/v1/users.delete", &e.admin, `{"userId":"nope"}`), 400, notFound)
	wantResponse(t, e.postJSON("/api/v1/users.delete", &e.admin, `{"username":"nope"}`), 400, notFound)

	// Rooms with bob stay; bob's tokens go.
	ridOf(t, e.dm(plain, `{"username":"bob"}`))
	wantResponse(t, e.postJSON("/api/v1/users.delete", &e.admin, `{"userId":"`+bob.id+`","confirmRelinquish":true}`), 200, ok)
	for _, c := range []creds{bob, second} {
		wantResponse(t, e.request(http.MethodGet, "/api/v1/me", &c, "", ""), 401, l.unauthorized())
	}
	if e.srv.Rooms() != 1 {
		t.Errorf("Rooms() = %d, want the DM to stay", e.srv.Rooms())
	}
	if l.names == conformance.Lookup {
		wantResponse(t, e.dm(plain, `{"username":"bob"}`), 400, invalidUserBody)
	} else {
		// Exact names leave a name that matches nobody out: plain's self-DM.
		generatedRoom(t, e.dm(plain, `{"username":"bob"}`), "plain")
	}
	wantResponse(t, e.postJSON("/api/v1/users.delete", &e.admin, `{"userId":"`+bob.id+`"}`), 400, notFound)
	// The name is free again and gets a new id.
	if nb := e.addUser("bob", "Bob"); nb.id == bob.id {
		t.Error("re-created bob reused the old id")
	}

	// By username, without regard to case; also the "user" key.
	wantResponse(t, e.postJSON("/api/v1/users.delete", &e.admin, `{"username":"carol"}`), 200, ok)
	wantResponse(t, e.request(http.MethodGet, "/api/v1/me", &carol, "", ""), 401, l.unauthorized())
	wantResponse(t, e.postJSON("/api/v1/users.delete", &e.admin, `{"user":"PLAIN"}`), 200, ok)

	// The last admin cannot be removed; one of two can.
	lastAdmin := `{"success":false,"error":"Leaving the app without admins is not allowed [error-action-not-allowed]","errorType":"error-action-not-allowed","details":{"method":"deleteUser"}}`
	wantResponse(t, e.postJSON("/api/v1/users.delete", &e.admin, `{"username":"admin"}`), 400, lastAdmin)
	other := e.addUser("admin2", "Admin Two", "admin")
	wantResponse(t, e.postJSON("/api/v1/users.delete", &other, `{"username":"admin"}`), 200, ok)
	wantResponse(t, e.postJSON("/api/v1/users.delete", &other, `{"username":"admin2"}`), 400, lastAdmin)
}
