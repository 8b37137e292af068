package authz

import (
	"bytes"
	cryptorand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/launchready/launchready/browser"
)

// ID shapes, as apps put them in paths and parameters.
var (
	reInt   = regexp.MustCompile(`^\d{1,19}$`)
	reUUID  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	reULID  = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$`)
	reHex   = regexp.MustCompile(`^[0-9a-fA-F]{12,64}$`)
	reToken = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)
	reShort = regexp.MustCompile(`^[A-Za-z0-9]{10,15}$`)
	reSlug  = regexp.MustCompile(`^@?[a-z0-9][a-z0-9._-]{1,60}$`) // "@acme" is an npm scope, "john.doe" a user
	digit   = regexp.MustCompile(`[0-9]`)
	letter  = regexp.MustCompile(`[A-Za-z]`)
)

// idKind names the shape of an identifier, or "" when the value does not look like one.
func idKind(v string) string {
	switch {
	case reInt.MatchString(v):
		return "integer"
	case reUUID.MatchString(v):
		return "uuid"
	case reULID.MatchString(v) && digit.MatchString(v):
		return "ulid"
	case reHex.MatchString(v) && digit.MatchString(v) && letter.MatchString(v):
		return "hex"
	case reToken.MatchString(v) && digit.MatchString(v) && letter.MatchString(v):
		return "token"
	case reShort.MatchString(v) && len(digit.FindAllString(v, -1)) >= 2 && len(letter.FindAllString(v, -1)) >= 2:
		return "token" // PocketBase's 15 characters, Firebase push IDs, short nanoids
	}
	return ""
}

// slotKind says where in a request an identifier sits.
type slotKind int

const (
	inPath  slotKind = iota // a path segment: /projects/{id}
	inQuery                 // a query parameter, or an ID inside one (?owner_id=eq.{id}, ?filter=owner="{id}")
	inVars                  // a GraphQL variable
)

// slot is a place in a request that names an object.
type slot struct {
	Kind       slotKind
	Path       int      // index of the path segment (inPath)
	Key        string   // the query parameter (inQuery)
	Start, End int      // where the ID sits inside the parameter's value (inQuery)
	Var        []string // the variable's path inside the GraphQL variables (inVars)
	Value      string
	Name       string // what it names, normalized: "community" for /communities/{id} or ?communityId=
}

// request is one recorded read the audit may send again — a GET, or a GraphQL query — with the identifiers it names.
type request struct {
	X       browser.Exchange
	URL     *url.URL
	GraphQL *gqlOp // the GraphQL operation, when the request is one
	Pattern string // "GET /api/communities/{id}/posts", "POST /graphql query Invoice(id)"
	Slots   []slot
}

// notIDs are query parameters and variables whose values are never object identifiers, even when they look like
// one: pagination, sorting, search and cache-busting (compared without case, "_" and "-").
var notIDs = map[string]bool{
	"page": true, "perpage": true, "pagesize": true, "limit": true, "offset": true, "size": true, "cursor": true,
	"sort": true, "sortby": true, "order": true, "orderby": true, "dir": true, "direction": true, "skip": true,
	"take": true, "first": true, "last": true, "after": true, "before": true, "count": true, "start": true,
	"end": true, "from": true, "to": true, "q": true, "query": true, "search": true, "term": true, "fields": true,
	"select": true, "expand": true, "include": true, "embed": true, "lang": true, "locale": true, "v": true,
	"version": true, "t": true, "ts": true, "timestamp": true, "cb": true, "": true, "operationname": true,
	"extensions": true, "format": true, "view": true, "tab": true, "skiptotal": true, "total": true, "debug": true,
	"pretty": true, "refresh": true, "nocache": true,
}

func notID(key string) bool {
	k := strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(key))
	if i := strings.LastIndex(k, "["); i >= 0 { // page[size], page[number]
		k = strings.Trim(k[:i], "[]")
	}
	return notIDs[k]
}

// objectRequests keeps the account's successful, in-scope reads — API GETs, pages, GraphQL queries — and finds
// their identifier slots. other is the other account's traffic: a path segment that differs between the two
// accounts on the same route (a slug like /c/acme vs /c/globex) is an identifier too. A request that writes (any
// other method, a GraphQL mutation) is never kept: the replays are passive.
func objectRequests(mine, other []browser.Exchange, inScope func(*url.URL) bool) []request {
	var out []request
	otherPaths, myPaths := pathsOf(other, inScope), pathsOf(mine, inScope)
	names := func(xs []browser.Exchange, paths [][]string) func(string) bool {
		return func(w string) bool { return mentions(xs, paths, w) }
	}
	otherNames, myNames := names(other, otherPaths), names(mine, myPaths)
	seen := map[string]bool{}
	for _, x := range mine {
		u, err := url.Parse(x.URL)
		if err != nil || x.Status < 200 || x.Status >= 300 || !inScope(u) || (x.Type != "XHR" && x.Type != "Fetch" && x.Type != "Document") {
			continue
		}
		if signInStep(u.Query()) {
			continue
		}
		r := request{X: x, URL: u, GraphQL: graphQL(x.Method, u, x.RequestHeader["content-type"], x.RequestBody)}
		switch {
		case r.GraphQL != nil && !r.GraphQL.readOnly():
			continue
		case r.GraphQL == nil && x.Method != "GET":
			continue
		}
		segs := strings.Split(strings.Trim(u.Path, "/"), "/")
		for i, s := range segs {
			if idKind(s) != "" || slugSlot(segs, i, otherPaths, myPaths, otherNames, myNames) {
				name := collectionName(segs, i)
				if n := len(r.Slots); n > 0 && r.Slots[n-1].Path == i-1 && idKind(s) == "" {
					name = r.Slots[n-1].Name // the second part of one name: a package's, after its scope
				}
				r.Slots = append(r.Slots, slot{Kind: inPath, Path: i, Value: s, Name: name})
			}
		}
		r.Slots = append(r.Slots, querySlots(u.Query())...)
		if r.GraphQL != nil {
			for _, s := range varSlots(r.GraphQL.variables(), nil) {
				if r.GraphQL.IDs[s.Var[0]] || isIDName(s.Var[len(s.Var)-1]) || (len(s.Var) > 1 && isIDName(s.Var[len(s.Var)-2])) {
					r.Slots = append(r.Slots, s)
				}
			}
		}
		r.Pattern = r.pattern()
		key := x.Method + " " + x.URL + " " + x.RequestBody
		if !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
	}
	return out
}

// signInStep reports whether a request's URL carries its own credential: an OAuth authorization response (code
// and state) or a sign-in, magic-link or access token. It is a step of a login, not a read of an object.
func signInStep(q url.Values) bool {
	if q.Has("code") && q.Has("state") {
		return true
	}
	for k := range q {
		switch strings.ToLower(k) {
		case "token", "magic_token", "login_token", "access_token", "id_token", "ticket", "otp":
			return true
		}
	}
	return false
}

// idToken finds the words of a parameter value that could be identifiers: in "eq.42", "owner=\"ab12…\"",
// "in.(id1,id2)".
var idToken = regexp.MustCompile(`[A-Za-z0-9_-]+`)

// filterOp is what may stand right before an integer inside a filter for it to be an identifier: "eq.", "=", ":",
// a quote. Anything else ("gte.2024", "limit.10") is a comparison or a bound, not an object.
var filterOp = regexp.MustCompile(`(?:^|[^A-Za-z])(?:eq\.|=|:|["'(,])\s*["']?$`)

// querySlots finds the identifiers in a URL's query: a whole value that is one, or one inside a filter expression.
// Pagination, sorting and search parameters are never identifiers.
func querySlots(q url.Values) []slot {
	keys := slices.Sorted(maps.Keys(q))
	var out []slot
	for _, k := range keys {
		v := q.Get(k)
		if notID(k) {
			continue
		}
		if (v == "0" || v == "1") && !isIDName(bracketName(k)) {
			continue // a flag (?skipTotal=1, ?archived=0), not an object
		}
		if idKind(v) != "" {
			out = append(out, slot{Kind: inQuery, Key: k, Start: 0, End: len(v), Value: v, Name: normalize(bracketName(k))})
			continue
		}
		for _, at := range idToken.FindAllStringIndex(v, -1) {
			tok := v[at[0]:at[1]]
			kind := idKind(tok)
			if kind == "" || (kind == "integer" && (!filterOp.MatchString(v[:at[0]]) || strings.Contains(v[at[1]:min(len(v), at[1]+1)], "-"))) {
				continue
			}
			out = append(out, slot{Kind: inQuery, Key: k, Start: at[0], End: at[1], Value: tok, Name: normalize(fieldBefore(v[:at[0]], bracketName(k)))})
		}
	}
	return out
}

// bracketName is the field a bracketed parameter names: "where[user]" -> "user", "filter[org_id]" -> "org_id".
func bracketName(k string) string {
	if i, j := strings.LastIndex(k, "["), strings.LastIndex(k, "]"); i >= 0 && j > i+1 {
		return k[i+1 : j]
	}
	return k
}

var fieldName = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// fieldBefore is the field an ID inside a filter belongs to: the last name before it ("owner" in owner="…"), or
// the parameter's own name when the filter only has an operator (PostgREST's owner_id=eq.…).
func fieldBefore(prefix, key string) string {
	words := fieldName.FindAllString(prefix, -1)
	for i := len(words) - 1; i >= 0; i-- {
		switch strings.ToLower(words[i]) {
		case "eq", "neq", "in", "is", "cs", "cd", "and", "or", "not":
			continue
		}
		return words[i]
	}
	return key
}

// isIDName reports a field or variable that names an object: id, ids, orgId, owner_id, projectUUID, slug.
func isIDName(name string) bool {
	switch strings.ToLower(name) {
	case "id", "ids", "uuid", "slug", "key":
		return true
	}
	for _, suf := range []string{"_id", "-id", "Id", "ID", "_ids", "Ids", "IDs", "_uuid", "Uuid", "UUID", "_slug", "Slug"} {
		if strings.HasSuffix(name, suf) && len(name) > len(suf) {
			return true
		}
	}
	return false
}

// varSlots finds the identifier-shaped values among GraphQL variables, at any depth; objectRequests keeps those
// declared or named as identifiers (an Int called "first" is a count).
func varSlots(v any, at []string) []slot {
	var out []slot
	switch t := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(t))
		for _, k := range keys {
			if notID(k) {
				continue
			}
			out = append(out, varSlots(t[k], append(append([]string{}, at...), k))...)
		}
	case []any:
		for i, e := range t {
			out = append(out, varSlots(e, append(append([]string{}, at...), strconv.Itoa(i)))...)
		}
	default:
		if s := scalar(t); s != "" && idKind(s) != "" && len(at) > 0 {
			name := at[len(at)-1]
			for i := len(at) - 1; i >= 0 && reInt.MatchString(name); i-- {
				name = at[i]
			}
			out = append(out, slot{Kind: inVars, Var: at, Value: s, Name: normalize(name)})
		}
	}
	return out
}

// slugSlot reports a segment that is not ID-shaped but differs between the two accounts on the same route
// (/c/acme for A, /c/globex for B), alone or with the segment beside it: a name in two parts, as an npm package's
// scope and name (/sidebar/@alice/notes for A, /sidebar/@bob/ledger for B). A route both accounts requested with the
// same words (/api/me) is fixed, and so is a word this account also used where the other's differs (/api/me and
// /api/token, requested by both). At the route's root a word is an account's only where a forge puts its owner
// (Gitea's /alice/notes/issues/1 for A, /bob/ledger/issues/1 for B): a fixed word follows (issues), and neither
// account's requests nor pages ever name the other's word; /settings/profile and /help/faq are two routes.
// otherNames and myNames report whether the other account's traffic, or this one's, names a word.
func slugSlot(segs []string, i int, other, mine [][]string, otherNames, myNames func(string) bool) bool {
	if !reSlug.MatchString(segs[i]) || hasPath(other, segs) {
		return false
	}
	for _, o := range other {
		if len(o) != len(segs) || o[i] == segs[i] || !reSlug.MatchString(o[i]) || hasPath(mine, o) {
			continue
		}
		lo, hi, same := i, i, true
		for j := range segs {
			switch {
			case j == i || o[j] == segs[j] || idKind(o[j]) != "" && idKind(segs[j]) != "":
			case reSlug.MatchString(o[j]) && reSlug.MatchString(segs[j]):
				lo, hi = min(lo, j), max(hi, j)
			default:
				same = false
			}
		}
		switch {
		case !same || hi-lo > 1:
		case lo > 0:
			return true
		case fixedAfter(segs, o, hi) && !otherNames(segs[0]) && !myNames(o[0]):
			return true
		}
	}
	return false
}

// fixedAfter reports a word both paths have, past position hi: a route's fixed part.
func fixedAfter(p, q []string, hi int) bool {
	for j := hi + 1; j < len(p); j++ {
		if p[j] == q[j] && idKind(p[j]) == "" {
			return true
		}
	}
	return false
}

// mentions reports whether an account's traffic names the word w: as a segment of a path it requested, or in a
// link of a body it was answered ("/w/" or "/w" closing an attribute).
func mentions(xs []browser.Exchange, paths [][]string, w string) bool {
	for _, p := range paths {
		if slices.Contains(p, w) {
			return true
		}
	}
	for _, needle := range [][]byte{[]byte("/" + w + "/"), []byte("/" + w + `"`), []byte("/" + w + "'")} {
		for _, x := range xs {
			if bytes.Contains(x.Body, needle) {
				return true
			}
		}
	}
	return false
}

// hasPath reports whether paths holds p, ID-shaped segments matching any ID.
func hasPath(paths [][]string, p []string) bool {
	for _, q := range paths {
		if len(q) != len(p) {
			continue
		}
		same := true
		for i := range q {
			if q[i] != p[i] && (idKind(q[i]) == "" || idKind(p[i]) == "") {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

func pathsOf(xs []browser.Exchange, inScope func(*url.URL) bool) [][]string {
	var out [][]string
	for _, x := range xs {
		if u, err := url.Parse(x.URL); err == nil && inScope(u) {
			out = append(out, strings.Split(strings.Trim(u.Path, "/"), "/"))
		}
	}
	return out
}

// collectionName is what a path slot names: the segment before it, singular ("communities" -> "community").
func collectionName(segs []string, i int) string {
	if i == 0 {
		return ""
	}
	return normalize(segs[i-1])
}

// normalize turns "communityId", "community_id", "communities" and "Community" into "community".
func normalize(s string) string {
	s = strings.ToLower(s)
	for _, suf := range []string{"_uuid", "-uuid", "uuid", "_slug", "-slug", "slug", "_id", "-id", "id"} {
		if strings.HasSuffix(s, suf) && len(s) > len(suf) {
			s = strings.TrimSuffix(s, suf)
			break
		}
	}
	s = strings.TrimRight(s, "_-")
	switch {
	case strings.HasSuffix(s, "ies"):
		return strings.TrimSuffix(s, "ies") + "y"
	case strings.HasSuffix(s, "ses"):
		return strings.TrimSuffix(s, "es")
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss"):
		return strings.TrimSuffix(s, "s")
	}
	return s
}

// pattern is the endpoint with its identifiers replaced: what the report groups by.
func (r request) pattern() string {
	u := r.withValues(func(slot) string { return "{id}" })
	p := r.X.Method + " " + u.Path
	if u.RawQuery != "" {
		// Shown as people read it: filter=owner = "{id}", not filter=owner+%3D+%22%7Bid%7D%22.
		if plain, err := url.QueryUnescape(u.RawQuery); err == nil {
			p += "?" + plain
		} else {
			p += "?" + u.RawQuery
		}
	}
	if r.GraphQL != nil {
		p += " " + r.GraphQL.label()
		var vars []string
		for _, s := range r.Slots {
			if s.Kind == inVars {
				vars = append(vars, strings.Join(s.Var, "."))
			}
		}
		if len(vars) > 0 {
			p += "(" + strings.Join(vars, ", ") + ")"
		}
	}
	return p
}

// withValues returns the request's URL with each slot set to what value gives (the slot's own value when it
// gives ""), its query sorted.
func (r request) withValues(value func(slot) string) *url.URL {
	u := *r.URL
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	q := u.Query()
	byKey := map[string][]slot{}
	for _, s := range r.Slots {
		v := value(s)
		if v == "" {
			continue
		}
		switch s.Kind {
		case inPath:
			segs[s.Path] = v
		case inQuery:
			s.Value = v
			byKey[s.Key] = append(byKey[s.Key], s)
		}
	}
	for k, ss := range byKey {
		orig := q.Get(k)
		sort.Slice(ss, func(i, j int) bool { return ss[i].Start > ss[j].Start })
		for _, s := range ss {
			orig = orig[:s.Start] + s.Value + orig[s.End:]
		}
		q.Set(k, orig)
	}
	u.Path = "/" + strings.Join(segs, "/")
	if r.URL.Path == "/" || r.URL.Path == "" {
		u.Path = r.URL.Path
	}
	keys := slices.Sorted(maps.Keys(q))
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	u.RawQuery = strings.Join(parts, "&")
	return &u
}

// body returns the request's body with the GraphQL variables in slots set to what value gives; nil for a GET.
func (r request) body(value func(slot) string) []byte {
	if r.GraphQL == nil || r.GraphQL.Body == nil {
		return nil
	}
	doc := deepCopy(r.GraphQL.Body).(map[string]any)
	vars, _ := doc["variables"].(map[string]any)
	for _, s := range r.Slots {
		if v := value(s); v != "" && s.Kind == inVars && vars != nil {
			setVar(vars, s.Var, v)
		}
	}
	b, _ := json.Marshal(doc)
	return b
}

// setVar sets the scalar at path inside v, keeping a number a number when the new value is one.
func setVar(v any, path []string, value string) {
	if len(path) == 0 {
		return
	}
	set := func(old any) any {
		if _, isNum := old.(float64); isNum {
			if n, err := strconv.ParseFloat(value, 64); err == nil {
				return n
			}
		}
		return value
	}
	switch t := v.(type) {
	case map[string]any:
		if len(path) == 1 {
			t[path[0]] = set(t[path[0]])
			return
		}
		setVar(t[path[0]], path[1:], value)
	case []any:
		i, err := strconv.Atoi(path[0])
		if err != nil || i >= len(t) {
			return
		}
		if len(path) == 1 {
			t[i] = set(t[i])
			return
		}
		setVar(t[i], path[1:], value)
	}
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = cryptorand.Read(b)
	return hex.EncodeToString(b)
}
