package authz

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/launchready/launchready/audit"
)

// IDORRead replays each account's object-naming requests with the other account's credentials.
func IDORRead(ctx context.Context, t *audit.Target) audit.Result {
	a, b, res := sides(ctx, t)
	if res != nil {
		return *res
	}
	start := time.Now()
	outs := replayOwn(ctx, t, a, b, true, func(other *account) *account { return other }, "as %[2]s, %[1]s's request")
	return judgeAll(outs, "returned the owner's data", start)
}

// Unauthenticated replays each account's private requests with no credentials at all.
func Unauthenticated(ctx context.Context, t *audit.Target) audit.Result {
	a, b, res := sides(ctx, t)
	if res != nil {
		return *res
	}
	start := time.Now()
	outs := replayOwn(ctx, t, a, b, false, func(*account) *account { return nil }, "with no login, %[1]s's request")
	return judgeAll(outs, "returned the account's data", start)
}

// replayOwn replays each account's recorded requests (one per endpoint pattern; only those naming an object when
// withIDs) with the credentials as picks, judging each answer against the owner's data. who formats the label
// from the owner's and the other account's names.
func replayOwn(ctx context.Context, t *audit.Target, a, b *account, withIDs bool, as func(other *account) *account, who string) []outcome {
	var outs []outcome
	for _, pair := range [][2]*account{{a, b}, {b, a}} {
		owner, other := pair[0], pair[1]
		for _, r := range onePerPattern(objectRequests(owner.Traffic, other.Traffic, t.Probe.InScope), withIDs) {
			o := replay(ctx, t, r, r.X.URL, as(other), owner, r.X.Body)
			o.Who = fmt.Sprintf(who, owner.Name, other.Name)
			outs = append(outs, o)
		}
	}
	return outs
}

// IDSwapParams, as each account, puts the other account's identifiers into its own requests (path segments and
// query parameters naming orgs, communities, users...) and checks no data of the other tenant comes back.
func IDSwapParams(ctx context.Context, t *audit.Target) audit.Result {
	a, b, res := sides(ctx, t)
	if res != nil {
		return *res
	}
	start := time.Now()
	var outs []outcome
	for _, pair := range [][2]*account{{a, b}, {b, a}} {
		me, victim := pair[0], pair[1]
		victimReqs := objectRequests(victim.Traffic, me.Traffic, t.Probe.InScope)
		for _, r := range onePerPattern(objectRequests(me.Traffic, victim.Traffic, t.Probe.InScope), true) {
			swapped := map[int]string{}
			for i, s := range r.Slots {
				if v := victimValue(s, i, r.Pattern, victimReqs, victim); v != "" && v != s.Value {
					swapped[i] = v
				}
			}
			if len(swapped) == 0 {
				continue
			}
			target := r.withValues(swapped)
			o := replay(ctx, t, r, target, me, victim, bodyOf(victim, target))
			o.Who = "as " + me.Name + " with " + victim.Name + "'s IDs"
			outs = append(outs, o)
		}
	}
	return judgeAll(outs, "returned the other tenant's data", start)
}

// victimValue finds the victim's value for a slot: from the victim's request on the same route, else from a field
// of the victim's answers named like the slot ("community_id" for /communities/{id}).
func victimValue(s slot, i int, pat string, victimReqs []request, victim *account) string {
	for _, vr := range victimReqs {
		if vr.Pattern == pat && i < len(vr.Slots) {
			return vr.Slots[i].Value
		}
	}
	if s.Name == "" {
		return ""
	}
	var found string
	for _, x := range victim.Traffic {
		if found != "" || !isJSON(x) {
			continue
		}
		var doc any
		if json.Unmarshal(x.Body, &doc) == nil {
			found = fieldNamed(doc, s.Name)
		}
	}
	return found
}

// fieldNamed returns the first ID-shaped value of a JSON field whose name normalizes to name.
func fieldNamed(v any, name string) string {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if normalize(k) == name {
				if s := scalar(e); idKind(s) != "" {
					return s
				}
			}
		}
		for _, e := range t {
			if s := fieldNamed(e, name); s != "" {
				return s
			}
		}
	case []any:
		for _, e := range t {
			if s := fieldNamed(e, name); s != "" {
				return s
			}
		}
	}
	return ""
}

func scalar(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		if t == float64(int64(t)) {
			return strconv.FormatInt(int64(t), 10)
		}
	}
	return ""
}

// bodyOf is what the account itself got at url, if it asked for it.
func bodyOf(acc *account, url string) []byte {
	for _, x := range acc.Traffic {
		if x.URL == url {
			return x.Body
		}
	}
	return nil
}

// onePerPattern keeps the first request of each endpoint pattern (bounded replays); withIDs keeps only requests
// that name an object.
func onePerPattern(reqs []request, withIDs bool) []request {
	seen := map[string]bool{}
	var out []request
	for _, r := range reqs {
		if (withIDs && len(r.Slots) == 0) || seen[r.Pattern] {
			continue
		}
		seen[r.Pattern] = true
		out = append(out, r)
	}
	return out
}
