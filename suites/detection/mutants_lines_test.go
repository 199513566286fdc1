package detection

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Release-line mutants: each reports one release (GET /api/info) and, in
// exactly one behaviour, answers like another release. Every expectation
// that holds for one line (or one part of 6.x) only has one here, so a
// server that misreports its release, or mixes the lines, is caught.
//
// Not every difference can be caught: on 8.x the catalogue pins only what
// both of dm.create's routes share (the release that moved it to the typed
// route is not established), so an 8.x server that still answers Invalid
// User, looks names up ignoring case, composes 1:1 rids or keeps the
// " [invalid-params]" suffix passes by design, and has no mutant here.
func releaseLineMutants() []mutant {
	return []mutant{
		// The 401 body: {status, message} on 6.x, four keys on 8.x.
		{
			Name:        "line-6-router-401",
			Description: "reports 6.x but answers 401 with the four keys of 8.x's router",
			Versions:    []string{v6, v640},
			Wrap: onAnswer(func(_ *call, a *answer) {
				if a.Status == http.StatusUnauthorized {
					a.Body = []byte(router401)
				}
			}),
			MustFail:   []string{"AUTH-BODY-RESTIVUS"},
			MessageHas: "released 6.x answers exactly {status, message}",
		},
		{
			Name:        "line-8-restivus-401",
			Description: "reports 8.6.1 but answers 401 with only the two keys of 6.x's Restivus",
			Versions:    []string{v8},
			Wrap: onAnswer(func(_ *call, a *answer) {
				if a.Status == http.StatusUnauthorized {
					a.Body = []byte(restivus401)
				}
			}),
			MustFail:   []string{"AUTH-BODY-ROUTER"},
			MessageHas: "released 8.x answers success false and error",
		},
		// The body parser: 6.x refuses broken JSON and top-level scalars with
		// its own HTML 400 before authentication; 8.x reads them after it.
		{
			Name:        "line-6-broken-json-after-auth",
			Description: "reports 6.14.0 but reads broken JSON as {} after authentication, like 8.x",
			Versions:    []string{v6},
			Wrap: onDM(func(c *call) *answer {
				if c.json() && len(c.body) > 0 && !jsonValid(c.body) {
					return c.forwardWith("application/json", []byte(`{}`))
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-BROKEN-JSON-PARSER"},
			MessageHas: "before any route authenticates",
		},
		{
			Name:        "line-6-parser-error-json",
			Description: "reports 6.14.0 and refuses broken JSON and top-level scalars before authentication, but with a JSON 400 rather than connect's HTML page",
			Versions:    []string{v6},
			Wrap: onDM(func(c *call) *answer {
				_, scalar := decodeJSON(c.body).(string)
				_, number := decodeJSON(c.body).(json.Number)
				if c.json() && len(c.body) > 0 && (!jsonValid(c.body) || scalar || number) {
					return c.tr.reply(http.StatusBadRequest, `{"success":false,"error":"invalid json"}`)
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-BROKEN-JSON-PARSER", "PARAMS-STRING-PARSER", "PARAMS-NUMBER-PARSER"},
			MessageHas: "not Rocket.Chat's JSON envelope",
		},
		{
			Name:        "line-6-scalars-after-auth",
			Description: "reports 6.14.0 but refuses a top-level JSON string or number after authentication as invalid-params, like 8.x",
			Versions:    []string{v6},
			Wrap: onDM(func(c *call) *answer {
				switch decodeJSON(c.body).(type) {
				case string, json.Number:
					if !c.authenticated() {
						return c.tr.unauthorized()
					}
					return c.tr.invalidParams(c.validation(dmBranches(), true))
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-STRING-PARSER", "PARAMS-NUMBER-PARSER"},
			MessageHas: "before any route authenticates",
		},
		{
			Name:        "line-8-broken-json-html",
			Description: "reports 8.6.1 but answers broken JSON with 6.x's HTML 400 page, before authentication",
			Versions:    []string{v8},
			Wrap: onDM(func(c *call) *answer {
				if c.json() && len(c.body) > 0 && !jsonValid(c.body) {
					return htmlBadRequest()
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-BROKEN-JSON"},
			MessageHas: "parsed after authentication",
		},
		{
			Name:        "line-8-scalars-html",
			Description: "reports 8.6.1 but answers a top-level JSON string or number with 6.x's HTML 400 page, before authentication",
			Versions:    []string{v8},
			Wrap: onDM(func(c *call) *answer {
				switch decodeJSON(c.body).(type) {
				case string, json.Number:
					return htmlBadRequest()
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-STRING", "PARAMS-NUMBER"},
			MessageHas: "parsed after authentication",
		},
		// The validator's text: 6.x's legacy route appends " [invalid-params]".
		{
			Name:        "line-6-no-suffix",
			Description: `reports 6.x but answers invalid-params without the " [invalid-params]" suffix, like 8.6.1's typed route`,
			Versions:    []string{v6, v640},
			Wrap: onErrorType("invalid-params", func(_ *call, _ *answer, m map[string]any) {
				m["error"] = strings.TrimSuffix(str(m["error"]), " [invalid-params]")
			}),
			MustFail:   []string{"PARAMS-MISSING-TEXT", "PARAMS-NO-BODY-TEXT", "PARAMS-EMPTY-TEXT"},
			MessageHas: "legacy route appends",
		},
		// Names: the legacy route (6.x) looks each one up ignoring case and
		// refuses unknown ones; 8.6.1 matches them exactly and together.
		{
			Name:        "line-6-unknown-dropped",
			Description: "reports 6.14.0 but leaves unknown names out of the room, like 8.6.1, instead of answering Invalid User",
			Versions:    []string{v6},
			Wrap: keepNames(func(c *call, n string) bool {
				return n == "" || c.tr.name(n) != nil || strings.Contains(n, "@")
			}),
			MustFail:   []string{"USER-UNKNOWN", "USER-UNKNOWN-IN-LIST", "USER-UNTRIMMED", "USER-BEFORE-PERMISSION", "USER-BEFORE-MAX-USERS"},
			MessageHas: "Invalid User",
		},
		{
			Name:        "line-6-exact-names",
			Description: "reports 6.14.0 but matches names exactly, like 8.6.1: a name that matches only ignoring case is left out",
			Versions:    []string{v6},
			Wrap: keepNames(func(c *call, n string) bool {
				p := c.tr.name(n)
				return p == nil || p.Username == n
			}),
			MustFail:   []string{"SEM-CASE-INSENSITIVE", "SEM-CASE-INSENSITIVE-LIST"},
			MessageHas: "as stored",
		},
		{
			Name:        "line-6-generated-rid",
			Description: "reports 6.14.0 but gives 1:1 DMs a generated rid (stable per pair), like 8.6.1",
			Versions:    []string{v6},
			Wrap: fresh(func() wrapper {
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
			}),
			MustFail:   []string{"SEM-RID-COMPOSED"},
			MessageHas: "user ids, sorted",
		},
		{
			Name:        "line-6-excludeself-alone-room",
			Description: "reports 6.14.0 but answers excludeSelf with a single other user with a room of that user alone, like 8.6.1",
			Versions:    []string{v6},
			Wrap: onDM(func(c *call) *answer {
				me, names := c.caller(), c.names()
				if me == nil || !c.excludeSelf() || len(names) != 1 || names[0] == me.Username || c.tr.name(names[0]) == nil {
					return c.forward()
				}
				other := c.tr.name(names[0])
				a := c.forward() // the Invalid User answer, after every other check
				if a.errorType() != "error-invalid-user" {
					return a
				}
				rid := newRid()
				return c.tr.reply(http.StatusOK, string(encode(map[string]any{
					"room":    map[string]any{"t": "d", "rid": rid, "usernames": []any{other.Username}, "_id": rid},
					"success": true,
				})))
			}),
			MustFail:   []string{"USER-EXCLUDESELF-ALONE"},
			MessageHas: "at least two other members",
		},
		{
			Name:        "line-6-permission-first",
			Description: "reports 6.14.0 but checks create-d before the names, like 8.6.1: a guest naming nobody gets error-not-allowed",
			Versions:    []string{v6},
			Wrap: onDM(func(c *call) *answer {
				if me := c.caller(); me != nil && slices.Contains(me.Roles, "guest") && c.valid() && c.authenticated() {
					return c.tr.reply(http.StatusBadRequest, notAllowedBody)
				}
				return c.forward()
			}),
			MustFail:   []string{"USER-BEFORE-PERMISSION"},
			MessageHas: "before checking create-d",
		},
		{
			Name:        "line-6-max-users-first",
			Description: "reports 6.14.0 but counts the names before looking them up, like 8.6.1: too many names with an unknown one get the max-users error",
			Versions:    []string{v6},
			Wrap: onDM(func(c *call) *answer {
				if _, ok := c.object()["usernames"].(string); ok && !c.excludeSelf() && len(c.names())+1 > memberLimit && c.valid() && c.authenticated() {
					return c.tr.reply(http.StatusBadRequest, maxUsersBody(memberLimit))
				}
				return c.forward()
			}),
			MustFail:   []string{"USER-BEFORE-MAX-USERS"},
			MessageHas: "before counting members",
		},
		// An empty name: before 6.5 it is looked up and names nobody; from 6.5
		// it is the plain "invalid username"; 8.6.1 leaves it out.
		{
			Name:        "line-6-empty-name-dropped",
			Description: "reports 6.5.0 or later 6.x but leaves an empty name out of the room, like 8.6.1",
			Versions:    []string{v650, v6},
			Wrap: onDM(func(c *call) *answer {
				body, ok := c.params().(map[string]any)
				me := c.caller()
				if !ok || !c.json() || me == nil || !c.valid() {
					return c.forward()
				}
				names := c.names()
				if _, isNull := body["username"]; isNull && body["username"] == nil {
					names = []string{""}
				}
				kept := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "" })
				if len(kept) == len(names) {
					return c.forward()
				}
				if len(kept) == 0 {
					kept = []string{me.Username}
				}
				delete(body, "username")
				delete(body, "usernames")
				body["usernames"] = strings.Join(kept, ",")
				return c.forwardWith("application/json", encode(body))
			}),
			MustFail:   []string{"USER-EMPTY", "USER-EMPTY-ITEM", "USER-BLANK-ITEMS", "PARAMS-COERCE-NULL-EMPTY"},
			MessageHas: "empty name",
		},
		{
			Name:        "line-65-empty-invalid-user",
			Description: `reports 6.5.0 or later but answers an empty name with Invalid User, like 6.4`,
			Versions:    []string{v650, v6},
			Wrap: onError("invalid username", func(_ *call, _ *answer, m map[string]any) {
				clear(m)
				for k, v := range decodeObject([]byte(invalidUserBody)) {
					m[k] = v
				}
			}),
			MustFail:   []string{"USER-EMPTY", "USER-EMPTY-ITEM", "USER-BLANK-ITEMS", "PARAMS-COERCE-NULL-EMPTY"},
			MessageHas: "invalid username",
		},
		{
			Name:        "line-64-empty-invalid-username",
			Description: `reports 6.4.0 but refuses an empty name with the plain "invalid username" of 6.5`,
			Versions:    []string{v640},
			Wrap: onDM(func(c *call) *answer {
				if me := c.caller(); me != nil && c.valid() && slices.ContainsFunc(c.names(), func(n string) bool { return n == "" }) && c.authenticated() {
					return c.tr.reply(http.StatusBadRequest, emptyNameBody)
				}
				return c.forward()
			}),
			MustFail:   []string{"USER-EMPTY-UNKNOWN"},
			MessageHas: "before 6.5",
		},
		// The member limit: a plain Error before 6.6, a Meteor.Error from 6.6.
		{
			Name:        "line-max-users-plain",
			Description: "reports 6.14.0 or 8.6.1 but answers the member limit with the plain error of releases before 6.6",
			Versions:    []string{v6, v8},
			Wrap: onErrorType("error-direct-message-max-user-exceeded", func(_ *call, _ *answer, m map[string]any) {
				clear(m)
				m["success"] = false
				m["error"] = maxUsersPlainErr
			}),
			MustFail:   []string{"SEM-MAX-USERS-EXCEEDED", "SEM-MAX-USERS-DUPLICATES"},
			MessageHas: "naming the limit",
		},
		{
			Name:        "line-65-max-users-meteor",
			Description: "reports 6.5.0 or older but answers the member limit with the Meteor.Error of 6.6",
			Versions:    []string{v650, v640},
			Wrap: onError(maxUsersPlainErr, func(_ *call, _ *answer, m map[string]any) {
				clear(m)
				for k, v := range decodeObject([]byte(maxUsersBody(memberLimit))) {
					m[k] = v
				}
			}),
			MustFail:   []string{"SEM-MAX-USERS-PLAIN-ERROR"},
			MessageHas: "before 6.6",
		},
		// A whole line that reports the other one.
		{
			Name:        "line-8-reports-6",
			Description: "an 8.6.1 server that reports 6.14.0 from GET /api/info",
			Versions:    []string{v8},
			Wrap:        reportVersion(v6),
			MustFail:    []string{"AUTH-BODY-RESTIVUS", "USER-UNKNOWN", "SEM-RID-COMPOSED", "PARAMS-MISSING-TEXT"},
			MessageHas:  "6.x",
		},
		{
			Name:        "line-6-reports-8",
			Description: "a 6.14.0 server that reports 8.6.1 from GET /api/info",
			Versions:    []string{v6},
			Wrap:        reportVersion(v8),
			MustFail:    []string{"AUTH-BODY-ROUTER", "PARAMS-BROKEN-JSON", "PARAMS-STRING", "PARAMS-NUMBER"},
			MessageHas:  "8.x",
		},
	}
}

// keepNames forwards the request with only the names keep accepts (the
// caller's own name when none is left): a server that leaves the others out
// of the room.
func keepNames(keep func(c *call, name string) bool) wrapper {
	return onBody(func(c *call, body map[string]any) {
		me := c.caller()
		names := c.names()
		if me == nil || len(names) == 0 {
			return
		}
		kept := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return !keep(c, n) })
		if len(kept) == len(names) {
			return
		}
		if len(kept) == 0 {
			kept = []string{me.Username}
		}
		setNames(body, kept)
	})
}

// reportVersion makes GET /api/info report another release.
func reportVersion(v string) wrapper {
	return onPath("/api/info", func(_ *http.Request, a *answer, _ *traffic) {
		m := a.object()
		if m == nil {
			return
		}
		if info, ok := m["info"].(map[string]any); ok {
			info["version"] = v
			m["version"] = v
		} else {
			m["version"] = v[:strings.LastIndex(v, ".")]
		}
		a.setObject(m)
	})
}

// jsonValid is whether JSON.parse takes the body: one value, nothing after it.
func jsonValid(b []byte) bool { return json.Valid(b) }
