package explore

import (
	"fmt"
	"slices"
	"strings"

	"pgregory.net/rapid"

	"github.com/rcconform/rcconform/fixtures"
	"github.com/rcconform/rcconform/openapi"
	fw "github.com/rcconform/rcconform/suites/framework"
)

// Content types a case may carry: parameters, case variants, the form
// type, and types no body parser reads.
var contentTypes = []string{
	"application/json",
	"application/json; charset=utf-8",
	"application/x-www-form-urlencoded",
	"",
	"text/plain",
	"Application/JSON",
	"application/json;charset=UTF-8",
	"APPLICATION/X-WWW-FORM-URLENCODED",
	"application/x-www-form-urlencoded; charset=utf-8",
	"application/json; charset=utf-16",
	"application/json; charset=latin1",
	"application/vnd.api+json",
	"application/json, text/plain",
}

var (
	shapes    = []string{ShapeObject, ShapeNone, ShapeBroken, ShapeArray, ShapeString, ShapeNumber}
	authKinds = []string{authValid, authNone, authUserIDOnly, authTokenOnly, authOtherToken, authOtherUserID, authTokenAltered, authUserIDAltered, authUserIDTwice}
	alters    = []string{variantSwapCase, variantTruncated, variantUpper}
	nameCases = []string{"canonical", "lower", "upper"}
	fields    = []string{fieldUsername, fieldID, fieldEmail, fieldName}
	variants  = []string{variantExact, variantUpper, variantLower, variantSwapCase, variantPadded, variantAt}
	seps      = []string{",", ", ", " , ", ";"}
	// Values ajv coerces to a boolean, and some it does not.
	booleans = []Value{
		{Kind: valueJSON, Lit: "true"}, {Kind: valueJSON, Lit: "false"},
		{Kind: valueString, Lit: "true"}, {Kind: valueString, Lit: "false"},
		{Kind: valueJSON, Lit: "1"}, {Kind: valueJSON, Lit: "0"}, {Kind: valueJSON, Lit: "null"},
		{Kind: valueString, Lit: "TRUE"}, {Kind: valueString, Lit: "yes"}, {Kind: valueObject},
	}
)

// repeatPrevious, as a drawn who, names the previous name's persona again.
const repeatPrevious = "(repeat)"

// generator draws cases. Every choice lists its simplest option first and
// rapid shrinks a choice towards its first option, so a shrunk case keeps
// only what the difference needs.
type generator struct {
	// forms are the body forms of the spec's request schema, the simplest
	// first; props are the properties of all of them.
	forms []openapi.Branch
	props []openapi.Prop
	// callers may send the request; named may be named in a few names;
	// crowd, in order, fills a room up to around the member limit.
	callers, named, crowd []string
	maxUsers              int
}

func newGenerator(branches []openapi.Branch, personas []fixtures.Persona, maxUsers int) (*generator, error) {
	g := &generator{forms: slices.Clone(branches), maxUsers: maxUsers}
	// The username form first: it is the simplest body.
	slices.Reverse(g.forms)
	for _, b := range branches {
		g.props = append(g.props, b.Props...)
	}
	var users, others []string
	callerRoles := map[string]bool{}
	for _, p := range personas {
		if p.Role == "user" {
			users = append(users, p.Key)
		} else {
			others = append(others, p.Key)
		}
		if !callerRoles[p.Role] {
			// The first persona of each role calls for that role.
			callerRoles[p.Role] = true
			g.callers = append(g.callers, p.Key)
		}
	}
	if len(users) < 3 {
		return nil, fmt.Errorf("personas.yaml declares %d users; exploring needs at least 3", len(users))
	}
	// The first user is the caller; naming them is naming oneself.
	g.named = slices.Concat(users[1:2], users[2:3], users[:1], others, users[3:], []string{whoNobody, whoBot, whoEmpty, repeatPrevious})
	g.crowd = slices.Concat(users[1:], others)
	return g, nil
}

// pick draws one of options; the first comes bias+1 times as often as each
// of the others, and is where shrinking goes.
func pick[V any](t *rapid.T, label string, options []V, bias int) V {
	i := rapid.IntRange(0, len(options)-1+bias).Draw(t, label)
	return options[max(0, i-bias)]
}

// chance draws true about once in n.
func chance(t *rapid.T, label string, n int) bool {
	return rapid.IntRange(0, n-1).Draw(t, label) == n-1
}

func (g *generator) cases() *rapid.Generator[Case] {
	return rapid.Custom(func(t *rapid.T) Case {
		c := Case{
			Path:        pick(t, "path", []string{fw.DMCreate, fw.IMCreate}, 2),
			As:          pick(t, "as", g.callers, 3),
			ContentType: pick(t, "contentType", contentTypes, 6),
			Form:        chance(t, "form", 5),
			Shape:       pick(t, "shape", shapes, 8),
		}
		c.Auth = g.auth(t, c.As)
		switch c.Shape {
		case ShapeObject, ShapeBroken:
			c.Fields = g.fields(t)
		case ShapeArray, ShapeString:
			v := g.names(t, "usernames")
			c.Payload = &v
		}
		return c
	})
}

func (g *generator) auth(t *rapid.T, as string) Auth {
	a := Auth{Kind: pick(t, "auth", authKinds, 8), NameCase: pick(t, "headerNames", nameCases, 6)}
	switch a.Kind {
	case authOtherToken, authOtherUserID:
		// Another persona than the caller, with any role.
		others := slices.DeleteFunc(slices.Concat(g.crowd[:1], g.callers), func(k string) bool { return k == as })
		a.Other = pick(t, "authOther", others, 0)
	case authTokenAltered, authUserIDAltered:
		a.Alter = pick(t, "authAlter", alters, 0)
	}
	if a.Kind == authNone {
		a.NameCase = ""
	}
	return a
}

// fields draws an object body: one form of the spec's request schema, with
// or without its required key, its optional keys now and then, and extra
// keys: unknown ones, documented ones in another case, the other form's
// key, a key given twice.
func (g *generator) fields(t *rapid.T) []Field {
	var out []Field
	if i := pick(t, "bodyForm", []int{0, 1, -1}, 3); i >= 0 && i < len(g.forms) {
		b := g.forms[i]
		if !chance(t, "withoutRequired", 8) {
			out = append(out, Field{b.Required, g.value(t, b.Props[0])})
		}
		for _, p := range b.Props[1:] {
			if chance(t, "with-"+p.Name, 4) {
				out = append(out, Field{p.Name, g.value(t, p)})
			}
		}
	}
	for range max(0, rapid.IntRange(0, 5).Draw(t, "extras")-3) {
		out = append(out, g.extra(t, out))
	}
	return out
}

// extra draws a key the schema does not expect next to the others.
func (g *generator) extra(t *rapid.T, so []Field) Field {
	switch pick(t, "extra", []string{"unknown", "case", "documented", "repeat"}, 0) {
	case "case":
		p := pick(t, "casedKey", g.props, 0)
		key := pick(t, "keyCase", []string{strings.ToUpper(p.Name[:1]) + p.Name[1:], strings.ToUpper(p.Name), strings.ToLower(p.Name)}, 0)
		return Field{key, g.value(t, p)}
	case "documented":
		p := pick(t, "documentedKey", g.props, 0)
		return Field{p.Name, g.value(t, p)}
	case "repeat":
		if len(so) > 0 {
			f := pick(t, "repeatedKey", so, 0)
			return Field{f.Key, g.value(t, openapi.Prop{Name: f.Key, Type: propType(g.props, f.Key)})}
		}
	}
	return Field{"unknownKey", Value{Kind: valueJSON, Lit: "1"}}
}

func propType(props []openapi.Prop, name string) string {
	for _, p := range props {
		if p.Name == name {
			return p.Type
		}
	}
	return "string"
}

// value draws a value for a property of the schema: mostly of its type,
// sometimes a scalar the validator coerces, sometimes one it refuses.
func (g *generator) value(t *rapid.T, p openapi.Prop) Value {
	if p.Type == "boolean" {
		return pick(t, "boolean", booleans, 3)
	}
	switch pick(t, "stringKind", []string{valueNames, "number", "null", "bool", valueArray, valueObject, "empty"}, 8) {
	case "number":
		return Value{Kind: valueJSON, Lit: "12345"}
	case "null":
		return Value{Kind: valueJSON, Lit: "null"}
	case "bool":
		return Value{Kind: valueJSON, Lit: "true"}
	case valueArray:
		v := g.names(t, p.Name)
		v.Kind = valueArray
		return v
	case valueObject:
		return Value{Kind: valueObject}
	case "empty":
		return Value{Kind: valueString}
	}
	return g.names(t, p.Name)
}

// names draws a string of names: a few, or about as many as a room may
// hold (the limit counts the caller), around DirectMesssage_maxUsers.
func (g *generator) names(t *rapid.T, key string) Value {
	v := Value{Kind: valueNames, Sep: pick(t, "sep", seps, 6)}
	if key == "usernames" && chance(t, "crowded", 4) {
		n := rapid.IntRange(max(1, g.maxUsers-2), g.maxUsers+1).Draw(t, "crowdSize")
		for i := range n {
			v.Names = append(v.Names, g.name(t, g.crowd[i%len(g.crowd)]))
		}
		return v
	}
	n := 1
	if key == "usernames" || chance(t, "twoNames", 6) {
		n = rapid.IntRange(1, 3).Draw(t, "names")
	}
	for range n {
		who := pick(t, "who", g.named, 4)
		if who == repeatPrevious {
			who = g.named[0]
			if len(v.Names) > 0 {
				who = v.Names[len(v.Names)-1].Who
			}
		}
		v.Names = append(v.Names, g.name(t, who))
	}
	return v
}

// name draws which field of who names them, and how it is altered.
func (g *generator) name(t *rapid.T, who string) Name {
	n := Name{Who: who}
	if who == whoEmpty {
		return n
	}
	n.Field = pick(t, "field", fields, 8)
	n.Variant = pick(t, "variant", variants, 10)
	return n
}
