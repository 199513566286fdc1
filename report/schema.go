package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schema is the JSON Schema (draft 2020-12) of results.json.
//
//go:embed results.schema.json
var Schema []byte

const schemaURL = "https://github.com/rcconform/rcconform/report/results.schema.json"

var validate = SchemaValidator("results.schema.json", schemaURL, Schema)

// ValidateSchema reports whether data is a JSON text that follows Schema.
func ValidateSchema(data []byte) error { return validate(data) }

// SchemaValidator returns a function that reports whether a JSON text
// follows schema (draft 2020-12, known by url). The schema is compiled once,
// on first use; name is the file named in errors.
func SchemaValidator(name, url string, schema []byte) func(data []byte) error {
	compiled := sync.OnceValues(func() (*jsonschema.Schema, error) {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("add %s: %w", name, err)
		}
		s, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("compile %s: %w", name, err)
		}
		return s, nil
	})
	return func(data []byte) error {
		s, err := compiled()
		if err != nil {
			return err
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("not JSON: %w", err)
		}
		return s.Validate(inst)
	}
}
