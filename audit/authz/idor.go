package authz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/browser"
)

// IDORRead replays each account's object-naming requests with the other account's credentials.
func IDORRead(ctx context.Context, t *audit.Target) audit.Result {
	a, b, res := sides(ctx, t)
	if res != nil {
		return *res
	}
	start := time.Now()
	outs := replayOwn(ctx, t, a, b, true, func(other *account) *account { return other }, "with %[2]s's session, %[1]s's request")
	return judgeAll(outs, "returned the owner's data", start, coverage(t, a, b)...)
}

// Unauthenticated replays each account's private requests with no credentials at all.
func Unauthenticated(ctx context.Context, t *audit.Target) audit.Result {
	a, b, res := sides(ctx, t)
	if res != nil {
		return *res
	}
	start := time.Now()
	outs := replayOwn(ctx, t, a, b, false, func(*account) *account { return nil }, "with no credentials, %[1]s's request")
	return judgeAll(outs, "returned the account's data", start, coverage(t, a, b)...)
}

// replayOwn replays each account's recorded reads (one per endpoint pattern; only those naming an object when
// withIDs) with the credentials as picks, judging each answer against the owner's data. who formats the label
// from the owner's and the other account's names.
func replayOwn(ctx context.Context, t *audit.Target, a, b *account, withIDs bool, as func(other *account) *account, who string) []outcome {
	var jobs []func() outcome
	for _, pair := range [][2]*account{{a, b}, {b, a}} {
		owner, other := pair[0], pair[1]
		for _, r := range onePerPattern(objectRequests(owner.Traffic, other.Traffic, t.Probe.InScope), withIDs) {
			jobs = append(jobs, func() outcome {
				if bad, ok := control(ctx, t, r, owner); ok {
					return bad
				}
				o := replay(ctx, t, r, r.X.URL, r.body(func(slot) string { return "" }), as(other), owner, r.X.Body)
				o.Who = fmt.Sprintf(who, owner.Name, other.Name)
				return o
			})
		}
	}
	return inOrder(jobs)
}

// control is the control of every replay: the owner, sending its own request again, must get its own data back.
// A request the owner cannot repeat (a one-time code, a nonce, a page gone since) would be refused to anyone, and
// that refusal proves nothing. A replay whose answer holds nothing only the owner sees (a page the app's scripts
// fill in, a bot check answering 200 to every client that is not a browser, PostgREST's [] when the replay lacks
// what the browser sent) would look the same for anyone: the other account's replay getting it proves nothing
// either. Both come back as an outcome that decides nothing, saying why.
func control(ctx context.Context, t *audit.Target, r request, owner *account) (outcome, bool) {
	ctl := replay(ctx, t, r, r.X.URL, r.body(func(slot) string { return "" }), owner, owner, r.X.Body)
	switch {
	case ctl.Err == nil && ctl.Status >= 300 && ctl.Status < 400:
		// A page the app sends a signed-in account away from (Gitea's /user/login, to /), or a step of a flow.
		return outcome{Pattern: r.Pattern, Request: ctl.Request,
			Err: fmt.Errorf("%s cannot be replayed: %s's own replay got %s: the app sends the account elsewhere from it now (a login page to a signed-in account, a step of a flow)", r.Pattern, owner.Name, ctl.got())}, true
	case ctl.Err != nil || ctl.Status < 200 || ctl.Status >= 300:
		return outcome{Pattern: r.Pattern, Request: ctl.Request,
			Err: fmt.Errorf("%s cannot be replayed: %s's own replay got %s (a one-time code, a nonce, a page gone since?)", r.Pattern, owner.Name, ctl.got())}, true
	case !ctl.allowed():
		return outcome{Pattern: r.Pattern, Request: ctl.Request, Status: ctl.Status, MIME: ctl.MIME, Body: ctl.Body,
			Err: fmt.Errorf("%w: %s's own replay got %d with nothing only %s sees in it (%s), so no one else's replay of it can show a leak",
				errNothingPrivate, owner.Name, ctl.Status, owner.Name, ctl.shape(t.Probe.Redactor().String))}, true
	}
	return outcome{}, false
}

// errNothingPrivate marks a request whose owner's replay showed nothing of the owner's: no replay of it decides.
var errNothingPrivate = errors.New("nothing private to compare")

// IDSwapParams, as each account, puts the other account's identifiers into its own requests (path segments,
// query parameters and filters, GraphQL variables naming orgs, communities, users...) and checks no data of the
// other tenant comes back.
func IDSwapParams(ctx context.Context, t *audit.Target) audit.Result {
	a, b, res := sides(ctx, t)
	if res != nil {
		return *res
	}
	start := time.Now()
	var jobs []func() outcome
	objects := 0 // requests that name objects, swappable or not
	for _, pair := range [][2]*account{{a, b}, {b, a}} {
		me, victim := pair[0], pair[1]
		victimReqs := objectRequests(victim.Traffic, me.Traffic, t.Probe.InScope)
		mine := onePerPattern(objectRequests(me.Traffic, victim.Traffic, t.Probe.InScope), true)
		objects += len(mine)
		for _, r := range mine {
			values, victimBody := victimValues(r, victimReqs, victim)
			if len(values) == 0 {
				continue
			}
			jobs = append(jobs, func() outcome {
				if bad, ok := control(ctx, t, r, me); ok {
					return bad
				}
				pick := func(s slot) string { return values[slotKey(s)] }
				target, body := r.withValues(pick).String(), r.body(pick)
				proof := victimBody
				if proof == nil { // IDs read from fields of the victim's answers, never seen at this route
					var bad *outcome
					if proof, bad = victimControl(ctx, t, r, target, body, me, victim); bad != nil {
						return *bad
					}
				}
				o := replay(ctx, t, r, target, body, me, victim, proof)
				o.Who = "with " + me.Name + "'s session and " + victim.Name + "'s IDs"
				return o
			})
		}
	}
	if len(jobs) == 0 && objects > 0 {
		// The walks named objects, but no route of one account's was walked by the other with IDs of its own,
		// and no field of the other's answers names one (Gitea: /alice/alice-secret/issues/1 and
		// /bob/bob-secret/issues/1 share no route, the owner and repository are words of the path).
		return audit.Undecided(fmt.Sprintf("the walks recorded %d requests that name objects, but no ID of the other account's fits any of them: no route of one account's was walked by the other with IDs of its own, and no field of the other's answers names one; authz.idor-read replays each account's requests as the other", objects))
	}
	outs := inOrder(jobs)
	return judgeAll(outs, "returned the other tenant's data", start)
}

// victimControl is the victim's side of a swap whose IDs came from fields of the victim's answers ("project_id":
// 7), not from a request of the victim's at this route: the victim sends the swapped request itself and must get
// its own data back. A field named like the slot may hold an ID of something else, or one this route does not
// serve; then everyone is refused, and that refusal says nothing of the access rules.
func victimControl(ctx context.Context, t *audit.Target, r request, target string, body []byte, me, victim *account) ([]byte, *outcome) {
	vc := replay(ctx, t, r, target, body, victim, victim, nil)
	switch {
	case vc.Err != nil:
		return nil, &outcome{Pattern: r.Pattern, Request: vc.Request, Err: vc.Err}
	case !vc.allowed():
		return nil, &outcome{Pattern: r.Pattern, Request: vc.Request, Status: vc.Status, MIME: vc.MIME, Body: vc.Body,
			Err: fmt.Errorf("%w: %s's IDs for %s came from fields of its answers, and %s's own request with them got %s, nothing of its own: a refusal to %s proves nothing",
				errNothingPrivate, victim.Name, r.Pattern, victim.Name, strings.TrimPrefix(vc.got(), "no answer: "), me.Name)}
	}
	return vc.Body, nil
}

// slotKey names a slot within its request.
func slotKey(s slot) string {
	return fmt.Sprintf("%d/%d/%s/%d/%s", s.Kind, s.Path, s.Key, s.Start, strings.Join(s.Var, "."))
}

// victimValues finds the victim's value for each slot of r that differs from r's own: from the victim's request
// of the same pattern (whose answer is then the victim's own, to compare with), else from a field of the
// victim's answers named like the slot ("community_id" for /communities/{id}).
func victimValues(r request, victimReqs []request, victim *account) (map[string]string, []byte) {
	out := map[string]string{}
	for _, vr := range victimReqs {
		if vr.Pattern != r.Pattern || len(vr.Slots) != len(r.Slots) {
			continue
		}
		for i, s := range r.Slots {
			if v := vr.Slots[i].Value; v != s.Value {
				out[slotKey(s)] = v
			}
		}
		return out, vr.X.Body
	}
	for _, s := range r.Slots {
		if s.Name == "" {
			continue
		}
		for _, x := range victim.Traffic {
			if !isJSON(x) {
				continue
			}
			var doc any
			if json.Unmarshal(x.Body, &doc) == nil {
				if v := fieldNamed(doc, s.Name); v != "" && v != s.Value {
					out[slotKey(s)] = v
					break
				}
			}
		}
	}
	return out, nil
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

// coverage says what the replays could cover: the pages each account's walk opened and did not reach, the
// kinds of objects its reads named, and the GraphQL operations that were left alone because they write.
func coverage(t *audit.Target, a, b *account) []audit.Evidence {
	var out []audit.Evidence
	for _, pair := range [][2]*account{{a, b}, {b, a}} {
		acc := pair[0]
		kinds := map[string]bool{}
		for _, r := range objectRequests(acc.Traffic, pair[1].Traffic, t.Probe.InScope) {
			for _, s := range r.Slots {
				if s.Name != "" {
					kinds[s.Name] = true
				}
			}
		}
		var lines []string
		if acc.Walk != nil {
			lines = append(lines, fmt.Sprintf("the walk opened %d pages after login: %s", len(acc.Walk.Walked), routes(acc.Walk.Walked, 12)))
			if len(acc.Walk.NotWalked) > 0 {
				lines = append(lines, fmt.Sprintf("links not opened (the walk's bound): %s", routes(acc.Walk.NotWalked, 8)))
			}
		}
		if len(kinds) > 0 {
			lines = append(lines, "objects named in the replayed reads: "+strings.Join(slices.Sorted(maps.Keys(kinds)), ", "))
		}
		if skipped := leftAlone(acc.Traffic, t.Probe.InScope); len(skipped) > 0 {
			lines = append(lines, "GraphQL operations not replayed: "+strings.Join(skipped, "; "))
		}
		if len(lines) > 0 {
			out = append(out, audit.Note("what "+acc.Name+"'s walk reached", strings.Join(lines, "\n")))
		}
	}
	return out
}

// leftAlone lists the GraphQL operations the account's browser sent that are never replayed, and why.
func leftAlone(traffic []browser.Exchange, inScope func(*url.URL) bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range traffic {
		u, err := url.Parse(x.URL)
		if err != nil || !inScope(u) {
			continue
		}
		if g := graphQL(x.Method, u, x.RequestHeader["content-type"], x.RequestBody); g != nil && !g.readOnly() {
			line := g.label() + " (" + g.Why + ")"
			if !seen[line] {
				seen[line] = true
				out = append(out, line)
			}
		}
	}
	return out
}

// routes shows up to n URLs by their path and query.
func routes(urls []string, n int) string {
	var out []string
	for _, raw := range first(urls, n) {
		if u, err := url.Parse(raw); err == nil {
			route := u.RequestURI()
			if r := browser.HashRoute(raw); r != "" { // a hash router's page (/_/#/collections), not the shell's
				route += "#" + r
			}
			out = append(out, route)
		}
	}
	if len(urls) > n {
		out = append(out, fmt.Sprintf("and %d more", len(urls)-n))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
