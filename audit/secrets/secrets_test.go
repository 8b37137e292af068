package secrets

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
	"github.com/launchready/launchready/demo"
	"github.com/launchready/launchready/demo/demotest"
)

// Every rule catches its true samples and none of its false ones (gitleaks-style rule tests).
func TestFileRuleSamples(t *testing.T) {
	for _, r := range fileRules {
		t.Run(r.Path, func(t *testing.T) {
			if len(r.True) == 0 || len(r.False) == 0 {
				t.Fatal("a rule needs true and false samples")
			}
			for _, s := range r.True {
				if !r.Match([]byte(s)) {
					t.Errorf("missed true sample %q", s)
				}
			}
			for _, s := range r.False {
				if r.Match([]byte(s)) {
					t.Errorf("matched false sample %q", s)
				}
			}
		})
	}
}

func TestExposedFilesOnDemo(t *testing.T) {
	tests := []struct {
		name  string
		flaws demo.Flaws
		want  audit.Status
		shows string
	}{
		{"env served", demotest.Only(demo.FlawExposedEnv), audit.Fail, "/.env"},
		{"git served", demotest.Only(demo.FlawExposedGit), audit.Fail, "/.git/config"},
		// The hardened demo answers every unknown path with its HTML shell and a 200: not a finding.
		{"spa shell is not a finding", demo.Hardened(), audit.Pass, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExposedFiles(t.Context(), demotest.Target(t, tt.flaws))
			if got.Status != tt.want || !strings.Contains(got.Summary, tt.shows) {
				t.Errorf("got %s %q, want %s mentioning %q", got.Status, got.Summary, tt.want, tt.shows)
			}
		})
	}
}

func TestExposedEnvIsMaskedInEvidence(t *testing.T) {
	got := ExposedFiles(t.Context(), demotest.Target(t, demotest.Only(demo.FlawExposedEnv)))
	for _, ev := range got.Evidence {
		if strings.Contains(ev.Excerpt, "demo-db-password") || strings.Contains(ev.Excerpt, "demo-session-secret") {
			t.Errorf("evidence repeats the leaked secret: %q", ev.Excerpt)
		}
	}
}

// Another kind of server: dotfiles answered 403, a custom 404 page, and a real leak under a different content type.
func TestExposedFilesOtherServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/backup.sql":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write([]byte("-- MySQL dump 10.13\nCREATE TABLE `users` (\n  `id` int\n);\n"))
		case strings.HasPrefix(r.URL.Path, "/."):
			http.Error(w, "Forbidden", http.StatusForbidden)
		default:
			http.Error(w, "<h1>Page not found</h1>", http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := ExposedFiles(t.Context(), target)
	if got.Status != audit.Fail || !strings.Contains(got.Summary, "/backup.sql") || strings.Contains(got.Summary, "/.env") {
		t.Errorf("got %s %q, want a fail for /backup.sql only", got.Status, got.Summary)
	}
}

// A probe a limit or a failing server answered (429, 503) proves no absence: the check is inconclusive, where it
// passed before on an app whose rate limiter answered every probe.
func TestExposedFilesAnsweredByALimit(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) > 1 { // the first request (the path that cannot exist) is answered, then the limit
				w.Header().Set("Retry-After", "60")
				http.Error(w, http.StatusText(status), status)
				return
			}
			http.Error(w, "Page not found", http.StatusNotFound)
		}))
		t.Cleanup(srv.Close)
		target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := ExposedFiles(t.Context(), target); got.Status != audit.Inconclusive || !strings.Contains(got.Summary, fmt.Sprint(status)) {
			t.Errorf("every probe answered %d: got %s %q, want inconclusive", status, got.Status, got.Summary)
		}
	}
}

func TestExposedFilesUnreachable(t *testing.T) {
	target, err := audit.NewTarget(&audit.Plan{App: "http://127.0.0.1:9/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ExposedFiles(t.Context(), target); got.Status != audit.Inconclusive {
		t.Errorf("got %s %q, want inconclusive: absence is not proven when nothing answers", got.Status, got.Summary)
	}
}

// A source map that is public is public however large it is, and one a limit or a failing server answered is not
// known either way: a 5 MiB map (cut at the read cap, so it no longer parses) warns, and a 503 is inconclusive,
// where both passed as "no public source map".
func TestSourceMapsTooLargeOrUnanswered(t *testing.T) {
	browsertest.Bin(t)
	big := `{"version":3,"file":"app.js","sources":["src/app.ts"],"names":[],"mappings":"AAAA","sourcesContent":["` +
		strings.Repeat("const x = 1;\\n", 5<<20/14) + `"]}`
	for _, tt := range []struct {
		name  string
		serve func(w http.ResponseWriter)
		want  audit.Status
	}{
		{"a 5 MiB map", func(w http.ResponseWriter) { w.Header().Set("Content-Type", "application/json"); fmt.Fprint(w, big) }, audit.Warn},
		{"a map answered 503", func(w http.ResponseWriter) { http.Error(w, "Service Unavailable", http.StatusServiceUnavailable) }, audit.Inconclusive},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/":
					fmt.Fprint(w, `<!doctype html><title>App</title><div id="app"></div><script src="/app.js"></script>`)
				case "/app.js":
					w.Header().Set("Content-Type", "text/javascript")
					fmt.Fprint(w, "document.getElementById('app').textContent = 'hello';\n//# sourceMappingURL=app.js.map\n")
				case "/app.js.map":
					tt.serve(w)
				default:
					http.NotFound(w, r)
				}
			}))
			t.Cleanup(srv.Close)
			target, err := audit.NewTarget(&audit.Plan{App: srv.URL + "/"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			if got := SourceMaps(t.Context(), target); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}
