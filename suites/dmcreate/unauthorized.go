package dmcreate

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/rcconform/rcconform/fixtures"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// The documented 401 answer: status "error" and this message. Rocket.Chat
// 8.x also sends success and error; extra keys are allowed.
const loggedOutMessage = "You must be logged in to do this."

var _ = Describe("dm.create without valid credentials", Label("family:unauthorized"), func() {
	expect401 := func(resp *fw.Response, promise string) {
		GinkgoHelper()
		resp.ExpectStatus(401, promise)
		resp.ExpectField("status", "error", "the 401 body has status \"error\" (doc: Authorization Error example)")
		resp.ExpectField("message", loggedOutMessage, "the 401 body has message \""+loggedOutMessage+"\" (doc: Authorization Error example)")
	}

	// Each entry builds the credentials to send from the provisioned users.
	DescribeTable("returns 401 with the documented body",
		func(ctx SpecContext, auth func() *fixtures.Credentials, header func() map[string]string, promise string) {
			var h map[string]string
			if header != nil {
				h = header()
			}
			resp := env.Client.Post(ctx, fw.Request{Auth: auth(), Header: h, Body: peerBody()})
			expect401(resp, promise)
		},
		Entry("when no authentication header is sent", fw.Check("AUTH-01", fw.Core, fw.V0590, 401),
			func() *fixtures.Credentials { return nil }, nil,
			"a request without X-User-Id and X-Auth-Token is refused with 401"),
		Entry("when only X-User-Id is sent", fw.Check("AUTH-02", fw.Core, fw.V0590, 401),
			func() *fixtures.Credentials { return nil },
			func() map[string]string { return map[string]string{"X-User-Id": env.User("caller").Creds.UserID} },
			"a request with X-User-Id but no X-Auth-Token is refused with 401"),
		Entry("when only X-Auth-Token is sent", fw.Check("AUTH-03", fw.Core, fw.V0590, 401),
			func() *fixtures.Credentials { return nil },
			func() map[string]string { return map[string]string{"X-Auth-Token": env.User("caller").Creds.Token} },
			"a request with X-Auth-Token but no X-User-Id is refused with 401"),
		Entry("when X-Auth-Token is wrong", fw.Check("AUTH-04", fw.Core, fw.V0590, 401),
			func() *fixtures.Credentials {
				c := env.User("caller").Creds
				c.Token = "wrong" + c.Token[5:]
				return &c
			}, nil,
			"a token that was never issued is refused with 401"),
		Entry("when X-User-Id names another user than the token's", fw.Check("AUTH-05", fw.Core, fw.V0590, 401),
			func() *fixtures.Credentials {
				return &fixtures.Credentials{UserID: env.User("peer").ID, Token: env.User("caller").Creds.Token}
			}, nil,
			"a valid token presented with another user's id is refused with 401"),
	)

	It("checks credentials before the body: an unauthenticated invalid body gets 401, not 400",
		fw.Check("AUTH-06", fw.Compat, fw.V0590, 401), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Body: `{"unknown":1}`})
			expect401(resp, "authentication runs before body validation, so a bad body without credentials is still 401")
		})

	It("answers 401 with the four-key body of Rocket.Chat 8.x",
		fw.Check("AUTH-BODY", fw.Compat, fw.V0590, 401), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Body: peerBody()})
			resp.ExpectStatus(401, "a request without credentials is refused with 401")
			resp.ExpectBody(`{"success":false,"error":"`+loggedOutMessage+`","status":"error","message":"`+loggedOutMessage+`"}`,
				"released Rocket.Chat 8.x answers success false and error next to the documented status and message")
			resp.ExpectContentType("application/json", "the 401 answer's Content-Type is exactly application/json")
		})

	It("returns 401 on the im.create alias too", fw.Check("AUTH-07", fw.Core, fw.V0590, 401), func(ctx SpecContext) {
		resp := env.Client.Post(ctx, fw.Request{Path: fw.IMCreate, Body: peerBody()})
		expect401(resp, "im.create is the same endpoint and refuses a request without credentials with 401")
	})
})
