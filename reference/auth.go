package reference

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/rcconform/rcconform/conformance"
)

type permission string

const (
	permCreateDM        permission = "create-d"
	permBypassRateLimit permission = "api-bypass-rate-limit"
	permCreateUser      permission = "create-user"
	permDeleteUser      permission = "delete-user"
	permViewStatistics  permission = "view-statistics"
)

// rolePermissions holds Rocket.Chat's default grants for the permissions
// this server checks. (view-room-administration is not modelled: it only
// decides whether excludeSelf DMs open the members' subscriptions.)
var rolePermissions = map[string]map[permission]bool{
	"admin": {permCreateDM: true, permBypassRateLimit: true, permCreateUser: true, permDeleteUser: true, permViewStatistics: true},
	"user":  {permCreateDM: true},
	"bot":   {permCreateDM: true, permBypassRateLimit: true},
	"guest": {},
}

// tokenAlphabet is Meteor's BASE64_CHARS; Random.secret() draws 43 of them.
const tokenAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

func newLoginToken() string {
	var b [43]byte
	rand.Read(b[:]) // crypto/rand.Read never fails; it aborts the program instead
	for i := range b {
		b[i] = tokenAlphabet[b[i]&63] // 64 symbols: the low 6 bits are uniform
	}
	return string(b[:])
}

// hashLoginToken is Meteor's Accounts._hashLoginToken: base64(sha256(token)).
func hashLoginToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// authenticate resolves X-User-Id + X-Auth-Token like Rocket.Chat's
// authenticatedRoute: both must be non-empty and the token must be one of
// that user's login tokens.
func (s *Server) authenticate(r *http.Request) *user {
	id := strings.Join(r.Header.Values("X-User-Id"), ", ")
	token := strings.Join(r.Header.Values("X-Auth-Token"), ", ")
	if id == "" || token == "" {
		return nil
	}
	return s.store.userByToken(id, hashLoginToken(token))
}

// Passwords are stored like Meteor's (a slow hash over the SHA-256 hex
// digest that Meteor clients send), with PBKDF2 from the standard library
// standing in for bcrypt; passwordIterations is in cost.go.
const maxPasswordLength = 256 // Meteor's default passwordMaxLength

type passwordHash struct {
	salt []byte
	key  []byte
}

// dummyPassword keeps a login for an unknown user as slow as a real one.
var dummyPassword = &passwordHash{salt: make([]byte, 16), key: make([]byte, 32)}

func passwordDigest(password string) string {
	sum := sha256.Sum256([]byte(password))
	return hex.EncodeToString(sum[:])
}

func newPasswordHash(digest string) (*passwordHash, error) {
	salt := make([]byte, 16)
	rand.Read(salt) // crypto/rand.Read never fails; it aborts the program instead
	key, err := pbkdf2.Key(sha256.New, digest, salt, passwordIterations, 32)
	if err != nil {
		return nil, fmt.Errorf("derive password key: %w", err)
	}
	return &passwordHash{salt: salt, key: key}, nil
}

func (p *passwordHash) matches(digest string) bool {
	key, err := pbkdf2.Key(sha256.New, digest, p.salt, passwordIterations, len(p.key))
	return err == nil && subtle.ConstantTimeCompare(key, p.key) == 1
}

// loginFailureBody is the login route's error: {success, error} from
// api.unauthorized() plus the Meteor error's status and message, added while
// the breaking changes are not applied. error is a number when Meteor's
// error code is one (e.g. 400).
type loginFailureBody struct {
	Success bool   `json:"success"`
	Error   any    `json:"error"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

var (
	// Meteor's "no login handler accepted these options" error.
	errLoginUnrecognized = &apiError{status: http.StatusUnauthorized, body: loginFailureBody{
		Error: 400, Status: "error", Message: "Unrecognized options for login request",
	}}
	// Wrong password and unknown user look the same ("User not found" is
	// rewritten to Unauthorized by the login route).
	errLoginFailed = &apiError{status: http.StatusUnauthorized, body: loginFailureBody{
		Error: "Unauthorized", Status: "error", Message: "Unauthorized",
	}}
	errLoginInactive = &apiError{status: http.StatusUnauthorized, body: loginFailureBody{
		Error: "error-user-is-not-activated", Status: "error", Message: "User is not activated",
	}}
	// With the breaking changes applied every failure is api.unauthorized()
	// as it is: the Meteor error is not copied in.
	errLoginBreaking = &apiError{status: http.StatusUnauthorized, body: failureBody{Error: "unauthorized"}}
)

// loginFailure is the emulated release's answer to a login that failed
// with e.
func (s *Server) loginFailure(e *apiError) *apiError {
	if s.rel.unauthorized == conformance.Breaking {
		return errLoginBreaking
	}
	return e
}

type loginResponse struct {
	Status  string    `json:"status"`
	Data    loginData `json:"data"`
	Success bool      `json:"success"`
}

type loginData struct {
	UserID    string   `json:"userId"`
	AuthToken string   `json:"authToken"`
	Me        userInfo `json:"me"`
}

// loginRequest is a password login taken from the body.
type loginRequest struct {
	by     string // "username", "email" or "id": Meteor's user selector keys
	lookup string
	digest string // hex SHA-256 of the password
}

// parseLogin mirrors the login route's loginCompatibility plus Meteor's
// password handler. A falsy password means no handler accepts the request
// (unrecognized). Other malformed shapes make Meteor's check() throw, which
// Rocket.Chat reports as a 500; this server answers 401 Unauthorized instead.
func parseLogin(params any) (loginRequest, *apiError) {
	body, _ := params.(map[string]any) // an array has no password either
	if !jsTruthy(body["password"]) {
		return loginRequest{}, errLoginUnrecognized
	}
	for key := range body {
		switch key {
		case "user", "username", "email", "password", "code":
		default:
			return loginRequest{}, errLoginFailed
		}
	}
	var req loginRequest
	switch pw := body["password"].(type) {
	case string:
		if len(pw) > maxPasswordLength {
			return loginRequest{}, errLoginFailed
		}
		req.digest = passwordDigest(pw)
	case map[string]any: // Meteor clients send {digest, algorithm: "sha-256"}
		digest, _ := pw["digest"].(string)
		if len(pw) != 2 || pw["algorithm"] != "sha-256" || len(digest) != 64 {
			return loginRequest{}, errLoginFailed
		}
		req.digest = digest
	default:
		return loginRequest{}, errLoginFailed
	}
	switch u := body["user"].(type) {
	case string:
		req.by, req.lookup = "username", u
		if strings.Contains(u, "@") {
			req.by = "email"
		}
	case map[string]any: // Meteor's own selector: {user: {username | email | id}}
		if len(u) == 1 {
			for key, v := range u {
				req.by = key
				req.lookup, _ = v.(string)
			}
		}
	default:
		if jsTruthy(body["username"]) {
			req.by = "username"
			req.lookup, _ = body["username"].(string)
		} else if jsTruthy(body["email"]) {
			req.by = "email"
			req.lookup, _ = body["email"].(string)
		}
	}
	if req.lookup == "" {
		return loginRequest{}, errLoginFailed
	}
	return req, nil
}

// loginUser finds the account a login names; nil if there is none.
func (s *store) loginUser(req loginRequest) *user {
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch req.by {
	case "username":
		return s.userByUsernameFold(req.lookup)
	case "email":
		return s.byEmail[strings.ToLower(req.lookup)]
	case "id":
		return s.users[req.lookup]
	default:
		return nil
	}
}

func jsTruthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case json.Number:
		return jsNumber(v) != 0
	default:
		return true
	}
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	params, err := s.readParams(w, r)
	if err != nil {
		s.writeError(w, errTooLarge)
		return
	}
	req, apiErr := parseLogin(params)
	if apiErr != nil {
		s.writeError(w, s.loginFailure(apiErr))
		return
	}
	u := s.store.loginUser(req)
	pw := dummyPassword
	if u != nil && u.password != nil {
		pw = u.password
	}
	if !pw.matches(req.digest) || pw == dummyPassword {
		s.writeError(w, s.loginFailure(errLoginFailed))
		return
	}
	if !u.active {
		s.writeError(w, s.loginFailure(errLoginInactive))
		return
	}
	token := newLoginToken()
	s.store.addToken(u, hashLoginToken(token))
	s.writeJSON(w, http.StatusOK, loginResponse{
		Status:  "success",
		Data:    loginData{UserID: u.id, AuthToken: token, Me: u.info()},
		Success: true,
	})
}
