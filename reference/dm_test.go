package reference

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var objectIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestDMCreateUnauthorized(t *testing.T) {
	e := newEnv(t, Config{})
	bob := e.addUser("bob", "Bob")
	cases := []struct {
		name    string
		headers map[string]string
		body    string
	}{
		{"no headers", nil, `{"username":"bob"}`},
		{"only X-User-Id", map[string]string{"X-User-Id": e.admin.id}, `{"username":"bob"}`},
		{"only X-Auth-Token", map[string]string{"X-Auth-Token": e.admin.token}, `{"username":"bob"}`},
		{"empty headers", map[string]string{"X-User-Id": "", "X-Auth-Token": ""}, `{"username":"bob"}`},
		{"wrong token", map[string]string{"X-User-Id": e.admin.id, "X-Auth-Token": e.admin.token + "x"}, `{"username":"bob"}`},
		{"hashed token sent as token", map[string]string{"X-User-Id": e.admin.id, "X-Auth-Token": hashLoginToken(e.admin.token)}, `{"username":"bob"}`},
		{"other user's id", map[string]string{"X-User-Id": bob.id, "X-Auth-Token": e.admin.token}, `{"username":"bob"}`},
		{"unknown id", map[string]string{"X-User-Id": "nobody", "X-Auth-Token": e.admin.token}, `{"username":"bob"}`},
		{"invalid body still 401", nil, `{"username":["x"],"foo":1}`},
		{"empty body still 401", nil, ``},
		{"broken JSON still 401", map[string]string{"X-User-Id": e.admin.id}, `{`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/dm.create", "/api/v1/im.create"} {
				req := newJSONRequest(path, c.body)
				for k, v := range c.headers {
					req.Header.Set(k, v)
				}
				wantResponse(t, e.serve(req), http.StatusUnauthorized, unauthorizedBody401)
			}
		})
	}
}

func newJSONRequest(path, body string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.RemoteAddr = "192.0.2.1:1234"
	req.Header.Set("Content-Type", "application/json")
	return req
}

func TestDMCreateNames(t *testing.T) {
	e := newEnv(t, Config{})
	caller := e.addUser("caller", "Caller")
	bob := e.addUser("bob", "Bob")
	carol := e.addUser("carol", "Carol")
	dave := e.addUser("Dave", "Dave")
	group := func(t *testing.T, body string) string { return ridOf(t, e.dm(caller, body)) }
	cases := []struct {
		name   string
		body   string
		status int
		want   func(t *testing.T) string
	}{
		{"unknown user", `{"username":"nobody"}`, 400, fixed(invalidUserBody)},
		{"unknown among known", `{"usernames":"bob,nobody"}`, 400, fixed(invalidUserBody)},
		{"username is not trimmed", `{"username":" bob"}`, 400, fixed(invalidUserBody)},
		{"username is not split", `{"username":"bob,carol"}`, 400, fixed(invalidUserBody)},
		{"empty username", `{"username":""}`, 400, fixed(emptyNameBody)},
		{"trailing comma", `{"usernames":"bob,"}`, 400, fixed(emptyNameBody)},
		{"double comma", `{"usernames":"bob,,carol"}`, 400, fixed(emptyNameBody)},
		{"blank item", `{"usernames":" , "}`, 400, fixed(emptyNameBody)},
		{"empty usernames", `{"usernames":""}`, 400, fixed(emptyNameBody)},
		{"empty name wins over unknown", `{"usernames":"nobody,,"}`, 400, fixed(emptyNameBody)},
		{"usernames are trimmed", `{"usernames":" bob ,\tcarol\u00a0"}`, 200, func(t *testing.T) string {
			return dmOK(group(t, `{"usernames":"bob,carol"}`), "bob", "caller", "carol")
		}},
		{"case-insensitive lookup returns stored case", `{"username":"DAVE"}`, 200, fixed(dmOK(pairRid(caller.id, dave.id), "caller", "Dave"))},
		{"1:1 rid is the sorted ids", `{"username":"bob"}`, 200, fixed(dmOK(pairRid(caller.id, bob.id), "bob", "caller"))},
		{"caller named too", `{"usernames":"caller,bob"}`, 200, fixed(dmOK(pairRid(caller.id, bob.id), "bob", "caller"))},
		{"duplicates collapse", `{"usernames":"bob,BOB,bob"}`, 200, fixed(dmOK(pairRid(caller.id, bob.id), "bob", "caller"))},
		{"other user with rocket.cat", `{"username":"rocket.cat"}`, 200, fixed(dmOK(pairRid(caller.id, "rocket.cat"), "caller", "rocket.cat"))},
		{"excludeSelf between two others", `{"usernames":"bob,carol","excludeSelf":true}`, 200, fixed(dmOK(pairRid(bob.id, carol.id), "bob", "carol"))},
		{"excludeSelf with one other user", `{"username":"bob","excludeSelf":true}`, 400, fixed(invalidUserBody)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := c.want(t)
			wantResponse(t, e.dm(caller, c.body), c.status, want)
		})
	}
}

func fixed(s string) func(*testing.T) string { return func(*testing.T) string { return s } }

// generatedRoom asserts a 200 whose rid is a fresh ObjectId and returns it.
func generatedRoom(t *testing.T, res response, usernames ...string) string {
	t.Helper()
	rid := ridOf(t, res)
	if !objectIDPattern.MatchString(rid) {
		t.Fatalf("rid %q is not a 24-char hex ObjectId", rid)
	}
	wantResponse(t, res, http.StatusOK, dmOK(rid, usernames...))
	return rid
}

func TestDMCreateSelfAndGroupRooms(t *testing.T) {
	e := newEnv(t, Config{})
	caller := e.addUser("caller", "Caller")
	e.addUser("bob", "Bob")
	e.addUser("carol", "Carol")

	self := generatedRoom(t, e.dm(caller, `{"username":"caller"}`), "caller")
	for _, body := range []string{
		`{"username":"caller"}`,
		`{"usernames":"caller"}`,
		`{"usernames":"caller,caller"}`,
		// The self filter is case-sensitive, so "CALLER" is looked up and
		// resolves to the caller: still the self-DM, even with excludeSelf.
		`{"username":"CALLER"}`,
		`{"username":"CALLER","excludeSelf":true}`,
	} {
		if got := generatedRoom(t, e.dm(caller, body), "caller"); got != self {
			t.Errorf("%s: rid %s, want the self-DM %s", body, got, self)
		}
	}

	g := generatedRoom(t, e.dm(caller, `{"usernames":"bob,carol"}`), "bob", "caller", "carol")
	for _, body := range []string{
		`{"usernames":"carol,bob"}`,
		`{"usernames":"CAROL, bob ,caller"}`,
		`{"usernames":"bob,carol,bob"}`,
	} {
		if got := generatedRoom(t, e.dm(caller, body), "bob", "caller", "carol"); got != g {
			t.Errorf("%s: rid %s, want the group %s", body, got, g)
		}
	}
	// Who asks does not matter: the member set does.
	bob := e.login("bob", "pw-bob")
	if got := ridOf(t, e.dm(bob, `{"usernames":"caller,carol"}`)); got != g {
		t.Errorf("bob asking for the same group: rid %s, want %s", got, g)
	}
	// excludeSelf with a duplicated single user leaves two entries, so it is
	// not rejected; the room is that user's self-DM.
	bobSelf := generatedRoom(t, e.dm(caller, `{"usernames":"bob,bob","excludeSelf":true}`), "bob")
	if got := generatedRoom(t, e.dm(bob, `{"username":"bob"}`), "bob"); got != bobSelf {
		t.Errorf("bob's self-DM %s differs from the excludeSelf one %s", got, bobSelf)
	}

	rooms := map[string]bool{self: true, g: true, bobSelf: true}
	for _, body := range []string{`{"username":"bob"}`, `{"username":"carol"}`, `{"usernames":"bob,carol","excludeSelf":true}`} {
		rid := ridOf(t, e.dm(caller, body))
		if rooms[rid] {
			t.Errorf("%s reused room %s of another member set", body, rid)
		}
		rooms[rid] = true
	}
	if got := e.srv.Rooms(); got != len(rooms) {
		t.Errorf("Rooms() = %d, want %d", got, len(rooms))
	}
}

func TestDMCreateExcludeSelfOnlyCaller(t *testing.T) {
	e := newEnv(t, Config{})
	caller := e.addUser("caller", "Caller")
	// Rocket.Chat would insert a room without members; this server keeps one
	// such room and returns it every time.
	rid := generatedRoom(t, e.dm(caller, `{"username":"caller","excludeSelf":true}`))
	if got := generatedRoom(t, e.dm(caller, `{"usernames":"caller,caller","excludeSelf":true}`)); got != rid {
		t.Errorf("empty room %s, then %s", rid, got)
	}
}

func TestDMCreateExcludeSelfPermissions(t *testing.T) {
	e := newEnv(t, Config{})
	plain := e.addUser("plain", "Plain")
	bob := e.addUser("bob", "Bob")
	carol := e.addUser("carol", "Carol")
	want := dmOK(pairRid(bob.id, carol.id), "bob", "carol")
	// view-room-administration only opens subscriptions; without it the
	// room is still created.
	for name, c := range map[string]creds{"admin": e.admin, "plain user": plain} {
		t.Run(name, func(t *testing.T) {
			wantResponse(t, e.dm(c, `{"usernames":"bob,carol","excludeSelf":true}`), 200, want)
			wantResponse(t, e.dm(c, `{"username":"bob","excludeSelf":true}`), 400, invalidUserBody)
		})
	}
}

func TestDMCreateGuest(t *testing.T) {
	e := newEnv(t, Config{})
	guest := e.addUser("guest1", "Guest", "guest")
	e.addUser("bob", "Bob")
	cases := []struct{ body, want string }{
		{`{"username":"bob"}`, notAllowedBody},
		{`{"username":"guest1"}`, notAllowedBody},
		{`{"usernames":"bob,rocket.cat"}`, notAllowedBody},
		// Earlier checks still come first.
		{`{"username":"nobody"}`, invalidUserBody},
		{`{"username":""}`, emptyNameBody},
		{`{"username":"bob","excludeSelf":true}`, invalidUserBody},
		{`{}`, invalidParamsBody(missingMsg)},
	}
	for _, c := range cases {
		wantResponse(t, e.dm(guest, c.body), 400, c.want)
	}
	if n := e.srv.Rooms(); n != 0 {
		t.Errorf("guest created %d rooms", n)
	}
}

func TestDMCreateMaxUsers(t *testing.T) {
	e := newEnv(t, Config{})
	caller := e.addUser("caller", "Caller")
	var names []string
	for i := range 9 {
		name := fmt.Sprintf("u%d", i)
		e.addUser(name, name)
		names = append(names, name)
	}
	list := func(n int) string { return strings.Join(names[:n], ",") }
	cases := []struct {
		name, body string
		status     int
	}{
		{"caller plus 7 is 8", `{"usernames":"` + list(7) + `"}`, 200},
		{"caller plus 8 is 9", `{"usernames":"` + list(8) + `"}`, 400},
		{"caller named explicitly is not counted twice", `{"usernames":"caller,` + list(7) + `"}`, 200},
		{"excludeSelf with 8", `{"usernames":"` + list(8) + `","excludeSelf":true}`, 200},
		{"excludeSelf with 9", `{"usernames":"` + list(9) + `","excludeSelf":true}`, 400},
		{"duplicates count", `{"usernames":"u0,u0,u0,u0,u0,u0,u0,u0"}`, 400},
		{"case variant of the caller counts", `{"usernames":"CALLER,` + list(7) + `"}`, 400},
		{"unresolved @names count", `{"usernames":"` + list(6) + `,@x,@y"}`, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.dm(caller, c.body)
			if c.status == 400 {
				wantResponse(t, res, 400, maxUsersBody("8"))
			} else if res.status != 200 {
				t.Errorf("got %d %s, want 200", res.status, res.body)
			}
		})
	}

	small := newEnv(t, Config{MaxUsers: 2})
	c := small.addUser("caller", "Caller")
	small.addUser("bob", "Bob")
	small.addUser("carol", "Carol")
	wantResponse(t, small.dm(c, `{"usernames":"bob,carol"}`), 400, maxUsersBody("2"))
	if res := small.dm(c, `{"usernames":"bob,carol","excludeSelf":true}`); res.status != 200 {
		t.Errorf("excludeSelf pair with MaxUsers 2: %d %s", res.status, res.body)
	}
}

// Names with "@" that do not resolve are kept; createDirectRoom strips the
// first "@", retries by exact username and drops what it cannot find.
func TestDMCreateAtNames(t *testing.T) {
	e := newEnv(t, Config{})
	caller := e.addUser("caller", "Caller")
	bob := e.addUser("bob", "Bob")
	oneToOne := dmOK(pairRid(caller.id, bob.id), "bob", "caller")
	wantResponse(t, e.dm(caller, `{"username":"@bob"}`), 200, oneToOne)
	wantResponse(t, e.dm(caller, `{"username":"b@ob"}`), 200, oneToOne)
	wantResponse(t, e.dm(caller, `{"usernames":"@bob,bob"}`), 200, oneToOne)
	self := generatedRoom(t, e.dm(caller, `{"username":"@nobody"}`), "caller")
	if got := generatedRoom(t, e.dm(caller, `{"username":"@BOB"}`), "caller"); got != self {
		t.Errorf("@BOB (retried case-sensitively) should fall back to the self-DM %s, got %s", self, got)
	}
	// An unresolved name is not a user, so excludeSelf does not reject it.
	wantResponse(t, e.dm(caller, `{"username":"@bob","excludeSelf":true}`), 200,
		dmOK(ridOf(t, e.dm(bob, `{"username":"bob"}`)), "bob"))
	wantResponse(t, e.dm(caller, `{"username":"nobody@"}`), 200, dmOK(self, "caller"))
}

func TestDMCreateUsernamesOrder(t *testing.T) {
	e := newEnv(t, Config{})
	caller := e.addUser("zz", "User B")
	e.addUser("aa", "User C")
	e.addUser("mm", "user a")
	e.addUser("emile", "Émile")
	e.addUser("zoe", "Zoe")
	e.addUser("nn", "Nn")
	wantOrder := func(body string, want ...string) {
		t.Helper()
		res := e.dm(caller, body)
		generatedRoom(t, res, want...)
	}
	// By display name, case- and accent-aware like localeCompare, not by username.
	wantOrder(`{"usernames":"aa,mm"}`, "mm", "zz", "aa")
	wantOrder(`{"usernames":"zoe,emile"}`, "emile", "zz", "zoe")
	// A user without a name would sort by username; rocket.cat sorts as "Rocket.Cat".
	wantOrder(`{"usernames":"rocket.cat,nn"}`, "nn", "rocket.cat", "zz")
}

func TestIMCreateParity(t *testing.T) {
	e := newEnv(t, Config{})
	caller := e.addUser("caller", "Caller")
	guest := e.addUser("guest1", "Guest", "guest")
	e.addUser("bob", "Bob")
	e.addUser("carol", "Carol")
	bodies := []string{
		`{"username":"bob"}`, `{"usernames":"bob,carol"}`, `{"username":"caller"}`,
		`{}`, `[]`, `{"username":""}`, `{"username":"nobody"}`, `{"username":"bob","excludeSelf":true}`,
		`{"username":["a"]}`, `{"usernames":"bob,carol","excludeSelf":true}`, `not json`,
	}
	for _, c := range []creds{caller, guest} {
		for _, body := range bodies {
			dm := e.postJSON("/api/v1/dm.create", &c, body)
			im := e.postJSON("/api/v1/im.create", &c, body)
			if dm.status != im.status || dm.body != im.body {
				t.Errorf("%s: dm.create %d %s, im.create %d %s", body, dm.status, dm.body, im.status, im.body)
			}
			if ct := im.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("im.create Content-Type %q", ct)
			}
		}
	}
	if res := e.postJSON("/api/v1/im.create", nil, `{"username":"bob"}`); res.status != 401 {
		t.Errorf("im.create without auth: %d", res.status)
	}
}
