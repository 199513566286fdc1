package detection

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rcconform/rcconform/conformance"
)

// Mutants of how one variant is worded, or of one part of it mixed with
// another variant's: each runs wherever its variant is allowed (Needs), on
// the reference showing it, and must be caught there, the fingerprint
// showing the variant the line allows.
func variantMutants() []mutant {
	is := conformance.Is
	return []mutant{
		// unauthorized
		{
			Name:        "restivus-401-with-success",
			Description: `the Restivus 401 body also has "success":false`,
			Needs:       []conformance.Cond{is(conformance.DimUnauthorized, conformance.Restivus)},
			Wrap:        on401(func(m map[string]any) { m["success"] = false }),
			MustFail:    []string{"AUTH-BODY-EXACT", "AUTH-BODY-EXACT-TOKEN"},
			MessageHas:  "exactly",
		},
		{
			Name:        "router-401-without-error",
			Description: `the router's 401 body lacks "error"`,
			Needs:       []conformance.Cond{is(conformance.DimUnauthorized, conformance.Router)},
			Wrap:        on401(func(m map[string]any) { delete(m, "error") }),
			MustFail:    []string{"AUTH-BODY-EXACT", "AUTH-BODY-EXACT-TOKEN"},
			MessageHas:  "exactly",
		},
		{
			Name:        "breaking-401-with-status",
			Description: `the 401 body with the breaking changes applied keeps "status":"error"`,
			Needs:       []conformance.Cond{is(conformance.DimUnauthorized, conformance.Breaking)},
			Wrap:        on401(func(m map[string]any) { m["status"] = "error" }),
			MustFail:    []string{"AUTH-BODY-EXACT", "AUTH-BODY-EXACT-TOKEN"},
			MessageHas:  "exactly",
		},
		// body-parser
		{
			Name:        "strict-parser-json-error",
			Description: "broken JSON and top-level scalars are refused before authentication, but with a JSON 400 rather than the parser's HTML page",
			Needs:       []conformance.Cond{is(conformance.DimBodyParser, conformance.StrictParser)},
			Wrap: onDM(func(c *call) *answer {
				if jsonMedia(c.r.Header.Get("Content-Type")) && len(c.body) > 0 {
					if v, ok := jsonValue(c.body); !ok || scalar(v) {
						return c.tr.reply(http.StatusBadRequest, `{"success":false,"error":"invalid json"}`)
					}
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-BROKEN-JSON-PARSER", "PARAMS-STRING-PARSER", "PARAMS-NUMBER-PARSER", "PARAMS-TRAILING-DATA-PARSER"},
			MessageHas: "not Rocket.Chat's JSON envelope",
		},
		{
			Name:        "strict-parser-scalars-after-auth",
			Description: "broken JSON is refused by the strict parser, but a top-level string or number is read after authentication and refused as invalid-params",
			Needs:       []conformance.Cond{is(conformance.DimBodyParser, conformance.StrictParser)},
			Wrap: onDM(func(c *call) *answer {
				if v, ok := jsonValue(c.body); ok && scalar(v) && jsonMedia(c.r.Header.Get("Content-Type")) {
					if !c.authenticated() {
						return c.tr.unauthorized()
					}
					return c.tr.invalidParams(c.validation(dmBranches(), c.coerce()))
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-STRING-PARSER", "PARAMS-NUMBER-PARSER", "PARAMS-STRING", "PARAMS-NUMBER"},
			MessageHas: "before authentication",
		},
		{
			Name:        "lenient-scalars-html",
			Description: "broken JSON is read as {} after authentication, but a top-level string or number gets the strict parser's HTML 400 before it",
			Needs:       []conformance.Cond{is(conformance.DimBodyParser, conformance.LenientParser)},
			Wrap: onDM(func(c *call) *answer {
				if v, ok := jsonValue(c.body); ok && c.json() {
					switch v.(type) {
					case string, json.Number:
						return htmlBadRequest()
					}
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-STRING-PARSER", "PARAMS-NUMBER-PARSER", "PARAMS-STRING", "PARAMS-NUMBER"},
			MessageHas: "after authentication",
		},
		{
			Name:        "lenient-broken-json-own-error",
			Description: `broken JSON is read after authentication, but refused with an invalid-params error of its own ("Unexpected end of JSON input") instead of the answer to {}`,
			Needs:       []conformance.Cond{is(conformance.DimBodyParser, conformance.LenientParser)},
			Wrap: onDM(func(c *call) *answer {
				if _, ok := jsonValue(c.body); !ok && len(c.body) > 0 && c.json() && c.authenticated() {
					return c.tr.invalidParams("Unexpected end of JSON input")
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-BROKEN-JSON", "PARAMS-TRAILING-DATA"},
			MessageHas: "{}",
		},
		{
			Name:        "lenient-scalars-before-auth",
			Description: "a top-level string or number is validated before authentication: without credentials it gets invalid-params, not 401",
			Needs:       []conformance.Cond{is(conformance.DimBodyParser, conformance.LenientParser)},
			Wrap: onDM(func(c *call) *answer {
				if v, ok := jsonValue(c.body); ok && scalar(v) && c.json() && !c.authenticated() {
					return c.tr.invalidParams(c.validation(dmBranches(), c.coerce()))
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-STRING-PARSER", "PARAMS-NUMBER-PARSER"},
			MessageHas: "after authentication",
		},
		// body-shape
		{
			Name:        "spread-arrays-too",
			Description: "a router that spreads the body spreads an array too, into an object of its indexes",
			Needs:       []conformance.Cond{is(conformance.DimBodyShape, conformance.Spread), is(conformance.DimBodyParser, conformance.LenientParser)},
			Wrap: onDM(func(c *call) *answer {
				if v, ok := jsonValue(c.body); ok && c.json() {
					if arr, isArr := v.([]any); isArr {
						obj := map[string]any{}
						for i, x := range arr {
							obj[strconv.Itoa(i)] = x
						}
						return c.forwardWith("application/json", encode(obj))
					}
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-ARRAY-EMPTY-TEXT", "PARAMS-ARRAY-NAMES-TEXT"},
			MessageHas: "a JSON array",
		},
		{
			Name:        "as-parsed-scalars-own-text",
			Description: `a top-level scalar, validated as parsed, is refused with a message of its own ("body must be object")`,
			Needs:       []conformance.Cond{is(conformance.DimBodyShape, conformance.AsParsed), is(conformance.DimBodyParser, conformance.LenientParser)},
			Wrap: onDM(func(c *call) *answer {
				if v, ok := jsonValue(c.body); ok && scalar(v) && c.json() && c.authenticated() {
					return c.tr.invalidParams("body must be object")
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-STRING", "PARAMS-NUMBER"},
			MessageHas: "must be object",
		},
		// form-body
		{
			Name:        "forms-unparsed-415",
			Description: "a form body, which the router does not parse, is refused with 415 Unsupported Media Type instead of being read as text",
			Needs:       []conformance.Cond{is(conformance.DimFormBody, conformance.FormUnparsed)},
			Wrap: onDM(func(c *call) *answer {
				if c.isForm() {
					return c.tr.reply(http.StatusUnsupportedMediaType, `{"success":false,"error":"Unsupported Media Type"}`)
				}
				return c.forward()
			}),
			MustFail:   []string{"OK-FORM-ENCODED", "PARAMS-COERCE-FORM-EXCLUDESELF"},
			MessageHas: "status 415 is not documented",
		},
		// route
		{
			Name:        "legacy-suffix-without-space",
			Description: `the legacy route appends "[invalid-params]" without the space before it`,
			Needs:       []conformance.Cond{is(conformance.DimRoute, conformance.Legacy)},
			Wrap: onErrorType("invalid-params", func(_ *call, _ *answer, m map[string]any) {
				m["error"] = strings.TrimSuffix(str(m["error"]), legacySuffix) + strings.TrimSpace(legacySuffix)
			}),
			MustFail:   []string{"PARAMS-MISSING-TEXT", "PARAMS-NO-BODY-TEXT", "PARAMS-EMPTY-TEXT"},
			MessageHas: "[invalid-params]",
		},
		{
			Name:        "typed-route-no-success",
			Description: `the typed route's invalid-params answer lacks "success":false`,
			Needs:       []conformance.Cond{is(conformance.DimRoute, conformance.Typed)},
			Wrap: onErrorType("invalid-params", func(_ *call, _ *answer, m map[string]any) {
				delete(m, "success")
			}),
			MustFail:   []string{"PARAMS-MISSING", "PARAMS-NO-BODY", "PARAMS-UNKNOWN-ONLY"},
			MessageHas: "invalid-params",
		},
		// names: parts of the other variant's behaviour on a server that
		// otherwise resolves names its own way.
		{
			Name:        "lookup-unknown-dropped",
			Description: "names are looked up ignoring case, but a name that finds nobody is left out of the room, as names matched exactly are",
			Needs:       []conformance.Cond{is(conformance.DimNames, conformance.Lookup)},
			Wrap: keepNames(func(c *call, n string) bool {
				return n == "" || c.tr.name(n) != nil || strings.Contains(n, "@")
			}),
			MustFail: []string{"USER-UNKNOWN-IN-LIST", "USER-UNTRIMMED", "USER-BEFORE-PERMISSION", "USER-BEFORE-MAX-USERS", "SEM-CASE-INSENSITIVE", "RELEASE-FINGERPRINT"},
			// Where names may be matched exactly the fingerprint shows
			// that, and only the case gives the server away.
			MessageHas: "Invalid User||in another case",
		},
		{
			Name:        "lookup-permission-first",
			Description: "names are looked up, but create-d is checked before them, as where names are matched exactly: a guest naming nobody gets error-not-allowed",
			Needs:       []conformance.Cond{is(conformance.DimNames, conformance.Lookup)},
			Wrap: onDM(func(c *call) *answer {
				if me := c.caller(); me != nil && me.guest() && c.valid() && c.authenticated() {
					return c.tr.reply(http.StatusBadRequest, notAllowedBody)
				}
				return c.forward()
			}),
			MustFail:   []string{"USER-BEFORE-PERMISSION"},
			MessageHas: "before create-d is checked",
		},
		{
			Name:        "lookup-max-users-first",
			Description: "names are looked up, but the members are counted before: too many names with an unknown one get the max-users error",
			Needs:       []conformance.Cond{is(conformance.DimNames, conformance.Lookup)},
			Wrap: onDM(func(c *call) *answer {
				if _, ok := c.object()["usernames"]; ok && !c.excludeSelf() && len(c.names())+1 > memberLimit && c.valid() && c.authenticated() {
					return c.tr.maxUsers(memberLimit)
				}
				return c.forward()
			}),
			MustFail:   []string{"USER-BEFORE-MAX-USERS"},
			MessageHas: "before the members are counted",
		},
		{
			Name:        "lookup-excludeself-alone-room",
			Description: "names are looked up, but excludeSelf with a single other user opens that user's own room, as where names are matched exactly",
			Needs:       []conformance.Cond{is(conformance.DimNames, conformance.Lookup)},
			Wrap: onDM(func(c *call) *answer {
				me, names := c.caller(), c.names()
				if me == nil || !c.excludeSelf() || len(names) != 1 || names[0] == me.Username || c.tr.name(names[0]) == nil {
					return c.forward()
				}
				if a := c.forward(); a.errorType() != "error-invalid-user" {
					return a
				}
				return c.asUser(c.tr.name(names[0]))
			}),
			MustFail:   []string{"USER-EXCLUDESELF-ALONE"},
			MessageHas: "at least two other members",
		},
		{
			Name:        "exact-unknown-refused",
			Description: "names are matched exactly, but one that matches nobody (not empty) is refused with Invalid User instead of being left out",
			Needs:       []conformance.Cond{is(conformance.DimNames, conformance.Exact)},
			Wrap: onDM(func(c *call) *answer {
				me := c.caller()
				if me == nil || !c.valid() {
					return c.forward()
				}
				for _, n := range c.names() {
					if p := c.tr.name(n); n != "" && n != me.Username && (p == nil || p.Username != n) && c.authenticated() {
						return c.tr.reply(http.StatusBadRequest, invalidUserBody)
					}
				}
				return c.forward()
			}),
			MustFail:   []string{"USER-UNKNOWN-IN-LIST", "USER-UNTRIMMED", "USER-BY-ID", "USERNAMES-SPACE-SEPARATED", "SEM-CASE-INSENSITIVE"},
			MessageHas: "in another case",
		},
		{
			Name:        "exact-case-insensitive",
			Description: "names are matched together, but ignoring case: a name in another case finds its user",
			Needs:       []conformance.Cond{is(conformance.DimNames, conformance.Exact)},
			Wrap: onBody(func(c *call, body map[string]any) {
				names, changed := c.names(), false
				for i, n := range names {
					if p := c.tr.name(n); p != nil && p.Username != n {
						names[i], changed = p.Username, true
					}
				}
				if changed {
					setNames(body, names)
				}
			}),
			MustFail:   []string{"SEM-CASE-INSENSITIVE", "SEM-CASE-INSENSITIVE-LIST"},
			MessageHas: "exactly",
		},
		{
			Name:        "exact-permission-after-names",
			Description: "names are matched exactly, but a guest naming nobody gets Invalid User before create-d is checked",
			Needs:       []conformance.Cond{is(conformance.DimNames, conformance.Exact)},
			Wrap: onDM(func(c *call) *answer {
				if me := c.caller(); me != nil && me.guest() && c.valid() && slices.ContainsFunc(c.names(), func(n string) bool { return c.tr.name(n) == nil && n != "" }) && c.authenticated() {
					return c.tr.reply(http.StatusBadRequest, invalidUserBody)
				}
				return c.forward()
			}),
			MustFail:   []string{"USER-BEFORE-PERMISSION"},
			MessageHas: "error-not-allowed",
		},
		{
			Name:        "exact-max-users-after-names",
			Description: "names are matched exactly, but too many names with an unknown one get Invalid User before the members are counted",
			Needs:       []conformance.Cond{is(conformance.DimNames, conformance.Exact)},
			Wrap: onDM(func(c *call) *answer {
				names := c.names()
				if len(names)+1 > memberLimit && c.valid() && slices.ContainsFunc(names, func(n string) bool { return c.tr.name(n) == nil && n != "" }) && c.authenticated() {
					return c.tr.reply(http.StatusBadRequest, invalidUserBody)
				}
				return c.forward()
			}),
			MustFail:   []string{"USER-BEFORE-MAX-USERS"},
			MessageHas: "max-users error",
		},
		{
			Name:        "exact-excludeself-alone-refused",
			Description: "names are matched exactly, but excludeSelf with a single other user is refused with Invalid User",
			Needs:       []conformance.Cond{is(conformance.DimNames, conformance.Exact)},
			Wrap: onDM(func(c *call) *answer {
				if me, names := c.caller(), c.names(); me != nil && c.excludeSelf() && len(names) == 1 && names[0] != me.Username && c.valid() && c.authenticated() {
					return c.tr.reply(http.StatusBadRequest, invalidUserBody)
				}
				return c.forward()
			}),
			MustFail:   []string{"USER-EXCLUDESELF-ALONE"},
			MessageHas: "room of the peer alone",
		},
		// coercion
		{
			Name:        "no-coercion-but-null",
			Description: "a body schema that does not coerce still coerces null to an empty string",
			Needs:       []conformance.Cond{is(conformance.DimCoercion, conformance.NoCoercion)},
			Wrap: onBody(func(c *call, body map[string]any) {
				if v, ok := body["username"]; ok && v == nil {
					body["username"] = ""
				}
			}),
			MustFail:   []string{"PARAMS-COERCE-NULL", "PARAMS-COERCE-NULL-EMPTY"},
			MessageHas: "does not coerce",
		},
		// empty-name
		{
			Name:        "dropped-empty-refused-when-alone",
			Description: "empty names are left out, but a body whose only names are empty is refused with Invalid User",
			Needs:       []conformance.Cond{is(conformance.DimEmptyName, conformance.DroppedName)},
			Wrap: onDM(func(c *call) *answer {
				names := c.names()
				if len(names) > 0 && !slices.ContainsFunc(names, func(n string) bool { return n != "" }) && c.valid() && c.authenticated() {
					return c.tr.reply(http.StatusBadRequest, invalidUserBody)
				}
				return c.forward()
			}),
			MustFail:   []string{"USER-EMPTY", "USER-EMPTY-LIST", "USER-BLANK-ITEMS", "PARAMS-COERCE-NULL-EMPTY"},
			MessageHas: "empty name",
		},
		// max-users-error
		{
			Name:        "max-users-text-wrong-number",
			Description: "the member-limit error names one more than the limit it enforces",
			Needs:       []conformance.Cond{is(conformance.DimMaxUsers, conformance.MeteorError)},
			Wrap: onErrorType("error-direct-message-max-user-exceeded", func(_ *call, _ *answer, m map[string]any) {
				m["error"] = strings.Replace(str(m["error"]), strconv.Itoa(memberLimit), strconv.Itoa(memberLimit+1), 1)
			}),
			MustFail:   []string{"SEM-MAX-USERS-EXCEEDED", "SEM-MAX-USERS-DUPLICATES", "SEM-MAX-USERS-EXCLUDESELF-OVER"},
			MessageHas: "naming the limit",
		},
		{
			Name:        "max-users-plain-with-errortype",
			Description: "the plain member-limit error of releases before 6.6 carries an errorType",
			Needs:       []conformance.Cond{is(conformance.DimMaxUsers, conformance.PlainError)},
			Wrap: onError(maxUsersPlainErr, func(_ *call, _ *answer, m map[string]any) {
				m["errorType"] = maxUsersPlainErr
			}),
			MustFail:   []string{"SEM-MAX-USERS-EXCEEDED", "SEM-MAX-USERS-DUPLICATES", "SEM-MAX-USERS-EXCLUDESELF-OVER"},
			MessageHas: "no errorType",
		},
	}
}

// on401 lets fn rewrite every JSON 401 body.
func on401(fn func(m map[string]any)) wrapper {
	return onAnswer(func(_ *call, a *answer) {
		if m := a.object(); a.Status == http.StatusUnauthorized && m != nil {
			fn(m)
			a.setObject(m)
		}
	})
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
