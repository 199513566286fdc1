package detection

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/rcconform/rcconform/conformance"
)

// Mutants of body validation and of the invalid-params answer.
func invalidParamsMutants() []mutant {
	return []mutant{
		{
			Name:        "params-errortype-error-invalid-params",
			Description: "schema failures carry errorType error-invalid-params (typed routes before 7.10)",
			Wrap: onErrorType("invalid-params", func(_ *call, _ *answer, m map[string]any) {
				m["errorType"] = "error-invalid-params"
				if e := str(m["error"]); strings.HasSuffix(e, " [invalid-params]") {
					m["error"] = strings.TrimSuffix(e, " [invalid-params]") + " [error-invalid-params]"
				}
			}),
			MustFail:   []string{"PARAMS-MISSING", "PARAMS-NO-BODY", "PARAMS-UNKNOWN-ONLY", "PARAMS-EMPTY-TEXT"},
			MessageHas: "invalid-params",
		},
		{
			Name:        "params-openapi-branch-order",
			Description: "the validation message lists the username form first (the official OpenAPI's branch order)",
			Wrap: onErrorType("invalid-params", func(_ *call, _ *answer, m map[string]any) {
				e := str(m["error"])
				suffix := ""
				if strings.HasSuffix(e, " [invalid-params]") {
					e, suffix = strings.TrimSuffix(e, " [invalid-params]"), " [invalid-params]"
				}
				lines := strings.Split(e, "\n ")
				if len(lines) == 3 {
					lines[0], lines[1] = lines[1], lines[0]
				}
				m["error"] = strings.Join(lines, "\n ") + suffix
			}),
			MustFail:   []string{"PARAMS-MISSING-TEXT", "PARAMS-NO-BODY-TEXT", "PARAMS-EMPTY-TEXT", "PARAMS-USERNAME-ARRAY-TEXT"},
			MessageHas: "usernames form",
		},
		{
			Name:        "params-all-errors",
			Description: "the validator reports every error of each form (ajv's allErrors), not the first one",
			Wrap: onDM(func(c *call) *answer {
				body, ok := c.params().(map[string]any)
				if !ok || c.validation(dmBranches(), true) == "" || !c.authenticated() {
					return c.forward()
				}
				var msgs []string
				for _, b := range dmBranches() {
					if _, ok := body[b.Required]; !ok {
						msgs = append(msgs, "must have required property '"+b.Required+"'")
					}
					for k := range body {
						known := false
						for _, p := range b.Props {
							known = known || p.Name == k
						}
						if !known {
							msgs = append(msgs, "must NOT have additional properties")
						}
					}
				}
				if len(msgs) <= 2 {
					return c.forward()
				}
				return c.tr.invalidParams(strings.Join(append(msgs, "must match exactly one schema in oneOf"), "\n "))
			}),
			MustFail:   []string{"PARAMS-UNKNOWN-ONLY-TEXT", "PARAMS-ONLY-EXCLUDESELF-TEXT", "PARAMS-CASE-USERNAME-TEXT"},
			MessageHas: "first error of each body form",
		},
		{
			Name:        "params-additional-allowed",
			Description: "additionalProperties is not enforced: unknown keys are ignored",
			Wrap: onBody(func(_ *call, body map[string]any) {
				for k := range body {
					if k != "username" && k != "usernames" && k != "excludeSelf" {
						delete(body, k)
					}
				}
			}),
			MustFail:   []string{"PARAMS-UNKNOWN-USERNAME", "PARAMS-UNKNOWN-USERNAMES", "PARAMS-UNKNOWN-ONLY"},
			MessageHas: "unknown key",
		},
		{
			Name:        "params-both-accepted",
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
			Name:        "params-broken-json-own-400",
			Description: `broken JSON is answered before authentication with a JSON 400 {"success":false,"error":"Unexpected end of JSON input"}`,
			Wrap: onDM(func(c *call) *answer {
				if len(c.body) > 0 && decodeJSON(c.body) == nil && c.json() {
					return c.tr.reply(http.StatusBadRequest, `{"success":false,"error":"Unexpected end of JSON input"}`)
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-BROKEN-JSON", "PARAMS-BROKEN-JSON-PARSER"},
			MessageHas: "broken JSON",
		},
		{
			Name:        "params-no-body-500",
			Description: "a request without a body is answered 500",
			Wrap: onDM(func(c *call) *answer {
				if len(c.body) == 0 {
					return c.tr.reply(http.StatusInternalServerError, `{"success":false,"error":"Internal server error"}`)
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-NO-BODY"},
			MessageHas: "status 500 is not documented",
		},
		{
			Name:        "params-no-body-other-400",
			Description: "a request without a body gets a 400 of its own instead of the Missing parameter error",
			Wrap: onDM(func(c *call) *answer {
				if len(c.body) == 0 {
					return c.tr.reply(http.StatusBadRequest, `{"success":false,"error":"The request has no body [error-invalid-body]","errorType":"error-invalid-body"}`)
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-NO-BODY"},
			MessageHas: "without a body",
		},
		{
			Name:        "params-array-usernames-accepted",
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
			Name:        "params-array-body-accepted",
			Description: `a JSON array body is read as the list of names (["a"] as {"usernames":"a"})`,
			Wrap: onDM(func(c *call) *answer {
				if arr, ok := decodeJSON(c.body).([]any); ok && len(arr) > 0 && c.json() {
					var names []string
					for _, v := range arr {
						names = append(names, fmt.Sprint(v))
					}
					c.body = encode(map[string]any{"usernames": strings.Join(names, ",")})
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-ARRAY-NAMES"},
			MessageHas: "a JSON array of names",
		},
		{
			Name:        "params-object-username-accepted",
			Description: `a username given as an object or an array is read as its first string ({"username":{"name":"a"}} or ["a"] as "a")`,
			Wrap: onBody(func(_ *call, body map[string]any) {
				for _, k := range []string{"username", "usernames"} {
					switch v := body[k].(type) {
					case map[string]any:
						body[k] = "rcc-object"
						for _, x := range v {
							body[k] = fmt.Sprint(x)
						}
					case []any:
						if len(v) > 0 && k == "username" {
							body[k] = fmt.Sprint(v[0])
						}
					}
				}
			}),
			MustFail:   []string{"PARAMS-USERNAME-OBJECT", "PARAMS-USERNAMES-OBJECT", "PARAMS-USERNAME-ARRAY"},
			MessageHas: "as an object",
		},
		{
			Name:        "params-excludeself-yes-accepted",
			Description: `excludeSelf "yes" is coerced to true instead of being refused`,
			Wrap: onBody(func(_ *call, body map[string]any) {
				if body["excludeSelf"] == "yes" {
					body["excludeSelf"] = true
				}
			}),
			MustFail:   []string{"PARAMS-USERNAME-EXCLUDESELF-YES", "PARAMS-USERNAMES-EXCLUDESELF-YES"},
			MessageHas: `excludeSelf as the string "yes"`,
		},
		{
			Name:        "params-excludeself-array-truthy",
			Description: `excludeSelf given as an array is read as a truthy value instead of being refused`,
			Wrap: onBody(func(_ *call, body map[string]any) {
				if _, ok := body["excludeSelf"].([]any); ok {
					body["excludeSelf"] = true
				}
			}),
			MustFail:   []string{"PARAMS-USERNAME-EXCLUDESELF-ARRAY", "PARAMS-USERNAMES-EXCLUDESELF-ARRAY"},
			MessageHas: "excludeSelf as an array",
		},
		{
			Name:        "params-only-excludeself-accepted",
			Description: "a body of only excludeSelf is read as a DM with nobody (the caller's self-DM) instead of being refused",
			Wrap: onBody(func(c *call, body map[string]any) {
				_, u := body["username"]
				_, us := body["usernames"]
				if me := c.caller(); me != nil && !u && !us && len(body) == 1 && body["excludeSelf"] != nil {
					body["username"] = me.Username
					delete(body, "excludeSelf")
				}
			}),
			MustFail:   []string{"PARAMS-ONLY-EXCLUDESELF", "PARAMS-ONLY-EXCLUDESELF-TEXT"},
			MessageHas: "only the optional key excludeSelf",
		},
		{
			Name:        "params-null-not-coerced",
			Description: "a null username is refused as invalid-params instead of being coerced to an empty name",
			Needs:       []conformance.Cond{conformance.Is(conformance.DimCoercion, conformance.Coerce)},
			Wrap: onDM(func(c *call) *answer {
				if m, _ := c.params().(map[string]any); m != nil && c.json() {
					if v, ok := m["username"]; ok && v == nil && c.authenticated() {
						return c.tr.invalidParams(c.validation(dmBranches(), false))
					}
				}
				return c.forward()
			}),
			MustFail:   []string{"PARAMS-COERCE-NULL", "PARAMS-COERCE-NULL-EMPTY"},
			MessageHas: "coerces null",
		},
		{
			Name:        "params-422",
			Description: "schema failures are answered 422 instead of 400",
			Wrap: onAnswer(func(_ *call, a *answer) {
				if a.errorType() == "invalid-params" {
					a.Status = http.StatusUnprocessableEntity
				}
			}),
			MustFail:   []string{"PARAMS-MISSING", "PARAMS-NO-BODY", "PARAMS-UNKNOWN-ONLY"},
			MessageHas: "status 422 is not documented",
		},
		{
			Name:        "params-error-content-type-charset",
			Description: "error answers carry Content-Type application/json; charset=utf-8",
			Wrap: onAnswer(func(_ *call, a *answer) {
				if a.Status != http.StatusOK && strings.HasPrefix(a.Header.Get("Content-Type"), "application/json") {
					a.Header.Set("Content-Type", "application/json; charset=utf-8")
				}
			}),
			MustFail:   []string{"PARAMS-CONTENT-TYPE", "AUTH-BODY-EXACT", "AUTH-BODY-EXACT-TOKEN"},
			MessageHas: "Content-Type is exactly application/json",
		},
		{
			Name:        "params-message-wrong-join",
			Description: `the validation messages are joined with "; " instead of "\n "`,
			Wrap: onErrorType("invalid-params", func(_ *call, _ *answer, m map[string]any) {
				m["error"] = strings.ReplaceAll(str(m["error"]), "\n ", "; ")
			}),
			MustFail:   []string{"PARAMS-EMPTY-TEXT", "PARAMS-MISSING-TEXT"},
			MessageHas: `(field "error")`,
		},
	}
}
