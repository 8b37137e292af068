package testapps

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestIDSwap replays A's object requests as B and without credentials: Flawed answers them with A's private values,
// Fixed never does.
func TestIDSwap(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func(testing.TB, Mode) *App
		swap func(*testing.T, *App, Mode)
	}{
		{"tracker", Tracker, swapTracker},
		{"graphql", GraphQL, swapGraphQL},
		{"redirects", Redirects, swapRedirects},
	} {
		for _, mode := range []Mode{Flawed, Fixed} {
			t.Run(tc.name+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				app := tc.new(t, mode)
				if app.Name != tc.name || !strings.HasPrefix(app.URL, "https://127.0.0.1:") {
					t.Fatalf("app %q at %q", app.Name, app.URL)
				}
				for _, acc := range []Account{app.A, app.B} {
					if len(app.Private[acc.Email]) < 2 {
						t.Fatalf("private values of %s: %q", acc.Email, app.Private[acc.Email])
					}
					for _, v := range app.Private[acc.Email] {
						if len(v) < 8 {
							t.Errorf("private value %q of %s is shorter than 8", v, acc.Email)
						}
					}
				}
				if (app.Mutations != nil) != (tc.name == "graphql") {
					t.Errorf("Mutations set: %v", app.Mutations != nil)
				}
				tc.swap(t, app, mode)
			})
		}
	}
}

// found returns the values that occur in body.
func found(body string, values []string) []string {
	var out []string
	for _, v := range values {
		if strings.Contains(body, v) {
			out = append(out, v)
		}
	}
	return out
}

// ownData checks that each account's own pages or answers hold all of its private values and none of the other's.
func ownData(t *testing.T, app *App, seen map[string]string) {
	t.Helper()
	for _, acc := range [][2]Account{{app.A, app.B}, {app.B, app.A}} {
		own, other := app.Private[acc[0].Email], app.Private[acc[1].Email]
		if got := found(seen[acc[0].Email], own); len(got) != len(own) {
			t.Errorf("%s's own data shows %q of %q", acc[0].Email, got, own)
		}
		if got := found(seen[acc[0].Email], other); len(got) > 0 {
			t.Errorf("%s's own data shows %q of %s", acc[0].Email, got, acc[1].Email)
		}
	}
}

// ownClient is newClient with an http.Client of its own: app.Server.Client() is one shared value, so newClient's
// clients all use the jar of the latest one, and B's cookies must not be swapped for a visitor's.
func ownClient(t *testing.T, app *App) *client {
	c := newClient(t, app)
	hc := *c.c
	c.c = &hc
	return c
}

// formLogin signs acc in through the login form (after one wrong password) and returns its client.
func formLogin(t *testing.T, app *App, acc Account) *client {
	t.Helper()
	c := ownClient(t, app)
	c.page("/login", hiddenToken)
	post := func(password string) (int, string, *http.Response) {
		return c.do("POST", "/login", "application/x-www-form-urlencoded",
			[]byte(url.Values{"authenticity_token": {c.csrf}, "email": {acc.Email}, "password": {password}}.Encode()))
	}
	if st, body, _ := post("wrong-password"); st != 200 || !strings.Contains(body, "Invalid email or password") {
		t.Fatalf("wrong password: %d %s", st, body)
	}
	if st, body, resp := post(acc.Password); st != 303 || resp.Header.Get("Location") != "/" {
		t.Fatalf("%s's login: %d %s", acc.Email, st, body)
	}
	return c
}

// get fetches path and fails unless the answer is 200 with text/html (text/javascript for a .js path).
func get(t *testing.T, c *client, path string) string {
	t.Helper()
	want := "text/html; charset=utf-8"
	if strings.HasSuffix(path, ".js") {
		want = "text/javascript; charset=utf-8"
	}
	st, body, resp := c.do("GET", path, "", nil)
	if st != 200 || resp.Header.Get("Content-Type") != want {
		t.Fatalf("GET %s: %d %q %s", path, st, resp.Header.Get("Content-Type"), body)
	}
	return body
}

func swapTracker(t *testing.T, app *App, mode Mode) {
	listLink := regexp.MustCompile(`<a href="(/projects\?org=[0-9a-f-]{36}&page=1&per_page=20)">Your projects</a>`)
	projectLink := regexp.MustCompile(`<a href="(/projects/\d+)">`)
	seen, lists, projects := map[string]string{}, map[string]string{}, map[string][]string{}
	for _, acc := range []Account{app.A, app.B} {
		c := formLogin(t, app, acc)
		m := listLink.FindStringSubmatch(get(t, c, "/"))
		if m == nil {
			t.Fatalf("no project list link on %s's dashboard", acc.Email)
		}
		lists[acc.Email] = m[1]
		for _, l := range projectLink.FindAllStringSubmatch(get(t, c, m[1]), -1) {
			projects[acc.Email] = append(projects[acc.Email], l[1])
			seen[acc.Email] += get(t, c, l[1])
		}
		seen[acc.Email] += get(t, c, "/settings")
	}
	if got := strings.Join(append(projects[app.A.Email], projects[app.B.Email]...), " "); got != "/projects/1 /projects/2 /projects/3 /projects/4" {
		t.Errorf("project pages: %s", got)
	}
	ownData(t, app, seen)

	b, anon := formLogin(t, app, app.B), ownClient(t, app)
	private := app.Private[app.A.Email]
	// B lists A's organization.
	st, body, _ := b.do("GET", lists[app.A.Email], "", nil)
	switch {
	case mode == Flawed && (st != 200 || !strings.Contains(body, `<a href="/projects/1">`)):
		t.Errorf("Flawed, B lists A's org: %d %s", st, body)
	case mode == Fixed && (st != 404 || !strings.Contains(body, "Not found") || strings.Contains(body, `<a href="/projects/1">`)):
		t.Errorf("Fixed, B lists A's org: %d %s", st, body)
	}
	if st, _, resp := anon.do("GET", lists[app.A.Email], "", nil); st != 302 || resp.Header.Get("Location") != "/login" {
		t.Errorf("anonymous list: %d to %q", st, resp.Header.Get("Location"))
	}
	// B and a visitor open A's projects.
	for _, path := range projects[app.A.Email] {
		st, body, _ := b.do("GET", path, "", nil)
		leaked := found(body, private)
		switch {
		case mode == Flawed && (st != 200 || len(leaked) < 2):
			t.Errorf("Flawed, B opens %s: %d, leaks %q", path, st, leaked)
		case mode == Fixed && (st != 404 || !strings.Contains(body, "<h1>Not found</h1>") || len(leaked) > 0):
			t.Errorf("Fixed, B opens %s: %d, leaks %q", path, st, leaked)
		}
		st, body, resp := anon.do("GET", path, "", nil)
		leaked = found(body, private)
		switch {
		case mode == Flawed && (st != 200 || len(leaked) < 2 || !strings.Contains(body, `<a href="/login">Sign in</a>`)):
			t.Errorf("Flawed, anonymous %s: %d, leaks %q", path, st, leaked)
		case mode == Fixed && (st != 302 || resp.Header.Get("Location") != "/login" || len(leaked) > 0):
			t.Errorf("Fixed, anonymous %s: %d to %q, leaks %q", path, st, resp.Header.Get("Location"), leaked)
		}
	}
}

// gqlResult is a GraphQL answer.
type gqlResult struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct{ Message string } `json:"errors"`
}

// gqlPost sends one operation with token (none when empty) and User-Agent ua (Go's when empty).
func gqlPost(t *testing.T, c *client, token, ua, operationName, query string, variables map[string]any) (int, string, gqlResult) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": operationName, "variables": variables})
	hdr := []string{"Origin", strings.TrimSuffix(c.app.URL, "/")}
	if token != "" {
		hdr = append(hdr, "Authorization", "Bearer "+token)
	}
	if ua != "" {
		hdr = append(hdr, "User-Agent", ua)
	}
	st, out, resp := c.do("POST", "/graphql", "application/json", body, hdr...)
	var res gqlResult
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("%s: %d %q %s", operationName, st, resp.Header.Get("Content-Type"), out)
	}
	return st, out, res
}

const (
	viewerQuery   = `query Viewer { viewer { id email name org { id name } } }`
	orgQuery      = `query Org($id: ID!) { org(id: $id) { id name members { name email } invoices { id number } } }`
	invoiceQuery  = `query Invoice($id: ID!) { invoice(id: $id) { id number amount customer notes } }`
	markSeenQuery = `mutation MarkSeen($id: ID!) { markSeen(invoiceId: $id) { id seenAt } }`
	chromeUA      = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"
)

func swapGraphQL(t *testing.T, app *App, mode Mode) {
	c := ownClient(t, app)
	if body := get(t, c, "/"); !strings.Contains(body, `<script src="/app.js">`) {
		t.Fatalf("shell: %s", body)
	}
	script := get(t, c, "/app.js")
	for _, q := range []string{viewerQuery, orgQuery, invoiceQuery, markSeenQuery, "'/api/login'", "<form>"} {
		if !strings.Contains(script, q) {
			t.Errorf("app.js lacks %s", q)
		}
	}
	if st, body, _ := c.do("POST", "/api/login", "application/json", jsonBody(app.A.Email, "wrong-password")); st != 401 || !jsonFailed(st, body) {
		t.Errorf("wrong password: %d %s", st, body)
	}

	// The API refuses an operation without the app's Origin, as a browser's page sends it.
	noOrigin, _ := json.Marshal(map[string]any{"query": viewerQuery, "operationName": "Viewer"})
	if st, body, _ := c.do("POST", "/graphql", "application/json", noOrigin); st != 403 {
		t.Errorf("an operation without Origin: %d %s, want 403", st, body)
	}

	tokens, orgs, invoices, seen := map[string]string{}, map[string]string{}, map[string][]string{}, map[string]string{}
	for _, acc := range []Account{app.A, app.B} {
		st, body, _ := c.do("POST", "/api/login", "application/json", jsonBody(acc.Email, acc.Password))
		var login struct{ Token string }
		if json.Unmarshal([]byte(body), &login) != nil || st != 200 || login.Token == "" {
			t.Fatalf("%s's login: %d %s", acc.Email, st, body)
		}
		tok := login.Token
		tokens[acc.Email] = tok
		_, out, res := gqlPost(t, c, tok, "", "Viewer", viewerQuery, nil)
		var viewer struct {
			Email string
			Org   struct{ ID string }
		}
		if json.Unmarshal(res.Data["viewer"], &viewer) != nil || viewer.Email != acc.Email || len(viewer.Org.ID) != 36 {
			t.Fatalf("%s's viewer: %s", acc.Email, out)
		}
		orgs[acc.Email] = viewer.Org.ID
		_, out, res = gqlPost(t, c, tok, "", "Org", orgQuery, map[string]any{"id": viewer.Org.ID})
		seen[acc.Email] += out
		var org struct {
			Members  []struct{ Email string }
			Invoices []struct{ ID string }
		}
		if json.Unmarshal(res.Data["org"], &org) != nil || len(org.Members) != 2 || len(org.Invoices) != 2 {
			t.Fatalf("%s's org: %s", acc.Email, out)
		}
		for _, inv := range org.Invoices {
			invoices[acc.Email] = append(invoices[acc.Email], inv.ID)
			_, out, res = gqlPost(t, c, tok, "", "Invoice", invoiceQuery, map[string]any{"id": inv.ID})
			if len(res.Errors) > 0 || string(res.Data["invoice"]) == "null" {
				t.Fatalf("%s's invoice: %s", acc.Email, out)
			}
			seen[acc.Email] += out
		}
	}
	ownData(t, app, seen)

	// Only mutation operations count, by User-Agent.
	mutations := func(wantBrowser, wantOther int) {
		t.Helper()
		if br, other := app.Mutations(); br != wantBrowser || other != wantOther {
			t.Errorf("mutations: browser %d, other %d; want %d, %d", br, other, wantBrowser, wantOther)
		}
	}
	mutations(0, 0)
	aInv := invoices[app.A.Email][0]
	_, out, res := gqlPost(t, c, tokens[app.A.Email], "", "MarkSeen", markSeenQuery, map[string]any{"id": aInv})
	if !strings.Contains(out, `"seenAt":"20`) || len(res.Errors) > 0 {
		t.Errorf("A marks an invoice seen: %s", out)
	}
	mutations(0, 1)
	gqlPost(t, c, tokens[app.A.Email], chromeUA, "MarkSeen", markSeenQuery, map[string]any{"id": aInv})
	mutations(1, 1)
	both := viewerQuery + "\n" + markSeenQuery
	gqlPost(t, c, tokens[app.A.Email], "", "Viewer", both, map[string]any{"id": aInv})
	mutations(1, 1)
	gqlPost(t, c, tokens[app.A.Email], "", "MarkSeen", both, map[string]any{"id": aInv})
	mutations(1, 2)
	// B cannot mark A's invoice in either mode.
	if _, out, _ := gqlPost(t, c, tokens[app.B.Email], "", "MarkSeen", markSeenQuery, map[string]any{"id": aInv}); !strings.Contains(out, `"message":"not found"`) {
		t.Errorf("B marks A's invoice seen: %s", out)
	}
	mutations(1, 3)

	// B and a visitor ask for A's organization and invoices.
	private := app.Private[app.A.Email]
	asks := [][2]string{{"Org", orgs[app.A.Email]}}
	for _, id := range invoices[app.A.Email] {
		asks = append(asks, [2]string{"Invoice", id})
	}
	for _, ask := range asks {
		query := map[string]string{"Org": orgQuery, "Invoice": invoiceQuery}[ask[0]]
		field := strings.ToLower(ask[0])
		st, out, res := gqlPost(t, c, tokens[app.B.Email], "", ask[0], query, map[string]any{"id": ask[1]})
		leaked := found(out, private)
		switch {
		case mode == Flawed && (st != 200 || len(leaked) < 2):
			t.Errorf("Flawed, B asks %s %s: %d, leaks %q: %s", ask[0], ask[1], st, leaked, out)
		case mode == Fixed && (st != 200 || len(leaked) > 0 || string(res.Data[field]) != "null" || len(res.Errors) != 1 || !strings.HasSuffix(res.Errors[0].Message, "not found")):
			t.Errorf("Fixed, B asks %s %s: %d, leaks %q: %s", ask[0], ask[1], st, leaked, out)
		}
		st, out, _ = gqlPost(t, c, "", "", ask[0], query, map[string]any{"id": ask[1]})
		leaked = found(out, private)
		switch {
		case mode == Flawed && (st != 200 || len(leaked) < 2):
			t.Errorf("Flawed, anonymous %s %s: %d, leaks %q: %s", ask[0], ask[1], st, leaked, out)
		case mode == Fixed && (st != 401 || out != `{"errors":[{"message":"unauthenticated"}]}`+"\n"):
			t.Errorf("Fixed, anonymous %s %s: %d %s", ask[0], ask[1], st, out)
		}
	}
	// The viewer needs a token in both modes.
	st, out, res := gqlPost(t, c, "", "", "Viewer", viewerQuery, nil)
	switch {
	case mode == Flawed && (st != 200 || res.Data != nil || len(res.Errors) != 1 || res.Errors[0].Message != "unauthenticated"):
		t.Errorf("Flawed, anonymous viewer: %d %s", st, out)
	case mode == Fixed && st != 401:
		t.Errorf("Fixed, anonymous viewer: %d %s", st, out)
	}
}

func swapRedirects(t *testing.T, app *App, mode Mode) {
	noteLink := regexp.MustCompile(`<a href="(/notes/([0-9a-f]{12}))">`)
	seen, notes := map[string]string{}, map[string][]string{}
	for _, acc := range []Account{app.A, app.B} {
		c := formLogin(t, app, acc)
		if home := get(t, c, "/"); !strings.Contains(home, `<a href="/notes">Your notes</a>`) {
			t.Fatalf("%s's home: %s", acc.Email, home)
		}
		for _, m := range noteLink.FindAllStringSubmatch(get(t, c, "/notes"), -1) {
			if !strings.ContainsAny(m[2], "abcdef") || !strings.ContainsAny(m[2], "0123456789") {
				t.Errorf("note id %s lacks a letter or a digit", m[2])
			}
			notes[acc.Email] = append(notes[acc.Email], m[1])
			seen[acc.Email] += get(t, c, m[1])
		}
		if len(notes[acc.Email]) != 2 {
			t.Fatalf("%s's notes: %q", acc.Email, notes[acc.Email])
		}
	}
	ownData(t, app, seen)

	b, anon := formLogin(t, app, app.B), ownClient(t, app)
	private := app.Private[app.A.Email]
	for _, path := range notes[app.A.Email] {
		st, body, resp := b.do("GET", path, "", nil)
		loc, leaked := resp.Header.Get("Location"), found(body, private)
		switch {
		case mode == Flawed && (st != 302 || loc != "/login" || len(leaked) < 2):
			t.Errorf("Flawed, B opens %s: %d to %q, leaks %q", path, st, loc, leaked)
		case mode == Fixed && (st != 302 || loc != "/notes" || body != ""):
			t.Errorf("Fixed, B opens %s: %d to %q: %q", path, st, loc, body)
		}
		st, body, resp = anon.do("GET", path, "", nil)
		loc, leaked = resp.Header.Get("Location"), found(body, private)
		switch {
		case mode == Flawed && (st != 302 || loc != "/login" || len(leaked) < 2):
			t.Errorf("Flawed, anonymous %s: %d to %q, leaks %q", path, st, loc, leaked)
		case mode == Fixed && (st != 302 || loc != "/login" || len(leaked) > 0 || len(body) > 100):
			t.Errorf("Fixed, anonymous %s: %d to %q: %q", path, st, loc, body)
		}
	}
	// A visitor's note list: Flawed writes every note's link into the redirect.
	st, body, resp := anon.do("GET", "/notes", "", nil)
	links := len(noteLink.FindAllString(body, -1))
	if st != 302 || resp.Header.Get("Location") != "/login" || mode == Flawed && links != 4 || mode == Fixed && links != 0 {
		t.Errorf("anonymous note list: %d to %q with %d note links", st, resp.Header.Get("Location"), links)
	}
}
