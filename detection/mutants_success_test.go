package detection

import (
	"net/http"
	"slices"
	"strings"
)

// Mutants of the 200 answer and of the successful creations.
func successMutants() []mutant {
	every200 := []string{"OK-ONE-TO-ONE", "OK-GROUP", "OK-SELF", "OK-ID-EQUALS-RID"}
	return []mutant{
		{
			Name:        "ok-content-type-charset",
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
			Name:        "ok-no-_id",
			Description: "the room has no _id",
			Wrap:        onRoom(func(_ *call, room map[string]any) { delete(room, "_id") }),
			MustFail:    every200,
			MessageHas:  `"room._id"`,
		},
		{
			Name:        "ok-_id-not-rid",
			Description: "the room's _id differs from its rid",
			Wrap:        onRoom(func(_ *call, room map[string]any) { room["_id"] = "x" + str(room["rid"]) }),
			MustFail:    []string{"OK-ID-EQUALS-RID"},
			MessageHas:  "_id: room.rid",
		},
		{
			Name:        "ok-no-t",
			Description: `the room has no t`,
			Wrap:        onRoom(func(_ *call, room map[string]any) { delete(room, "t") }),
			MustFail:    every200,
			MessageHas:  `"room.t"`,
		},
		{
			Name:        "ok-t-p",
			Description: `the room's t is "p" instead of "d"`,
			Wrap:        onRoom(func(_ *call, room map[string]any) { room["t"] = "p" }),
			MustFail:    every200,
			MessageHas:  `"room.t"`,
		},
		{
			Name:        "ok-no-success",
			Description: "the 200 answer has no success",
			Wrap: onAnswer(func(_ *call, a *answer) {
				if m, room := a.room(); room != nil {
					delete(m, "success")
					a.setObject(m)
				}
			}),
			MustFail:   every200,
			MessageHas: `"success"`,
		},
		{
			Name:        "ok-success-string",
			Description: `success is the string "true"`,
			Wrap: onAnswer(func(_ *call, a *answer) {
				if m, room := a.room(); room != nil {
					m["success"] = "true"
					a.setObject(m)
				}
			}),
			MustFail:   every200,
			MessageHas: `"success"`,
		},
		{
			Name:        "ok-usernames-comma-string",
			Description: "the room's usernames is a comma-separated string",
			Wrap:        onRoom(func(_ *call, room map[string]any) { room["usernames"] = strings.Join(members(room), ",") }),
			MustFail:    every200,
			MessageHas:  `"room.usernames" must be array`,
		},
		{
			Name:        "ok-caller-missing",
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
			Name:        "ok-excludeself-needs-permission",
			Description: "excludeSelf is refused (error-not-allowed) to a user without view-room-administration, i.e. a non-admin",
			Wrap: onDM(func(c *call) *answer {
				if me := c.caller(); me != nil && c.excludeSelf() && !slices.Contains(me.Roles, "admin") && c.authenticated() {
					return c.tr.reply(http.StatusBadRequest, notAllowedBody)
				}
				return c.forward()
			}),
			MustFail:   []string{"OK-EXCLUDESELF-USER"},
			MessageHas: "the permission only decides",
		},
		{
			Name:        "ok-self-dm-refused",
			Description: "self-DMs are refused (Message_AllowDirectMessagesToYourself=false)",
			Wrap: onDM(func(c *call) *answer {
				if me := c.caller(); me != nil && !c.excludeSelf() && slices.Equal(c.names(), []string{me.Username}) && c.authenticated() {
					return c.tr.reply(http.StatusBadRequest, invalidUserBody)
				}
				return c.forward()
			}),
			MustFail:   []string{"OK-SELF", "OK-SELF-USERNAMES", "SEM-RID-SELF", "SEM-IDEMPOTENT-SELF"},
			MessageHas: "self-DM",
		},
		{
			Name:        "ok-usernames-only-self-refused",
			Description: "usernames naming only the caller is refused (Invalid User); Rocket.Chat opens the self-DM",
			Wrap: onDM(func(c *call) *answer {
				if _, ok := c.object()["usernames"].(string); ok {
					if me := c.caller(); me != nil && slices.Equal(c.names(), []string{me.Username}) && c.authenticated() {
						return c.tr.reply(http.StatusBadRequest, invalidUserBody)
					}
				}
				return c.forward()
			}),
			MustFail:   []string{"OK-SELF-USERNAMES"},
			MessageHas: "self-DM",
		},
		{
			Name:        "ok-usernames-not-trimmed",
			Description: `the names in usernames are looked up untrimmed, so " bob " names nobody`,
			Wrap: onBody(func(_ *call, body map[string]any) {
				if s, ok := body["usernames"].(string); ok {
					parts := strings.Split(s, ",")
					for i, n := range parts {
						if n != strings.TrimSpace(n) && strings.TrimSpace(n) != "" {
							parts[i] = strings.TrimSpace(n) + "#untrimmed" // a name no user can have
						}
					}
					body["usernames"] = strings.Join(parts, ",")
				}
			}),
			MustFail:   []string{"OK-GROUP-TRIMMED"},
			MessageHas: "trimmed",
		},
		{
			Name:        "ok-group-drops-caller",
			Description: "a group DM is made of the named users only, as if excludeSelf were always true for usernames",
			Wrap: onBody(func(_ *call, body map[string]any) {
				if s, ok := body["usernames"].(string); ok && len(splitNames(s)) > 1 {
					body["excludeSelf"] = true
				}
			}),
			MustFail:   []string{"OK-GROUP", "OK-GROUP-TRIMMED"},
			MessageHas: "usernames are exactly its members",
		},
	}
}
