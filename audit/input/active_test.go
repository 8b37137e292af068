package input

import (
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

func TestStoredXSSActive(t *testing.T) {
	browsertest.Bin(t)
	if got := StoredXSS(t.Context(), demotest.ActiveTarget(t, demotest.Only(demo.FlawStoredXSS, demo.FlawNoCSP))); got.Status != audit.Fail {
		t.Errorf("flawed: %s %q", got.Status, got.Summary)
	}
	// The same flaw behind the hardened CSP: inserted as HTML, the script blocked.
	if got := StoredXSS(t.Context(), demotest.ActiveTarget(t, demotest.Only(demo.FlawStoredXSS))); got.Status != audit.Warn {
		t.Errorf("flawed behind a CSP: %s %q", got.Status, got.Summary)
	}
	if got := StoredXSS(t.Context(), demotest.ActiveTarget(t, demo.Hardened())); got.Status != audit.Pass {
		t.Errorf("hardened: %s %q", got.Status, got.Summary)
	}
}
