package explore

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Case is one generated request and the personas it names: who calls and
// how the call authenticates, how the body is labelled and encoded, and the
// body. Names refer to the personas of personas.yaml, so a case means the
// same at every server; each run of a case provisions its personas afresh.
type Case struct {
	Path string `json:"path"`
	// As is the persona whose credentials are sent.
	As   string `json:"as"`
	Auth Auth   `json:"auth"`
	// ContentType is sent as is; "" sends no Content-Type.
	ContentType string `json:"contentType"`
	// Form encodes the body as a form rather than as JSON.
	Form  bool   `json:"form,omitempty"`
	Shape string `json:"shape"`
	// Fields are the members of an object body, in order; keys may repeat.
	Fields []Field `json:"fields,omitempty"`
	// Payload is the names of an array or string body.
	Payload *Value `json:"payload,omitempty"`
}

// Body shapes.
const (
	ShapeObject = "object"
	ShapeNone   = "none"   // no body at all
	ShapeBroken = "broken" // the object's JSON without its last character
	ShapeArray  = "array"  // a JSON array of the names
	ShapeString = "string" // a JSON string of the names
	ShapeNumber = "number"
)

// Auth says how the call authenticates.
type Auth struct {
	// Kind is one of the auth* constants.
	Kind string `json:"kind"`
	// Other is the persona whose id or token replaces the caller's.
	Other string `json:"other,omitempty"`
	// Alter is how an altered value is changed: a variant.
	Alter string `json:"alter,omitempty"`
	// NameCase spells the header names: canonical (X-User-Id), lower or upper.
	NameCase string `json:"nameCase,omitempty"`
}

// Kinds of authentication.
const (
	authValid         = "valid"
	authNone          = "none"
	authUserIDOnly    = "user-id-only"
	authTokenOnly     = "token-only"
	authOtherToken    = "other-token"   // the caller's id, another persona's token
	authOtherUserID   = "other-user-id" // another persona's id, the caller's token
	authTokenAltered  = "token-altered"
	authUserIDAltered = "user-id-altered"
	authUserIDTwice   = "user-id-twice" // the caller's id on two header lines
)

// Field is one member of an object body.
type Field struct {
	Key   string `json:"key"`
	Value Value  `json:"value"`
}

// Value is a field's value.
type Value struct {
	// Kind is one of the value* constants.
	Kind string `json:"kind"`
	// Names and Sep make a names value (and the items of an array).
	Names []Name `json:"names,omitempty"`
	Sep   string `json:"sep,omitempty"`
	// Lit is the JSON text of a number, boolean or null, or a string's text.
	Lit string `json:"lit,omitempty"`
}

// Kinds of values.
const (
	valueNames  = "names"  // a string of names joined by Sep
	valueString = "string" // a literal string
	valueJSON   = "json"   // a number, boolean or null, written as Lit
	valueArray  = "array"  // an array of the names, each a string
	valueObject = "object" // an empty object
)

// Name is one name in a value: a field of a persona, maybe altered.
type Name struct {
	// Who is a persona key, or one of the who* constants.
	Who string `json:"who"`
	// Field is the user field named: username, id, email or name.
	Field string `json:"field,omitempty"`
	// Variant changes the value: one of the variant* constants.
	Variant string `json:"variant,omitempty"`
}

// Who, besides the personas.
const (
	whoNobody = "nobody"     // a run-unique name no user has
	whoBot    = "rocket.cat" // the bot every Rocket.Chat server has
	whoEmpty  = "empty"      // the empty string: an empty item
)

// User fields a name may give.
const (
	fieldUsername = "username"
	fieldID       = "id"
	fieldEmail    = "email"
	fieldName     = "name"
	fieldToken    = "token" // only in auth headers
)

// Variants of a value.
const (
	variantExact     = "exact"
	variantUpper     = "upper"
	variantLower     = "lower"
	variantSwapCase  = "swapcase"
	variantPadded    = "padded"    // a blank on each side
	variantAt        = "at"        // an @ in front
	variantTruncated = "truncated" // without its last character
)

// personas lists the persona keys the case names, sorted: the ones its
// run provisions.
func (c Case) personas(known func(string) bool) []string {
	keys := []string{c.As}
	add := func(n Name) {
		if known(n.Who) && !slices.Contains(keys, n.Who) {
			keys = append(keys, n.Who)
		}
	}
	if c.Auth.Other != "" {
		add(Name{Who: c.Auth.Other})
	}
	for _, f := range c.Fields {
		for _, n := range f.Value.Names {
			add(n)
		}
	}
	if c.Payload != nil {
		for _, n := range c.Payload.Names {
			add(n)
		}
	}
	slices.Sort(keys)
	return keys
}

// piece is part of a rendered text: literal, or a name to resolve.
type piece struct {
	lit  string
	name *Name
	// form: the name's value goes into a form body, so it is URL-encoded.
	form bool
}

// template is a case's request before names are resolved.
type template struct {
	path    string
	headers []headerT
	body    []piece
	hasBody bool
}

type headerT struct {
	name  string
	value []piece
}

// render lays the case out as a request; names stay unresolved.
func (c Case) render() template {
	t := template{path: c.Path}
	names := map[string][2]string{
		"canonical": {"X-User-Id", "X-Auth-Token"},
		"lower":     {"x-user-id", "x-auth-token"},
		"upper":     {"X-USER-ID", "X-AUTH-TOKEN"},
	}[c.Auth.NameCase]
	if names[0] == "" {
		names = [2]string{"X-User-Id", "X-Auth-Token"}
	}
	id := func(who, variant string) headerT {
		return headerT{names[0], []piece{{name: &Name{Who: who, Field: fieldID, Variant: variant}}}}
	}
	token := func(who, variant string) headerT {
		return headerT{names[1], []piece{{name: &Name{Who: who, Field: fieldToken, Variant: variant}}}}
	}
	switch a := c.Auth; a.Kind {
	case authValid:
		t.headers = []headerT{id(c.As, ""), token(c.As, "")}
	case authUserIDOnly:
		t.headers = []headerT{id(c.As, "")}
	case authTokenOnly:
		t.headers = []headerT{token(c.As, "")}
	case authOtherToken:
		t.headers = []headerT{id(c.As, ""), token(a.Other, "")}
	case authOtherUserID:
		t.headers = []headerT{id(a.Other, ""), token(c.As, "")}
	case authTokenAltered:
		t.headers = []headerT{id(c.As, ""), token(c.As, a.Alter)}
	case authUserIDAltered:
		t.headers = []headerT{id(c.As, a.Alter), token(c.As, "")}
	case authUserIDTwice:
		t.headers = []headerT{id(c.As, ""), id(c.As, ""), token(c.As, "")}
	}
	if c.ContentType != "" {
		t.headers = append(t.headers, headerT{"Content-Type", []piece{{lit: c.ContentType}}})
	}
	switch c.Shape {
	case ShapeNone:
		return t
	case ShapeNumber:
		t.body = []piece{{lit: "42"}}
	case ShapeString:
		t.body = c.Payload.json()
	case ShapeArray:
		t.body = c.Payload.jsonArray()
	case ShapeBroken:
		// Broken JSON, whatever the encoding asked for.
		t.body = dropLastChar(c.jsonBody())
	case ShapeObject:
		if c.Form {
			t.body = c.formBody()
		} else {
			t.body = c.jsonBody()
		}
	}
	t.hasBody = len(t.body) > 0
	return t
}

func (c Case) jsonBody() []piece {
	out := []piece{{lit: "{"}}
	for i, f := range c.Fields {
		if i > 0 {
			out = append(out, piece{lit: ","})
		}
		out = append(out, piece{lit: quote(f.Key) + ":"})
		out = append(out, f.Value.json()...)
	}
	return append(out, piece{lit: "}"})
}

// json writes the value as JSON; persona values need no escaping (names,
// ids and e-mail addresses hold no quote, backslash or control character).
func (v Value) json() []piece {
	switch v.Kind {
	case valueNames:
		return append(append([]piece{{lit: `"`}}, v.names(false)...), piece{lit: `"`})
	case valueString:
		return []piece{{lit: quote(v.Lit)}}
	case valueJSON:
		return []piece{{lit: v.Lit}}
	case valueArray:
		return v.jsonArray()
	}
	return []piece{{lit: "{}"}}
}

func (v Value) jsonArray() []piece {
	out := []piece{{lit: "["}}
	for i, n := range v.Names {
		if i > 0 {
			out = append(out, piece{lit: ","})
		}
		out = append(out, piece{lit: `"`}, namePiece(n, false), piece{lit: `"`})
	}
	return append(out, piece{lit: "]"})
}

// names joins the names with the separator.
func (v Value) names(form bool) []piece {
	var out []piece
	for i, n := range v.Names {
		if i > 0 {
			sep := v.Sep
			if form {
				sep = formEscape(sep)
			}
			out = append(out, piece{lit: sep})
		}
		out = append(out, namePiece(n, form))
	}
	return out
}

func namePiece(n Name, form bool) piece {
	if n.Who == whoEmpty {
		return piece{}
	}
	return piece{name: &n, form: form}
}

// formBody writes the fields as application/x-www-form-urlencoded: a form
// carries strings only, so an array is the key repeated, an object a
// bracketed key, null an empty value.
func (c Case) formBody() []piece {
	var out []piece
	pair := func(key string, value []piece) {
		if len(out) > 0 {
			out = append(out, piece{lit: "&"})
		}
		out = append(append(out, piece{lit: formEscape(key) + "="}), value...)
	}
	for _, f := range c.Fields {
		switch v := f.Value; v.Kind {
		case valueNames:
			pair(f.Key, v.names(true))
		case valueString:
			pair(f.Key, []piece{{lit: formEscape(v.Lit)}})
		case valueJSON:
			pair(f.Key, []piece{{lit: strings.TrimPrefix(v.Lit, "null")}})
		case valueArray:
			for _, n := range v.Names {
				pair(f.Key, []piece{namePiece(n, true)})
			}
		case valueObject:
			pair(f.Key+"[x]", []piece{{lit: "1"}})
		}
	}
	return out
}

func formEscape(s string) string { return url.QueryEscape(s) }

func dropLastChar(ps []piece) []piece {
	out := slices.Clone(ps)
	last := &out[len(out)-1]
	last.lit = last.lit[:len(last.lit)-1] // every body ends with a literal "}"
	return out
}

func quote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("explore: encode %q: %v", s, err))
	}
	return string(b)
}

// Describe is the case in words, with names as placeholders.
func (c Case) Describe(names map[string]string) string {
	t := c.render()
	r := symbolic{names: names}
	parts := []string{"POST " + c.Path + " as " + c.As}
	if c.Auth.Kind != authValid {
		a := "auth " + c.Auth.Kind
		if c.Auth.Other != "" {
			a += " of " + c.Auth.Other
		}
		if c.Auth.Alter != "" {
			a += " (" + c.Auth.Alter + ")"
		}
		parts = append(parts, a)
	}
	if c.Auth.NameCase != "" && c.Auth.NameCase != "canonical" && c.Auth.Kind != authNone {
		parts = append(parts, "header names in "+c.Auth.NameCase+" case")
	}
	if c.ContentType == "" {
		parts = append(parts, "no Content-Type")
	} else {
		parts = append(parts, "Content-Type "+c.ContentType)
	}
	body := "no body"
	if t.hasBody {
		body = text(t.body, r)
	}
	return strings.Join(parts, ", ") + ": " + body
}
