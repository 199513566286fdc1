package conformance

import (
	"fmt"
	"slices"
	"strings"
)

// Where the lines' evidence is. Upstream releases are named by the commit
// read; 8.6.1 by a third party's verbatim import of its source, since no
// upstream 8.x release commit could be fetched.
const (
	SrcRC600 = "RocketChat/Rocket.Chat@aa8f0ec7 (Release 6.0.0)"
	SrcRC640 = "RocketChat/Rocket.Chat@e2f60199 (Release 6.4.0)"
	SrcRC650 = "RocketChat/Rocket.Chat@2a330670 (Release 6.5.0)"
	SrcRC660 = "RocketChat/Rocket.Chat@92a307ec (Release 6.6.0)"
	SrcRC613 = "RocketChat/Rocket.Chat@e9700f68 (Release 6.13.0)"
	SrcRC861 = "Rocket.Chat 8.6.1 (source import tinyfatco/business-os@8d36c0b5, third-party; without the ee/ trees)"
	// SrcChangelog is upstream's release log as the 8.6.1 source carries
	// it: every release from 6.0 to 8.6.1 with the changes it shipped.
	SrcChangelog = SrcRC861 + " apps/meteor/CHANGELOG.md"
)

// Line is a range of releases whose dm.create behaves alike: for each
// dimension, the variants its releases may show. One variant is
// established; several are possible (the sources cannot close the window,
// so every one of them is accepted); any other is excluded.
type Line struct {
	Name     string   `json:"name"`
	Releases Releases `json:"releases"`
	// Note says what a run at this line should know, e.g. that its
	// releases do not start.
	Note string `json:"note,omitempty"`
	// DoesNotStart is set for releases no genuine server runs.
	DoesNotStart bool        `json:"doesNotStart,omitempty"`
	Behaviour    []Allowance `json:"behaviour"`
}

// Allowance is what a line's releases may show along one dimension.
type Allowance struct {
	Dim string `json:"dimension"`
	// Variants are the allowed variants, the most likely first: the one
	// the reference emulates unless told otherwise.
	Variants []string   `json:"variants"`
	Evidence []Evidence `json:"evidence"`
}

// Established reports whether the allowance leaves one variant.
func (a Allowance) Established() bool { return len(a.Variants) == 1 }

// Allowed returns the variants the line allows along dim.
func (l Line) Allowed(dim string) []string {
	for _, a := range l.Behaviour {
		if a.Dim == dim {
			return a.Variants
		}
	}
	return nil
}

// Allowance returns the line's allowance along dim.
func (l Line) Allowance(dim string) (Allowance, bool) {
	i := slices.IndexFunc(l.Behaviour, func(a Allowance) bool { return a.Dim == dim })
	if i < 0 {
		return Allowance{}, false
	}
	return l.Behaviour[i], true
}

// The evidence the lines share.
var (
	evRestivus6 = src(SrcRC613, "apps/meteor/packages/meteor-restivus/lib/route.js:154-178,279-307",
		"401 {status: 'error', message: 'You must be logged in to do this.'}, after a random 0.5–1 s delay")
	evRestivusUntil73 = src(SrcChangelog, "## 7.3.0-rc.0, ## 7.4.0-rc.0",
		"Restivus was removed by PR #34999 (\"chore: remove restivus\", merged 2025-01): the newest PR in 7.3.0's rc is #34948 and 7.4.0-rc.0 carries #34988–#35265, so 7.0–7.3 still run Restivus and 7.4 does not")
	evExpress = src("RocketChat/Rocket.Chat@0715d8bb (Express era, 7.4–7.5)", "apps/meteor/app/api/server/router.ts",
		"the REST router is express.Router; the action gets bodyParams: req.body as parsed by express.json (strict, a global middleware registered before the router), and every answer is written with Content-Type application/json")
	evUnauthorizedRouter = src(SrcRC861, "apps/meteor/app/api/server/middlewares/authenticationHono.ts:28-38 and ApiClass.ts:63",
		"api.unauthorized('You must be logged in to do this.') gives {success: false, error}; status and message are added while !applyBreakingChanges, and applyBreakingChanges = shouldBreakInVersion('9.0.0') = semver.gte(version, '9.0.0')")
	evBreaking800 = src(SrcChangelog, "## 8.0.1",
		"8.0.1 \"Fixes an error regarding DEBUG_DISABLE_USER_AUDIT flag being deprecated which was preventing the server from starting up\": 8.0.0 carried the 7.x threshold shouldBreakInVersion('8.0.0'), which throws at start-up and, had it started, dropped status and message from the 401 body; 8.0.1 moved the thresholds to 9.0.0")
	evBreaking9 = src(SrcRC861, "apps/meteor/app/api/server/ApiClass.ts:63 and middlewares/authenticationHono.ts:31-36",
		"from 9.0.0 applyBreakingChanges is true, so the 401 body is {success: false, error: 'You must be logged in to do this.'} without status and message")
	evParserStrict6 = src(SrcRC613, "apps/meteor/packages/meteor-restivus/lib/json-routes.js:6-8",
		"connect.json (body-parser, strict) runs as global middleware before any route: broken JSON or a top-level scalar ends in the parser's own 400 page, before authentication")
	evHono = src(SrcChangelog, "## 7.6.2 and ## 7.7.0 (#36068, #36101)",
		"\"Fixes an issue that caused Hono to not process payloads with content type x-www-form-urlencoded correctly\": 7.6 serves the REST API with Hono, and 7.6.0–7.6.1 read forms as text; the fix was backported to 7.6.2 only")
	evParserLenient8 = src(SrcRC861, "packages/http-router/src/Router.ts:157-175",
		"the route parses the body after authentication: JSON.parse (a parse error gives {}), forms with Object.fromEntries, any other type {}; the parsed value is kept as it is")
	evSpreadHono = src("RocketChat/Rocket.Chat http-router Router.ts, undated versions @3a8f6b51 and @05360738 (7.6–8.x)",
		"packages/http-router/src/Router.ts parseBodyParams",
		"earlier Hono routers, the first one (7.6) included, spread the parsed body ({...parsedBody}) unless it is an array: a string becomes an object of its indexes, other scalars {}, and a body of another media type is read as text and spread; 8.6.1 no longer does; the release that stopped is not established")
	evLegacyRoute6 = src(SrcRC613, "apps/meteor/app/api/server/v1/im.ts:72-92 and app/api/server/api.ts:602-609",
		"API.v1.addRoute(['dm.create', 'im.create'], {validateParams: isDmCreateProps}): a schema failure throws Meteor.Error('invalid-params', messages), answered with the \" [invalid-params]\" suffix")
	evTypedRoute861 = src(SrcRC861, "apps/meteor/app/api/server/v1/im.ts:906-929,971-972 and packages/http-router/src/Router.ts:231-253",
		"dm.create and im.create are a typed route {body: isDmCreateProps}; the router answers a schema failure {success: false, errorType: 'invalid-params', error} without the suffix")
	evTypedWindow = src("RocketChat/Rocket.Chat@007dd57d (undated) apps/meteor/app/api/server/v1/im.ts", "imports ajvQuery",
		"the typed dm.create imports ajvQuery, which #39559 introduced in 8.3.0, so no release before 8.3 has it; no changelog entry up to 8.6.1 names the move, so 8.3–8.5 may run either route")
	evLookup6 = src(SrcRC613, "apps/meteor/server/methods/createDirectMessage.ts:43-76 and app/lib/server/functions/createDirectRoom.ts:85,91",
		"each name is looked up with Users.findOneByUsernameIgnoringCase, an unknown one throws error-invalid-user; a 1:1 room's _id is the two user ids sorted and joined")
	evExact861 = src(SrcRC861, "apps/meteor/server/methods/createDirectMessage.ts:42-44 and app/lib/server/functions/createDirectRoom.ts:61-97,130",
		"names are kept as strings (empty ones filtered out) and matched together with Users.findUsersByUsernames ({$in}, exact); names that match nobody are left out; every new room gets a generated id")
	evNamesWindow = src("RocketChat/Rocket.Chat PRs #37102, #37582, #37840 (2025-10 to 2025-12) and createDirectRoom.ts@03677ca2 (undated)",
		"the native-federation rework of createDirectMessage and createDirectRoom",
		"name resolution and 1:1 rids changed during the 7.11–8.0 cycles; an intermediate upstream createDirectRoom matches names exactly but still composes 1:1 rids. Which of 7.10–8.5 shipped which code is not established, so every combination the history shows is accepted")
	evNamesLater = src("RocketChat/Rocket.Chat PR #41822 (merged 2026-08)", "\"fix: direct messages addressed by username never resolve\"",
		"after 8.6 the resolution of DM usernames changed again; the releases it shipped in and what they answer are not established")
	evCoerce6 = src(SrcRC613, "packages/rest-typings/src/v1/dm/DmCreateProps.ts:1-45",
		"new Ajv({coerceTypes: true}) compiles the schema: scalars are coerced")
	evCoerce861 = src(SrcRC861, "packages/rest-typings/src/v1/Ajv.ts:4-9",
		"the shared ajv that compiles DmCreateProps has coerceTypes: true")
	evStrict83 = src(SrcChangelog, "## 8.3.0 (#39559)",
		"\"Splits the single AJV validator instance into two: ajv (coerceTypes: false) for request body validation ...\": numbers, booleans sent as strings and null are no longer coerced; 8.6.1's code coerces again and no changelog entry says when, so 8.3–8.5 and later releases may do either")
	evEmpty600 = src(SrcRC600, "apps/meteor/server/models/raw/Users.js:253-261",
		"findOneByUsernameIgnoringCase matches a regular expression; an empty name finds nobody and is refused as an unknown user")
	evEmpty650 = src(SrcRC650, "apps/meteor/server/models/raw/Users.js",
		"findOneByUsernameIgnoringCase throws Error('invalid username') for an empty name (commit 6d461833, not in 6.4.0), answered {success: false, error: 'invalid username'}")
	evMaxPlain = src(SrcRC650, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:50-52",
		"more members than the limit throws new Error('error-direct-message-max-user-exceeded'): a plain error")
	evMaxMeteor = src(SrcRC660, "apps/meteor/app/lib/server/functions/createDirectRoom.ts:51-60",
		"the limit throws Meteor.Error('error-direct-message-max-user-exceeded', `You cannot add more than ${maxUsers} users, including yourself to a direct message`); the same at 6.13.0 and 8.6.1")
)

func src(where, file, says string) Evidence {
	return Evidence{Kind: Source, Where: where + " " + file, Says: says}
}

func allow(dim string, ev []Evidence, variants ...string) Allowance {
	return Allowance{Dim: dim, Variants: variants, Evidence: ev}
}

func evs(e ...Evidence) []Evidence { return e }

// restivusEra is the behaviour of the Restivus releases (6.0–7.3), with
// the empty-name and member-limit variants the caller names.
func restivusEra(empty, maxUsers Allowance) []Allowance {
	return []Allowance{
		allow(DimUnauthorized, evs(evRestivus6), Restivus),
		allow(DimBodyParser, evs(evParserStrict6), StrictParser),
		allow(DimBodyShape, evs(evParserStrict6, evLegacyRoute6), AsParsed),
		allow(DimFormBody, evs(evParserStrict6), FormParsed),
		allow(DimRoute, evs(evLegacyRoute6), Legacy),
		allow(DimNames, evs(evLookup6), Lookup),
		allow(DimRID, evs(evLookup6), Composed),
		allow(DimCoercion, evs(evCoerce6), Coerce),
		empty, maxUsers,
	}
}

// Lines lists the lines the harness knows, oldest first. Their boundaries
// are the releases the sources date (release-lines research, December 2026).
var Lines = []Line{
	{Name: "6.0–6.4", Releases: Between("6.0.0", "6.5.0"),
		Behaviour: restivusEra(allow(DimEmptyName, evs(evEmpty600), UnknownUser), allow(DimMaxUsers, evs(evMaxPlain), PlainError))},
	{Name: "6.5", Releases: Between("6.5.0", "6.6.0"),
		Behaviour: restivusEra(allow(DimEmptyName, evs(evEmpty650), InvalidName), allow(DimMaxUsers, evs(evMaxPlain), PlainError))},
	{Name: "6.6–6.x", Releases: Between("6.6.0", "7.0.0"),
		Behaviour: restivusEra(allow(DimEmptyName, evs(evEmpty650), InvalidName), allow(DimMaxUsers, evs(evMaxMeteor), MeteorError))},
	{Name: "7.0–7.3", Releases: Between("7.0.0", "7.4.0"),
		Note:      "still the Restivus router of 6.x",
		Behaviour: with(restivusEra(allow(DimEmptyName, evs(evEmpty650), InvalidName), allow(DimMaxUsers, evs(evMaxMeteor), MeteorError)), evRestivusUntil73)},
	{Name: "7.4–7.5", Releases: Between("7.4.0", "7.6.0"),
		Note: "the Express router: the 401 body gains success and error, but express.json still parses strictly before authentication",
		Behaviour: []Allowance{
			allow(DimUnauthorized, evs(evRestivusUntil73, evUnauthorizedRouter), Router),
			allow(DimBodyParser, evs(evExpress), StrictParser),
			allow(DimBodyShape, evs(evExpress), AsParsed),
			allow(DimFormBody, evs(evExpress), FormParsed),
			allow(DimRoute, evs(evLegacyRoute6, evTypedWindow), Legacy),
			allow(DimNames, evs(evLookup6, evNamesWindow), Lookup),
			allow(DimRID, evs(evLookup6, evNamesWindow), Composed),
			allow(DimCoercion, evs(evCoerce6, evStrict83), Coerce),
			allow(DimEmptyName, evs(evEmpty650), InvalidName),
			allow(DimMaxUsers, evs(evMaxMeteor), MeteorError),
		}},
	{Name: "7.6.0–7.6.1", Releases: Between("7.6.0", "7.6.2"),
		Note:      "Hono: bodies are parsed after authentication, and forms are not parsed at all",
		Behaviour: honoEra(allow(DimFormBody, evs(evHono), FormUnparsed), allow(DimBodyShape, evs(evSpreadHono), Spread), legacyOnly, lookupOnly, coerceOnly, router401)},
	{Name: "7.6.2–7.9", Releases: Between("7.6.2", "7.10.0"),
		Note:      "Hono, forms parsed again",
		Behaviour: honoEra(formsParsed, spreadOrNot, legacyOnly, lookupOnly, coerceOnly, router401)},
	{Name: "7.10–7.13", Releases: Between("7.10.0", "8.0.0"),
		Note:      "the window in which name resolution and 1:1 rids changed opens",
		Behaviour: honoEra(formsParsed, spreadOrNot, legacyOnly, namesWindow, coerceOnly, router401)},
	{Name: "8.0.0", Releases: Between("8.0.0", "8.0.1"),
		DoesNotStart: true,
		Note:         "a genuine 8.0.0 does not start (upstream's 8.0.1 change log): a server that reports it is checked against what 8.0.0's code answers, had it started",
		Behaviour:    honoEra(formsParsed, spreadOrNot, legacyOnly, namesWindow8, coerceOnly, allow(DimUnauthorized, evs(evBreaking800), Breaking))},
	{Name: "8.0.1–8.2", Releases: Between("8.0.1", "8.3.0"),
		Behaviour: honoEra(formsParsed, spreadOrNot, legacyOnly, namesWindow8, coerceOnly, router401)},
	{Name: "8.3–8.5", Releases: Between("8.3.0", "8.6.0"),
		Note:      "authentication moved into a middleware before body validation; dm.create may run on either route, and the body schema may not coerce",
		Behaviour: honoEra(formsParsed, spreadOrNot, allow(DimRoute, evs(evLegacyRoute6, evTypedWindow, evTypedRoute861), Legacy, Typed), namesWindow8, coerceWindow, router401)},
	{Name: "8.6.x", Releases: Between("8.6.0", "8.7.0"),
		Note:      "read at 8.6.1: the typed route, names matched exactly, generated rids",
		Behaviour: honoEra(formsParsed, asParsed, typedOnly, allow(DimNames, evs(evExact861), Exact), allow(DimCoercion, evs(evCoerce861, evStrict83), Coerce), router401)},
	{Name: "8.7–8.x", Releases: Between("8.7.0", "9.0.0"),
		Note:      "not read: as 8.6.1, except that name resolution (#41822) and coercion may have changed again",
		Behaviour: honoEra(formsParsed, asParsed, typedOnly, namesLater, coerceLater, router401)},
	{Name: "9.x", Releases: Between("9.0.0", "10.0.0"),
		Note:      "not read: as 8.7 and later, with the breaking changes planned for 9.0.0 applied (the 401 body loses status and message)",
		Behaviour: honoEra(formsParsed, asParsed, typedOnly, namesLater, coerceLater, allow(DimUnauthorized, evs(evBreaking9), Breaking))},
}

// Allowances the Hono lines pick from.
var (
	router401   = allow(DimUnauthorized, evs(evUnauthorizedRouter), Router)
	formsParsed = allow(DimFormBody, evs(evHono, evParserLenient8), FormParsed)
	spreadOrNot = allow(DimBodyShape, evs(evSpreadHono, evParserLenient8), Spread, AsParsed)
	asParsed    = allow(DimBodyShape, evs(evParserLenient8), AsParsed)
	legacyOnly  = allow(DimRoute, evs(evLegacyRoute6, evTypedWindow), Legacy)
	typedOnly   = allow(DimRoute, evs(evTypedRoute861), Typed)
	lookupOnly  = allow(DimNames, evs(evLookup6, evNamesWindow), Lookup)
	namesWindow = allow(DimNames, evs(evLookup6, evExact861, evNamesWindow), Lookup, Exact)
	// From 8.0 the federation rework (merged before 8.0's first rc) is the
	// likelier code.
	namesWindow8 = allow(DimNames, evs(evExact861, evLookup6, evNamesWindow), Exact, Lookup)
	namesLater   = allow(DimNames, evs(evExact861, evNamesLater), Exact, Lookup)
	coerceOnly   = allow(DimCoercion, evs(evCoerce6, evStrict83), Coerce)
	coerceWindow = allow(DimCoercion, evs(evStrict83, evCoerce861), NoCoercion, Coerce)
	coerceLater  = allow(DimCoercion, evs(evCoerce861, evStrict83), Coerce, NoCoercion)
)

// honoEra is the behaviour of the Hono lines: the body parsed after
// authentication; the rid and empty-name variants follow the names'.
func honoEra(form, shape, route, names, coercion, unauthorized Allowance) []Allowance {
	rid := allow(DimRID, names.Evidence, Composed)
	empty := allow(DimEmptyName, evs(evEmpty650), InvalidName)
	switch {
	case slices.Equal(names.Variants, []string{Exact}):
		rid = allow(DimRID, names.Evidence, Generated)
		empty = allow(DimEmptyName, names.Evidence, DroppedName)
	case slices.Contains(names.Variants, Exact):
		order := []string{Composed, Generated}
		emptyOrder := []string{InvalidName, DroppedName}
		if names.Variants[0] == Exact {
			order, emptyOrder = []string{Generated, Composed}, []string{DroppedName, InvalidName}
		}
		rid = allow(DimRID, names.Evidence, order...)
		empty = allow(DimEmptyName, append(evs(evEmpty650), names.Evidence...), emptyOrder...)
	}
	return []Allowance{
		unauthorized,
		allow(DimBodyParser, evs(evHono, evParserLenient8), LenientParser),
		shape, form, route, names, rid, coercion, empty,
		allow(DimMaxUsers, evs(evMaxMeteor), MeteorError),
	}
}

// with adds evidence to every allowance.
func with(as []Allowance, e ...Evidence) []Allowance {
	out := make([]Allowance, len(as))
	for i, a := range as {
		a.Evidence = append(slices.Clone(a.Evidence), e...)
		out[i] = a
	}
	return out
}

// Constraint ties the variants of two dimensions: where If holds, Then must.
// It records what the history of the code shows, so that a fingerprint no
// release could have is caught even inside a window of possible variants.
type Constraint struct {
	If   Cond   `json:"if"`
	Then Cond   `json:"then"`
	Why  string `json:"why"`
	// Releases limits the constraint; empty means every release.
	Releases Releases `json:"releases,omitempty"`
}

// Constraints lists the ties between dimensions.
var Constraints = []Constraint{
	{If: Is(DimUnauthorized, Restivus), Then: Is(DimBodyParser, StrictParser),
		Why: "the Restivus router came with connect's strict global body parser"},
	{If: Is(DimRoute, Typed), Then: Is(DimBodyParser, LenientParser),
		Why: "typed routes validate the body in the router that parses it, after authentication"},
	{If: Is(DimFormBody, FormUnparsed), Then: Is(DimBodyShape, Spread),
		Why: "only the first Hono router (7.6.0–7.6.1) left forms unparsed, and it spread the body"},
	{If: Is(DimFormBody, FormUnparsed), Then: Is(DimBodyParser, LenientParser),
		Why: "forms went unparsed only in a router that parses the body itself"},
	{If: Is(DimBodyShape, Spread), Then: Is(DimBodyParser, LenientParser),
		Why: "only the Hono routers spread the body they parse; a strict global parser refuses a top-level scalar"},
	{If: Is(DimNames, Exact), Then: Is(DimEmptyName, DroppedName),
		Why: "names matched together are filtered for empty ones and dropped when they match nobody"},
	{If: Is(DimNames, Lookup), Then: Is(DimEmptyName, UnknownUser, InvalidName),
		Why: "names looked up one by one treat an empty one as a name to look up"},
	{If: Is(DimNames, Lookup), Then: Is(DimRID, Composed), Releases: Between("6.0.0", "8.7.0"),
		Why: "the federation rework changed name resolution before 1:1 rids (an upstream createDirectRoom matches names exactly and still composes rids), never the other way round"},
}

// Applies reports whether the constraint applies at rel (zero: unknown).
func (c Constraint) Applies(rel Release) bool {
	if len(c.Releases) == 0 {
		return true
	}
	return !rel.IsZero() && c.Releases.Contains(rel)
}

// DefaultRelease is the release the reference emulates by default: the
// newest whose source the catalogue was read against.
const DefaultRelease = "8.6.1"

// Defaults a run and the bundled reference share: the reference's admin,
// and Rocket.Chat's default DirectMesssage_maxUsers.
const (
	DefaultAdminUser     = "admin"
	DefaultAdminPassword = "admin-pass"
	DefaultMaxUsers      = 8
)

// LineOf returns the line of rel, if the harness knows one.
func LineOf(rel Release) (Line, bool) {
	for _, l := range Lines {
		if l.Releases.Contains(rel) {
			return l, true
		}
	}
	return Line{}, false
}

// Known are the releases the lines cover.
var Known = Between("6.0.0", "10.0.0")

// Allowed returns the variants rel may show along dim: its line's, narrowed
// by a committed observation of rel; for a release no line covers (or the
// zero release), every variant any line allows.
func Allowed(rel Release, dim string) []string { return AllowedGiven(observations, rel, dim) }

// AllowedGiven is Allowed with these observations in place of the
// committed ones.
func AllowedGiven(obs []Observation, rel Release, dim string) []string {
	if l, ok := LineOf(rel); ok {
		for _, o := range obs {
			r, err := ParseRelease(o.Release)
			if err != nil || r.Compare(rel) != 0 {
				continue
			}
			if s, ok := o.Fingerprint[dim]; ok && slices.Contains(l.Allowed(dim), s.Variant) {
				return []string{s.Variant}
			}
		}
		return l.Allowed(dim)
	}
	var out []string
	for _, l := range Lines {
		for _, v := range l.Allowed(dim) {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// ResolveRelease decides which release a run certifies against: the one
// given (how says by what, e.g. "--rc-version"), else the one the target
// reports. It returns the release (zero when neither) and a sentence saying
// how it was determined; an unusable given version is an error.
func ResolveRelease(given, how, reported string) (Release, string, error) {
	if given != "" {
		rel, err := ParseRelease(given)
		if err != nil {
			return Release{}, "", fmt.Errorf("%s %q is not a release such as 6.14.0", how, given)
		}
		return rel, "given with " + how, nil
	}
	if rel, err := ParseRelease(reported); err == nil {
		return rel, "reported by GET /api/info", nil
	}
	why := "the target reported no version"
	if reported != "" {
		why = fmt.Sprintf("the target reported the version %q, which is no release number", reported)
	}
	return Release{}, "not known: " + why + ", so the checks accept what any release line its answers fit may answer; pass --rc-version to choose", nil
}

// Describe names rel's line and what it means for the run, in a sentence.
func Describe(rel Release) string {
	if rel.IsZero() {
		return "no release: the checks accept the answers of every release line the target's fingerprint fits"
	}
	l, ok := LineOf(rel)
	if !ok {
		edge := "older than the oldest"
		if rel.Compare(MustRelease("6.0.0")) >= 0 {
			edge = "newer than the newest"
		}
		return fmt.Sprintf("%s is %s line the harness knows (6.0 to 9.x): the checks accept what any known line may answer", rel, edge)
	}
	var pinned, open []string
	for _, a := range l.Behaviour {
		if a.Established() {
			pinned = append(pinned, a.Dim+"="+a.Variants[0])
		} else {
			open = append(open, a.Dim+"="+strings.Join(a.Variants, "|"))
		}
	}
	s := fmt.Sprintf("%s is on the %s line", rel, l.Name)
	if l.Note != "" {
		s += " (" + l.Note + ")"
	}
	s += ": " + strings.Join(pinned, ", ")
	if len(open) > 0 {
		s += "; not established, so every variant is accepted: " + strings.Join(open, ", ")
	}
	return s
}
