package authz

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser"
)

func inScope(*url.URL) bool { return true }

// Identifiers are found wherever apps put them — path, query value, inside a filter expression, GraphQL
// variables — and never in pagination, sorting or search parameters.
func TestObjectSlots(t *testing.T) {
	const id = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	tests := []struct {
		name, method, url, body string
		pattern                 string
		values                  []string
	}{
		{"path ids", "GET", "https://app.test/api/communities/12/posts/99", "", "GET /api/communities/{id}/posts/{id}", []string{"12", "99"}},
		{"pagination is not an id", "GET", "https://app.test/projects?org=" + id + "&page=1&per_page=20", "",
			"GET /projects?org={id}&page=1&per_page=20", []string{id}},
		{"perPage, limit, offset, cursor, sort", "GET", "https://app.test/api/items?perPage=50&limit=10&offset=40&cursor=abcdef0123456789xyz&sort=created", "",
			"GET /api/items?cursor=abcdef0123456789xyz&limit=10&offset=40&perPage=50&sort=created", nil},
		{"postgrest filter", "GET", "https://db.test/rest/v1/invoices?owner_id=eq." + id + "&select=*", "",
			"GET /rest/v1/invoices?owner_id=eq.{id}&select=*", []string{id}},
		{"postgrest integer filter, not a bound", "GET", "https://db.test/rest/v1/posts?author_id=eq.7&created_at=gte.2024-01-01", "",
			"GET /rest/v1/posts?author_id=eq.{id}&created_at=gte.2024-01-01", []string{"7"}},
		{"pocketbase filter", "GET", `https://pb.test/api/collections/notes/records?filter=` + url.QueryEscape(`owner="k3j4h5g6f7d8s9a0q"`) + "&page=1&perPage=30", "",
			`GET /api/collections/notes/records?filter=owner="{id}"&page=1&perPage=30`, []string{"k3j4h5g6f7d8s9a0q"}},
		{"pocketbase's 15-character ids", "GET", `https://pb.test/api/collections/notes/records/vokemdtu6emscf6?filter=` + url.QueryEscape(`owner = "df1864qd4s4s74b"`), "",
			`GET /api/collections/notes/records/{id}?filter=owner = "{id}"`, []string{"vokemdtu6emscf6", "df1864qd4s4s74b"}},
		{"flags are not ids", "GET", "https://pb.test/api/collections?page=1&perPage=1000&skipTotal=1&archived=0", "",
			"GET /api/collections?archived=0&page=1&perPage=1000&skipTotal=1", nil},
		{"an id named as one may be 1", "GET", "https://app.test/api/invoices?user_id=1", "", "GET /api/invoices?user_id={id}", []string{"1"}},
		{"words are not ids", "GET", "https://app.test/docs/getting-started/section10?tab=overview2", "", "GET /docs/getting-started/section10?tab=overview2", nil},
		{"strapi where", "GET", "https://cms.test/api/posts?where[user]=42", "", "GET /api/posts?where[user]={id}", []string{"42"}},
		{"graphql query variables", "POST", "https://app.test/graphql",
			`{"operationName":"Invoice","query":"query Invoice($id: ID!, $first: Int) { invoice(id: $id) { number } }","variables":{"id":"` + id + `","first":10}}`,
			"POST /graphql query Invoice(id)", []string{id}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := browser.Exchange{Method: tt.method, URL: tt.url, Type: "Fetch", Status: 200, RequestBody: tt.body,
				RequestHeader: map[string]string{"content-type": "application/json"}}
			reqs := objectRequests([]browser.Exchange{x}, nil, inScope)
			if len(reqs) != 1 {
				t.Fatalf("%d requests kept, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Pattern != tt.pattern {
				t.Errorf("pattern %q, want %q", r.Pattern, tt.pattern)
			}
			var got []string
			for _, s := range r.Slots {
				got = append(got, s.Value)
			}
			if strings.Join(got, ",") != strings.Join(tt.values, ",") {
				t.Errorf("ids %q, want %q", got, tt.values)
			}
		})
	}
}

// Swapping puts the other account's value in the same place and nowhere else.
func TestWithValues(t *testing.T) {
	x := browser.Exchange{Method: "GET", Type: "Fetch", Status: 200,
		URL: "https://db.test/rest/v1/invoices?org_id=eq.11&page=2&filter=" + url.QueryEscape(`owner="ab12cd34ef56ab12cd" && org="ab12cd34ef56ab12cd"`)}
	r := objectRequests([]browser.Exchange{x}, nil, inScope)[0]
	got := r.withValues(func(s slot) string {
		if s.Value == "11" {
			return "22"
		}
		return "ffff0000ffff0000ff"
	})
	q := got.Query()
	if q.Get("org_id") != "eq.22" || q.Get("page") != "2" || q.Get("filter") != `owner="ffff0000ffff0000ff" && org="ffff0000ffff0000ff"` {
		t.Errorf("swapped: %s", got)
	}

	g := browser.Exchange{Method: "POST", URL: "https://app.test/graphql", Type: "Fetch", Status: 200,
		RequestBody: `{"query":"query Org($id: ID!, $n: Int!) { org(id: $id) { name } }","variables":{"id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","n":5}}`}
	gr := objectRequests([]browser.Exchange{g}, nil, inScope)[0]
	var doc struct {
		Query     string
		Variables map[string]any
	}
	if err := json.Unmarshal(gr.body(func(slot) string { return "01BX5ZZKBKACTAV9WEVGEMMVRZ" }), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Variables["id"] != "01BX5ZZKBKACTAV9WEVGEMMVRZ" || doc.Variables["n"] != float64(5) || !strings.Contains(doc.Query, "org(id: $id)") {
		t.Errorf("swapped body: %+v", doc)
	}
}

// Only GraphQL queries are ever replayed: a mutation, a subscription, a document that mixes one in, a batch, a
// persisted-query hash without its document, and a document that does not parse are all left alone.
func TestOnlyGraphQLQueriesAreReplayed(t *testing.T) {
	tests := []struct {
		name, method, url, ctype, body string
		replayed                       bool
	}{
		{"named query", "POST", "/graphql", "application/json", `{"query":"query Me { me { id } }"}`, true},
		{"shorthand query", "POST", "/graphql", "application/json", `{"query":"{ me { id } }"}`, true},
		{"mutation", "POST", "/graphql", "application/json", `{"query":"mutation Seen($id: ID!) { markSeen(id: $id) { id } }","variables":{"id":"5"}}`, false},
		{"subscription", "POST", "/graphql", "application/json", `{"query":"subscription { invoiceAdded { id } }"}`, false},
		{"query chosen, mutation beside it", "POST", "/graphql", "application/json",
			`{"operationName":"Q","query":"query Q { me { id } } mutation M { wipe }"}`, false},
		{"unknown operation name", "POST", "/graphql", "application/json", `{"operationName":"X","query":"query Q { me { id } }"}`, false},
		{"batch", "POST", "/graphql", "application/json", `[{"query":"query Q { me { id } }"},{"query":"mutation M { wipe }"}]`, false},
		{"persisted hash only", "POST", "/graphql", "application/json", `{"operationName":"Q","extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`, false},
		{"does not parse", "POST", "/graphql", "application/json", `{"query":"query { me { id "}`, false},
		{"application/graphql mutation", "POST", "/graphql", "application/graphql", `mutation { wipe }`, false},
		{"GET query", "GET", "/graphql?query=" + url.QueryEscape("{ me { id } }"), "", "", true},
		{"GET mutation", "GET", "/graphql?query=" + url.QueryEscape("mutation { wipe }"), "", "", false},
		{"a REST POST is not replayed", "POST", "/api/search", "application/json", `{"org_id":"5"}`, false},
		{"a search box's query is a plain GET", "GET", "/search?query=invoices", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := browser.Exchange{Method: tt.method, URL: "https://app.test" + tt.url, Type: "Fetch", Status: 200, RequestBody: tt.body,
				RequestHeader: map[string]string{"content-type": tt.ctype}}
			got := len(objectRequests([]browser.Exchange{x}, nil, inScope)) == 1
			if got != tt.replayed {
				t.Errorf("replayed = %v, want %v", got, tt.replayed)
			}
		})
	}
}

// A page's main content is what tells two accounts apart: its chrome, scripts and hidden parts are not.
func TestPageText(t *testing.T) {
	page := []byte(`<!doctype html><html><head><title>Tracker</title><style>p{}</style></head><body>
<header><nav><a href="/">Tracker</a> <a href="/settings">Settings</a></nav></header>
<main><h1>Northwind Q3 roadmap</h1><p class="notes">Budget 48,200 EUR, codename <b>Bluebird</b>-7f3a</p>
<ul><li>Ship the &amp; fix</li></ul><script>var token="zzz"</script><div hidden>secret chrome</div></main>
<footer>© Tracker</footer></body></html>`)
	got := strings.Join(pageText(page), " | ")
	want := "Northwind Q3 roadmap | Budget 48,200 EUR, codename Bluebird -7f3a | Ship the & fix"
	if got != want {
		t.Errorf("pageText = %q, want %q", got, want)
	}
}

// A page's text is the owner's private data only when the other account opened a page of the same route: text
// of a page only the owner saw could be the same for everyone.
func TestPrivateValuesFromPages(t *testing.T) {
	page := func(u, main string) browser.Exchange {
		return browser.Exchange{Method: "GET", URL: u, Type: "Document", Status: 200, MIME: "text/html",
			Body: []byte(`<html><body><header>Tracker</header><main>` + main + `</main></body></html>`)}
	}
	owner := []browser.Exchange{
		page("https://t.test/projects/1", "<h1>Northwind Q3 roadmap</h1><p>Open tasks for this project</p>"),
		page("https://t.test/help", "<p>Contact support any time</p>"),
	}
	other := []browser.Exchange{page("https://t.test/projects/3", "<h1>Globex rebrand</h1><p>Open tasks for this project</p>")}
	ownerReqs, otherReqs := objectRequests(owner, other, inScope), objectRequests(other, owner, inScope)
	got := privateValues(owner, other, counterparts(ownerReqs, otherReqs), "ava@t.test")
	if strings.Join(got, ",") != "Northwind Q3 roadmap,ava@t.test" {
		t.Errorf("private values %q", got)
	}
}

// A JSON string the other account was sent too is no one's own, though its answer holds it escaped ("\n" for a
// line break): Node-RED's translations, on more than one line, were read as private.
func TestPrivateValuesSeenEscaped(t *testing.T) {
	doc := []byte(`{"notice":"You have undeployed changes.\n\nLeaving this page will lose them.","title":"Flow 1 of Ava"}`)
	owner := []browser.Exchange{{Method: "GET", URL: "https://t.test/locales/editor", Type: "Fetch", Status: 200, MIME: "application/json", Body: doc}}
	other := []browser.Exchange{{Method: "GET", URL: "https://t.test/locales/editor", Type: "Fetch", Status: 200, MIME: "application/json",
		Body: []byte(`{"notice":"You have undeployed changes.\n\nLeaving this page will lose them."}`)}}
	got := privateValues(owner, other, nil)
	if strings.Join(got, ",") != "Flow 1 of Ava" {
		t.Errorf("private values %q, want only the title", got)
	}
}

// A path segment that is no ID but differs between the two accounts on one route is a slug that names an object,
// alone (a community) or with the segment beside it (an npm package's scope and name, as Verdaccio's web API has
// them); a route's first segment, or words both accounts requested, are not.
func TestSlugSlots(t *testing.T) {
	tests := []struct {
		name        string
		mine, other []string
		values      []string
	}{
		{"a community", []string{"/c/acme/posts"}, []string{"/c/globex/posts"}, []string{"acme=c"}},
		{"a scoped package", []string{"/-/verdaccio/data/sidebar/@alice/secret-notes"}, []string{"/-/verdaccio/data/sidebar/@bob/ledger"},
			[]string{"@alice=sidebar", "secret-notes=sidebar"}},
		{"a user's dotted name", []string{"/u/ann.lee/settings"}, []string{"/u/bo_kim/settings"}, []string{"ann.lee=u"}},
		{"a package both see", []string{"/-/verdaccio/data/sidebar/shared-utils"}, []string{"/-/verdaccio/data/sidebar/shared-utils"}, nil},
		{"two routes", []string{"/settings/profile"}, []string{"/help/faq"}, nil},
		{"three words apart", []string{"/docs/a1/b1/c1"}, []string{"/docs/a2/b2/c2"}, nil},
		{"an owner's repository at the root", []string{"/alice/notes/issues/1"}, []string{"/bob/ledger/issues/1"}, []string{"alice=", "notes=", "1=issue"}},
		{"two sections at the root, no fixed word after", []string{"/help/faq"}, []string{"/docs/api"}, nil},
	}
	exchanges := func(paths []string) []browser.Exchange {
		var out []browser.Exchange
		for _, p := range paths {
			out = append(out, browser.Exchange{Method: "GET", URL: "https://app.test" + p, Type: "Fetch", Status: 200})
		}
		return out
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := objectRequests(exchanges(tt.mine), exchanges(tt.other), inScope)
			var got []string
			for _, r := range reqs {
				for _, s := range r.Slots {
					got = append(got, s.Value+"="+s.Name)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.values, ",") {
				t.Errorf("slugs (value=name) %q, want %q", got, tt.values)
			}
		})
	}
}

// The walk's evidence names each page it opened: a hash route's page is its fragment, not the shell's path.
func TestRoutesNameHashRoutes(t *testing.T) {
	for _, tt := range []struct {
		urls []string
		want string
	}{
		{[]string{"http://h/_/#/collections", "http://h/_/#/settings"}, "/_/#/collections, /_/#/settings"},
		{[]string{"http://h/feeds/3?x=1", "http://h/docs#install"}, "/feeds/3?x=1, /docs"},
		{[]string{"http://h/app/#!/inbox"}, "/app/#!/inbox"},
		{[]string{"http://h/a", "http://h/b", "http://h/c"}, "/a, /b, and 1 more"},
		{nil, "none"},
	} {
		if got := routes(tt.urls, 2); got != tt.want {
			t.Errorf("routes(%q) = %q, want %q", tt.urls, got, tt.want)
		}
	}
}

func TestJudgeIDs(t *testing.T) {
	tests := []struct {
		name       string
		kinds      map[string][]string
		inRequests bool
		want       audit.Status
	}{
		{"UUIDs in requests", map[string][]string{"uuid": {"0b9e7c1e-6a4f-4c8e-9a51-2f6f0d3c2b11"}}, true, audit.Pass},
		{"small integers in requests", map[string][]string{"integer": {"7", "12"}}, true, audit.Warn},
		{"small integers in answers only", map[string][]string{"integer": {"1", "2"}}, false, audit.Warn},
		// PocketBase's /api/collections: its schema fields' ids, not its records'.
		{"other shapes in answers only", map[string][]string{"token": {"text3208210256", "bool256245529"}}, false, audit.Inconclusive},
		{"large integers in requests", map[string][]string{"integer": {"1730000000123"}}, true, audit.Pass},
		{"nothing", map[string][]string{}, false, audit.Inconclusive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := judgeIDs(tt.kinds, tt.inRequests); got.Status != tt.want {
				t.Errorf("got %s %q, want %s", got.Status, got.Summary, tt.want)
			}
		})
	}
}

func TestAnsweredIDs(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"data":[{"id":1,"title":"a"},{"id":2,"title":"b"}]}`, "1 2"},
		{`[{"id":"0b9e7c1e-6a4f-4c8e-9a51-2f6f0d3c2b11","owner":{"id":7}}]`, "0b9e7c1e-6a4f-4c8e-9a51-2f6f0d3c2b11 7"},
		{`{"data":[{"count":{"id":0}}]}`, ""}, // Directus's aggregate[count]=id: a count, not a record
		{`{"id":1.5,"ID":"x1"}`, "x1"},
	}
	for _, tt := range tests {
		var doc any
		if err := json.Unmarshal([]byte(tt.body), &doc); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(answeredIDs(doc, nil), " "); got != tt.want {
			t.Errorf("answeredIDs(%s) = %q, want %q", tt.body, got, tt.want)
		}
	}
}
