package detection

import (
	"net/http"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference"
)

// Mutants of concurrent creation. Released Rocket.Chat looks a room up and
// then inserts it, so concurrent identical creations may lose to a
// duplicate key (where 1:1 rids are composed) or make several rooms: that passes at compat and
// fails the recommended checks. The broken servers answer a race in ways
// released Rocket.Chat never does.
func concurrencyMutants() []mutant {
	dupKey := `{"success":false,"error":"E11000 duplicate key error collection: rocketchat.rocketchat_room index: _id_ dup key: { _id: \"x\" }"`
	return []mutant{
		{
			Name:        "racy-creation",
			Description: "rooms are found or created like released Rocket.Chat: look-up, then insert, without a lock in between",
			Config:      func(c *reference.Config) { c.RacyCreation = true },
			EveryLine:   true,
			PassesAt:    []conformance.Level{conformance.Compat},
			Level:       conformance.Recommended,
			MustFail:    []string{"SEM-CONCURRENT-ONE-TO-ONE", "SEM-CONCURRENT-GROUP"},
			MessageHas:  "concurrent",
		},
		{
			Name:        "concurrent-loser-500",
			Description: "a 1:1 creation that races an identical one is answered 500",
			Wrap: raced(func(c *call, a *answer) *answer {
				if _, room := a.room(); room != nil && len(members(room)) == 2 {
					return c.tr.reply(http.StatusInternalServerError, `{"success":false,"error":"Internal server error"}`)
				}
				return a
			}),
			MustFail:   []string{"SEM-CONCURRENT-RELEASED"},
			MessageHas: "status 500 is not documented",
		},
		{
			Name:        "concurrent-dup-key-errortype",
			Description: "a 1:1 creation that races an identical one gets the duplicate-key error with an errorType, as if it were a Meteor.Error",
			Wrap: raced(func(c *call, a *answer) *answer {
				if _, room := a.room(); room != nil && len(members(room)) == 2 {
					return c.tr.reply(http.StatusBadRequest, dupKey+`,"errorType":"error-duplicate-key"}`)
				}
				return a
			}),
			MustFail:   []string{"SEM-CONCURRENT-RELEASED"},
			MessageHas: "no errorType",
		},
		{
			Name:        "concurrent-group-dup-key-errortype",
			Description: "a group creation that races an identical one loses to a subscription's duplicate key, answered with an errorType as if it were a Meteor.Error",
			Wrap: raced(func(c *call, a *answer) *answer {
				if _, room := a.room(); room != nil && len(members(room)) > 2 {
					return c.tr.reply(http.StatusBadRequest, dupKey+`,"errorType":"error-duplicate-key"}`)
				}
				return a
			}),
			MustFail:   []string{"SEM-CONCURRENT-GROUP-RELEASED"},
			MessageHas: "no errorType",
		},
		{
			Name:        "concurrent-loser-empty-room",
			Description: "a 1:1 creation that races an identical one is answered a room without members",
			Wrap: raced(func(c *call, a *answer) *answer {
				if m, room := a.room(); room != nil && len(members(room)) == 2 {
					setMembers(room, nil)
					a.setObject(m)
				}
				return a
			}),
			MustFail:   []string{"SEM-CONCURRENT-RELEASED"},
			MessageHas: "exactly the named users",
		},
	}
}

// raced lets fn rewrite the answer of every dm.create that overlapped an
// identical one started before it.
func raced(fn func(c *call, a *answer) *answer) wrapper {
	return func(next http.Handler, tr *traffic) http.Handler {
		o := newOverlap()
		return onDM(func(c *call) *answer {
			a, late := o.run(c, c.forward)
			if late {
				return fn(c, a)
			}
			return a
		})(next, tr)
	}
}
