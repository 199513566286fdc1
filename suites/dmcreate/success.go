package dmcreate

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	fw "github.com/rcconform/rcconform/suites/framework"
)

// expectRoom checks the documented 200 shape: a direct room whose _id is
// its rid, holding exactly the given personas.
func expectRoom(resp *fw.Response, promise string, members ...string) {
	GinkgoHelper()
	resp.ExpectStatus(200, promise)
	resp.ExpectField("success", true, "a created or found room is answered with success true")
	resp.ExpectField("room.t", "d", "the room is a direct message room (t \"d\")")
	resp.ExpectField("room.rid", Not(BeEmpty()), "the room has a rid")
	resp.ExpectField("room._id", resp.String("room.rid"), "the room's _id equals its rid")
	resp.ExpectField("room.usernames", haveMembers(members...), promise+": the room's usernames are exactly its members")
}

var _ = Describe("dm.create creating a direct message", Label("family:success"), func() {
	It("opens a 1:1 DM with the user named in username",
		fw.Check("OK-ONE-TO-ONE", fw.Core, fw.V0590, 200), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: peerBody()})
			expectRoom(resp, "a DM with another user is answered 200 with the room", "caller", "peer")
		})

	It("answers with Content-Type exactly application/json",
		fw.Check("OK-CONTENT-TYPE", fw.Core, fw.V0590, 200), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: peerBody()})
			resp.ExpectStatus(200, "a DM with another user is answered 200")
			resp.ExpectContentType("application/json", "the answer's Content-Type is exactly application/json, which clients and Rocket.Chat's own tests compare as a string")
		})

	It("opens a group DM with the users named in usernames, the caller included",
		fw.Check("OK-GROUP", fw.Core, fw.V3010, 200), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: fw.JSON(map[string]any{"usernames": names("peer", "third")})})
			expectRoom(resp, "a DM with several users is answered 200 with the room", "caller", "peer", "third")
		})

	It("trims the blanks around each name in usernames",
		fw.Check("OK-GROUP-TRIMMED", fw.Compat, fw.V3010, 200), func(ctx SpecContext) {
			p, t := usernames("peer", "third")[0], usernames("peer", "third")[1]
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: fw.JSON(map[string]any{"usernames": " " + p + " , " + t + " "})})
			expectRoom(resp, "each comma-separated name is trimmed before the lookup", "caller", "peer", "third")
		})

	It("opens a self-DM when the caller names themself",
		fw.Check("OK-SELF", fw.Core, fw.V0590, 200), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: fw.JSON(map[string]any{"username": env.User("caller").Username})})
			expectRoom(resp, "a DM with oneself is allowed by default and answered 200", "caller")
		})

	It("opens the self-DM when usernames names only the caller",
		fw.Check("OK-SELF-USERNAMES", fw.Compat, fw.V3010, 200), func(ctx SpecContext) {
			bySingle := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: fw.JSON(map[string]any{"username": env.User("caller").Username})})
			bySingle.ExpectStatus(200, "a DM with oneself is allowed by default")
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: fw.JSON(map[string]any{"usernames": env.User("caller").Username})})
			expectRoom(resp, "usernames naming only the caller is the caller's self-DM", "caller")
			resp.ExpectField("room.rid", bySingle.String("room.rid"), "usernames naming only the caller gives the same self-DM as username")
		})

	It("leaves the caller out with excludeSelf when an admin opens a DM between others",
		fw.Check("OK-EXCLUDESELF-ADMIN", fw.Core, fw.V3180, 200), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("admin"), Body: fw.JSON(map[string]any{"usernames": names("caller", "peer"), "excludeSelf": true})})
			expectRoom(resp, "with excludeSelf the room holds only the named users", "caller", "peer")
		})

	It("does not refuse excludeSelf to a user without view-room-administration",
		fw.Check("OK-EXCLUDESELF-USER", fw.Compat, fw.V3180, 200), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: fw.JSON(map[string]any{"usernames": names("peer", "third"), "excludeSelf": true})})
			expectRoom(resp, "the permission only decides whether the room opens for its members; the room is still created without the caller", "peer", "third")
		})
})
