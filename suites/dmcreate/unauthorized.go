package dmcreate

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/rcconform/rcconform/fixtures"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// loggedOut is the message of every 401 answer.
const loggedOut = "You must be logged in to do this."

// expect401 checks the documented 401: status "error" and the message.
// Rocket.Chat's newer router also sends success and error; extra keys are
// allowed here and pinned by the release-line checks.
func expect401(resp *fw.Response, promise string) {
	GinkgoHelper()
	resp.ExpectStatus(401, promise)
	resp.ExpectField("status", "error", "the 401 body has status \"error\" (doc: Authorization Error example)")
	resp.ExpectField("message", loggedOut, "the 401 body has message \""+loggedOut+"\" (doc: Authorization Error example)")
}

// withCreds sends the peer body with these credentials.
func (e env) withCreds(ctx SpecContext, c *fixtures.Credentials, raw map[string][]string) *fw.Response {
	GinkgoHelper()
	return e.Client.Post(ctx, fw.Request{Auth: c, Raw: raw, Body: e.peerBody()})
}

func unauthorizedChecks() []check {
	caller := func(e env) fixtures.Credentials { return e.User("caller").Creds }
	return []check{
		chk("AUTH-01", core, v0590, 401, "returns 401 with the documented body when no authentication header is sent",
			ev(docHeaders(), doc401()), func(ctx SpecContext, e env) {
				expect401(e.withCreds(ctx, nil, nil), "a request without X-User-Id and X-Auth-Token is refused with 401")
			}),
		chk("AUTH-02", core, v0590, 401, "returns 401 with the documented body when only X-User-Id is sent",
			ev(docHeaders(), doc401()), func(ctx SpecContext, e env) {
				expect401(e.withCreds(ctx, nil, map[string][]string{"X-User-Id": {caller(e).UserID}}),
					"a request with X-User-Id but no X-Auth-Token is refused with 401")
			}),
		chk("AUTH-03", core, v0590, 401, "returns 401 with the documented body when only X-Auth-Token is sent",
			ev(docHeaders(), doc401()), func(ctx SpecContext, e env) {
				expect401(e.withCreds(ctx, nil, map[string][]string{"X-Auth-Token": {caller(e).Token}}),
					"a request with X-Auth-Token but no X-User-Id is refused with 401")
			}),
		chk("AUTH-04", core, v0590, 401, "returns 401 with the documented body when X-Auth-Token was never issued",
			ev(docHeaders(), doc401()), func(ctx SpecContext, e env) {
				c := caller(e)
				c.Token = strings.Repeat("x", len(c.Token))
				expect401(e.withCreds(ctx, &c, nil), "a token that was never issued is refused with 401")
			}),
		chk("AUTH-05", core, v0590, 401, "returns 401 with the documented body when X-User-Id names another user than the token's",
			ev(docHeaders(), doc401()), func(ctx SpecContext, e env) {
				expect401(e.withCreds(ctx, &fixtures.Credentials{UserID: e.User("peer").ID, Token: caller(e).Token}, nil),
					"a valid token presented with another user's id is refused with 401")
			}),
		chk("AUTH-06", compat, v0590, 401, "checks credentials before the body: an unauthenticated invalid body gets 401, not 400",
			ev(srcAuth6(), srcAuth8()), func(ctx SpecContext, e env) {
				expect401(e.Client.Post(ctx, fw.Request{Body: `{"unknown":1}`}),
					"authentication runs before body validation, so a bad body without credentials is still 401")
			}).on(supported(), noteRouter),
		chk("AUTH-BODY-RESTIVUS", compat, v0590, 401, "answers 401 with exactly the two keys of the Restivus router (6.x)",
			ev(srcAuth6(), srcHeaders6(), upstreamTest(rc613, "apps/meteor/tests/end-to-end/api/methods.ts:145-149", "an unauthenticated call expects 401 with status 'error' and message 'You must be logged in to do this.'")),
			func(ctx SpecContext, e env) {
				resp := e.withCreds(ctx, nil, nil)
				resp.ExpectStatus(401, "a request without credentials is refused with 401")
				resp.ExpectBody(`{"status":"error","message":"`+loggedOut+`"}`,
					"released 6.x answers exactly {status, message}: success and error came with the router that replaced Restivus")
				resp.ExpectContentType("application/json", "the 401 answer's Content-Type is exactly application/json")
			}).on(line6(), "The 6.x Restivus router; its replacement during 7.x (at a release the sources cannot establish) added success and error."),
		chk("AUTH-BODY-ROUTER", compat, v0590, 401, "answers 401 with the four keys of the router that replaced Restivus (8.x)",
			ev(srcAuth8(), srcHeaders8(), src(rc861, "apps/meteor/app/api/server/ApiClass.ts:63 and server/lib/shouldBreakInVersion.ts:6", "applyBreakingChanges = shouldBreakInVersion('9.0.0'), i.e. semver.gte(server version, '9.0.0'): false on 8.x, so status and message are still added")),
			func(ctx SpecContext, e env) {
				resp := e.withCreds(ctx, nil, nil)
				resp.ExpectStatus(401, "a request without credentials is refused with 401")
				resp.ExpectBody(`{"success":false,"error":"`+loggedOut+`","status":"error","message":"`+loggedOut+`"}`,
					"released 8.x answers success false and error next to the documented status and message")
				resp.ExpectContentType("application/json", "the 401 answer's Content-Type is exactly application/json")
			}).on(line8(), "Read at 8.6.1; the 8.0.0 change log lists no change of the 401 body, and the two extra keys go only from 9.0.0 (shouldBreakInVersion('9.0.0'))."),
		chk("AUTH-07", compat, v0590, 401, "returns 401 on the im.create alias too",
			ev(srcRoute6(), srcRoute8(), srcAuth6(), srcAuth8()), func(ctx SpecContext, e env) {
				expect401(e.Client.Post(ctx, fw.Request{Path: fw.IMCreate, Body: e.peerBody()}),
					"im.create is the same endpoint and refuses a request without credentials with 401")
			}).on(supported(), noteRouter),
		chk("AUTH-USER-ID-CASE", compat, v0590, 401, "matches X-User-Id exactly: the caller's id in another case gets 401",
			ev(srcAuth6(), srcAuth8()), func(ctx SpecContext, e env) {
				c := caller(e)
				c.UserID = swapCase(c.UserID)
				expect401(e.withCreds(ctx, &c, nil), "user ids are compared exactly (a MongoDB _id match), so the id in another case names nobody")
			}).on(supported(), noteRouter),
		chk("AUTH-TOKEN-CASE", compat, v0590, 401, "matches X-Auth-Token exactly: the token in another case gets 401",
			ev(srcAuth6(), srcAuth8()), func(ctx SpecContext, e env) {
				c := caller(e)
				c.Token = swapCase(c.Token)
				expect401(e.withCreds(ctx, &c, nil), "the token is hashed (SHA-256) before it is compared, so the token in another case was never issued")
			}).on(supported(), noteRouter),
		chk("AUTH-TOKEN-TRUNCATED", compat, v0590, 401, "matches X-Auth-Token whole: the token without its last character gets 401",
			ev(srcAuth6(), srcAuth8()), func(ctx SpecContext, e env) {
				c := caller(e)
				c.Token = c.Token[:len(c.Token)-1]
				expect401(e.withCreds(ctx, &c, nil), "the whole token is hashed and compared, so a prefix of it was never issued")
			}).on(supported(), noteRouter),
		chk("AUTH-USER-ID-REPEATED", compat, v0590, 401, "reads a repeated X-User-Id as one joined value, which names nobody",
			ev(src(rc613, "apps/meteor/app/api/server/api.ts:940", "the user id is this.request.headers['x-user-id']: Node.js joins the values of a repeated header with ', '"),
				src(rc861, "apps/meteor/app/api/server/ApiClass.ts:953", "the user id is request.headers.get('x-user-id'): the Fetch Headers object joins repeated values with ', '")),
			func(ctx SpecContext, e env) {
				c := caller(e)
				expect401(e.withCreds(ctx, nil, map[string][]string{"X-User-Id": {c.UserID, c.UserID}, "X-Auth-Token": {c.Token}}),
					"two X-User-Id lines are read as \"<id>, <id>\", which is nobody's id: a server that takes the first or the last value authenticates a request Rocket.Chat refuses")
			}).on(supported(), noteRouter),
		chk("AUTH-TOKEN-REPEATED", compat, v0590, 401, "reads a repeated X-Auth-Token as one joined value, which is no token",
			ev(src(rc613, "apps/meteor/app/api/server/api.ts:933-934", "the token hashed is this.request.headers['x-auth-token']: Node.js joins the values of a repeated header with ', '"),
				src(rc861, "apps/meteor/app/api/server/ApiClass.ts:954", "the token is request.headers.get('x-auth-token'): the Fetch Headers object joins repeated values with ', '")),
			func(ctx SpecContext, e env) {
				c := caller(e)
				expect401(e.withCreds(ctx, nil, map[string][]string{"X-User-Id": {c.UserID}, "X-Auth-Token": {c.Token, c.Token}}),
					"two X-Auth-Token lines are read as \"<token>, <token>\", whose hash matches no login: a server that takes the first or the last value authenticates a request Rocket.Chat refuses")
			}).on(supported(), noteRouter),
		chk("AUTH-DELETED-USER", compat, v0590, 401, "refuses the token of a user who was deleted",
			ev(srcAuth6(), srcAuth8()), func(ctx SpecContext, e env) {
				u := e.Fresh(ctx, 1)[0]
				By("deleting the user whose token is then sent")
				e.Discard(ctx, u)
				expect401(e.withCreds(ctx, &u.Creds, nil), "a deleted user is no longer found by id and token, so its token is refused with 401")
			}).on(supported(), noteRouter),
		chk("AUTH-HEADER-NAME-CASE", compat, v0590, 200, "accepts the authentication headers with their names in lower case",
			ev(src(rc613, "apps/meteor/app/api/server/api.ts:933-941", "the headers are read from Node.js's request.headers, whose names are lower-cased"),
				src(rc861, "apps/meteor/app/api/server/ApiClass.ts:953-954", "the headers are read with Headers.get, which ignores the case of names")),
			func(ctx SpecContext, e env) {
				c := caller(e)
				resp := e.withCreds(ctx, nil, map[string][]string{"x-user-id": {c.UserID}, "x-auth-token": {c.Token}})
				resp.ExpectStatus(200, "HTTP header names are case-insensitive, so x-user-id and x-auth-token authenticate like X-User-Id and X-Auth-Token")
			}).on(supported(), noteRouter),
	}
}

// swapCase turns upper-case ASCII letters into lower case and back.
func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}
