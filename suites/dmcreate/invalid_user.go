package dmcreate

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/rcconform/rcconform/conformance"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// Conditions on how names are resolved.
func namesLookedUp() conformance.Cond { return is(conformance.DimNames, conformance.Lookup) }
func namesExact() conformance.Cond    { return is(conformance.DimNames, conformance.Exact) }

// expectInvalidUser checks the doc page's Invalid User answer.
func expectInvalidUser(resp *fw.Response, promise string) {
	GinkgoHelper()
	resp.ExpectStatus(400, promise)
	resp.ExpectBody(invalidUser(), promise+": the body is the doc's Invalid User example")
}

const saysInvalidUser = "400 with the doc page's Invalid User body"

// invalidUserAnswer is the answer of releases that look names up: the name
// finds nobody and is refused.
func invalidUserAnswer(promise string) answer {
	return when(namesLookedUp(), 400, saysInvalidUser+": the name is looked up and finds nobody", func(_ env, r []*fw.Response) {
		expectInvalidUser(r[0], promise)
	})
}

// droppedAnswer is the answer of releases that match names exactly: the
// name matches nobody and is left out, leaving the room of these personas.
func droppedAnswer(promise string, room ...string) answer {
	return when(namesExact(), 200, "200 with the room of "+strings.Join(room, ", ")+": the name matches nobody exactly and is left out", func(e env, r []*fw.Response) {
		e.expectRoom(r[0], promise+": a name that matches nobody is left out of the room", room...)
	})
}

// devUnknownDropped is the deviation of the releases that open the
// caller's own room for a name nobody has.
func devUnknownDropped() conformance.Deviation {
	return conformance.Deviation{ID: "DEV-UNKNOWN-NAME-DROPPED", DocAlsoPasses: true,
		Why:      "Releases that match names exactly (8.6.1, and possibly 7.10 to 8.5 and later) leave a name nobody has out of the room and answer 200 with the caller's self-DM instead of the Invalid User error. That is a regression of the federation rework (upstream PR #41822 of August 2026 fixes direct messages whose usernames never resolve); nobody relies on it, so the doc page's Invalid User answer passes at compat too.",
		Evidence: ev(srcLookup8())}
}

// emptyNameAnswers are the answers to an empty name, along the empty-name
// dimension, where pre holds; room is the room left when it is dropped.
func emptyNameAnswers(pre conformance.Cond, promise string, room ...string) []answer {
	conds := func(v string) []conformance.Cond {
		c := is(conformance.DimEmptyName, v)
		if pre.Dim == "" {
			return all(c)
		}
		return all(pre, c)
	}
	return []answer{
		whenAll(conds(conformance.UnknownUser), 400, saysInvalidUser+": the empty name is looked up like any other and finds nobody", func(_ env, r []*fw.Response) {
			expectInvalidUser(r[0], promise)
		}),
		whenAll(conds(conformance.InvalidName), 400, `400 {"success":false,"error":"invalid username"}, no errorType`, func(_ env, r []*fw.Response) {
			r[0].ExpectStatus(400, promise+": an empty name is refused with 400")
			r[0].ExpectBody(invalidUsername(), "the look-up refuses an empty name with the plain Error('invalid username'): no errorType")
		}),
		whenAll(conds(conformance.DroppedName), 200, "200 with the room of "+strings.Join(room, ", ")+": the empty name is left out", func(e env, r []*fw.Response) {
			e.expectRoom(r[0], promise+": empty names are filtered out before the names are matched", room...)
		}),
	}
}

func invalidUserChecks() []check {
	names := []string{conformance.DimNames}
	lookupEvidence := ev(srcLookup6(), srcCollation6(), srcLookup8())
	peer := func(e env) string { return e.User("peer").Username }
	// notTheirs: a name that is not the peer's username must find nobody,
	// and open no DM with the peer.
	notTheirs := func(id, title, promise string, name func(e env) string) check {
		return check{ID: id, Level: compat, Since: v0590, Status: 0, Dimensions: names,
			Title: title, Evidence: lookupEvidence,
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.post(ctx, "caller", fw.JSON(map[string]any{"username": name(e)}))
			}),
			Answers: []answer{invalidUserAnswer(promise), droppedAnswer(promise, "caller")},
		}
	}
	emptyEvidence := ev(srcRegexLookup600(), srcCollation6(), srcExactEmpty8())
	empty := func(id, since, title, body string, room ...string) check {
		return check{ID: id, Level: compat, Since: since, Status: 0, Dimensions: []string{conformance.DimEmptyName},
			Title: title, Evidence: emptyEvidence,
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.post(ctx, "caller", strings.ReplaceAll(body, "%peer", peer(e)))
			}),
			Answers: emptyNameAnswers(conformance.Cond{}, "an empty name names nobody", room...),
		}
	}
	return []check{
		{At: here(), ID: "USER-UNKNOWN", Level: core, Since: v0590, Status: 0, Dimensions: names,
			Title:    "returns 400 with the documented Invalid User body for an unknown username",
			Evidence: ev(docInvalidUser(), docUsername()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.post(ctx, "caller", fw.JSON(map[string]any{"username": e.nobody()}))
			}),
			Answers: []answer{
				docAnswer(400, saysInvalidUser, func(_ env, r []*fw.Response) {
					expectInvalidUser(r[0], "a username that names nobody is refused with 400 (doc: Invalid User example)")
				}),
				deviating(devUnknownDropped(), namesExact(), 200, "200 with the caller's self-DM: the unknown name is left out", func(e env, r []*fw.Response) {
					e.expectRoom(r[0], "a name that matches nobody is left out of the room, leaving the caller's self-DM", "caller")
				}),
			},
		},
		{At: here(), ID: "USER-UNKNOWN-IN-LIST", Level: compat, Since: v3010, Status: 0, Dimensions: names,
			Title:    "refuses the whole list when one of several usernames is unknown, where names are looked up",
			Evidence: ev(srcLookup6(), srcLookup8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": e.names("peer") + "," + e.nobody()}))
			}),
			Answers: []answer{
				invalidUserAnswer("a list with one name that names nobody is refused as a whole"),
				droppedAnswer("the unknown name is left out, leaving the DM of the caller and the peer", "caller", "peer"),
			},
		},
		{At: here(), ID: "USER-UNTRIMMED", Level: compat, Since: v0590, Status: 0, Dimensions: names,
			Title:    "uses username as sent: a name with blanks around it names nobody",
			Evidence: ev(srcRoute6(), srcLookup6(), srcRoute8(), srcLookup8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.post(ctx, "caller", fw.JSON(map[string]any{"username": " " + peer(e) + " "}))
			}),
			Answers: []answer{
				invalidUserAnswer("username is not trimmed (only the items of usernames are), so \" name \" names nobody"),
				droppedAnswer("username is not trimmed, so \" name \" matches nobody", "caller"),
			},
		},
		{At: here(), ID: "USER-BEFORE-PERMISSION", Level: compat, Since: v0590, Status: 400, Dimensions: names,
			Title:    "resolves names before the permission check as its release does: a guest naming nobody gets Invalid User, or error-not-allowed",
			Evidence: ev(srcLookup6(), srcPermission6(), srcLookup8(), srcPermission8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.post(ctx, "guest", fw.JSON(map[string]any{"username": e.nobody()}))
			}),
			Answers: []answer{
				invalidUserAnswer("names are looked up before create-d is checked, so the guest gets Invalid User, not error-not-allowed"),
				when(namesExact(), 400, "400 error-not-allowed: nothing checks the names before the permission", func(_ env, r []*fw.Response) {
					r[0].ExpectStatus(400, "a guest lacks create-d")
					r[0].ExpectBody(notAllowed(), "names are not looked up first, so the permission check refuses the guest")
				}),
			},
		},
		{At: here(), ID: "USER-BEFORE-MAX-USERS", Level: compat, Since: v3010, Status: 400, Dimensions: []string{conformance.DimNames, conformance.DimMaxUsers},
			Title:    "resolves names before the member count as its release does: too many names with an unknown one get Invalid User, or the max-users error",
			Evidence: ev(srcLookup6(), srcMaxUsers660(), srcLookup8(), srcMaxUsers8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				list := append(e.usernames(e.others()...), e.nobody())
				return e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": strings.Join(list, ",")}))
			}),
			Answers: []answer{
				invalidUserAnswer("names are looked up before the members are counted, so too many names with an unknown one get Invalid User"),
				when(namesExact(), 400, "400 with the max-users error: the raw names are counted, the unknown one included", func(e env, r []*fw.Response) {
					e.expectMaxUsers(r[0], "names are not looked up first, and every name given counts toward the limit")
				}),
			},
		},
		{At: here(), ID: "USER-EXCLUDESELF-ALONE", Level: compat, Since: v3180, Status: 0, Dimensions: names,
			Title:    "answers excludeSelf with a single other user as its release does: Invalid User, or that user's own room",
			Evidence: ev(srcExcludeSelf6(), srcExcludeSelf8(), srcSelfDM8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.post(ctx, "admin", fw.JSON(map[string]any{"username": peer(e), "excludeSelf": true}))
			}),
			Answers: []answer{
				invalidUserAnswer("a DM without the caller needs at least two other members; one resolved user is refused"),
				when(namesExact(), 200, "200 with the room of the peer alone: names are strings, so the one-user check never fires", func(e env, r []*fw.Response) {
					e.expectRoom(r[0], "the check for a single other user looks for a resolved user, and names stay strings, so the room of the peer alone is answered", "peer")
				}),
			},
		},
		declaredAt(empty("USER-EMPTY", v0590, "answers an empty username as its release does: Invalid User, \"invalid username\", or the caller's self-DM",
			`{"username":""}`, "caller"), here()),
		declaredAt(empty("USER-EMPTY-LIST", v3010, "answers usernames that is the empty string as its release does",
			`{"usernames":""}`, "caller"), here()),
		declaredAt(empty("USER-EMPTY-ITEM", v3010, "answers usernames ending with a comma as its release does: the empty item is an empty name",
			`{"usernames":"%peer,"}`, "caller", "peer"), here()),
		declaredAt(empty("USER-BLANK-ITEMS", v3010, "answers usernames holding only blanks and a comma as its release does: two empty names",
			`{"usernames":" , "}`, "caller"), here()),
		declaredAt(notTheirs("USER-BY-ID", "does not take a user id for a username", "a username is looked up by username only, so another user's id must not open a DM with them",
			func(e env) string { return e.User("peer").ID }), here()),
		declaredAt(notTheirs("USER-BY-DISPLAY-NAME", "does not take a display name for a username", "a username is looked up by username only, so another user's display name must not open a DM with them",
			func(e env) string { return e.User("peer").Name }), here()),
		{At: here(), ID: "USER-BY-EMAIL", Level: compat, Since: v0590, Status: 200,
			Title:    "does not take an e-mail address for a username: it opens the caller's self-DM",
			Evidence: ev(srcFederatedName6(), srcLookup8()),
			Run: func(ctx SpecContext, e env) {
				resp := e.post(ctx, "caller", fw.JSON(map[string]any{"username": peer(e) + "@example.com"}))
				e.expectRoom(resp, "a name with \"@\" that finds nobody is kept for federation and then left out (looked up), or matches nobody (matched exactly): either way the caller's self-DM, never a DM with the address's owner", "caller")
			},
		},
		declaredAt(notTheirs("USER-NO-PATTERN-DOT", "matches a username literally: a \".\" is no wildcard", "the look-up matches the whole name literally (a collation, or an escaped pattern), so \".\" in place of the last letter names nobody",
			func(e env) string { p := peer(e); return p[:len(p)-1] + "." }), here()),
		declaredAt(notTheirs("USER-NO-PATTERN-PERCENT", "matches a username literally: a \"%\" is no wildcard", "the look-up matches the whole name literally, so a prefix of a name followed by \"%\" names nobody",
			func(e env) string { p := peer(e); return p[:len(p)-2] + "%" }), here()),
		declaredAt(notTheirs("USER-NO-PATTERN-STAR", "matches a username literally: a \"*\" is no wildcard", "the look-up matches the whole name literally, so a prefix of a name followed by \"*\" names nobody",
			func(e env) string { p := peer(e); return p[:len(p)-2] + "*" }), here()),
		declaredAt(notTheirs("USER-ACCENT-SENSITIVE", "tells accented letters apart: \"péer\" is not \"peer\"", "the look-up ignores case only (collation strength 2, or an exact match), not accents, so an accented variant of a name names nobody",
			func(e env) string { return strings.Replace(peer(e), "peer", "péer", 1) }), here()),
		{At: here(), ID: "USERNAMES-SPACE-SEPARATED", Level: compat, Since: v3010, Status: 0, Dimensions: names,
			Title:    "splits usernames on commas only: names separated by a space are one name nobody has",
			Evidence: ev(srcRoute6(), srcRoute8(), srcLookup6(), srcLookup8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": peer(e) + " " + e.User("third").Username}))
			}),
			Answers: []answer{
				invalidUserAnswer("usernames is split on \",\" only, so \"a b\" is one name that no user has"),
				droppedAnswer("usernames is split on \",\" only, so \"a b\" is one name that matches nobody", "caller"),
			},
		},
		{At: here(), ID: "USERNAMES-SEMICOLON-SEPARATED", Level: compat, Since: v3010, Status: 0, Dimensions: names,
			Title:    "splits usernames on commas only: names separated by a semicolon are one name nobody has",
			Evidence: ev(srcRoute6(), srcRoute8(), srcLookup6(), srcLookup8()),
			Send: sending(func(ctx SpecContext, e env) *fw.Response {
				return e.post(ctx, "caller", fw.JSON(map[string]any{"usernames": peer(e) + ";" + e.User("third").Username}))
			}),
			Answers: []answer{
				invalidUserAnswer("usernames is split on \",\" only, so \"a;b\" is one name that no user has"),
				droppedAnswer("usernames is split on \",\" only, so \"a;b\" is one name that matches nobody", "caller"),
			},
		},
	}
}

// declaredAt places a check made by a helper at its own line of the
// catalogue, so that its reports point there.
func declaredAt(c check, at types.CodeLocation) check {
	c.At = at
	return c
}
