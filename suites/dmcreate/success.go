package dmcreate

import (
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

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

func successChecks() []check {
	return []check{
		chk("OK-ONE-TO-ONE", core, v0590, 200, "opens a 1:1 DM with the user named in username",
			ev(docSummary(), docUsername(), doc200()), func(ctx SpecContext, e env) {
				e.expectRoom(e.post(ctx, "caller", e.peerBody()), "a DM with another user is answered 200 with the room", "caller", "peer")
			}),
		chk("OK-ID-EQUALS-RID", compat, v0590, 200, "gives the room an _id equal to its rid",
			ev(srcRoute6(), srcRoute8()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", e.peerBody())
				resp.ExpectStatus(200, "a DM with another user is answered 200")
				resp.ExpectField("room._id", resp.String("room.rid"), "the route answers {room: {...room, _id: room.rid}}; clients read either")
			}).on(supported(), noteRouter),
		chk("OK-CONTENT-TYPE", compat, v0590, 200, "answers with Content-Type exactly application/json",
			ev(testContentType(), srcHeaders6(), srcHeaders8()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", e.peerBody())
				resp.ExpectStatus(200, "a DM with another user is answered 200")
				resp.ExpectContentType("application/json", "the answer's Content-Type is exactly application/json, which Rocket.Chat's own tests compare as a string")
			}).on(supported(), noteRouter),
		chk("OK-GROUP", core, v3010, 200, "opens a group DM with the users named in usernames, the caller included",
			ev(docSummary(), docUsernames(), doc200(), docChangelog()), func(ctx SpecContext, e env) {
				e.expectRoom(e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names("peer", "third")})),
					"a DM with several users is answered 200 with the room", "caller", "peer", "third")
			}),
		chk("OK-GROUP-TRIMMED", compat, v3010, 200, "trims the blanks around each name in usernames",
			ev(srcRoute6(), srcRoute8()), func(ctx SpecContext, e env) {
				names := e.usernames("peer", "third")
				e.expectRoom(e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": " " + names[0] + " , " + names[1] + " "})),
					"each comma-separated name is trimmed before the lookup", "caller", "peer", "third")
			}).on(supported(), noteRouter),
		chk("OK-SELF", compat, v0590, 200, "opens a self-DM when the caller names themself",
			ev(testSelfDM(), srcSelfDM(), srcSelfDM8()), func(ctx SpecContext, e env) {
				e.expectRoom(e.post(ctx, "caller", fw.JSON(map[string]any{"username": e.User("caller").Username})),
					"a DM with oneself is allowed by default and answered 200", "caller")
			}).on(supported(), noteRouter),
		chk("OK-SELF-USERNAMES", compat, v3010, 200, "opens the self-DM when usernames names only the caller",
			ev(srcSelfDM(), srcSelfDM8()), func(ctx SpecContext, e env) {
				bySingle := e.post(ctx, "caller", fw.JSON(map[string]any{"username": e.User("caller").Username}))
				bySingle.ExpectStatus(200, "a DM with oneself is allowed by default")
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.User("caller").Username}))
				e.expectRoom(resp, "usernames naming only the caller is the caller's self-DM", "caller")
				resp.ExpectField("room.rid", bySingle.String("room.rid"), "usernames naming only the caller gives the same self-DM as username")
			}).on(supported(), noteRouter),
		chk("OK-EXCLUDESELF-ADMIN", core, v3180, 200, "leaves the caller out with excludeSelf when an admin opens a DM between others",
			ev(docExcludeSelf(), docUsernames(), docChangelog()), func(ctx SpecContext, e env) {
				e.expectRoom(e.post(ctx, "admin", fw.JSON(map[string]any{"usernames": e.names("caller", "peer"), "excludeSelf": true})),
					"with excludeSelf the room holds only the named users", "caller", "peer")
			}),
		chk("OK-EXCLUDESELF-USER", compat, v3180, 200, "does not refuse excludeSelf to a user without view-room-administration",
			ev(srcExcludeSelf6(), srcExcludeSelf8(), testExcludeSelf()), func(ctx SpecContext, e env) {
				e.expectRoom(e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names("peer", "third"), "excludeSelf": true})),
					"the permission only decides whether the room opens for its members; the room is still created without the caller", "peer", "third")
			}).on(supported(), noteRouter),
		chk("OK-JSON-CHARSET", compat, v0590, 200, "reads a JSON body whose Content-Type carries a charset",
			ev(srcBodyParser6(), srcBodyParser8()), func(ctx SpecContext, e env) {
				resp := e.Client.Post(ctx, fw.Request{Auth: e.Creds("caller"), Body: e.peerBody(), ContentType: "application/json; charset=utf-8"})
				e.expectRoom(resp, "application/json with a charset parameter is still JSON", "caller", "peer")
			}).on(supported(), noteRouter),
		chk("OK-FORM-ENCODED", compat, v0590, 200, "reads a form-encoded body like a JSON one",
			ev(srcBodyParser6(), srcBodyParser8()), func(ctx SpecContext, e env) {
				form := url.Values{"username": {e.User("peer").Username}}.Encode()
				resp := e.Client.Post(ctx, fw.Request{Auth: e.Creds("caller"), Body: form, ContentType: "application/x-www-form-urlencoded"})
				e.expectRoom(resp, "an application/x-www-form-urlencoded body is parsed into the same parameters, as SDKs that post forms rely on", "caller", "peer")
			}).on(supported(), noteRouter),
		chk("OK-REPEATED-KEY", compat, v0590, 200, "takes the last value of a key given twice, as JSON.parse does",
			ev(src(rc613, "apps/meteor/packages/meteor-restivus/lib/json-routes.js:7", "the JSON body is parsed by connect.json, i.e. JSON.parse, where the last of repeated names wins"),
				src(rc861, "packages/http-router/src/Router.ts:161-162", "the JSON body is parsed by Request.json(), i.e. JSON.parse, where the last of repeated names wins")),
			func(ctx SpecContext, e env) {
				body := `{"username":"` + e.nobody() + `","username":"` + e.User("peer").Username + `"}`
				e.expectRoom(e.post(ctx, "caller", body), "the last username wins, so the DM is with the user named last", "caller", "peer")
			}).on(supported(), noteRouter),
	}
}
