package dmcreate

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"

	fw "github.com/rcconform/rcconform/suites/framework"
)

// invalidUser is the doc's "Invalid User" example, byte for byte.
const invalidUser = `{"success":false,"error":"Invalid user [error-invalid-user]","errorType":"error-invalid-user","details":{"method":"createDirectMessage"}}`

// invalidUsername is what released Rocket.Chat answers for an empty name:
// a plain error without errorType.
const invalidUsername = `{"success":false,"error":"invalid username"}`

var _ = Describe("dm.create naming users that do not exist", Label("family:invalid-user"), func() {
	It("returns 400 with the documented Invalid User body for an unknown username",
		fw.Check("USER-UNKNOWN", fw.Core, fw.V0590, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"),
				Body: fw.JSON(map[string]any{"username": "rcc-" + env.Cast.RunID + "-nobody"})})
			resp.ExpectStatus(400, "a username that names nobody is refused with 400 (doc: Invalid User example)")
			resp.ExpectBody(invalidUser, "the body is the doc's Invalid User example")
		})

	It("returns 400 with the documented Invalid User body when one of several usernames is unknown",
		fw.Check("USER-UNKNOWN-IN-LIST", fw.Core, fw.V3010, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"),
				Body: fw.JSON(map[string]any{"usernames": names("peer") + ",rcc-" + env.Cast.RunID + "-nobody"})})
			resp.ExpectStatus(400, "a list with one name that names nobody is refused with 400 (doc: Invalid User example)")
			resp.ExpectBody(invalidUser, "the body is the doc's Invalid User example")
		})

	It("uses username as sent: a name with blanks around it is an unknown user",
		fw.Check("USER-UNTRIMMED", fw.Compat, fw.V0590, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"),
				Body: fw.JSON(map[string]any{"username": " " + env.User("peer").Username + " "})})
			resp.ExpectStatus(400, "username is not trimmed (only the items of usernames are), so \" name \" names nobody")
			resp.ExpectBody(invalidUser, "an untrimmed username is answered with the Invalid User body")
		})

	It("looks users up before the permission check: a guest naming nobody gets Invalid User",
		fw.Check("USER-BEFORE-PERMISSION", fw.Compat, fw.V0590, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("guest"),
				Body: fw.JSON(map[string]any{"username": "rcc-" + env.Cast.RunID + "-nobody"})})
			resp.ExpectStatus(400, "an unknown user is refused before create-d is checked")
			resp.ExpectBody(invalidUser, "released Rocket.Chat resolves the names before checking create-d, so the guest gets Invalid User, not error-not-allowed")
		})

	It("looks users up before the max-users check: too many names with an unknown one gets Invalid User",
		fw.Check("USER-BEFORE-MAX-USERS", fw.Compat, fw.V3010, 400), func(ctx SpecContext) {
			list := append(usernames(others()...), "rcc-"+env.Cast.RunID+"-nobody")
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"),
				Body: fw.JSON(map[string]any{"usernames": strings.Join(list, ",")})})
			resp.ExpectStatus(400, "an unknown user is refused before the member count is checked")
			resp.ExpectBody(invalidUser, "released Rocket.Chat resolves the names before counting members, so too many names with an unknown one get Invalid User")
		})

	It("refuses excludeSelf with a single other user as an invalid user",
		fw.Check("USER-EXCLUDESELF-ALONE", fw.Compat, fw.V3180, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("admin"),
				Body: fw.JSON(map[string]any{"username": env.User("peer").Username, "excludeSelf": true})})
			resp.ExpectStatus(400, "a DM without the caller needs at least two other members; one is refused with 400")
			resp.ExpectBody(invalidUser, "released Rocket.Chat answers the Invalid User body")
		})

	DescribeTable("answers the plain \"invalid username\" error for an empty name",
		func(ctx SpecContext, body func() string) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: body()})
			resp.ExpectStatus(400, "an empty name is refused with 400")
			resp.ExpectBody(invalidUsername, "released Rocket.Chat answers {\"success\":false,\"error\":\"invalid username\"} with no errorType")
		},
		Entry("username is the empty string", fw.Check("USER-EMPTY", fw.Compat, fw.V0590, 400),
			func() string { return `{"username":""}` }),
		Entry("usernames ends with a comma", fw.Check("USER-EMPTY-ITEM", fw.Compat, fw.V3010, 400),
			func() string { return fw.JSON(map[string]any{"usernames": names("peer") + ","}) }),
		Entry("usernames holds only blanks and a comma", fw.Check("USER-BLANK-ITEMS", fw.Compat, fw.V3010, 400),
			func() string { return `{"usernames":" , "}` }),
	)
})
