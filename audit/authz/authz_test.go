package authz

import (
	"context"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

type checkFunc = func(context.Context, *audit.Target) audit.Result

// Each authz check on the real demo and the real Chromium: it fails with its flaw on, naming the endpoint pattern
// and the leaked excerpt, and passes on the hardened demo with the number of replays in evidence.
func TestAuthzOnDemo(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		name    string
		check   checkFunc
		pattern string
	}{
		{"members of another community", IDORRead, "GET /api/communities/{id}/members"},
		{"post by id across communities", IDORRead, "GET /api/posts/{id}"},
		{"export without login", Unauthenticated, "GET /api/communities/{id}/export"},
		{"community id swapped", IDSwapParams, "GET /api/communities/{id}/members"},
		{"admin api behind a hidden button", AdminRoutes, "/api/admin/users"},
	}
	// One flawed demo with the four authz flaws (each check must name its own endpoint), one hardened.
	flawed := demotest.Target(t, demotest.Only(demo.FlawIDORMembers, demo.FlawIDORPost, demo.FlawOpenExport, demo.FlawAdminHidden))
	hardened := demotest.Target(t, demo.Hardened())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.check(t.Context(), flawed)
			if got.Status != audit.Fail || !strings.Contains(got.Summary, tt.pattern) || !hasExcerpt(got) {
				t.Errorf("flawed: %s %q, want a fail naming %s with the leaked excerpt", got.Status, got.Summary, tt.pattern)
			}
			got = tt.check(t.Context(), hardened)
			if got.Status != audit.Pass || !hasReplayCount(got) {
				t.Errorf("hardened: %s %q, want pass with the replay count", got.Status, got.Summary)
			}
		})
	}
}

func hasExcerpt(r audit.Result) bool {
	for _, ev := range r.Evidence {
		if ev.Excerpt != "" && ev.Status == 200 {
			return true
		}
	}
	return false
}

func hasReplayCount(r audit.Result) bool {
	for _, ev := range r.Evidence {
		if strings.Contains(ev.Excerpt, "replays in") || strings.Contains(ev.Excerpt, "requests in") {
			return true
		}
	}
	return false
}

// The passive audit never writes: the demo counts every data-changing request it receives.
func TestPassiveAuditDoesNotWrite(t *testing.T) {
	browsertest.Bin(t)
	srv := demotest.Start(t, demo.Flawed())
	plan, _ := srv.Plan("writes")
	target, err := audit.NewTarget(plan, srv.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	for _, check := range []checkFunc{IDORRead, Unauthenticated, IDSwapParams, AdminRoutes, PredictableIDs, IDORWrite} {
		check(t.Context(), target)
	}
	if n := srv.Writes(); n != 0 {
		t.Errorf("the passive audit sent %d writes", n)
	}
	if got := IDORWrite(t.Context(), target); got.Status != audit.Skipped || !strings.Contains(got.Summary, "active: true") {
		t.Errorf("idor-write without active: %s %q", got.Status, got.Summary)
	}
}

func TestObjectDiscovery(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"integer", "integer"}, {"42", "integer"}, {"3fa85f64-5717-4562-b3fc-2c963f66afa6", "uuid"},
		{"01ARZ3NDEKTSV4RRFFQ69G5FAV", "ulid"}, {"507f1f77bcf86cd799439011", "hex"}, {"me", ""}, {"members", ""},
		{"abcDEF123456ghiJKL", "token"}, {"vokemdtu6emscf6", "token"}, {"version2", ""}, {"section10", ""},
	}
	for _, tt := range tests[1:] {
		if got := idKind(tt.in); got != tt.want {
			t.Errorf("idKind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for in, want := range map[string]string{"communityId": "community", "org_id": "org", "communities": "community", "members": "member", "spaces": "space", "userUUID": "user"} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSimilar(t *testing.T) {
	a := []byte(`{"id":1,"email":"alice@acme.test","name":"Alice Example","community_id":1}`)
	b := []byte(`{"id":2,"email":"bobby@glbx.test","name":"Bobby Samples","community_id":2}`)
	if similar(a, b) {
		t.Error("two users' profiles of the same size are not the same document")
	}
	if !similar(a, a) {
		t.Error("a document is similar to itself")
	}
}
