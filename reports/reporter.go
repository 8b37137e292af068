package reports

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/launchready/launchready/audit"
)

// Reporter renders a finished report in one format.
type Reporter interface {
	Write(w io.Writer, r *audit.Report) error
}

var (
	_ Reporter = Markdown{}
	_ Reporter = JSON{}
)

// WriteFile renders r with rep into path, readable by its owner only (0600): reports hold findings about a client.
// The file is written whole or not at all.
func WriteFile(path string, rep Reporter, r *audit.Report) error {
	var buf bytes.Buffer
	if err := rep.Write(&buf, r); err != nil {
		return fmt.Errorf("rendering %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil { // WriteFile keeps the mode of a file that already existed
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}
