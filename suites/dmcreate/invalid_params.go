package dmcreate

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/rcconform/rcconform/openapi"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// missingParameter is the doc's "Missing parameter" example, byte for byte.
const missingParameter = "must have required property 'usernames'\n must have required property 'username'\n must match exactly one schema in oneOf [invalid-params]"

// generated holds the invalid bodies derived from the spec. Building the
// tree must not fail silently: a broken spec stops every process alike.
var generated = func() []invalidBody {
	spec, err := openapi.Load()
	if err != nil {
		panic(fmt.Sprintf("dmcreate: load the embedded spec: %v", err))
	}
	bodies, err := invalidBodies(spec)
	if err != nil {
		panic(fmt.Sprintf("dmcreate: derive invalid bodies from the spec: %v", err))
	}
	return bodies
}()

var _ = Describe("dm.create with an invalid body", Label("family:invalid-params"), func() {
	expectInvalidParams := func(resp *fw.Response, promise string) {
		GinkgoHelper()
		resp.ExpectStatus(400, promise)
		resp.ExpectField("success", false, promise)
		resp.ExpectField("errorType", "invalid-params", promise)
	}

	It("returns 400 invalid-params with the documented \"Missing parameter\" error for an empty object",
		fw.Check("PARAMS-MISSING", fw.Core, fw.V0590, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: `{}`})
			expectInvalidParams(resp, "a body with neither username nor usernames is refused as invalid-params (doc: Missing parameter example)")
			resp.ExpectField("error", missingParameter, "the error text is the doc's \"Missing parameter\" example")
		})

	It("returns 400 invalid-params with the \"Missing parameter\" error when there is no body at all",
		fw.Check("PARAMS-NO-BODY", fw.Core, fw.V0590, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller")})
			expectInvalidParams(resp, "a request without a body is read as {} and refused as invalid-params (doc: Missing parameter example)")
			resp.ExpectField("error", missingParameter, "the error text is the doc's \"Missing parameter\" example")
		})

	It("reads a body that is not valid JSON as {} and answers the \"Missing parameter\" error",
		fw.Check("PARAMS-BROKEN-JSON", fw.Compat, fw.V0590, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: `{"username": "x",`})
			expectInvalidParams(resp, "released Rocket.Chat reads broken JSON as {} and refuses it as invalid-params")
			resp.ExpectField("error", missingParameter, "released Rocket.Chat reads broken JSON as {}, so the error is the \"Missing parameter\" text")
		})

	var shape, exact []TableEntry
	for _, b := range generated {
		shape = append(shape, Entry(b.Name, fw.Check("PARAMS-"+b.Key, fw.Core, b.Since, 400), b))
		if b.Message != "" {
			exact = append(exact, Entry(b.Name, fw.Check("PARAMS-"+b.Key+"-TEXT", fw.Compat, b.Since, 400), b))
		}
	}
	send := func(ctx SpecContext, b invalidBody) *fw.Response {
		body := strings.ReplaceAll(b.Body, "%s", env.User("peer").Username)
		return env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: body})
	}

	DescribeTable("returns 400 with success false and errorType invalid-params for a body that breaks the request schema:",
		func(ctx SpecContext, b invalidBody) {
			expectInvalidParams(send(ctx, b), "a body that is "+b.Name+" matches neither documented body form, so it is refused as invalid-params")
		}, shape)

	DescribeTable("answers Rocket.Chat's exact validation message for a body that breaks the request schema:",
		func(ctx SpecContext, b invalidBody) {
			resp := send(ctx, b)
			expectInvalidParams(resp, "a body that is "+b.Name+" is refused as invalid-params")
			resp.ExpectField("error", b.Message, "released Rocket.Chat lists the first error of each body form, then the oneOf line, joined with \"\\n \" and suffixed \" [invalid-params]\"")
		}, exact)

	It("coerces a numeric username to a string, so the name is looked up rather than refused as invalid-params",
		fw.Check("PARAMS-COERCE-NUMBER", fw.Compat, fw.V0590, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: `{"username":987654321}`})
			resp.ExpectStatus(400, "released Rocket.Chat coerces 987654321 to \"987654321\" and finds no such user")
			resp.ExpectField("errorType", "error-invalid-user", "a coerced username that names nobody is an invalid user, not invalid params")
		})

	It("coerces excludeSelf given as the string \"false\" to a boolean",
		fw.Check("PARAMS-COERCE-BOOLEAN", fw.Compat, fw.V3180, 200), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"),
				Body: fw.JSON(map[string]any{"username": env.User("peer").Username, "excludeSelf": "false"})})
			resp.ExpectStatus(200, "released Rocket.Chat coerces \"false\" to false and creates the DM")
			resp.ExpectField("room.usernames", haveMembers("caller", "peer"),
				"with excludeSelf false the caller is a member")
		})
})
