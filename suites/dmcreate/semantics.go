package dmcreate

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/fixtures"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// maxUsersExceeded is released Rocket.Chat's answer (6.6 and later) when a
// DM would hold more members than DirectMesssage_maxUsers.
func maxUsersExceeded(n int) string {
	return fmt.Sprintf(`{"success":false,"error":"You cannot add more than %d users, including yourself to a direct message [error-direct-message-max-user-exceeded]","errorType":"error-direct-message-max-user-exceeded","details":{"method":"createDirectRoom"}}`, n)
}

const notAllowed = `{"success":false,"error":"Not allowed [error-not-allowed]","errorType":"error-not-allowed","details":{"method":"createDirectMessage"}}`

// create posts a body as a persona and requires the room to be created.
func create(ctx SpecContext, as string, body map[string]any, promise string) *fw.Response {
	GinkgoHelper()
	resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds(as), Body: fw.JSON(body)})
	resp.ExpectStatus(200, promise)
	return resp
}

// others returns the personas besides the caller that can fill a room.
func others() []string {
	return append([]string{"peer", "third"}, env.Cast.Crowd()...)
}

var _ = Describe("dm.create semantics clients rely on", Label("family:semantics"), func() {
	Describe("room identity", func() {
		It("gives a 1:1 DM the rid of the two user ids sorted and joined",
			fw.Check("SEM-RID-COMPOSED", fw.Compat, fw.V0590, 200), func(ctx SpecContext) {
				resp := create(ctx, "caller", map[string]any{"username": env.User("peer").Username}, "a 1:1 DM is created")
				ids := []string{env.User("caller").ID, env.User("peer").ID}
				slices.Sort(ids)
				resp.ExpectField("room.rid", strings.Join(ids, ""), "a 1:1 DM's rid is its two members' user ids, sorted, joined with nothing between")
			})

		It("gives a self-DM a generated rid, not one composed from the user id",
			fw.Check("SEM-RID-SELF", fw.Compat, fw.V0590, 200), func(ctx SpecContext) {
				id := env.User("caller").ID
				resp := create(ctx, "caller", map[string]any{"username": env.User("caller").Username}, "a self-DM is created")
				resp.ExpectField("room.rid", And(Not(Equal(id)), Not(Equal(id+id))), "only 1:1 DMs have composed rids; a self-DM gets a generated one")
			})

		It("gives a group DM a generated rid, not one composed from the user ids",
			fw.Check("SEM-RID-GROUP", fw.Compat, fw.V3010, 200), func(ctx SpecContext) {
				resp := create(ctx, "caller", map[string]any{"usernames": names("peer", "third")}, "a group DM is created")
				ids := []string{env.User("caller").ID, env.User("peer").ID, env.User("third").ID}
				slices.Sort(ids)
				resp.ExpectField("room.rid", Not(Equal(strings.Join(ids, ""))), "only 1:1 DMs have composed rids; a group DM gets a generated one")
			})

		It("returns the same 1:1 room when it is created again, from either side",
			fw.Check("SEM-IDEMPOTENT-ONE-TO-ONE", fw.Compat, fw.V0590, 200), func(ctx SpecContext) {
				By("creating the DM as the caller")
				first := create(ctx, "caller", map[string]any{"username": env.User("third").Username}, "a 1:1 DM is created")
				By("creating it again as the caller")
				again := create(ctx, "caller", map[string]any{"username": env.User("third").Username}, "creating an existing DM again succeeds")
				again.ExpectField("room.rid", first.String("room.rid"), "creating an existing 1:1 DM again returns the same room")
				By("creating it from the other member's side")
				other := create(ctx, "third", map[string]any{"username": env.User("caller").Username}, "the other member can open the same DM")
				other.ExpectField("room.rid", first.String("room.rid"), "the other member opening the DM gets the same room")
			})

		It("returns the same self-DM when it is created again",
			fw.Check("SEM-IDEMPOTENT-SELF", fw.Compat, fw.V0590, 200), func(ctx SpecContext) {
				first := create(ctx, "peer", map[string]any{"username": env.User("peer").Username}, "a self-DM is created")
				again := create(ctx, "peer", map[string]any{"username": env.User("peer").Username}, "creating the self-DM again succeeds")
				again.ExpectField("room.rid", first.String("room.rid"), "creating an existing self-DM again returns the same room")
			})

		It("returns the same group room when it is created again, in any name order",
			fw.Check("SEM-IDEMPOTENT-GROUP", fw.Compat, fw.V3010, 200), func(ctx SpecContext) {
				first := create(ctx, "caller", map[string]any{"usernames": names("peer", "crowd1")}, "a group DM is created")
				By("creating it again with the same names")
				same := create(ctx, "caller", map[string]any{"usernames": names("peer", "crowd1")}, "creating the group DM again succeeds")
				same.ExpectField("room.rid", first.String("room.rid"), "creating an existing group DM again returns the same room")
				By("creating it again with the names in another order")
				again := create(ctx, "caller", map[string]any{"usernames": names("crowd1", "peer")}, "creating the group DM again succeeds")
				again.ExpectField("room.rid", first.String("room.rid"), "the same members in another order are the same group room")
			})

		It("gives different 1:1 rooms to different pairs",
			fw.Check("SEM-DISTINCT-ONE-TO-ONE", fw.Compat, fw.V0590, 200), func(ctx SpecContext) {
				a := create(ctx, "caller", map[string]any{"username": env.User("peer").Username}, "a 1:1 DM is created")
				b := create(ctx, "caller", map[string]any{"username": env.User("crowd2").Username}, "another 1:1 DM is created")
				b.ExpectField("room.rid", Not(Equal(a.String("room.rid"))), "a DM with another person is another room")
			})

		It("gives different rooms to different member sets",
			fw.Check("SEM-DISTINCT-GROUP", fw.Compat, fw.V3010, 200), func(ctx SpecContext) {
				pair := create(ctx, "caller", map[string]any{"username": env.User("peer").Username}, "a 1:1 DM is created")
				g1 := create(ctx, "caller", map[string]any{"usernames": names("peer", "third")}, "a group DM is created")
				g2 := create(ctx, "caller", map[string]any{"usernames": names("peer", "crowd3")}, "another group DM is created")
				g1.ExpectField("room.rid", Not(Equal(pair.String("room.rid"))), "a group is not the 1:1 room of two of its members")
				g2.ExpectField("room.rid", Not(Or(Equal(g1.String("room.rid")), Equal(pair.String("room.rid")))), "another member set is another room")
			})
	})

	Describe("the caller and repeated names", func() {
		It("leaves the caller out of usernames when they name themself among others, giving the 1:1 room",
			fw.Check("SEM-CALLER-IN-LIST", fw.Compat, fw.V3010, 200), func(ctx SpecContext) {
				pair := create(ctx, "caller", map[string]any{"username": env.User("peer").Username}, "a 1:1 DM is created")
				resp := create(ctx, "caller", map[string]any{"usernames": names("caller", "peer")}, "usernames may name the caller")
				resp.ExpectField("room.usernames", haveMembers("caller", "peer"), "the caller is a member once")
				resp.ExpectField("room.rid", pair.String("room.rid"), "the caller naming themself and one other is the 1:1 room of the two")
			})

		It("treats a name given twice as one member of the room",
			fw.Check("SEM-REPEATED-NAME", fw.Compat, fw.V3010, 200), func(ctx SpecContext) {
				pair := create(ctx, "caller", map[string]any{"username": env.User("third").Username}, "a 1:1 DM is created")
				resp := create(ctx, "caller", map[string]any{"usernames": names("third", "third")}, "a name given twice is allowed")
				resp.ExpectField("room.usernames", haveMembers("caller", "third"), "the room holds each user once")
				resp.ExpectField("room.rid", pair.String("room.rid"), "the same two people are the same 1:1 room, however often a name is given")
			})

		It("opens the self-DM when the caller names themself in another case",
			fw.Check("SEM-SELF-OTHER-CASE", fw.Compat, fw.V0590, 200), func(ctx SpecContext) {
				self := create(ctx, "crowd1", map[string]any{"username": env.User("crowd1").Username}, "a self-DM is created")
				upper := create(ctx, "crowd1", map[string]any{"username": strings.ToUpper(env.User("crowd1").Username)}, "the caller's own name in another case is found")
				upper.ExpectField("room.usernames", haveMembers("crowd1"), "the caller's own name in another case is still only the caller")
				upper.ExpectField("room.rid", self.String("room.rid"), "the caller's own name in another case gives the self-DM")
			})
	})

	Describe("user lookup", func() {
		It("finds a username without regard to case and answers with the stored case",
			fw.Check("SEM-CASE-INSENSITIVE", fw.Compat, fw.V0590, 200), func(ctx SpecContext) {
				exact := create(ctx, "caller", map[string]any{"username": env.User("peer").Username}, "a 1:1 DM is created")
				upper := create(ctx, "caller", map[string]any{"username": strings.ToUpper(env.User("peer").Username)}, "a username in another case names the same user")
				upper.ExpectField("room.usernames", haveMembers("caller", "peer"), "the room lists the usernames as stored, not as typed")
				upper.ExpectField("room.rid", exact.String("room.rid"), "the same user in another case gives the same room")
			})

		It("finds names in usernames without regard to case",
			fw.Check("SEM-CASE-INSENSITIVE-LIST", fw.Compat, fw.V3010, 200), func(ctx SpecContext) {
				resp := create(ctx, "caller", map[string]any{"usernames": strings.ToUpper(names("peer", "third"))}, "usernames in another case name the same users")
				resp.ExpectField("room.usernames", haveMembers("caller", "peer", "third"), "the room lists the usernames as stored, not as typed")
			})
	})

	Describe("member order", func() {
		// personas.yaml: caller "zulu Caller", peer "Mike Peer", third "bravo Third".
		It("lists a 1:1 room's usernames by display name",
			fw.Check("SEM-ORDER-ONE-TO-ONE", fw.Compat, fw.V0590, 200), func(ctx SpecContext) {
				resp := create(ctx, "caller", map[string]any{"username": env.User("peer").Username}, "a 1:1 DM is created")
				resp.ExpectField("room.usernames", Equal(toAny(usernames("peer", "caller"))), "usernames are sorted by display name (\"Mike Peer\" before \"zulu Caller\"), not by username")
			})

		It("lists a group room's usernames by display name, compared as people read them",
			fw.Check("SEM-ORDER-GROUP", fw.Compat, fw.V3010, 200), func(ctx SpecContext) {
				resp := create(ctx, "caller", map[string]any{"usernames": names("peer", "third")}, "a group DM is created")
				resp.ExpectField("room.usernames", Equal(toAny(usernames("third", "peer", "caller"))),
					"usernames are sorted by display name with a locale-aware comparison (\"bravo Third\", \"Mike Peer\", \"zulu Caller\"), not by username or byte order")
			})
	})

	Describe("limits and permissions", func() {
		It("accepts a DM of exactly the max-users limit, the caller included",
			fw.Check("SEM-MAX-USERS-LIMIT", fw.Compat, fw.V3010, 200), func(ctx SpecContext) {
				n := env.MaxUsers
				if n-1 > len(others()) || n < 3 {
					Skip(fmt.Sprintf("a limit of %d needs %d other users; personas.yaml provides %d", n, n-1, len(others())))
				}
				resp := create(ctx, "caller", map[string]any{"usernames": names(others()[:n-1]...)}, fmt.Sprintf("a DM of %d members (the limit) is allowed", n))
				resp.ExpectField("room.usernames", HaveLen(n), "every member is in the room")
			})

		It("refuses a DM of one member more than the max-users limit with the exact error",
			fw.Check("SEM-MAX-USERS-EXCEEDED", fw.Compat, fw.V3010, 400), func(ctx SpecContext) {
				n := env.MaxUsers
				if n > len(others()) {
					Skip(fmt.Sprintf("a limit of %d needs %d other users; personas.yaml provides %d", n, n, len(others())))
				}
				resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: fw.JSON(map[string]any{"usernames": names(others()[:n]...)})})
				resp.ExpectStatus(400, fmt.Sprintf("a DM of %d members is over the limit of %d", n+1, n))
				resp.ExpectBody(maxUsersExceeded(n), "released Rocket.Chat answers error-direct-message-max-user-exceeded naming the limit")
			})

		It("counts repeated names toward the max-users limit",
			fw.Check("SEM-MAX-USERS-DUPLICATES", fw.Compat, fw.V3010, 400), func(ctx SpecContext) {
				n := env.MaxUsers
				if n-1 > len(others()) || n < 3 {
					Skip(fmt.Sprintf("a limit of %d needs %d other users; personas.yaml provides %d", n, n-1, len(others())))
				}
				list := append(slices.Clone(others()[:n-1]), "peer")
				resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: fw.JSON(map[string]any{"usernames": names(list...)})})
				resp.ExpectStatus(400, fmt.Sprintf("%d distinct members plus a repeated name count as %d, over the limit", n, n+1))
				resp.ExpectBody(maxUsersExceeded(n), "released Rocket.Chat counts every name given, repeats included")
			})

		It("does not count the caller toward the max-users limit with excludeSelf",
			fw.Check("SEM-MAX-USERS-EXCLUDESELF", fw.Compat, fw.V3180, 200), func(ctx SpecContext) {
				n := env.MaxUsers
				pool := append([]string{"caller"}, others()...)
				if n > len(pool) || n < 2 {
					Skip(fmt.Sprintf("a limit of %d needs %d users besides the admin; personas.yaml provides %d", n, n, len(pool)))
				}
				resp := create(ctx, "admin", map[string]any{"usernames": names(pool[:n]...), "excludeSelf": true},
					fmt.Sprintf("%d members without the caller are within the limit of %d", n, n))
				resp.ExpectField("room.usernames", HaveLen(n), "every named member is in the room, the caller is not")
			})

		It("refuses a guest, who lacks the create-d permission, with error-not-allowed",
			fw.Check("SEM-GUEST-NOT-ALLOWED", fw.Compat, fw.V0590, 400), func(ctx SpecContext) {
				resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("guest"), Body: peerBody()})
				resp.ExpectStatus(400, "a user without create-d (the guest role) cannot open a DM")
				resp.ExpectBody(notAllowed, "released Rocket.Chat answers error-not-allowed")
			})
	})

	Describe("concurrency", func() {
		concurrent := func(ctx SpecContext, as string, body map[string]any) []*fw.Response {
			GinkgoHelper()
			const n = 8
			resps := make([]*fw.Response, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					resps[i], errs[i] = env.Client.Send(ctx, fw.Request{Auth: env.Creds(as), Body: fw.JSON(body)})
				})
			}
			wg.Wait()
			for i := range n {
				Expect(errs[i]).NotTo(HaveOccurred(), "every concurrent request is answered")
				env.Client.Record(resps[i])
				resps[i].ExpectStatus(200, "concurrent identical creations all succeed")
			}
			return resps
		}

		It("creates one 1:1 room for concurrent identical requests",
			fw.Check("SEM-CONCURRENT-ONE-TO-ONE", fw.Compat, fw.V0590, 200), func(ctx SpecContext) {
				resps := concurrent(ctx, "crowd5", map[string]any{"username": env.User("crowd6").Username})
				for _, r := range resps[1:] {
					r.ExpectField("room.rid", resps[0].String("room.rid"), "concurrent creations of the same DM all get the same room")
				}
			})

		It("creates one group room for concurrent identical requests",
			fw.Check("SEM-CONCURRENT-GROUP", fw.Compat, fw.V3010, 200), func(ctx SpecContext) {
				resps := concurrent(ctx, "crowd4", map[string]any{"usernames": names("crowd5", "crowd6")})
				for _, r := range resps[1:] {
					r.ExpectField("room.rid", resps[0].String("room.rid"), "concurrent creations of the same group DM all get the same room")
				}
			})
	})
})

var _ = Describe("im.create, the alias of dm.create", Label("family:alias"), func() {
	DescribeTable("answers exactly like dm.create",
		func(ctx SpecContext, as string, body func() string) {
			var auth *fixtures.Credentials
			if as != "" {
				auth = env.Creds(as)
			}
			dm := env.Client.Post(ctx, fw.Request{Path: fw.DMCreate, Auth: auth, Body: body()})
			im := env.Client.Post(ctx, fw.Request{Path: fw.IMCreate, Auth: auth, Body: body()})
			Expect(fw.Same(dm, im)).To(BeTrue(), im.Explain(fmt.Sprintf(
				"im.create is the same endpoint as dm.create and gives the same answer; dm.create answered %d %s", dm.Status, dm.Exchange.ResponseBody)))
		},
		Entry("for a 1:1 DM", fw.Check("ALIAS-ONE-TO-ONE", fw.Compat, fw.V0590, 200), "caller", peerBody),
		Entry("for a group DM", fw.Check("ALIAS-GROUP", fw.Compat, fw.V3010, 200), "caller",
			func() string { return fw.JSON(map[string]any{"usernames": names("third", "crowd2")}) }),
		Entry("for a body without parameters", fw.Check("ALIAS-MISSING", fw.Compat, fw.V0590, 400), "caller", func() string { return `{}` }),
		Entry("for an unknown user", fw.Check("ALIAS-UNKNOWN-USER", fw.Compat, fw.V0590, 400), "caller",
			func() string { return `{"username":"rcc-` + env.Cast.RunID + `-nobody"}` }),
		Entry("without credentials", fw.Check("ALIAS-UNAUTHORIZED", fw.Compat, fw.V0590, 401), "", peerBody),
	)
})

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
