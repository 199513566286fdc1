package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/rcconform/rcconform/fixtures"
	"github.com/rcconform/rcconform/rcapi"
	"github.com/rcconform/rcconform/reference"
)

// bed is a reference with a few logged-in users, served on loopback.
type bed struct {
	url   string
	users map[string]fixtures.User
	stop  func()
}

func newBed(ctx context.Context, configure func(*http.Server)) (*bed, error) {
	srv, err := reference.New(reference.DefaultConfig())
	if err != nil {
		return nil, err
	}
	url, stop, err := serve(srv, configure)
	if err != nil {
		return nil, err
	}
	api := &rcapi.Client{BaseURL: url, HTTP: &http.Client{Timeout: 10 * time.Second}}
	def := reference.DefaultConfig()
	cast, err := fixtures.Provision(ctx, api, def.AdminUsername, def.AdminPassword, fixtures.NewRunID(), []fixtures.Persona{
		{Key: "caller", Role: "user", Name: "Caller"}, {Key: "peer", Role: "user", Name: "Peer"}, {Key: "third", Role: "user", Name: "Third"},
	})
	if err != nil {
		stop()
		return nil, err
	}
	return &bed{url: url, users: cast.Users, stop: stop}, nil
}

func (b *bed) auth(key string) map[string]string {
	c := b.users[key].Creds
	return map[string]string{"X-User-Id": c.UserID, "X-Auth-Token": c.Token}
}

// bareHandler decodes the same JSON body and writes a JSON answer of the
// same shape and size as the reference's 1:1 answer: the floor any Go
// HTTP server pays, against which the reference's own work is measured.
func bareHandler(rid string, members []string) http.Handler {
	type room struct {
		T         string   `json:"t"`
		Rid       string   `json:"rid"`
		Usernames []string `json:"usernames"`
		ID        string   `json:"_id"`
	}
	type answer struct {
		Room    room `json:"room"`
		Success bool `json:"success"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Username    string `json:"username"`
			Usernames   string `json:"usernames"`
			ExcludeSelf bool   `json:"excludeSelf"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, `{"success":false}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer{Room: room{T: "d", Rid: rid, Usernames: members, ID: rid}, Success: true})
	})
}

func throughput(ctx context.Context, conns int, d time.Duration) error {
	fmt.Printf("## Reference throughput (%d keep-alive clients, %s each, loopback, load generator in the same process)\n", conns, d)
	b, err := newBed(ctx, nil)
	if err != nil {
		return fmt.Errorf("start the reference: %w", err)
	}
	defer b.stop()
	oneBody, _ := json.Marshal(map[string]string{"username": b.users["peer"].Username})
	groupBody, _ := json.Marshal(map[string]string{"usernames": b.users["peer"].Username + "," + b.users["third"].Username})

	// The 1:1 answer decides the size of the bare handler's answer.
	req, _ := post(b.url+"/api/v1/dm.create", b.auth("caller"), oneBody)()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	var first struct {
		Room struct {
			Rid       string   `json:"rid"`
			Usernames []string `json:"usernames"`
		} `json:"room"`
	}
	err = json.NewDecoder(resp.Body).Decode(&first)
	resp.Body.Close()
	if err != nil || first.Room.Rid == "" {
		return fmt.Errorf("the first 1:1 creation did not answer a room: %v", err)
	}
	bareURL, stopBare, err := serve(bareHandler(first.Room.Rid, first.Room.Usernames), nil)
	if err != nil {
		return err
	}
	defer stopBare()

	// Alternate the two so drift on a shared machine hits both alike.
	var ref, bare []result
	for range 2 {
		r, err := load(ctx, "reference dm.create 1:1 (existing)", conns, d, post(b.url+"/api/v1/dm.create", b.auth("caller"), oneBody))
		if err != nil {
			return err
		}
		ref = append(ref, r)
		r, err = load(ctx, "bare net/http JSON handler", conns, d, post(bareURL+"/api/v1/dm.create", nil, oneBody))
		if err != nil {
			return err
		}
		bare = append(bare, r)
	}
	group, err := load(ctx, "reference dm.create group (existing)", conns, d, post(b.url+"/api/v1/dm.create", b.auth("caller"), groupBody))
	if err != nil {
		return err
	}
	unauth, err := load(ctx, "reference dm.create 401 (wrong token)", conns, d,
		post(b.url+"/api/v1/dm.create", map[string]string{"X-User-Id": b.users["caller"].ID, "X-Auth-Token": "wrong-token-wrong-token-wrong-token-wrong-t"}, oneBody))
	if err != nil {
		return err
	}
	best := func(rs []result) result {
		if rs[1].rps() > rs[0].rps() {
			return rs[1]
		}
		return rs[0]
	}
	for _, r := range append(append(ref, bare...), group, unauth) {
		fmt.Println(r)
	}
	fmt.Printf("ratio reference 1:1 / bare handler: %.2f (best of 2 alternated runs each; goal >= 0.50)\n", best(ref).rps()/best(bare).rps())
	fmt.Printf("ratio reference group / bare handler: %.2f\n", group.rps()/best(bare).rps())
	fmt.Printf("ratio reference 401 / bare handler: %.2f\n", unauth.rps()/best(bare).rps())
	return nil
}
