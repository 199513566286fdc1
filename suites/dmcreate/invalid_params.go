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
const legacySuffix = fw.LegacySuffix

// expectInvalidParams checks the documented shape of a schema failure.
func expectInvalidParams(resp *fw.Response, promise string) {
	GinkgoHelper()
	resp.ExpectStatus(400, promise)
	resp.ExpectField("success", false, promise)
	resp.ExpectField("errorType", "invalid-params", promise)
}

// expectText checks an invalid-params answer with the validator's message
// msg as the releases the run accepts word it: with the legacy route's
// suffix, or without it on the typed route.
func (e env) expectText(resp *fw.Response, msg, promise string) {
	GinkgoHelper()
	expectInvalidParams(resp, promise)
	var want []any
	if e.accepts(conformance.DimRoute, conformance.Legacy) {
		want = append(want, msg+legacySuffix)
	}
	if e.accepts(conformance.DimRoute, conformance.Typed) {
		want = append(want, msg)
	}
	resp.ExpectField("error", BeElementOf(want...), promise+" (the validator's message, with the legacy route's \""+legacySuffix+"\" or without it on the typed route, as the release answers)")
}

// textAnswers are the answers of a check on the validator's exact message:
// asParsed for a body validated as it is, spread for one spread into an
// object first (they differ only for a body that is no object).
func textAnswers(promise, asParsed, spread string) []answer {
	route := func(v string) conformance.Cond { return is(conformance.DimRoute, v) }
	text := func(msg, suffix string) (string, func(env, []*fw.Response)) {
		says := fmt.Sprintf("400 invalid-params, error %q", msg+suffix)
		return says, func(_ env, r []*fw.Response) {
			expectInvalidParams(r[0], promise)
			r[0].ExpectField("error", msg+suffix, promise+": the validator lists the first error of each body form in the schema's order (the usernames form first), then the oneOf line, joined with \"\\n \"")
		}
	}
	var out []answer
	for _, rv := range []struct{ variant, suffix string }{{conformance.Legacy, legacySuffix}, {conformance.Typed, ""}} {
		if asParsed == spread {
			says, expect := text(asParsed, rv.suffix)
			out = append(out, when(route(rv.variant), 400, says, expect))
			continue
		}
		for _, sv := range []struct{ variant, msg string }{{conformance.AsParsed, asParsed}, {conformance.Spread, spread}} {
			says, expect := text(sv.msg, rv.suffix)
			out = append(out, whenAll(all(route(rv.variant), is(conformance.DimBodyShape, sv.variant)), 400, says, expect))
		}
	}
	return out
}

// dev is the deviation of the typed route, which drops the suffix the doc
// page's "Missing parameter" text ends with.
func devTypedText() conformance.Deviation {
	return conformance.Deviation{ID: "DEV-TYPED-ROUTE-TEXT", DocAlsoPasses: true,
		Why:      "On the typed route (8.6.1, and possibly 8.3 to 8.5) the router answers the validator's message without Meteor's \" [invalid-params]\", which the doc page's text ends with. Nobody relies on the suffix being absent, so the doc page's text passes at compat too.",
		Evidence: ev(srcValidate8())}
}

// answersMissingText are the answers of a core check on the doc page's
// "Missing parameter" text.
func answersMissingText(promise string) []answer {
	return []answer{
		docAnswer(400, fmt.Sprintf("400 invalid-params, error %q (the doc page's Missing parameter example)", missingParameterText()), func(_ env, r []*fw.Response) {
			expectInvalidParams(r[0], promise)
			r[0].ExpectField("error", missingParameterText(), "the error text is the doc's \"Missing parameter\" example, the usernames form's error first")
		}),
		deviating(devTypedText(), is(conformance.DimRoute, conformance.Typed), 400, fmt.Sprintf("400 invalid-params, error %q", strings.TrimSuffix(missingParameterText(), legacySuffix)), func(_ env, r []*fw.Response) {
			expectInvalidParams(r[0], promise)
			r[0].ExpectField("error", strings.TrimSuffix(missingParameterText(), legacySuffix), "the typed route answers the doc's text without the suffix")
		}),
	}
}

// expectEmptyBodyText compares the error text of r with that of the
// server's own answer to {} (empty), not with the doc's text: the checks
// that use it hold since 0.59.0, before the text named usernames (3.1.0).
func expectEmptyBodyText(r, empty *fw.Response, promise string) {
	GinkgoHelper()
	expectInvalidParams(r, promise)
	expectInvalidParams(empty, "a body without parameters is refused as invalid-params")
	want, _ := empty.Field("error")
	r.ExpectField("error", want, promise+" (the same error as the server's own answer to {})")
}

// emptyToo sends a request, then {} to compare its error text with.
func emptyToo(send func(ctx SpecContext, e env) *fw.Response) func(SpecContext, env) []*fw.Response {
	return func(ctx SpecContext, e env) []*fw.Response {
		r := send(ctx, e)
		By("sending {} to compare the error text with")
		return []*fw.Response{r, e.post(ctx, "caller", `{}`)}
	}
}

// parserRefusal checks the strict body parser's own 400: not the
// validator's answer, not Rocket.Chat's JSON envelope.
func parserRefusal(promise string) func(env, []*fw.Response) {
	return func(_ env, r []*fw.Response) {
		r[0].ExpectStatus(400, promise)
		expectNotInvalidParams(r[0], "the route never runs, so the answer is the body parser's, not the validator's")
		expectNotEnvelope(r[0], "the parse error reaches connect's final handler, which answers with its own page, not Rocket.Chat's JSON envelope")
	}
}

const (
	saysParserPage = "400 from the body parser itself, before authentication: neither invalid-params nor Rocket.Chat's JSON envelope"
	says401        = "401: the body is read after authentication"
)

// parserAnswers are the answers to a body the strict parser refuses, sent
// without credentials: its refusal, or 401 where the route parses.
func parserAnswers(promise string) []answer {
	return []answer{
		when(is(conformance.DimBodyParser, conformance.StrictParser), 400, saysParserPage, parserRefusal(promise)),
		when(is(conformance.DimBodyParser, conformance.LenientParser), 401, says401, func(e env, r []*fw.Response) {
			e.expectUnauthorized(r[0], "the body is parsed after authentication, so without credentials the answer is 401")
		}),
	}
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
	parser := []string{conformance.DimBodyParser, conformance.DimUnauthorized}
	parserBody := []string{conformance.DimBodyParser, conformance.DimRoute}
	coercion := []string{conformance.DimCoercion, conformance.DimRoute}
	strictText := func(body any) string { return fw.ValidatorMessage(body, false) }
	checks := []check{
		{At: here(), ID: "PARAMS-MISSING", Level: core, Since: v0590, Status: 400,
			Title:    "refuses a body without parameters as invalid-params",
			Evidence: ev(docMissing(), docUsername()),
			Run: func(ctx SpecContext, e env) {
				expectInvalidParams(e.post(ctx, "caller", `{}`), "a body with neither username nor usernames is refused as invalid-params (doc: Missing parameter example)")
			},
		},
		{At: here(), ID: "PARAMS-NO-BODY", Level: core, Since: v0590, Status: 400,
			Title:    "refuses a request without a body as invalid-params",
			Evidence: ev(docMissing(), docUsername()),
			Run: func(ctx SpecContext, e env) {
				expectInvalidParams(e.post(ctx, "caller", ""), "a request without a body gives neither username nor usernames and is refused as invalid-params (doc: Missing parameter example)")
			},
		},
		{At: here(), ID: "PARAMS-MISSING-TEXT", Level: core, Since: v3010, Status: 400, Dimensions: []string{conformance.DimRoute},
			Title:    "answers the documented \"Missing parameter\" text for a body without parameters",
			Evidence: ev(docMissing()),
			Send:     sending(func(ctx SpecContext, e env) *fw.Response { return e.post(ctx, "caller", `{}`) }),
			Answers:  answersMissingText("a body with neither username nor usernames is refused as invalid-params"),
		},
		{At: here(), ID: "PARAMS-NO-BODY-TEXT", Level: core, Since: v3010, Status: 400, Dimensions: []string{conformance.DimRoute},
			Title:    "answers the documented \"Missing parameter\" text for a request without a body",
			Evidence: ev(docMissing()),
			Send:     sending(func(ctx SpecContext, e env) *fw.Response { return e.post(ctx, "caller", "") }),
			Answers:  answersMissingText("a request without a body is refused as invalid-params"),
		},
		{At: here(), ID: "PARAMS-CONTENT-TYPE", Level: compat, Since: v0590, Status: 400,
			Title:    "answers a validation error with Content-Type exactly application/json",
			Evidence: ev(srcHeaders6(), srcHeaders8()),
			Run: func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", `{}`)
				expectInvalidParams(resp, "a body without parameters is refused as invalid-params")
				resp.ExpectContentType("application/json", "the 400 answer's Content-Type is exactly application/json, like every answer of the endpoint")
			},
		},
		{At: here(), ID: "PARAMS-TEXT-PLAIN", Level: compat, Since: v0590, Status: 400,
			Title:    "does not read a JSON body sent as text/plain: it is a body without parameters",
			Evidence: ev(srcBodyParser6(), srcBodyParser8(), srcSpread()),
			Run: func(ctx SpecContext, e env) {
				resp := e.request(ctx, fw.Request{Auth: e.Creds("caller"), Body: e.peerBody(), ContentType: "text/plain"})
				By("sending {} to compare the error text with")
				expectEmptyBodyText(resp, e.post(ctx, "caller", `{}`), "only application/json and form bodies are parsed; any other Content-Type leaves the parameters empty (or, where a router spreads the text, an object of its characters, which fails the same way), whatever the body looks like")
			},
		},
		{At: here(), ID: "PARAMS-COERCE-NUMBER", Level: compat, Since: v3010, Status: 0, Dimensions: []string{conformance.DimCoercion, conformance.DimRoute, conformance.DimNames},
			Title:    "coerces a numeric username to a string where the body schema coerces, and refuses it where it does not",
			Evidence: ev(srcSchema6(), srcSchema8(), srcStrictSchema()),
			Send:     sending(func(ctx SpecContext, e env) *fw.Response { return e.post(ctx, "caller", `{"username":987654321}`) }),
			Answers: []answer{
				whenAll(all(is(conformance.DimCoercion, conformance.Coerce), is(conformance.DimNames, conformance.Lookup)), 400, "the Invalid User answer: \"987654321\" is a name nobody has",
					func(_ env, r []*fw.Response) {
						r[0].ExpectStatus(400, "the validator coerces 987654321 to \"987654321\", a name nobody has")
						r[0].ExpectBody(invalidUser(), "the coerced name is looked up and refused as an unknown user, not as invalid-params")
					}),
				whenAll(all(is(conformance.DimCoercion, conformance.Coerce), is(conformance.DimNames, conformance.Exact)), 200, "200 with the caller's self-DM: \"987654321\" matches nobody and is left out",
					func(e env, r []*fw.Response) {
						e.expectRoom(r[0], "the validator coerces 987654321 to \"987654321\", which matches nobody and is left out of the room", "caller")
					}),
				when(is(conformance.DimCoercion, conformance.NoCoercion), 400, fmt.Sprintf("400 invalid-params, error %q (with the legacy route's suffix where it applies)", strictText(map[string]any{"username": 987654321.0})),
					func(e env, r []*fw.Response) {
						e.expectText(r[0], strictText(map[string]any{"username": 987654321.0}), "a body schema that does not coerce refuses a number where a string is documented")
					}),
			},
		},
		{At: here(), ID: "PARAMS-COERCE-NULL", Level: compat, Since: v3010, Status: 0, Dimensions: []string{conformance.DimCoercion, conformance.DimEmptyName, conformance.DimRoute},
			Title:    "coerces a null username where the body schema coerces, and refuses it where it does not",
			Evidence: ev(srcSchema6(), srcSchema8(), srcStrictSchema()),
			Send:     sending(func(ctx SpecContext, e env) *fw.Response { return e.post(ctx, "caller", `{"username":null}`) }),
			Answers: []answer{
				whenAll(all(is(conformance.DimCoercion, conformance.Coerce), is(conformance.DimEmptyName, conformance.UnknownUser, conformance.InvalidName)), 400, "400, not invalid-params: null is coerced to \"\", which the name look-up refuses (PARAMS-COERCE-NULL-EMPTY pins the body)",
					func(_ env, r []*fw.Response) {
						r[0].ExpectStatus(400, "the validator coerces null to \"\", and the look-up refuses the empty name")
						expectNotInvalidParams(r[0], "the validator coerces null to \"\"")
					}),
				whenAll(all(is(conformance.DimCoercion, conformance.Coerce), is(conformance.DimEmptyName, conformance.DroppedName)), 200, "200: null is coerced to \"\", which is left out of the room (PARAMS-COERCE-NULL-EMPTY pins the room)",
					func(_ env, r []*fw.Response) {
						r[0].ExpectStatus(200, "the validator coerces null to \"\", and the empty name is left out")
					}),
				when(is(conformance.DimCoercion, conformance.NoCoercion), 400, fmt.Sprintf("400 invalid-params, error %q (with the legacy route's suffix where it applies)", strictText(map[string]any{"username": nil})),
					func(e env, r []*fw.Response) {
						e.expectText(r[0], strictText(map[string]any{"username": nil}), "a body schema that does not coerce refuses null where a string is documented")
					}),
			},
		},
		{At: here(), ID: "PARAMS-COERCE-NULL-EMPTY", Level: compat, Since: v3010, Status: 0, Dimensions: []string{conformance.DimCoercion, conformance.DimEmptyName, conformance.DimRoute},
			Title:    "answers a null username as the empty name where the body schema coerces",
			Evidence: ev(srcSchema6(), srcCollation6(), srcExactEmpty8(), srcStrictSchema()),
			Send:     sending(func(ctx SpecContext, e env) *fw.Response { return e.post(ctx, "caller", `{"username":null}`) }),
			Answers: append(emptyNameAnswers(conformance.Is(conformance.DimCoercion, conformance.Coerce), "null is coerced to \"\", an empty name", "caller"),
				when(is(conformance.DimCoercion, conformance.NoCoercion), 400, fmt.Sprintf("400 invalid-params, error %q (with the legacy route's suffix where it applies)", strictText(map[string]any{"username": nil})),
					func(e env, r []*fw.Response) {
						e.expectText(r[0], strictText(map[string]any{"username": nil}), "a body schema that does not coerce refuses null where a string is documented")
					})),
		},
		{At: here(), ID: "PARAMS-COERCE-BOOLEAN", Level: compat, Since: v3180, Status: 0, Dimensions: coercion,
			Title:    "coerces excludeSelf given as the string \"false\" where the body schema coerces, and refuses it where it does not",
			Evidence: ev(srcSchema6(), srcSchema8(), srcStrictSchema()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.post(ctx, "caller", fw.JSON(map[string]any{"username": e.User("peer").Username, "excludeSelf": "false"}))
			}),
			Answers: []answer{
				when(is(conformance.DimCoercion, conformance.Coerce), 200, "200 with the DM of the caller and the peer: \"false\" is coerced to false",
					func(e env, r []*fw.Response) {
						e.expectRoom(r[0], "the validator coerces \"false\" to false and the DM is created, the caller a member", "caller", "peer")
					}),
				when(is(conformance.DimCoercion, conformance.NoCoercion), 400, fmt.Sprintf("400 invalid-params, error %q (with the legacy route's suffix where it applies)", strictText(map[string]any{"username": "x", "excludeSelf": "false"})),
					func(e env, r []*fw.Response) {
						e.expectText(r[0], strictText(map[string]any{"username": "x", "excludeSelf": "false"}), "a body schema that does not coerce refuses a string where a boolean is documented")
					}),
			},
		},
		{At: here(), ID: "PARAMS-COERCE-FORM-EXCLUDESELF", Level: compat, Since: v3180, Status: 0, Dimensions: []string{conformance.DimFormBody, conformance.DimCoercion, conformance.DimRoute},
			Title:    "coerces excludeSelf=true of a form-encoded body to a boolean where forms are parsed and the schema coerces",
			Evidence: ev(srcBodyParser6(), srcBodyParser8(), srcSchema6(), srcSchema8(), srcStrictSchema(), srcFormsUnparsed()),
			Send: emptyToo(func(ctx SpecContext, e env) *fw.Response {
				form := url.Values{"usernames": {e.names("peer", "third")}, "excludeSelf": {"true"}}.Encode()
				return e.request(ctx, fw.Request{Auth: e.Creds("caller"), Body: form, ContentType: "application/x-www-form-urlencoded"})
			}),
			Answers: []answer{
				whenAll(all(is(conformance.DimFormBody, conformance.FormParsed), is(conformance.DimCoercion, conformance.Coerce)), 200, "200 with the DM of the two named users: \"true\" is coerced to true",
					func(e env, r []*fw.Response) {
						e.expectRoom(r[0], "a form's values are strings; the validator coerces \"true\" to true, so the caller is left out of the room", "peer", "third")
					}),
				whenAll(all(is(conformance.DimFormBody, conformance.FormParsed), is(conformance.DimCoercion, conformance.NoCoercion)), 400, fmt.Sprintf("400 invalid-params, error %q (with the legacy route's suffix where it applies)", strictText(map[string]any{"usernames": "x", "excludeSelf": "true"})),
					func(e env, r []*fw.Response) {
						e.expectText(r[0], strictText(map[string]any{"usernames": "x", "excludeSelf": "true"}), "a form's excludeSelf is the string \"true\", which a schema that does not coerce refuses")
					}),
				when(is(conformance.DimFormBody, conformance.FormUnparsed), 400, "400 invalid-params with the server's own error for {}: the form is read as text",
					func(_ env, r []*fw.Response) {
						expectEmptyBodyText(r[0], r[1], "a form read as text gives no parameters")
					}),
			},
		},
		{At: here(), ID: "PARAMS-BROKEN-JSON-PARSER", Level: compat, Since: v0590, Status: 0, Dimensions: parser,
			Title:    "answers broken JSON without credentials as its body parser says: its own 400 before authentication, or 401",
			Evidence: ev(srcBodyParser6(), srcParserErrorPage6(), srcExpressParser(), srcBodyParser8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.request(ctx, fw.Request{Body: `{"username": "x",`})
			}),
			Answers: parserAnswers("broken JSON"),
		},
		{At: here(), ID: "PARAMS-BROKEN-JSON", Level: compat, Since: v0590, Status: 400, Dimensions: parserBody,
			Title:    "answers broken JSON with credentials as its body parser says: its own 400, or the answer to {}",
			Evidence: ev(srcBodyParser6(), srcParserErrorPage6(), srcExpressParser(), srcBodyParser8(), srcValidate8()),
			Send:     emptyToo(func(ctx SpecContext, e env) *fw.Response { return e.post(ctx, "caller", `{"username": "x",`) }),
			Answers: []answer{
				when(is(conformance.DimBodyParser, conformance.StrictParser), 400, saysParserPage, parserRefusal("the strict parser refuses broken JSON whoever sends it")),
				when(is(conformance.DimBodyParser, conformance.LenientParser), 400, "400 invalid-params with the server's own error for {}: a parse error reads as {}",
					func(_ env, r []*fw.Response) {
						expectEmptyBodyText(r[0], r[1], "a parse error leaves the parameters empty, which the validator refuses as invalid-params")
					}),
			},
		},
		{At: here(), ID: "PARAMS-TRAILING-DATA-PARSER", Level: compat, Since: v0590, Status: 0, Dimensions: parser,
			Title:    "answers a JSON object followed by other text, without credentials, as its body parser says",
			Evidence: ev(srcBodyParser6(), srcParserErrorPage6(), srcExpressParser(), srcBodyParser8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.request(ctx, fw.Request{Body: e.peerBody() + " junk"})
			}),
			Answers: parserAnswers("JSON.parse refuses text after the value"),
		},
		{At: here(), ID: "PARAMS-TRAILING-DATA", Level: compat, Since: v0590, Status: 400, Dimensions: parserBody,
			Title:    "answers a JSON object followed by other text as its body parser says: its own 400, or the answer to {}",
			Evidence: ev(srcBodyParser6(), srcParserErrorPage6(), srcExpressParser(), srcBodyParser8(), srcValidate8()),
			Send:     emptyToo(func(ctx SpecContext, e env) *fw.Response { return e.post(ctx, "caller", e.peerBody()+" junk") }),
			Answers: []answer{
				when(is(conformance.DimBodyParser, conformance.StrictParser), 400, saysParserPage, parserRefusal("JSON.parse refuses text after the value, so the strict parser answers a parse error itself rather than reading the object before it")),
				when(is(conformance.DimBodyParser, conformance.LenientParser), 400, "400 invalid-params with the server's own error for {}: JSON.parse fails, and a parse error reads as {}",
					func(_ env, r []*fw.Response) {
						expectEmptyBodyText(r[0], r[1], "JSON.parse refuses text after the value, so the parameters are empty rather than the object before it")
					}),
			},
		},
	}
	// PARAMS-STRING-PARSER, PARAMS-STRING, PARAMS-NUMBER-PARSER and
	// PARAMS-NUMBER: a top-level JSON scalar, without and with credentials.
	for _, b := range []struct {
		key, name, body string
		value           any
	}{{"STRING", "a JSON string", `"abc"`, "abc"}, {"NUMBER", "a JSON number", `42`, 42.0}} {
		asParsed := fw.ValidatorMessage(b.value, true)
		spread := fw.ValidatorMessage(spreadJS(b.value), true)
		checks = append(checks,
			check{At: here(), ID: "PARAMS-" + b.key + "-PARSER", Level: compat, Since: v0590, Status: 0, Dimensions: parser,
				Title:    "answers " + b.name + " as the body, without credentials, as its body parser says: its own 400 before authentication, or 401",
				Evidence: ev(srcBodyParser6(), srcParserErrorPage6(), srcExpressParser(), srcBodyParser8()),
				Send:     sending(func(ctx SpecContext, e env) *fw.Response { return e.request(ctx, fw.Request{Body: b.body}) }),
				Answers:  parserAnswers("a strict JSON parser refuses a top-level " + strings.TrimPrefix(b.name, "a JSON ")),
			},
			check{At: here(), ID: "PARAMS-" + b.key, Level: compat, Since: v3010, Status: 400, Dimensions: []string{conformance.DimBodyParser, conformance.DimBodyShape, conformance.DimRoute},
				Title:    "answers " + b.name + " as the body, with credentials, as its body parser says: its own 400, or invalid-params",
				Evidence: ev(srcBodyParser6(), srcParserErrorPage6(), srcBodyParser8(), srcValidate8(), srcSpread()),
				Send:     sending(func(ctx SpecContext, e env) *fw.Response { return e.post(ctx, "caller", b.body) }),
				Answers: append([]answer{
					when(is(conformance.DimBodyParser, conformance.StrictParser), 400, saysParserPage, parserRefusal("a strict JSON parser refuses a top-level "+strings.TrimPrefix(b.name, "a JSON ")+" whoever sends it")),
				}, onLenient(textAnswers(b.name+" is no object, so it matches neither documented body form", asParsed, spread))...),
			},
		)
	}
	// For each body the spec's schema refuses (bodies.go), PARAMS-<KEY>:
	// refused as invalid-params, and PARAMS-<KEY>-TEXT: with the validator's
	// exact message (TestChecksPointAtTheirDeclaration keeps this list whole):
	//   PARAMS-EMPTY-TEXT (PARAMS-MISSING sends {} already)
	//   PARAMS-ONLY-EXCLUDESELF, PARAMS-ONLY-EXCLUDESELF-TEXT
	//   PARAMS-BOTH-USERNAMES-USERNAME, PARAMS-BOTH-USERNAMES-USERNAME-TEXT
	//   PARAMS-UNKNOWN-USERNAMES, PARAMS-UNKNOWN-USERNAMES-TEXT
	//   PARAMS-CASE-USERNAMES, PARAMS-CASE-USERNAMES-TEXT
	//   PARAMS-UNKNOWN-USERNAME, PARAMS-UNKNOWN-USERNAME-TEXT
	//   PARAMS-CASE-USERNAME, PARAMS-CASE-USERNAME-TEXT
	//   PARAMS-UNKNOWN-ONLY, PARAMS-UNKNOWN-ONLY-TEXT
	//   PARAMS-USERNAMES-ARRAY, PARAMS-USERNAMES-ARRAY-TEXT
	//   PARAMS-USERNAMES-OBJECT, PARAMS-USERNAMES-OBJECT-TEXT
	//   PARAMS-USERNAMES-EXCLUDESELF-YES, PARAMS-USERNAMES-EXCLUDESELF-YES-TEXT
	//   PARAMS-USERNAMES-EXCLUDESELF-ARRAY, PARAMS-USERNAMES-EXCLUDESELF-ARRAY-TEXT
	//   PARAMS-USERNAME-ARRAY, PARAMS-USERNAME-ARRAY-TEXT
	//   PARAMS-USERNAME-OBJECT, PARAMS-USERNAME-OBJECT-TEXT
	//   PARAMS-USERNAME-EXCLUDESELF-YES, PARAMS-USERNAME-EXCLUDESELF-YES-TEXT
	//   PARAMS-USERNAME-EXCLUDESELF-ARRAY, PARAMS-USERNAME-EXCLUDESELF-ARRAY-TEXT
	//   PARAMS-ARRAY-EMPTY, PARAMS-ARRAY-EMPTY-TEXT
	//   PARAMS-ARRAY-NAMES, PARAMS-ARRAY-NAMES-TEXT
	for _, b := range bodies {
		send := func(ctx SpecContext, e env) *fw.Response {
			return e.post(ctx, "caller", strings.ReplaceAll(b.Body, "%s", e.User("peer").Username))
		}
		if b.Key != "EMPTY" { // PARAMS-MISSING sends {} already
			level, evidence := compat, schemaEvidence
			if b.Undocumented {
				level, evidence = core, ev(docMissing(), docUsername(), docUsernames())
			}
			checks = append(checks, check{At: here(), ID: "PARAMS-" + b.Key, Level: level, Since: b.Since, Status: 400,
				Title:    "refuses a body that is " + b.Name + " as invalid-params",
				Evidence: evidence,
				Run: func(ctx SpecContext, e env) {
					expectInvalidParams(send(ctx, e), "a body that is "+b.Name+" matches neither documented body form, so it is refused as invalid-params")
				},
			})
		}
		dims := []string{conformance.DimRoute}
		if b.Message != b.Spread {
			dims = append(dims, conformance.DimBodyShape)
		}
		checks = append(checks, check{At: here(), ID: "PARAMS-" + b.Key + "-TEXT", Level: compat, Since: textSince(b.Since), Status: 400, Dimensions: dims,
			Title:    "answers Rocket.Chat's exact validation message for a body that is " + b.Name,
			Evidence: append(schemaEvidence, srcSpread()),
			Send:     sending(send),
			Answers:  textAnswers("a body that is "+b.Name+" is refused as invalid-params", b.Message, b.Spread),
		})
	}
	return checks
}

// onLenient adds the lenient parser to the conditions of each answer.
func onLenient(as []answer) []answer {
	out := make([]answer, len(as))
	for i, a := range as {
		a.When = append([]conformance.Cond{is(conformance.DimBodyParser, conformance.LenientParser)}, a.When...)
		out[i] = a
	}
	return out
}

// expectNotEnvelope fails if the answer is Rocket.Chat's JSON envelope (an
// object with "success"): a strict parser's errors are answered by
// connect's final handler with a page of its own. Its exact form (an HTML
// page whose text depends on NODE_ENV) is not pinned.
func expectNotEnvelope(resp *fw.Response, promise string) {
	GinkgoHelper()
	Expect(fw.IsEnvelope(resp)).To(BeFalse(), "%s", resp.Explain(promise+" (the answer has the envelope's \"success\" key)"))
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
