package authz

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/launchready/launchready/audit"
	acct "github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/browser/browsertest"
)

// orgApp is a second fixture, unlike the demo: a single-page app with a bearer JWT in localStorage, UUIDs
// everywhere and the organization in the path (/api/orgs/{org}/projects/{project}). With broken set, the
// project endpoints forget to check that the caller belongs to the org. With dialog set, the landing page has no
// form, only a "Log in" button in its header that opens the form in a dialog (as Verdaccio's web UI does).
func orgApp(t *testing.T, broken, dialog bool) (*httptest.Server, map[string]string) {
	return orgAppWith(t, orgOpts{broken: broken, dialog: dialog})
}

// orgOpts shape orgApp: broken serves any org's projects to any member, dialog opens the login form from a button,
// activity also lists the account's recent activity (rows of an API answer with small integer IDs, drawn as text,
// never requested by ID), and rowsOnly draws the projects as rows and never fetches one by its ID (a table whose
// rows have click handlers, not links: Directus's).
type orgOpts struct{ broken, dialog, activity, rowsOnly bool }

func orgAppWith(t *testing.T, o orgOpts) (*httptest.Server, map[string]string) {
	broken, dialog, activity := o.broken, o.dialog, o.activity
	secret := make([]byte, 32)
	rand.Read(secret)
	type user struct{ ID, Email, Org string }
	type project struct{ ID, Org, Name, Budget string }
	users := map[string]user{
		"erin@one.test":  {uuid.NewString(), "erin@one.test", uuid.NewString()},
		"frank@two.test": {uuid.NewString(), "frank@two.test", uuid.NewString()},
	}
	passwords := map[string]string{"erin@one.test": "erin-pass-123", "frank@two.test": "frank-pass-456"}
	var projects []project
	for _, u := range users {
		projects = append(projects, project{uuid.NewString(), u.Org, "Roadmap of " + u.Email, fmt.Sprintf("budget-%s", u.ID[:8])})
	}
	caller := func(r *http.Request) (user, bool) {
		tok, err := jwt.Parse(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), func(*jwt.Token) (any, error) { return secret, nil }, jwt.WithValidMethods([]string{"HS256"}))
		if err != nil {
			return user{}, false
		}
		sub, _ := tok.Claims.GetSubject()
		u, ok := users[sub]
		return u, ok
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><body><main id="root"></main><script src="/bundle.js"></script></body></html>`)
	})
	mux.HandleFunc("GET /bundle.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `
const root = document.getElementById('root');
const api = (p) => fetch(p, {headers: {Authorization: 'Bearer ' + localStorage.getItem('token')}}).then(r => r.json());
function login() {
  if (`+fmt.Sprint(dialog)+` && !document.querySelector('[role=dialog]')) {
    root.innerHTML = '<header><span>Projects</span> <button type="button" id="open">Log in</button></header><p>Sign in to see your projects.</p>';
    document.getElementById('open').onclick = () => { root.insertAdjacentHTML('beforeend', '<div role="dialog"></div>'); login(); };
    return;
  }
  const into = document.querySelector('[role=dialog]') || root;
  into.innerHTML = '<form><label>Work email <input type="email" id="e"></label><label>Password <input type="password" id="p"></label><button type="submit">Sign in</button></form>';
  into.querySelector('form').onsubmit = async (ev) => {
    ev.preventDefault();
    const r = await fetch('/api/session', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email: e.value, password: p.value})});
    if (r.ok) { localStorage.setItem('token', (await r.json()).token); app(); }
  };
}
async function app() {
  const me = await api('/api/me');
  const projects = await api('/api/orgs/' + me.org_id + '/projects');
  const first = projects.length && !`+fmt.Sprint(o.rowsOnly)+` ? await api('/api/orgs/' + me.org_id + '/projects/' + projects[0].id) : null;
  root.innerHTML = '<h1>' + me.email + '</h1><ul>' + projects.map(p => '<li>' + p.name + '</li>').join('') + '</ul>' + (first ? '<p>' + first.budget + '</p>' : '');
  if (`+fmt.Sprint(activity)+`) { const acts = await api('/api/activity'); root.insertAdjacentHTML('beforeend', '<ol>' + acts.map(a => '<li>' + a.event + '</li>').join('') + '</ol>'); }
}
localStorage.getItem('token') ? app() : login();`)
	})
	mux.HandleFunc("POST /api/session", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&body)
		if passwords[body.Email] == "" || passwords[body.Email] != body.Password {
			http.Error(w, `{"error":"invalid"}`, http.StatusUnauthorized)
			return
		}
		tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": body.Email}).SignedString(secret)
		json.NewEncoder(w).Encode(map[string]string{"token": tok})
	})
	mux.HandleFunc("GET /api/activity", func(w http.ResponseWriter, r *http.Request) {
		if u, ok := caller(r); ok {
			json.NewEncoder(w).Encode([]map[string]any{{"id": 41, "event": "signed in as " + u.Email}, {"id": 42, "event": "opened a project"}})
		}
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		u, ok := caller(r)
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"id": u.ID, "email": u.Email, "org_id": u.Org})
	})
	list := func(org string) []map[string]string {
		out := []map[string]string{}
		for _, p := range projects {
			if p.Org == org {
				out = append(out, map[string]string{"id": p.ID, "name": p.Name, "budget": p.Budget})
			}
		}
		return out
	}
	member := func(w http.ResponseWriter, r *http.Request) bool {
		u, ok := caller(r)
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return false
		}
		if !broken && u.Org != r.PathValue("org") {
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return false
		}
		return true
	}
	mux.HandleFunc("GET /api/orgs/{org}/projects", func(w http.ResponseWriter, r *http.Request) {
		if member(w, r) {
			json.NewEncoder(w).Encode(list(r.PathValue("org")))
		}
	})
	mux.HandleFunc("GET /api/orgs/{org}/projects/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !member(w, r) {
			return
		}
		for _, p := range list(r.PathValue("org")) {
			if p["id"] == r.PathValue("id") {
				json.NewEncoder(w).Encode(p)
				return
			}
		}
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return srv, passwords
}

// orgTarget is orgApp audited with its two accounts, and the verdict the ID swap owes it.
func orgTarget(t *testing.T, broken, dialog bool) (*audit.Target, audit.Status) {
	return orgTargetWith(t, orgOpts{broken: broken, dialog: dialog})
}

func orgTargetWith(t *testing.T, o orgOpts) (*audit.Target, audit.Status) {
	broken := o.broken
	srv, pw := orgAppWith(t, o)
	plan := &audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true}, Accounts: audit.Accounts{
		A: &audit.Account{Email: "erin@one.test", PasswordEnv: "A"}, B: &audit.Account{Email: "frank@two.test", PasswordEnv: "B"}}}
	target, err := audit.NewTarget(plan, func(k string) string {
		return map[string]string{"A": pw["erin@one.test"], "B": pw["frank@two.test"]}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	if broken {
		return target, audit.Fail
	}
	return target, audit.Pass
}

func TestAuthzOnTokenSPAWithUUIDs(t *testing.T) {
	browsertest.Bin(t)
	for _, o := range []orgOpts{{broken: true}, {}, {broken: true, rowsOnly: true}, {rowsOnly: true}} {
		broken := o.broken
		t.Run(fmt.Sprintf("broken=%v,rowsOnly=%v", broken, o.rowsOnly), func(t *testing.T) {
			target, want := orgTargetWith(t, o)
			for name, check := range map[string]checkFunc{"idor-read": IDORRead, "id-swap-params": IDSwapParams} {
				got := check(t.Context(), target)
				if got.Status != want || (broken && !strings.Contains(got.Summary, "GET /api/orgs/{id}/projects")) {
					t.Errorf("%s: %s %q, want %s", name, got.Status, got.Summary, want)
				}
			}
			if got := Unauthenticated(t.Context(), target); got.Status != audit.Pass {
				t.Errorf("unauthenticated: %s %q, want pass (every call needs the bearer token)", got.Status, got.Summary)
			}
			if got := PredictableIDs(t.Context(), target); got.Status != audit.Pass {
				t.Errorf("predictable-ids: %s %q, want pass (UUIDs)", got.Status, got.Summary)
			}
		})
	}
}

// The IDs an app's API answers with count as much as those its requests carry: the same app listing activity rows
// with small integer IDs (drawn as text, never requested by ID) warns, where the requests alone, all UUIDs, passed.
func TestPredictableIDsInTheAPIsAnswers(t *testing.T) {
	browsertest.Bin(t)
	target, _ := orgTargetWith(t, orgOpts{activity: true})
	got := PredictableIDs(t.Context(), target)
	if got.Status != audit.Warn || !strings.Contains(got.Summary, "small integers (41, 42)") {
		t.Errorf("got %s %q, want a warning naming 41 and 42", got.Status, got.Summary)
	}
}

// An app whose login form opens in a dialog from a "Log in" button, with no login page to name in the plan: the
// browser login and the login form's template (for the HTTP replays) both open the dialog. Both found no form
// before, and every check that needs a session, or the login's request, was inconclusive.
func TestALoginInADialog(t *testing.T) {
	browsertest.Bin(t)
	for _, broken := range []bool{true, false} {
		t.Run(fmt.Sprintf("broken=%v", broken), func(t *testing.T) {
			target, want := orgTarget(t, broken, true)
			if got := IDORRead(t.Context(), target); got.Status != want {
				t.Errorf("idor-read: %s %q, want %s", got.Status, got.Summary, want)
			}
			form, err := target.Form(t.Context(), acct.Login)
			if err != nil || form.Endpoint() != "POST /api/session" {
				t.Errorf("the login form's template: %v, %v; want POST /api/session", form, err)
			}
		})
	}
}
