package conformance

import (
	"fmt"
	"slices"
	"strings"
)

// Rocket.Chat's dm.create changed along a few independent lines between 6.0
// and 9.x. Each is a Dimension; each way a release behaves along it is a
// Variant, which fixes the exact answers it implies. A release line says
// which variants each of its releases may show (Line.Allowed); a check
// accepts the answers of every allowed variant and nothing else.

// Dimension ids.
const (
	DimUnauthorized = "unauthorized"
	DimBodyParser   = "body-parser"
	DimBodyShape    = "body-shape"
	DimFormBody     = "form-body"
	DimRoute        = "route"
	DimNames        = "names"
	DimRID          = "one-to-one-rid"
	DimCoercion     = "coercion"
	DimEmptyName    = "empty-name"
	DimMaxUsers     = "max-users-error"
)

// Variant ids, per dimension.
const (
	// unauthorized
	Restivus = "restivus"
	Router   = "router"
	Breaking = "breaking"
	// body-parser
	StrictParser  = "strict"
	LenientParser = "lenient"
	// body-shape
	AsParsed = "as-parsed"
	Spread   = "spread"
	// form-body
	FormParsed   = "parsed"
	FormUnparsed = "unparsed"
	// route
	Legacy = "legacy"
	Typed  = "typed"
	// names
	Lookup = "lookup"
	Exact  = "exact"
	// one-to-one-rid
	Composed  = "composed"
	Generated = "generated"
	// coercion
	Coerce     = "coerce"
	NoCoercion = "strict"
	// empty-name
	UnknownUser = "unknown-user"
	InvalidName = "invalid-username"
	DroppedName = "dropped"
	// max-users-error
	PlainError  = "plain"
	MeteorError = "meteor"
)

// LoggedOut is the message of every 401 answer.
const LoggedOut = "You must be logged in to do this."

// Dimension is one way dm.create changed over the releases.
type Dimension struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	Probe string    `json:"probe"`
	Vars  []Variant `json:"variants"`
}

// Variant is one behaviour along a dimension and the answers it implies.
type Variant struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Answers string `json:"answers"`
}

// Dimensions lists every dimension and its variants. Probe says what the
// run's setup sends to tell the variants apart (its fingerprint).
var Dimensions = []Dimension{
	{ID: DimUnauthorized, Title: "the body of a 401 answer",
		Probe: "POST dm.create without credentials",
		Vars: []Variant{
			{Restivus, "the Restivus router (until 7.3)", `401 {"status":"error","message":"` + LoggedOut + `"}, exactly, answered after a random 0.5–1 s delay`},
			{Router, "the router that replaced Restivus (7.4 on)", `401 {"success":false,"error":"` + LoggedOut + `","status":"error","message":"` + LoggedOut + `"}, exactly`},
			{Breaking, "that router with the planned breaking changes applied (shouldBreakInVersion)", `401 {"success":false,"error":"` + LoggedOut + `"}, exactly: no status, no message`},
		}},
	{ID: DimBodyParser, Title: "where and how a JSON body is parsed",
		Probe: "POST broken JSON without credentials",
		Vars: []Variant{
			{StrictParser, "a strict global body parser, before authentication", "broken JSON, text after the JSON value and a top-level JSON string or number are refused with 400 by the parser itself (a page of its own, not Rocket.Chat's JSON envelope), with or without credentials"},
			{LenientParser, "the route parses the body, after authentication", "those bodies get 401 without credentials; with credentials, broken JSON and trailing text read as {} (the answer to {}), a top-level scalar is refused as invalid-params"},
		}},
	{ID: DimBodyShape, Title: "how a top-level JSON scalar reaches the schema, where the route parses the body",
		Probe: "POST the JSON string \"x\" as the admin (not probed where a strict parser refuses it)",
		Vars: []Variant{
			{AsParsed, "as parsed", "a top-level JSON string or number is validated as it is: each body form says \"must be object\"; so is an array"},
			{Spread, "spread into an object ({...body}, arrays kept)", "a top-level JSON string becomes an object of its character indexes and any other scalar {}: the answer is the one to {} (\"must have required property ...\"); an array is kept, and so validated as it is; a body of another media type is read as text and spread too"},
		}},
	{ID: DimFormBody, Title: "application/x-www-form-urlencoded bodies",
		Probe: "POST username=<admin> as a form, as the admin",
		Vars: []Variant{
			{FormParsed, "parsed into parameters", "a form is read like the same keys in JSON (values are strings, coerced by the schema)"},
			{FormUnparsed, "not parsed (Hono 7.6.0–7.6.1)", "a form is read as text and spread into an object of its characters: refused as invalid-params with the answer to {}"},
		}},
	{ID: DimRoute, Title: "the route dm.create runs on",
		Probe: "POST {} as the admin",
		Vars: []Variant{
			{Legacy, "the legacy addRoute route", `a schema failure is 400 {"success":false,"error":"<ajv messages joined by \n > [invalid-params]","errorType":"invalid-params"}: Meteor's " [invalid-params]" suffix`},
			{Typed, "a typed route validating its body in the router", `a schema failure is 400 {"success":false,"error":"<ajv messages joined by \n >","errorType":"invalid-params"}: no suffix`},
		}},
	{ID: DimNames, Title: "how the names of username and usernames are resolved",
		Probe: "POST {\"username\":\"<a name nobody has>\"} as the admin",
		Vars: []Variant{
			{Lookup, "each name looked up on its own, ignoring case", `a name that finds nobody (other than one with "@") is refused: 400 {"success":false,"error":"Invalid user [error-invalid-user]","errorType":"error-invalid-user","details":{"method":"createDirectMessage"}}, before the permission and member-count checks; excludeSelf with a single other user is refused the same way`},
			{Exact, "all names matched together and exactly", "a name that matches nobody exactly (another case, blanks, an id, a display name) is left out of the room: the answer is the room of the others, possibly the caller's self-DM; no name check comes before the permission and member-count checks; excludeSelf with a single other user opens that user's own room"},
		}},
	{ID: DimRID, Title: "the rid of a new 1:1 direct message",
		Probe: "a DM between the admin and a user of the probe's own",
		Vars: []Variant{
			{Composed, "composed of the two user ids", "the two user ids sorted and joined, e.g. \"PMrDaS4axRqkjY7errocket.cat\""},
			{Generated, "generated", "a generated id, not derived from the user ids"},
		}},
	{ID: DimCoercion, Title: "type coercion by the body schema",
		Probe: "POST {\"username\":\"<admin>\",\"excludeSelf\":\"false\"} as the admin",
		Vars: []Variant{
			{Coerce, "ajv with coerceTypes", "numbers, booleans and null are accepted as strings (null as \"\"); \"true\"/\"false\", 1/0 and null as booleans"},
			{NoCoercion, "ajv without coercion (#39559)", "only the documented JSON types pass: {\"username\":123}, a null username or excludeSelf \"false\" (and any form excludeSelf) are refused as invalid-params with \"must be string\" / \"must be boolean\""},
		}},
	{ID: DimEmptyName, Title: "an empty name",
		Probe: "POST {\"username\":\"\"} as the admin",
		Vars: []Variant{
			{UnknownUser, "looked up like any other (before 6.5)", "it finds nobody: the Invalid User answer"},
			{InvalidName, "refused before the look-up (6.5 on)", `400 {"success":false,"error":"invalid username"}, no errorType`},
			{DroppedName, "dropped with the names that match nobody", "left out of the room, like any name that matches nobody"},
		}},
	{ID: DimMaxUsers, Title: "the error for more members than DirectMesssage_maxUsers",
		Probe: "not probed: the max-users checks show it",
		Vars: []Variant{
			{PlainError, "a plain Error (before 6.6)", `400 {"success":false,"error":"error-direct-message-max-user-exceeded"}, no errorType`},
			{MeteorError, "a Meteor.Error with a message (6.6 on)", `400 {"success":false,"error":"You cannot add more than <max> users, including yourself to a direct message [error-direct-message-max-user-exceeded]","errorType":"error-direct-message-max-user-exceeded","details":{"method":"createDirectRoom"}}`},
		}},
}

// DimensionByID returns the dimension with this id.
func DimensionByID(id string) (Dimension, bool) {
	i := slices.IndexFunc(Dimensions, func(d Dimension) bool { return d.ID == id })
	if i < 0 {
		return Dimension{}, false
	}
	return Dimensions[i], true
}

// Variant returns the dimension's variant with this id.
func (d Dimension) Variant(id string) (Variant, bool) {
	i := slices.IndexFunc(d.Vars, func(v Variant) bool { return v.ID == id })
	if i < 0 {
		return Variant{}, false
	}
	return d.Vars[i], true
}

// VariantIDs lists the ids of the dimension's variants.
func (d Dimension) VariantIDs() []string {
	out := make([]string, len(d.Vars))
	for i, v := range d.Vars {
		out[i] = v.ID
	}
	return out
}

// CheckVariant reports an unknown dimension or variant.
func CheckVariant(dim, variant string) error {
	d, ok := DimensionByID(dim)
	if !ok {
		return fmt.Errorf("no dimension is called %q (the dimensions: %s)", dim, strings.Join(dimensionIDs(), ", "))
	}
	if _, ok := d.Variant(variant); !ok {
		return fmt.Errorf("the dimension %s has no variant %q (its variants: %s)", dim, variant, strings.Join(d.VariantIDs(), ", "))
	}
	return nil
}

func dimensionIDs() []string {
	out := make([]string, len(Dimensions))
	for i, d := range Dimensions {
		out[i] = d.ID
	}
	return out
}

// ParseVariant reads "DIMENSION=VARIANT", as --variant takes it.
func ParseVariant(s string) (dim, variant string, err error) {
	dim, variant, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return "", "", fmt.Errorf("%q is not DIMENSION=VARIANT, e.g. names=exact", s)
	}
	return dim, variant, CheckVariant(dim, variant)
}

// Cond is a condition on a dimension: its variant is one of Variants.
type Cond struct {
	Dim      string   `json:"dimension"`
	Variants []string `json:"variants"`
}

// Is is the condition that dim shows one of the variants.
func Is(dim string, variants ...string) Cond { return Cond{Dim: dim, Variants: variants} }

func (c Cond) String() string { return c.Dim + "=" + strings.Join(c.Variants, "|") }
