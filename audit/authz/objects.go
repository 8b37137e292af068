package authz

import (
	cryptorand "crypto/rand"
	"encoding/hex"
	"net/url"
	"regexp"
	"sort"
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
	reSlug  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,60}$`)
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
	}
	return ""
}

// slot is a place in a request that names an object.
type slot struct {
	Path  int    // index of the path segment, or -1
	Query string // query parameter name, when not a path slot
	Value string
	Name  string // what it names, normalized: "community" for /communities/{id} or ?communityId=
}

// request is one recorded GET with the identifiers it names.
type request struct {
	X       browser.Exchange
	URL     *url.URL
	Pattern string // "GET /api/communities/{id}/posts"
	Slots   []slot
}

// objectRequests keeps the account's successful, in-scope GETs (API calls and pages) and finds their identifier
// slots. other is the other account's traffic: a path segment that differs between the two accounts on the same
// route (a slug like /c/acme vs /c/globex) is an identifier too.
func objectRequests(mine, other []browser.Exchange, inScope func(*url.URL) bool) []request {
	var out []request
	otherPaths, myPaths := pathsOf(other, inScope), pathsOf(mine, inScope)
	seen := map[string]bool{}
	for _, x := range mine {
		u, err := url.Parse(x.URL)
		if err != nil || x.Method != "GET" || x.Status < 200 || x.Status >= 300 || !inScope(u) || (x.Type != "XHR" && x.Type != "Fetch" && x.Type != "Document") {
			continue
		}
		r := request{X: x, URL: u}
		segs := strings.Split(strings.Trim(u.Path, "/"), "/")
		for i, s := range segs {
			if idKind(s) != "" || slugSlot(segs, i, otherPaths, myPaths) {
				r.Slots = append(r.Slots, slot{Path: i, Value: s, Name: collectionName(segs, i)})
			}
		}
		keys := make([]string, 0, len(u.Query()))
		for k := range u.Query() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v := u.Query().Get(k); idKind(v) != "" {
				r.Slots = append(r.Slots, slot{Path: -1, Query: k, Value: v, Name: normalize(k)})
			}
		}
		r.Pattern = pattern(x.Method, u, r.Slots)
		if !seen[x.URL] {
			seen[x.URL] = true
			out = append(out, r)
		}
	}
	return out
}

// slugSlot reports a segment that is not ID-shaped but differs between the two accounts on the same route
// (/c/acme for A, /c/globex for B). A route both accounts requested with the same words (/api/me) is fixed, and
// so is a word this account also used where the other's differs (/api/me and /api/token, requested by both).
func slugSlot(segs []string, i int, other, mine [][]string) bool {
	if i == 0 || !reSlug.MatchString(segs[i]) || hasPath(other, segs) {
		return false
	}
	for _, o := range other {
		if len(o) != len(segs) || o[i] == segs[i] || !reSlug.MatchString(o[i]) || hasPath(mine, o) {
			continue
		}
		same := true
		for j := range segs {
			if j != i && o[j] != segs[j] && !(idKind(o[j]) != "" && idKind(segs[j]) != "") {
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
func pattern(method string, u *url.URL, slots []slot) string {
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	q := u.Query()
	for _, s := range slots {
		if s.Path >= 0 {
			segs[s.Path] = "{id}"
		} else {
			q.Set(s.Query, "{id}")
		}
	}
	p := method + " /" + strings.Join(segs, "/")
	if len(q) > 0 {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k+"="+q.Get(k))
		}
		sort.Strings(keys)
		p += "?" + strings.Join(keys, "&")
	}
	return p
}

// withValues returns the request's URL with slots set to new values.
func (r request) withValues(values map[int]string) string {
	u := *r.URL
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	q := u.Query()
	for i, s := range r.Slots {
		v, ok := values[i]
		if !ok {
			continue
		}
		if s.Path >= 0 {
			segs[s.Path] = v
		} else {
			q.Set(s.Query, v)
		}
	}
	u.Path = "/" + strings.Join(segs, "/")
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = cryptorand.Read(b)
	return hex.EncodeToString(b)
}
