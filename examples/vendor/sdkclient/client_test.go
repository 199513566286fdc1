// Package sdkclient is what the author of a Rocket.Chat client or bot writes:
// integration tests against the reference server in a container, driving the
// client the way SDKs do (form-encoded login, JSON calls).
package sdkclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rcconform/rcconform/reference/container"
)

// client is a tiny Rocket.Chat client, standing in for the SDK under test.
type client struct {
	base, userID, token string
}

func login(ctx context.Context, base, user, password string) (*client, error) {
	form := url.Values{"user": {user}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Data struct{ UserID, AuthToken string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("login: %d %v", resp.StatusCode, err)
	}
	return &client{base: base, userID: out.Data.UserID, token: out.Data.AuthToken}, nil
}

func (c *client) call(ctx context.Context, path string, in, out any) (int, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, strings.NewReader(string(body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-User-Id", c.userID)
	req.Header.Set("X-Auth-Token", c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(out)
}

func TestOpenDirectMessage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := container.Available(ctx); err != nil {
		t.Skipf("needs a Docker engine: %v", err)
	}
	rc, err := container.Run(ctx, container.WithRelease("8.6.1"), container.WithAdmin("bot-admin", "Bot-Admin-Pass-3"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Terminate(context.Background()) })

	admin, err := login(ctx, rc.URL(), rc.AdminUser(), rc.AdminPassword())
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		User struct {
			ID string `json:"_id"`
		}
	}
	status, err := admin.call(ctx, "/api/v1/users.create", map[string]any{
		"username": "alice", "name": "Alice", "email": "alice@example.com", "password": "Alice-Pass-4",
	}, &created)
	if err != nil || status != http.StatusOK {
		t.Fatalf("users.create: %d %v", status, err)
	}
	var dm struct {
		Room struct {
			Rid       string
			Usernames []string
		}
	}
	status, err = admin.call(ctx, "/api/v1/dm.create", map[string]any{"username": "alice"}, &dm)
	if err != nil || status != http.StatusOK || dm.Room.Rid == "" || len(dm.Room.Usernames) != 2 {
		t.Fatalf("dm.create: %d %v %+v", status, err, dm)
	}
}

// TestMain readies testcontainers for an engine without a registry; a
// machine that can pull images needs none of it.
func TestMain(m *testing.M) {
	container.PrepareEnv()
	os.Exit(m.Run())
}
