package reference

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
)

var objectIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestDMCreateUnauthorized(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
			bob := e.addUser("bob", "Bob")
			cases := []struct {
				name    string
				headers map[string]string
				body    string
				page    bool // a strict body parser answers first, before authentication
			}{
				{"no headers", nil, `{"username":"bob"}`, false},
				{"only X-User-Id", map[string]string{"X-User-Id": e.admin.id}, `{"username":"bob"}`, false},
				{"only X-Auth-Token", map[string]string{"X-Auth-Token": e.admin.token}, `{"username":"bob"}`, false},
				{"empty headers", map[string]string{"X-User-Id": "", "X-Auth-Token": ""}, `{"username":"bob"}`, false},
				{"wrong token", map[string]string{"X-User-Id": e.admin.id, "X-Auth-Token": e.admin.token + "x"}, `{"username":"bob"}`, false},
				{"hashed token sent as token", map[string]string{"X-User-Id": e.admin.id, "X-Auth-Token": hashLoginToken(e.admin.token)}, `{"username":"bob"}`, false},
				{"other user's id", map[string]string{"X-User-Id": bob.id, "X-Auth-Token": e.admin.token}, `{"username":"bob"}`, false},
				{"unknown id", map[string]string{"X-User-Id": "nobody", "X-Auth-Token": e.admin.token}, `{"username":"bob"}`, false},
				{"invalid body still 401", nil, `{"username":["x"],"foo":1}`, false},
				{"empty body still 401", nil, ``, false},
				{"array body still 401", nil, `[1]`, false},
				{"broken JSON still 401", map[string]string{"X-User-Id": e.admin.id}, `{`, true},
				{"JSON scalar", nil, `42`, true},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					for _, path := range []string{"/api/v1/dm.create", "/api/v1/im.create"} {
						req := newJSONRequest(path, c.body)
						for k, v := range c.headers {
							req.Header.Set(k, v)
						}
						res := e.serve(req)
						if c.page && l.bodyParser == conformance.StrictParser {
							wantParserPage(t, res)
							continue
						}
						wantResponse(t, res, http.StatusUnauthorized, l.unauthorized())
						wantExactHeaders(t, res.header, jsonHeaders(l.restivusRouter(), true))
					}
				})
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

// TestDMCreateNames covers 6.x (names=lookup, one-to-one-rid=composed):
// names looked up one by one, ignoring case; unknown ones refused; 1:1 rids
// composed of the user ids.
func TestDMCreateNames(t *testing.T) {
	e := newEnv(t, Config{Version: v6})
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
			res := e.dm(caller, c.body)
			wantResponse(t, res, c.status, want)
			wantExactHeaders(t, res.header, jsonHeaders(true, false))
		})
	}
}

// TestDMCreateNamesTyped covers 8.6.1 (names=exact,
// one-to-one-rid=generated): names are matched exactly and together, the ones matching nobody are left out, the caller's
// own name is filtered only when spelled exactly, and every room, 1:1 too,
// gets a generated id and is found by its member set.
func TestDMCreateNamesTyped(t *testing.T) {
	e := newEnv(t, Config{})
	caller := e.addUser("caller", "Caller")
	bob := e.addUser("bob", "Bob")
	e.addUser("carol", "Carol")
	e.addUser("Dave", "Dave")
	rs := newRoomSets()
	self, pair := rs.room("caller"), rs.room("bob", "caller")
	cases := []struct {
		name string
		body string
		want check
	}{
		{"1:1 rid is generated", `{"username":"bob"}`, pair},
		{"unknown user is left out", `{"username":"nobody"}`, self},
		{"unknown among known", `{"usernames":"bob,nobody"}`, pair},
		{"username is not trimmed", `{"username":" bob"}`, self},
		{"username is not split", `{"username":"bob,carol"}`, self},
		{"empty username", `{"username":""}`, self},
		{"null username is empty", `{"username":null}`, self},
		{"trailing comma", `{"usernames":"bob,"}`, pair},
		{"double comma", `{"usernames":"bob,,carol"}`, rs.room("bob", "caller", "carol")},
		{"blank item", `{"usernames":" , "}`, self},
		{"empty usernames", `{"usernames":""}`, self},
		{"unknown and empty", `{"usernames":"nobody,,"}`, self},
		{"usernames are trimmed", `{"usernames":" bob ,\tcarol\u00a0"}`, rs.room("bob", "caller", "carol")},
		{"exact case only", `{"username":"DAVE"}`, self},
		{"lower-case variant", `{"username":"dave"}`, self},
		{"stored case", `{"username":"Dave"}`, rs.room("caller", "Dave")},
		{"caller named too", `{"usernames":"caller,bob"}`, pair},
		{"duplicates collapse, case variants are unknown", `{"usernames":"bob,BOB,bob"}`, pair},
		{"other user with rocket.cat", `{"username":"rocket.cat"}`, rs.room("caller", "rocket.cat")},
		{"excludeSelf between two others", `{"usernames":"bob,carol","excludeSelf":true}`, rs.room("bob", "carol")},
		{"excludeSelf with one other user is that user's self-DM", `{"username":"bob","excludeSelf":true}`, rs.room("bob")},
		{"self filter is exact: a case variant of the caller matches nobody", `{"username":"CALLER"}`, self},
		{"case variant of the caller with excludeSelf: no members", `{"username":"CALLER","excludeSelf":true}`, rs.room()},
		{"caller with excludeSelf: no members", `{"username":"caller","excludeSelf":true}`, rs.room()},
		{"self-DM", `{"usernames":"caller,caller"}`, self},
		{"@name is not retried", `{"username":"@bob"}`, self},
		{"@name among known", `{"usernames":"@bob,bob"}`, pair},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.dm(caller, c.body)
			c.want(t, res)
			wantExactHeaders(t, res.header, jsonHeaders(false, false))
		})
	}
	// Who asks does not matter: the member set does.
	pair(t, e.dm(bob, `{"username":"caller"}`))
	rs.room("bob")(t, e.dm(bob, `{"username":"bob"}`))
	rs.room("bob", "caller", "carol")(t, e.dm(bob, `{"usernames":"carol,caller"}`))
	if got := e.srv.Rooms(); got != len(rs.byNames) {
		t.Errorf("Rooms() = %d, want %d", got, len(rs.byNames))
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
	e := newEnv(t, Config{Version: v6})
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
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
			caller := e.addUser("caller", "Caller")
			// Rocket.Chat would insert a room without members; this server
			// keeps one such room and returns it every time.
			rid := generatedRoom(t, e.dm(caller, `{"username":"caller","excludeSelf":true}`))
			if got := generatedRoom(t, e.dm(caller, `{"usernames":"caller,caller","excludeSelf":true}`)); got != rid {
				t.Errorf("empty room %s, then %s", rid, got)
			}
		})
	}
}

func TestDMCreateExcludeSelfPermissions(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
			plain := e.addUser("plain", "Plain")
			bob := e.addUser("bob", "Bob")
			carol := e.addUser("carol", "Carol")
			rs := newRoomSets()
			pair, single := rs.room("bob", "carol"), rs.room("bob")
			if l.rid == conformance.Composed {
				pair = exact(200, dmOK(pairRid(bob.id, carol.id), "bob", "carol"))
			}
			if l.names == conformance.Lookup {
				single = exact(400, invalidUserBody)
			}
			// view-room-administration only opens subscriptions; without it
			// the room is still created.
			for _, c := range []struct {
				name string
				c    creds
			}{{"admin", e.admin}, {"plain user", plain}} {
				t.Run(c.name, func(t *testing.T) {
					pair(t, e.dm(c.c, `{"usernames":"bob,carol","excludeSelf":true}`))
					single(t, e.dm(c.c, `{"username":"bob","excludeSelf":true}`))
				})
			}
		})
	}
}

func TestDMCreateGuest(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
			guest := e.addUser("guest1", "Guest", "guest")
			e.addUser("bob", "Bob")
			cases := []struct{ body, lookup, exact string }{
				{`{"username":"bob"}`, notAllowedBody, notAllowedBody},
				{`{"username":"guest1"}`, notAllowedBody, notAllowedBody},
				{`{"usernames":"bob,rocket.cat"}`, notAllowedBody, notAllowedBody},
				// Looked-up names are checked first; exact names are not.
				{`{"username":"nobody"}`, invalidUserBody, notAllowedBody},
				{`{"username":""}`, emptyNameBody, notAllowedBody},
				{`{"username":"bob","excludeSelf":true}`, invalidUserBody, notAllowedBody},
				// The permission comes before the member limit.
				{`{"usernames":"a,b,c,d,e,f,g,h,i"}`, invalidUserBody, notAllowedBody},
				{`{}`, l.missing(), l.missing()},
			}
			for _, c := range cases {
				want := c.exact
				if l.names == conformance.Lookup {
					want = c.lookup
				}
				wantResponse(t, e.dm(guest, c.body), 400, want)
			}
			if n := e.srv.Rooms(); n != 0 {
				t.Errorf("guest created %d rooms", n)
			}
		})
	}
}

func TestDMCreateMaxUsers(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
			caller := e.addUser("caller", "Caller")
			var names []string
			for i := range 9 {
				name := fmt.Sprintf("u%d", i)
				e.addUser(name, name)
				names = append(names, name)
			}
			list := func(n int) string { return strings.Join(names[:n], ",") }
			tooMany := maxUsersBody("8")
			cases := []struct {
				name, body    string
				lookup, exact string // "" is a 200
			}{
				{"caller plus 7 is 8", `{"usernames":"` + list(7) + `"}`, "", ""},
				{"caller plus 8 is 9", `{"usernames":"` + list(8) + `"}`, tooMany, tooMany},
				{"caller named explicitly is not counted twice", `{"usernames":"caller,` + list(7) + `"}`, "", ""},
				{"excludeSelf with 8", `{"usernames":"` + list(8) + `","excludeSelf":true}`, "", ""},
				{"excludeSelf with 9", `{"usernames":"` + list(9) + `","excludeSelf":true}`, tooMany, tooMany},
				{"duplicates count", `{"usernames":"u0,u0,u0,u0,u0,u0,u0,u0"}`, tooMany, tooMany},
				{"case variant of the caller counts", `{"usernames":"CALLER,` + list(7) + `"}`, tooMany, tooMany},
				{"unresolved @names count", `{"usernames":"` + list(6) + `,@x,@y"}`, tooMany, tooMany},
				// Looked-up unknown names are refused first; exact ones are counted.
				{"unknown names count", `{"usernames":"` + list(6) + `,nobody,nobody2"}`, invalidUserBody, tooMany},
				{"unknown names within the limit", `{"usernames":"` + list(6) + `,nobody"}`, invalidUserBody, ""},
				{"empty names count", `{"usernames":"` + list(7) + `,"}`, emptyNameBody, tooMany},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					want := c.exact
					if l.names == conformance.Lookup {
						want = c.lookup
					}
					res := e.dm(caller, c.body)
					if want != "" {
						wantResponse(t, res, 400, want)
					} else if res.status != 200 {
						t.Errorf("got %d %s, want 200", res.status, res.body)
					}
				})
			}

			small := newEnv(t, Config{Version: l.version, MaxUsers: 2})
			c := small.addUser("caller", "Caller")
			small.addUser("bob", "Bob")
			small.addUser("carol", "Carol")
			wantResponse(t, small.dm(c, `{"usernames":"bob,carol"}`), 400, maxUsersBody("2"))
			if res := small.dm(c, `{"usernames":"bob,carol","excludeSelf":true}`); res.status != 200 {
				t.Errorf("excludeSelf pair with MaxUsers 2: %d %s", res.status, res.body)
			}
		})
	}
}

// TestDMCreateReleaseDifferences covers what changed inside the 6.x line:
// the empty-name error (6.5.0) and the member-limit message (6.6.0).
func TestDMCreateReleaseDifferences(t *testing.T) {
	const (
		invalid = invalidUserBody
		empty   = emptyNameBody
		plain   = plainMaxUsersBody
	)
	meteor := maxUsersBody("2")
	cases := []struct {
		version                   string
		emptyName, emptyItem, max string
	}{
		{"6.0.0", invalid, invalid, plain},
		{"6.4.0", invalid, invalid, plain},
		{"6.4.9", invalid, invalid, plain},
		{"6.5.0", empty, empty, plain},
		{"6.5.1", empty, empty, plain},
		{"6.6.0", empty, empty, meteor},
		{"6.14.0", empty, empty, meteor},
		{"6.99.0", empty, empty, meteor},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			e := newEnv(t, Config{Version: c.version, MaxUsers: 2})
			caller := e.addUser("caller", "Caller")
			e.addUser("bob", "Bob")
			e.addUser("carol", "Carol")
			wantResponse(t, e.dm(caller, `{"username":""}`), 400, c.emptyName)
			wantResponse(t, e.dm(caller, `{"username":null}`), 400, c.emptyName)
			wantResponse(t, e.dm(caller, `{"usernames":"bob,"}`), 400, c.emptyItem)
			// Before 6.5.0 the first unknown name fails; from it on the
			// empty one wins wherever it is.
			wantResponse(t, e.dm(caller, `{"usernames":"nobody,"}`), 400, c.emptyItem)
			wantResponse(t, e.dm(caller, `{"usernames":"bob,carol"}`), 400, c.max)
			wantResponse(t, e.dm(caller, `{"usernames":"bob,carol","excludeSelf":true}`), 200,
				dmOK(ridOf(t, e.dm(caller, `{"usernames":"bob,carol","excludeSelf":true}`)), "bob", "carol"))
			// The self filter comes before the empty-name check.
			wantResponse(t, e.dm(caller, `{"usernames":"caller,nobody"}`), 400, invalid)
		})
	}
	// 8.x drops empty names and has the Meteor member-limit error.
	e := newEnv(t, Config{MaxUsers: 2})
	caller := e.addUser("caller", "Caller")
	e.addUser("bob", "Bob")
	e.addUser("carol", "Carol")
	rs := newRoomSets()
	rs.room("caller")(t, e.dm(caller, `{"username":""}`))
	rs.room("bob")(t, e.dm(caller, `{"usernames":"bob,","excludeSelf":true}`))
	wantResponse(t, e.dm(caller, `{"usernames":"bob,carol"}`), 400, meteor)
	// The empty name is left out of the room but counted against the limit.
	wantResponse(t, e.dm(caller, `{"usernames":"bob,"}`), 400, meteor)
}

// Names with "@" that do not resolve are kept on 6.x; createDirectRoom
// strips the first "@", retries by exact username and drops what it cannot
// find. (Exact names are not looked up: see TestDMCreateNamesTyped.)
func TestDMCreateAtNames(t *testing.T) {
	e := newEnv(t, Config{Version: v6})
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
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
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
		})
	}
}

func TestIMCreateParity(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
			caller := e.addUser("caller", "Caller")
			guest := e.addUser("guest1", "Guest", "guest")
			e.addUser("bob", "Bob")
			e.addUser("carol", "Carol")
			bodies := []string{
				`{"username":"bob"}`, `{"usernames":"bob,carol"}`, `{"username":"caller"}`,
				`{}`, `[]`, `{"username":""}`, `{"username":"nobody"}`, `{"username":"bob","excludeSelf":true}`,
				`{"username":["a"]}`, `{"usernames":"bob,carol","excludeSelf":true}`, `not json`, `42`,
			}
			for _, c := range []creds{caller, guest} {
				for _, body := range bodies {
					dm := e.postJSON("/api/v1/dm.create", &c, body)
					im := e.postJSON("/api/v1/im.create", &c, body)
					if dm.status != im.status || dm.body != im.body {
						t.Errorf("%s: dm.create %d %s, im.create %d %s", body, dm.status, dm.body, im.status, im.body)
					}
					if !maps.EqualFunc(dm.header, im.header, func(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }) {
						t.Errorf("%s: dm.create headers %v, im.create %v", body, dm.header, im.header)
					}
					wantCT := "application/json"
					if l.bodyParser == conformance.StrictParser && (body == `not json` || body == `42`) {
						wantCT = "text/html; charset=utf-8" // the body parser's page
					}
					if ct := im.header.Get("Content-Type"); ct != wantCT {
						t.Errorf("%s: im.create Content-Type %q, want %q", body, ct, wantCT)
					}
				}
			}
			wantResponse(t, e.postJSON("/api/v1/im.create", nil, `{"username":"bob"}`), 401, l.unauthorized())
		})
	}
}

// TestDMCreateCallerDeleted: a caller deleted between authentication and
// the room look-up gets the release's 401, whichever way names are
// resolved, and nothing is created.
func TestDMCreateCallerDeleted(t *testing.T) {
	for name, cfg := range map[string]Config{
		"6.14.0":        {Version: v6},
		"8.6.1":         {},
		"9.0.0":         {Version: "9.0.0"},
		"9.0.0, lookup": {Version: "9.0.0", Variants: map[string]string{conformance.DimNames: conformance.Lookup, conformance.DimEmptyName: conformance.InvalidName}},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, cfg)
			bob := e.addUser("bob", "Bob")
			e.addUser("carol", "Carol")
			e.srv.store.mu.RLock()
			me := e.srv.store.users[bob.id]
			e.srv.store.mu.RUnlock()
			wantResponse(t, e.postJSON("/api/v1/users.delete", &e.admin, `{"userId":"`+bob.id+`"}`), 200, `{"success":true}`)
			_, apiErr := e.srv.createDirectMessage(me, []string{"carol"}, false)
			if apiErr == nil || apiErr.status != http.StatusUnauthorized {
				t.Fatalf("%+v", apiErr)
			}
			rec := httptest.NewRecorder()
			e.srv.writeError(rec, apiErr)
			if got, want := rec.Body.String(), e.srv.rel.unauthorizedBody(); got != want {
				t.Errorf("%s, want %s", got, want)
			}
			if n := e.srv.Rooms(); n != 0 {
				t.Errorf("Rooms() = %d", n)
			}
		})
	}
}

// failingBody fails a read the way a client that hangs up does.
type failingBody struct{}

func (failingBody) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// TestDMCreateAbortedBody: a body that cannot be read whole is parsed as {}
// by the route. (A strict body parser answers an unreadable JSON body itself.)
func TestDMCreateAbortedBody(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
			for _, ct := range []string{"application/x-www-form-urlencoded", "application/json"} {
				req := httptest.NewRequest(http.MethodPost, "/api/v1/dm.create", failingBody{})
				req.Header.Set("Content-Type", ct)
				req.Header.Set("X-User-Id", e.admin.id)
				req.Header.Set("X-Auth-Token", e.admin.token)
				res := e.serve(req)
				if l.bodyParser == conformance.StrictParser && ct == "application/json" {
					if res.status < 400 {
						t.Errorf("%s: %d %s", ct, res.status, res.body)
					}
					continue
				}
				wantResponse(t, res, 400, l.missing())
			}
		})
	}
}
