package dmcreate

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/rcconform/rcconform/conformance"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// expectNotJoined fails if the answer opens a DM holding any of these
// personas: whatever else a server does with a name that is not theirs (6.x
// refuses it, 8.6.1 leaves it out of the room), it must not find them by it.
func (e env) expectNotJoined(resp *fw.Response, promise string, keys ...string) {
	GinkgoHelper()
	if resp.Status != 200 {
		return
	}
	for _, name := range e.usernames(keys...) {
		resp.ExpectField("room.usernames", Not(ContainElement(name)), promise)
	}
}

func invalidUserChecks() []check {
	lookup := ev(srcLookup6(), srcCollation6(), srcLookup8())
	notTheirs := func(id, title, promise string, name func(e env) string) check {
		return chk(id, compat, v0590, 400, title, lookup, func(ctx SpecContext, e env) {
			resp := e.post(ctx, "caller", fw.JSON(map[string]any{"username": name(e)}))
			e.expectNotJoined(resp, promise, "peer")
		}).on(supported(), noteRouter)
	}
	peer := func(e env) string { return e.User("peer").Username }
	emptyName := conformance.Between("6.5.0", "7.0.0")
	const emptyNote = "The plain \"invalid username\" error for an empty name shipped in 6.5.0 (commit 6d461833, not in 6.4.x); 8.6.1 no longer looks names up, and the 7.x releases between are not established."
	return []check{
		chk("USER-UNKNOWN", core, v0590, 400, "returns 400 with the documented Invalid User body for an unknown username",
			ev(docInvalidUser(), docUsername()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"username": e.nobody()}))
				resp.ExpectStatus(400, "a username that names nobody is refused with 400 (doc: Invalid User example)")
				resp.ExpectBody(invalidUser(), "the body is the doc's Invalid User example")
			}).on(line6(), noteLegacyRoute),
		chk("USER-UNKNOWN-IN-LIST", core, v3010, 400, "returns 400 with the documented Invalid User body when one of several usernames is unknown",
			ev(docInvalidUser(), docUsernames()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names("peer") + "," + e.nobody()}))
				resp.ExpectStatus(400, "a list with one name that names nobody is refused with 400 (doc: Invalid User example)")
				resp.ExpectBody(invalidUser(), "the body is the doc's Invalid User example")
			}).on(line6(), noteLegacyRoute),
		chk("USER-UNTRIMMED", compat, v0590, 400, "uses username as sent: a name with blanks around it is an unknown user",
			ev(srcRoute6(), srcLookup6()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"username": " " + peer(e) + " "}))
				resp.ExpectStatus(400, "username is not trimmed (only the items of usernames are), so \" name \" names nobody")
				resp.ExpectBody(invalidUser(), "an untrimmed username is answered with the Invalid User body")
			}).on(line6(), noteLegacyRoute),
		chk("USER-BEFORE-PERMISSION", compat, v0590, 400, "looks users up before the permission check: a guest naming nobody gets Invalid User",
			ev(srcLookup6(), srcPermission6()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "guest", fw.JSON(map[string]any{"username": e.nobody()}))
				resp.ExpectStatus(400, "an unknown user is refused before create-d is checked")
				resp.ExpectBody(invalidUser(), "6.x resolves the names before checking create-d, so the guest gets Invalid User, not error-not-allowed")
			}).on(line6(), noteLegacyRoute),
		chk("USER-BEFORE-MAX-USERS", compat, v3010, 400, "looks users up before the max-users check: too many names with an unknown one gets Invalid User",
			ev(srcLookup6(), srcMaxUsers660()), func(ctx SpecContext, e env) {
				list := append(e.usernames(e.others()...), e.nobody())
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": strings.Join(list, ",")}))
				resp.ExpectStatus(400, "an unknown user is refused before the member count is checked")
				resp.ExpectBody(invalidUser(), "6.x resolves the names before counting members, so too many names with an unknown one get Invalid User")
			}).on(line6(), noteLegacyRoute),
		chk("USER-EXCLUDESELF-ALONE", compat, v3180, 400, "refuses excludeSelf with a single other user as an invalid user",
			ev(srcExcludeSelf6()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "admin", fw.JSON(map[string]any{"username": peer(e), "excludeSelf": true}))
				resp.ExpectStatus(400, "a DM without the caller needs at least two other members; one is refused with 400")
				resp.ExpectBody(invalidUser(), "6.x answers the Invalid User body")
			}).on(line6(), "6.x refuses a single resolved user; at 8.6.1 the names are no longer resolved first and the check never fires, and the 7.x releases between are not established."),
		chk("USER-EMPTY", compat, v0590, 400, "answers the plain \"invalid username\" error when username is the empty string",
			ev(srcCollation6()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", `{"username":""}`)
				resp.ExpectStatus(400, "an empty name is refused with 400")
				resp.ExpectBody(invalidUsername(), "6.5 and later answer {\"success\":false,\"error\":\"invalid username\"} with no errorType")
			}).on(emptyName, emptyNote),
		chk("USER-EMPTY-ITEM", compat, v3010, 400, "answers the plain \"invalid username\" error when usernames ends with a comma",
			ev(srcRoute6(), srcCollation6()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names("peer") + ","}))
				resp.ExpectStatus(400, "the empty item after the comma is an empty name, refused with 400")
				resp.ExpectBody(invalidUsername(), "6.5 and later answer {\"success\":false,\"error\":\"invalid username\"} with no errorType")
			}).on(emptyName, emptyNote),
		chk("USER-BLANK-ITEMS", compat, v3010, 400, "answers the plain \"invalid username\" error when usernames holds only blanks and a comma",
			ev(srcRoute6(), srcCollation6()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", `{"usernames":" , "}`)
				resp.ExpectStatus(400, "both trimmed items are empty names, refused with 400")
				resp.ExpectBody(invalidUsername(), "6.5 and later answer {\"success\":false,\"error\":\"invalid username\"} with no errorType")
			}).on(emptyName, emptyNote),
		chk("USER-EMPTY-UNKNOWN", compat, v0590, 400, "answers Invalid User when username is the empty string (before 6.5)",
			ev(srcRegexLookup600(), src(rc640, "apps/meteor/server/models/raw/Users.js:386-393", "findOneByUsernameIgnoringCase finds {username} with a collation and throws nothing for an empty name, which finds nobody")),
			func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", `{"username":""}`)
				resp.ExpectStatus(400, "an empty name finds nobody")
				resp.ExpectBody(invalidUser(), "before 6.5 an empty name is looked up like any other, finds nobody and is answered with the Invalid User body")
			}).on(conformance.Between("6.0.0", "6.5.0"), "From 6.5.0 an empty name is refused before the lookup with the plain \"invalid username\" error (USER-EMPTY)."),
		notTheirs("USER-BY-ID", "does not take a user id for a username", "a username is looked up by username only, so another user's id must not open a DM with them",
			func(e env) string { return e.User("peer").ID }),
		notTheirs("USER-BY-DISPLAY-NAME", "does not take a display name for a username", "a username is looked up by username only, so another user's display name must not open a DM with them",
			func(e env) string { return e.User("peer").Name }),
		notTheirs("USER-BY-EMAIL", "does not take an e-mail address for a username", "a username is looked up by username only, so another user's e-mail address must not open a DM with them",
			func(e env) string { return peer(e) + "@example.com" }),
		notTheirs("USER-NO-PATTERN-DOT", "matches a username literally: a \".\" is no wildcard", "the lookup matches the whole name literally (a collation, or an escaped pattern), so \".\" in place of the last letter names nobody",
			func(e env) string { p := peer(e); return p[:len(p)-1] + "." }),
		notTheirs("USER-NO-PATTERN-PERCENT", "matches a username literally: a \"%\" is no wildcard", "the lookup matches the whole name literally, so a prefix of a name followed by \"%\" names nobody",
			func(e env) string { p := peer(e); return p[:len(p)-2] + "%" }),
		notTheirs("USER-NO-PATTERN-STAR", "matches a username literally: a \"*\" is no wildcard", "the lookup matches the whole name literally, so a prefix of a name followed by \"*\" names nobody",
			func(e env) string { p := peer(e); return p[:len(p)-2] + "*" }),
		notTheirs("USER-ACCENT-SENSITIVE", "tells accented letters apart: \"péer\" is not \"peer\"", "the lookup ignores case only (collation strength 2, or an exact match), not accents, so an accented variant of a name names nobody",
			func(e env) string { return strings.Replace(peer(e), "peer", "péer", 1) }),
		chk("USERNAMES-SPACE-SEPARATED", compat, v3010, 400, "splits usernames on commas only: names separated by a space are one unknown name",
			ev(srcRoute6(), srcRoute8(), srcLookup6(), srcLookup8()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": peer(e) + " " + e.User("third").Username}))
				e.expectNotJoined(resp, "usernames is split on \",\" only, so \"a b\" is one name that no user has", "peer", "third")
			}).on(supported(), noteRouter),
		chk("USERNAMES-SEMICOLON-SEPARATED", compat, v3010, 400, "splits usernames on commas only: names separated by a semicolon are one unknown name",
			ev(srcRoute6(), srcRoute8(), srcLookup6(), srcLookup8()), func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": peer(e) + ";" + e.User("third").Username}))
				e.expectNotJoined(resp, "usernames is split on \",\" only, so \"a;b\" is one name that no user has", "peer", "third")
			}).on(supported(), noteRouter),
	}
}
