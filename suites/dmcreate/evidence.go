package dmcreate

import "github.com/rcconform/rcconform/conformance"

// Where the evidence is. The doc page is Rocket.Chat's own OpenAPI
// description of dm.create; releases are named by the commit read.
const (
	docPage = "dm.create doc page (RocketChat/Rocket.Chat-Open-API messaging.yaml@c9aec5a)"
	rc600   = conformance.SrcRC600
	rc640   = conformance.SrcRC640
	rc650   = conformance.SrcRC650
	rc660   = conformance.SrcRC660
	rc613   = conformance.SrcRC613
	rc861   = conformance.SrcRC861
)

func doc(section, says string) conformance.Evidence {
	return conformance.Evidence{Kind: conformance.Doc, Where: docPage + ", " + section, Says: says}
}

func src(release, file, says string) conformance.Evidence {
	return conformance.Evidence{Kind: conformance.Source, Where: release + " " + file, Says: says}
}

func upstreamTest(release, file, says string) conformance.Evidence {
	return conformance.Evidence{Kind: conformance.Test, Where: release + " " + file, Says: says}
}

func reasoning(says string) conformance.Evidence {
	return conformance.Evidence{Kind: conformance.Reasoning, Says: says}
}

func ev(items ...conformance.Evidence) []conformance.Evidence { return items }

// Doc page passages.

func docHeaders() conformance.Evidence {
	return doc("parameters Auth-Token and UserId", "X-Auth-Token (\"the authToken of the authenticated user\") and X-User-Id (\"the userId of the authenticated user\") are both required")
}

func doc401() conformance.Evidence {
	return doc("response 401 (authorizationError), example Authorization Error", `{"status": "error", "message": "You must be logged in to do this."}`)
}

func doc200() conformance.Evidence {
	return doc("response 200, schema and example", `room {t, rid, usernames: [string]} and success; example {"room":{"t":"d","rid":"PMrDaS4axRqkjY7errocket.cat","usernames":["g1","rocket.cat"]},"success":true}`)
}

func docSummary() conformance.Evidence {
	return doc("description", "Create a direct message session with another user or more than one user.")
}

func docUsername() conformance.Evidence {
	return doc("requestBody, username", "username (string): the username of the user to open a direct message session")
}

func docUsernames() conformance.Evidence {
	return doc("requestBody, usernames", "usernames (string): comma-separated list of usernames to open a multiple direct message session")
}

func docExcludeSelf() conformance.Evidence {
	return doc("requestBody, excludeSelf", "excludeSelf (boolean): creates the direct message session excluding the current authenticated user; the session is only opened if the current user has the view-room-administration permission")
}

func docMissing() conformance.Evidence {
	return doc("response 400, example Missing parameter", `{"success": false, "error": "must have required property 'usernames'\n must have required property 'username'\n must match exactly one schema in oneOf [invalid-params]", "errorType": "invalid-params"}`)
}

func docInvalidUser() conformance.Evidence {
	return doc("response 400, example Invalid User", `{"success": false, "error": "Invalid user [error-invalid-user]", "errorType": "error-invalid-user", "details": {"method": "createDirectMessage"}}`)
}

func docChangelog() conformance.Evidence {
	return doc("Change Log", "0.59.0 Added; 3.1.0 Added usernames fields; 3.18.0 Added excludeSelf option")
}

// Upstream sources.

func srcRoute6() conformance.Evidence {
	return src(rc613, "apps/meteor/app/api/server/v1/im.ts:72-92", "API.v1.addRoute(['dm.create', 'im.create'], {authRequired: true, validateParams: isDmCreateProps}, ...): username is used as sent; usernames is split on ',' and each item trimmed; the answer is {room: {...room, _id: room.rid}}")
}

func srcRoute8() conformance.Evidence {
	return src(rc861, "apps/meteor/app/api/server/v1/im.ts:906-929,971-972", "dm.create and im.create are one typed route ({authRequired: true, body: isDmCreateProps}); the action splits usernames on ',' and trims each item, and answers {room: {...room, _id: room.rid}}")
}

func srcSchema6() conformance.Evidence {
	return src(rc613, "packages/rest-typings/src/v1/dm/DmCreateProps.ts:1-45", "new Ajv({coerceTypes: true}); oneOf [{usernames: string, excludeSelf?: boolean}, {username: string, excludeSelf?: boolean}], each with required and additionalProperties: false")
}

func srcSchema8() conformance.Evidence {
	return src(rc861, "packages/rest-typings/src/v1/dm/DmCreateProps.ts:12-41 and src/v1/Ajv.ts:4-9", "the same oneOf schema, compiled by an Ajv with coerceTypes: true")
}

func srcValidate6() conformance.Evidence {
	return src(rc613, "apps/meteor/app/api/server/api.ts:602-609,655-666", "a failing validateParams throws Meteor.Error('invalid-params', errors.map(e => e.message).join('\\n ')); Meteor appends ' [invalid-params]' and the route answers 400 {success: false, error, errorType}")
}

func srcValidate8() conformance.Evidence {
	return src(rc861, "packages/http-router/src/Router.ts:231-253", "a body failing the route's schema is answered c.json({success: false, errorType: 'invalid-params', error: errors.map(e => e.message).join('\\n ')}, 400), without the Meteor suffix, after the authentication middleware")
}

func srcAuth6() conformance.Evidence {
	return src(rc613, "apps/meteor/packages/meteor-restivus/lib/route.js:154-178,223-253 and apps/meteor/app/api/server/api.ts:933-941", "the user is found by X-User-Id and the hashed X-Auth-Token together (Users.findOne({_id, 'services.resume.loginTokens.hashedToken'})); otherwise the endpoint is not called and 401 {status: 'error', message: 'You must be logged in to do this.'} is answered")
}

func srcAuthBreaking() conformance.Evidence {
	return src(rc861, "apps/meteor/app/api/server/middlewares/authenticationHono.ts:28-38 and ApiClass.ts:63",
		"the middleware adds status and message to {success: false, error} only while !applyBreakingChanges (shouldBreakInVersion('9.0.0')): from 9.0.0 the 401 body is {success: false, error}")
}

func srcAuth8() conformance.Evidence {
	return src(rc861, "apps/meteor/app/api/server/ApiClass.ts:952-966 and middlewares/authenticationHono.ts:23-39", "the user is found by headers.get('x-user-id') and the hashed headers.get('x-auth-token') together; otherwise the middleware answers c.json({success: false, error, status: 'error', message: 'You must be logged in to do this.'}, 401) before the route runs")
}

func srcLookup6() conformance.Evidence {
	return src(rc613, "apps/meteor/server/methods/createDirectMessage.ts:43-68", "names other than the caller's own (compared exactly) are looked up with Users.findOneByUsernameIgnoringCase; a name without '@' that finds nobody throws Meteor.Error('error-invalid-user', 'Invalid user', {method: 'createDirectMessage'})")
}

func srcCollation6() conformance.Evidence {
	return src(rc613, "apps/meteor/server/models/raw/Users.js:385-396", "findOneByUsernameIgnoringCase throws Error('invalid username') for an empty name and otherwise finds {username} with collation {locale: 'en', strength: 2}: case-insensitive, accent-sensitive, no pattern matching")
}

func srcRegexLookup600() conformance.Evidence {
	return src(rc600, "apps/meteor/server/models/raw/Users.js:253-261", "findOneByUsernameIgnoringCase matches new RegExp(`^${escapeRegExp(username)}$`, 'i'): case-insensitive, with the name's special characters escaped")
}

func srcLookup8() conformance.Evidence {
	return src(rc861, "apps/meteor/server/methods/createDirectMessage.ts:42-44 and app/lib/server/functions/createDirectRoom.ts:61-81", "names are kept as strings and resolved together with Users.findUsersByUsernames ({username: {$in: names}}, an exact match); names that find nobody are left out of the room")
}

func srcRoomLookup() conformance.Evidence {
	return src(rc613, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:73-91 and server/models/raw/Rooms.ts:814-821", "members are found by username; a 1:1 room is looked up and inserted by the _id uids.join('') of the two sorted user ids, any other member set by {uids: {$size: n, $all: uids}} and inserted with a generated ObjectId")
}

func srcRoomLookup8() conformance.Evidence {
	return src(rc861, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:72-97,130 and packages/models/src/models/Rooms.ts:906-910", "every room, 1:1 included, is looked up by {uids: {$size: n, $all: uids}} and a new one is inserted with a generated id")
}

func srcSort() conformance.Evidence {
	return src(rc613, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:77-79", "usernames are the members sorted with (u1.name || u1.username).localeCompare(u2.name || u2.username)")
}

func srcSort8() conformance.Evidence {
	return src(rc861, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:75-77", "the same sort: (name || username).localeCompare")
}

func srcExcludeSelf6() conformance.Evidence {
	return src(rc613, "apps/meteor/server/methods/createDirectMessage.ts:69-76,98-101", "roomUsers = excludeSelf ? users : [me, ...users]; a single resolved user other than the caller throws error-invalid-user; view-room-administration only decides whether the members' subscriptions open")
}

func srcExcludeSelf8() conformance.Evidence {
	return src(rc861, "apps/meteor/server/methods/createDirectMessage.ts:44,73-75", "roomUsers = excludeSelf ? users : [me, ...users]; view-room-administration only decides whether the members' subscriptions open")
}

func srcPermission6() conformance.Evidence {
	return src(rc613, "apps/meteor/server/methods/createDirectMessage.ts:78-96 and app/authorization/server/constant/permissions.ts:23", "without create-d (granted to admin, user, bot and app, not guest) the call throws Meteor.Error('error-not-allowed', 'Not allowed', {method: 'createDirectMessage'}); the view-d-room fallback could only return a DM that already exists (6.0.0's createDirectMessage.js applies it; the TypeScript rewrite never does, as Object.keys yields strings)")
}

func srcPermission8() conformance.Evidence {
	return src(rc861, "apps/meteor/server/methods/createDirectMessage.ts:53-71", "the same create-d check and error-not-allowed error")
}

func srcMaxUsers660() conformance.Evidence {
	return src(rc660, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:51-60", "more members than DirectMesssage_maxUsers throws Meteor.Error('error-direct-message-max-user-exceeded', `You cannot add more than ${maxUsers} users, including yourself to a direct message`, {method: 'createDirectRoom'}); the same at 6.13.0 (lines 51-60)")
}

func srcMaxUsers8() conformance.Evidence {
	return src(rc861, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:50-59", "the same Meteor.Error, counting the members as given (the caller unless excludeSelf, repeats and unresolved names included)")
}

func srcMaxUsers650() conformance.Evidence {
	return src(rc650, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:50-52", "more members than DirectMesssage_maxUsers throws new Error('error-direct-message-max-user-exceeded'): a plain error, answered without errorType")
}

func srcMaxUsersDefault() conformance.Evidence {
	return src(rc613, "apps/meteor/server/settings/message.ts:195", "DirectMesssage_maxUsers defaults to 8; members counts the caller (unless excludeSelf) and every name given, repeats included")
}

func srcSelfDM() conformance.Evidence {
	return src(rc613, "apps/meteor/server/settings/message.ts:95 and server/methods/createDirectMessage.ts:37-45", "Message_AllowDirectMessagesToYourself defaults to true; the caller's own name is filtered out, leaving the caller alone: a self-DM")
}

func srcSelfDM8() conformance.Evidence {
	return src(rc861, "apps/meteor/server/methods/createDirectMessage.ts:36-44", "the caller's own name, spelled exactly, is filtered out, leaving the caller alone: a self-DM")
}

func srcBodyParser6() conformance.Evidence {
	return src(rc613, "apps/meteor/packages/meteor-restivus/lib/json-routes.js:6-8 and package.js (connect 2.30.2)", "connect.urlencoded and connect.json (body-parser 1.13.3, strict) run as global middleware before any route: form bodies are parsed, a body of another type is left as {}, and broken JSON or a top-level JSON scalar ends in the body parser's own 400 page, before authentication")
}

// srcParserErrorPage: body-parser's error is not caught by any Meteor
// handler, so connect's final handler writes it.
func srcParserErrorPage6() conformance.Evidence {
	return conformance.Evidence{Kind: conformance.Source,
		Where: "pillarjs/finalhandler@15e78cab (v1.1.2) index.js:272-298, called by connect 3.7.0 index.js:127-130 in the webapp of meteor/meteor@6892cd82 (release/METEOR@2.16, which 6.13.0 runs on)",
		Says:  "an error that reaches the end of the middleware stack is answered with its status and an HTML page of its own (Content-Type: text/html; charset=utf-8), not a JSON body"}
}

func srcBodyParser8() conformance.Evidence {
	return src(rc861, "packages/http-router/src/Router.ts:157-175,231", "the body is parsed in the route after authentication: application/json with JSON.parse (a parse error gives {}), application/x-www-form-urlencoded as a form, anything else as {}")
}

func srcHeaders6() conformance.Evidence {
	return src(rc613, "apps/meteor/packages/meteor-restivus/lib/restivus.js:29-30 and lib/route.js:278-302", "every answer of a route carries the default header Content-Type: application/json")
}

func srcHeaders8() conformance.Evidence {
	return src(rc861, "packages/http-router/src/Router.ts:300-308 and middlewares/authenticationHono.ts:38", "the route answers with Content-Type: application/json; errors raised before the action are Hono's c.json, whose Content-Type is application/json")
}

func srcRace6() conformance.Evidence {
	return src(rc613, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:83-88,132", "the room is looked up, then inserted (Rooms.insertOne) when none was found: two concurrent first creations of one 1:1 DM both insert its composed _id and the loser's MongoDB duplicate-key error is answered 400 {success: false, error: 'E11000 duplicate key error ...'}")
}

func srcRace8() conformance.Evidence {
	return src(rc861, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:81,130 and packages/models/src/models/Rooms.ts:77", "the room is looked up by its member set, then inserted with a generated id when none was found; the uids index is not unique, so concurrent first creations can insert several rooms")
}

func testSelfDM() conformance.Evidence {
	return upstreamTest(rc613, "apps/meteor/tests/end-to-end/api/direct-message.ts:675-691", "'should create a self-DM': im.create {username: <own name>} answers 200, Content-Type application/json, room.usernames [<own name>]")
}

func testContentType() conformance.Evidence {
	return upstreamTest(rc613, "apps/meteor/tests/end-to-end/api/direct-message.ts:26-33,638-654", "every im.create call expects('Content-Type', 'application/json'), an exact string")
}

func srcSpread() conformance.Evidence {
	return src("RocketChat/Rocket.Chat http-router Router.ts, undated versions @3a8f6b51 and @05360738 (7.6–8.x)", "packages/http-router/src/Router.ts parseBodyParams",
		"earlier Hono routers spread the parsed body ({...parsedBody}) and read a body of another media type as text: an array or a string becomes an object of its indexes, other scalars {}; such an object fails required like {}")
}

func srcStrictSchema() conformance.Evidence {
	return src(conformance.SrcChangelog, "## 8.3.0 (#39559)",
		"body validation moved to an ajv with coerceTypes: false: numbers, booleans sent as strings and null are no longer coerced and fail with ajv's type error (\"must be string\", \"must be boolean\"); 8.6.1 coerces again")
}

func srcExactEmpty8() conformance.Evidence {
	return src(rc861, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:61-70",
		"the members' names are filtered with isTruthy before they are matched: an empty name is left out, like a name that matches nobody")
}

func srcExpressParser() conformance.Evidence {
	return src("RocketChat/Rocket.Chat@0715d8bb (Express era, 7.4–7.5)", "apps/meteor/app/api/server/router.ts and api.ts (WebApp.connectHandlers.use(express.json(...)))",
		"express.json, strict like connect.json, runs as a global middleware before the API router: broken JSON and top-level scalars end in its error page before authentication")
}

func srcFormsUnparsed() conformance.Evidence {
	return src(conformance.SrcChangelog, "## 7.6.2 and ## 7.7.0 (#36068, #36101)",
		"\"Fixes an issue that caused Hono to not process payloads with content type x-www-form-urlencoded correctly\": 7.6.0 and 7.6.1 read a form as text, so it gives no parameters")
}

func srcFederatedName6() conformance.Evidence {
	return src(rc613, "apps/meteor/server/methods/createDirectMessage.ts:47-66 and app/lib/server/functions/createDirectRoom.ts:66-72",
		"a name with \"@\" that finds nobody is not refused but kept for federation (whose addUser fails and is ignored while federation is off); createDirectRoom then looks it up again with its first \"@\" removed, finds nobody and leaves it out: the caller's self-DM")
}

func srcSubscriptionIndex() conformance.Evidence {
	return src(rc613, "apps/meteor/server/models/raw/Subscriptions.ts (indexes)",
		"subscriptions have a unique index on {rid, 'u._id'}: requests that find a room another request just inserted upsert the same members' subscriptions concurrently, and a losing upsert may end in MongoDB's duplicate-key error")
}
