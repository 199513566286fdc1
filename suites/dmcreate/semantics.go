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
	resp := e.Client.Post(ctx, fw.Request{Auth: &as.Creds, Body: namingBody(names)})
	resp.ExpectStatus(200, promise)
	resp.ExpectField("room.usernames", ConsistOf(toAny(usernamesOf(members))...), promise+": the room's usernames are exactly its members")
	return resp
}

func semanticsChecks() []check {
	rooms := ev(srcRoomLookup(), srcRoomLookup8())
	maxUsers := conformance.Between("6.6.0", "7.0.0").Or(line8())
	const maxUsersNote = "The error became a Meteor.Error with this message in 6.6.0 (commit c41b29e2, not in 6.5.x); read again at 8.6.1. The 7.x releases between are not established."
	return []check{
		chk("SEM-RID-COMPOSED", compat, v0590, 200, "gives a 1:1 DM the rid of the two user ids sorted and joined",
			ev(srcRoomLookup()), func(ctx SpecContext, e env) {
				resp := e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
				ids := []string{e.User("caller").ID, e.User("peer").ID}
				slices.Sort(ids)
				resp.ExpectField("room.rid", strings.Join(ids, ""), "a 1:1 DM's rid is its two members' user ids, sorted, joined with nothing between")
			}).on(line6(), "6.x composes 1:1 rids; 8.6.1 gives every new room a generated id, and which release changed it is not established."),
		chk("SEM-RID-SELF", compat, v0590, 200, "gives a self-DM a generated rid, not one composed from the user id",
			rooms, func(ctx SpecContext, e env) {
				id := e.User("caller").ID
				resp := e.create(ctx, "caller", map[string]any{"username": e.User("caller").Username}, "a self-DM is created")
				resp.ExpectField("room.rid", And(Not(Equal(id)), Not(Equal(id+id))), "only 1:1 DMs ever had composed rids; a self-DM gets a generated one")
			}).on(supported(), noteRouter),
		chk("SEM-RID-GROUP", compat, v3010, 200, "gives a group DM a generated rid, not one composed from the user ids",
			rooms, func(ctx SpecContext, e env) {
				resp := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "third")}, "a group DM is created")
				ids := []string{e.User("caller").ID, e.User("peer").ID, e.User("third").ID}
				slices.Sort(ids)
				resp.ExpectField("room.rid", Not(Equal(strings.Join(ids, ""))), "only 1:1 DMs ever had composed rids; a group DM gets a generated one")
			}).on(supported(), noteRouter),
		chk("SEM-IDEMPOTENT-ONE-TO-ONE", compat, v0590, 200, "returns the same 1:1 room when it is created again, from either side",
			rooms, func(ctx SpecContext, e env) {
				By("creating the DM as the caller")
				first := e.create(ctx, "caller", map[string]any{"username": e.User("third").Username}, "a 1:1 DM is created")
				By("creating it again as the caller")
				again := e.create(ctx, "caller", map[string]any{"username": e.User("third").Username}, "creating an existing DM again succeeds")
				again.ExpectField("room.rid", first.String("room.rid"), "creating an existing 1:1 DM again returns the same room")
				By("creating it from the other member's side")
				other := e.create(ctx, "third", map[string]any{"username": e.User("caller").Username}, "the other member can open the same DM")
				other.ExpectField("room.rid", first.String("room.rid"), "the other member opening the DM gets the same room")
			}).on(supported(), noteRouter),
		chk("SEM-IDEMPOTENT-SELF", compat, v0590, 200, "returns the same self-DM when it is created again",
			rooms, func(ctx SpecContext, e env) {
				first := e.create(ctx, "peer", map[string]any{"username": e.User("peer").Username}, "a self-DM is created")
				again := e.create(ctx, "peer", map[string]any{"username": e.User("peer").Username}, "creating the self-DM again succeeds")
				again.ExpectField("room.rid", first.String("room.rid"), "creating an existing self-DM again returns the same room")
			}).on(supported(), noteRouter),
		chk("SEM-IDEMPOTENT-GROUP", compat, v3010, 200, "returns the same group room when it is created again, in any name order",
			rooms, func(ctx SpecContext, e env) {
				first := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "crowd1")}, "a group DM is created")
				By("creating it again with the same names")
				same := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "crowd1")}, "creating the group DM again succeeds")
				same.ExpectField("room.rid", first.String("room.rid"), "creating an existing group DM again returns the same room")
				By("creating it again with the names in another order")
				again := e.create(ctx, "caller", map[string]any{"usernames": e.names("crowd1", "peer")}, "creating the group DM again succeeds")
				again.ExpectField("room.rid", first.String("room.rid"), "the same members in another order are the same group room")
			}).on(supported(), noteRouter),
		chk("SEM-DISTINCT-ONE-TO-ONE", compat, v0590, 200, "gives different 1:1 rooms to different pairs",
			rooms, func(ctx SpecContext, e env) {
				a := e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
				b := e.create(ctx, "caller", map[string]any{"username": e.User("crowd2").Username}, "another 1:1 DM is created")
				b.ExpectField("room.rid", Not(Equal(a.String("room.rid"))), "a DM with another person is another room")
			}).on(supported(), noteRouter),
		chk("SEM-DISTINCT-GROUP", compat, v3010, 200, "gives different rooms to different member sets",
			rooms, func(ctx SpecContext, e env) {
				pair := e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
				g1 := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "third")}, "a group DM is created")
				g2 := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "crowd3")}, "another group DM is created")
				g1.ExpectField("room.rid", Not(Equal(pair.String("room.rid"))), "a group is not the 1:1 room of two of its members")
				g2.ExpectField("room.rid", Not(Or(Equal(g1.String("room.rid")), Equal(pair.String("room.rid")))), "another member set is another room")
			}).on(supported(), noteRouter),
		chk("SEM-EXACT-SET-SELF", compat, v0590, 200, "finds the self-DM only by its exact member set, not in a room that also holds others",
			rooms, func(ctx SpecContext, e env) {
				u := e.Fresh(ctx, 2)
				By("creating a DM of two users who have no room yet")
				pair := e.createAs(ctx, u[0], u[1:], u, "a 1:1 DM of new users is created")
				By("creating the first user's self-DM")
				self := e.createAs(ctx, u[0], u[:1], u[:1], "the self-DM is created")
				self.ExpectField("room.rid", Not(Equal(pair.String("room.rid"))), "a room is found by its exact member set ($size and $all), so a room that holds the caller and someone else is not the self-DM")
			}).on(supported(), noteRouter),
		chk("SEM-EXACT-SET-NO-SUPERSET", compat, v3010, 200, "does not return a room whose members are a superset of the ones asked for",
			rooms, func(ctx SpecContext, e env) {
				u := e.Fresh(ctx, 4)
				By("creating a group DM of four users who have no room yet")
				big := e.createAs(ctx, u[0], u[1:], u, "a group DM of four new users is created")
				By("creating a group DM of three of them")
				three := e.createAs(ctx, u[0], u[1:3], u[:3], "a group DM of three of them is created")
				three.ExpectField("room.rid", Not(Equal(big.String("room.rid"))), "a room is found by its exact member set, so the room of four is not the room of three of them")
				By("creating a 1:1 DM of two of them")
				pair := e.createAs(ctx, u[0], u[1:2], u[:2], "a 1:1 DM of two of them is created")
				pair.ExpectField("room.rid", Not(Or(Equal(big.String("room.rid")), Equal(three.String("room.rid")))), "a room is found by its exact member set, so a group is not the 1:1 room of two of its members")
			}).on(supported(), noteRouter),
		chk("SEM-EXACT-SET-NO-SUBSET", compat, v3010, 200, "does not return a room whose members are a subset of the ones asked for",
			rooms, func(ctx SpecContext, e env) {
				u := e.Fresh(ctx, 4)
				By("creating a group DM of three users who have no room yet")
				three := e.createAs(ctx, u[0], u[1:3], u[:3], "a group DM of three new users is created")
				By("creating a group DM of those three and one more")
				big := e.createAs(ctx, u[0], u[1:], u, "a group DM of four is created")
				big.ExpectField("room.rid", Not(Equal(three.String("room.rid"))), "a room is found by its exact member set, so the room of three is not the room of four")
			}).on(supported(), noteRouter),
		chk("SEM-CALLER-IN-LIST", compat, v3010, 200, "leaves the caller out of usernames when they name themself among others, giving the 1:1 room",
			ev(srcLookup6(), srcRoomLookup(), srcSelfDM8(), srcRoomLookup8()), func(ctx SpecContext, e env) {
				pair := e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
				resp := e.create(ctx, "caller", map[string]any{"usernames": e.names("caller", "peer")}, "usernames may name the caller")
				resp.ExpectField("room.usernames", e.haveMembers("caller", "peer"), "the caller is a member once")
				resp.ExpectField("room.rid", pair.String("room.rid"), "the caller naming themself and one other is the 1:1 room of the two")
			}).on(supported(), noteRouter),
		chk("SEM-REPEATED-NAME", compat, v3010, 200, "treats a name given twice as one member of the room",
			ev(srcRoomLookup(), srcRoomLookup8()), func(ctx SpecContext, e env) {
				pair := e.create(ctx, "caller", map[string]any{"username": e.User("third").Username}, "a 1:1 DM is created")
				resp := e.create(ctx, "caller", map[string]any{"usernames": e.names("third", "third")}, "a name given twice is allowed")
				resp.ExpectField("room.usernames", e.haveMembers("caller", "third"), "the room holds each user once")
				resp.ExpectField("room.rid", pair.String("room.rid"), "the same two people are the same 1:1 room, however often a name is given")
			}).on(supported(), noteRouter),
		chk("SEM-SELF-OTHER-CASE", compat, v0590, 200, "opens the self-DM when the caller names themself in another case",
			ev(srcLookup6(), srcLookup8()), func(ctx SpecContext, e env) {
				self := e.create(ctx, "crowd1", map[string]any{"username": e.User("crowd1").Username}, "a self-DM is created")
				upper := e.create(ctx, "crowd1", map[string]any{"username": strings.ToUpper(e.User("crowd1").Username)}, "the caller's own name in another case is not refused")
				upper.ExpectField("room.usernames", e.haveMembers("crowd1"), "the caller's own name in another case is still only the caller (6.x finds the caller again; 8.6.1 finds nobody by it)")
				upper.ExpectField("room.rid", self.String("room.rid"), "the caller's own name in another case gives the self-DM")
			}).on(supported(), noteRouter),
		chk("SEM-CASE-INSENSITIVE", compat, v0590, 200, "finds a username without regard to case and answers with the stored case",
			ev(srcLookup6(), srcCollation6()), func(ctx SpecContext, e env) {
				exact := e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
				upper := e.create(ctx, "caller", map[string]any{"username": strings.ToUpper(e.User("peer").Username)}, "a username in another case names the same user")
				upper.ExpectField("room.usernames", e.haveMembers("caller", "peer"), "the room lists the usernames as stored, not as typed")
				upper.ExpectField("room.rid", exact.String("room.rid"), "the same user in another case gives the same room")
			}).on(line6(), noteLegacyRoute),
		chk("SEM-CASE-INSENSITIVE-LIST", compat, v3010, 200, "finds names in usernames without regard to case",
			ev(srcLookup6(), srcCollation6()), func(ctx SpecContext, e env) {
				resp := e.create(ctx, "caller", map[string]any{"usernames": strings.ToUpper(e.names("peer", "third"))}, "usernames in another case name the same users")
				resp.ExpectField("room.usernames", e.haveMembers("caller", "peer", "third"), "the room lists the usernames as stored, not as typed")
			}).on(line6(), noteLegacyRoute),
		// personas.yaml: caller "zulu Caller", peer "Mike Peer", third "bravo Third".
		chk("SEM-ORDER-ONE-TO-ONE", compat, v0590, 200, "lists a 1:1 room's usernames by display name",
			ev(srcSort(), srcSort8()), func(ctx SpecContext, e env) {
				resp := e.create(ctx, "caller", map[string]any{"username": e.User("peer").Username}, "a 1:1 DM is created")
				resp.ExpectField("room.usernames", Equal(toAny(e.usernames("peer", "caller"))), "usernames are sorted by display name (\"Mike Peer\" before \"zulu Caller\"), not by username")
			}).on(supported(), noteRouter),
		chk("SEM-ORDER-GROUP", compat, v3010, 200, "lists a group room's usernames by display name, compared as people read them",
			ev(srcSort(), srcSort8()), func(ctx SpecContext, e env) {
				resp := e.create(ctx, "caller", map[string]any{"usernames": e.names("peer", "third")}, "a group DM is created")
				resp.ExpectField("room.usernames", Equal(toAny(e.usernames("third", "peer", "caller"))),
					"usernames are sorted by display name with a locale-aware comparison (\"bravo Third\", \"Mike Peer\", \"zulu Caller\"), not by username or byte order")
			}).on(supported(), noteRouter),
		chk("SEM-MAX-USERS-LIMIT", compat, v3010, 200, "accepts a DM of exactly the max-users limit, the caller included",
			ev(srcMaxUsersDefault(), srcMaxUsers8()), func(ctx SpecContext, e env) {
				n := e.MaxUsers
				if n-1 > len(e.others()) || n < 3 {
					Skip(fmt.Sprintf("a limit of %d needs %d other users; personas.yaml provides %d", n, n-1, len(e.others())))
				}
				resp := e.create(ctx, "caller", map[string]any{"usernames": e.names(e.others()[:n-1]...)}, fmt.Sprintf("a DM of %d members (the limit) is allowed", n))
				resp.ExpectField("room.usernames", HaveLen(n), "every member is in the room")
			}).on(supported(), noteRouter),
		chk("SEM-MAX-USERS-EXCEEDED", compat, v3010, 400, "refuses a DM of one member more than the max-users limit with the exact error",
			ev(srcMaxUsers660(), srcMaxUsers8()), func(ctx SpecContext, e env) {
				n := e.MaxUsers
				if n > len(e.others()) {
					Skip(fmt.Sprintf("a limit of %d needs %d other users; personas.yaml provides %d", n, n, len(e.others())))
				}
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names(e.others()[:n]...)}))
				resp.ExpectStatus(400, fmt.Sprintf("a DM of %d members is over the limit of %d", n+1, n))
				resp.ExpectBody(maxUsersExceeded(n), "released Rocket.Chat answers error-direct-message-max-user-exceeded naming the limit")
			}).on(maxUsers, maxUsersNote),
		chk("SEM-MAX-USERS-DUPLICATES", compat, v3010, 400, "counts repeated names toward the max-users limit",
			ev(srcMaxUsers660(), srcMaxUsers8()), func(ctx SpecContext, e env) {
				n := e.MaxUsers
				if n-1 > len(e.others()) || n < 3 {
					Skip(fmt.Sprintf("a limit of %d needs %d other users; personas.yaml provides %d", n, n-1, len(e.others())))
				}
				list := append(slices.Clone(e.others()[:n-1]), "peer")
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names(list...)}))
				resp.ExpectStatus(400, fmt.Sprintf("%d distinct members plus a repeated name count as %d, over the limit", n, n+1))
				resp.ExpectBody(maxUsersExceeded(n), "released Rocket.Chat counts every name given, repeats included")
			}).on(maxUsers, maxUsersNote),
		chk("SEM-MAX-USERS-PLAIN-ERROR", compat, v3010, 400, "refuses a DM over the max-users limit with the plain error of releases before 6.6",
			ev(srcMaxUsers650()), func(ctx SpecContext, e env) {
				n := e.MaxUsers
				if n > len(e.others()) {
					Skip(fmt.Sprintf("a limit of %d needs %d other users; personas.yaml provides %d", n, n, len(e.others())))
				}
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names(e.others()[:n]...)}))
				resp.ExpectStatus(400, fmt.Sprintf("a DM of %d members is over the limit of %d", n+1, n))
				resp.ExpectBody(maxUsersPlain(), "before 6.6 the limit is a plain Error('error-direct-message-max-user-exceeded'), answered without errorType")
			}).on(conformance.Between("6.0.0", "6.6.0"), "From 6.6.0 the error carries a message and an errorType (SEM-MAX-USERS-EXCEEDED)."),
		chk("SEM-MAX-USERS-EXCLUDESELF", compat, v3180, 200, "does not count the caller toward the max-users limit with excludeSelf",
			ev(srcMaxUsersDefault(), srcExcludeSelf6(), srcMaxUsers8(), srcExcludeSelf8()), func(ctx SpecContext, e env) {
				n := e.MaxUsers
				pool := append([]string{"caller"}, e.others()...)
				if n > len(pool) || n < 2 {
					Skip(fmt.Sprintf("a limit of %d needs %d users besides the admin; personas.yaml provides %d", n, n, len(pool)))
				}
				resp := e.create(ctx, "admin", map[string]any{"usernames": e.names(pool[:n]...), "excludeSelf": true},
					fmt.Sprintf("%d members without the caller are within the limit of %d", n, n))
				resp.ExpectField("room.usernames", HaveLen(n), "every named member is in the room, the caller is not")
			}).on(supported(), noteRouter),
		chk("SEM-GUEST-NOT-ALLOWED", compat, v0590, 400, "refuses a guest, who lacks the create-d permission, with error-not-allowed",
			ev(srcPermission6(), srcPermission8()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "guest", e.peerBody())
				resp.ExpectStatus(400, "a user without create-d (the guest role) cannot open a DM")
				resp.ExpectBody(notAllowed(), "released Rocket.Chat answers error-not-allowed")
			}).on(supported(), noteRouter),
	}
}
