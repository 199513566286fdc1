// Package oracle predicts the message Rocket.Chat's validator (ajv with
// coerceTypes, allErrors off) gives a dm.create body, from the request schema
// of the harness's own spec. It is the suites' oracle and the detection
// suite's model of other servers; the reference server keeps its own,
// independent implementation, so that each can catch the other's mistakes.
package oracle

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/rcconform/rcconform/openapi"
)

// Prop is a property of a body form and its JSON type.
type Prop struct{ Name, Type string }

// Branch is one form of the body: an object with one required key and no
// other keys than its properties.
type Branch struct {
	Required string
	// Props lists the required key first, then the optional ones by name:
	// the order in which ajv reports a property's type error.
	Props []Prop
}

// RequestBranches reads the body forms of POST path from the spec.
func RequestBranches(spec *openapi.Spec, path string) ([]Branch, error) {
	item := spec.Doc.Paths.Find(path)
	if item == nil || item.Post == nil || item.Post.RequestBody == nil {
		return nil, fmt.Errorf("the spec documents no request body for POST %s", path)
	}
	mt := item.Post.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil, fmt.Errorf("the request body of POST %s has no JSON schema", path)
	}
	return Branches(mt.Schema.Value)
}

// Branches reads the oneOf forms of a request body schema.
func Branches(schema *openapi3.Schema) ([]Branch, error) {
	if schema == nil || len(schema.OneOf) == 0 {
		return nil, fmt.Errorf("the request body is not a oneOf of objects")
	}
	out := make([]Branch, 0, len(schema.OneOf))
	for i, ref := range schema.OneOf {
		s := ref.Value
		if len(s.Required) != 1 {
			return nil, fmt.Errorf("body form %d requires %v; the oracle expects exactly one key", i, s.Required)
		}
		if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			return nil, fmt.Errorf("body form %d allows additional properties; the oracle expects additionalProperties: false", i)
		}
		b := Branch{Required: s.Required[0]}
		names := make([]string, 0, len(s.Properties))
		for name := range s.Properties {
			if name != b.Required {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range append([]string{b.Required}, names...) {
			p := s.Properties[name]
			if p == nil || p.Value.Type == nil || len(*p.Value.Type) != 1 {
				return nil, fmt.Errorf("body form %d: property %q needs exactly one type", i, name)
			}
			b.Props = append(b.Props, Prop{Name: name, Type: (*p.Value.Type)[0]})
		}
		out = append(out, b)
	}
	return out, nil
}

// Without drops a property from every form, and the forms that require it:
// the schema of a server that predates that key.
func Without(branches []Branch, name string) []Branch {
	var out []Branch
	for _, b := range branches {
		if b.Required == name {
			continue
		}
		b.Props = slices.DeleteFunc(slices.Clone(b.Props), func(p Prop) bool { return p.Name == name })
		out = append(out, b)
	}
	return out
}

// Message is the validator's message for body (decoded JSON, numbers as
// float64 or json.Number), or "" when the body is valid: for each form its
// first error (type, then the required key, then unknown keys, then property
// types), then the oneOf line, joined with "\n ". A single form is a plain
// object schema and gives its own first error alone. Without coercion
// (Rocket.Chat 4.8.x) only exact JSON types pass.
func Message(branches []Branch, body any, coerce bool) string {
	if len(branches) == 1 {
		return firstError(branches[0], body, coerce)
	}
	msgs := make([]string, 0, len(branches)+1)
	for _, b := range branches {
		m := firstError(b, body, coerce)
		if m == "" {
			return ""
		}
		msgs = append(msgs, m)
	}
	return strings.Join(append(msgs, "must match exactly one schema in oneOf"), "\n ")
}

func firstError(b Branch, body any, coerce bool) string {
	obj, ok := body.(map[string]any)
	if !ok {
		return "must be object"
	}
	if _, ok := obj[b.Required]; !ok {
		return "must have required property '" + b.Required + "'"
	}
	for k := range obj {
		if !slices.ContainsFunc(b.Props, func(p Prop) bool { return p.Name == k }) {
			return "must NOT have additional properties"
		}
	}
	for _, p := range b.Props {
		if v, ok := obj[p.Name]; ok && !fits(v, p.Type, coerce) {
			return "must be " + p.Type
		}
	}
	return ""
}

// fits applies ajv's coerceTypes rules: scalars become strings (null is
// ""), "true"/"false", 1/0 and null become booleans; arrays and objects
// never become scalars.
func fits(v any, typ string, coerce bool) bool {
	switch typ {
	case "string":
		switch v.(type) {
		case string:
			return true
		case float64, json.Number, bool, nil:
			return coerce
		}
	case "boolean":
		switch t := v.(type) {
		case bool:
			return true
		case nil:
			return coerce
		case string:
			return coerce && (t == "true" || t == "false")
		case float64:
			return coerce && (t == 0 || t == 1)
		case json.Number:
			f, err := t.Float64()
			return coerce && err == nil && (f == 0 || f == 1)
		}
	}
	return false
}
