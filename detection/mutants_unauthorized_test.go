package detection

import (
	"net/http"

	"github.com/rcconform/rcconform/conformance"
)

// Mutants of the 401 answer and of authentication.
func unauthorizedMutants() []mutant {
	every401 := []string{"AUTH-01", "AUTH-02", "AUTH-03", "AUTH-04", "AUTH-05", "AUTH-06", "AUTH-07", "AUTH-BODY-EXACT", "AUTH-BODY-EXACT-TOKEN"}
	// The bodies that carry "status": those of the routers before the
	// breaking changes.
	withStatus := []conformance.Cond{conformance.Is(conformance.DimUnauthorized, conformance.Restivus, conformance.Router)}
	return []mutant{
		{
			Name:        "401-wrong-message",
			Description: `the 401 body says "Unauthorized" instead of "You must be logged in to do this."`,
			Wrap: onAnswer(func(_ *call, a *answer) {
				if m := a.object(); a.Status == http.StatusUnauthorized && m != nil {
					for _, k := range []string{"message", "error"} {
						if _, ok := m[k]; ok {
							m[k] = "Unauthorized"
						}
					}
					a.setObject(m)
				}
			}),
			MustFail:   every401,
			MessageHas: "You must be logged in to do this.",
		},
		{
			Name:        "401-no-status",
			Description: `the 401 body lacks "status":"error"`,
			Needs:       withStatus,
			Wrap: onAnswer(func(_ *call, a *answer) {
				if m := a.object(); a.Status == http.StatusUnauthorized && m != nil {
					delete(m, "status")
					a.setObject(m)
				}
			}),
			MustFail:   every401,
			MessageHas: `"status"`,
		},
		{
			Name:        "401-status-failure",
			Description: `the 401 body says "status":"failure" instead of "error"`,
			Needs:       withStatus,
			Wrap: onAnswer(func(_ *call, a *answer) {
				if m := a.object(); a.Status == http.StatusUnauthorized && m != nil {
					m["status"] = "failure"
					a.setObject(m)
				}
			}),
			MustFail:   every401,
			MessageHas: `"status"`,
		},
		{
			Name:        "403-instead-of-401",
			Description: "missing or wrong credentials are answered 403 instead of 401",
			Wrap: onAnswer(func(_ *call, a *answer) {
				if a.Status == http.StatusUnauthorized {
					a.Status = http.StatusForbidden
				}
			}),
			MustFail:   every401,
			MessageHas: "status 403 is not documented",
		},
		{
			Name:        "token-not-checked",
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
			Name:        "user-id-ignored",
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
			Name:        "token-alone-suffices",
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
			Name:        "body-before-auth",
			Description: "the body is validated before the credentials: no credentials and a bad body give 400 invalid-params",
			Wrap: onDM(func(c *call) *answer {
				if decodeJSON(c.body) != nil || len(c.body) == 0 {
					if msg := c.validation(dmBranches(), true); msg != "" {
						return c.tr.invalidParams(msg)
					}
				}
				return c.forward()
			}),
			MustFail:   []string{"AUTH-06"},
			MessageHas: "before body validation",
		},
		{
			Name:        "401-html-page",
			Description: "the 401 is an HTML error page (an auth middleware's default) instead of the JSON body",
			Wrap: onAnswer(func(_ *call, a *answer) {
				if a.Status == http.StatusUnauthorized {
					a.Header.Set("Content-Type", "text/html; charset=utf-8")
					a.Body = []byte("<html><body><h1>401 Unauthorized</h1></body></html>")
				}
			}),
			MustFail:   every401,
			MessageHas: "is not application/json",
		},
	}
}
