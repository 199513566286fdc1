package reference

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/rcconform/rcconform/conformance"
)

func TestLogin(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) { testLogin(t, l) })
	}
}

func testLogin(t *testing.T, l line) {
	e := newEnv(t, Config{Version: l.version})
	bob := e.addUser("Bob", "Bob B")
	digest := sha256.Sum256([]byte("pw-Bob"))
	hexDigest := hex.EncodeToString(digest[:])
	okCases := []struct{ name, contentType, body string }{
		{"user is username", "application/json", `{"user":"Bob","password":"pw-Bob"}`},
		{"username without regard to case", "application/json", `{"user":"bob","password":"pw-Bob"}`},
		{"user with @ is an email", "application/json", `{"user":"BOB@example.com","password":"pw-Bob"}`},
		{"username key", "application/json", `{"username":"bob","password":"pw-Bob"}`},
		{"email key", "application/json", `{"email":"Bob@example.com","password":"pw-Bob"}`},
		{"Meteor user selector", "application/json", `{"user":{"username":"Bob"},"password":"pw-Bob"}`},
		{"Meteor id selector", "application/json", `{"user":{"id":"` + bob.id + `"},"password":"pw-Bob"}`},
		{"client-side digest", "application/json", `{"user":"Bob","password":{"digest":"` + hexDigest + `","algorithm":"sha-256"}}`},
		{"2FA code key is accepted", "application/json", `{"user":"Bob","password":"pw-Bob","code":""}`},
		{"form body", "application/x-www-form-urlencoded", `user=Bob&password=pw-Bob`},
	}
	tokens := map[string]bool{bob.token: true}
	for _, c := range okCases {
		t.Run(c.name, func(t *testing.T) {
			res := e.request(http.MethodPost, "/api/v1/login", nil, c.contentType, c.body)
			var out struct {
				Data struct {
					UserID    string `json:"userId"`
					AuthToken string `json:"authToken"`
				} `json:"data"`
			}
			if err := json.Unmarshal([]byte(res.body), &out); err != nil || res.status != 200 {
				t.Fatalf("got %d %s", res.status, res.body)
			}
			tok := out.Data.AuthToken
			if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(tok) || tokens[tok] {
				t.Errorf("token %q is not a fresh 43-char Meteor secret", tok)
			}
			tokens[tok] = true
			want := `{"status":"success","data":{"userId":"` + bob.id + `","authToken":"` + tok +
				`","me":{"_id":"` + bob.id + `","username":"Bob","name":"Bob B","emails":[{"address":"Bob@example.com","verified":false}],"status":"offline","active":true,"roles":["user"]}},"success":true}`
			wantResponse(t, res, 200, want)
		})
	}
	// Every issued token stays valid.
	for tok := range tokens {
		if res := e.request(http.MethodGet, "/api/v1/me", &creds{bob.id, tok}, "", ""); res.status != 200 {
			t.Errorf("token %s: %d %s", tok, res.status, res.body)
		}
	}

	failed, unrecognized := loginFailedBody, unrecognizedBody
	failCases := []struct{ name, contentType, body, want string }{
		{"wrong password", "application/json", `{"user":"Bob","password":"nope"}`, failed},
		{"unknown user", "application/json", `{"user":"nobody","password":"pw-Bob"}`, failed},
		{"unknown email", "application/json", `{"user":"nobody@example.com","password":"pw-Bob"}`, failed},
		{"rocket.cat has no password", "application/json", `{"user":"rocket.cat","password":"x"}`, failed},
		{"no user", "application/json", `{"password":"pw-Bob"}`, failed},
		{"empty user", "application/json", `{"user":"","password":"pw-Bob"}`, failed},
		{"extra key", "application/json", `{"user":"Bob","password":"pw-Bob","x":1}`, failed},
		{"password not a string", "application/json", `{"user":"Bob","password":12}`, failed},
		{"bad digest", "application/json", `{"user":"Bob","password":{"digest":"ab","algorithm":"sha-256"}}`, failed},
		{"digest of the wrong password", "application/json", `{"user":"Bob","password":{"digest":"` + hexDigest[:63] + `0","algorithm":"sha-256"}}`, failed},
		{"over-long password", "application/json", `{"user":"Bob","password":"` + strings.Repeat("x", 257) + `"}`, failed},
		{"missing password", "application/json", `{"user":"Bob"}`, unrecognized},
		{"empty password", "application/json", `{"user":"Bob","password":""}`, unrecognized},
		{"null password", "application/json", `{"user":"Bob","password":null}`, unrecognized},
		{"empty body", "", ``, unrecognized},
		{"broken JSON", "application/json", `{"user":`, unrecognized},
		{"JSON string", "application/json", `"Bob"`, unrecognized},
		{"array", "application/json", `["Bob","pw-Bob"]`, unrecognized},
		{"JSON as text/plain", "text/plain", `{"user":"Bob","password":"pw-Bob"}`, unrecognized},
		{"unknown selector key", "application/json", `{"user":{"name":"Bob"},"password":"pw-Bob"}`, failed},
		{"selector with two keys", "application/json", `{"user":{"username":"Bob","id":"x"},"password":"pw-Bob"}`, failed},
		{"password true", "application/json", `{"user":"Bob","password":true}`, failed},
		{"password false", "application/json", `{"user":"Bob","password":false}`, unrecognized},
		{"password 0", "application/json", `{"user":"Bob","password":0}`, unrecognized},
	}
	for _, c := range failCases {
		t.Run(c.name, func(t *testing.T) {
			res := e.request(http.MethodPost, "/api/v1/login", nil, c.contentType, c.body)
			if l.bodyParser == conformance.StrictParser && (c.name == "broken JSON" || c.name == "JSON string") {
				wantParserPage(t, res) // the strict body parser answers first
				return
			}
			wantResponse(t, res, 401, c.want)
			wantExactHeaders(t, res.header, jsonHeaders(l.restivusRouter(), false))
		})
	}
}

func TestTokensStoredHashed(t *testing.T) {
	e := newEnv(t, Config{})
	u := e.srv.store.users[e.admin.id]
	sum := sha256.Sum256([]byte(e.admin.token))
	want := base64.StdEncoding.EncodeToString(sum[:])
	if len(u.tokens) != 1 || u.tokens[0] != want || u.tokens[0] == e.admin.token {
		t.Errorf("stored tokens %q, want only base64(sha256(token)) %q", u.tokens, want)
	}
	// The hash itself is not a credential.
	if res := e.request(http.MethodGet, "/api/v1/me", &creds{e.admin.id, want}, "", ""); res.status != 401 {
		t.Errorf("hashed token accepted: %d", res.status)
	}
}

func TestTokenCap(t *testing.T) {
	e := newEnv(t, Config{})
	u := e.srv.store.users[e.admin.id]
	for range maxTokensPerUser + 5 {
		e.srv.store.addToken(u, hashLoginToken(newLoginToken()))
	}
	if len(u.tokens) != maxTokensPerUser {
		t.Errorf("%d tokens stored, want %d", len(u.tokens), maxTokensPerUser)
	}
	// The first token was the oldest and is gone.
	if res := e.request(http.MethodGet, "/api/v1/me", &e.admin, "", ""); res.status != 401 {
		t.Errorf("evicted token still valid: %d", res.status)
	}
}

func TestMe(t *testing.T) {
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			e := newEnv(t, Config{Version: l.version, AdminUsername: "root", AdminPassword: "s3cret"})
			wantResponse(t, e.request(http.MethodGet, "/api/v1/me", &e.admin, "", ""), 200,
				`{"_id":"`+e.admin.id+`","username":"root","name":"Administrator","status":"offline","active":true,"roles":["admin"],"success":true}`)
			wantResponse(t, e.request(http.MethodGet, "/api/v1/me", nil, "", ""), 401, l.unauthorized())
			wantResponse(t, e.request(http.MethodGet, "/api/v1/me", &creds{e.admin.id, "bad"}, "", ""), 401, l.unauthorized())
			wantResponse(t, e.request(http.MethodGet, "/api/v1/me", &creds{"", e.admin.token}, "", ""), 401, l.unauthorized())
			wantResponse(t, e.request(http.MethodPost, "/api/v1/me", &e.admin, "", ""), 404, `{"success":false,"error":"Resource not found"}`)
		})
	}
}

func TestIDFormats(t *testing.T) {
	idRe := regexp.MustCompile(`^[` + idAlphabet + `]{17}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := newUserID()
		if !idRe.MatchString(id) || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
		if oid := newObjectID(); !objectIDPattern.MatchString(oid) || seen[oid] {
			t.Fatalf("bad or repeated ObjectId %q", oid)
		} else {
			seen[oid] = true
		}
	}
}
