package session

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
)

// iconLogoutApp is a cookie-session app whose only log-out control is an icon: a button with no text or label,
// known only by its wrapper's class (Directus's v-button component). How it logs out is control: "dialog" opens a dialog whose "Sign Out" ends the session on the
// server (Directus's admin app, whose dialog has no dialog role), "inert" does nothing at all (a script that failed), and "keeps" ends the session
// in the browser only, the server still honouring its cookie.
func iconLogoutApp(t *testing.T, control string) *httptest.Server {
	var mu sync.Mutex
	live := map[string]bool{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>Sign in</title><form method="post" action="/login"><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form>`)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("email") != "ivy@example.test" || r.PostFormValue("password") != "icon-pass-2026" {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		sid := rand.Text()
		mu.Lock()
		live[sid] = true
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/home", http.StatusSeeOther)
	})
	authed := func(r *http.Request) (string, bool) {
		ck, err := r.Cookie("sid")
		if err != nil {
			return "", false
		}
		mu.Lock()
		defer mu.Unlock()
		return ck.Value, live[ck.Value]
	}
	mux.HandleFunc("GET /home", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := authed(r); !ok {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		fmt.Fprintf(w, `<!doctype html><title>Home</title><nav><div class="v-button sign-out"><button type="button"><svg width="20" height="20"><circle cx="10" cy="10" r="8"/></svg></button></div></nav>
<main><h1>Ivy's notes</h1><ul id="notes"></ul></main>
<script>
const control = %q;
fetch('/api/notes').then(r => r.json()).then(ns => { document.getElementById('notes').innerHTML = ns.map(n => '<li>' + n + '</li>').join('') });
document.querySelector('.sign-out button').onclick = () => {
  if (control === 'inert') return;
  if (control === 'keeps') { document.cookie = 'sid=; Max-Age=0; path=/'; location.href = '/login'; return }
  const d = document.createElement('div'); d.className = 'v-dialog';
  d.innerHTML = '<p>Are you sure?</p><button type="button">Cancel</button><a href="/logout">Sign Out</a>';
  document.body.append(d);
};
</script>`, control)
	})
	mux.HandleFunc("GET /logout", func(w http.ResponseWriter, r *http.Request) {
		if sid, ok := authed(r); ok {
			mu.Lock()
			delete(live, sid)
			mu.Unlock()
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "", Path: "/", MaxAge: -1})
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /api/notes", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := authed(r); !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `["Ivy's private ledger 5521", "Ivy's roadmap"]`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// A log-out control known only by its class is found, the dialog it opens is confirmed, and the verdict follows what
// the server does; a control that did not log the browser out leaves the check inconclusive, never a fail on a
// session that was never ended.
func TestLogoutByAnIconAndADialog(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		control string
		want    audit.Status
		says    string
	}{
		{"dialog", audit.Pass, "after logout"},
		{"keeps", audit.Fail, "still works after logout"},
		{"inert", audit.Inconclusive, "the logout did not take in the browser"},
	}
	for _, tt := range tests {
		t.Run(tt.control, func(t *testing.T) {
			srv := iconLogoutApp(t, tt.control)
			plan := &audit.Plan{App: srv.URL + "/home", Paths: audit.Paths{Login: "/login"},
				Accounts: audit.Accounts{A: &audit.Account{Email: "ivy@example.test", PasswordEnv: "PW"}}}
			target, err := audit.NewTarget(plan, func(string) string { return "icon-pass-2026" })
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			got := LogoutInvalidates(t.Context(), target)
			if got.Status != tt.want || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("got %s %q, want %s saying %q", got.Status, got.Summary, tt.want, tt.says)
			}
		})
	}
}
