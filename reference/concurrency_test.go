package reference

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentCreation races 50 goroutines per member set, with different
// callers and spellings of the set; each set must end up with exactly one
// room. Run with -race.
func TestConcurrentCreation(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.addUser("alice", "Alice")
	bob := e.addUser("bob", "Bob")
	carol := e.addUser("carol", "Carol")
	type call struct {
		c    creds
		body string
	}
	pairCalls := []call{
		{alice, `{"username":"bob"}`},
		{bob, `{"usernames":"ALICE"}`},
		{e.admin, `{"usernames":"alice,bob","excludeSelf":true}`},
	}
	groupCalls := []call{
		{alice, `{"usernames":"bob,carol"}`},
		{bob, `{"usernames":"carol, ALICE"}`},
		{carol, `{"usernames":"alice,bob,carol"}`},
		{e.admin, `{"usernames":"alice,bob,carol","excludeSelf":true}`},
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
		if pairRids[i] != pairRid(alice.id, bob.id) {
			t.Errorf("pair %d: %s", i, pairRids[i])
		}
		if !objectIDPattern.MatchString(groupRids[i]) || groupRids[i] != groupRids[0] {
			t.Errorf("group %d: %s, group 0: %s", i, groupRids[i], groupRids[0])
		}
	}
	if n := e.srv.Rooms(); n != 2 {
		t.Errorf("Rooms() = %d, want 2", n)
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

// TestConcurrentMixed runs logins, user creation and deletion alongside DM
// creation so that -race sees every shared structure.
func TestConcurrentMixed(t *testing.T) {
	e := newEnv(t, Config{RateLimit: RateLimit{Calls: 1000}})
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
		}()
		go func() {
			defer wg.Done()
			e.request("GET", "/api/v1/me", &bob, "", "")
			e.srv.Rooms()
		}()
	}
	wg.Wait()
}
