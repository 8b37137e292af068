package authz

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
)

// tasksRules are how tasksApp answers a write to a task: who may change it, and what the others get.
type tasksRules struct {
	ownerOnly   bool // only the task's owner changes or deletes it
	silent      bool // a write the rules refuse answers 204 and changes nothing, as PostgREST's row rules do
	limitOthers bool // a write by anyone but the owner is answered 429
	noItemRead  bool // there is no GET of one task: the list is the only read
	noPatch     bool // PATCH is answered 405 to everyone
	csrf        bool // every write, the login too, needs the X-CSRF-Token of the page's meta tag (bound to a cookie)
	origin      bool // a write must carry the app's own Origin, as Django asks over HTTPS
	loginExempt bool // with csrf: the login needs no token and the scripts send none, so only the page's meta tag has it
}

// tasksApp is a single-page app over a JSON API with bearer tokens in localStorage and UUID ids: its scripts list
// the account's own tasks (GET /api/tasks), and the API creates, updates, replaces and deletes them by the rules.
func tasksApp(t *testing.T, rules tasksRules) *audit.Target {
	type task struct{ ID, Owner, Title, Notes string }
	passwords := map[string]string{"gail@tasks.test": "Gail-Tasks-Pass-1", "hugo@tasks.test": "Hugo-Tasks-Pass-2"}
	var mu sync.Mutex
	tokens := map[string]string{} // token -> email
	tasks := map[string]*task{}
	for email := range passwords {
		id := uuid.NewString()
		tasks[id] = &task{id, email, "Plan of " + email, "notes-" + id[:8]}
	}
	caller := func(r *http.Request) string {
		mu.Lock()
		defer mu.Unlock()
		return tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	}
	asJSON := func(tk *task) map[string]string {
		return map[string]string{"id": tk.ID, "owner_id": tk.Owner, "title": tk.Title, "notes": tk.Notes}
	}
	csrfKey := []byte(uuid.NewString())
	csrfToken := func(secret string) string {
		m := hmac.New(sha256.New, csrfKey)
		m.Write([]byte(secret))
		return hex.EncodeToString(m.Sum(nil))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		meta := ""
		if rules.csrf {
			secret := uuid.NewString()
			if c, err := r.Cookie("csrf_secret"); err == nil {
				secret = c.Value
			} else {
				http.SetCookie(w, &http.Cookie{Name: "csrf_secret", Value: secret, Path: "/", Secure: true, HttpOnly: true})
			}
			meta = `<meta name="csrf-token" content="` + csrfToken(secret) + `">`
		}
		fmt.Fprint(w, `<!doctype html><html><head>`+meta+`</head><body><main id="root"></main><script src="/app.js"></script></body></html>`)
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `
const root = document.getElementById('root');
function login() {
  root.innerHTML = '<form><label>Email <input type="email" id="e"></label><label>Password <input type="password" id="p"></label><button type="submit">Sign in</button></form>';
  root.querySelector('form').onsubmit = async (ev) => {
    ev.preventDefault();
    const meta = document.querySelector('meta[name=csrf-token]');
    const r = await fetch('/api/login', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': meta && !`+fmt.Sprint(rules.loginExempt)+` ? meta.content : ''}, body: JSON.stringify({email: e.value, password: p.value})});
    if (r.ok) { localStorage.setItem('token', (await r.json()).token); app(); }
  };
}
async function app() {
  const tasks = await fetch('/api/tasks', {headers: {Authorization: 'Bearer ' + localStorage.getItem('token')}}).then(r => r.json());
  root.innerHTML = '<h1>Tasks</h1><ul>' + tasks.map(t => '<li>' + t.title + ': ' + t.notes + '</li>').join('') + '</ul>';
}
localStorage.getItem('token') ? app() : login();`)
	})
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&body)
		if passwords[body.Email] == "" || passwords[body.Email] != body.Password {
			http.Error(w, `{"error":"invalid"}`, http.StatusUnauthorized)
			return
		}
		tok := uuid.NewString()
		mu.Lock()
		tokens[tok] = body.Email
		mu.Unlock()
		json.NewEncoder(w).Encode(map[string]string{"token": tok})
	})
	mux.HandleFunc("GET /api/tasks", func(w http.ResponseWriter, r *http.Request) {
		me := caller(r)
		if me == "" {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		out := []map[string]string{}
		mu.Lock()
		for _, tk := range tasks {
			if tk.Owner == me {
				out = append(out, asJSON(tk))
			}
		}
		mu.Unlock()
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("POST /api/tasks", func(w http.ResponseWriter, r *http.Request) {
		me := caller(r)
		var body struct{ Title, Notes string }
		if me == "" || json.NewDecoder(r.Body).Decode(&body) != nil || body.Title == "" {
			http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
			return
		}
		tk := &task{uuid.NewString(), me, body.Title, body.Notes}
		mu.Lock()
		tasks[tk.ID] = tk
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(asJSON(tk))
	})
	mux.HandleFunc("GET /api/tasks/{id}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tk := tasks[r.PathValue("id")]
		mu.Unlock()
		if rules.noItemRead || tk == nil || tk.Owner != caller(r) {
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(asJSON(tk))
	})
	change := func(w http.ResponseWriter, r *http.Request) {
		me := caller(r)
		if rules.noPatch && r.Method == http.MethodPatch {
			http.Error(w, `{"error":"method not allowed"}`, http.StatusMethodNotAllowed)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		tk := tasks[r.PathValue("id")]
		switch {
		case me == "" || tk == nil:
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return
		case tk.Owner != me && rules.limitOthers:
			w.Header().Set("Retry-After", "60")
			http.Error(w, `{"error":"too many requests"}`, http.StatusTooManyRequests)
			return
		case tk.Owner != me && rules.ownerOnly && rules.silent:
			w.WriteHeader(http.StatusNoContent)
			return
		case tk.Owner != me && rules.ownerOnly:
			http.Error(w, `{"error":"forbidden"}`, http.StatusForbidden)
			return
		}
		if r.Method == http.MethodDelete {
			delete(tasks, tk.ID)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		var body struct{ Title, Notes string }
		json.NewDecoder(r.Body).Decode(&body)
		tk.Title, tk.Notes = body.Title, body.Notes
		w.WriteHeader(http.StatusNoContent)
	}
	for _, m := range []string{"PATCH", "PUT", "DELETE"} {
		mux.HandleFunc(m+" /api/tasks/{id}", change)
	}
	guarded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rules.origin && r.Method != http.MethodGet && r.Header.Get("Origin") != "https://"+r.Host {
			http.Error(w, `{"error":"origin checking failed"}`, http.StatusForbidden)
			return
		}
		if rules.csrf && r.Method != http.MethodGet && !(rules.loginExempt && r.URL.Path == "/api/login") {
			c, err := r.Cookie("csrf_secret")
			if err != nil || r.Header.Get("X-CSRF-Token") != csrfToken(c.Value) {
				http.Error(w, `{"error":"invalid csrf token"}`, http.StatusForbidden)
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
	srv := httptest.NewTLSServer(guarded)
	t.Cleanup(srv.Close)
	plan := &audit.Plan{App: srv.URL + "/", Active: true, TLS: audit.TLS{Insecure: true}, Accounts: audit.Accounts{
		A: &audit.Account{Email: "gail@tasks.test", PasswordEnv: "A"}, B: &audit.Account{Email: "hugo@tasks.test", PasswordEnv: "B"}}}
	target, err := audit.NewTarget(plan, func(k string) string {
		return map[string]string{"A": passwords["gail@tasks.test"], "B": passwords["hugo@tasks.test"]}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	return target
}

// authz.idor-write judges each write by what A reads back, with A's own write as the control: not by B's status.
func TestIDORWriteJudgedByTheCanary(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		name  string
		rules tasksRules
		want  audit.Status
		says  string
	}{
		// PostgREST's row rules: B's writes answer 204 and change nothing. Judged by the status, that was a fail.
		{"refused writes answer 204", tasksRules{ownerOnly: true, silent: true}, audit.Pass, "did not change it"},
		{"no owner check", tasksRules{silent: true}, audit.Fail, "changed A's canary"},
		// Read back from the list when the API has no GET of one task: a 404 there is no deleted canary.
		{"no read of one item", tasksRules{ownerOnly: true, noItemRead: true}, audit.Pass, "did not change it"},
		// A limit answering B's writes never reached the ownership rule.
		{"B's writes limited", tasksRules{ownerOnly: true, limitOthers: true}, audit.Inconclusive, "429"},
		// A PATCH no one can send says nothing of B; the other writes still decide.
		{"no PATCH at all", tasksRules{ownerOnly: true, noPatch: true}, audit.Pass, "PATCH not judged"},
		// Cookie and CSRF-header apps (Rails, Next.js, Django): the canary and B's writes carry each account's own
		// token, as the app's scripts send it; without it every write was refused before any rule (inconclusive).
		{"CSRF header, no owner check", tasksRules{silent: true, csrf: true}, audit.Fail, "changed A's canary"},
		{"CSRF header, owner rules", tasksRules{ownerOnly: true, csrf: true}, audit.Pass, "did not change it"},
		// Rails and Laravel keep the token in a meta tag; the app's own writes are the first to send it.
		{"CSRF token in the page only", tasksRules{silent: true, csrf: true, loginExempt: true}, audit.Fail, "changed A's canary"},
		// A browser sends its Origin with every write, and Django refuses an HTTPS write without one.
		{"Origin checked, no owner check", tasksRules{silent: true, origin: true}, audit.Fail, "changed A's canary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := IDORWrite(t.Context(), tasksApp(t, tt.rules))
			if got.Status != tt.want || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("got %s %q, want %s (%q)", got.Status, got.Summary, tt.want, tt.says)
				for _, ev := range got.Evidence {
					t.Logf("    %s: %s", ev.Label, ev.Excerpt)
				}
			}
		})
	}
}
