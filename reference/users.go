package reference

import (
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/rcconform/rcconform/conformance"
)

// userInfo is the user object of GET /me and of the login response
// (Rocket.Chat's getUserInfo, reduced to the stable fields).
type userInfo struct {
	ID       string   `json:"_id"`
	Username string   `json:"username"`
	Name     string   `json:"name,omitempty"`
	Emails   []email  `json:"emails,omitempty"`
	Status   string   `json:"status"`
	Active   bool     `json:"active"`
	Roles    []string `json:"roles"`
	Email    string   `json:"email,omitempty"` // first verified address
}

func (u *user) info() userInfo {
	info := userInfo{
		ID:       u.id,
		Username: u.username,
		Name:     u.name,
		Emails:   u.emails,
		Status:   "offline",
		Active:   u.active,
		Roles:    u.roles,
	}
	for _, e := range u.emails {
		if e.Verified {
			info.Email = e.Address
			break
		}
	}
	return info
}

type meResponse struct {
	userInfo
	Success bool `json:"success"`
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	u := s.authenticate(r)
	if u == nil {
		s.writeError(w, s.unauthorized())
		return
	}
	s.writeJSON(w, http.StatusOK, meResponse{userInfo: u.info(), Success: true})
}

// usersCreateSchema is rest-typings' isUserCreateParamsPOST.
var usersCreateSchema = objectSchema{
	properties: []property{
		{name: "email", typ: typeString},
		{name: "name", typ: typeString},
		{name: "password", typ: typeString},
		{name: "username", typ: typeString},
		{name: "active", typ: typeBoolean, nullable: true},
		{name: "bio", typ: typeString, nullable: true},
		{name: "nickname", typ: typeString, nullable: true},
		{name: "statusText", typ: typeString, nullable: true},
		{name: "roles", typ: typeStringArray},
		{name: "joinDefaultChannels", typ: typeBoolean, nullable: true},
		{name: "requirePasswordChange", typ: typeBoolean, nullable: true},
		{name: "setRandomPassword", typ: typeBoolean, nullable: true},
		{name: "sendWelcomeEmail", typ: typeBoolean, nullable: true},
		{name: "verified", typ: typeBoolean, nullable: true},
		{name: "customFields", typ: typeObject},
		{name: "fields", typ: typeString, nullable: true},
	},
	required: []string{"email", "name", "password", "username"},
}

// usernamePattern is the default UTF8_User_Names_Validation setting.
var usernamePattern = regexp.MustCompile(`^[0-9a-zA-Z\-_.]+$`)

// emailPattern is Rocket.Chat's validateEmail expression; \s is spelled out
// because JS's \s also covers Unicode spaces.
var emailPattern = regexp.MustCompile(`^(([^<>()\[\]\\.,;:\s\v\x{a0}\x{feff}\x{2028}\x{2029}\p{Zs}@"]+` +
	`(\.[^<>()\[\]\\.,;:\s\v\x{a0}\x{feff}\x{2028}\x{2029}\p{Zs}@"]+)*)|(".+"))@` +
	`((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$`)

type createdUser struct {
	ID                    string   `json:"_id"`
	CreatedAt             string   `json:"createdAt"`
	Username              string   `json:"username"`
	Emails                []email  `json:"emails,omitempty"`
	Type                  string   `json:"type"`
	Status                string   `json:"status"`
	Active                bool     `json:"active"`
	UpdatedAt             string   `json:"_updatedAt"`
	Roles                 []string `json:"roles"`
	Name                  string   `json:"name"`
	RequirePasswordChange bool     `json:"requirePasswordChange,omitempty"`
}

type createUserResponse struct {
	User    createdUser `json:"user"`
	Success bool        `json:"success"`
}

// jsDate formats t as JSON.stringify formats a Date.
func jsDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func fieldRequired(field string) *apiError {
	return meteorError(http.StatusBadRequest, "error-the-field-is-required",
		"The field "+field+" is required", fieldDetails{Method: "insertOrUpdateUser", Field: field})
}

// handleUsersCreate follows the legacy route order: auth, schema, permission,
// then saveUser's validateUserData checks. Its schema coerces as the
// release's body schemas do (coercion), and it stays on the legacy route
// whatever route dm.create runs on.
func (s *Server) handleUsersCreate(w http.ResponseWriter, r *http.Request) {
	me := s.authenticate(r)
	if me == nil {
		s.writeError(w, s.unauthorized())
		return
	}
	params, err := s.readParams(w, r)
	if err != nil {
		s.writeError(w, errTooLarge)
		return
	}
	p, msg := usersCreateSchema.validate(params, s.rel.coercion == conformance.Coerce)
	if msg != "" {
		s.writeError(w, invalidParams(msg))
		return
	}
	if !me.can(permCreateUser) {
		s.writeError(w, errForbidden)
		return
	}
	u, apiErr := s.newUserFromParams(p)
	if apiErr != nil {
		s.writeError(w, apiErr)
		return
	}
	s.store.mu.Lock()
	taken := s.store.insertUser(u)
	s.store.mu.Unlock()
	if taken != "" {
		s.writeError(w, meteorError(http.StatusBadRequest, "error-field-unavailable",
			lodashEscape(taken)+" is already in use :(", fieldDetails{Method: "insertOrUpdateUser", Field: taken}))
		return
	}
	s.log.Info("user created", slog.String("username", u.username), slog.Any("roles", u.roles))
	s.writeJSON(w, http.StatusOK, createUserResponse{User: createdUser{
		ID:                    u.id,
		CreatedAt:             jsDate(u.createdAt),
		Username:              u.username,
		Emails:                u.emails,
		Type:                  "user",
		Status:                "offline",
		Active:                u.active,
		UpdatedAt:             jsDate(u.createdAt),
		Roles:                 u.roles,
		Name:                  u.name,
		RequirePasswordChange: u.requirePasswordChange,
	}, Success: true})
}

// newUserFromParams applies validateUserData to validated users.create
// params and builds the account (not yet stored).
func (s *Server) newUserFromParams(p map[string]any) (*user, *apiError) {
	str := func(k string) string { v, _ := p[k].(string); return v }
	flag := func(k string, def bool) bool {
		if v, ok := p[k].(bool); ok {
			return v
		}
		return def
	}
	username, address, password := str("username"), str("email"), str("password")
	if jsTrim(str("name")) == "" {
		return nil, fieldRequired("Name")
	}
	if jsTrim(username) == "" {
		return nil, fieldRequired("Username")
	}
	if !usernamePattern.MatchString(username) {
		return nil, meteorError(http.StatusBadRequest, "error-input-is-not-a-valid-field",
			lodashEscape(username)+" is not a valid username",
			inputDetails{Method: "insertOrUpdateUser", Input: username, Field: "Username"})
	}
	if password == "" {
		if !flag("setRandomPassword", false) {
			return nil, fieldRequired("Password")
		}
		password = newLoginToken() // a random password nobody knows
	}
	if address != "" && !emailPattern.MatchString(address) {
		return nil, meteorError(http.StatusBadRequest, "error-invalid-email",
			"Invalid email "+lodashEscape(address), methodDetails{"insertOrUpdateUser"})
	}
	roles := []string{"user"}
	if rs, _ := p["roles"].([]string); len(rs) > 0 {
		roles = nil
		for _, role := range rs {
			if _, ok := rolePermissions[role]; !ok {
				return nil, meteorError(http.StatusBadRequest, "error-invalid-role", "Invalid role",
					methodDetails{"insertOrUpdateUser"})
			}
			if !slices.Contains(roles, role) {
				roles = append(roles, role)
			}
		}
	}
	hash, err := newPasswordHash(passwordDigest(password))
	if err != nil {
		s.log.Error("users.create", slog.Any("err", err))
		return nil, errInternal
	}
	u := &user{
		id:                    newUserID(),
		username:              username,
		name:                  str("name"),
		roles:                 roles,
		active:                flag("active", true),
		requirePasswordChange: flag("requirePasswordChange", false),
		createdAt:             time.Now(),
		password:              hash,
	}
	if address != "" {
		u.emails = []email{{Address: address, Verified: flag("verified", false)}}
	}
	return u, nil
}

// handleUsersDelete: auth, permission, then getUserFromParams.
func (s *Server) handleUsersDelete(w http.ResponseWriter, r *http.Request) {
	me := s.authenticate(r)
	if me == nil {
		s.writeError(w, s.unauthorized())
		return
	}
	params, err := s.readParams(w, r)
	if err != nil {
		s.writeError(w, errTooLarge)
		return
	}
	if !me.can(permDeleteUser) {
		s.writeError(w, errForbidden)
		return
	}
	body, _ := params.(map[string]any)
	str := func(k string) string { v, _ := body[k].(string); return v }

	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	var target *user
	switch {
	case jsTrim(str("userId")) != "":
		target = s.store.users[str("userId")]
	case jsTrim(str("username")) != "":
		target = s.store.userByUsernameFold(str("username"))
	case jsTrim(str("user")) != "":
		target = s.store.userByUsernameFold(str("user"))
	default:
		s.writeError(w, meteorError(http.StatusBadRequest, "error-user-param-not-provided",
			`The required "userId" or "username" param was not provided`, nil))
		return
	}
	if target == nil {
		s.writeError(w, meteorError(http.StatusBadRequest, "error-invalid-user",
			`The required "userId" or "username" param provided does not match any users`, nil))
		return
	}
	if slices.Contains(target.roles, "admin") && s.store.adminsOtherThan(target) == 0 {
		s.writeError(w, meteorError(http.StatusBadRequest, "error-action-not-allowed",
			"Leaving the app without admins is not allowed", methodDetails{"deleteUser"}))
		return
	}
	s.store.deleteUser(target)
	s.log.Info("user deleted", slog.String("username", target.username))
	s.writeJSON(w, http.StatusOK, struct {
		Success bool `json:"success"`
	}{true})
}

// adminsOtherThan counts active admins except u. Callers hold s.mu.
func (s *store) adminsOtherThan(u *user) int {
	n := 0
	for _, other := range s.users {
		if other != u && other.active && slices.Contains(other.roles, "admin") {
			n++
		}
	}
	return n
}
