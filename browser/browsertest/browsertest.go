// Package browsertest finds the browser for tests: when none is found a test skips on a developer machine and fails
// in CI (CI set), so browser tests never silently pass by not running.
package browsertest

import (
	"os"
	"testing"

	"github.com/launchready/launchready/browser"
)

// Bin returns the browser to test with, or ends the test.
func Bin(t testing.TB) string {
	t.Helper()
	bin, err := browser.Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and no browser was found: %v", err)
		}
		t.Skipf("no browser on this machine (%v); CI fails here instead of skipping", err)
	}
	return bin
}
