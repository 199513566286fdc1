// Package oracle predicts the message Rocket.Chat's validator (ajv with
// coerceTypes, allErrors off) gives a dm.create body, from the body forms
// of the harness's own spec (openapi.Spec.RequestBranches). It is the suites' oracle and the detection
// suite's model of other servers; the reference server keeps its own,
// independent implementation, so that each can catch the other's mistakes.
package oracle

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/rcconform/rcconform/openapi"
)

// Without drops a property from every form, and the forms that require it:
// the schema of a server that predates that key.
func Without(branches []openapi.Branch, name string) []openapi.Branch {
	var out []openapi.Branch
	for _, b := range branches {
		if b.Required == name {
			continue
		}
		b.Props = slices.DeleteFunc(slices.Clone(b.Props), func(p openapi.Prop) bool { return p.Name == name })
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
func Message(branches []openapi.Branch, body any, coerce bool) string {
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

func firstError(b openapi.Branch, body any, coerce bool) string {
	obj, ok := body.(map[string]any)
	if !ok {
		return "must be object"
	}
	if _, ok := obj[b.Required]; !ok {
		return "must have required property '" + b.Required + "'"
	}
	for k := range obj {
		if !slices.ContainsFunc(b.Props, func(p openapi.Prop) bool { return p.Name == k }) {
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
