package testapps

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// trackerOrg is an organization of the Tracker app.
type trackerOrg struct{ id, name string }

// trackerProject is one project of an organization.
type trackerProject struct {
	id          int
	org         *trackerOrg
	name, notes string
	tasks       []string
}

type tracker struct {
	*site
	orgs     map[string]*trackerOrg // by lowercased account email
	projects []*trackerProject      // project id n is projects[n-1]
}

// Tracker starts a server-rendered multi-tenant project tracker (Rails/Django style, no JavaScript): each account
// belongs to an organization with two projects. The project list takes the organization's id in its query string,
// project pages are /projects/{integer id}. Flawed lists any organization's projects to any signed-in account and
// shows any project page to anyone, signed in or not; Fixed answers 404 to another organization's list or project
// and sends visitors to /login.
func Tracker(t testing.TB, mode Mode) *App {
	a := Account{"ava@tracker.test", "Ava-tracker-Pass-5521"}
	b := Account{"ben@tracker.test", "Ben-tracker-Pass-7734"}
	type seed struct {
		name, budget, codename, more string
		tasks                        []string
	}
	accounts := []struct {
		acc       Account
		name, org string
		projects  [2]seed
	}{
		{a, "Ava Lindqvist", "Northwind Labs", [2]seed{
			{"Northwind Q3 roadmap", "48,200 EUR", "Bluebird", "Launch is gated on the Fjordline contract renewal.",
				[]string{"Draft pricing tiers", "Review churn cohort", "Book the launch venue"}},
			{"Northwind vendor audit", "12,750 EUR", "Kestrel", "Shortlist: Polar Logistics and Aalto Freight.",
				[]string{"Collect SOC 2 reports", "Score the shortlist"}},
		}},
		{b, "Ben Okoro", "Globex Studio", [2]seed{
			{"Globex rebrand", "96,000 USD", "Marigold", "The agency retainer with Studio Vell ends in November.",
				[]string{"Pick the final logo", "Brief the agency"}},
			{"Globex hiring plan", "310,000 USD", "Osprey", "Two senior designers and one staff engineer by March.",
				[]string{"Open the staff engineer role", "Line up recruiters", "Set interview loops"}},
		}},
	}
	tr := &tracker{orgs: map[string]*trackerOrg{}}
	tr.site = &site{mode: mode, brand: "Tracker", cookie: "_tracker_session", users: &users{byEmail: map[string]*user{}},
		sessions: newSessions[formSession](), login: newLimiter(mode), nav: func(email string) string {
			return `<a href="` + tr.listURL(tr.orgs[strings.ToLower(email)]) + `">Projects</a>`
		}}
	private := map[string][]string{}
	for _, ac := range accounts {
		tr.users.add(ac.acc.Email, ac.acc.Password, ac.name)
		org := &trackerOrg{uuid.NewString(), ac.org}
		tr.orgs[strings.ToLower(ac.acc.Email)] = org
		for _, p := range ac.projects {
			code := p.codename + "-" + randHex(2)
			tr.projects = append(tr.projects, &trackerProject{id: len(tr.projects) + 1, org: org, name: p.name,
				notes: fmt.Sprintf("Budget %s, codename %s. %s", p.budget, code, p.more), tasks: p.tasks})
			private[ac.acc.Email] = append(private[ac.acc.Email], code, p.budget)
		}
	}
	mux := http.NewServeMux()
	tr.routes(mux)
	mux.HandleFunc("GET /{$}", tr.dashboard)
	mux.HandleFunc("GET /projects", tr.list)
	mux.HandleFunc("GET /projects/{id}", tr.project)
	app := start(t, "tracker", a, b, mux)
	app.Private = private
	return app
}

// listURL is the first page of an organization's project list.
func (tr *tracker) listURL(org *trackerOrg) string {
	return "/projects?org=" + org.id + "&page=1&per_page=20"
}

func (tr *tracker) dashboard(w http.ResponseWriter, r *http.Request) {
	fs, ok := tr.signedIn(w, r)
	if !ok {
		return
	}
	org := tr.orgs[strings.ToLower(fs.email)]
	tr.render(w, http.StatusOK, "Dashboard", fs, fmt.Sprintf(`<h1>Welcome back, %s</h1>
<p>Org: %s</p>
<p><a href="%s">Your projects</a></p>`, esc(firstName(tr.users.get(fs.email).name)), esc(org.name), tr.listURL(org)))
}

// list is the project list of the organization the org parameter names, paginated by page and per_page.
func (tr *tracker) list(w http.ResponseWriter, r *http.Request) {
	fs, ok := tr.signedIn(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	var org *trackerOrg
	for _, o := range tr.orgs {
		if o.id == q.Get("org") {
			org = o
		}
	}
	// Flawed: any signed-in account may list any organization it knows the id of.
	if org == nil || tr.mode == Fixed && org != tr.orgs[strings.ToLower(fs.email)] {
		tr.notFound(w, fs)
		return
	}
	var all []*trackerProject
	for _, p := range tr.projects {
		if p.org == org {
			all = append(all, p)
		}
	}
	page, _ := strconv.Atoi(q.Get("page"))
	per, _ := strconv.Atoi(q.Get("per_page"))
	page, per = max(page, 1), min(max(per, 1), 100)
	pages := max((len(all)+per-1)/per, 1)
	var b strings.Builder
	fmt.Fprintf(&b, "<h1>Projects</h1>\n<p>Org: %s</p>\n<ul class=\"projects\">\n", esc(org.name))
	if page <= pages {
		for _, p := range all[(page-1)*per : min(page*per, len(all))] {
			fmt.Fprintf(&b, "<li><a href=\"/projects/%d\">%s</a></li>\n", p.id, esc(p.name))
		}
	}
	fmt.Fprintf(&b, "</ul>\n<p class=\"pagination\">Page %d of %d · %d per page</p>", page, pages, per)
	tr.render(w, http.StatusOK, "Projects", fs, b.String())
}

// project is a project page.
func (tr *tracker) project(w http.ResponseWriter, r *http.Request) {
	fs, signed := tr.account(r)
	var p *trackerProject
	if id, err := strconv.Atoi(r.PathValue("id")); err == nil && id >= 1 && id <= len(tr.projects) {
		p = tr.projects[id-1]
	}
	// Flawed: no check at all, like a controller that forgot its before_action.
	if tr.mode == Fixed {
		if !signed {
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		if p != nil && p.org != tr.orgs[strings.ToLower(fs.email)] {
			p = nil
		}
	}
	if p == nil {
		tr.notFound(w, fs)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<h1>%s</h1>\n<p>Org: %s</p>\n<p class=\"notes\">%s</p>\n<h2>Tasks</h2>\n<ul class=\"tasks\">\n", esc(p.name), esc(p.org.name), esc(p.notes))
	for _, task := range p.tasks {
		fmt.Fprintf(&b, "<li>%s</li>\n", esc(task))
	}
	fmt.Fprintf(&b, "</ul>\n<p><a href=\"%s\">All projects</a></p>", tr.listURL(p.org))
	tr.render(w, http.StatusOK, p.name, fs, b.String())
}
