package authz

import (
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// With active: true, A's canary post is attacked by B: refused on the hardened demo, changed with the flaw.
func TestIDORWriteActive(t *testing.T) {
	browsertest.Bin(t)
	got := IDORWrite(t.Context(), demotest.ActiveTarget(t, demotest.Only(demo.FlawIDORWrite)))
	if got.Status != audit.Fail || !strings.Contains(got.Summary, "changed A's canary") {
		t.Errorf("flawed: %s %q", got.Status, got.Summary)
	}
	got = IDORWrite(t.Context(), demotest.ActiveTarget(t, demo.Hardened()))
	if got.Status != audit.Pass {
		t.Errorf("hardened: %s %q", got.Status, got.Summary)
	}
}
