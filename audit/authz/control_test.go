package authz

import (
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

// A read the owner cannot replay either — its link carries a one-time nonce, spent by the browser's own visit — is
// refused to everyone: that refusal says nothing about the other account, so the ID swap is inconclusive and says
// why, never a pass.
func TestReplaysTheOwnerCannotRepeatProveNothing(t *testing.T) {
	browsertest.Bin(t)
	var mu sync.Mutex
	sessions, nonces := map[string]string{}, map[string]string{} // cookie -> email, nonce -> report id
	reports := map[string]string{}                               // report id -> owner email
	accounts := map[string]string{"ann@nonce.test": "Ann-Nonce-Pass-1", "bo@nonce.test": "Bo-Nonce-Pass-2"}
	for email := range accounts {
		reports[uuid.NewString()] = email
	}
	who := func(r *http.Request) string {
		ck, err := r.Cookie("sid")
		if err != nil {
			return ""
		}
		mu.Lock()
		defer mu.Unlock()
		return sessions[ck.Value]
	}
	page := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Reports</title><body>%s</body>`, body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		email := who(r)
		if email == "" {
			page(w, `<form method="post" action="/login"><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form>`)
			return
		}
		links := ""
		mu.Lock()
		for id, owner := range reports {
			if owner == email {
				n := uuid.NewString()
				nonces[n] = id
				links += fmt.Sprintf(`<a href="/reports/%s?nonce=%s">Report of %s</a>`, id, n, email)
			}
		}
		mu.Unlock()
		page(w, links+`<form method="post" action="/logout"><button>Log out</button></form>`)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if accounts[r.FormValue("email")] != r.FormValue("password") {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		sid := uuid.NewString()
		mu.Lock()
		sessions[sid] = r.FormValue("email")
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true, Secure: true})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /reports/{id}", func(w http.ResponseWriter, r *http.Request) {
		email := who(r)
		mu.Lock()
		id, ok := nonces[r.URL.Query().Get("nonce")]
		delete(nonces, r.URL.Query().Get("nonce")) // spent, whoever asks
		owner := reports[r.PathValue("id")]
		mu.Unlock()
		if email == "" || !ok || id != r.PathValue("id") || owner != email {
			http.Error(w, "This link has expired.", http.StatusForbidden)
			return
		}
		page(w, "<h1>Quarterly numbers of "+owner+"</h1>")
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	plan := &audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true}, Accounts: audit.Accounts{
		A: &audit.Account{Email: "ann@nonce.test", PasswordEnv: "A"}, B: &audit.Account{Email: "bo@nonce.test", PasswordEnv: "B"}}}
	target, err := audit.NewTarget(plan, func(k string) string {
		return map[string]string{"A": accounts["ann@nonce.test"], "B": accounts["bo@nonce.test"]}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	for name, check := range map[string]checkFunc{"idor-read": IDORRead, "id-swap-params": IDSwapParams} {
		if got := check(t.Context(), target); got.Status != audit.Inconclusive || !strings.Contains(got.Summary, "cannot be replayed") {
			t.Errorf("%s: %s %q, want inconclusive: the owner's own replay is refused too", name, got.Status, got.Summary)
		}
	}
}

// A replay answered by a limit (429) or a failing server (503) was never judged by the app's access rules: it is no
// refusal, so an app that answers every other account's replay that way is inconclusive, never a pass.
func TestReplaysALimitOrAFailureAnsweredProveNothing(t *testing.T) {
	browsertest.Bin(t)
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var mu sync.Mutex
			sessions := map[string]string{} // cookie -> email
			reports := map[string]string{}  // report id -> owner email
			accounts := map[string]string{"cy@limits.test": "Cy-Limit-Pass-1", "di@limits.test": "Di-Limit-Pass-2"}
			for email := range accounts {
				reports[uuid.NewString()] = email
			}
			who := func(r *http.Request) string {
				ck, err := r.Cookie("sid")
				if err != nil {
					return ""
				}
				mu.Lock()
				defer mu.Unlock()
				return sessions[ck.Value]
			}
			page := func(w http.ResponseWriter, body string) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, `<!doctype html><title>Reports</title><body>%s</body>`, body)
			}
			mux := http.NewServeMux()
			mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
				email := who(r)
				if email == "" {
					page(w, `<form method="post" action="/login"><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form>`)
					return
				}
				links := ""
				for id, owner := range reports {
					if owner == email {
						links += fmt.Sprintf(`<a href="/reports/%s">Report of %s</a>`, id, email)
					}
				}
				page(w, links+`<form method="post" action="/logout"><button>Log out</button></form>`)
			})
			mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
				if accounts[r.FormValue("email")] != r.FormValue("password") {
					http.Redirect(w, r, "/", http.StatusSeeOther)
					return
				}
				sid := uuid.NewString()
				mu.Lock()
				sessions[sid] = r.FormValue("email")
				mu.Unlock()
				http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true, Secure: true})
				http.Redirect(w, r, "/", http.StatusSeeOther)
			})
			mux.HandleFunc("GET /reports/{id}", func(w http.ResponseWriter, r *http.Request) {
				email, owner := who(r), reports[r.PathValue("id")]
				switch {
				case email == "":
					http.Error(w, "Sign in first.", http.StatusUnauthorized)
				case email != owner: // what it would have shown is never seen: the limit or the failure answers first
					w.Header().Set("Retry-After", "60")
					http.Error(w, http.StatusText(status), status)
				default:
					page(w, "<h1>Quarterly numbers of "+owner+"</h1><p>Revenue 48213 for "+r.PathValue("id")+"</p>")
				}
			})
			srv := httptest.NewTLSServer(mux)
			t.Cleanup(srv.Close)
			plan := &audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true}, Accounts: audit.Accounts{
				A: &audit.Account{Email: "cy@limits.test", PasswordEnv: "A"}, B: &audit.Account{Email: "di@limits.test", PasswordEnv: "B"}}}
			target, err := audit.NewTarget(plan, func(k string) string {
				return map[string]string{"A": accounts["cy@limits.test"], "B": accounts["di@limits.test"]}[k]
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			if got := IDORRead(t.Context(), target); got.Status != audit.Inconclusive {
				t.Errorf("idor-read: %s %q, want inconclusive: every other account's replay got %d", got.Status, got.Summary, status)
			}
		})
	}
}
