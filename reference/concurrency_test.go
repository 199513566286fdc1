package reference

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/rcconform/rcconform/conformance"
)

// dmCall is one dm.create request by one user.
type dmCall struct {
	c    creds
	body string
}

// TestConcurrentCreation races 50 goroutines per member set, with different
// callers and spellings of the set; each set must end up with exactly one
// room. Run with -race.
func TestConcurrentCreation(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version})
			alice := e.addUser("alice", "Alice")
			bob := e.addUser("bob", "Bob")
			carol := e.addUser("carol", "Carol")
			pairCalls := []dmCall{
				{alice, `{"username":"bob"}`},
				{bob, `{"usernames":"alice"}`},
				{e.admin, `{"usernames":"alice,bob","excludeSelf":true}`},
			}
			groupCalls := []dmCall{
				{alice, `{"usernames":"bob,carol"}`},
				{bob, `{"usernames":"carol, alice"}`},
				{carol, `{"usernames":"alice,bob,carol"}`},
				{e.admin, `{"usernames":"alice,bob,carol","excludeSelf":true}`},
			}
			if l.names == conformance.Lookup {
				// Names looked up ignore case.
				pairCalls[1].body = `{"usernames":"ALICE"}`
				groupCalls[1].body = `{"usernames":"carol, ALICE"}`
			}

			const workers = 50
			var wg sync.WaitGroup
			pairRids := make([]string, workers)
			groupRids := make([]string, workers)
			for i := range workers {
				wg.Add(2)
				go func() {
					defer wg.Done()
					c := pairCalls[i%len(pairCalls)]
					pairRids[i] = ridOrError(e.dm(c.c, c.body))
				}()
				go func() {
					defer wg.Done()
					c := groupCalls[i%len(groupCalls)]
					groupRids[i] = ridOrError(e.dm(c.c, c.body))
				}()
			}
			wg.Wait()
			for i := range workers {
				if l.rid == conformance.Composed && pairRids[i] != pairRid(alice.id, bob.id) {
					t.Errorf("pair %d: %s", i, pairRids[i])
				}
				if l.rid == conformance.Generated && (!objectIDPattern.MatchString(pairRids[i]) || pairRids[i] != pairRids[0]) {
					t.Errorf("pair %d: %s, pair 0: %s", i, pairRids[i], pairRids[0])
				}
				if !objectIDPattern.MatchString(groupRids[i]) || groupRids[i] != groupRids[0] {
					t.Errorf("group %d: %s, group 0: %s", i, groupRids[i], groupRids[0])
				}
			}
			if n := e.srv.Rooms(); n != 2 {
				t.Errorf("Rooms() = %d, want 2", n)
			}
		})
	}
}

// ridOrError returns room.rid of a 200 response, else a description of the
// failure (it runs outside the test goroutine, so it cannot call t.Fatal).
func ridOrError(res response) string {
	var out struct {
		Room struct {
			Rid string `json:"rid"`
		} `json:"room"`
	}
	if err := json.Unmarshal([]byte(res.body), &out); err != nil || res.status != 200 {
		return fmt.Sprintf("failed: %d %s", res.status, res.body)
	}
	return out.Room.Rid
}

// raceCalls sends the calls (call i is calls[i%len(calls)]) n at a time,
// all released together, and returns the answers in order.
func raceCalls(e *testEnv, n int, calls ...dmCall) []response {
	out := make([]response, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c := calls[i%len(calls)]
			out[i] = e.dm(c.c, c.body)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestRacyCreation: with RacyCreation, concurrent first creations of one
// 1:1 DM on 6.x lose to the composed id's duplicate key, and on 8.x (and
// for 6.x groups) may make several rooms; without it every call gets the
// one room.
func TestRacyCreation(t *testing.T) {
	const n = 20
	setup := func(t *testing.T, cfg Config) (e *testEnv, alice, bob, carol creds) {
		e = newEnv(t, cfg)
		return e, e.addUser("alice", "Alice"), e.addUser("bob", "Bob"), e.addUser("carol", "Carol")
	}

	t.Run("6.x 1:1", func(t *testing.T) {
		e, alice, bob, _ := setup(t, Config{Version: v6, RacyCreation: true})
		rid := pairRid(alice.id, bob.id)
		ok, dup := 0, 0
		for i, res := range raceCalls(e, n, dmCall{alice, `{"username":"bob"}`}, dmCall{bob, `{"username":"alice"}`}) {
			switch res.status {
			case 200:
				ok++
				wantResponse(t, res, 200, dmOK(rid, "alice", "bob"))
			default:
				dup++
				wantResponse(t, res, 400, e11000Body(rid))
			}
			if t.Failed() {
				t.Fatalf("answer %d", i)
			}
		}
		if ok == 0 {
			t.Errorf("no creation succeeded (%d duplicate keys)", dup)
		}
		t.Logf("%d created or found, %d lost to the duplicate key", ok, dup)
		if got := e.srv.Rooms(); got != 1 {
			t.Errorf("Rooms() = %d, want 1", got)
		}
		// Once the room exists, every call finds it.
		for _, res := range raceCalls(e, n, dmCall{alice, `{"username":"BOB"}`}, dmCall{bob, `{"username":"alice"}`}) {
			wantResponse(t, res, 200, dmOK(rid, "alice", "bob"))
		}
	})

	// Rooms found by their member set (8.x rooms, 6.x groups) never hit a
	// duplicate key: concurrent creations may each insert one.
	for _, c := range []struct {
		name    string
		version string
		body    string
		members []string
	}{
		{"8.x 1:1", "", `{"username":"bob"}`, []string{"alice", "bob"}},
		{"6.x group", v6, `{"usernames":"bob,carol"}`, []string{"alice", "bob", "carol"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, alice, _, _ := setup(t, Config{Version: c.version, RacyCreation: true})
			rids := map[string]bool{}
			for _, res := range raceCalls(e, n, dmCall{alice, c.body}) {
				rids[generatedRoom(t, res, c.members...)] = true
			}
			if got := e.srv.Rooms(); got != len(rids) || got < 1 || got > n {
				t.Errorf("Rooms() = %d, %d distinct rids", got, len(rids))
			}
			t.Logf("%d rooms for one member set", len(rids))
			// Later look-ups all find the same one of them.
			later := generatedRoom(t, e.dm(alice, c.body), c.members...)
			if !rids[later] {
				t.Errorf("later rid %s is none of the created %v", later, rids)
			}
			for _, res := range raceCalls(e, n, dmCall{alice, c.body}) {
				if got := generatedRoom(t, res, c.members...); got != later {
					t.Errorf("rid %s, then %s", later, got)
				}
			}
		})
	}

	for _, l := range lines {
		t.Run(l.name+" without RacyCreation", func(t *testing.T) {
			e, alice, bob, _ := setup(t, Config{Version: l.version})
			answers := raceCalls(e, n, dmCall{alice, `{"username":"bob"}`}, dmCall{bob, `{"username":"alice"}`})
			rid := ridOf(t, answers[0])
			if l.rid == conformance.Composed && rid != pairRid(alice.id, bob.id) {
				t.Errorf("rid %s, want the composed %s", rid, pairRid(alice.id, bob.id))
			}
			if l.rid == conformance.Generated && !objectIDPattern.MatchString(rid) {
				t.Errorf("rid %s is not an ObjectId", rid)
			}
			for _, res := range answers {
				wantResponse(t, res, 200, dmOK(rid, "alice", "bob"))
			}
			if got := e.srv.Rooms(); got != 1 {
				t.Errorf("Rooms() = %d, want 1", got)
			}
		})
	}
}

// TestConcurrentMixed runs logins, user creation and deletion alongside DM
// creation so that -race sees every shared structure.
func TestConcurrentMixed(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version, RateLimit: RateLimit{Calls: 1000}, RacyCreation: l.rid == conformance.Composed})
			bob := e.addUser("bob", "Bob")
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Add(3)
				go func() {
					defer wg.Done()
					name := fmt.Sprintf("temp%d", i)
					e.postJSON("/api/v1/users.create", &e.admin,
						`{"email":"`+name+`@example.com","name":"T","password":"p","username":"`+name+`"}`)
					e.dm(bob, `{"usernames":"`+name+`,admin"}`)
					e.postJSON("/api/v1/users.delete", &e.admin, `{"username":"`+name+`"}`)
				}()
				go func() {
					defer wg.Done()
					e.postJSON("/api/v1/login", nil, `{"user":"bob","password":"pw-bob"}`)
					e.dm(bob, `{"username":"admin"}`)
					e.request("GET", "/api/info", &e.admin, "", "")
				}()
				go func() {
					defer wg.Done()
					e.request("GET", "/api/v1/me", &bob, "", "")
					e.postJSON("/api/v1/dm.create", nil, `{`)
					e.srv.Rooms()
				}()
			}
			wg.Wait()
		})
	}
}
