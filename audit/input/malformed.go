package input

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/probe"
)

// malformedBodies is the fixed set a JSON collection account A writes to gets once (active: true); the login gets
// the malformed forms of its own submission (account.Submission.Malformed).
var malformedBodies = []account.Malformed{
	{Name: "broken JSON", ContentType: "application/json", Body: []byte(`{"email": "launchready@example.com", "password": `)},
	{Name: "wrong types", ContentType: "application/json", Body: []byte(`{"email": 12345, "password": ["not", "a", "string"]}`)},
	{Name: "missing fields", ContentType: "application/json", Body: []byte(`{}`)},
	{Name: "unexpected field", ContentType: "application/json", Body: []byte(`{"email": "launchready@example.com", "password": "x", "isAdmin": true, "role": "owner"}`)},
	{Name: "wrong content type", ContentType: "text/plain", Body: []byte(`email=launchready@example.com`)},
}

// loginEndpoint is where the app's login form really posts (its HTML POST form, or the request its script sends,
// recorded in the browser): the write endpoint every app has, and the only one a passive audit may send malformed
// input to. The request returned is the form filled with an unknown address and a wrong password, with the form's
// headers (a CSRF token, an apikey), hidden fields and cookies.
func loginEndpoint(ctx context.Context, t *audit.Target) (*audit.Form, *probe.Request, error) {
	form, err := t.Form(ctx, account.Login)
	if err != nil {
		return nil, nil, err
	}
	req, err := form.Request(ctx, form.NewJar(), account.Values{account.Email: "launchready@example.com", account.Password: "launchready-not-a-password"})
	if err != nil {
		return nil, nil, err
	}
	return form, req, nil
}

// Malformed sends the login's own submission malformed, each way once (account.Submission.Malformed: in the form's
// encoding, with its CSRF token, so the handler reads it) and, with active: true, the fixed JSON set to the JSON
// collection account A writes to, and fails on a 5xx or a hang.
func Malformed(ctx context.Context, t *audit.Target) audit.Result {
	form, base, err := loginEndpoint(ctx, t)
	if err != nil {
		return audit.Undecided("no write endpoint to send malformed input to (looked for the login form in the server's HTML and in the browser): " + err.Error())
	}
	bodies := form.Sub.Malformed(base.Body)
	if len(bodies) == 0 {
		return audit.Undecided(fmt.Sprintf("the login's %s body could not be taken apart into fields to send malformed", base.Header.Get("Content-Type")))
	}
	type endpoint struct {
		req    *probe.Request
		bodies []account.Malformed
	}
	endpoints := []endpoint{{base, bodies}}
	if t.Plan.Active {
		if bs, err := t.BrowserSession(ctx, "a"); err == nil {
			if coll, err := t.CanaryCollection(bs.Traffic); err == nil {
				req := audit.FromBrowser("a", bs).Apply(&probe.Request{Method: http.MethodPost, URL: coll, Header: audit.WriteHeader(coll, nil)})
				endpoints = append(endpoints, endpoint{req, malformedBodies})
			}
		}
	}
	var parts []audit.Result
	var statuses []string
	for _, e := range endpoints {
		ep := e.req
		p, s, away := malformedTo(ctx, t, ep, e.bodies)
		parts, statuses = append(parts, p...), append(statuses, s...)
		if away != "" && len(s) > 0 {
			parts = append(parts, audit.Undecided(fmt.Sprintf("every malformed request to %s %s was refused by %s before its handler read the body, so how the handler takes malformed input is not known", ep.Method, audit.Route(ep.URL), away)))
		}
	}
	where := base.Method + " " + audit.Route(base.URL)
	if len(endpoints) > 1 {
		where += " and POST " + audit.Route(endpoints[1].req.URL)
	}
	ev := audit.Note("malformed requests to "+where, strings.Join(statuses, "\n"))
	for _, p := range parts {
		if p.Status == audit.Fail {
			res := audit.Combine(parts...)
			res.Evidence = append(res.Evidence, ev)
			return res
		}
	}
	if len(statuses) == 0 {
		return audit.Combine(parts...)
	}
	// A probe that got no answer, or an endpoint that turned every probe away, keeps the rest from passing.
	res := audit.Combine(append(parts, audit.Passed(fmt.Sprintf("%d malformed requests to %s answered without a server error", len(statuses), where)))...)
	res.Evidence = append(res.Evidence, ev)
	return res
}

// malformedTo sends the malformed set to one endpoint, with the endpoint's session and referer. away says why every
// answer refused the request before the handler read it (a CSRF check, or a 403 to every body whatever it held), ""
// when one did not.
func malformedTo(ctx context.Context, t *audit.Target, base *probe.Request, bodies []account.Malformed) (parts []audit.Result, statuses []string, away string) {
	allAway, all403, answered := true, true, 0
	for _, m := range bodies {
		req := &probe.Request{Method: base.Method, URL: base.URL, Jar: base.Jar, Body: m.Body,
			Header: http.Header{"Content-Type": {m.ContentType}}}
		for k, vs := range base.Header {
			if k != "Content-Type" {
				req.Header[k] = vs
			}
		}
		resp, err := t.Probe.Do(ctx, req)
		if err != nil {
			if strings.Contains(err.Error(), "no answer in time") {
				parts = append(parts, audit.Failed(0, fmt.Sprintf("%s %s with %s hangs: %v", base.Method, audit.Route(base.URL), m.Name, err)))
			} else {
				parts = append(parts, audit.Undecided(err.Error()))
			}
			continue
		}
		statuses = append(statuses, fmt.Sprintf("%s %s → %d", audit.Route(base.URL), m.Name, resp.Status))
		answered++
		all403 = all403 && resp.Status == http.StatusForbidden
		if why := account.TurnedAway(resp); why == "a CSRF check" {
			away = why
		} else {
			allAway = false
		}
		if resp.Status >= 500 {
			ev := audit.Exchange(m.Name, resp, "Content-Type")
			ev.Excerpt = audit.Excerpt(resp.Body, "")
			parts = append(parts, audit.Failed(0, fmt.Sprintf("%s %s with %s answers %d: the handler crashed instead of refusing the input", base.Method, audit.Route(base.URL), m.Name, resp.Status), ev))
		}
	}
	switch {
	case allAway:
	case all403 && answered > 0:
		// Broken JSON, wrong types and missing fields all answered the same 403: a guard (Origin, CSRF, permission)
		// refused them whatever they held, and the handler's own reading of input was never seen.
		away = "an Origin, CSRF or permission check (403 to every one, whatever it held)"
	default:
		away = ""
	}
	return parts, statuses, away
}

// Oversized sends one 2 MiB field and one 12 MiB body to the login endpoint, in the form's own encoding, once each,
// then checks the app still answers.
func Oversized(ctx context.Context, t *audit.Target) audit.Result {
	form, base, err := loginEndpoint(ctx, t)
	if err != nil {
		return audit.Undecided("no write endpoint to send oversized input to (looked for the login form in the server's HTML and in the browser): " + err.Error())
	}
	where := base.Method + " " + audit.Route(base.URL)
	field, err := form.Request(ctx, form.NewJar(), account.Values{account.Email: "launchready@example.com", account.Password: strings.Repeat("A", 2<<20)})
	if err != nil {
		return audit.Undecided("could not fill the login form: " + err.Error())
	}
	body, err := form.Request(ctx, form.NewJar(), account.Values{account.Email: "launchready@example.com", account.Password: "launchready-not-a-password"})
	if err != nil {
		return audit.Undecided("could not fill the login form: " + err.Error())
	}
	// The control: the same login, every value of a normal size. Its answer is how the endpoint refuses a wrong
	// login; an oversized request answered the same way was read whole and judged on its credentials.
	normal, err := form.Request(ctx, form.NewJar(), account.Values{account.Email: "launchready@example.com", account.Password: "launchready-not-a-password"})
	if err != nil {
		return audit.Undecided("could not fill the login form: " + err.Error())
	}
	control, err := t.Probe.Do(ctx, normal)
	if err != nil {
		return audit.Undecided("the login of a normal size got no answer, so the oversized ones have nothing to compare with: " + err.Error())
	}
	// A control a limit, a failure or a CSRF check answered is not how the endpoint refuses a wrong login.
	controlVoid := probe.NoVerdict(control.Status) || account.TurnedAway(control) != ""
	body.Body = pad(body.Body, body.Header.Get("Content-Type"), "padding", 12<<20)
	cases := []struct {
		name string
		req  *probe.Request
		// normal: its login values are those of the control, so read whole it is judged in the control's words
		normal bool
	}{{"a 2 MiB field", field, false}, {"a 12 MiB body", body, true}}
	var parts []audit.Result
	var lines []string
	whole := map[string]int{} // case -> the index of its part, when it was taken whole
	for _, c := range cases {
		resp, err := t.Probe.Do(ctx, c.req)
		switch {
		case err != nil && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)):
			lines = append(lines, c.name+": the connection was closed while sending (refused)")
			parts = append(parts, audit.Passed(""))
		case err != nil:
			parts = append(parts, audit.Undecided(c.name+": "+err.Error()))
		case resp.Status == http.StatusRequestEntityTooLarge || resp.Status == http.StatusBadRequest && (!controlVoid && control.Status != http.StatusBadRequest || sizeWords.MatchString(account.Shown(resp))):
			lines = append(lines, fmt.Sprintf("%s → %d", c.name, resp.Status))
			parts = append(parts, audit.Passed(""))
		case resp.Status == http.StatusBadRequest:
			// 400 is also how this endpoint answers a wrong login of a normal size: no sign of a size limit.
			lines = append(lines, fmt.Sprintf("%s → %d, without a word of its size", c.name, resp.Status))
			parts = append(parts, audit.Undecided(fmt.Sprintf("%s answered %s 400 without a word of its size, and a wrong login of a normal size got %d: whether it was read whole is not known", where, c.name, control.Status)))
		case resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusLocked:
			lines = append(lines, fmt.Sprintf("%s → %d", c.name, resp.Status))
			parts = append(parts, audit.Undecided(fmt.Sprintf("%s answered %s %d, a limit on logins: what it does with the size is not known", where, c.name, resp.Status)))
		case !controlVoid && resp.Status != control.Status:
			// Neither a refusal of its size nor the wrong login's answer: something turned it away (Go's form
			// parser stops at 10 MB, and the handler then redirects) or took it, and which is not known.
			lines = append(lines, fmt.Sprintf("%s → %d, not the %d a wrong login of a normal size gets", c.name, resp.Status, control.Status))
			parts = append(parts, audit.Undecided(fmt.Sprintf("%s answered %s %d, neither a refusal of its size (413) nor the %d a wrong login gets: whether it was read whole is not known", where, c.name, resp.Status, control.Status)))
		case !controlVoid && resp.Status == control.Status && account.Message(resp) != account.Message(control) && sizeWords.MatchString(account.Message(resp)):
			// Answered as the endpoint answers a wrong login, but refusing its size in words: the app's validation
			// (Gitea: "Password must contain at most 255 characters").
			lines = append(lines, fmt.Sprintf("%s → %d, refused for its size: %q", c.name, resp.Status, account.Message(resp)))
			parts = append(parts, audit.Passed(""))
		case c.normal && !controlVoid && account.Message(resp) != account.Message(control):
			// The control's status, not its words: the login's values were not read (Gitea: "cannot be empty" where
			// a wrong login is told "incorrect"), so the parser stopped before them; a limit, if not a refusal.
			lines = append(lines, fmt.Sprintf("%s → %d, %q where a wrong login of a normal size is told %q", c.name, resp.Status, account.Message(resp), account.Message(control)))
			parts = append(parts, audit.Undecided(fmt.Sprintf("%s answered %s %d as a wrong login, but not in its words: the login in it was not read, so its parser stopped before the end (Go's stops at 10 MB) rather than refusing it with 413; how much it held in memory is not known", where, c.name, resp.Status)))
		default:
			lines = append(lines, fmt.Sprintf("%s → %d", c.name, resp.Status))
			whole[c.name] = len(parts)
			parts = append(parts, audit.Failed(0, fmt.Sprintf("%s took %s whole and answered %d: without a body limit a few such requests exhaust memory", where, c.name, resp.Status)))
		}
	}
	// The field taken whole while the body was refused: there is a limit, set too high for a login. While the body's
	// fate is not known (another answer than a wrong login's), a limit may still stop it: the fail is the field's.
	if i, ok := whole[cases[0].name]; ok {
		switch parts[len(parts)-1].Status {
		case audit.Pass:
			parts[i] = audit.Failed(0, fmt.Sprintf("%s took %s whole (answered as a wrong login), though it refused the 12 MiB body: its body limit is over 2 MiB where a login needs a few kilobytes, so a few such requests still hold megabytes each; limit this endpoint to about 100 KB", where, cases[0].name))
		case audit.Inconclusive:
			parts[i] = audit.Failed(0, fmt.Sprintf("%s took %s whole (answered as a wrong login): if a limit stops larger bodies, it is over 2 MiB where a login needs a few kilobytes, so a few such requests still hold megabytes each; limit this endpoint to about 100 KB", where, cases[0].name))
		}
	}
	alive, err := t.Probe.Do(ctx, &probe.Request{URL: t.App.String()})
	if err != nil || alive.Status >= 500 {
		parts = append(parts, audit.Failed(audit.High, fmt.Sprintf("the app stopped answering after the oversized requests: %v", errOrStatus(err, alive))))
		lines = append(lines, "afterwards: the app does not answer")
	} else {
		lines = append(lines, fmt.Sprintf("afterwards: the app answers %d", alive.Status))
	}
	lines = append([]string{fmt.Sprintf("the same login of a normal size → %d", control.Status)}, lines...)
	res := audit.Combine(parts...)
	res.Evidence = append(res.Evidence, audit.Note("oversized requests to "+form.Describe(), strings.Join(lines, "\n")))
	if res.Status == audit.Pass {
		res.Summary = "oversized input to " + where + " is refused and the app stays up"
	}
	return res
}

// sizeWords are how an answer says a request was too large.
var sizeWords = regexp.MustCompile(`(?i)too (large|long|big)|payload|entity|size|length|exceed|maximum|\bmax\b|(at most|no more than|up to|not more than) \d+`)

func errOrStatus(err error, resp *probe.Response) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("status %d", resp.Status)
}

// StoredXSS, with active: true only, posts a harmless marker payload as account A through the app's own API, then
// opens the page A lands on in a new tab of A's browser session (a fresh load of the page, no second login) and
// checks whether the payload ran. The canary is removed afterwards.
func StoredXSS(ctx context.Context, t *audit.Target) audit.Result {
	if !t.Plan.Active {
		return audit.NotRun("posts a harmless marker as account A: set active: true in the plan to allow it")
	}
	bs, err := t.BrowserSession(ctx, "a")
	if err != nil {
		return audit.BrowserOutcome(err)
	}
	creds := audit.FromBrowser("a", bs)
	marker := fmt.Sprintf("lrxss%d", time.Now().UnixNano()%1e9)
	payload := `<img src=x onerror="window.__lrxss='` + marker + `'">` + marker
	c, err := t.NewCanary(ctx, creds, bs.Traffic, payload)
	if err != nil {
		return audit.Undecided("could not post the marker as A: " + err.Error())
	}
	defer c.Remove(ctx, t, creds)
	viewer, err := bs.Open(ctx, bs.LandingURL)
	if err != nil {
		return audit.BrowserOutcome(err)
	}
	defer viewer.Close()
	ran, _ := viewer.Eval(`() => window.__lrxss || ""`)
	shown, _ := viewer.Eval(`() => document.body.innerText.includes("` + marker + `") ? "yes" : ""`)
	asHTML, _ := viewer.Eval(`() => document.querySelector('img[onerror*="` + marker + `"]') ? "yes" : ""`)
	ev := audit.Note("marker posted in "+audit.Route(c.Collection), "payload: "+payload+"\nviewed at: "+bs.LandingURL)
	switch {
	case ran == marker:
		return audit.Failed(0, "the marker's script ran when the page rendered A's post: user content is inserted as HTML (stored XSS)", ev)
	case asHTML == "yes":
		return audit.Warned(audit.Medium, "A's post is inserted into the page as HTML; only the Content-Security-Policy stopped the marker's script: escape user content on output", ev)
	case shown == "yes":
		return audit.Passed("the marker was shown as text, its script did not run", ev)
	}
	return audit.Undecided("the marker post did not appear on the page the app opens after login, so rendering could not be judged", ev)
}

// pad adds one more top-level field to a JSON object or form-encoded body.
// pad adds a field key of n letters to the body, in its encoding (JSON or form), building the n letters once, in
// place: a 12 MiB body must not cost the audit several times that in copies.
func pad(body []byte, contentType, key string, n int) []byte {
	const marker = "launchready-padding-goes-here"
	head, tail := append(append([]byte(nil), body...), "&"+url.QueryEscape(key)+"="...), []byte(nil)
	if strings.Contains(contentType, "json") {
		var doc map[string]any
		if json.Unmarshal(body, &doc) == nil {
			doc[key] = marker
			if out, err := json.Marshal(doc); err == nil {
				if before, after, ok := bytes.Cut(out, []byte(marker)); ok {
					head, tail = before, after
				}
			}
		}
	}
	out := make([]byte, len(head)+n+len(tail))
	copy(out, head)
	filler := out[len(head) : len(head)+n]
	for i := range filler {
		filler[i] = 'B'
	}
	copy(out[len(head)+n:], tail)
	return out
}
