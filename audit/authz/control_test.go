package authz

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
)

// reportsApp is a server-rendered fixture: a login form, a home page linking each account's own reports, and
// report pages answered by report (the test's access rules). link makes a report's link on the home page and runs
// with mu held.
type reportsApp struct {
	mu       sync.Mutex
	sessions map[string]string // cookie -> email
	reports  map[string]string // report id -> owner email
	link     func(id, email string) string
	report   func(w http.ResponseWriter, r *http.Request, email string)
	more     func(mux *http.ServeMux, who func(*http.Request) string) // the test's other routes, when set
	anon     string                                                   // more of the page a visitor not logged in gets
}

// startReports serves a reportsApp for the two accounts (email -> password) and returns a Target with them as A and B.
func startReports(t *testing.T, accounts map[string]string, app *reportsApp) *audit.Target {
	app.sessions, app.reports = map[string]string{}, map[string]string{}
	var emails []string
	for email := range accounts {
		app.reports[uuid.NewString()] = email
		emails = append(emails, email)
	}
	slices.Sort(emails)
	who := func(r *http.Request) string {
		ck, err := r.Cookie("sid")
		if err != nil {
			return ""
		}
		app.mu.Lock()
		defer app.mu.Unlock()
		return app.sessions[ck.Value]
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		email := who(r)
		if email == "" {
			reportsPage(w, `<form method="post" action="/login"><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form>`+app.anon)
			return
		}
		links := ""
		app.mu.Lock()
		for id, owner := range app.reports {
			if owner == email {
				links += app.link(id, email)
			}
		}
		app.mu.Unlock()
		reportsPage(w, links+`<form method="post" action="/logout"><button>Log out</button></form>`)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if accounts[r.FormValue("email")] != r.FormValue("password") {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		sid := uuid.NewString()
		app.mu.Lock()
		app.sessions[sid] = r.FormValue("email")
		app.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true, Secure: true})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /reports/{id}", func(w http.ResponseWriter, r *http.Request) { app.report(w, r, who(r)) })
	if app.more != nil {
		app.more(mux, who)
	}
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	plan := &audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true}, Accounts: audit.Accounts{
		A: &audit.Account{Email: emails[0], PasswordEnv: "A"}, B: &audit.Account{Email: emails[1], PasswordEnv: "B"}}}
	target, err := audit.NewTarget(plan, func(k string) string {
		return map[string]string{"A": accounts[emails[0]], "B": accounts[emails[1]]}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	return target
}

func reportsPage(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><title>Reports</title><body>%s</body>`, body)
}

// A read the owner cannot replay either — its link carries a one-time nonce, spent by the browser's own visit — is
// refused to everyone: that refusal says nothing about the other account, so the ID swap is inconclusive and says
// why, never a pass.
func TestReplaysTheOwnerCannotRepeatProveNothing(t *testing.T) {
	browsertest.Bin(t)
	nonces := map[string]string{} // nonce -> report id, under app.mu
	app := &reportsApp{}
	app.link = func(id, email string) string {
		n := uuid.NewString()
		nonces[n] = id
		return fmt.Sprintf(`<a href="/reports/%s?nonce=%s">Report of %s</a>`, id, n, email)
	}
	app.report = func(w http.ResponseWriter, r *http.Request, email string) {
		app.mu.Lock()
		id, ok := nonces[r.URL.Query().Get("nonce")]
		delete(nonces, r.URL.Query().Get("nonce")) // spent, whoever asks
		owner := app.reports[r.PathValue("id")]
		app.mu.Unlock()
		if email == "" || !ok || id != r.PathValue("id") || owner != email {
			http.Error(w, "This link has expired.", http.StatusForbidden)
			return
		}
		reportsPage(w, "<h1>Quarterly numbers of "+owner+"</h1>")
	}
	target := startReports(t, map[string]string{"ann@nonce.test": "Ann-Nonce-Pass-1", "bo@nonce.test": "Bo-Nonce-Pass-2"}, app)
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
			app := &reportsApp{link: func(id, email string) string { return fmt.Sprintf(`<a href="/reports/%s">Report of %s</a>`, id, email) }}
			app.report = func(w http.ResponseWriter, r *http.Request, email string) {
				app.mu.Lock()
				owner := app.reports[r.PathValue("id")]
				app.mu.Unlock()
				switch {
				case email == "":
					http.Error(w, "Sign in first.", http.StatusUnauthorized)
				case email != owner: // what it would have shown is never seen: the limit or the failure answers first
					w.Header().Set("Retry-After", "60")
					http.Error(w, http.StatusText(status), status)
				default:
					reportsPage(w, "<h1>Quarterly numbers of "+owner+"</h1><p>Revenue 48213 for "+r.PathValue("id")+"</p>")
				}
			}
			target := startReports(t, map[string]string{"cy@limits.test": "Cy-Limit-Pass-1", "di@limits.test": "Di-Limit-Pass-2"}, app)
			if got := IDORRead(t.Context(), target); got.Status != audit.Inconclusive {
				t.Errorf("idor-read: %s %q, want inconclusive: every other account's replay got %d", got.Status, got.Summary, status)
			}
		})
	}
}

// A replay whose answer holds nothing of the owner's proves nothing when the other account gets the same. Here a
// bot check answers 200 "Checking your browser" to every client that is not a browser navigating, the owner's own
// replay included, and hides an app that shows any report to any signed-in account: the ID swap must not pass.
func TestReplaysThatShowTheOwnerNothingProveNothing(t *testing.T) {
	browsertest.Bin(t)
	app := &reportsApp{link: func(id, email string) string { return fmt.Sprintf(`<a href="/reports/%s">Report of %s</a>`, id, email) }}
	app.report = func(w http.ResponseWriter, r *http.Request, email string) {
		if r.Header.Get("Sec-Fetch-Mode") != "navigate" {
			reportsPage(w, "<h1>Checking your browser before accessing the site</h1><p>This takes a few seconds.</p>")
			return
		}
		app.mu.Lock()
		owner, ok := app.reports[r.PathValue("id")]
		app.mu.Unlock()
		if email == "" || !ok {
			http.Error(w, "Sign in first.", http.StatusUnauthorized)
			return
		}
		// The flaw: any signed-in account reads any report.
		reportsPage(w, "<h1>Quarterly numbers of "+owner+"</h1><p>Revenue 48213 for "+r.PathValue("id")+"</p>")
	}
	target := startReports(t, map[string]string{"el@bots.test": "El-Bots-Pass-1", "fa@bots.test": "Fa-Bots-Pass-2"}, app)
	for name, check := range map[string]checkFunc{"idor-read": IDORRead, "id-swap-params": IDSwapParams} {
		got := check(t.Context(), target)
		if got.Status != audit.Inconclusive || !strings.Contains(got.Summary, "nothing only their owner sees") {
			t.Errorf("%s: %s %q, want inconclusive: the owner's own replay got the bot check's page", name, got.Status, got.Summary)
		}
	}
}

// An ID the swap reads from a field of the other account's answers ("report_id" in its /api/me), never from a
// request of its own at that route, may name nothing the route serves: everyone is refused there, and that refusal
// proves nothing. The other account must reach it itself first; then a refusal to A is one, and a leak still fails.
func TestIDsFromFieldsNeedTheirOwnersProof(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		name           string
		realID, anyone bool // /api/me names B's real report (else an ID of something else); any account reads any report
		want           audit.Status
		says           string
	}{
		{"a field naming something else", false, false, audit.Inconclusive, "came from fields of its answers"},
		{"B's real report, owner rules", true, false, audit.Pass, ""},
		{"B's real report, no rules", true, true, audit.Fail, "returned the other tenant's data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			accounts := map[string]string{"ga@fields.test": "Ga-Fields-Pass-1", "hu@fields.test": "Hu-Fields-Pass-2"}
			app := &reportsApp{}
			app.link = func(id, email string) string {
				if email == "ga@fields.test" { // A opens its report; B's page only asks /api/me
					return fmt.Sprintf(`<a href="/reports/%s">Report of %s</a>`, id, email)
				}
				return `<p id="me"></p><script>fetch('/api/me').then(r => r.json()).then(m => { document.getElementById('me').textContent = m.email })</script>`
			}
			app.report = func(w http.ResponseWriter, r *http.Request, email string) {
				app.mu.Lock()
				owner, ok := app.reports[r.PathValue("id")]
				app.mu.Unlock()
				switch {
				case email == "":
					http.Error(w, "Sign in first.", http.StatusUnauthorized)
				case !ok || owner != email && !tt.anyone:
					http.Error(w, "No such report.", http.StatusNotFound)
				default:
					reportsPage(w, "<h1>Quarterly numbers of "+owner+"</h1><p>Revenue 48213 for "+r.PathValue("id")+"</p>")
				}
			}
			other := uuid.NewString() // a template, an import: not a report
			app.more = func(mux *http.ServeMux, who func(*http.Request) string) {
				mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
					email := who(r)
					id := other
					app.mu.Lock()
					for rid, owner := range app.reports {
						if owner == email && tt.realID {
							id = rid
						}
					}
					app.mu.Unlock()
					w.Header().Set("Content-Type", "application/json")
					fmt.Fprintf(w, `{"email":%q,"report_id":%q}`, email, id)
				})
			}
			target := startReports(t, accounts, app)
			got := IDSwapParams(t.Context(), target)
			if got.Status != tt.want || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("id-swap-params: %s %q, want %s (%q)", got.Status, got.Summary, tt.want, tt.says)
				for _, ev := range got.Evidence {
					t.Logf("    %s: %s", ev.Label, ev.Excerpt)
				}
			}
		})
	}
}

// What the app shows a visitor who is not logged in is no one's private data, even when only one account's walk
// fetched it (Node-RED's translations, fetched by A's editor and not B's): replayed to anyone, it is no leak.
func TestPublicDataOneWalkFetchedIsNoLeak(t *testing.T) {
	browsertest.Bin(t)
	app := &reportsApp{anon: `<script>fetch('/locales/editor?lng=en-US')</script>`}
	app.link = func(id, email string) string {
		page := fmt.Sprintf(`<a href="/reports/%s">Report of %s</a>`, id, email)
		if email == "ann@public.test" {
			page += `<script>fetch('/locales/editor?lng=en-US')</script>`
		}
		return page
	}
	app.report = func(w http.ResponseWriter, r *http.Request, email string) {
		app.mu.Lock()
		owner := app.reports[r.PathValue("id")]
		app.mu.Unlock()
		if email == "" || owner != email {
			http.NotFound(w, r)
			return
		}
		reportsPage(w, "<h1>Quarterly numbers of "+owner+"</h1>")
	}
	app.more = func(mux *http.ServeMux, _ func(*http.Request) string) {
		// The accounts log in on a page of its own, which fetches no translation: only the anonymous visit of
		// the first page and A's walk see it.
		mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) {
			reportsPage(w, `<form method="post" action="/login"><input type="email" name="email"><input type="password" name="password"><button>Sign in</button></form>`)
		})
		mux.HandleFunc("GET /locales/{file}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"notice":"You have undeployed changes. Leaving this page will lose these changes."}`)
		})
	}
	target := startReports(t, map[string]string{"ann@public.test": "Ann-Public-Pass-1", "bo@public.test": "Bo-Public-Pass-2"}, app)
	target.Plan.Paths.Login = "/signin"
	for name, check := range map[string]checkFunc{"idor-read": IDORRead, "unauthenticated": Unauthenticated} {
		if got := check(t.Context(), target); got.Status == audit.Fail {
			t.Errorf("%s: %s %q: the translations are public", name, got.Status, got.Summary)
		}
	}
}
