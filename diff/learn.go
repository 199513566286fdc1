package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// learner is the transport under a server's checks. It learns the users
// the harness provisions there (id, username, token), which the
// normalisation needs and which the checks keep to themselves.
type learner struct {
	base      http.RoundTripper
	adminUser string

	mu    sync.Mutex
	runID string
	users []User // in the order they were made
}

// Bots every Rocket.Chat server has, under the same id and name.
var builtinUsers = []User{{Key: "rocket.cat", ID: "rocket.cat", Username: "rocket.cat"}}

// ServerAdmin is the key of the admin who provisions users on a server.
const ServerAdmin = "server-admin"

// maxLearnBody bounds what the learner reads of a provisioning call.
const maxLearnBody = 1 << 20

func newLearner(adminUser string) *learner {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	return &learner{base: tr, adminUser: adminUser, users: append([]User(nil), builtinUsers...)}
}

func (l *learner) RoundTrip(req *http.Request) (*http.Response, error) {
	path := req.URL.Path
	if req.Method != http.MethodPost || (path != "/api/v1/users.create" && path != "/api/v1/login") || req.Body == nil {
		return l.base.RoundTrip(req)
	}
	sent, err := io.ReadAll(io.LimitReader(req.Body, maxLearnBody))
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the %s request: %w", path, err)
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(sent))
	resp, err := l.base.RoundTrip(out)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	got, err := io.ReadAll(io.LimitReader(resp.Body, maxLearnBody))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the %s answer: %w", path, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(got))
	if path == "/api/v1/users.create" {
		l.created(sent, got)
	} else {
		l.loggedIn(sent, got)
	}
	return resp, nil
}

// created learns a user from users.create: its username, and its id from
// the answer. The key is the username without "rcc-<run>-".
func (l *learner) created(sent, got []byte) {
	var in struct {
		Username string `json:"username"`
	}
	var out struct {
		User struct {
			ID string `json:"_id"`
		} `json:"user"`
	}
	if json.Unmarshal(sent, &in) != nil || json.Unmarshal(got, &out) != nil || out.User.ID == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	rest, ok := strings.CutPrefix(in.Username, runPrefix)
	run, key, dashed := strings.Cut(rest, "-")
	if !ok || !dashed {
		return
	}
	if l.runID == "" {
		l.runID = run
	}
	l.users = append(l.users, User{Key: key, ID: out.User.ID, Username: in.Username})
}

// loggedIn learns a token, and the server admin's id when the admin logs in.
func (l *learner) loggedIn(sent, got []byte) {
	var in struct {
		User string `json:"user"`
	}
	var out struct {
		Data struct {
			UserID    string `json:"userId"`
			AuthToken string `json:"authToken"`
		} `json:"data"`
	}
	if json.Unmarshal(sent, &in) != nil || json.Unmarshal(got, &out) != nil || out.Data.UserID == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, u := range l.users {
		if u.Username == in.User {
			l.users[i].Token = out.Data.AuthToken
			return
		}
	}
	if in.User == l.adminUser {
		l.users = append(l.users, User{Key: ServerAdmin, ID: out.Data.UserID, Username: in.User, Token: out.Data.AuthToken})
	}
}

// known is what the learner knows so far.
func (l *learner) known() Known {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Known{RunID: l.runID, Users: append([]User(nil), l.users...)}
}
