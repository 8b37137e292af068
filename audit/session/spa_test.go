package session

import (
	"cmp"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser/browsertest"
)

// spaApp is a second fixture, unlike the demo: a single-page app whose login form only exists once its script has
// run (no names on the inputs, a "Continue" button), that keeps a bearer JWT in sessionStorage and sends it in
// Authorization headers, and whose "Sign out" tells the server, then forgets the token in the browser. What the
// server does with a signed-out token is afterSignOut: "" nothing (the JWT stays valid), or the status it answers
// the token with from then on ("401"), or "grown" (still the private answer, with one more project).
func spaApp(t *testing.T, afterSignOut string) *httptest.Server {
	return spaAppKeeping(t, afterSignOut, "sessionStorage")
}

// spaAppKeeping is spaApp keeping its token in keep: "sessionStorage", "indexedDB" (the way Firebase Auth keeps
// its user, in firebaseLocalStorageDb), "supabase" (the way supabase-js keeps its session: one localStorage entry of
// JSON with the access and refresh tokens), or "memory" (a variable of the page's script: gone on reload).
func spaAppKeeping(t *testing.T, afterSignOut, keep string) *httptest.Server {
	return spaAppAnswering(t, afterSignOut, keep, nil)
}

// spaAppAnswering is spaAppKeeping whose login answers with an opaque token instead of a JWT when opaque is not
// nil, the answer's other fields taken from opaque (an OAuth-style expires_in, or nothing).
func spaAppAnswering(t *testing.T, afterSignOut, keep string, opaque map[string]any) *httptest.Server {
	secret := make([]byte, 32)
	rand.Read(secret)
	var mu sync.Mutex
	signedOut := map[string]bool{}
	issued := map[string]bool{} // the opaque tokens given out
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><head><title>Projects</title></head><body><div id="app">Loading…</div><script src="/app.js"></script></body></html>`)
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, "const keep = %q;\n", keep)
		fmt.Fprint(w, `
const idb = () => new Promise((ok, no) => {
  const r = indexedDB.open('firebaseLocalStorageDb', 1);
  r.onupgradeneeded = () => r.result.createObjectStore('firebaseLocalStorage', {keyPath: 'fbase_key'});
  r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
});
const userKey = 'firebase:authUser:AIzaFixtureKey:[DEFAULT]';
let memory = null;
const store = {
  async get() {
    if (keep === 'memory') return memory;
    if (keep === 'sessionStorage') return sessionStorage.getItem('access_token');
    if (keep === 'supabase') { const s = localStorage.getItem('sb-fixture-auth-token'); return s ? JSON.parse(s).access_token : null }
    const db = await idb();
    const rec = await new Promise(ok => { const g = db.transaction('firebaseLocalStorage').objectStore('firebaseLocalStorage').get(userKey); g.onsuccess = () => ok(g.result) });
    return rec ? rec.value.stsTokenManager.accessToken : null;
  },
  async set(tok) {
    if (keep === 'memory') { memory = tok; return }
    if (keep === 'sessionStorage') { sessionStorage.setItem('access_token', tok); return }
    if (keep === 'supabase') { localStorage.setItem('sb-fixture-auth-token', JSON.stringify({access_token: tok, token_type: 'bearer',
      expires_in: 3600, expires_at: Math.floor(Date.now() / 1000) + 3600, refresh_token: 'k3vq8p2xw9ab', user: {id: 'erin', email: 'erin@example.test'}})); return }
    const db = await idb();
    await new Promise(ok => { const tx = db.transaction('firebaseLocalStorage', 'readwrite');
      tx.objectStore('firebaseLocalStorage').put({fbase_key: userKey, value: {uid: 'erin', email: 'erin@example.test',
        apiKey: 'AIzaSyFixtureKeyNotASecret0123456789', authDomain: 'notes-fixture-project.firebaseapp.com', appName: '[DEFAULT]',
        stsTokenManager: {accessToken: tok, refreshToken: 'AMf-vBxFixtureRefreshToken0123456789abcdefABCDEF', expirationTime: Date.now() + 3600000}}});
      tx.oncomplete = ok });
  },
  async clear() {
    memory = null; sessionStorage.clear(); localStorage.removeItem('sb-fixture-auth-token');
    if (keep === 'indexedDB') { const db = await idb(); await new Promise(ok => { const tx = db.transaction('firebaseLocalStorage', 'readwrite'); tx.objectStore('firebaseLocalStorage').clear(); tx.oncomplete = ok }) }
  },
};
const app = document.getElementById('app');
function loginView() {
  app.innerHTML = '<h1>Welcome back</h1><div><input type="text" placeholder="you@company.com" autocomplete="username"><input type="password" placeholder="Password"><button>Continue</button><p class="error"></p></div>';
  const [email, pw] = app.querySelectorAll('input');
  app.querySelector('button').onclick = async () => {
    const r = await fetch('/api/auth', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email: email.value, password: pw.value})});
    if (!r.ok) { app.querySelector('.error').textContent = 'Invalid credentials'; return }
    await store.set((await r.json()).access_token);
    dashboard();
  };
}
async function dashboard() {
  const token = await store.get();
  const r = await fetch('/api/projects', {headers: {Authorization: 'Bearer ' + token}});
  const list = await r.json();
  app.innerHTML = '<h1>Your projects</h1><ul>' + list.map(p => '<li>' + p + '</li>').join('') + '</ul><button id="out">Sign out</button>';
  document.getElementById('out').onclick = async () => {
    await fetch('/api/signout', {method: 'POST', headers: {Authorization: 'Bearer ' + token}});
    await store.clear(); loginView() };
}
store.get().then(tok => tok ? dashboard() : loginView());`)
	})
	mux.HandleFunc("POST /api/auth", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&body)
		if body.Email != "erin@example.test" || body.Password != "spa-password-123" {
			http.Error(w, `{"error":"invalid"}`, http.StatusUnauthorized)
			return
		}
		if opaque != nil {
			tok := rand.Text()
			mu.Lock()
			issued[tok] = true
			mu.Unlock()
			answer := map[string]any{"access_token": tok, "token_type": "Bearer"}
			maps.Copy(answer, opaque)
			json.NewEncoder(w).Encode(answer)
			return
		}
		tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "erin", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString(secret)
		json.NewEncoder(w).Encode(map[string]string{"access_token": tok})
	})
	mux.HandleFunc("GET /api/projects", func(w http.ResponseWriter, r *http.Request) {
		raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mu.Lock()
		known := issued[raw]
		mu.Unlock()
		if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return secret, nil }, jwt.WithValidMethods([]string{"HS256"})); err != nil && !known {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		out := signedOut[raw]
		mu.Unlock()
		projects := []string{"Erin's roadmap", "Erin's budget"}
		switch {
		case !out || afterSignOut == "":
		case afterSignOut == "grown":
			projects = append(projects, "Erin's hiring plan, added since")
		default:
			code, _ := strconv.Atoi(afterSignOut)
			http.Error(w, `{"error":"`+http.StatusText(code)+`"}`, code)
			return
		}
		json.NewEncoder(w).Encode(projects)
	})
	mux.HandleFunc("POST /api/signout", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		signedOut[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] = true
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// spaTarget serves spaApp and returns a Target with its one account as A.
func spaTarget(t *testing.T, afterSignOut string) *audit.Target {
	return spaTargetKeeping(t, afterSignOut, "sessionStorage")
}

// spaTargetKeeping is spaTarget for spaAppKeeping.
func spaTargetKeeping(t *testing.T, afterSignOut, keep string) *audit.Target {
	return spaTargetOf(t, spaAppKeeping(t, afterSignOut, keep))
}

// spaTargetOf returns a Target for srv, one of the spaApp servers, with its one account as A.
func spaTargetOf(t *testing.T, srv *httptest.Server) *audit.Target {
	plan := &audit.Plan{App: srv.URL + "/", TLS: audit.TLS{Insecure: true},
		Accounts: audit.Accounts{A: &audit.Account{Email: "erin@example.test", PasswordEnv: "SPA_PW"}}}
	target, err := audit.NewTarget(plan, func(string) string { return "spa-password-123" })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	return target
}

func TestSessionChecksOnTokenSPA(t *testing.T) {
	browsertest.Bin(t)
	target := spaTarget(t, "")
	tests := []struct {
		name  string
		check func() audit.Result
		want  audit.Status
	}{
		{"bearer jwt in sessionStorage, no CSP", func() audit.Result { return TokenStorage(t.Context(), target) }, audit.Fail},
		{"jwt with a strong secret", func() audit.Result { return TokenStrength(t.Context(), target) }, audit.Pass},
		{"one-hour jwt", func() audit.Result { return Expiry(t.Context(), target) }, audit.Pass},
		{"no cookie to judge", func() audit.Result { return CookieFlags(t.Context(), target) }, audit.Inconclusive},
		{"stateless jwt survives sign-out", func() audit.Result { return LogoutInvalidates(t.Context(), target) }, audit.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check(); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

// An opaque token says nothing of its own end: session.expiry reads the lifetime the app declares beside it, in
// the login's answer (OAuth's expires_in, an expiry time) or in the record that keeps it, and says it cannot judge
// when the app declares none, rather than passing or failing a lifetime it never saw.
func TestExpiryOfAnOpaqueToken(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		name, keep string
		answer     map[string]any
		want       audit.Status
		summaryHas []string
	}{
		{"expires_in, one hour", "sessionStorage", map[string]any{"expires_in": 3600}, audit.Pass,
			[]string{`the token in sessionStorage "access_token" is declared valid for 1h0m0s (expires_in 3600)`}},
		{"expires_in, 90 days", "sessionStorage", map[string]any{"expires_in": 90 * 24 * 3600}, audit.Warn, []string{"declared valid for 90 days"}},
		{"an end time", "sessionStorage", map[string]any{"expiresAt": time.Now().Add(36 * time.Hour).UTC().Format(time.RFC3339)}, audit.Pass, []string{"declared valid for 3"}},
		{"nothing declared", "sessionStorage", map[string]any{}, audit.Inconclusive, []string{"the app states no lifetime for it"}},
		// Firebase-style: the record states the access token's end; its refresh token, which renews the session, has none.
		{"the record keeping it says, but a refresh token", "indexedDB", map[string]any{}, audit.Inconclusive,
			[]string{"accessToken is declared valid for ", "(expirationTime ", "refreshToken renews the session"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := spaTargetOf(t, spaAppAnswering(t, "", tt.keep, tt.answer))
			got := Expiry(t.Context(), target)
			if got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
			for _, has := range tt.summaryHas {
				if !strings.Contains(got.Summary, has) {
					t.Errorf("summary %q does not say %q", got.Summary, has)
				}
			}
		})
	}
}

// Supabase keeps its session as one localStorage entry of JSON: a one-hour JWT, and a refresh token beside it that
// renews it, whose lifetime the app does not state (supabase-js: none, unless the project time-boxes sessions).
// The JWT's hour is not the session's lifetime: expiry cannot pass on it.
func TestExpirySeesARefreshTokenInStoredJSON(t *testing.T) {
	browsertest.Bin(t)
	got := Expiry(t.Context(), spaTargetKeeping(t, "", "supabase"))
	for _, has := range []string{"valid for 1h0m0s", `the refresh token in localStorage "sb-fixture-auth-token", field refresh_token renews the session`} {
		if got.Status != audit.Inconclusive || !strings.Contains(got.Summary, has) {
			t.Errorf("got %s %q, want inconclusive saying %q", got.Status, got.Summary, has)
		}
	}
}

// Where an SPA keeps its token decides token-storage: IndexedDB (Firebase Auth's place for it) is as readable by
// an injected script as Web Storage, and passed when only Web Storage was read; a token kept in a variable of the
// script is in no storage. The Firebase-style record's token is found inside the record, and redacted.
func TestTokenStorageReadsIndexedDB(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		keep      string
		want      audit.Status
		summaryIs string
	}{
		{"indexedDB", audit.Fail, `IndexedDB firebaseLocalStorageDb › firebaseLocalStorage › "firebase:authUser:AIzaFixtureKey:[DEFAULT]", field value.stsTokenManager.accessToken holds the token the app sends in its Authorization header`},
		{"sessionStorage", audit.Fail, `sessionStorage "access_token" holds the token the app sends in its Authorization header`},
		{"memory", audit.Pass, "no session token in Web Storage or IndexedDB after login"},
	}
	for _, tt := range tests {
		t.Run(tt.keep, func(t *testing.T) {
			target := spaTargetKeeping(t, "", tt.keep)
			got := TokenStorage(t.Context(), target)
			if got.Status != tt.want || !strings.Contains(got.Summary, tt.summaryIs) {
				t.Errorf("got %s %q, want %s %q", got.Status, got.Summary, tt.want, tt.summaryIs)
			}
			// Firebase's record also holds its public API key and auth domain: neither is a session token.
			if strings.Contains(got.Summary, "apiKey") || strings.Contains(got.Summary, "authDomain") {
				t.Errorf("a field that is no token was taken for one: %q", got.Summary)
			}
			if tt.keep == "indexedDB" && !strings.Contains(got.Summary, "field value.stsTokenManager.refreshToken holds a") {
				t.Errorf("the refresh token beside the access token was not found: %q", got.Summary)
			}
			bs, err := target.BrowserSession(t.Context(), "a")
			if err != nil {
				t.Fatal(err)
			}
			if tok := probe.Credential(audit.AuthHeader(bs)); tok == "" || strings.Contains(target.Probe.Redactor().String("x "+tok), tok) {
				t.Errorf("the token the app sends is not redacted (%d characters)", len(tok))
			}
		})
	}
}

// Logging out ends the session only when the app refuses the old token afterwards, or answers it as it answers no
// session: a limit or a failing server after the logout, or a private answer that merely changed, decides nothing.
func TestLogoutJudgedByWhatTheOldTokenGets(t *testing.T) {
	browsertest.Bin(t)
	tests := []struct {
		afterSignOut string
		want         audit.Status
	}{
		{"401", audit.Pass},
		{"", audit.Fail},
		{"429", audit.Inconclusive},
		{"503", audit.Inconclusive},
		{"grown", audit.Inconclusive},
	}
	for _, tt := range tests {
		t.Run("after sign-out: "+cmp.Or(tt.afterSignOut, "still valid"), func(t *testing.T) {
			if got := LogoutInvalidates(t.Context(), spaTarget(t, tt.afterSignOut)); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}
