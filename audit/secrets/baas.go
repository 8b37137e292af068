package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
)

// maxTables bounds the read-only probes per Supabase project.
const maxTables = 12

var (
	supabaseHosted = regexp.MustCompile(`https://[a-z0-9]{20}\.supabase\.(?:co|in)`)
	createClient   = regexp.MustCompile(`createClient\(\s*["'\x60](https?://[^"'\x60\s]+)["'\x60]\s*,\s*["'\x60](eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)`)
	supabaseConfig = regexp.MustCompile(`(?i)supabase_?url["']?\s*[:=]\s*["'](https?://[^"'\s]+)["']`)
	anyJWT         = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]*`)
	firebaseDB     = regexp.MustCompile(`databaseURL["']?\s*:\s*["'](https://[^"'\s/]+\.(?:firebaseio\.com|firebasedatabase\.app)(?::\d+)?)["']`)
)

// baasProject is a backend-as-a-service project the client talks to with a public key.
type baasProject struct {
	Kind    string // "supabase" or "firebase"
	URL     string
	AnonKey string
	Service bool // the client holds the service_role key itself
	Where   string
}

// findProjects reads the Supabase and Firebase client configurations out of what the browser downloads.
func findProjects(assets []asset) []baasProject {
	seen := map[string]bool{}
	var out []baasProject
	for _, a := range assets {
		var anon string
		service := false
		for _, j := range anyJWT.FindAllString(string(a.Body), -1) {
			switch jwtRole(j) {
			case "anon":
				if anon == "" {
					anon = j
				}
			case "service_role":
				service = true
			}
		}
		var urls []string
		for _, m := range createClient.FindAllStringSubmatch(string(a.Body), -1) {
			urls = append(urls, m[1])
			if jwtRole(m[2]) == "anon" {
				anon = m[2]
			}
		}
		for _, m := range supabaseConfig.FindAllStringSubmatch(string(a.Body), -1) {
			urls = append(urls, m[1])
		}
		urls = append(urls, supabaseHosted.FindAllString(string(a.Body), -1)...)
		for _, u := range urls {
			u = strings.TrimRight(u, "/")
			if (anon != "" || service) && !seen[u] {
				seen[u] = true
				out = append(out, baasProject{Kind: "supabase", URL: u, AnonKey: anon, Service: service, Where: a.URL})
			}
		}
		for _, m := range firebaseDB.FindAllStringSubmatch(string(a.Body), -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				out = append(out, baasProject{Kind: "firebase", URL: m[1], Where: a.URL})
			}
		}
	}
	return out
}

// BaaSExposure finds the Supabase or Firebase project the app's client uses and, read-only and as an anonymous
// client with the app's public key, checks whether its data can be read. It never writes.
func BaaSExposure(ctx context.Context, t *audit.Target) audit.Result {
	assets, why := downloaded(ctx, t)
	projects := findProjects(assets)
	if len(projects) == 0 {
		if len(assets) == 0 {
			return audit.Undecided("nothing the browser downloads could be loaded: " + strings.Join(why, "; "))
		}
		return audit.NotRun("no Supabase or Firebase client configuration in what the browser downloads")
	}
	var parts []audit.Result
	for _, p := range projects {
		u, err := url.Parse(p.URL)
		if err != nil {
			continue
		}
		if p.Service {
			// No probe: the audit does not use a leaked key. The key itself is the exposure.
			parts = append(parts, audit.Failed(audit.Critical, fmt.Sprintf("the client carries the service_role key of the Supabase project %s: anyone can read and change every table, Row Level Security or not (rotate it; see secrets.client-bundle)", p.URL),
				audit.Note("found in", p.Where)))
			continue
		}
		if !t.Probe.InScope(u) {
			parts = append(parts, audit.Undecided(fmt.Sprintf("the app uses the %s project %s: add %s to the plan's scope to let the audit check, read-only, what an anonymous client can read", p.Kind, p.URL, u.Hostname())))
			continue
		}
		switch p.Kind {
		case "supabase":
			parts = append(parts, probeSupabase(ctx, t, p))
		case "firebase":
			parts = append(parts, probeFirebase(ctx, t, p))
		}
	}
	return audit.Combine(parts...)
}

// probeSupabase selects one row of each table an anonymous client can name: those the REST API describes to the
// anon key, and those the app's own pages were seen reading (newer projects describe nothing to the anon key).
func probeSupabase(ctx context.Context, t *audit.Target, p baasProject) audit.Result {
	hdr := http.Header{"Apikey": {p.AnonKey}, "Authorization": {"Bearer " + p.AnonKey}, "Accept": {"application/json"}}
	t.Probe.Redactor().Add(p.AnonKey) // public, but it is a credential the audit sends: keep it out of the evidence
	spec, err := t.Probe.Do(ctx, &probe.Request{URL: p.URL + "/rest/v1/", Header: hdr})
	if err != nil {
		return audit.Undecided("reading the Supabase REST description: " + err.Error())
	}
	described := false
	var doc struct {
		Swagger any            `json:"swagger"`
		OpenAPI any            `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	tables := map[string]bool{}
	if spec.Status == 200 && json.Unmarshal(spec.Body, &doc) == nil && (doc.Swagger != nil || doc.OpenAPI != nil) {
		described = true
		for path := range doc.Paths {
			if name := strings.Trim(path, "/"); name != "" && !strings.HasPrefix(name, "rpc/") && !strings.Contains(name, "/") {
				tables[name] = true
			}
		}
	}
	// The tables the app's pages read first (the data it really uses), then the rest the description lists.
	read := tablesRead(ctx, t, p.URL)
	for _, name := range read {
		delete(tables, name)
	}
	names := append(read, slices.Sorted(maps.Keys(tables))...)
	specEv := audit.Exchange("REST description", spec)
	if len(names) == 0 {
		if described {
			return audit.Passed(fmt.Sprintf("the Supabase REST API of %s describes no table to an anonymous client, and the app's pages read none", p.URL), specEv)
		}
		return audit.Undecided(fmt.Sprintf("the Supabase REST API of %s does not describe its tables to an anonymous client (%d), and the app's pages were not seen reading one: name a page that loads data in the plan's paths so the audit sees which tables to try", p.URL, spec.Status), specEv)
	}
	var parts []audit.Result
	probed := 0
	for i, table := range names {
		if i >= maxTables {
			break
		}
		probed++
		resp, err := t.Probe.Do(ctx, &probe.Request{URL: p.URL + "/rest/v1/" + url.PathEscape(table) + "?select=*&limit=1", Header: hdr})
		switch {
		case err != nil:
			parts = append(parts, audit.Undecided("selecting from "+table+": "+err.Error()))
			continue
		case probe.NoVerdict(resp.Status):
			parts = append(parts, audit.Undecided(fmt.Sprintf("selecting from %s answered %d, a limit or a failure: whether it is readable is not known", table, resp.Status)))
			continue
		case resp.Status != 200:
			continue // refused: 401, 403 (permission denied), 404
		}
		var rows []map[string]any
		if json.Unmarshal(resp.Body, &rows) != nil || len(rows) == 0 {
			continue
		}
		cols := make([]string, 0, len(rows[0]))
		for c := range rows[0] {
			cols = append(cols, c)
		}
		sort.Strings(cols)
		// The columns prove the exposure; the client's data itself stays out of the report.
		ev := audit.Evidence{Label: "anonymous select, 1 row", Request: resp.Method + " " + resp.URL, Status: resp.Status, Excerpt: "columns: " + strings.Join(cols, ", ")}
		parts = append(parts, audit.Failed(audit.Critical, fmt.Sprintf("table %s is readable by anyone with the public anon key: enable Row Level Security and add policies", table), ev))
	}
	left := ""
	if len(names) > probed {
		left = fmt.Sprintf(" (%d more tables not probed: the probe's bound)", len(names)-probed)
	}
	parts = append(parts, audit.Passed(fmt.Sprintf("none of the %d tables of %s returned a row to an anonymous client%s", probed, p.URL, left),
		audit.Note("tables probed (select … limit 1)", strings.Join(names[:probed], ", "))))
	return audit.Combine(parts...)
}

// supabaseTable is a table read through a Supabase project's REST API: /rest/v1/{table}.
var supabaseTable = regexp.MustCompile(`^/rest/v1/([A-Za-z0-9_]+)$`)

// tablesRead lists the tables of the project at base that the app's pages were seen reading: on the anonymous
// visit, and on account A's walk when it has run.
func tablesRead(ctx context.Context, t *audit.Target, base string) []string {
	traffic, _ := t.AnonymousVisit(ctx)
	if t.Plan.Accounts.A != nil {
		if s, err := t.BrowserSession(ctx, "a"); err == nil {
			traffic = append(traffic, s.Traffic...)
		}
	}
	var out []string
	for _, x := range traffic {
		if !strings.HasPrefix(x.URL, base+"/rest/v1/") {
			continue
		}
		if u, err := url.Parse(x.URL); err == nil {
			if m := supabaseTable.FindStringSubmatch(u.Path); m != nil && !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// probeFirebase asks the Realtime Database for its top-level keys without credentials.
func probeFirebase(ctx context.Context, t *audit.Target, p baasProject) audit.Result {
	resp, err := t.Probe.Do(ctx, &probe.Request{URL: p.URL + "/.json?shallow=true"})
	if err != nil {
		return audit.Undecided("reading the Firebase Realtime Database: " + err.Error())
	}
	body := strings.TrimSpace(string(resp.Body))
	ev := audit.Exchange("anonymous read of the database root", resp)
	switch {
	case resp.Status == 200 && body != "null" && body != "":
		ev.Excerpt = "top-level keys readable (values withheld)"
		return audit.Failed(audit.Critical, "the Firebase Realtime Database "+p.URL+" is readable without signing in: tighten its security rules", ev)
	case resp.Status == 401 || resp.Status == 403:
		return audit.Passed(fmt.Sprintf("the Firebase Realtime Database refuses anonymous reads (%d)", resp.Status), ev)
	case resp.Status == 200 && body == "null":
		return audit.Passed("the Firebase Realtime Database gives an anonymous client nothing (null)", ev)
	}
	// A limit, a failure, a database that is not there (404, 423 deactivated): what it would give is not known.
	return audit.Undecided(fmt.Sprintf("the Firebase Realtime Database %s answered an anonymous read %d, neither data nor a refusal", p.URL, resp.Status), ev)
}
