package audit

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser/browsertest"
)

// rotatingApp logs in with a script (no form action: the browser logs in) and, like Directus, replaces the session
// cookie each time one of its pages loads, refusing the cookie before it once grace has passed.
func rotatingApp(t *testing.T, grace time.Duration) *httptest.Server {
	var mu sync.Mutex
	replaced := map[string]time.Time{} // sid -> when a newer one replaced it
	valid := map[string]bool{}
	issue := func(w http.ResponseWriter) {
		sid := rand.Text()
		mu.Lock()
		valid[sid] = true
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "session_token", Value: sid, Path: "/", HttpOnly: true})
	}
	current := func(r *http.Request) (string, bool) {
		ck, err := r.Cookie("session_token")
		if err != nil {
			return "", false
		}
		mu.Lock()
		defer mu.Unlock()
		at, old := replaced[ck.Value]
		return ck.Value, valid[ck.Value] && (!old || time.Since(at) < grace)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>Notes</title><div id="app"><input type="email" placeholder="Email"><input type="password" placeholder="Password"><button>Sign in</button></div>
<script>document.querySelector('button').onclick = async () => {
  const [e, p] = document.querySelectorAll('input');
  const r = await fetch('/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email: e.value, password: p.value})});
  if (r.ok) location.href = '/notes';
};</script>`)
	})
	mux.HandleFunc("POST /auth/login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&body)
		if body.Email != "ann@example.test" || body.Password != "rotating-pass-1" {
			http.Error(w, `{"error":"invalid"}`, http.StatusUnauthorized)
			return
		}
		issue(w)
	})
	mux.HandleFunc("POST /auth/refresh", func(w http.ResponseWriter, r *http.Request) {
		sid, ok := current(r)
		if !ok {
			http.Error(w, `{"error":"expired"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		replaced[sid] = time.Now()
		mu.Unlock()
		issue(w)
	})
	mux.HandleFunc("GET /notes", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>Notes</title><ul id="notes"></ul>
<script>fetch('/auth/refresh', {method: 'POST'}).then(() => fetch('/api/notes')).then(r => r.json()).then(ns => {
  document.getElementById('notes').innerHTML = ns.map(n => '<li>' + n + '</li>').join('') });</script>`)
	})
	mux.HandleFunc("GET /api/notes", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := current(r); !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode([]string{"Ann's private ledger 4411"})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// A session the browser holds is replayed with the cookie the browser holds when the request goes: an app that
// replaces its session cookie on every page load (Directus) and refuses the one before it a little later answers the
// audit's replays as it answers the browser, after the walk's pages too. The credentials frozen at login, which a
// check replays to see an ended session refused, are refused here as the app refuses a replaced cookie.
func TestSessionFollowsTheBrowsersCookie(t *testing.T) {
	browsertest.Bin(t)
	const grace = 500 * time.Millisecond
	srv := rotatingApp(t, grace)
	plan := &Plan{App: srv.URL + "/", Accounts: Accounts{A: &Account{Email: "ann@example.test", PasswordEnv: "PW"}}}
	target, err := NewTarget(plan, func(string) string { return "rotating-pass-1" })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	s, err := target.Login(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	bs, err := target.BrowserSession(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	frozen := FrozenFromBrowser("a", bs)
	// The account's pages load again (a walk, a check's view): each replaces the cookie.
	for range 2 {
		if _, err := bs.Context.Visit(t.Context(), srv.URL+"/notes"); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(2 * grace)
	get := func(s *Session) int {
		resp, err := target.Probe.Do(t.Context(), s.Apply(&probe.Request{URL: srv.URL + "/api/notes"}))
		if err != nil {
			t.Fatal(err)
		}
		return resp.Status
	}
	if got := get(s); got != http.StatusOK {
		t.Errorf("the logged-in session, replayed after its pages loaded again: %d, want 200", got)
	}
	if got := get(FromBrowser("a", bs)); got != http.StatusOK {
		t.Errorf("FromBrowser, replayed after its pages loaded again: %d, want 200", got)
	}
	if got := get(frozen); got != http.StatusUnauthorized {
		t.Errorf("the cookie as at login, replaced since: %d, want 401", got)
	}
}
