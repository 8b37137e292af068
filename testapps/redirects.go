package testapps

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// note is one private note of the Redirects app.
type note struct{ id, owner, title, body string }

type redirects struct {
	*site
	notes []note
}

// Redirects starts a server-rendered notes app with the "execution after redirect" bug: in Flawed mode the note
// list and note pages send a visitor, and a note page another account, a 302 to /login but go on to write the
// whole page, private text included, into the redirect's body. Fixed redirects anonymous visitors to /login with
// Go's short body and other accounts to /notes with an empty one. Note ids are random 12-hex strings.
func Redirects(t testing.TB, mode Mode) *App {
	a := Account{"iris@redirects.test", "Iris-redir-Pass-1187"}
	b := Account{"jack@redirects.test", "Jack-redir-Pass-9902"}
	type seed struct{ title, body, code, phrase string } // body has a %s for code, and contains phrase
	accounts := []struct {
		acc   Account
		name  string
		notes [2]seed
	}{
		{a, "Iris Moreau", [2]seed{
			{"Acquisition talks", "Term sheet draft from Halvorsen Capital: 2.1M USD at a 14M pre-money valuation, reference %s. Keep it out of the all-hands deck until it is signed.", "HC-TS-", "Halvorsen Capital"},
			{"Team offsite", "Villa Sorrento is booked for 14-16 May, deposit receipt %s. Dietary list still missing from two people.", "VS-88213-", "Villa Sorrento"},
		}},
		{b, "Jack Turner", [2]seed{
			{"Visa renewal", "Consulate appointment on 3 June, booking code %s. Bring the employment letter from Brennan Lowe.", "VR-", "Brennan Lowe"},
			{"Salary review", "Proposed band L5 for Dana Whitfield at 142,000 EUR, retention bonus ref %s.", "RB-", "Dana Whitfield"},
		}},
	}
	rd := &redirects{}
	rd.site = &site{mode: mode, brand: "Notebook", cookie: "_notebook_session", users: &users{byEmail: map[string]*user{}},
		sessions: newSessions[formSession](), login: newLimiter(mode), nav: func(string) string { return `<a href="/notes">Notes</a>` }}
	private := map[string][]string{}
	for _, ac := range accounts {
		rd.users.add(ac.acc.Email, ac.acc.Password, ac.name)
		for _, n := range ac.notes {
			code := n.code + randHex(3)
			rd.notes = append(rd.notes, note{noteID(), ac.acc.Email, n.title, fmt.Sprintf(n.body, code)})
			private[ac.acc.Email] = append(private[ac.acc.Email], code, n.phrase)
		}
	}
	mux := http.NewServeMux()
	rd.routes(mux)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fs, ok := rd.signedIn(w, r)
		if !ok {
			return
		}
		rd.render(w, http.StatusOK, "Home", fs, fmt.Sprintf(`<h1>Welcome back, %s</h1>
<p><a href="/notes">Your notes</a></p>`, esc(firstName(rd.users.get(fs.email).name))))
	})
	mux.HandleFunc("GET /notes", rd.list)
	mux.HandleFunc("GET /notes/{id}", rd.note)
	app := start(t, "redirects", a, b, mux)
	app.Private = private
	return app
}

// noteID is 12 random hex characters with at least one letter and one digit.
func noteID() string {
	for {
		if id := randHex(6); strings.ContainsAny(id, "abcdef") && strings.ContainsAny(id, "0123456789") {
			return id
		}
	}
}

// list is the signed-in account's notes with their first lines.
func (rd *redirects) list(w http.ResponseWriter, r *http.Request) {
	fs, signed := rd.account(r)
	status := http.StatusOK
	if !signed {
		if rd.mode == Fixed {
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		// Flawed: the redirect is sent but the handler runs on, and with no account to scope by it lists every note.
		w.Header().Set("Location", "/login")
		status = http.StatusFound
	}
	var b strings.Builder
	b.WriteString("<h1>Notes</h1>\n<ul class=\"notes\">\n")
	for _, n := range rd.notes {
		if !signed || n.owner == fs.email {
			fmt.Fprintf(&b, "<li><a href=\"/notes/%s\">%s</a></li>\n", n.id, esc(n.title))
		}
	}
	b.WriteString("</ul>")
	rd.render(w, status, "Notes", fs, b.String())
}

// note is a note page.
func (rd *redirects) note(w http.ResponseWriter, r *http.Request) {
	fs, signed := rd.account(r)
	var n *note
	for i := range rd.notes {
		if rd.notes[i].id == r.PathValue("id") {
			n = &rd.notes[i]
		}
	}
	status := http.StatusOK
	switch {
	case rd.mode == Fixed && !signed:
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	case rd.mode == Fixed && (n == nil || n.owner != fs.email):
		w.Header().Set("Location", "/notes")
		w.WriteHeader(http.StatusFound)
		return
	case n == nil:
		rd.notFound(w, fs)
		return
	case !signed || n.owner != fs.email:
		// Flawed: the redirect is sent but the handler runs on and writes the page below into its body.
		w.Header().Set("Location", "/login")
		status = http.StatusFound
	}
	rd.render(w, status, n.title, fs, fmt.Sprintf(`<h1>%s</h1>
<p class="note-body">%s</p>
<p><a href="/notes">All notes</a></p>`, esc(n.title), esc(n.body)))
}
