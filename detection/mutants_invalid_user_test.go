package detection

import (
	"strings"

	"github.com/rcconform/rcconform/conformance"
)

// Mutants of the Invalid User answer and of how names are resolved. Only
// servers that look names up answer Invalid User (names=lookup).
func invalidUserMutants() []mutant {
	lookup := []conformance.Cond{conformance.Is(conformance.DimNames, conformance.Lookup)}
	return []mutant{
		{
			Name:        "user-no-details",
			Description: "error-invalid-user answers lack details",
			Needs:       lookup,
			Wrap: onErrorType("error-invalid-user", func(_ *call, _ *answer, m map[string]any) {
				delete(m, "details")
			}),
			MustFail:   []string{"USER-UNKNOWN", "USER-UNKNOWN-IN-LIST", "USER-UNTRIMMED", "USER-EXCLUDESELF-ALONE"},
			MessageHas: "Invalid User",
		},
		{
			Name:        "user-other-errortype",
			Description: "an unknown user is answered with errorType error-user-not-found",
			Needs:       lookup,
			Wrap: onErrorType("error-invalid-user", func(_ *call, _ *answer, m map[string]any) {
				m["errorType"] = "error-user-not-found"
				m["error"] = "User not found [error-user-not-found]"
			}),
			MustFail:   []string{"USER-UNKNOWN", "USER-UNKNOWN-IN-LIST", "USER-BEFORE-PERMISSION", "USER-BEFORE-MAX-USERS"},
			MessageHas: "Invalid User",
		},
		{
			Name:        "user-unknown-404",
			Description: "an unknown user is answered 404 Not Found",
			Needs:       lookup,
			Wrap: onErrorType("error-invalid-user", func(_ *call, a *answer, _ map[string]any) {
				a.Status = 404
			}),
			MustFail:   []string{"USER-UNKNOWN", "USER-UNKNOWN-IN-LIST"},
			MessageHas: "status 404 is not documented",
		},
		{
			Name:        "user-excludeself-alone-accepted",
			Description: "excludeSelf with a single other user is accepted (the flag is dropped and a 1:1 DM made)",
			Wrap: onBody(func(c *call, body map[string]any) {
				if me := c.caller(); me != nil && c.excludeSelf() && len(c.names()) == 1 && c.names()[0] != me.Username {
					delete(body, "excludeSelf")
				}
			}),
			MustFail:   []string{"USER-EXCLUDESELF-ALONE"},
			MessageHas: "excludeSelf",
		},
		{
			Name:        "username-trimmed",
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
			Name:        "user-empty-message-capitalised",
			Description: `an empty name is answered "Invalid username" instead of the plain "invalid username"`,
			Needs:       []conformance.Cond{conformance.Is(conformance.DimEmptyName, conformance.InvalidName)},
			Wrap: onError("invalid username", func(_ *call, _ *answer, m map[string]any) {
				m["error"] = "Invalid username"
			}),
			MustFail:   []string{"USER-EMPTY", "USER-EMPTY-LIST", "USER-EMPTY-ITEM", "USER-BLANK-ITEMS", "PARAMS-COERCE-NULL-EMPTY"},
			MessageHas: "invalid username",
		},
		{
			Name:        "user-empty-item-skipped",
			Description: `an empty item of usernames ("a," or " , ") is skipped instead of refused as an empty name`,
			Needs:       []conformance.Cond{conformance.Is(conformance.DimEmptyName, conformance.UnknownUser, conformance.InvalidName)},
			Wrap: onBody(func(c *call, body map[string]any) {
				if s, ok := body["usernames"].(string); ok {
					var kept []string
					for _, n := range splitNames(s) {
						if n != "" {
							kept = append(kept, n)
						}
					}
					if me := c.caller(); len(kept) == 0 && me != nil {
						kept = []string{me.Username}
					}
					body["usernames"] = strings.Join(kept, ",")
				}
			}),
			MustFail:   []string{"USER-EMPTY-ITEM", "USER-BLANK-ITEMS"},
			MessageHas: "empty",
		},
	}
}
