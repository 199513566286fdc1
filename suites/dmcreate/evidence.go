package dmcreate

import "github.com/rcconform/rcconform/conformance"

// Where the evidence is. The doc page is Rocket.Chat's own OpenAPI
// description of dm.create; releases are named by the commit read.
const (
	docPage = "dm.create doc page (RocketChat/Rocket.Chat-Open-API messaging.yaml@c9aec5a)"
	rc600   = "RocketChat/Rocket.Chat@aa8f0ec7 (Release 6.0.0)"
	rc640   = "RocketChat/Rocket.Chat@e2f60199 (Release 6.4.0)"
	rc650   = "RocketChat/Rocket.Chat@2a330670 (Release 6.5.0)"
	rc660   = "RocketChat/Rocket.Chat@92a307ec (Release 6.6.0)"
	rc613   = "RocketChat/Rocket.Chat@e9700f68 (Release 6.13.0)"
	// No upstream 8.x release commit could be fetched; this is a verbatim
	// import of the 8.6.1 release's source by a third party.
	rc861 = "Rocket.Chat 8.6.1 (source import tinyfatco/business-os@8d36c0b5, third-party)"
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

// Release sets, with the note that says why they stop where they do.
func line6() conformance.Releases     { return conformance.Line6 }
func line8() conformance.Releases     { return conformance.Line8 }
func supported() conformance.Releases { return conformance.Supported }

const (
	// noteLegacyRoute bounds what only the legacy dm.create route does.
	noteLegacyRoute = "Holds for 6.x (upstream release commits). By 8.6.1 dm.create runs on a typed route that neither looks names up one by one nor composes 1:1 rids; which release made that change is not established, so neither behaviour is expected of 7.x or 8.x."
	// noteTypedRouteErrorType bounds the invalid-params shape.
	noteTypedRouteErrorType = "Holds for 6.x (legacy route) and 8.x (typed routes answer errorType invalid-params since 7.10.0). A typed route before 7.10.0 answered error-invalid-params, and whether dm.create was typed then is not established, so 7.x is left out."
	// noteRouter bounds what depends on the HTTP router.
	noteRouter = "The router was replaced during 7.x (Express, then Hono) at releases the sources cannot establish, so 7.x is left out."
)

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
	return src(rc613, "apps/meteor/server/methods/createDirectMessage.ts:78-96 and app/authorization/server/constant/permissions.ts:23", "without create-d (granted to admin, user, bot and app, not guest) the call throws Meteor.Error('error-not-allowed', 'Not allowed', {method: 'createDirectMessage'}); the view-d-room fallback never applies, as Object.keys yields strings")
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

func testExcludeSelf() conformance.Evidence {
	return upstreamTest(rc613, "apps/meteor/tests/end-to-end/api/direct-message.ts:656-672", "'creates a DM between two other parties (excluding self)': an admin's usernames 'a,b' with excludeSelf: true gives room.usernames [a, b]")
}
