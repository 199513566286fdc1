package dmcreate

import (
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/fixtures"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// toAny turns strings into the []any a JSON array decodes to.
func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// namingBody names one user with username, several with usernames.
func namingBody(names []fixtures.User) string {
	if len(names) == 1 {
		return fw.JSON(map[string]any{"username": names[0].Username})
	}
	return fw.JSON(map[string]any{"usernames": strings.Join(usernamesOf(names), ",")})
}

// createAs opens a DM as a provisioned user naming other users, and
// requires it to be created with exactly these members.
func (e env) createAs(ctx SpecContext, as fixtures.User, names []fixtures.User, members []fixtures.User, promise string) *fw.Response {
	GinkgoHelper()
	resp := e.request(ctx, fw.Request{Auth: &as.Creds, Body: namingBody(names)})
	resp.ExpectStatus(200, promise)
	resp.ExpectField("room.usernames", ConsistOf(toAny(usernamesOf(members))...), promise+": the room's usernames are exactly its members")
	return resp
}

// composedRID is the rid composed of two personas' user ids.
func composedRID(e env, a, b string) string {
	ids := []string{e.User(a).ID, e.User(b).ID}
	slices.Sort(ids)
	return strings.Join(ids, "")
}

// maxUsersAnswers are the member-limit error of each release.
func maxUsersAnswers(promise string) []answer {
	return []answer{
		when(is(conformance.DimMaxUsers, conformance.MeteorError), 400, "the error-direct-message-max-user-exceeded Meteor.Error naming the limit", func(e env, r []*fw.Response) {
			r[0].ExpectStatus(400, promise)
			r[0].ExpectBody(maxUsersExceeded(e.MaxUsers), "the limit is a Meteor.Error with a message naming it and an errorType")
		}),
		when(is(conformance.DimMaxUsers, conformance.PlainError), 400, `400 {"success":false,"error":"error-direct-message-max-user-exceeded"}, no errorType`, func(_ env, r []*fw.Response) {
			r[0].ExpectStatus(400, promise)
			r[0].ExpectBody(maxUsersPlain(), "before 6.6 the limit is a plain Error('error-direct-message-max-user-exceeded'), answered without errorType")
		}),
	}
}

func semanticsChecks() []check {
	rooms := ev(srcRoomLookup(), srcRoomLookup8())
	return []check{
		{At: here(), ID: "SEM-RID-COMPOSED", Level: compat, Since: v0590, Status: 200, Dimensions: []string{conformance.DimRID},
			Title:    "gives a 1:1 DM the rid its release gives: the two user ids sorted and joined, or a generated one",
			Evidence: ev(srcRoomLookup(), srcRoomLookup8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
			}),
			Answers: []answer{
				when(is(conformance.DimRID, conformance.Composed), 200, "the rid is the two user ids sorted and joined", func(e env, r []*fw.Response) {
					r[0].ExpectField("room.rid", composedRID(e, "caller", "peer"), "a 1:1 DM's rid is its two members' user ids, sorted, joined with nothing between")
				}),
				when(is(conformance.DimRID, conformance.Generated), 200, "a generated rid, not the user ids joined", func(e env, r []*fw.Response) {
					r[0].ExpectField("room.rid", And(Not(BeEmpty()), Not(Equal(composedRID(e, "caller", "peer")))), "every new room gets a generated id, 1:1 rooms included")
				}),
			},
		},
		{At: here(), ID: "SEM-RID-SELF", Level: compat, Since: v0590, Status: 200,
			Title:    "gives a self-DM a generated rid, not one composed from the user id",
			Evidence: rooms,
			Run: func(ctx SpecContext, e env) {
				id := e.User("caller").ID
				resp := e.create(ctx, "caller", map[string]any{"username": e.User("caller").Username}, "a self-DM is created")
				resp.ExpectField("room.rid", And(Not(Equal(id)), Not(Equal(id+id))), "only 1:1 DMs ever had composed rids; a self-DM gets a generated one")
			},
		},
		{At: here(), ID: "SEM-RID-GROUP", Level: compat, Since: v3010, Status: 200,
			Title:    "gives a group DM a generated rid, not one composed from the user ids",
			Evidence: rooms,
			Run: func(ctx SpecContext, e env) {
				resp := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "third")}, "a group DM is created")
				ids := []string{e.User("caller").ID, e.User("peer").ID, e.User("third").ID}
				slices.Sort(ids)
				resp.ExpectField("room.rid", Not(Equal(strings.Join(ids, ""))), "only 1:1 DMs ever had composed rids; a group DM gets a generated one")
			},
		},
		{At: here(), ID: "SEM-IDEMPOTENT-ONE-TO-ONE", Level: compat, Since: v0590, Status: 200,
			Title:    "returns the same 1:1 room when it is created again, from either side",
			Evidence: rooms,
			Run: func(ctx SpecContext, e env) {
				By("creating the DM as the caller")
				first := e.create(ctx, "caller", map[string]any{"username": e.User("third").Username}, "a 1:1 DM is created")
				By("creating it again as the caller")
				again := e.create(ctx, "caller", map[string]any{"username": e.User("third").Username}, "creating an existing DM again succeeds")
				again.ExpectField("room.rid", first.String("room.rid"), "creating an existing 1:1 DM again returns the same room")
				By("creating it from the other member's side")
				other := e.create(ctx, "third", map[string]any{"username": e.User("caller").Username}, "the other member can open the same DM")
				other.ExpectField("room.rid", first.String("room.rid"), "the other member opening the DM gets the same room")
			},
		},
		{At: here(), ID: "SEM-IDEMPOTENT-SELF", Level: compat, Since: v0590, Status: 200,
			Title:    "returns the same self-DM when it is created again",
			Evidence: rooms,
			Run: func(ctx SpecContext, e env) {
				first := e.create(ctx, "peer", map[string]any{"username": e.User("peer").Username}, "a self-DM is created")
				again := e.create(ctx, "peer", map[string]any{"username": e.User("peer").Username}, "creating the self-DM again succeeds")
				again.ExpectField("room.rid", first.String("room.rid"), "creating an existing self-DM again returns the same room")
			},
		},
		{At: here(), ID: "SEM-IDEMPOTENT-GROUP", Level: compat, Since: v3010, Status: 200,
			Title:    "returns the same group room when it is created again, in any name order",
			Evidence: rooms,
			Run: func(ctx SpecContext, e env) {
				first := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "crowd1")}, "a group DM is created")
				By("creating it again with the same names")
				same := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "crowd1")}, "creating the group DM again succeeds")
				same.ExpectField("room.rid", first.String("room.rid"), "creating an existing group DM again returns the same room")
				By("creating it again with the names in another order")
				again := e.create(ctx, "caller", map[string]any{"usernames": e.names("crowd1", "peer")}, "creating the group DM again succeeds")
				again.ExpectField("room.rid", first.String("room.rid"), "the same members in another order are the same group room")
			},
		},
		{At: here(), ID: "SEM-DISTINCT-ONE-TO-ONE", Level: compat, Since: v0590, Status: 200,
			Title:    "gives different 1:1 rooms to different pairs",
			Evidence: rooms,
			Run: func(ctx SpecContext, e env) {
				a := e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
				b := e.create(ctx, "caller", map[string]any{"username": e.User("crowd2").Username}, "another 1:1 DM is created")
				b.ExpectField("room.rid", Not(Equal(a.String("room.rid"))), "a DM with another person is another room")
			},
		},
		{At: here(), ID: "SEM-DISTINCT-GROUP", Level: compat, Since: v3010, Status: 200,
			Title:    "gives different rooms to different member sets",
			Evidence: rooms,
			Run: func(ctx SpecContext, e env) {
				pair := e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
				g1 := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "third")}, "a group DM is created")
				g2 := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "crowd3")}, "another group DM is created")
				g1.ExpectField("room.rid", Not(Equal(pair.String("room.rid"))), "a group is not the 1:1 room of two of its members")
				g2.ExpectField("room.rid", Not(Or(Equal(g1.String("room.rid")), Equal(pair.String("room.rid")))), "another member set is another room")
			},
		},
		{At: here(), ID: "SEM-EXACT-SET-SELF", Level: compat, Since: v0590, Status: 200,
			Title:    "finds the self-DM only by its exact member set, not in a room that also holds others",
			Evidence: rooms,
			Run: func(ctx SpecContext, e env) {
				u := e.Fresh(ctx, 2)
				By("creating a DM of two users who have no room yet")
				pair := e.createAs(ctx, u[0], u[1:], u, "a 1:1 DM of new users is created")
				By("creating the first user's self-DM")
				self := e.createAs(ctx, u[0], u[:1], u[:1], "the self-DM is created")
				self.ExpectField("room.rid", Not(Equal(pair.String("room.rid"))), "a room is found by its exact member set ($size and $all), so a room that holds the caller and someone else is not the self-DM")
			},
		},
		{At: here(), ID: "SEM-EXACT-SET-NO-SUPERSET", Level: compat, Since: v3010, Status: 200,
			Title:    "does not return a room whose members are a superset of the ones asked for",
			Evidence: rooms,
			Run: func(ctx SpecContext, e env) {
				u := e.Fresh(ctx, 4)
				By("creating a group DM of four users who have no room yet")
				big := e.createAs(ctx, u[0], u[1:], u, "a group DM of four new users is created")
				By("creating a group DM of three of them")
				three := e.createAs(ctx, u[0], u[1:3], u[:3], "a group DM of three of them is created")
				three.ExpectField("room.rid", Not(Equal(big.String("room.rid"))), "a room is found by its exact member set, so the room of four is not the room of three of them")
				By("creating a 1:1 DM of two of them")
				pair := e.createAs(ctx, u[0], u[1:2], u[:2], "a 1:1 DM of two of them is created")
				pair.ExpectField("room.rid", Not(Or(Equal(big.String("room.rid")), Equal(three.String("room.rid")))), "a room is found by its exact member set, so a group is not the 1:1 room of two of its members")
			},
		},
		{At: here(), ID: "SEM-EXACT-SET-NO-SUBSET", Level: compat, Since: v3010, Status: 200,
			Title:    "does not return a room whose members are a subset of the ones asked for",
			Evidence: rooms,
			Run: func(ctx SpecContext, e env) {
				u := e.Fresh(ctx, 4)
				By("creating a group DM of three users who have no room yet")
				three := e.createAs(ctx, u[0], u[1:3], u[:3], "a group DM of three new users is created")
				By("creating a group DM of those three and one more")
				big := e.createAs(ctx, u[0], u[1:], u, "a group DM of four is created")
				big.ExpectField("room.rid", Not(Equal(three.String("room.rid"))), "a room is found by its exact member set, so the room of three is not the room of four")
			},
		},
		{At: here(), ID: "SEM-CALLER-IN-LIST", Level: compat, Since: v3010, Status: 200,
			Title:    "leaves the caller out of usernames when they name themself among others, giving the 1:1 room",
			Evidence: ev(srcLookup6(), srcRoomLookup(), srcSelfDM8(), srcRoomLookup8()),
			Run: func(ctx SpecContext, e env) {
				pair := e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
				resp := e.create(ctx, "caller", map[string]any{"usernames": e.names("caller", "peer")}, "usernames may name the caller")
				resp.ExpectField("room.usernames", e.haveMembers("caller", "peer"), "the caller is a member once")
				resp.ExpectField("room.rid", pair.String("room.rid"), "the caller naming themself and one other is the 1:1 room of the two")
			},
		},
		{At: here(), ID: "SEM-REPEATED-NAME", Level: compat, Since: v3010, Status: 200,
			Title:    "treats a name given twice as one member of the room",
			Evidence: ev(srcRoomLookup(), srcRoomLookup8()),
			Run: func(ctx SpecContext, e env) {
				pair := e.create(ctx, "caller", map[string]any{"username": e.User("third").Username}, "a 1:1 DM is created")
				resp := e.create(ctx, "caller", map[string]any{"usernames": e.names("third", "third")}, "a name given twice is allowed")
				resp.ExpectField("room.usernames", e.haveMembers("caller", "third"), "the room holds each user once")
				resp.ExpectField("room.rid", pair.String("room.rid"), "the same two people are the same 1:1 room, however often a name is given")
			},
		},
		{At: here(), ID: "SEM-SELF-OTHER-CASE", Level: compat, Since: v0590, Status: 200,
			Title:    "opens the self-DM when the caller names themself in another case",
			Evidence: ev(srcLookup6(), srcLookup8()),
			Run: func(ctx SpecContext, e env) {
				self := e.create(ctx, "crowd1", map[string]any{"username": e.User("crowd1").Username}, "a self-DM is created")
				upper := e.create(ctx, "crowd1", map[string]any{"username": strings.ToUpper(e.User("crowd1").Username)}, "the caller's own name in another case is not refused")
				upper.ExpectField("room.usernames", e.haveMembers("crowd1"), "the caller's own name in another case is still only the caller (6.x finds the caller again; 8.6.1 finds nobody by it)")
				upper.ExpectField("room.rid", self.String("room.rid"), "the caller's own name in another case gives the self-DM")
			},
		},
		{At: here(), ID: "SEM-CASE-INSENSITIVE", Level: compat, Since: v0590, Status: 200, Dimensions: []string{conformance.DimNames},
			Title:    "finds a username in another case as its release does: the same user, or nobody",
			Evidence: ev(srcLookup6(), srcCollation6(), srcLookup8()),
			Send: func(ctx SpecContext, e env) []*fw.Response {
				exact := e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
				return []*fw.Response{e.post(ctx, "caller", fw.JSON(map[string]any{"username": strings.ToUpper(e.User("peer").Username)})), exact}
			},
			Answers: []answer{
				when(namesLookedUp(), 200, "200 with the same 1:1 room, the usernames as stored", func(e env, r []*fw.Response) {
					e.expectRoom(r[0], "a username in another case names the same user; the room lists the usernames as stored, not as typed", "caller", "peer")
					r[0].ExpectField("room.rid", r[1].String("room.rid"), "the same user in another case gives the same room")
				}),
				when(namesExact(), 200, "200 with the caller's self-DM: the name in another case matches nobody exactly", func(e env, r []*fw.Response) {
					e.expectRoom(r[0], "names are matched exactly, so the name in another case is left out of the room", "caller")
				}),
			},
		},
		{At: here(), ID: "SEM-CASE-INSENSITIVE-LIST", Level: compat, Since: v3010, Status: 200, Dimensions: []string{conformance.DimNames},
			Title:    "finds names in usernames in another case as its release does",
			Evidence: ev(srcLookup6(), srcCollation6(), srcLookup8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": strings.ToUpper(e.names("peer", "third"))}))
			}),
			Answers: []answer{
				when(namesLookedUp(), 200, "200 with the group of the caller and both users, as stored", func(e env, r []*fw.Response) {
					e.expectRoom(r[0], "usernames in another case name the same users; the room lists the usernames as stored", "caller", "peer", "third")
				}),
				when(namesExact(), 200, "200 with the caller's self-DM: no name matches exactly", func(e env, r []*fw.Response) {
					e.expectRoom(r[0], "names are matched exactly, so names in another case are left out of the room", "caller")
				}),
			},
		},
		// personas.yaml: caller "zulu Caller", peer "Mike Peer", third "bravo Third".
		{At: here(), ID: "SEM-ORDER-ONE-TO-ONE", Level: compat, Since: v0590, Status: 200,
			Title:    "lists a 1:1 room's usernames by display name",
			Evidence: ev(srcSort(), srcSort8()),
			Run: func(ctx SpecContext, e env) {
				resp := e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
				resp.ExpectField("room.usernames", Equal(toAny(e.usernames("peer", "caller"))), "usernames are sorted by display name (\"Mike Peer\" before \"zulu Caller\"), not by username")
			},
		},
		{At: here(), ID: "SEM-ORDER-GROUP", Level: compat, Since: v3010, Status: 200,
			Title:    "lists a group room's usernames by display name, compared as people read them",
			Evidence: ev(srcSort(), srcSort8()),
			Run: func(ctx SpecContext, e env) {
				resp := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "third")}, "a group DM is created")
				resp.ExpectField("room.usernames", Equal(toAny(e.usernames("third", "peer", "caller"))),
					"usernames are sorted by display name with a locale-aware comparison (\"bravo Third\", \"Mike Peer\", \"zulu Caller\"), not by username or byte order")
			},
		},
		{At: here(), ID: "SEM-MAX-USERS-LIMIT", Level: compat, Since: v3010, Status: 200,
			Title:    "accepts a DM of exactly the max-users limit, the caller included",
			Evidence: ev(srcMaxUsersDefault(), srcMaxUsers8()),
			Run: func(ctx SpecContext, e env) {
				n := e.MaxUsers
				if n-1 > len(e.others()) || n < 3 {
					Skip(fmt.Sprintf("a limit of %d needs %d other users; personas.yaml provides %d", n, n-1, len(e.others())))
				}
				resp := e.create(ctx, "caller", map[string]any{"usernames": e.names(e.others()[:n-1]...)}, fmt.Sprintf("a DM of %d members (the limit) is allowed", n))
				resp.ExpectField("room.usernames", HaveLen(n), "every member is in the room")
			},
		},
		{At: here(), ID: "SEM-MAX-USERS-EXCEEDED", Level: compat, Since: v3010, Status: 400, Dimensions: []string{conformance.DimMaxUsers},
			Title:    "refuses a DM of one member more than the max-users limit with its release's exact error",
			Evidence: ev(srcMaxUsers650(), srcMaxUsers660(), srcMaxUsers8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				n := e.MaxUsers
				if n > len(e.others()) {
					Skip(fmt.Sprintf("a limit of %d needs %d other users; personas.yaml provides %d", n, n, len(e.others())))
				}
				return e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names(e.others()[:n]...)}))
			}),
			Answers: maxUsersAnswers("the caller and one name more than the limit are over it"),
		},
		{At: here(), ID: "SEM-MAX-USERS-DUPLICATES", Level: compat, Since: v3010, Status: 400, Dimensions: []string{conformance.DimMaxUsers},
			Title:    "counts repeated names toward the max-users limit",
			Evidence: ev(srcMaxUsers650(), srcMaxUsers660(), srcMaxUsers8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				n := e.MaxUsers
				if n-1 > len(e.others()) || n < 3 {
					Skip(fmt.Sprintf("a limit of %d needs %d other users; personas.yaml provides %d", n, n-1, len(e.others())))
				}
				list := append(slices.Clone(e.others()[:n-1]), "peer")
				return e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names(list...)}))
			}),
			Answers: maxUsersAnswers("the members are counted as named, a repeated name twice, so the caller, the limit's worth of distinct names less one and a repeat are over the limit"),
		},
		{At: here(), ID: "SEM-MAX-USERS-EXCLUDESELF-OVER", Level: compat, Since: v3180, Status: 400, Dimensions: []string{conformance.DimMaxUsers},
			Title:    "refuses one member more than the max-users limit with excludeSelf too",
			Evidence: ev(srcMaxUsers650(), srcMaxUsers660(), srcMaxUsers8(), srcExcludeSelf6(), srcExcludeSelf8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				n := e.MaxUsers
				pool := append([]string{"caller"}, e.others()...)
				if n+1 > len(pool) {
					Skip(fmt.Sprintf("a limit of %d needs %d users besides the admin; personas.yaml provides %d", n, n+1, len(pool)))
				}
				return e.post(ctx, "admin", fw.JSON(map[string]any{"usernames": e.names(pool[:n+1]...), "excludeSelf": true}))
			}),
			Answers: maxUsersAnswers("without the caller, one named member more than the limit is still over it"),
		},
		{At: here(), ID: "SEM-MAX-USERS-EXCLUDESELF", Level: compat, Since: v3180, Status: 200,
			Title:    "does not count the caller toward the max-users limit with excludeSelf",
			Evidence: ev(srcMaxUsersDefault(), srcExcludeSelf6(), srcMaxUsers8(), srcExcludeSelf8()),
			Run: func(ctx SpecContext, e env) {
				n := e.MaxUsers
				pool := append([]string{"caller"}, e.others()...)
				if n > len(pool) || n < 2 {
					Skip(fmt.Sprintf("a limit of %d needs %d users besides the admin; personas.yaml provides %d", n, n, len(pool)))
				}
				resp := e.create(ctx, "admin", map[string]any{"usernames": e.names(pool[:n]...), "excludeSelf": true},
					fmt.Sprintf("%d members without the caller are within the limit of %d", n, n))
				resp.ExpectField("room.usernames", HaveLen(n), "every named member is in the room, the caller is not")
			},
		},
		{At: here(), ID: "SEM-GUEST-NOT-ALLOWED", Level: compat, Since: v0590, Status: 400,
			Title:    "refuses a guest, who lacks the create-d permission, with error-not-allowed",
			Evidence: ev(srcPermission6(), srcPermission8()),
			Run: func(ctx SpecContext, e env) {
				resp := e.post(ctx, "guest", e.peerBody())
				resp.ExpectStatus(400, "a user without create-d (the guest role) cannot open a DM")
				resp.ExpectBody(notAllowed(), "released Rocket.Chat answers error-not-allowed")
			},
		},
	}
}
