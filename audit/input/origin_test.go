package input

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
)

// notesSPA is a single-page app over a JSON API (bearer token in localStorage) whose writes must carry the app's
// Origin, as a browser's do. Its POST /api/notes answers malformed JSON 500 when crashes, else 400.
func notesSPA(t *testing.T, crashes bool) *audit.Target {
	const email, password = "gail@notes.test", "Gail-Notes-Pass-1"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<!doctype html><main id="root"></main><script src="/app.js"></script>`))
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(`
const root = document.getElementById('root');
async function app() {
  const notes = await fetch('/api/notes', {headers: {Authorization: 'Bearer ' + localStorage.getItem('token')}}).then(r => r.json());
  root.innerHTML = '<h1>Notes</h1>' + notes.map(n => '<p>' + n.title + '</p>').join('');
}
if (localStorage.getItem('token')) { app(); } else {
  root.innerHTML = '<form><input type="email" id="e"><input type="password" id="p"><button type="submit">Sign in</button></form>';
  root.querySelector('form').onsubmit = async (ev) => {
    ev.preventDefault();
    const r = await fetch('/api/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email: e.value, password: p.value})});
    if (r.ok) { localStorage.setItem('token', (await r.json()).token); app(); }
  };
}`))
	})
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email, Password string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.Email != email || body.Password != password {
			http.Error(w, `{"error":"invalid login"}`, http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"token": "tok-gail"})
	})
	mux.HandleFunc("GET /api/notes", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-gail" {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode([]map[string]string{{"id": "n1", "title": "Groceries"}})
	})
	mux.HandleFunc("POST /api/notes", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "https://"+r.Host {
			http.Error(w, `{"error":"cross-site request refused"}`, http.StatusForbidden)
			return
		}
		var body struct{ Title string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.Title == "" {
			if crashes {
				http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			} else {
				http.Error(w, `{"error":"title is required"}`, http.StatusBadRequest)
			}
			return
		}
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]string{"id": "n2", "title": body.Title})
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	plan := &audit.Plan{App: srv.URL + "/", Active: true, TLS: audit.TLS{Insecure: true},
		Accounts: audit.Accounts{A: &audit.Account{Email: email, PasswordEnv: "LR_A"}}}
	target, err := audit.NewTarget(plan, func(string) string { return password })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	return target
}

// The malformed bodies reach the handler of a write endpoint that refuses a request without the app's Origin: they
// carry it, as the page's own writes do. Without it every probe was refused 403 and the crash went unseen.
func TestMalformedCarriesTheAppsOrigin(t *testing.T) {
	browsertest.Bin(t)
	for _, tt := range []struct {
		crashes bool
		want    audit.Status
	}{{true, audit.Fail}, {false, audit.Pass}} {
		got := Malformed(t.Context(), notesSPA(t, tt.crashes))
		if got.Status != tt.want || !strings.Contains(got.Summary+evidence(got), "/api/notes") {
			t.Errorf("crashes %v: %s %q, want %s naming /api/notes", tt.crashes, got.Status, got.Summary, tt.want)
		}
	}
}

func evidence(r audit.Result) string {
	var b strings.Builder
	for _, ev := range r.Evidence {
		b.WriteString(ev.Label + " " + ev.Excerpt + "\n")
	}
	return b.String()
}
