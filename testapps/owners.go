package testapps

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// ownedRepo is one private repository of the Owners app, with its issues (numbered from 1 in each repository).
type ownedRepo struct {
	owner, slug, name string // owner's email, the owner's name in the path, the repository's name in the path
	readme            string
	issues            []string
}

type owners struct {
	*site
	repos     []ownedRepo
	directory bool
}

// Owners starts a server-rendered code forge of Gitea's shape: every object's address is made of its owner's name
// and its repository's name, words rather than IDs (/iris/acquisition-notes/issues/1), and issue numbers start
// at 1 in each repository, so the two accounts' pages share no route. In Flawed mode any signed-in account reads
// any private repository; Fixed answers 404 to any account but the owner.
func Owners(t testing.TB, mode Mode) *App { return startOwners(t, mode, false) }

// OwnersWithDirectory is Owners with a public directory of its users linked from every dashboard (Gitea's
// /explore/users): each account's pages then name the other's owner word.
func OwnersWithDirectory(t testing.TB, mode Mode) *App { return startOwners(t, mode, true) }

func startOwners(t testing.TB, mode Mode, directory bool) *App {
	a := Account{"iris@owners.test", "Iris-owners-Pass-4471"}
	b := Account{"jack@owners.test", "Jack-owners-Pass-8830"}
	o := &owners{directory: directory}
	o.site = &site{mode: mode, brand: "Forge", cookie: "_forge_session", users: &users{byEmail: map[string]*user{}},
		sessions: newSessions[formSession](), login: newLimiter(mode), nav: func(string) string { return `<a href="/">Dashboard</a>` }}
	o.users.add(a.Email, a.Password, "Iris Moreau")
	o.users.add(b.Email, b.Password, "Jack Turner")
	code := func(prefix string) string { return prefix + randHex(3) }
	irisCode, jackCode := code("HC-TS-"), code("VR-")
	o.repos = []ownedRepo{
		{a.Email, "iris", "acquisition-notes", "Term sheet from Halvorsen Capital, reference " + irisCode + ".",
			[]string{"Dataroom access for Halvorsen Capital", "Redact the cap table"}},
		{b.Email, "jack", "visa-renewal", "Consulate booking code " + jackCode + ", letter from Brennan Lowe.",
			[]string{"Employment letter from Brennan Lowe", "Translate the birth certificate"}},
	}
	mux := http.NewServeMux()
	o.routes(mux)
	mux.HandleFunc("GET /{$}", o.dashboard)
	mux.HandleFunc("GET /explore/users", o.explore)
	mux.HandleFunc("GET /{owner}", o.profile)
	mux.HandleFunc("GET /{owner}/{repo}", o.repo)
	mux.HandleFunc("GET /{owner}/{repo}/issues/{n}", o.issue)
	app := start(t, "owners", a, b, mux)
	app.Private = map[string][]string{a.Email: {irisCode, "Halvorsen Capital"}, b.Email: {jackCode, "Brennan Lowe"}}
	return app
}

// dashboard lists the signed-in account's repositories.
func (o *owners) dashboard(w http.ResponseWriter, r *http.Request) {
	fs, ok := o.signedIn(w, r)
	if !ok {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<h1>Welcome back, %s</h1>\n<ul class=\"repos\">\n", esc(firstName(o.users.get(fs.email).name)))
	for _, rp := range o.repos {
		if rp.owner == fs.email {
			fmt.Fprintf(&b, "<li><a href=\"/%s/%s\">%s/%s</a></li>\n", rp.slug, rp.name, rp.slug, rp.name)
		}
	}
	b.WriteString("</ul>")
	if o.directory {
		b.WriteString(`<p><a href="/explore/users">All users</a></p>`)
	}
	o.render(w, http.StatusOK, "Dashboard", fs, b.String())
}

// explore lists every user, with a link to each one's profile.
func (o *owners) explore(w http.ResponseWriter, r *http.Request) {
	fs, ok := o.signedIn(w, r)
	if !ok {
		return
	}
	var b strings.Builder
	b.WriteString("<h1>Users</h1>\n<ul class=\"users\">\n")
	for _, rp := range o.repos {
		fmt.Fprintf(&b, "<li><a href=\"/%s\">%s</a></li>\n", rp.slug, rp.slug)
	}
	b.WriteString("</ul>")
	o.render(w, http.StatusOK, "Users", fs, b.String())
}

// profile is a user's public page: the name only.
func (o *owners) profile(w http.ResponseWriter, r *http.Request) {
	fs, ok := o.signedIn(w, r)
	if !ok {
		return
	}
	for _, rp := range o.repos {
		if rp.slug == r.PathValue("owner") {
			o.render(w, http.StatusOK, rp.slug, fs, "<h1>"+esc(rp.slug)+"</h1>")
			return
		}
	}
	o.notFound(w, fs)
}

// find returns the repository the path names, if the signed-in account may read it.
func (o *owners) find(w http.ResponseWriter, r *http.Request) (*ownedRepo, formSession, bool) {
	fs, ok := o.signedIn(w, r)
	if !ok {
		return nil, fs, false
	}
	for i, rp := range o.repos {
		if rp.slug == r.PathValue("owner") && rp.name == r.PathValue("repo") && (rp.owner == fs.email || o.mode == Flawed) {
			return &o.repos[i], fs, true
		}
	}
	o.notFound(w, fs)
	return nil, fs, false
}

func (o *owners) repo(w http.ResponseWriter, r *http.Request) {
	rp, fs, ok := o.find(w, r)
	if !ok {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<h1>%s/%s</h1>\n<p class=\"readme\">%s</p>\n<ul class=\"issues\">\n", rp.slug, rp.name, esc(rp.readme))
	for i, title := range rp.issues {
		fmt.Fprintf(&b, "<li><a href=\"/%s/%s/issues/%d\">%s</a></li>\n", rp.slug, rp.name, i+1, esc(title))
	}
	b.WriteString("</ul>")
	o.render(w, http.StatusOK, rp.slug+"/"+rp.name, fs, b.String())
}

func (o *owners) issue(w http.ResponseWriter, r *http.Request) {
	rp, fs, ok := o.find(w, r)
	if !ok {
		return
	}
	var n int
	if _, err := fmt.Sscan(r.PathValue("n"), &n); err != nil || n < 1 || n > len(rp.issues) {
		o.notFound(w, fs)
		return
	}
	o.render(w, http.StatusOK, rp.issues[n-1], fs, fmt.Sprintf(`<h1>%s</h1>
<p class="issue-body">Opened by %s about %s.</p>
<p><a href="/%s/%s">Back to the repository</a></p>`, esc(rp.issues[n-1]), esc(rp.slug), esc(rp.readme), rp.slug, rp.name))
}
