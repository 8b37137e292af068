package authz

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// account is one side of the replay: its credentials, its recorded traffic and what only its answers contain.
type account struct {
	Name    string // "A" or "B"
	Creds   *audit.Session
	Traffic []browser.Exchange
	Private []string
	Headers http.Header // the app's own custom headers on this account's requests (CSRF, apikey, ...)
}

// sides logs both accounts in through the browser and prepares them for replays.
func sides(ctx context.Context, t *audit.Target) (a, b *account, res *audit.Result) {
	// Both accounts log in at once: the browser has a context for each.
	var bs *browser.Session
	var berr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		bs, berr = t.BrowserSession(ctx, "b")
	}()
	as, err := t.BrowserSession(ctx, "a")
	<-done
	if err != nil {
		r := audit.BrowserOutcome(err)
		return nil, nil, &r
	}
	if err := berr; err != nil {
		r := audit.BrowserOutcome(err)
		if r.Status == audit.Skipped {
			r.Summary = "the ID swap needs two accounts in two different orgs/communities: add accounts.b to the plan"
		}
		return nil, nil, &r
	}
	a = &account{Name: "A", Creds: audit.FromBrowser("a", as), Traffic: as.Traffic, Headers: customHeaders(as.Traffic)}
	b = &account{Name: "B", Creds: audit.FromBrowser("b", bs), Traffic: bs.Traffic, Headers: customHeaders(bs.Traffic)}
	a.Private = privateValues(a.Traffic, b.Traffic, t.Plan.Accounts.A.Email)
	b.Private = privateValues(b.Traffic, a.Traffic, t.Plan.Accounts.B.Email)
	return a, b, nil
}

// credentialHeaders are replaced, never carried over, when a request is replayed as someone else.
var credentialHeaders = map[string]bool{"authorization": true, "cookie": true, "proxy-authorization": true}

// customHeaders are the non-standard headers the app's own API calls carried (x-csrf-token, apikey, x-tenant...).
func customHeaders(traffic []browser.Exchange) http.Header {
	h := http.Header{}
	for _, x := range traffic {
		if !x.IsAPI() {
			continue
		}
		for k, v := range x.RequestHeader {
			if (strings.HasPrefix(k, "x-") || k == "apikey") && !credentialHeaders[k] && h.Get(k) == "" {
				h.Set(k, v)
			}
		}
	}
	return h
}

// outcome is one replay and what it showed.
type outcome struct {
	Who     string // "as B, A's request"
	Pattern string
	Request string // method and URL
	Status  int
	Leak    string // the private value found in the answer
	Similar bool   // the answer is the owner's document even without a recognised value
	Body    []byte
	Err     error
}

func (o outcome) allowed() bool { return o.Err == nil && (o.Leak != "" || o.Similar) }

// replay sends url as `as` (nil: no credentials) and judges the answer against the owner's.
func replay(ctx context.Context, t *audit.Target, r request, target string, as *account, owner *account, ownerBody []byte) outcome {
	req := &probe.Request{URL: target, Header: http.Header{"Accept": {"application/json, text/html;q=0.9, */*;q=0.5"}}}
	if as != nil {
		for k, vs := range as.Headers {
			req.Header[http.CanonicalHeaderKey(k)] = vs
		}
		as.Creds.Apply(req)
	}
	o := outcome{Pattern: r.Pattern, Request: "GET " + target}
	resp, err := t.Probe.Do(ctx, req)
	if err != nil {
		o.Err = err
		return o
	}
	o.Status, o.Body = resp.Status, resp.Body
	if resp.Status < 200 || resp.Status >= 300 {
		return o // refused: 401/403/404, a redirect to the login page, ...
	}
	o.Leak = leaked(resp.Body, owner.Private)
	// The same document as the owner's is a leak when the owner's answer carried private data at all.
	o.Similar = o.Leak == "" && similar(resp.Body, ownerBody) && leaked(ownerBody, owner.Private) != ""
	return o
}

// evidence shows a replay: what was sent as whom, what came back, and the leaked part.
func (o outcome) evidence(label string) audit.Evidence {
	ev := audit.Evidence{Label: label, Request: o.Request, Status: o.Status}
	switch {
	case o.Leak != "":
		ev.Excerpt = audit.Excerpt(o.Body, o.Leak)
	case o.Similar:
		ev.Excerpt = audit.Excerpt(o.Body, "")
	case o.Err != nil:
		ev.Excerpt = o.Err.Error()
	}
	return ev
}

// tally summarises the replays of a check for its evidence: how many, and how long.
func tally(n int, since time.Time) audit.Evidence {
	return audit.Note("replays", fmt.Sprintf("%d replays in %s", n, time.Since(since).Round(time.Millisecond)))
}

// judgeAll turns replays into the check's result: one line per endpoint pattern that let data through.
func judgeAll(outs []outcome, what string, start time.Time) audit.Result {
	byPattern := map[string][]outcome{}
	var order []string
	errs := 0
	for _, o := range outs {
		if o.Err != nil {
			errs++
		}
		if _, ok := byPattern[o.Pattern]; !ok {
			order = append(order, o.Pattern)
		}
		byPattern[o.Pattern] = append(byPattern[o.Pattern], o)
	}
	var parts []audit.Result
	for _, p := range order {
		for _, o := range byPattern[p] {
			if o.allowed() {
				why := "leaked " + fmt.Sprintf("%q", o.Leak)
				if o.Similar {
					why = "got the owner's own answer"
				}
				parts = append(parts, audit.Failed(0, fmt.Sprintf("%s: %s %s (%d, %s)", p, o.Who, what, o.Status, why), o.evidence(p+", "+o.Who)))
				break
			}
		}
	}
	ev := tally(len(outs), start)
	if len(parts) > 0 {
		res := audit.Combine(parts...)
		res.Evidence = append(res.Evidence, ev)
		return res
	}
	decided := len(outs) - errs
	if decided == 0 {
		if errs > 0 {
			return audit.Undecided(fmt.Sprintf("none of %d replays got an answer: %v", errs, outs[0].Err), ev)
		}
		return audit.Undecided("no recorded request named an object to replay (the walk found no API call with an ID): set paths in the plan to pages that load objects", ev)
	}
	var refused []audit.Evidence
	for _, p := range order {
		refused = append(refused, byPattern[p][0].evidence(p+" (refused)"))
	}
	res := audit.Passed(fmt.Sprintf("%d replays over %d endpoint patterns: none returned the other account's data", decided, len(order)), append(refused, ev)...)
	return res
}
