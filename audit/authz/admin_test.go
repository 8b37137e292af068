package authz

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
)

// authz.admin-routes passes only on admin routes that exist and refuse: an app where every route tried is "not
// found" has shown no admin console at all, and a route a limit or a failing server answered is not known.
func TestAdminRoutesNeedARouteThatRefuses(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		name  string
		admin http.HandlerFunc // GET /admin/users; nil: no such route
		want  audit.Status
		says  string
	}{
		{"no admin route at all", nil, audit.Inconclusive, "set paths.admin"},
		{"admin refused", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "Admins only.", http.StatusForbidden) }, audit.Pass, "1 admin routes refused"},
		{"admin behind a limit", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "60")
			http.Error(w, "Slow down.", http.StatusTooManyRequests)
		}, audit.Inconclusive, "answered anonymous 429"},
		{"admin open", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `[{"email":"ann@admin.test","role":"owner"},{"email":"bo@admin.test","role":"member"}]`)
		}, audit.Fail, "admin content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			app := &reportsApp{link: func(id, email string) string { return fmt.Sprintf(`<a href="/reports/%s">Report of %s</a>`, id, email) }}
			app.report = func(w http.ResponseWriter, r *http.Request, email string) { reportsPage(w, "<h1>A report</h1>") }
			if tt.admin != nil {
				app.more = func(mux *http.ServeMux, _ func(*http.Request) string) { mux.HandleFunc("GET /admin/users", tt.admin) }
			}
			target := startReports(t, map[string]string{"ann@admin.test": "Ann-Admin-Pass-1", "bo@admin.test": "Bo-Admin-Pass-2"}, app)
			got := AdminRoutes(t.Context(), target)
			if got.Status != tt.want || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("got %s %q, want %s (%q)", got.Status, got.Summary, tt.want, tt.says)
			}
		})
	}
}

// Behind a login wall every unknown path sends the visitor to the login page: that redirect says nothing about an
// admin route, and the member's 404s say there is none. No admin route found, no pass.
func TestAdminRoutesBehindALoginWall(t *testing.T) {
	browsertest.Bin(t)
	app := &reportsApp{link: func(id, email string) string { return fmt.Sprintf(`<a href="/reports/%s">Report of %s</a>`, id, email) }}
	app.report = func(w http.ResponseWriter, r *http.Request, email string) { reportsPage(w, "<h1>A report</h1>") }
	app.more = func(mux *http.ServeMux, who func(*http.Request) string) {
		mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
			if who(r) == "" {
				http.Redirect(w, r, "/?next="+r.URL.Path, http.StatusFound)
				return
			}
			http.NotFound(w, r)
		})
	}
	target := startReports(t, map[string]string{"ivy@wall.test": "Ivy-Wall-Pass-1", "jo@wall.test": "Jo-Wall-Pass-2"}, app)
	if got := AdminRoutes(t.Context(), target); got.Status != audit.Inconclusive {
		t.Errorf("got %s %q, want inconclusive: no admin route exists behind the wall", got.Status, got.Summary)
	}
}
