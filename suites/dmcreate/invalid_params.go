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

	// The exact texts list the usernames form's error first, so only a
	// server that has that form (3.1.0) can answer them; the 400
	// invalid-params shape is checked apart, at the version of the body.
	DescribeTable("refuses a body without parameters as invalid-params",
		func(ctx SpecContext, body, promise string) {
			expectInvalidParams(env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: body}), promise)
		},
		Entry("for an empty object", fw.Check("PARAMS-MISSING", fw.Core, fw.V0590, 400),
			`{}`, "a body with neither username nor usernames is refused as invalid-params (doc: Missing parameter example)"),
		Entry("when there is no body at all", fw.Check("PARAMS-NO-BODY", fw.Core, fw.V0590, 400),
			"", "a request without a body is read as {} and refused as invalid-params (doc: Missing parameter example)"),
		Entry("for a body that is not valid JSON", fw.Check("PARAMS-BROKEN-JSON", fw.Compat, fw.V0590, 400),
			`{"username": "x",`, "released Rocket.Chat reads broken JSON as {} and refuses it as invalid-params"),
	)

	DescribeTable("answers the documented \"Missing parameter\" error text",
		func(ctx SpecContext, body, promise string) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: body})
			expectInvalidParams(resp, promise)
			resp.ExpectField("error", missingParameter, promise+": the error text is the doc's \"Missing parameter\" example, the usernames form's error first")
		},
		Entry("for an empty object", fw.Check("PARAMS-MISSING-TEXT", fw.Core, fw.V3010, 400),
			`{}`, "a body with neither username nor usernames is refused as invalid-params"),
		Entry("when there is no body at all", fw.Check("PARAMS-NO-BODY-TEXT", fw.Core, fw.V3010, 400),
			"", "a request without a body is read as {}"),
		Entry("for a body that is not valid JSON", fw.Check("PARAMS-BROKEN-JSON-TEXT", fw.Compat, fw.V3010, 400),
			`{"username": "x",`, "released Rocket.Chat reads broken JSON as {}"),
	)

	var shape, exact []TableEntry
	for _, b := range generated {
		shape = append(shape, Entry(b.Name, fw.Check("PARAMS-"+b.Key, fw.Core, b.Since, 400), b))
		if b.Message != "" {
			exact = append(exact, Entry(b.Name, fw.Check("PARAMS-"+b.Key+"-TEXT", fw.Compat, textSince(b.Since), 400), b))
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
			resp.ExpectField("error", b.Message, "released Rocket.Chat lists the first error of each body form in the schema's order (the usernames form first), then the oneOf line, joined with \"\\n \" and suffixed \" [invalid-params]\"")
		}, exact)

	It("answers a validation error with Content-Type exactly application/json",
		fw.Check("PARAMS-CONTENT-TYPE", fw.Compat, fw.V0590, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: `{}`})
			expectInvalidParams(resp, "a body without parameters is refused as invalid-params")
			resp.ExpectContentType("application/json", "the 400 answer's Content-Type is exactly application/json, like every answer of the endpoint")
		})

	It("coerces a numeric username to a string, so the name is looked up rather than refused as invalid-params",
		fw.Check("PARAMS-COERCE-NUMBER", fw.Compat, fw.V0590, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: `{"username":987654321}`})
			resp.ExpectStatus(400, "released Rocket.Chat coerces 987654321 to \"987654321\" and finds no such user")
			resp.ExpectField("errorType", "error-invalid-user", "a coerced username that names nobody is an invalid user, not invalid params")
		})

	It("coerces a null username to the empty string, which is the plain \"invalid username\" error",
		fw.Check("PARAMS-COERCE-NULL", fw.Compat, fw.V0590, 400), func(ctx SpecContext) {
			resp := env.Client.Post(ctx, fw.Request{Auth: env.Creds("caller"), Body: `{"username":null}`})
			resp.ExpectStatus(400, "released Rocket.Chat coerces null to \"\", an empty name")
			resp.ExpectBody(invalidUsername, "a null username passes validation as \"\" and is refused as an empty name, not as invalid-params")
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

// textSince is the feature version of an exact validation text: the body's
// own, but at least 3.1.0, since every text names the usernames form.
func textSince(v string) string {
	if laterVersion(fw.V3010, v) {
		return fw.V3010
	}
	return v
}
