package detection

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rcconform/rcconform/reference"
)

// mutant is a server that differs from released Rocket.Chat (the reference)
// in exactly one documented behaviour. Mutants live in test code only: the
// shipped reference has no switch for any of them.
type mutant struct {
	Name   string
	Family string
	// Description is the one behaviour the mutant breaks.
	Description string
	// Config changes the reference's configuration; nil keeps the default.
	Config func(*reference.Config)
	// Wrap puts middleware in front of the reference; nil serves it as is.
	// The traffic learner always sits outside it.
	Wrap func(next http.Handler, tr *traffic) http.Handler
	// MustFail lists check ids of which at least one must fail.
	MustFail []string
	// MessageHas is a phrase the promise of a failing MustFail check must
	// contain: the failure names the behaviour.
	MessageHas string
	// OnlyFeatures, for a server lacking a feature, lists the since: versions
	// its failing checks may carry; checks of other features must pass.
	OnlyFeatures []string
}

// handler builds the mutant around a fresh reference.
func (m mutant) handler() (http.Handler, error) {
	cfg := reference.DefaultConfig()
	if m.Config != nil {
		m.Config(&cfg)
	}
	ref, err := reference.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("mutant %s: %w", m.Name, err)
	}
	tr := newTraffic()
	var h http.Handler = ref
	if m.Wrap != nil {
		h = m.Wrap(h, tr)
	}
	return tr.learn(h), nil
}

// maxUsers is the limit the suite assumes (Rocket.Chat's default).
const maxUsers = 8

var mutants = []mutant{
	// ---- 401: authentication -------------------------------------------------
	{
		Name: "401-wrong-message", Family: "unauthorized",
		Description: `the 401 body says "Unauthorized" instead of "You must be logged in to do this."`,
		Wrap: onAnswer(func(_ *call, a *answer) {
			if a.Status == http.StatusUnauthorized {
				a.setObject(map[string]any{"success": false, "error": "Unauthorized", "status": "error", "message": "Unauthorized"})
			}
		}),
		MustFail:   []string{"AUTH-01", "AUTH-02", "AUTH-03", "AUTH-04", "AUTH-05", "AUTH-06", "AUTH-07"},
		MessageHas: "You must be logged in to do this.",
	},
	{
		Name: "401-no-status", Family: "unauthorized",
		Description: `the 401 body lacks "status":"error"`,
		Wrap: onAnswer(func(_ *call, a *answer) {
			if m := a.object(); a.Status == http.StatusUnauthorized && m != nil {
				delete(m, "status")
				a.setObject(m)
			}
		}),
		MustFail:   []string{"AUTH-01", "AUTH-02", "AUTH-03", "AUTH-04", "AUTH-05", "AUTH-06", "AUTH-07"},
		MessageHas: `"status"`,
	},
	{
		Name: "403-instead-of-401", Family: "unauthorized",
		Description: "missing or wrong credentials are answered 403 instead of 401",
		Wrap: onAnswer(func(_ *call, a *answer) {
			if a.Status == http.StatusUnauthorized {
				a.Status = http.StatusForbidden
			}
		}),
		MustFail:   []string{"AUTH-01", "AUTH-02", "AUTH-03", "AUTH-04", "AUTH-05", "AUTH-06", "AUTH-07"},
		MessageHas: "status 403 is not documented",
	},
	{
		Name: "token-not-checked", Family: "unauthorized",
		Description: "a known X-User-Id is accepted with a missing or wrong X-Auth-Token",
		Wrap: onDM(func(c *call) *answer {
			if p := c.caller(); p != nil && p.Token != "" {
				if owner := c.tr.token(c.r.Header.Get("X-Auth-Token")); owner == nil || owner.ID != p.ID {
					c.r.Header.Set("X-Auth-Token", p.Token)
				}
			}
			return c.forward()
		}),
		MustFail:   []string{"AUTH-02", "AUTH-04", "AUTH-05"},
		MessageHas: "token",
	},
	{
		Name: "user-id-ignored", Family: "unauthorized",
		Description: "a valid token is accepted whatever X-User-Id says (the id is replaced by the token's owner)",
		Wrap: onDM(func(c *call) *answer {
			if owner := c.tr.token(c.r.Header.Get("X-Auth-Token")); owner != nil {
				c.r.Header.Set("X-User-Id", owner.ID)
			}
			return c.forward()
		}),
		MustFail:   []string{"AUTH-05", "AUTH-03"},
		MessageHas: "another user's id",
	},
	{
		Name: "token-alone-suffices", Family: "unauthorized",
		Description: "X-Auth-Token without X-User-Id is accepted",
		Wrap: onDM(func(c *call) *answer {
			if owner := c.tr.token(c.r.Header.Get("X-Auth-Token")); owner != nil && c.r.Header.Get("X-User-Id") == "" {
				c.r.Header.Set("X-User-Id", owner.ID)
			}
			return c.forward()
		}),
		MustFail:   []string{"AUTH-03"},
		MessageHas: "no X-User-Id",
	},
	{
		Name: "body-before-auth", Family: "unauthorized",
		Description: "the body is validated before the credentials (the unreleased typed route): no credentials and a bad body give 400",
		Wrap: onDM(func(c *call) *answer {
			if msg := ajvMessage(c.body, schema(true, true), true); msg != "" {
				return invalidParams(msg)
			}
			return c.forward()
		}),
		MustFail:   []string{"AUTH-06"},
		MessageHas: "before body validation",
	},
	{
		Name: "im-create-unauth-differs", Family: "unauthorized",
		Description: "im.create answers 401 with the Restivus-era body ({status,message} only) while dm.create sends the 8.x body",
		Wrap: onAnswer(func(c *call, a *answer) {
			if c.im() && a.Status == http.StatusUnauthorized {
				a.setObject(map[string]any{"status": "error", "message": "You must be logged in to do this."})
			}
		}),
		MustFail:   []string{"ALIAS-UNAUTHORIZED"},
		MessageHas: "im.create is the same endpoint",
	},

	// ---- invalid-params: the body schema -------------------------------------
	{
		Name: "params-no-suffix", Family: "invalid-params",
		Description: `invalid-params errors lack the " [invalid-params]" suffix (the unreleased typed route)`,
		Wrap: onErrorType("invalid-params", func(_ *call, _ *answer, m map[string]any) {
			m["error"] = strings.TrimSuffix(str(m["error"]), " [invalid-params]")
		}),
		MustFail:   []string{"PARAMS-MISSING-TEXT", "PARAMS-NO-BODY-TEXT", "PARAMS-EMPTY-TEXT"},
		MessageHas: "Missing parameter",
	},
	{
		Name: "params-errortype-error-invalid-params", Family: "invalid-params",
		Description: "schema failures carry errorType error-invalid-params (typed route before 7.10)",
		Wrap: onErrorType("invalid-params", func(_ *call, _ *answer, m map[string]any) {
			m["errorType"] = "error-invalid-params"
			m["error"] = strings.TrimSuffix(str(m["error"]), " [invalid-params]") + " [error-invalid-params]"
		}),
		MustFail:   []string{"PARAMS-MISSING", "PARAMS-EMPTY", "PARAMS-UNKNOWN-ONLY"},
		MessageHas: "invalid-params",
	},
	{
		Name: "params-openapi-branch-order", Family: "invalid-params",
		Description: "the validation message lists the username form first (the official OpenAPI's branch order)",
		Wrap: onErrorType("invalid-params", func(_ *call, _ *answer, m map[string]any) {
			lines := strings.Split(strings.TrimSuffix(str(m["error"]), " [invalid-params]"), "\n ")
			if len(lines) == 3 {
				lines[0], lines[1] = lines[1], lines[0]
			}
			m["error"] = strings.Join(lines, "\n ") + " [invalid-params]"
		}),
		MustFail:   []string{"PARAMS-MISSING-TEXT", "PARAMS-NO-BODY-TEXT", "PARAMS-EMPTY-TEXT", "PARAMS-USERNAME-ARRAY-TEXT"},
		MessageHas: "Missing parameter",
	},
	{
		Name: "params-no-coercion", Family: "invalid-params",
		Description: `scalars are not coerced (4.8.x): {"username":123} and excludeSelf "false" are refused as invalid-params`,
		Wrap: onDM(func(c *call) *answer {
			if msg := ajvMessage(c.body, schema(true, true), false); msg != "" && c.authenticated() {
				return invalidParams(msg)
			}
			return c.forward()
		}),
		MustFail:   []string{"PARAMS-COERCE-NUMBER", "PARAMS-COERCE-BOOLEAN"},
		MessageHas: "coerce",
	},
	{
		Name: "params-additional-allowed", Family: "invalid-params",
		Description: "additionalProperties is not enforced: unknown keys are ignored",
		Wrap: onBody(func(_ *call, body map[string]any) {
			for k := range body {
				if k != "username" && k != "usernames" && k != "excludeSelf" {
					delete(body, k)
				}
			}
		}),
		MustFail:   []string{"PARAMS-UNKNOWN-USERNAME", "PARAMS-UNKNOWN-USERNAMES"},
		MessageHas: "unknown key",
	},
	{
		Name: "params-both-accepted", Family: "invalid-params",
		Description: "a body with both username and usernames is accepted (usernames is ignored)",
		Wrap: onBody(func(_ *call, body map[string]any) {
			if _, ok := body["username"]; ok {
				delete(body, "usernames")
			}
		}),
		MustFail:   []string{"PARAMS-BOTH-USERNAMES-USERNAME"},
		MessageHas: "both usernames and username",
	},
	{
		Name: "params-broken-json-body-parser", Family: "invalid-params",
		Description: `broken JSON is answered by a body parser: 400 {"success":false,"error":"Unexpected end of JSON input"}`,
		Wrap: onDM(func(c *call) *answer {
			if len(c.body) > 0 && !json.Valid(c.body) {
				return reply(http.StatusBadRequest, `{"success":false,"error":"Unexpected end of JSON input"}`)
			}
			return c.forward()
		}),
		MustFail:   []string{"PARAMS-BROKEN-JSON"},
		MessageHas: "broken JSON",
	},
	{
		Name: "params-no-body-500", Family: "invalid-params",
		Description: "a request without a body is answered 500",
		Wrap: onDM(func(c *call) *answer {
			if len(c.body) == 0 {
				return reply(http.StatusInternalServerError, `{"success":false,"error":"Internal server error"}`)
			}
			return c.forward()
		}),
		MustFail:   []string{"PARAMS-NO-BODY"},
		MessageHas: "status 500 is not documented",
	},
	{
		Name: "params-no-body-other-400", Family: "invalid-params",
		Description: "a request without a body gets a 400 of its own instead of the Missing parameter error",
		Wrap: onDM(func(c *call) *answer {
			if len(c.body) == 0 {
				return reply(http.StatusBadRequest, `{"success":false,"error":"The request has no body [error-invalid-body]","errorType":"error-invalid-body"}`)
			}
			return c.forward()
		}),
		MustFail:   []string{"PARAMS-NO-BODY"},
		MessageHas: "without a body",
	},
	{
		Name: "params-array-usernames-accepted", Family: "invalid-params",
		Description: `usernames given as a JSON array is accepted ({"usernames":["a","b"]} read as "a,b")`,
		Wrap: onBody(func(_ *call, body map[string]any) {
			if arr, ok := body["usernames"].([]any); ok {
				var names []string
				for _, v := range arr {
					names = append(names, fmt.Sprint(v))
				}
				body["usernames"] = strings.Join(names, ",")
			}
		}),
		MustFail:   []string{"PARAMS-USERNAMES-ARRAY"},
		MessageHas: "usernames as an array",
	},
	{
		Name: "params-excludeself-yes-accepted", Family: "invalid-params",
		Description: `excludeSelf "yes" is coerced to true instead of being refused`,
		Wrap: onBody(func(_ *call, body map[string]any) {
			if body["excludeSelf"] == "yes" {
				body["excludeSelf"] = true
			}
		}),
		MustFail:   []string{"PARAMS-USERNAME-EXCLUDESELF-YES", "PARAMS-USERNAMES-EXCLUDESELF-YES"},
		MessageHas: `excludeSelf as the string "yes"`,
	},

	// ---- invalid-user ---------------------------------------------------------
	{
		Name: "user-no-details", Family: "invalid-user",
		Description: "error-invalid-user answers lack details",
		Wrap: onErrorType("error-invalid-user", func(_ *call, _ *answer, m map[string]any) {
			delete(m, "details")
		}),
		MustFail:   []string{"USER-UNKNOWN", "USER-UNKNOWN-IN-LIST", "USER-EXCLUDESELF-ALONE"},
		MessageHas: "Invalid User",
	},
	{
		Name: "user-other-errortype", Family: "invalid-user",
		Description: "an unknown user is answered with errorType error-user-not-found",
		Wrap: onErrorType("error-invalid-user", func(_ *call, _ *answer, m map[string]any) {
			m["errorType"] = "error-user-not-found"
			m["error"] = "User not found [error-user-not-found]"
		}),
		MustFail:   []string{"USER-UNKNOWN", "USER-UNKNOWN-IN-LIST"},
		MessageHas: "Invalid User",
	},
	{
		Name: "user-unknown-dropped", Family: "invalid-user",
		Description: "unknown names are silently dropped (the unreleased createDirectMessage)",
		Wrap: onBody(func(c *call, body map[string]any) {
			me := c.caller()
			if me == nil {
				return
			}
			known := slices.DeleteFunc(c.names(), func(n string) bool { return n != "" && c.tr.name(n) == nil })
			if len(known) == len(c.names()) {
				return
			}
			if len(known) == 0 {
				known = []string{me.Username}
			}
			if _, ok := body["username"]; ok {
				body["username"] = known[0]
			} else {
				body["usernames"] = strings.Join(known, ",")
			}
		}),
		MustFail:   []string{"USER-UNKNOWN", "USER-UNKNOWN-IN-LIST"},
		MessageHas: "names nobody",
	},
	{
		Name: "user-empty-as-invalid-user", Family: "invalid-user",
		Description: `an empty name is answered as error-invalid-user instead of the plain "invalid username"`,
		Wrap: onAnswer(func(_ *call, a *answer) {
			if str(a.object()["error"]) == "invalid username" {
				*a = *reply(http.StatusBadRequest, invalidUserBody)
			}
		}),
		MustFail:   []string{"USER-EMPTY", "USER-EMPTY-ITEM", "USER-BLANK-ITEMS"},
		MessageHas: "invalid username",
	},
	{
		Name: "user-excludeself-alone-accepted", Family: "invalid-user",
		Description: "excludeSelf with a single other user is accepted (the flag is dropped and a 1:1 DM made)",
		Wrap: onBody(func(c *call, body map[string]any) {
			if me := c.caller(); me != nil && c.excludeSelf() && len(c.names()) == 1 && c.names()[0] != me.Username {
				delete(body, "excludeSelf")
			}
		}),
		MustFail:   []string{"USER-EXCLUDESELF-ALONE"},
		MessageHas: "at least two other members",
	},

	// ---- success --------------------------------------------------------------
	{
		Name: "ok-content-type-charset", Family: "success",
		Description: "the 200 answer's Content-Type is application/json; charset=utf-8",
		Wrap: onAnswer(func(_ *call, a *answer) {
			if a.Status == http.StatusOK {
				a.Header.Set("Content-Type", "application/json; charset=utf-8")
			}
		}),
		MustFail:   []string{"OK-CONTENT-TYPE"},
		MessageHas: "Content-Type is exactly application/json",
	},
	{
		Name: "ok-no-_id", Family: "success",
		Description: "the room has no _id",
		Wrap:        onRoom(func(_ *call, room map[string]any) { delete(room, "_id") }),
		MustFail:    []string{"OK-ONE-TO-ONE", "OK-GROUP", "OK-SELF"},
		MessageHas:  "_id",
	},
	{
		Name: "ok-_id-not-rid", Family: "success",
		Description: "the room's _id differs from its rid",
		Wrap:        onRoom(func(_ *call, room map[string]any) { room["_id"] = "x" + str(room["rid"]) }),
		MustFail:    []string{"OK-ONE-TO-ONE", "OK-GROUP", "OK-SELF"},
		MessageHas:  "_id equals its rid",
	},
	{
		Name: "ok-no-t", Family: "success",
		Description: `the room has no t`,
		Wrap:        onRoom(func(_ *call, room map[string]any) { delete(room, "t") }),
		MustFail:    []string{"OK-ONE-TO-ONE", "OK-GROUP", "OK-SELF"},
		MessageHas:  `"room.t" is missing`,
	},
	{
		Name: "ok-t-p", Family: "success",
		Description: `the room's t is "p" instead of "d"`,
		Wrap:        onRoom(func(_ *call, room map[string]any) { room["t"] = "p" }),
		MustFail:    []string{"OK-ONE-TO-ONE", "OK-GROUP", "OK-SELF"},
		MessageHas:  "/room/t",
	},
	{
		Name: "ok-no-success", Family: "success",
		Description: "the 200 answer has no success",
		Wrap: onAnswer(func(_ *call, a *answer) {
			if m, room := a.room(); room != nil {
				delete(m, "success")
				a.setObject(m)
			}
		}),
		MustFail:   []string{"OK-ONE-TO-ONE", "OK-GROUP", "OK-SELF"},
		MessageHas: `"success"`,
	},
	{
		Name: "ok-caller-missing", Family: "success",
		Description: "the caller is missing from the room's usernames",
		Wrap: onRoom(func(c *call, room map[string]any) {
			if me := c.caller(); me != nil {
				setMembers(room, slices.DeleteFunc(members(room), func(n string) bool { return n == me.Username }))
			}
		}),
		MustFail:   []string{"OK-ONE-TO-ONE", "OK-GROUP", "OK-SELF"},
		MessageHas: "usernames are exactly its members",
	},
	{
		Name: "ok-excludeself-ignored", Family: "success",
		Description: "excludeSelf is ignored: the caller is always a member (as before 3.18.0)",
		Wrap: onBody(func(c *call, body map[string]any) {
			if ajvMessage(c.body, schema(true, true), true) == "" {
				delete(body, "excludeSelf")
			}
		}),
		MustFail:     []string{"OK-EXCLUDESELF-ADMIN", "OK-EXCLUDESELF-USER", "USER-EXCLUDESELF-ALONE", "SEM-MAX-USERS-EXCLUDESELF"},
		MessageHas:   "without the caller",
		OnlyFeatures: []string{"3.18.0"},
	},
	{
		Name: "ok-excludeself-needs-permission", Family: "success",
		Description: "excludeSelf is refused (error-not-allowed) to a user without view-room-administration, i.e. a non-admin",
		Wrap: onDM(func(c *call) *answer {
			if me := c.caller(); me != nil && c.excludeSelf() && !slices.Contains(me.Roles, "admin") && c.authenticated() {
				return reply(http.StatusBadRequest, notAllowedBody)
			}
			return c.forward()
		}),
		MustFail:   []string{"OK-EXCLUDESELF-USER"},
		MessageHas: "the permission only decides",
	},
	{
		Name: "ok-self-dm-refused", Family: "success",
		Description: "self-DMs are refused (Message_AllowDirectMessagesToYourself=false)",
		Wrap: onDM(func(c *call) *answer {
			if me := c.caller(); me != nil && !c.excludeSelf() && slices.Equal(c.names(), []string{me.Username}) && c.authenticated() {
				return reply(http.StatusBadRequest, invalidUserBody)
			}
			return c.forward()
		}),
		MustFail:   []string{"OK-SELF", "SEM-RID-SELF", "SEM-IDEMPOTENT-SELF"},
		MessageHas: "self-DM",
	},
	{
		Name: "ok-usernames-not-trimmed", Family: "success",
		Description: "the names in usernames are looked up untrimmed, so \" bob \" names nobody",
		Wrap: onDM(func(c *call) *answer {
			s, ok := c.object()["usernames"].(string)
			if ok && c.authenticated() {
				for _, n := range strings.Split(s, ",") {
					if n != "" && n != strings.TrimSpace(n) {
						return reply(http.StatusBadRequest, invalidUserBody)
					}
				}
			}
			return c.forward()
		}),
		MustFail:   []string{"OK-GROUP-TRIMMED"},
		MessageHas: "trimmed",
	},

	// ---- semantics ------------------------------------------------------------
	{
		Name: "sem-rid-reversed", Family: "semantics",
		Description: "a 1:1 rid joins the two user ids in reverse order",
		Wrap: onRoom(func(c *call, room map[string]any) {
			if ids, ok := composedRid(c.tr, members(room)); ok && len(ids) == 2 && str(room["rid"]) == ids[0]+ids[1] {
				setRid(room, ids[1]+ids[0])
			}
		}),
		MustFail:   []string{"SEM-RID-COMPOSED"},
		MessageHas: "sorted",
	},
	{
		Name: "sem-rid-generated", Family: "semantics",
		Description: "a 1:1 DM gets a generated rid (stable per pair) instead of the composed one",
		Wrap: func() func(http.Handler, *traffic) http.Handler {
			var mu sync.Mutex
			ids := map[string]string{}
			return onRoom(func(_ *call, room map[string]any) {
				if len(members(room)) != 2 {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				rid := str(room["rid"])
				if ids[rid] == "" {
					ids[rid] = newRid()
				}
				setRid(room, ids[rid])
			})
		}(),
		MustFail:   []string{"SEM-RID-COMPOSED"},
		MessageHas: "user ids",
	},
	{
		Name: "sem-self-rid-composed", Family: "semantics",
		Description: "a self-DM's rid is the user id twice",
		Wrap: onRoom(func(c *call, room map[string]any) {
			if ids, ok := composedRid(c.tr, members(room)); ok && len(ids) == 1 {
				setRid(room, ids[0]+ids[0])
			}
		}),
		MustFail:   []string{"SEM-RID-SELF"},
		MessageHas: "generated",
	},
	{
		Name: "sem-group-not-idempotent", Family: "semantics",
		Description: "every creation of a group DM makes a new room",
		Wrap: onRoom(func(_ *call, room map[string]any) {
			if len(members(room)) > 2 {
				setRid(room, newRid())
			}
		}),
		MustFail:   []string{"SEM-IDEMPOTENT-GROUP", "SEM-CONCURRENT-GROUP"},
		MessageHas: "same group",
	},
	{
		Name: "sem-one-to-one-not-idempotent", Family: "semantics",
		Description: "creating an existing 1:1 DM again makes a new room",
		Wrap: func() func(http.Handler, *traffic) http.Handler {
			var mu sync.Mutex
			seen := map[string]bool{}
			return onRoom(func(_ *call, room map[string]any) {
				if len(members(room)) != 2 {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if rid := str(room["rid"]); seen[rid] {
					setRid(room, newRid())
				} else {
					seen[rid] = true
				}
			})
		}(),
		MustFail:   []string{"SEM-IDEMPOTENT-ONE-TO-ONE"},
		MessageHas: "again returns the same room",
	},
	{
		Name: "sem-case-sensitive", Family: "semantics",
		Description: "usernames are looked up with case: a name that matches only ignoring case is an invalid user",
		Wrap: onDM(func(c *call) *answer {
			for _, n := range c.names() {
				if p := c.tr.name(n); p != nil && p.Username != n && c.authenticated() {
					return reply(http.StatusBadRequest, invalidUserBody)
				}
			}
			return c.forward()
		}),
		MustFail:   []string{"SEM-CASE-INSENSITIVE", "SEM-CASE-INSENSITIVE-LIST"},
		MessageHas: "another case",
	},
	{
		Name: "sem-typed-case-echoed", Family: "semantics",
		Description: "the room lists usernames as typed rather than as stored",
		Wrap: onRoom(func(c *call, room map[string]any) {
			names := members(room)
			for i, stored := range names {
				for _, typed := range c.names() {
					if strings.EqualFold(typed, stored) {
						names[i] = typed
					}
				}
			}
			setMembers(room, names)
		}),
		MustFail:   []string{"SEM-CASE-INSENSITIVE", "SEM-CASE-INSENSITIVE-LIST"},
		MessageHas: "as stored",
	},
	{
		Name: "sem-sorted-by-username", Family: "semantics",
		Description: "the room's usernames are sorted by username",
		Wrap: onRoom(func(_ *call, room map[string]any) {
			names := members(room)
			slices.Sort(names)
			setMembers(room, names)
		}),
		MustFail:   []string{"SEM-ORDER-ONE-TO-ONE", "SEM-ORDER-GROUP"},
		MessageHas: "display name",
	},
	{
		Name: "sem-sorted-by-name-bytes", Family: "semantics",
		Description: "the room's usernames are sorted by display name in byte order, not as people read them",
		Wrap: onRoom(func(c *call, room map[string]any) {
			names := members(room)
			key := func(n string) string {
				if p := c.tr.name(n); p != nil {
					return p.display()
				}
				return n
			}
			slices.SortStableFunc(names, func(a, b string) int { return strings.Compare(key(a), key(b)) })
			setMembers(room, names)
		}),
		MustFail:   []string{"SEM-ORDER-GROUP"},
		MessageHas: "locale-aware",
	},
	{
		Name: "sem-max-users-9", Family: "semantics",
		Description: "the member limit is 9 instead of Rocket.Chat's default 8",
		Config:      func(c *reference.Config) { c.MaxUsers = maxUsers + 1 },
		MustFail:    []string{"SEM-MAX-USERS-EXCEEDED", "SEM-MAX-USERS-DUPLICATES"},
		MessageHas:  "over the limit",
	},
	{
		Name: "sem-max-users-7", Family: "semantics",
		Description: "the member limit is 7 instead of Rocket.Chat's default 8",
		Config:      func(c *reference.Config) { c.MaxUsers = maxUsers - 1 },
		MustFail:    []string{"SEM-MAX-USERS-LIMIT", "SEM-MAX-USERS-EXCEEDED", "SEM-MAX-USERS-EXCLUDESELF"},
		MessageHas:  "limit",
	},
	{
		Name: "sem-max-users-old-error", Family: "semantics",
		Description: `exceeding the limit gives the pre-6.6 {"success":false,"error":"error-direct-message-max-user-exceeded"}`,
		Wrap: onErrorType("error-direct-message-max-user-exceeded", func(_ *call, _ *answer, m map[string]any) {
			clear(m)
			m["success"] = false
			m["error"] = "error-direct-message-max-user-exceeded"
		}),
		MustFail:   []string{"SEM-MAX-USERS-EXCEEDED", "SEM-MAX-USERS-DUPLICATES"},
		MessageHas: "naming the limit",
	},
	{
		Name: "sem-duplicates-not-counted", Family: "semantics",
		Description: "repeated names are removed before the member limit is checked",
		Wrap: onBody(func(c *call, body map[string]any) {
			if _, ok := body["usernames"].(string); ok {
				var uniq []string
				for _, n := range c.names() {
					if !slices.ContainsFunc(uniq, func(u string) bool { return strings.EqualFold(u, n) }) {
						uniq = append(uniq, n)
					}
				}
				body["usernames"] = strings.Join(uniq, ",")
			}
		}),
		MustFail:   []string{"SEM-MAX-USERS-DUPLICATES"},
		MessageHas: "repeated",
	},
	{
		Name: "sem-excludeself-counts-caller", Family: "semantics",
		Description: "with excludeSelf the caller still counts toward the member limit",
		Wrap: onDM(func(c *call) *answer {
			if _, ok := c.object()["usernames"].(string); ok && c.excludeSelf() && len(c.names())+1 > maxUsers && c.authenticated() {
				return reply(http.StatusBadRequest, maxUsersBody(maxUsers))
			}
			return c.forward()
		}),
		MustFail:   []string{"SEM-MAX-USERS-EXCLUDESELF"},
		MessageHas: "without the caller",
	},
	{
		Name: "sem-guest-allowed", Family: "semantics",
		Description: "guests may open DMs (users created as guest get the user role)",
		Wrap: func(next http.Handler, _ *traffic) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api/v1/users.create" {
					c := &call{r: r, next: next}
					c.body, _ = io.ReadAll(r.Body)
					if m := c.object(); m != nil {
						if roles, ok := m["roles"].([]any); ok {
							for i, role := range roles {
								if role == "guest" {
									roles[i] = "user"
								}
							}
						}
						c.body = encode(m)
					}
					c.forward().write(w)
					return
				}
				next.ServeHTTP(w, r)
			})
		},
		MustFail:   []string{"SEM-GUEST-NOT-ALLOWED"},
		MessageHas: "create-d",
	},
	{
		Name: "sem-guest-other-error", Family: "semantics",
		Description: "a guest is refused with error-unauthorized instead of error-not-allowed",
		Wrap: onErrorType("error-not-allowed", func(_ *call, _ *answer, m map[string]any) {
			m["errorType"] = "error-unauthorized"
			m["error"] = "User does not have the permissions required for this action [error-unauthorized]"
			delete(m, "details")
		}),
		MustFail:   []string{"SEM-GUEST-NOT-ALLOWED"},
		MessageHas: "error-not-allowed",
	},
	{
		Name: "sem-concurrent-different-rooms", Family: "semantics",
		Description: "identical creations that overlap in time get different rooms",
		Wrap: func() func(http.Handler, *traffic) http.Handler {
			var mu sync.Mutex
			inflight := map[string]int{}
			seen := map[string]bool{}
			return onDM(func(c *call) *answer {
				key := c.r.URL.Path + "\x00" + c.r.Header.Get("X-User-Id") + "\x00" + string(c.body)
				mu.Lock()
				late, first := inflight[key] > 0, !seen[key]
				seen[key] = true
				inflight[key]++
				mu.Unlock()
				if first {
					// Hold the first of a kind so that a concurrent twin surely overlaps it.
					time.Sleep(50 * time.Millisecond)
				}
				a := c.forward()
				mu.Lock()
				inflight[key]--
				mu.Unlock()
				if m, room := a.room(); late && room != nil {
					setRid(room, newRid())
					a.setObject(m)
				}
				return a
			})
		}(),
		MustFail:   []string{"SEM-CONCURRENT-ONE-TO-ONE", "SEM-CONCURRENT-GROUP"},
		MessageHas: "concurrent",
	},

	// ---- im.create, the alias -------------------------------------------------
	{
		Name: "im-create-missing", Family: "alias",
		Description: "im.create does not exist (404)",
		Wrap: onDM(func(c *call) *answer {
			if c.im() {
				return reply(http.StatusNotFound, `{"success":false,"error":"Resource not found"}`)
			}
			return c.forward()
		}),
		MustFail:   []string{"AUTH-07", "ALIAS-ONE-TO-ONE", "ALIAS-MISSING"},
		MessageHas: "im.create",
	},
	{
		Name: "im-create-no-_id", Family: "alias",
		Description: "im.create's room has no _id",
		Wrap: onRoom(func(c *call, room map[string]any) {
			if c.im() {
				delete(room, "_id")
			}
		}),
		MustFail:   []string{"ALIAS-ONE-TO-ONE", "ALIAS-GROUP"},
		MessageHas: "_id",
	},
	{
		Name: "im-create-full-room", Family: "alias",
		Description: "im.create answers the whole room document (0.59-style), dm.create the documented four keys",
		Wrap: onRoom(func(c *call, room map[string]any) {
			if c.im() {
				room["usersCount"] = len(members(room))
				room["msgs"] = 0
			}
		}),
		MustFail:   []string{"ALIAS-ONE-TO-ONE", "ALIAS-GROUP"},
		MessageHas: "im.create is the same endpoint",
	},

	// ---- servers lacking a feature version ------------------------------------
	{
		Name: "feature-no-usernames-unknown-key", Family: "feature",
		Description: "a server before 3.1.0 whose schema has only the username form: usernames is refused as an unknown key",
		Wrap: onDM(func(c *call) *answer {
			if msg := ajvMessage(c.body, schema(false, true), true); msg != "" && c.authenticated() {
				return invalidParams(msg)
			}
			return c.forward()
		}),
		MustFail:     []string{"OK-GROUP", "USER-UNKNOWN-IN-LIST", "SEM-ORDER-GROUP"},
		MessageHas:   "several users",
		OnlyFeatures: []string{"3.1.0", "3.18.0"},
	},
	{
		Name: "feature-no-usernames", Family: "feature",
		Description: "a server before 3.1.0: a well-formed usernames body is refused like 3.0 (error-room-not-found)",
		Wrap: onDM(func(c *call) *answer {
			if _, ok := c.object()["usernames"]; ok && ajvMessage(c.body, schema(true, true), true) == "" && c.authenticated() {
				return reply(http.StatusBadRequest, `{"success":false,"error":"[error-room-not-found]","errorType":"error-room-not-found"}`)
			}
			return c.forward()
		}),
		MustFail:     []string{"OK-GROUP", "USER-UNKNOWN-IN-LIST", "SEM-ORDER-GROUP"},
		MessageHas:   "several users",
		OnlyFeatures: []string{"3.1.0", "3.18.0"},
	},
	{
		Name: "feature-no-excludeself-unknown-key", Family: "feature",
		Description: "a server before 3.18.0 whose schema has no excludeSelf: the key is refused as an unknown property",
		Wrap: onDM(func(c *call) *answer {
			if _, ok := c.object()["excludeSelf"]; ok && c.authenticated() {
				if msg := ajvMessage(c.body, schema(true, false), true); msg != "" {
					return invalidParams(msg)
				}
			}
			return c.forward()
		}),
		MustFail:     []string{"OK-EXCLUDESELF-ADMIN", "USER-EXCLUDESELF-ALONE", "PARAMS-COERCE-BOOLEAN"},
		MessageHas:   "excludeSelf",
		OnlyFeatures: []string{"3.18.0"},
	},

	// ---- answers that break the OpenAPI description ---------------------------
	{
		Name: "spec-success-string", Family: "spec",
		Description: `success is the string "true"`,
		Wrap: onAnswer(func(_ *call, a *answer) {
			if m, room := a.room(); room != nil {
				m["success"] = "true"
				a.setObject(m)
			}
		}),
		MustFail:   []string{"OK-ONE-TO-ONE", "OK-GROUP"},
		MessageHas: "/success",
	},
	{
		Name: "spec-usernames-comma-string", Family: "spec",
		Description: "the room's usernames is a comma-separated string",
		Wrap:        onRoom(func(_ *call, room map[string]any) { room["usernames"] = strings.Join(members(room), ",") }),
		MustFail:    []string{"OK-ONE-TO-ONE", "OK-GROUP"},
		MessageHas:  "/room/usernames",
	},
	{
		Name: "spec-422-invalid-params", Family: "spec",
		Description: "schema failures are answered 422 instead of 400",
		Wrap: onAnswer(func(_ *call, a *answer) {
			if a.errorType() == "invalid-params" {
				a.Status = http.StatusUnprocessableEntity
			}
		}),
		MustFail:   []string{"PARAMS-MISSING", "PARAMS-EMPTY"},
		MessageHas: "status 422 is not documented",
	},
	{
		Name: "username-trimmed", Family: "invalid-user",
		Description: `username (singular) is trimmed, so " bob " opens the DM with bob; Rocket.Chat uses it as sent and answers Invalid User`,
		Wrap: onBody(func(_ *call, body map[string]any) {
			if u, ok := body["username"].(string); ok {
				body["username"] = strings.TrimSpace(u)
			}
		}),
		MustFail:   []string{"USER-UNTRIMMED"},
		MessageHas: "not trimmed",
	},
	{
		Name: "permission-before-users", Family: "semantics",
		Description: "create-d is checked before the names: a guest naming nobody gets error-not-allowed; Rocket.Chat answers Invalid User first",
		Wrap: onDM(func(c *call) *answer {
			if me := c.caller(); me != nil && slices.Contains(me.Roles, "guest") && c.authenticated() && ajvMessage(c.body, schema(true, true), true) == "" {
				return reply(http.StatusBadRequest, notAllowedBody)
			}
			return c.forward()
		}),
		MustFail:   []string{"USER-BEFORE-PERMISSION"},
		MessageHas: "before checking create-d",
	},
	{
		Name: "max-users-before-users", Family: "semantics",
		Description: "the member limit is checked before the names: a list over the limit naming nobody gets the max-users error; Rocket.Chat answers Invalid User first",
		Wrap: onDM(func(c *call) *answer {
			if _, ok := c.object()["usernames"].(string); ok && !c.excludeSelf() && len(c.names())+1 > maxUsers && c.authenticated() {
				return reply(http.StatusBadRequest, maxUsersBody(maxUsers))
			}
			return c.forward()
		}),
		MustFail:   []string{"USER-BEFORE-MAX-USERS"},
		MessageHas: "before counting members",
	},
	{
		Name: "group-rid-composed", Family: "semantics",
		Description: "a group DM's rid is its members' ids sorted and joined; Rocket.Chat generates one",
		Wrap: onRoom(func(c *call, room map[string]any) {
			if ids, ok := composedRid(c.tr, members(room)); ok && len(ids) > 2 {
				setRid(room, strings.Join(ids, ""))
			}
		}),
		MustFail:   []string{"SEM-RID-GROUP"},
		MessageHas: "generated",
	},
	{
		Name: "usernames-only-self", Family: "success",
		Description: "usernames naming only the caller is refused (Invalid User); Rocket.Chat opens the self-DM",
		Wrap: onDM(func(c *call) *answer {
			if _, ok := c.object()["usernames"].(string); ok {
				if me := c.caller(); me != nil && slices.Equal(c.names(), []string{me.Username}) && c.authenticated() {
					return reply(http.StatusBadRequest, invalidUserBody)
				}
			}
			return c.forward()
		}),
		MustFail:   []string{"OK-SELF-USERNAMES"},
		MessageHas: "self-DM",
	},
	{
		Name: "401-restivus-body", Family: "unauthorized",
		Description: "the 401 body has only status and message (Rocket.Chat 7.3 and older), not the 8.x success and error",
		Wrap: onAnswer(func(_ *call, a *answer) {
			if a.Status == http.StatusUnauthorized {
				a.Body = []byte(`{"status":"error","message":"You must be logged in to do this."}`)
			}
		}),
		MustFail:   []string{"AUTH-BODY"},
		MessageHas: "success false and error",
	},
	{
		Name: "error-content-type-charset", Family: "invalid-params",
		Description: "error answers carry Content-Type application/json; charset=utf-8",
		Wrap: onAnswer(func(_ *call, a *answer) {
			if a.Status != http.StatusOK {
				a.Header.Set("Content-Type", "application/json; charset=utf-8")
			}
		}),
		MustFail:   []string{"PARAMS-CONTENT-TYPE", "AUTH-BODY"},
		MessageHas: "Content-Type is exactly application/json",
	},
	{
		Name: "sem-caller-in-list-counted-twice", Family: "semantics",
		Description: "the caller naming themself in usernames is added again, so the room is a group with a generated rid",
		Wrap: onRoom(func(c *call, room map[string]any) {
			if me := c.caller(); me != nil && slices.Contains(c.names(), me.Username) && len(c.names()) > 1 {
				setRid(room, newRid())
			}
		}),
		MustFail:   []string{"SEM-CALLER-IN-LIST"},
		MessageHas: "1:1 room of the two",
	},
	{
		Name: "sem-repeated-name-new-room", Family: "semantics",
		Description: "a name given twice makes a separate room instead of the 1:1 room",
		Wrap: onRoom(func(c *call, room map[string]any) {
			names := c.names()
			if len(names) == 2 && names[0] == names[1] {
				setRid(room, newRid())
			}
		}),
		MustFail:   []string{"SEM-REPEATED-NAME"},
		MessageHas: "however often a name is given",
	},
	{
		Name: "sem-self-other-case-refused", Family: "semantics",
		Description: "the caller's own name in another case is refused as an invalid user",
		Wrap: onDM(func(c *call) *answer {
			me, names := c.caller(), c.names()
			if me != nil && len(names) == 1 && names[0] != me.Username && strings.EqualFold(names[0], me.Username) {
				return reply(http.StatusBadRequest, invalidUserBody)
			}
			return c.forward()
		}),
		MustFail:   []string{"SEM-SELF-OTHER-CASE"},
		MessageHas: "in another case",
	},
	{
		Name: "params-null-not-coerced", Family: "invalid-params",
		Description: "a null username is refused as invalid-params instead of being coerced to an empty name",
		Wrap: onDM(func(c *call) *answer {
			if v, ok := c.object()["username"]; ok && v == nil && c.authenticated() {
				return invalidParams("must have required property 'usernames'\n must be string\n must match exactly one schema in oneOf [invalid-params]")
			}
			return c.forward()
		}),
		MustFail:   []string{"PARAMS-COERCE-NULL"},
		MessageHas: "null username",
	},
}
