package secrets

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// The demo runs a Supabase-style REST API on its own origin (a real Supabase cannot run here): the same paths,
// headers and answers as PostgREST behind Supabase.
func TestBaaSOnDemo(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		name  string
		flaws demo.Flaws
		want  audit.Status
		says  string
	}{
		{"tables without row level security", demotest.Only(demo.FlawOpenTables), audit.Fail, "table profiles is readable"},
		{"service_role key in the client", demotest.Only(demo.FlawBundleSecret), audit.Fail, "service_role key"},
		{"row level security on", demo.Hardened(), audit.Pass, "none of the 2 tables"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BaaSExposure(t.Context(), demotest.Target(t, tt.flaws))
			if got.Status != tt.want || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("got %s %q, want %s saying %q", got.Status, got.Summary, tt.want, tt.says)
			}
			for _, ev := range got.Evidence {
				if strings.Contains(ev.Excerpt, "@acme.demo.test") {
					t.Errorf("the client's data reached the evidence: %q", ev.Excerpt)
				}
			}
		})
	}
}

// A Firebase Realtime Database, served on loopback under its real-looking name through the plan's resolve entry
// (a real Firebase cannot run here).
func TestBaaSFirebase(t *testing.T) {
	browsertest.Bin(t)
	for _, tt := range []struct {
		status int // how the database answers an anonymous read of its root
		want   audit.Status
	}{
		{http.StatusOK, audit.Fail},
		{http.StatusUnauthorized, audit.Pass},
		{http.StatusTooManyRequests, audit.Inconclusive}, // a limit answered, not the rules: not known
		{http.StatusNotFound, audit.Inconclusive},        // no database there
	} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			db := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet || r.URL.Path != "/.json" {
					t.Errorf("unexpected %s %s: the probe must only read the root", r.Method, r.URL)
				}
				if tt.status != http.StatusOK {
					http.Error(w, `{"error":"`+http.StatusText(tt.status)+`"}`, tt.status)
					return
				}
				fmt.Fprint(w, `{"users":true,"orders":true}`)
			}))
			t.Cleanup(db.Close)
			dbURL, _ := url.Parse(db.URL)
			host := "acme-default-rtdb.firebaseio.com"
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `<html><body><script>const firebaseConfig = {apiKey: "AIzaSyA1234567890abcdefghijklmnopqrstuv", databaseURL: "https://%s:%s", projectId: "acme"};</script></body></html>`, host, dbURL.Port())
			}))
			t.Cleanup(app.Close)
			plan := &audit.Plan{App: app.URL + "/", Scope: []string{"127.0.0.1", host}, TLS: audit.TLS{Insecure: true},
				Resolve: []string{fmt.Sprintf("%s:%s:127.0.0.1", host, dbURL.Port())}}
			target, err := audit.NewTarget(plan, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			if got := BaaSExposure(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

func TestBaaSOutOfScopeIsInconclusive(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<script>createClient("https://abcdefghijklmnopqrst.supabase.co", "%s")</script>`, jwtWithRole("anon"))
	}))
	t.Cleanup(app.Close)
	t.Setenv("LAUNCHREADY_BROWSER", "/nonexistent") // the first page's HTML is enough here
	target, _ := audit.NewTarget(&audit.Plan{App: app.URL + "/"}, nil)
	t.Cleanup(target.Close)
	got := BaaSExposure(t.Context(), target)
	if got.Status != audit.Inconclusive || !strings.Contains(got.Summary, "add abcdefghijklmnopqrst.supabase.co to the plan's scope") {
		t.Errorf("got %s %q", got.Status, got.Summary)
	}
}

// A Supabase project that describes no table to the anon key (newer projects do not) is still probed, on the tables
// the app's own page reads; a project whose tables no one saw is inconclusive, never a pass.
func TestBaaSSupabaseWithoutItsDescription(t *testing.T) {
	browsertest.Bin(t)
	anon := jwtWithRole("anon")
	tests := []struct {
		name   string
		reads  bool                        // the page's script reads the notes table
		answer func(w http.ResponseWriter) // the anonymous select of a notes row
		want   audit.Status
		says   string
	}{
		{"open table", true, func(w http.ResponseWriter) { fmt.Fprint(w, `[{"id":1,"owner":"kim@notes.test","text":"pin 4411"}]`) }, audit.Fail, "table notes is readable"},
		{"row level security", true, func(w http.ResponseWriter) { fmt.Fprint(w, `[]`) }, audit.Pass, "none of the 1 tables"},
		{"failing", true, func(w http.ResponseWriter) { http.Error(w, `{"message":"upstream"}`, http.StatusBadGateway) }, audit.Inconclusive, "answered 502"},
		{"no table seen", false, func(w http.ResponseWriter) { fmt.Fprint(w, `[]`) }, audit.Inconclusive, "not seen reading one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			read := ""
			if tt.reads {
				read = `fetch('/rest/v1/notes?select=*', {headers: {apikey: key, Authorization: 'Bearer ' + key}});`
			}
			mux := http.NewServeMux()
			mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `<html><body><h1>Notes</h1><script>const key = "%s"; const sb = createClient(location.origin, key); %s
function createClient(u, k) { return {} }</script><!-- createClient("%s", "%s") --></body></html>`, anon, read, "http://"+r.Host, anon)
			})
			mux.HandleFunc("GET /rest/v1/{$}", func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, `{"message":"permission denied for schema"}`, http.StatusUnauthorized)
			})
			mux.HandleFunc("GET /rest/v1/notes", func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("apikey") != anon {
					http.Error(w, `{"message":"No API key found in request"}`, http.StatusUnauthorized)
					return
				}
				tt.answer(w)
			})
			app := httptest.NewServer(mux)
			t.Cleanup(app.Close)
			target, err := audit.NewTarget(&audit.Plan{App: app.URL + "/"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			got := BaaSExposure(t.Context(), target)
			if got.Status != tt.want || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("got %s %q, want %s (%q)", got.Status, got.Summary, tt.want, tt.says)
			}
			for _, ev := range got.Evidence {
				if strings.Contains(ev.Excerpt, "pin 4411") {
					t.Errorf("the client's data reached the evidence: %q", ev.Excerpt)
				}
			}
		})
	}
}
