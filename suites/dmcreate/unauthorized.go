package dmcreate

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/rcconform/rcconform/conformance"
	"github.com/rcconform/rcconform/rcapi"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// loggedOut is the message of every 401 answer.
const loggedOut = conformance.LoggedOut

// The exact 401 bodies of the three routers.
const (
	body401Restivus = `{"status":"error","message":"` + loggedOut + `"}`
	body401Router   = `{"success":false,"error":"` + loggedOut + `","status":"error","message":"` + loggedOut + `"}`
	body401Breaking = `{"success":false,"error":"` + loggedOut + `"}`
)

// expect401 checks the documented 401: status "error" and the message.
// Rocket.Chat's newer router also sends success and error; extra keys are
// allowed here and pinned by AUTH-BODY-EXACT.
func expect401(resp *fw.Response, promise string) {
	GinkgoHelper()
	resp.ExpectStatus(401, promise)
	resp.ExpectField("status", "error", "the 401 body has status \"error\" (doc: Authorization Error example)")
	resp.ExpectField("message", loggedOut, "the 401 body has message \""+loggedOut+"\" (doc: Authorization Error example)")
}

// expect401Breaking checks the 401 of a release with the breaking changes
// planned for 9.0.0 applied: success false and the message as error.
func expect401Breaking(resp *fw.Response, promise string) {
	GinkgoHelper()
	resp.ExpectStatus(401, promise)
	resp.ExpectField("success", false, "the 401 body has success false")
	resp.ExpectField("error", loggedOut, "the 401 body has error \""+loggedOut+"\"")
}

// expectUnauthorized checks a 401 as the releases the run accepts send it;
// checks about something else than the 401 body use it.
func (e env) expectUnauthorized(resp *fw.Response, promise string) {
	GinkgoHelper()
	if e.accepts(conformance.DimUnauthorized, conformance.Breaking) && !e.accepts(conformance.DimUnauthorized, conformance.Restivus, conformance.Router) {
		expect401Breaking(resp, promise)
		return
	}
	expect401(resp, promise)
}

// accepts reports whether the run accepts any of these variants along dim.
func (e env) accepts(dim string, variants ...string) bool {
	for _, v := range e.Accepted(dim) {
		for _, w := range variants {
			if v == w {
				return true
			}
		}
	}
	return false
}

// dev401 is the deviation of the releases whose 401 body lost the keys the
// doc page shows.
func dev401() conformance.Deviation {
	return conformance.Deviation{ID: "DEV-401-WITHOUT-STATUS", DocAlsoPasses: false,
		Why: "9.x (and 8.0.0's code, had it started) applies the breaking change planned for the major: the 401 body is {success: false, error} without the status and message the doc page shows. It is a deliberate change that clients of those releases may rely on, so there the doc page's body does not pass at compat.",
		Evidence: ev(src(conformance.SrcRC861, "apps/meteor/app/api/server/middlewares/authenticationHono.ts:28-38 and ApiClass.ts:63",
			"status and message are added to api.unauthorized()'s {success: false, error} only while !applyBreakingChanges, i.e. before 9.0.0 (shouldBreakInVersion('9.0.0'))"),
			src(conformance.SrcChangelog, "## 8.0.1", "8.0.0 shipped the 7.x threshold shouldBreakInVersion('8.0.0'); 8.0.1 moved the planned breaking changes to 9.0.0"))}
}

// answers401 are the answers of a core 401 check: the doc page's body, or
// the one without status and message.
func answers401(promise string) []answer {
	return []answer{
		docAnswer(401, `401 with status "error" and message "`+loggedOut+`" (other keys allowed)`,
			func(_ env, r []*fw.Response) { expect401(r[0], promise) }),
		deviating(dev401(), is(conformance.DimUnauthorized, conformance.Breaking), 401, `401 {success: false, error: "`+loggedOut+`"}`,
			func(_ env, r []*fw.Response) { expect401Breaking(r[0], promise) }),
	}
}

// compat401 are the same answers for a compat check: the first two routers'
// bodies carry the doc page's keys, the breaking one does not.
func compat401(promise string) []answer {
	return []answer{
		when(is(conformance.DimUnauthorized, conformance.Restivus, conformance.Router), 401, `401 with status "error" and message "`+loggedOut+`"`,
			func(_ env, r []*fw.Response) { expect401(r[0], promise) }),
		when(is(conformance.DimUnauthorized, conformance.Breaking), 401, `401 {success: false, error: "`+loggedOut+`"}`,
			func(_ env, r []*fw.Response) { expect401Breaking(r[0], promise) }),
	}
}

// withCreds sends the peer body with these credentials.
func (e env) withCreds(ctx SpecContext, c *rcapi.Credentials, raw map[string][]string) *fw.Response {
	GinkgoHelper()
	return e.request(ctx, fw.Request{Auth: c, Raw: raw, Body: e.peerBody()})
}

// sending makes the Send of a check that sends one request.
func sending(send func(ctx SpecContext, e env) *fw.Response) func(SpecContext, env) []*fw.Response {
	return func(ctx SpecContext, e env) []*fw.Response { return []*fw.Response{send(ctx, e)} }
}

func unauthorizedChecks() []check {
	caller := func(e env) rcapi.Credentials { return e.User("caller").Creds }
	unauthorized := []string{conformance.DimUnauthorized}
	auth := ev(srcAuth6(), srcAuth8())
	return []check{
		{At: here(), ID: "AUTH-01", Level: core, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "returns 401 with the documented body when no authentication header is sent",
			Evidence: ev(docHeaders(), doc401()),
			Send:     sending(func(ctx SpecContext, e env) *fw.Response { return e.withCreds(ctx, nil, nil) }),
			Answers:  answers401("a request without X-User-Id and X-Auth-Token is refused with 401"),
		},
		{At: here(), ID: "AUTH-02", Level: core, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "returns 401 with the documented body when only X-User-Id is sent",
			Evidence: ev(docHeaders(), doc401()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.withCreds(ctx, nil, map[string][]string{"X-User-Id": {caller(e).UserID}})
			}),
			Answers: answers401("a request with X-User-Id but no X-Auth-Token is refused with 401"),
		},
		{At: here(), ID: "AUTH-03", Level: core, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "returns 401 with the documented body when only X-Auth-Token is sent",
			Evidence: ev(docHeaders(), doc401()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.withCreds(ctx, nil, map[string][]string{"X-Auth-Token": {caller(e).Token}})
			}),
			Answers: answers401("a request with X-Auth-Token but no X-User-Id is refused with 401"),
		},
		{At: here(), ID: "AUTH-04", Level: core, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "returns 401 with the documented body when X-Auth-Token was never issued",
			Evidence: ev(docHeaders(), doc401()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				c := caller(e)
				c.Token = strings.Repeat("x", len(c.Token))
				return e.withCreds(ctx, &c, nil)
			}),
			Answers: answers401("a token that was never issued is refused with 401"),
		},
		{At: here(), ID: "AUTH-05", Level: core, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "returns 401 with the documented body when X-User-Id names another user than the token's",
			Evidence: ev(docHeaders(), doc401()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.withCreds(ctx, &rcapi.Credentials{UserID: e.User("peer").ID, Token: caller(e).Token}, nil)
			}),
			Answers: answers401("a valid token presented with another user's id is refused with 401"),
		},
		{At: here(), ID: "AUTH-06", Level: compat, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "checks credentials before the body: an unauthenticated invalid body gets 401, not 400",
			Evidence: auth,
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.request(ctx, fw.Request{Body: `{"unknown":1}`})
			}),
			Answers: compat401("authentication runs before body validation, so a bad body without credentials is still 401"),
		},
		// The 401 body of each router, exactly: without credentials, and with
		// a token that was never issued.
		{At: here(), ID: "AUTH-BODY-EXACT", Level: compat, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "answers 401 without credentials with exactly its router's body and Content-Type",
			Evidence: ev(srcAuth6(), srcHeaders6(), srcAuth8(), srcHeaders8(), srcAuthBreaking()),
			Send:     sending(func(ctx SpecContext, e env) *fw.Response { return e.withCreds(ctx, nil, nil) }),
			Answers:  exact401Answers("a request without credentials is refused with 401"),
		},
		{At: here(), ID: "AUTH-BODY-EXACT-TOKEN", Level: compat, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "answers 401 for a token never issued with exactly its router's body and Content-Type",
			Evidence: ev(srcAuth6(), srcHeaders6(), srcAuth8(), srcHeaders8(), srcAuthBreaking()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				c := caller(e)
				c.Token = strings.Repeat("y", len(c.Token))
				return e.withCreds(ctx, &c, nil)
			}),
			Answers: exact401Answers("a token that was never issued is refused with 401"),
		},
		{At: here(), ID: "AUTH-07", Level: compat, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "returns 401 on the im.create alias too",
			Evidence: ev(srcRoute6(), srcRoute8(), srcAuth6(), srcAuth8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.request(ctx, fw.Request{Path: fw.IMCreate, Body: e.peerBody()})
			}),
			Answers: compat401("im.create is the same endpoint and refuses a request without credentials with 401"),
		},
		{At: here(), ID: "AUTH-USER-ID-CASE", Level: compat, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "matches X-User-Id exactly: the caller's id in another case gets 401",
			Evidence: auth,
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				c := caller(e)
				c.UserID = swapCase(c.UserID)
				return e.withCreds(ctx, &c, nil)
			}),
			Answers: compat401("user ids are compared exactly (a MongoDB _id match), so the id in another case names nobody"),
		},
		{At: here(), ID: "AUTH-TOKEN-CASE", Level: compat, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "matches X-Auth-Token exactly: the token in another case gets 401",
			Evidence: auth,
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				c := caller(e)
				c.Token = swapCase(c.Token)
				return e.withCreds(ctx, &c, nil)
			}),
			Answers: compat401("the token is hashed (SHA-256) before it is compared, so the token in another case was never issued"),
		},
		{At: here(), ID: "AUTH-TOKEN-TRUNCATED", Level: compat, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "matches X-Auth-Token whole: the token without its last character gets 401",
			Evidence: auth,
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				c := caller(e)
				c.Token = c.Token[:len(c.Token)-1]
				return e.withCreds(ctx, &c, nil)
			}),
			Answers: compat401("the whole token is hashed and compared, so a prefix of it was never issued"),
		},
		{At: here(), ID: "AUTH-USER-ID-REPEATED", Level: compat, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title: "reads a repeated X-User-Id as one joined value, which names nobody",
			Evidence: ev(src(conformance.SrcRC613, "apps/meteor/app/api/server/api.ts:940", "the user id is this.request.headers['x-user-id']: Node.js joins the values of a repeated header with ', '"),
				src(conformance.SrcRC861, "apps/meteor/app/api/server/ApiClass.ts:953 and router.ts (honoAdapterForExpress)", "Node.js's IncomingMessage joins a repeated x- header with ', ' before the Hono adapter builds a Headers from it, so request.headers.get('x-user-id') is the joined value")),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				c := caller(e)
				return e.withCreds(ctx, nil, map[string][]string{"X-User-Id": {c.UserID, c.UserID}, "X-Auth-Token": {c.Token}})
			}),
			Answers: compat401("two X-User-Id lines are read as \"<id>, <id>\", which is nobody's id: a server that takes the first or the last value authenticates a request Rocket.Chat refuses"),
		},
		{At: here(), ID: "AUTH-TOKEN-REPEATED", Level: compat, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title: "reads a repeated X-Auth-Token as one joined value, which is no token",
			Evidence: ev(src(conformance.SrcRC613, "apps/meteor/app/api/server/api.ts:933-934", "the token hashed is this.request.headers['x-auth-token']: Node.js joins the values of a repeated header with ', '"),
				src(conformance.SrcRC861, "apps/meteor/app/api/server/ApiClass.ts:954 and router.ts (honoAdapterForExpress)", "Node.js's IncomingMessage joins a repeated x- header with ', ' before the Hono adapter builds a Headers from it, so request.headers.get('x-auth-token') is the joined value")),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				c := caller(e)
				return e.withCreds(ctx, nil, map[string][]string{"X-User-Id": {c.UserID}, "X-Auth-Token": {c.Token, c.Token}})
			}),
			Answers: compat401("two X-Auth-Token lines are read as \"<token>, <token>\", whose hash matches no login: a server that takes the first or the last value authenticates a request Rocket.Chat refuses"),
		},
		{At: here(), ID: "AUTH-DELETED-USER", Level: compat, Since: v0590, Status: 401, Dimensions: unauthorized,
			Title:    "refuses the token of a user who was deleted",
			Evidence: auth,
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				u := e.Fresh(ctx, 1)[0]
				By("deleting the user whose token is then sent")
				e.Discard(ctx, u)
				return e.withCreds(ctx, &u.Creds, nil)
			}),
			Answers: compat401("a deleted user is no longer found by id and token, so its token is refused with 401"),
		},
		{At: here(), ID: "AUTH-HEADER-NAME-CASE", Level: compat, Since: v0590, Status: 200,
			Title: "accepts the authentication headers with their names in lower case",
			Evidence: ev(src(conformance.SrcRC613, "apps/meteor/app/api/server/api.ts:933-941", "the headers are read from Node.js's request.headers, whose names are lower-cased"),
				src(conformance.SrcRC861, "apps/meteor/app/api/server/ApiClass.ts:953-954", "the headers are read with Headers.get, which ignores the case of names")),
			Run: func(ctx SpecContext, e env) {
				c := caller(e)
				resp := e.withCreds(ctx, nil, map[string][]string{"x-user-id": {c.UserID}, "x-auth-token": {c.Token}})
				resp.ExpectStatus(200, "HTTP header names are case-insensitive, so x-user-id and x-auth-token authenticate like X-User-Id and X-Auth-Token")
			},
		},
	}
}

// exact401Answers pin the whole 401 body and its media type per router.
func exact401Answers(promise string) []answer {
	exact := func(body, says string) func(env, []*fw.Response) {
		return func(_ env, r []*fw.Response) {
			r[0].ExpectStatus(401, promise)
			r[0].ExpectBody(body, says)
			r[0].ExpectContentType("application/json", "the 401 answer's Content-Type is exactly application/json")
		}
	}
	return []answer{
		when(is(conformance.DimUnauthorized, conformance.Restivus), 401, "401 "+body401Restivus+", exactly",
			exact(body401Restivus, "the Restivus router (until 7.3) answers exactly {status, message}")),
		when(is(conformance.DimUnauthorized, conformance.Router), 401, "401 "+body401Router+", exactly",
			exact(body401Router, "the router that replaced Restivus (7.4 to 8.x) answers success false and error next to the documented status and message")),
		when(is(conformance.DimUnauthorized, conformance.Breaking), 401, "401 "+body401Breaking+", exactly",
			exact(body401Breaking, "with the breaking changes planned for 9.0.0 applied, the answer is only success false and error")),
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
