package detection

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/reference"
)

// Mutants of what clients rely on: which room a creation finds, its rid,
// the order of its members, the member limit and the permission. Whether a
// check sees them depends on the rooms that exist already, so they run
// under every seed.
func semanticsMutants() []mutant {
	return []mutant{
		{
			Name:        "sem-rid-reversed",
			Description: "a 1:1 rid joins the two user ids in reverse order",
			Needs:       []conformance.Cond{conformance.Is(conformance.DimRID, conformance.Composed)},
			NotWhere:    []conformance.Cond{conformance.Is(conformance.DimRID, conformance.Generated)},
			Wrap: onRoom(func(c *call, room map[string]any) {
				if ids, ok := userIDs(c.tr, members(room)); ok && len(ids) == 2 && str(room["rid"]) == ids[0]+ids[1] {
					setRid(room, ids[1]+ids[0])
				}
			}),
			MustFail:   []string{"SEM-RID-COMPOSED"},
			MessageHas: "sorted",
		},
		{
			Name:        "sem-self-rid-composed",
			Description: "a self-DM's rid is the user id twice",
			Wrap: onRoom(func(c *call, room map[string]any) {
				if ids, ok := userIDs(c.tr, members(room)); ok && len(ids) == 1 {
					setRid(room, ids[0]+ids[0])
				}
			}),
			MustFail:   []string{"SEM-RID-SELF"},
			MessageHas: "generated",
		},
		{
			Name:        "sem-group-rid-composed",
			Description: "a group DM's rid is its members' ids sorted and joined; Rocket.Chat generates one",
			Wrap: onRoom(func(c *call, room map[string]any) {
				if ids, ok := userIDs(c.tr, members(room)); ok && len(ids) > 2 {
					setRid(room, strings.Join(ids, ""))
				}
			}),
			MustFail:   []string{"SEM-RID-GROUP"},
			MessageHas: "generated",
		},
		{
			Name:        "sem-group-not-idempotent",
			Description: "every creation of a group DM makes a new room",
			Wrap: onRoom(func(_ *call, room map[string]any) {
				if len(members(room)) > 2 {
					setRid(room, newRid())
				}
			}),
			MustFail:   []string{"SEM-IDEMPOTENT-GROUP"},
			MessageHas: "group",
		},
		{
			Name:        "sem-group-order-matters",
			Description: "a group DM is found by its names in the order given, so another order makes another room",
			Wrap: roomPerKey(func(c *call, room map[string]any) (string, bool) {
				return strings.Join(c.names(), ","), len(members(room)) > 2
			}),
			MustFail:   []string{"SEM-IDEMPOTENT-GROUP"},
			MessageHas: "another order",
		},
		{
			Name:        "sem-one-to-one-not-idempotent",
			Description: "creating an existing 1:1 DM again makes a new room",
			Wrap:        notIdempotent(2),
			MustFail:    []string{"SEM-IDEMPOTENT-ONE-TO-ONE"},
			MessageHas:  "same room",
		},
		{
			Name:        "sem-one-to-one-per-side",
			Description: "a 1:1 DM is found by (caller, other), so the other member opening it gets a room of their own",
			Wrap: roomPerKey(func(c *call, room map[string]any) (string, bool) {
				me := c.caller()
				if me == nil {
					return "", false
				}
				return me.ID, len(members(room)) == 2
			}),
			MustFail:   []string{"SEM-IDEMPOTENT-ONE-TO-ONE"},
			MessageHas: "other member",
		},
		{
			Name:        "sem-self-not-idempotent",
			Description: "creating an existing self-DM again makes a new room",
			Wrap:        notIdempotent(1),
			MustFail:    []string{"SEM-IDEMPOTENT-SELF", "OK-SELF-USERNAMES"},
			MessageHas:  "same self-DM",
		},
		{
			Name:        "sem-one-room-per-caller",
			Description: "a 1:1 DM is found by the caller alone: every 1:1 DM a user opens is their first one",
			Wrap: fresh(func() wrapper {
				var mu sync.Mutex
				first := map[string]map[string]any{}
				return onRoom(func(c *call, room map[string]any) {
					me := c.caller()
					if len(members(room)) != 2 || me == nil {
						return
					}
					mu.Lock()
					defer mu.Unlock()
					if f := first[me.ID]; f != nil {
						setRid(room, str(f["rid"]))
						room["usernames"] = f["usernames"]
						return
					}
					first[me.ID] = map[string]any{"rid": room["rid"], "usernames": room["usernames"]}
				})
			}),
			MustFail:   []string{"SEM-DISTINCT-ONE-TO-ONE"},
			MessageHas: "another person is another room",
		},
		{
			Name:        "sem-group-by-first-name",
			Description: "a group DM is found by the caller and the first name given, so different member sets can share a room",
			Wrap: fresh(func() wrapper {
				var mu sync.Mutex
				first := map[string]string{}
				return onRoom(func(c *call, room map[string]any) {
					me, names := c.caller(), c.names()
					if len(members(room)) < 3 || me == nil || len(names) == 0 {
						return
					}
					mu.Lock()
					defer mu.Unlock()
					key := me.ID + "\x00" + strings.ToLower(names[0])
					if first[key] == "" {
						first[key] = str(room["rid"])
					}
					setRid(room, first[key])
				})
			}),
			MustFail:   []string{"SEM-DISTINCT-GROUP"},
			MessageHas: "another member set is another room",
		},
		// The exact member set: rooms are found with {uids: {$size, $all}};
		// these servers get the query wrong. On 6.x a 1:1 room is found by
		// its composed id instead, so the broken query only ever sees the
		// other member sets there. Each answers the room it found, with its
		// members; its "-names" twin answers the found room's id with the
		// names asked for, as a server that builds the answer from the
		// request does.
		{
			Name:        "sem-lookup-superset",
			Description: "the room lookup uses $all without $size, so it returns the first room holding at least the members asked for",
			Wrap:        lookupBug(superset, false),
			MustFail:    []string{"SEM-EXACT-SET-NO-SUPERSET", "SEM-EXACT-SET-SELF"},
			MessageHas:  "are exactly its members",
		},
		{
			Name:        "sem-lookup-superset-names",
			Description: "the room lookup uses $all without $size; the answer has the found room's id and the names asked for",
			Wrap:        lookupBug(superset, true),
			MustFail:    []string{"SEM-EXACT-SET-NO-SUPERSET", "SEM-EXACT-SET-SELF"},
			MessageHas:  "exact member set",
		},
		{
			Name:        "sem-lookup-subset",
			Description: "the room lookup returns the first room whose members are all among the ones asked for (a subset)",
			Wrap:        lookupBug(subsetOf, false),
			MustFail:    []string{"SEM-EXACT-SET-NO-SUBSET"},
			MessageHas:  "are exactly its members",
		},
		{
			Name:        "sem-lookup-subset-names",
			Description: "the room lookup returns the first room whose members are a subset of the ones asked for; the answer has its id and the names asked for",
			Wrap:        lookupBug(subsetOf, true),
			MustFail:    []string{"SEM-EXACT-SET-NO-SUBSET"},
			MessageHas:  "exact member set",
		},
		{
			Name:        "sem-lookup-self-any-room",
			Description: "a self-DM is looked up as any room holding the caller",
			Wrap:        lookupBug(holdsCaller, false),
			MustFail:    []string{"SEM-EXACT-SET-SELF"},
			MessageHas:  "are exactly its members",
		},
		{
			Name:        "sem-lookup-self-any-room-names",
			Description: "a self-DM is looked up as any room holding the caller; the answer has that room's id and the caller alone",
			Wrap:        lookupBug(holdsCaller, true),
			MustFail:    []string{"SEM-EXACT-SET-SELF"},
			MessageHas:  "exact member set",
		},
		{
			Name:        "sem-case-sensitive",
			Description: "names are looked up one by one, but with case: a name that matches only ignoring case is an invalid user",
			Needs:       []conformance.Cond{conformance.Is(conformance.DimNames, conformance.Lookup)},
			Wrap: onDM(func(c *call) *answer {
				for _, n := range c.names() {
					if p := c.tr.name(n); p != nil && p.Username != n && c.authenticated() {
						return c.tr.reply(http.StatusBadRequest, invalidUserBody)
					}
				}
				return c.forward()
			}),
			MustFail:   []string{"SEM-CASE-INSENSITIVE", "SEM-CASE-INSENSITIVE-LIST"},
			MessageHas: "in another case",
		},
		{
			Name:        "sem-typed-case-echoed",
			Description: "the room lists usernames as typed rather than as stored",
			Needs:       []conformance.Cond{conformance.Is(conformance.DimNames, conformance.Lookup)},
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
			Name:        "sem-sorted-by-username",
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
			Name:        "sem-sorted-by-name-bytes",
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
			Name:        "sem-max-users-9",
			Description: "the member limit is 9 instead of Rocket.Chat's default 8",
			Config:      func(c *reference.Config) { c.MaxUsers = memberLimit + 1 },
			MustFail:    []string{"SEM-MAX-USERS-EXCEEDED", "SEM-MAX-USERS-DUPLICATES", "SEM-MAX-USERS-EXCLUDESELF-OVER"},
			MessageHas:  "over the limit",
		},
		{
			Name:        "sem-max-users-7",
			Description: "the member limit is 7 instead of Rocket.Chat's default 8",
			Config:      func(c *reference.Config) { c.MaxUsers = memberLimit - 1 },
			MustFail:    []string{"SEM-MAX-USERS-LIMIT", "SEM-MAX-USERS-EXCEEDED", "SEM-MAX-USERS-EXCLUDESELF"},
			MessageHas:  "limit",
		},
		{
			Name:        "sem-duplicates-not-counted",
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
			Name:        "sem-excludeself-counts-caller",
			Description: "with excludeSelf the caller still counts toward the member limit",
			Wrap: onDM(func(c *call) *answer {
				if _, ok := c.object()["usernames"].(string); ok && c.excludeSelf() && len(c.names())+1 > memberLimit && c.authenticated() {
					return c.tr.maxUsers(memberLimit)
				}
				return c.forward()
			}),
			MustFail:   []string{"SEM-MAX-USERS-EXCLUDESELF"},
			MessageHas: "without the caller",
		},
		{
			Name:        "sem-guest-allowed",
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
			Name:        "sem-guest-other-error",
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
			Name:        "sem-guest-403",
			Description: "a guest is refused with 403 instead of 400 error-not-allowed",
			Wrap: onErrorType("error-not-allowed", func(_ *call, a *answer, _ map[string]any) {
				a.Status = http.StatusForbidden
			}),
			MustFail:   []string{"SEM-GUEST-NOT-ALLOWED"},
			MessageHas: "status 403 is not documented",
		},
		{
			Name:        "sem-caller-in-list-counted-twice",
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
			Name:        "sem-caller-in-list-listed-twice",
			Description: "the caller naming themself in usernames is listed twice among the room's usernames",
			Wrap: onRoom(func(c *call, room map[string]any) {
				if me := c.caller(); me != nil && slices.Contains(c.names(), me.Username) && len(c.names()) > 1 {
					setMembers(room, append(members(room), me.Username))
				}
			}),
			MustFail:   []string{"SEM-CALLER-IN-LIST"},
			MessageHas: "member once",
		},
		{
			Name:        "sem-repeated-name-new-room",
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
			Name:        "sem-self-other-case-refused",
			Description: "the caller's own name in another case is refused as an invalid user",
			Wrap: onDM(func(c *call) *answer {
				me, names := c.caller(), c.names()
				if me != nil && len(names) == 1 && names[0] != me.Username && strings.EqualFold(names[0], me.Username) {
					return c.tr.reply(http.StatusBadRequest, invalidUserBody)
				}
				return c.forward()
			}),
			MustFail:   []string{"SEM-SELF-OTHER-CASE"},
			MessageHas: "in another case",
		},
	}
}

// subset reports whether every member of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// The broken look-ups: which rooms besides the exact one they accept for
// the members asked for (want, lower-case and sorted).
func superset(want, have []string) bool    { return subset(want, have) }
func subsetOf(want, have []string) bool    { return subset(have, want) }
func holdsCaller(want, have []string) bool { return len(want) == 1 && slices.Contains(have, want[0]) }

// lookupBug is a server whose room look-up also accepts rooms for which
// match(asked, members) holds: the first such room, in creation order, is
// answered instead of the room of exactly the members asked for, with its
// members, or with the names asked for when askedNames is set. The
// reference still answers the request, so every check before the look-up
// (authentication, the body, the names, the permission, the limit) runs as
// released; only the room it finds is replaced.
func lookupBug(match func(want, have []string) bool, askedNames bool) wrapper {
	return fresh(func() wrapper { return lookupBugState(match, askedNames) })
}

func lookupBugState(match func(want, have []string) bool, askedNames bool) wrapper {
	type known struct {
		rid       string
		usernames []any
		members   []string // lower-case, sorted
	}
	var mu sync.Mutex
	var rooms []known
	return onRoom(func(c *call, room map[string]any) {
		want := members(room)
		for i := range want {
			want[i] = strings.ToLower(want[i])
		}
		slices.Sort(want)
		rid := str(room["rid"])
		mu.Lock()
		defer mu.Unlock()
		if !(c.tr.is(conformance.DimRID, conformance.Composed) && len(want) == 2) { // a composed rid finds a pair by its id
			for _, r := range rooms {
				if r.rid == rid {
					return // the exact room comes first
				}
				if match(want, r.members) {
					setRid(room, r.rid)
					if !askedNames {
						room["usernames"] = r.usernames
					}
					return
				}
			}
		}
		if !slices.ContainsFunc(rooms, func(r known) bool { return r.rid == rid }) {
			usernames, _ := room["usernames"].([]any)
			rooms = append(rooms, known{rid: rid, usernames: usernames, members: want})
		}
	})
}

// notIdempotent makes a new room each time an existing room of that many
// members is asked for again.
func notIdempotent(size int) wrapper {
	return fresh(func() wrapper {
		var mu sync.Mutex
		seen := map[string]bool{}
		return onRoom(func(_ *call, room map[string]any) {
			if len(members(room)) != size {
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
	})
}

// roomPerKey keeps a room for the key of the request that first got it; a
// request with another key (the names' order, the caller) gets a room of
// its own instead. key says whether the room is one the mutant changes.
func roomPerKey(key func(c *call, room map[string]any) (string, bool)) wrapper {
	return fresh(func() wrapper {
		var mu sync.Mutex
		first := map[string]string{} // rid → the key of the request that made it
		alt := map[string]string{}   // rid and another key → that key's room
		return onRoom(func(c *call, room map[string]any) {
			k, ok := key(c, room)
			if !ok {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			rid := str(room["rid"])
			if first[rid] == "" {
				first[rid] = k
			}
			if first[rid] == k {
				return
			}
			if alt[rid+"\x00"+k] == "" {
				alt[rid+"\x00"+k] = newRid()
			}
			setRid(room, alt[rid+"\x00"+k])
		})
	})
}
