package authz

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/launchready/launchready/audit"
	accounts "github.com/launchready/launchready/audit/account"
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
	Walk    *browser.Session
}

// apply puts the account's credentials on req, with the headers its app's scripts add to every call (an apikey).
func (acc *account) apply(req *probe.Request) *probe.Request {
	if req.Header == nil {
		req.Header = http.Header{}
	}
	for k, vs := range acc.Headers {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	acc.Creds.Apply(req)
	return req
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
	a, b = prepare(ctx, t, as, bs)
	return a, b, nil
}

// prepare makes the two accounts of a pair of sessions ready for replays. What each one's data is (its private
// values) is read from every body both walks recorded, seconds of work on an SPA's megabytes of JSON and scripts:
// it is read once per pair however many checks ask, and only read from then on. Each check gets credentials of its
// own (a cookie jar an answer's Set-Cookie changes). What the app's first page showed a visitor who is not logged
// in is no one's private data either, whatever the other walk missed (Node-RED's translations, fetched by A's
// walk and not by B's: "You have undeployed changes" read as A's own, and a fail).
func prepare(ctx context.Context, t *audit.Target, as, bs *browser.Session) (a, b *account) {
	p := t.Once(fmt.Sprintf("authz.private %p %p", as, bs), func() any {
		aReqs := objectRequests(as.Traffic, bs.Traffic, t.Probe.InScope)
		bReqs := objectRequests(bs.Traffic, as.Traffic, t.Probe.InScope)
		anon, _ := t.AnonymousVisit(ctx) // none when the visit failed: the other account's traffic alone, as before
		seenBy := func(other []browser.Exchange) []browser.Exchange { return append(slices.Clip(other), anon...) }
		private := [2][]string{
			privateValues(as.Traffic, seenBy(bs.Traffic), counterparts(aReqs, bReqs), t.Plan.Accounts.A.Email),
			privateValues(bs.Traffic, seenBy(as.Traffic), counterparts(bReqs, aReqs), t.Plan.Accounts.B.Email),
		}
		return prepared{private: private, items: [2][]browser.Exchange{
			itemsOfLists(ctx, t, newAccount("A", as, private[0], nil)),
			itemsOfLists(ctx, t, newAccount("B", bs, private[1], nil)),
		}}
	}).(prepared)
	return newAccount("A", as, p.private[0], p.items[0]), newAccount("B", bs, p.private[1], p.items[1])
}

// newAccount is the account of a session for replays: its credentials (its own, as each check gets them), the
// headers its app's scripts add, its private values, and its traffic with the items its lists lead to.
func newAccount(name string, s *browser.Session, private []string, items []browser.Exchange) *account {
	return &account{Name: name, Creds: audit.FromBrowser(strings.ToLower(name), s), Traffic: append(slices.Clip(s.Traffic), items...),
		Headers: customHeaders(s.Traffic), Walk: s, Private: private}
}

// prepared is what a pair of sessions is read for once: each account's private values, and the items its lists
// lead to (itemsOfLists).
type prepared struct {
	private [2][]string
	items   [2][]browser.Exchange
}

// counterparts are the pages of mine whose route the other account also opened: its own dashboard, its own
// project page. Their text can be told apart between the accounts.
func counterparts(mine, theirs []request) map[string]bool {
	routes := map[string]bool{}
	for _, r := range theirs {
		routes[r.Pattern] = true
	}
	out := map[string]bool{}
	for _, r := range mine {
		if r.X.Type == "Document" && routes[r.Pattern] {
			out[r.X.URL] = true
		}
	}
	return out
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
	Who      string // "with B's session, A's request"
	Pattern  string
	Request  string // method and URL, and a GraphQL body
	Status   int
	Location string // where a redirect pointed
	Leak     string // the private value found in the answer
	Similar  bool   // the answer is the owner's document even without a recognised value
	MIME     string
	Body     []byte
	Err      error
}

func (o outcome) allowed() bool { return o.Err == nil && (o.Leak != "" || o.Similar) }

// replayConcurrency is how many replays of one check are in flight at once: light, like the latency sampler's.
const replayConcurrency = 3

// inOrder runs the replays of a check, replayConcurrency at a time, and returns their outcomes in the jobs' order.
func inOrder(jobs []func() outcome) []outcome {
	outs := make([]outcome, len(jobs))
	sem := make(chan struct{}, replayConcurrency)
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			outs[i] = job()
		})
	}
	wg.Wait()
	return outs
}

// replay sends the request (to target, with body for a GraphQL query) as `as` (nil: no credentials) and judges
// the answer against the owner's. Redirects are not followed: a redirect that still carries the page is a leak.
func replay(ctx context.Context, t *audit.Target, r request, target string, body []byte, as *account, owner *account, ownerBody []byte) outcome {
	// The same replay (the same request with the same credentials) may come from two checks: an ID swap of B's
	// request can be A's own request with B's session. The probe sends it once.
	req := &probe.Request{Method: r.X.Method, URL: target, Header: http.Header{"Accept": {"application/json, text/html;q=0.9, */*;q=0.5"}}, Shared: true}
	if r.X.Method != http.MethodGet && r.X.Method != http.MethodHead {
		// A browser sends its page's Origin with every other method (a GraphQL query is a POST); CSRF guards and
		// gateways refuse the request without it. The recorded one when the browser's request had it: an API on
		// another origin sees the page's origin, not its own.
		if origin := r.X.RequestHeader["origin"]; origin != "" {
			req.Header.Set("Origin", origin)
		} else {
			audit.WriteHeader(target, req.Header)
		}
	}
	o := outcome{Pattern: r.Pattern, Request: r.X.Method + " " + target}
	if body != nil {
		req.Body = body
		req.Header.Set("Content-Type", "application/json")
		o.Request += " " + string(body)
	}
	if as != nil {
		as.apply(req)
	}
	resp, err := t.Probe.Do(ctx, req)
	if err != nil {
		o.Err = err
		return o
	}
	o.Status, o.Body, o.MIME, o.Location = resp.Status, resp.Body, resp.Header.Get("Content-Type"), resp.Header.Get("Location")
	if probe.NoVerdict(resp.Status) {
		// A limit or a failing server answered before the app's access rules did: no refusal, no verdict.
		o.Err = fmt.Errorf("%s answered %d, a limit or a failure rather than a refusal: what it would have shown is not known", o.Pattern, resp.Status)
		return o
	}
	if resp.Status < 200 || resp.Status >= 400 {
		return o // refused: 401/403/404
	}
	// A 2xx, or a redirect, which refuses only if it does not also send the page ("execution after redirect").
	// A value the request itself carried (the ID asked for, echoed in "project 12 not found") proves nothing.
	private := notIn(owner.Private, o.Request)
	got := content(o.MIME, resp.Body)
	o.Leak = leaked(resp.Body, private)
	if o.Leak == "" {
		o.Leak = leaked(got, private)
	}
	// The same document as the owner's is a leak when the owner's answer carried private data at all.
	mine := content("", ownerBody)
	o.Similar = o.Leak == "" && similar(got, mine) && (leaked(ownerBody, private) != "" || leaked(mine, private) != "")
	return o
}

// notIn drops the values that sent contains, as sent or URL-encoded.
func notIn(values []string, sent string) []string {
	unescaped, _ := url.QueryUnescape(sent)
	var out []string
	for _, v := range values {
		if !strings.Contains(sent, v) && !strings.Contains(unescaped, v) {
			out = append(out, v)
		}
	}
	return out
}

// loginPath tells a redirect to the sign-in page from one elsewhere.
var loginPath = regexp.MustCompile(`(?i)log_?in|sign_?in|sign-in|session|auth|sso`)

// got says in a few words what the replay got: "refused 403", "login redirect 302", "200 without the owner's data".
func (o outcome) got() string {
	switch {
	case errors.Is(o.Err, errNothingPrivate):
		return "not judged: " + strings.TrimPrefix(o.Err.Error(), errNothingPrivate.Error()+": ")
	case o.Err != nil:
		return "no answer: " + o.Err.Error()
	case o.allowed() && o.Status >= 300:
		return fmt.Sprintf("%d redirect to %s that still carries the page", o.Status, audit.Route(o.Location))
	case o.allowed():
		return fmt.Sprintf("%d with the owner's data", o.Status)
	case o.Status == 401 || o.Status == 403:
		return fmt.Sprintf("refused %d", o.Status)
	case o.Status == 404 || o.Status == 410:
		return fmt.Sprintf("not found %d", o.Status)
	case o.Status >= 300 && o.Status < 400 && loginPath.MatchString(o.Location):
		return fmt.Sprintf("login redirect %d to %s", o.Status, audit.Route(o.Location))
	case o.Status >= 300 && o.Status < 400:
		return fmt.Sprintf("redirect %d to %s", o.Status, audit.Route(o.Location))
	case o.Status >= 200 && o.Status < 300 && bytes.Contains(o.Body, []byte(`"errors"`)) && strings.Contains(o.MIME, "json"):
		return fmt.Sprintf("%d with errors and without the owner's data", o.Status)
	case o.Status >= 200 && o.Status < 300:
		return fmt.Sprintf("%d without the owner's data", o.Status)
	}
	return fmt.Sprintf("answered %d", o.Status)
}

// shape says in a few words, redacted, what an answer was: its type and the start of its content ("text/html: Checking
// your browser…", "application/json: []").
func (o outcome) shape(redact func(string) string) string {
	text := redact(strings.Join(strings.Fields(string(content(o.MIME, o.Body))), " ")) // before quoting and cutting
	if text == "" {
		text = "empty"
	}
	return fmt.Sprintf("%s: %q", cmp.Or(strings.TrimSpace(strings.Split(o.MIME, ";")[0]), "no Content-Type"), accounts.Clip(text, 60))
}

// evidence shows a replay so that anyone can do it again: what was sent with which credential, what came back,
// and the leaked part.
func (o outcome) evidence() audit.Evidence {
	ev := audit.Evidence{Label: o.Pattern + ": " + o.got(), Request: o.Request, Status: o.Status}
	if o.Who != "" {
		ev.Label = o.Pattern + ", " + o.Who + ": " + o.got()
	}
	if o.Location != "" {
		ev.Headers = []string{"Location: " + o.Location}
	}
	switch {
	case o.Leak != "":
		ev.Label = "reproduce: " + o.Who + " (" + o.got() + ")"
		ev.Excerpt = audit.Excerpt(o.Body, o.Leak)
		if !strings.Contains(ev.Excerpt, o.Leak) {
			ev.Excerpt = audit.Excerpt(content(o.MIME, o.Body), o.Leak)
		}
	case o.Similar:
		ev.Label = "reproduce: " + o.Who + " (" + o.got() + ")"
		ev.Excerpt = audit.Excerpt(content(o.MIME, o.Body), "")
	case o.Err != nil && !errors.Is(o.Err, errNothingPrivate): // the label says it all for those
		ev.Excerpt = o.Err.Error()
	}
	return ev
}

// firstErr is the first outcome's error that is target, for a summary.
func firstErr(outs []outcome, target error) error {
	for _, o := range outs {
		if errors.Is(o.Err, target) {
			return o.Err
		}
	}
	return nil
}

// tally summarises the replays of a check for its evidence: how many, and how long.
func tally(n int, since time.Time) audit.Evidence {
	return audit.Note("replays", fmt.Sprintf("%d replays in %s", n, time.Since(since).Round(time.Millisecond)))
}

// judgeAll turns replays into the check's result: one line per endpoint pattern that let data through, with a
// reproduction; when none did, what each pattern got.
func judgeAll(outs []outcome, what string, start time.Time, notes ...audit.Evidence) audit.Result {
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
			if !o.allowed() {
				continue
			}
			why := "leaked " + fmt.Sprintf("%q", o.Leak)
			if o.Similar {
				why = "got the owner's own answer"
			}
			if o.Status >= 300 {
				why = fmt.Sprintf("redirected to %s but still sent the page: %s", audit.Route(o.Location), why)
			}
			parts = append(parts, audit.Failed(0, fmt.Sprintf("%s: %s %s (%d, %s)", p, o.Who, what, o.Status, why), o.evidence()))
			break
		}
	}
	tail := append(notes, tally(len(outs), start))
	if len(parts) > 0 {
		res := audit.Combine(parts...)
		res.Evidence = append(res.Evidence, tail...)
		return res
	}
	decided := len(outs) - errs
	moot := 0 // of errs: requests whose owner's replay held nothing of the owner's
	for _, o := range outs {
		if errors.Is(o.Err, errNothingPrivate) {
			moot++
		}
	}
	if decided == 0 {
		if errs > 0 {
			var seen []audit.Evidence
			for _, p := range order {
				seen = append(seen, byPattern[p][0].evidence())
			}
			why := fmt.Sprintf("none of %d replays got an answer: %v", errs, outs[0].Err)
			if moot > 0 {
				why = fmt.Sprintf("none of %d replays could decide: %d of the replayed requests showed nothing only their owner sees when the owner sent them again (%v), and a refusal or an empty answer to someone else proves nothing then; give each test account data of its own the app shows (a note, a project), reachable by a link from the page its login lands on or listed by its API: the walk follows links and opens a list's first item, it does not click rows or buttons", errs, moot, firstErr(outs, errNothingPrivate))
			}
			return audit.Undecided(why, append(seen, tail...)...)
		}
		return audit.Undecided("no recorded request named an object to replay (the walk found no page or API call with an ID): give each test account data of its own the app shows, reachable by a link from the page its login lands on or listed by its API (the walk follows links and opens a list's first item, it does not click rows or buttons)", tail...)
	}
	var seen []audit.Evidence
	patterns := 0
	for _, p := range order {
		seen = append(seen, byPattern[p][0].evidence())
		if slices.ContainsFunc(byPattern[p], func(o outcome) bool { return o.Err == nil }) {
			patterns++
		}
	}
	summary := fmt.Sprintf("%d replays over %d endpoint patterns: none returned the other account's data", decided, patterns)
	if errs-moot > 0 {
		summary += fmt.Sprintf(" (%d more got no answer or could not be replayed: see the evidence)", errs-moot)
	}
	if moot > 0 {
		summary += fmt.Sprintf(" (%d more not judged: the owner's own replay showed nothing only the owner sees)", moot)
	}
	return audit.Passed(summary, append(seen, tail...)...)
}
