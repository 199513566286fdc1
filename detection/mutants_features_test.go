package detection

import (
	"net/http"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/internal/oracle"
	"github.com/rcconform/rcconform/openapi"
)

// Servers that lack a feature version of the doc page's change log (3.1.0
// usernames, 3.18.0 excludeSelf): only the checks of the missing feature
// may fail, so that a server of an older feature level is told exactly
// what it lacks. The server whose schema has no usernames runs where a
// strict parser refuses top-level scalars and the schema coerces:
// elsewhere PARAMS-STRING, PARAMS-NUMBER and the PARAMS-COERCE-* checks pin
// validator texts that name the usernames form (3.1.0) though they hold
// since 0.59.0, so it fails them there too. RELEASE-FINGERPRINT's probes
// send excludeSelf and read usernames' text, so it may fail too (see judge).
func featureMutants() []mutant {
	older := []conformance.Cond{
		conformance.Is(conformance.DimBodyParser, conformance.StrictParser),
		conformance.Is(conformance.DimCoercion, conformance.Coerce),
	}
	return []mutant{
		{
			Name:        "feature-no-usernames-unknown-key",
			Description: "a server before 3.1.0 whose schema has only the username form: usernames is refused as an unknown key",
			Needs:       older,
			Wrap: onDM(func(c *call) *answer {
				// A strict parser answers a JSON body that does not parse, or
				// is no object or array, itself.
				v, parsed := jsonValue(c.body)
				parserAnswers := c.tr.is(conformance.DimBodyParser, conformance.StrictParser) && c.json() && len(c.body) > 0 && (!parsed || scalar(v))
				if msg := c.validation(without("usernames"), c.coerce()); msg != "" && !parserAnswers && c.authenticated() {
					return c.tr.invalidParams(msg)
				}
				return c.forward()
			}),
			MustFail:     []string{"OK-GROUP", "USER-UNKNOWN-IN-LIST", "SEM-ORDER-GROUP"},
			MessageHas:   "several users",
			OnlyFeatures: []string{"3.1.0", "3.18.0"},
		},
		{
			Name:        "feature-no-usernames",
			Description: "a server before 3.1.0: a well-formed usernames body is refused like 3.0 (error-room-not-found)",
			Wrap: onDM(func(c *call) *answer {
				if m, _ := c.params().(map[string]any); m != nil {
					if _, ok := m["usernames"]; ok && c.valid() && c.authenticated() {
						return c.tr.reply(http.StatusBadRequest, `{"success":false,"error":"[error-room-not-found]","errorType":"error-room-not-found"}`)
					}
				}
				return c.forward()
			}),
			MustFail:     []string{"OK-GROUP", "USER-UNKNOWN-IN-LIST", "SEM-ORDER-GROUP"},
			MessageHas:   "several users",
			OnlyFeatures: []string{"3.1.0", "3.18.0"},
		},
		{
			Name:        "feature-no-excludeself-unknown-key",
			Description: "a server before 3.18.0 whose schema has no excludeSelf: the key is refused as an unknown property",
			Wrap: onDM(func(c *call) *answer {
				if m, _ := c.params().(map[string]any); m != nil {
					if _, ok := m["excludeSelf"]; ok && c.authenticated() {
						if msg := c.validation(without("excludeSelf"), c.coerce()); msg != "" {
							return c.tr.invalidParams(msg)
						}
					}
				}
				return c.forward()
			}),
			MustFail:     []string{"OK-EXCLUDESELF-ADMIN", "USER-EXCLUDESELF-ALONE", "PARAMS-COERCE-BOOLEAN"},
			MessageHas:   "excludeSelf",
			OnlyFeatures: []string{"3.18.0"},
		},
		{
			Name:        "feature-excludeself-ignored",
			Description: "excludeSelf is ignored: the caller is always a member (as before 3.18.0)",
			Wrap: onBody(func(c *call, body map[string]any) {
				if c.valid() {
					delete(body, "excludeSelf")
				}
			}),
			MustFail:     []string{"OK-EXCLUDESELF-ADMIN", "OK-EXCLUDESELF-USER", "USER-EXCLUDESELF-ALONE", "SEM-MAX-USERS-EXCLUDESELF"},
			MessageHas:   "without the caller",
			OnlyFeatures: []string{"3.18.0"},
		},
	}
}

// without is dm.create's schema without a key, as on a server that predates it.
func without(key string) []openapi.Branch { return oracle.Without(dmBranches(), key) }
