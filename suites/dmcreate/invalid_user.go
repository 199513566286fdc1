package dmcreate

import (
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
