package authz

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/launchready/launchready/audit"
)

// smallID is where an integer ID stops being cheap to enumerate.
const smallID = 1_000_000

// PredictableIDs looks at the object identifiers both accounts' requests carried.
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
	if len(kinds) == 0 {
		return audit.Undecided("no object identifier was seen in the recorded requests")
	}
	var lines []string
	for k, vs := range kinds {
		lines = append(lines, fmt.Sprintf("%s: %s", k, strings.Join(first(vs, 8), ", ")))
	}
	sort.Strings(lines)
	ev := audit.Note("identifiers seen in requests", strings.Join(lines, "\n"))
	var small []string
	for _, v := range kinds["integer"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n < smallID {
			small = append(small, v)
		}
	}
	if len(small) > 0 {
		return audit.Warned(0, fmt.Sprintf("object IDs are small integers (%s): anyone can walk them one by one, so every missing authorization check is found at once", strings.Join(first(small, 5), ", ")), ev)
	}
	return audit.Passed("object IDs are not small sequential integers", ev)
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
