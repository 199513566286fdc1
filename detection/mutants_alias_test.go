package detection

import (
	"net/http"
	"strings"

	"github.com/rcconform/rcconform/conformance"
)

// Mutants where im.create, the alias, differs from dm.create.
func aliasMutants() []mutant {
	return []mutant{
		{
			Name:        "im-create-missing",
			Description: "im.create does not exist (404)",
			Wrap: onDM(func(c *call) *answer {
				if c.im() {
					return c.tr.reply(http.StatusNotFound, `{"success":false,"error":"Resource not found"}`)
				}
				return c.forward()
			}),
			MustFail:   []string{"AUTH-07", "ALIAS-ONE-TO-ONE", "ALIAS-MISSING", "ALIAS-UNAUTHORIZED"},
			MessageHas: "im.create",
		},
		{
			Name:        "im-create-no-_id",
			Description: "im.create's room has no _id",
			Wrap: onRoom(func(c *call, room map[string]any) {
				if c.im() {
					delete(room, "_id")
				}
			}),
			MustFail:   []string{"ALIAS-ONE-TO-ONE", "ALIAS-GROUP"},
			MessageHas: `"room._id"`,
		},
		{
			Name:        "im-create-full-room",
			Description: "im.create answers more of the room document (0.59-style), dm.create the documented four keys",
			Wrap: onRoom(func(c *call, room map[string]any) {
				if c.im() {
					room["usersCount"] = len(members(room))
					room["msgs"] = 0
				}
			}),
			MustFail:   []string{"ALIAS-ONE-TO-ONE", "ALIAS-GROUP"},
			MessageHas: "im.create is the same endpoint",
		},
		{
			Name:        "im-create-unauth-other-line",
			Description: "im.create answers 401 with another router's body while dm.create sends its own",
			Wrap: onAnswer(func(c *call, a *answer) {
				if c.im() && a.Status == http.StatusUnauthorized {
					if c.tr.is(conformance.DimUnauthorized, conformance.Restivus) {
						a.Body = []byte(router401)
					} else {
						a.Body = []byte(restivus401)
					}
				}
			}),
			MustFail:   []string{"ALIAS-UNAUTHORIZED"},
			MessageHas: "im.create is the same endpoint",
		},
		{
			Name:        "im-create-own-invalid-params",
			Description: "im.create validates with a schema of its own whose messages name only the username form",
			Wrap: onErrorType("invalid-params", func(c *call, _ *answer, m map[string]any) {
				if c.im() {
					e := str(m["error"])
					m["error"] = e[strings.Index(e, "\n ")+2:]
				}
			}),
			MustFail:   []string{"ALIAS-MISSING"},
			MessageHas: "im.create is the same endpoint",
		},
		{
			Name:        "im-create-unknown-user-differs",
			Description: "im.create answers an unknown user otherwise than dm.create (where names are looked up: error-user-not-found; where they are matched exactly: Invalid User)",
			Wrap: onDM(func(c *call) *answer {
				a := c.forward()
				if !c.im() {
					return a
				}
				if m := a.object(); m != nil && str(m["errorType"]) == "error-invalid-user" {
					m["errorType"], m["error"] = "error-user-not-found", "User not found [error-user-not-found]"
					a.setObject(m)
					return a
				}
				if _, room := a.room(); room != nil && len(c.names()) == 1 {
					if p := c.tr.name(c.names()[0]); p == nil {
						return c.tr.reply(http.StatusBadRequest, invalidUserBody)
					}
				}
				return a
			}),
			MustFail:   []string{"ALIAS-UNKNOWN-USER"},
			MessageHas: "im.create",
		},
	}
}
