package authz

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/launchready/launchready/audit"
)

// smallID is where an integer ID stops being cheap to enumerate.
const smallID = 1_000_000

// PredictableIDs looks at the object identifiers both accounts' requests carried, and at the "id" fields of the
// objects the app's API answered them with: a list an app draws as rows with click handlers (Directus) is never
// requested by ID in a walk, yet its answer shows the IDs anyone could ask for.
func PredictableIDs(ctx context.Context, t *audit.Target) audit.Result {
	a, b, res := sides(ctx, t)
	if res != nil {
		return *res
	}
	kinds := map[string][]string{}
	for _, pair := range [][2]*account{{a, b}, {b, a}} {
		for _, r := range objectRequests(pair[0].Traffic, pair[1].Traffic, t.Probe.InScope) {
			for _, s := range r.Slots {
				k := idKind(s.Value)
				if k == "" {
					k = "slug"
				}
				kinds[k] = appendNew(kinds[k], s.Value)
			}
		}
	}
	inRequests := len(kinds) > 0
	for _, acc := range []*account{a, b} {
		for _, x := range acc.Traffic {
			if u, err := url.Parse(x.URL); err != nil || !x.IsAPI() || x.Status != 200 || !t.Probe.InScope(u) {
				continue
			}
			var doc any
			if json.Unmarshal(x.Body, &doc) != nil {
				continue
			}
			for _, v := range answeredIDs(doc, nil) {
				if k := idKind(v); k != "" {
					kinds[k] = appendNew(kinds[k], v)
				}
			}
		}
	}
	return judgeIDs(kinds, inRequests)
}

// judgeIDs judges the identifiers seen, by kind ("integer", "uuid", …): small integers warn; other shapes pass when
// requests carried them, and decide nothing when only the API's answers did (an "id" there may be the app's own
// metadata: PocketBase's schema fields, "text3208210256", not its records).
func judgeIDs(kinds map[string][]string, inRequests bool) audit.Result {
	if len(kinds) == 0 {
		return audit.Undecided("no object identifier was seen in the recorded requests or in the objects the API answered with")
	}
	for k, vs := range kinds { // in order, so the report reads the same run to run, whatever order the pages loaded in
		slices.SortFunc(vs, func(x, y string) int { return cmp.Or(cmp.Compare(len(x), len(y)), cmp.Compare(x, y)) })
		kinds[k] = vs
	}
	var lines []string
	for k, vs := range kinds {
		lines = append(lines, fmt.Sprintf("%s: %s", k, strings.Join(first(vs, 8), ", ")))
	}
	sort.Strings(lines)
	where := "identifiers seen in requests and in the objects the API answered with"
	if !inRequests {
		where = "identifiers seen in the objects the API answered with (no request carried one)"
	}
	ev := audit.Note(where, strings.Join(lines, "\n"))
	var small []string
	for _, v := range kinds["integer"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n < smallID {
			small = append(small, v)
		}
	}
	switch {
	case len(small) > 0:
		return audit.Warned(0, fmt.Sprintf("object IDs are small integers (%s): anyone can walk them one by one, so every missing authorization check is found at once", strings.Join(first(small, 5), ", ")), ev)
	case !inRequests:
		return audit.Undecided("no request named an object, and the ids the API answered with are not small integers; whether they are the records' (rather than the app's own metadata) is not known", ev)
	}
	return audit.Passed("object IDs are not small sequential integers", ev)
}

// answeredIDs lists the values of the "id" fields of the objects inside a JSON answer (numbers written as integers),
// at most 50.
func answeredIDs(doc any, out []string) []string {
	switch v := doc.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			f := v[k]
			if !strings.EqualFold(k, "id") {
				out = answeredIDs(f, out)
				continue
			}
			switch id := f.(type) {
			case float64:
				if id == float64(int64(id)) && id > 0 { // 0 is no record's (auto-increments start at 1): a count (Directus's aggregate[count]=id)
					out = append(out, strconv.FormatInt(int64(id), 10))
				}
			case string:
				out = append(out, id)
			}
		}
	case []any:
		for _, e := range v {
			out = answeredIDs(e, out)
		}
	}
	return out[:min(len(out), 50)]
}

func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }
