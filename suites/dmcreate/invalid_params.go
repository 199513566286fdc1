package dmcreate

import (
	"fmt"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/openapi"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// legacySuffix is what Meteor.Error appends on the legacy route.
const legacySuffix = " [invalid-params]"

// expectInvalidParams checks the documented shape of a schema failure.
func expectInvalidParams(resp *fw.Response, promise string) {
	GinkgoHelper()
	resp.ExpectStatus(400, promise)
	resp.ExpectField("success", false, promise)
	resp.ExpectField("errorType", "invalid-params", promise)
}

// expectMessage checks the validator's message: with the legacy route's
// suffix on 6.x; on 8.x with or without it, since 8.6.1's typed route drops
// it and the release that moved dm.create there is not established.
func (e env) expectMessage(resp *fw.Response, msg, promise string) {
	GinkgoHelper()
	if conformance.Line6.Contains(e.Release) {
		resp.ExpectField("error", msg+legacySuffix, promise+" (6.x: the legacy route appends \""+legacySuffix+"\")")
		return
	}
	resp.ExpectField("error", BeElementOf(msg, msg+legacySuffix), promise+" (8.x: with or without the legacy route's \""+legacySuffix+"\")")
}

func invalidParamsChecks() []check {
	spec, err := openapi.Load()
	if err != nil {
		panic(fmt.Sprintf("dmcreate: load the embedded spec: %v", err))
	}
	bodies, err := invalidBodies(spec)
	if err != nil {
		panic(fmt.Sprintf("dmcreate: derive invalid bodies from the spec: %v", err))
	}
	schemaEvidence := ev(srcSchema6(), srcValidate6(), srcSchema8(), srcValidate8())
	checks := []check{
		chk("PARAMS-MISSING", core, v0590, 400, "refuses a body without parameters as invalid-params",
			ev(docMissing(), docUsername()), func(ctx SpecContext, e env) {
				expectInvalidParams(e.post(ctx, "caller", `{}`), "a body with neither username nor usernames is refused as invalid-params (doc: Missing parameter example)")
			}).on(supported(), noteTypedRouteErrorType),
		chk("PARAMS-NO-BODY", core, v0590, 400, "refuses a request without a body as invalid-params",
			ev(docMissing(), docUsername()), func(ctx SpecContext, e env) {
				expectInvalidParams(e.post(ctx, "caller", ""), "a request without a body gives neither username nor usernames and is refused as invalid-params (doc: Missing parameter example)")
			}).on(supported(), noteTypedRouteErrorType),
		chk("PARAMS-MISSING-TEXT", core, v3010, 400, "answers the documented \"Missing parameter\" text for a body without parameters",
			ev(docMissing()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", `{}`)
				expectInvalidParams(resp, "a body with neither username nor usernames is refused as invalid-params")
				resp.ExpectField("error", missingParameterText(), "the error text is the doc's \"Missing parameter\" example, the usernames form's error first")
			}).on(line6(), "The doc's text ends with the legacy route's \" [invalid-params]\"; 8.6.1's typed route sends it without, and which release moved dm.create there is not established (PARAMS-EMPTY-TEXT checks the text on 8.x)."),
		chk("PARAMS-NO-BODY-TEXT", core, v3010, 400, "answers the documented \"Missing parameter\" text for a request without a body",
			ev(docMissing()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", "")
				expectInvalidParams(resp, "a request without a body is refused as invalid-params")
				resp.ExpectField("error", missingParameterText(), "the error text is the doc's \"Missing parameter\" example")
			}).on(line6(), "The doc's text ends with the legacy route's \" [invalid-params]\"; 8.6.1's typed route sends it without, and which release moved dm.create there is not established."),
		chk("PARAMS-CONTENT-TYPE", compat, v0590, 400, "answers a validation error with Content-Type exactly application/json",
			ev(srcHeaders6(), srcHeaders8()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", `{}`)
				expectInvalidParams(resp, "a body without parameters is refused as invalid-params")
				resp.ExpectContentType("application/json", "the 400 answer's Content-Type is exactly application/json, like every answer of the endpoint")
			}).on(supported(), noteTypedRouteErrorType),
		chk("PARAMS-TEXT-PLAIN", compat, v0590, 400, "does not read a JSON body sent as text/plain: it is a body without parameters",
			ev(srcBodyParser6(), srcBodyParser8()), func(ctx SpecContext, e env) {
				resp := e.Client.Post(ctx, fw.Request{Auth: e.Creds("caller"), Body: e.peerBody(), ContentType: "text/plain"})
				expectInvalidParams(resp, "only application/json and form bodies are parsed; any other Content-Type leaves the parameters empty, whatever the body looks like")
				e.expectMessageOfEmptyBody(ctx, resp, "the parameters are empty, so the error is the server's own answer to {}")
			}).on(supported(), noteTypedRouteErrorType),
		chk("PARAMS-COERCE-NUMBER", compat, v0590, 400, "coerces a numeric username to a string rather than refusing it as invalid-params",
			ev(srcSchema6(), srcSchema8()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", `{"username":987654321}`)
				expectNotInvalidParams(resp, "the validator coerces 987654321 to \"987654321\", a name like any other")
			}).on(supported(), noteRouter),
		chk("PARAMS-COERCE-NULL", compat, v0590, 400, "coerces a null username to a string rather than refusing it as invalid-params",
			ev(srcSchema6(), srcSchema8()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", `{"username":null}`)
				expectNotInvalidParams(resp, "the validator coerces null to \"\"")
			}).on(supported(), noteRouter),
		chk("PARAMS-COERCE-NULL-EMPTY", compat, v0590, 400, "coerces a null username to the empty name, which is the plain \"invalid username\" error",
			ev(srcSchema6(), srcCollation6()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", `{"username":null}`)
				resp.ExpectStatus(400, "null is coerced to \"\", an empty name")
				resp.ExpectBody(invalidUsername(), "a null username passes validation as \"\" and is refused as an empty name, not as invalid-params nor as an unknown user \"null\"")
			}).on(conformance.Between("6.5.0", "7.0.0"), "The plain \"invalid username\" error for an empty name shipped in 6.5.0 (commit 6d461833); 8.6.1 no longer looks names up."),
		chk("PARAMS-COERCE-BOOLEAN", compat, v3180, 200, "coerces excludeSelf given as the string \"false\" to a boolean",
			ev(srcSchema6(), srcSchema8()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"username": e.User("peer").Username, "excludeSelf": "false"}))
				resp.ExpectStatus(200, "the validator coerces \"false\" to false and the DM is created")
				resp.ExpectField("room.usernames", e.haveMembers("caller", "peer"), "with excludeSelf false the caller is a member")
			}).on(supported(), noteRouter),
		chk("PARAMS-COERCE-FORM-EXCLUDESELF", compat, v3180, 200, "coerces excludeSelf=true of a form-encoded body to a boolean",
			ev(srcBodyParser6(), srcBodyParser8(), srcSchema6(), srcSchema8()), func(ctx SpecContext, e env) {
				form := url.Values{"usernames": {e.names("peer", "third")}, "excludeSelf": {"true"}}.Encode()
				resp := e.Client.Post(ctx, fw.Request{Auth: e.Creds("caller"), Body: form, ContentType: "application/x-www-form-urlencoded"})
				resp.ExpectStatus(200, "a form's values are strings; the validator coerces \"true\" to true")
				resp.ExpectField("room.usernames", e.haveMembers("peer", "third"), "with excludeSelf true the caller is left out of the room")
			}).on(supported(), noteRouter),
		chk("PARAMS-BROKEN-JSON-PARSER", compat, v0590, 400, "refuses broken JSON with the body parser's 400, before authentication (6.x)",
			ev(srcBodyParser6(), srcParserErrorPage6()), func(ctx SpecContext, e env) {
				resp := e.Client.Post(ctx, fw.Request{Body: `{"username": "x",`})
				resp.ExpectStatus(400, "6.x parses JSON bodies in a global middleware that answers a parse error itself, before any route authenticates")
				expectNotInvalidParams(resp, "the route never runs, so the answer is the body parser's, not the validator's")
				expectNotEnvelope(resp, "the parse error reaches connect's final handler, which answers with its own page, not Rocket.Chat's JSON envelope")
			}).on(line6(), "The global body parser of 6.x; in 8.x the route parses the body after authentication, and the 7.x releases between are not established."),
		chk("PARAMS-BROKEN-JSON", compat, v0590, 400, "reads broken JSON as a body without parameters, after authentication (8.x)",
			ev(srcBodyParser8(), srcValidate8()), func(ctx SpecContext, e env) {
				By("sending it without credentials")
				expect401(e.Client.Post(ctx, fw.Request{Body: `{"username": "x",`}), "the body is parsed after authentication, so broken JSON without credentials is refused with 401")
				By("sending it with credentials")
				resp := e.post(ctx, "caller", `{"username": "x",`)
				expectInvalidParams(resp, "a parse error leaves the parameters empty, which the validator refuses as invalid-params")
				e.expectMessageOfEmptyBody(ctx, resp, "the parameters are empty, so the error is the server's own answer to {}")
			}).on(line8(), "The 8.x router; 6.x answers from its body parser before authentication, and the 7.x releases between are not established."),
		chk("PARAMS-TRAILING-DATA-PARSER", compat, v0590, 400, "refuses a JSON object followed by other text with the body parser's 400 (6.x)",
			ev(srcBodyParser6(), srcParserErrorPage6()), func(ctx SpecContext, e env) {
				resp := e.Client.Post(ctx, fw.Request{Auth: e.Creds("caller"), Body: e.peerBody() + " junk"})
				resp.ExpectStatus(400, "JSON.parse refuses text after the value, so 6.x's body parser answers a parse error itself rather than reading the object before it")
				expectNotEnvelope(resp, "the parse error reaches connect's final handler, which answers with its own page, not Rocket.Chat's JSON envelope")
			}).on(line6(), "The global body parser of 6.x; in 8.x the route parses the body after authentication, and the 7.x releases between are not established."),
		chk("PARAMS-TRAILING-DATA", compat, v0590, 400, "reads a JSON object followed by other text as a body without parameters (8.x)",
			ev(srcBodyParser8(), srcValidate8()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", e.peerBody()+" junk")
				expectInvalidParams(resp, "JSON.parse refuses text after the value, so the parameters are empty rather than the object before it")
				e.expectMessageOfEmptyBody(ctx, resp, "the parameters are empty, so the error is the server's own answer to {}")
			}).on(line8(), "The 8.x router; 6.x answers from its body parser before authentication, and the 7.x releases between are not established."),
	}
	for _, b := range []struct{ key, name, body string }{{"STRING", "a JSON string", `"abc"`}, {"NUMBER", "a JSON number", `42`}} {
		checks = append(checks,
			chk("PARAMS-"+b.key+"-PARSER", compat, v0590, 400, "refuses "+b.name+" as the body with the body parser's 400, before authentication (6.x)",
				ev(srcBodyParser6(), srcParserErrorPage6()), func(ctx SpecContext, e env) {
					resp := e.Client.Post(ctx, fw.Request{Body: b.body})
					resp.ExpectStatus(400, "6.x's strict JSON body parser refuses a top-level "+strings.TrimPrefix(b.name, "a JSON ")+" before any route authenticates")
					expectNotInvalidParams(resp, "the route never runs, so the answer is the body parser's, not the validator's")
					expectNotEnvelope(resp, "the parser's error reaches connect's final handler, which answers with its own page, not Rocket.Chat's JSON envelope")
				}).on(line6(), "The strict global body parser of 6.x; in 8.x the route parses the body after authentication."),
			chk("PARAMS-"+b.key, compat, v0590, 400, "refuses "+b.name+" as the body as invalid-params, after authentication (8.x)",
				ev(srcBodyParser8(), srcValidate8()), func(ctx SpecContext, e env) {
					By("sending it without credentials")
					expect401(e.Client.Post(ctx, fw.Request{Body: b.body}), "the body is parsed after authentication, so without credentials the answer is 401")
					By("sending it with credentials")
					expectInvalidParams(e.post(ctx, "caller", b.body), b.name+" is no object, so it matches neither documented body form")
				}).on(line8(), "The 8.x router; 6.x answers from its body parser before authentication."),
		)
	}
	for _, b := range bodies {
		send := func(ctx SpecContext, e env) *fw.Response {
			return e.post(ctx, "caller", strings.ReplaceAll(b.Body, "%s", e.User("peer").Username))
		}
		if b.Key != "EMPTY" { // PARAMS-MISSING sends {} already
			level, evidence := compat, schemaEvidence
			if b.Undocumented {
				level, evidence = core, ev(docMissing(), docUsername(), docUsernames())
			}
			checks = append(checks, chk("PARAMS-"+b.Key, level, b.Since, 400,
				"refuses a body that is "+b.Name+" as invalid-params", evidence,
				func(ctx SpecContext, e env) {
					expectInvalidParams(send(ctx, e), "a body that is "+b.Name+" matches neither documented body form, so it is refused as invalid-params")
				}).on(supported(), noteTypedRouteErrorType))
		}
		checks = append(checks, chk("PARAMS-"+b.Key+"-TEXT", compat, textSince(b.Since), 400,
			"answers Rocket.Chat's exact validation message for a body that is "+b.Name, schemaEvidence,
			func(ctx SpecContext, e env) {
				resp := send(ctx, e)
				expectInvalidParams(resp, "a body that is "+b.Name+" is refused as invalid-params")
				e.expectMessage(resp, b.Message, "the validator lists the first error of each body form in the schema's order (the usernames form first), then the oneOf line, joined with \"\\n \"")
			}).on(supported(), noteTypedRouteErrorType))
	}
	return checks
}

// expectMessageOfEmptyBody compares the error text with the server's own
// answer to {}, not with the doc's text: the checks that use it hold since
// 0.59.0, before the "Missing parameter" text named usernames (3.1.0).
func (e env) expectMessageOfEmptyBody(ctx SpecContext, resp *fw.Response, promise string) {
	GinkgoHelper()
	By("sending {} to compare the error text with")
	empty := e.post(ctx, "caller", `{}`)
	expectInvalidParams(empty, "a body without parameters is refused as invalid-params")
	want, _ := empty.Field("error")
	resp.ExpectField("error", want, promise)
}

// expectNotEnvelope fails if the answer is Rocket.Chat's JSON envelope (an
// object with "success"): 6.x's body parser errors are answered by connect's
// final handler with a page of its own. Its exact form (an HTML page whose
// text depends on NODE_ENV) is not pinned.
func expectNotEnvelope(resp *fw.Response, promise string) {
	GinkgoHelper()
	_, hasSuccess := resp.Field("success")
	Expect(hasSuccess).To(BeFalse(), "%s", resp.Explain(promise+" (the answer has the envelope's \"success\" key)"))
}

// expectNotInvalidParams fails if the answer is the validator's refusal.
func expectNotInvalidParams(resp *fw.Response, promise string) {
	GinkgoHelper()
	if resp.Status == 400 {
		if v, ok := resp.Field("errorType"); ok {
			Expect(v).NotTo(Equal("invalid-params"), "%s", resp.Explain(promise+", so the answer is not invalid-params"))
		}
	}
}

// textSince is the feature version of an exact validation text: the body's
// own, but at least 3.1.0, since every text names the usernames form.
func textSince(v string) string {
	if conformance.LaterFeature(v3010, v) {
		return v3010
	}
	return v
}
