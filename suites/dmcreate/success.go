package dmcreate

import (
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// expectRoom checks the documented 200 shape: a direct room holding exactly
// the given personas.
func (e env) expectRoom(resp *fw.Response, promise string, members ...string) {
	GinkgoHelper()
	resp.ExpectStatus(200, promise)
	resp.ExpectField("success", true, "a created or found room is answered with success true")
	resp.ExpectField("room.t", "d", "the room is a direct message room (t \"d\")")
	resp.ExpectField("room.rid", Not(BeEmpty()), "the room has a rid")
	resp.ExpectField("room.usernames", e.haveMembers(members...), promise+": the room's usernames are exactly its members")
}

// expectMaxUsers checks the member-limit error as the releases the run
// accepts word it, for a limit of the run's max users.
func (e env) expectMaxUsers(resp *fw.Response, promise string) {
	GinkgoHelper()
	resp.ExpectStatus(400, promise)
	var want []OmegaMatcher
	if e.accepts(conformance.DimMaxUsers, conformance.MeteorError) {
		want = append(want, MatchJSON(maxUsersExceeded(e.MaxUsers)))
	}
	if e.accepts(conformance.DimMaxUsers, conformance.PlainError) {
		want = append(want, MatchJSON(maxUsersPlain()))
	}
	Expect(string(fw.WithoutStack(resp.Body))).To(Or(want...), "%s", resp.Explain(promise+": the member-limit error, as the release words it"))
}

func successChecks() []check {
	return []check{
		{At: here(), ID: "OK-ONE-TO-ONE", Level: core, Since: v0590, Status: 200,
			Title:    "opens a 1:1 DM with the user named in username",
			Evidence: ev(docSummary(), docUsername(), doc200()),
			Run: func(ctx SpecContext, e env) {
				e.expectRoom(e.post(ctx, "caller", e.peerBody()), "a DM with another user is answered 200 with the room", "caller", "peer")
			},
		},
		{At: here(), ID: "OK-ID-EQUALS-RID", Level: compat, Since: v0590, Status: 200,
			Title:    "gives the room an _id equal to its rid",
			Evidence: ev(srcRoute6(), srcRoute8()),
			Run: func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", e.peerBody())
				resp.ExpectStatus(200, "a DM with another user is answered 200")
				resp.ExpectField("room._id", resp.String("room.rid"), "the route answers {room: {...room, _id: room.rid}}; clients read either")
			},
		},
		{At: here(), ID: "OK-CONTENT-TYPE", Level: compat, Since: v0590, Status: 200,
			Title:    "answers with Content-Type exactly application/json",
			Evidence: ev(testContentType(), srcHeaders6(), srcHeaders8()),
			Run: func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", e.peerBody())
				resp.ExpectStatus(200, "a DM with another user is answered 200")
				resp.ExpectContentType("application/json", "the answer's Content-Type is exactly application/json, which Rocket.Chat's own tests compare as a string")
			},
		},
		{At: here(), ID: "OK-GROUP", Level: core, Since: v3010, Status: 200,
			Title:    "opens a group DM with the users named in usernames, the caller included",
			Evidence: ev(docSummary(), docUsernames(), doc200(), docChangelog()),
			Run: func(ctx SpecContext, e env) {
				e.expectRoom(e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names("peer", "third")})),
					"a DM with several users is answered 200 with the room", "caller", "peer", "third")
			},
		},
		{At: here(), ID: "OK-GROUP-TRIMMED", Level: compat, Since: v3010, Status: 200,
			Title:    "trims the blanks around each name in usernames",
			Evidence: ev(srcRoute6(), srcRoute8()),
			Run: func(ctx SpecContext, e env) {
				names := e.usernames("peer", "third")
				e.expectRoom(e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": " " + names[0] + " , " + names[1] + " "})),
					"each comma-separated name is trimmed before the lookup", "caller", "peer", "third")
			},
		},
		{At: here(), ID: "OK-SELF", Level: compat, Since: v0590, Status: 200,
			Title:    "opens a self-DM when the caller names themself",
			Evidence: ev(testSelfDM(), srcSelfDM(), srcSelfDM8()),
			Run: func(ctx SpecContext, e env) {
				e.expectRoom(e.post(ctx, "caller", fw.JSON(map[string]any{"username": e.User("caller").Username})),
					"a DM with oneself is allowed by default and answered 200", "caller")
			},
		},
		{At: here(), ID: "OK-SELF-USERNAMES", Level: compat, Since: v3010, Status: 200,
			Title:    "opens the self-DM when usernames names only the caller",
			Evidence: ev(srcSelfDM(), srcSelfDM8()),
			Run: func(ctx SpecContext, e env) {
				bySingle := e.post(ctx, "caller", fw.JSON(map[string]any{"username": e.User("caller").Username}))
				bySingle.ExpectStatus(200, "a DM with oneself is allowed by default")
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.User("caller").Username}))
				e.expectRoom(resp, "usernames naming only the caller is the caller's self-DM", "caller")
				resp.ExpectField("room.rid", bySingle.String("room.rid"), "usernames naming only the caller gives the same self-DM as username")
			},
		},
		{At: here(), ID: "OK-EXCLUDESELF-ADMIN", Level: core, Since: v3180, Status: 200,
			Title:    "leaves the caller out with excludeSelf when an admin opens a DM between others",
			Evidence: ev(docExcludeSelf(), docUsernames(), docChangelog()),
			Run: func(ctx SpecContext, e env) {
				e.expectRoom(e.post(ctx, "admin", fw.JSON(map[string]any{"usernames": e.names("caller", "peer"), "excludeSelf": true})),
					"with excludeSelf the room holds only the named users", "caller", "peer")
			},
		},
		{At: here(), ID: "OK-EXCLUDESELF-USER", Level: compat, Since: v3180, Status: 200,
			Title:    "does not refuse excludeSelf to a user without view-room-administration",
			Evidence: ev(srcExcludeSelf6(), srcExcludeSelf8()),
			Run: func(ctx SpecContext, e env) {
				e.expectRoom(e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names("peer", "third"), "excludeSelf": true})),
					"the permission only decides whether the room opens for its members; the room is still created without the caller", "peer", "third")
			},
		},
		{At: here(), ID: "OK-JSON-CHARSET", Level: compat, Since: v0590, Status: 200,
			Title:    "reads a JSON body whose Content-Type carries a charset",
			Evidence: ev(srcBodyParser6(), srcBodyParser8()),
			Run: func(ctx SpecContext, e env) {
				resp := e.request(ctx, fw.Request{Auth: e.Creds("caller"), Body: e.peerBody(), ContentType: "application/json; charset=utf-8"})
				e.expectRoom(resp, "application/json with a charset parameter is still JSON", "caller", "peer")
			},
		},
		{At: here(), ID: "OK-FORM-ENCODED", Level: compat, Since: v0590, Status: 0, Dimensions: []string{conformance.DimFormBody},
			Title:    "reads a form-encoded body like a JSON one, where its release parses forms",
			Evidence: ev(srcBodyParser6(), srcBodyParser8(), srcFormsUnparsed()),
			Send: emptyToo(func(ctx SpecContext, e env) *fw.Response {
				form := url.Values{"username": {e.User("peer").Username}}.Encode()
				return e.request(ctx, fw.Request{Auth: e.Creds("caller"), Body: form, ContentType: "application/x-www-form-urlencoded"})
			}),
			Answers: []answer{
				when(is(conformance.DimFormBody, conformance.FormParsed), 200, "200 with the DM of the caller and the peer", func(e env, r []*fw.Response) {
					e.expectRoom(r[0], "an application/x-www-form-urlencoded body is parsed into the same parameters, as SDKs that post forms rely on", "caller", "peer")
				}),
				when(is(conformance.DimFormBody, conformance.FormUnparsed), 400, "400 invalid-params with the server's own error for {}: the form is read as text", func(_ env, r []*fw.Response) {
					expectEmptyBodyText(r[0], r[1], "7.6.0 and 7.6.1 read a form as text, which gives no parameters")
				}),
			},
		},
		{At: here(), ID: "OK-REPEATED-KEY", Level: compat, Since: v0590, Status: 200,
			Title: "takes the last value of a key given twice, as JSON.parse does",
			Evidence: ev(src(rc613, "apps/meteor/packages/meteor-restivus/lib/json-routes.js:7", "the JSON body is parsed by connect.json, i.e. JSON.parse, where the last of repeated names wins"),
				src(rc861, "packages/http-router/src/Router.ts:161-162", "the JSON body is parsed by Request.json(), i.e. JSON.parse, where the last of repeated names wins")),
			Run: func(ctx SpecContext, e env) {
				body := `{"username":"` + e.nobody() + `","username":"` + e.User("peer").Username + `"}`
				e.expectRoom(e.post(ctx, "caller", body), "the last username wins, so the DM is with the user named last", "caller", "peer")
			},
		},
	}
}
