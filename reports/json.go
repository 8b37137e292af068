package reports

import (
	"encoding/json"
	"io"

	"github.com/launchready/launchready/audit"
)

// JSON writes the report as indented JSON with a top-level results array (design.md's contract).
type JSON struct{}

func (JSON) Write(w io.Writer, r *audit.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadJSON reads a report written by JSON.
func ReadJSON(rd io.Reader) (*audit.Report, error) {
	var r audit.Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}
