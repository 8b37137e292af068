// Package sariftest validates SARIF logs against the official SARIF 2.1.0 JSON schema, vendored in testdata/.
// Tests use it; the tool itself does not.
package sariftest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed testdata/sarif-schema-2.1.0.json
var schemaJSON []byte

const schemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// Validate checks a SARIF log against the schema, formats (uri, date-time) included. The error lists every
// violation with its JSON pointer.
func Validate(log []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return fmt.Errorf("reading the vendored schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaID, doc); err != nil {
		return err
	}
	sch, err := c.Compile(schemaID)
	if err != nil {
		return fmt.Errorf("compiling the SARIF schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(log))
	if err != nil {
		return fmt.Errorf("the log is not JSON: %w", err)
	}
	if !json.Valid(log) {
		return fmt.Errorf("the log is not valid JSON")
	}
	return sch.Validate(v)
}
