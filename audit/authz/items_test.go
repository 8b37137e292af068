package authz

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser/browsertest"
)

// notesApp is a single-page app whose only list, GET /api/notes ({"data": [...]}, the account's own notes), is drawn
// as table rows with click handlers: no link, no request, names a note by its ID until a row is clicked. GET
// /api/notes/{id} serves any note to any signed-in account when broken, only the owner's otherwise (403, as
// Directus answers).
func notesApp(t *testing.T, broken bool) (*httptest.Server, map[string]string) {
	passwords := map[string]string{"gail@notes.test": "gail-pass-314", "hank@notes.test": "hank-pass-271"}
	type note struct {
		ID          int    `json:"id"`
		Owner       string `json:"-"`
		Title, Body string
	}
	notes := []note{{1, "gail@notes.test", "Gail's ledger", "Gail private ledger 4411"}, {2, "hank@notes.test", "Hank's notes", "Hank secret notes 7732"}}
	tokens := map[string]string{"tok-gail-0123456789abcdef": "gail@notes.test", "tok-hank-0123456789abcdef": "hank@notes.test"}
	caller := func(r *http.Request) (string, bool) {
		who, ok := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		return who, ok
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>Notes</title><main id="root"></main><script>
const root = document.getElementById('root');
const api = p => fetch(p, {headers: {Authorization: 'Bearer ' + localStorage.getItem('token')}}).then(r => r.json());
function login() {
  root.innerHTML = '<form><input type="email" id="e" placeholder="Email"><input type="password" id="p" placeholder="Password"><button>Sign in</button></form>';
  root.querySelector('form').onsubmit = async ev => {
    ev.preventDefault();
    const r = await fetch('/api/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({email: e.value, password: p.value})});
    if (r.ok) { localStorage.setItem('token', (await r.json()).token); app(); }
  };
}
async function app() {
  const list = (await api('/api/notes')).data;
  root.innerHTML = '<table><tbody>' + list.map(n => '<tr style="cursor:pointer" data-id="' + n.id + '"><td>' + n.title + '</td></tr>').join('') + '</tbody></table>';
  root.querySelectorAll('tr').forEach(tr => tr.onclick = async () => { const n = await api('/api/notes/' + tr.dataset.id); root.innerHTML = '<p>' + n.body + '</p>' });
}
localStorage.getItem('token') ? app() : login();
</script>`)
	})
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&body)
		if passwords[body.Email] == "" || passwords[body.Email] != body.Password {
			http.Error(w, `{"error":"invalid"}`, http.StatusUnauthorized)
			return
		}
		for tok, who := range tokens {
			if who == body.Email {
				json.NewEncoder(w).Encode(map[string]string{"token": tok})
			}
		}
	})
	mux.HandleFunc("GET /api/notes", func(w http.ResponseWriter, r *http.Request) {
		who, ok := caller(r)
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		mine := []note{}
		for _, n := range notes {
			if n.Owner == who {
				mine = append(mine, n)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": mine})
	})
	mux.HandleFunc("GET /api/notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		who, ok := caller(r)
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		id, _ := strconv.Atoi(r.PathValue("id"))
		for _, n := range notes {
			if n.ID == id && (broken || n.Owner == who) {
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(n)
				return
			}
		}
		http.Error(w, `{"errors":[{"message":"You don't have permission to access this."}]}`, http.StatusForbidden)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, passwords
}

// A list drawn as rows with click handlers names its objects only in its answer: the ID swap follows each list to
// its first item, as the account (GET /api/notes/1 after GET /api/notes), and judges the item. The same app with
// the item served to any account fails, and passes when the item is the owner's alone; the list itself, the same
// for anyone asking with their own session, decided nothing before.
func TestIDSwapFollowsAListToItsItems(t *testing.T) {
	browsertest.Bin(t)
	for _, broken := range []bool{true, false} {
		t.Run(fmt.Sprintf("broken=%v", broken), func(t *testing.T) {
			srv, pw := notesApp(t, broken)
			plan := &audit.Plan{App: srv.URL + "/", Accounts: audit.Accounts{
				A: &audit.Account{Email: "gail@notes.test", PasswordEnv: "A"}, B: &audit.Account{Email: "hank@notes.test", PasswordEnv: "B"}}}
			target, err := audit.NewTarget(plan, func(k string) string {
				return map[string]string{"A": pw["gail@notes.test"], "B": pw["hank@notes.test"]}[k]
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(target.Close)
			want := audit.Pass
			if broken {
				want = audit.Fail
			}
			for name, check := range map[string]checkFunc{"idor-read": IDORRead, "id-swap-params": IDSwapParams} {
				got := check(t.Context(), target)
				if got.Status != want || (broken && !strings.Contains(got.Summary, "GET /api/notes/{id}")) {
					t.Errorf("%s: %s %q, want %s", name, got.Status, got.Summary, want)
				}
			}
		})
	}
}
