package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/probe"
)

// attempt is one request of a burst and its answer.
type attempt struct {
	N       int
	Status  int
	At      time.Duration
	Outcome account.Outcome // how the app answered a write's values ("" when not read: a login burst)
	Said    string          // the app's own words
}

// burst is what a burst saw.
type burst struct {
	Attempts  []attempt
	LimitedAt int // the attempt that was refused, 0 when none was
	Elapsed   time.Duration
	Signals   []string // the answer's Retry-After, RateLimit-* headers, or lockout text
	// Before is lockout text the first answer already showed ("protected by reCAPTCHA", "too many attempts" left
	// from an earlier run): words there from the start are no reaction to the burst, so they never count as one.
	Before string
	Err    error
	Last   *probe.Response
	// Earlier is how many requests the audit itself had sent to the burst's endpoint before it (the logins, the
	// account flows, the canaries), the first of them Since before the burst began: a limit that counts per client
	// or per account counted those too, so a refusal early in the burst is no threshold of its own.
	Earlier      int
	EarlierSince time.Duration
	// read says the answers were read as a form's answers (accepted, refused by validation…): the burst is of
	// writes that must be accepted to prove anything.
	read bool
}

// count is how many attempts had the outcome, and the app's words for the first of them.
func (b burst) count(o account.Outcome) (n int, said string) {
	for _, a := range b.Attempts {
		if a.Outcome == o {
			if n++; said == "" {
				said = a.Said
			}
		}
	}
	return n, said
}

// limited reports an answer that refuses for being too many: 429, 423, a 503 with Retry-After, or a page that says
// so in its shown text (a lockout message, a captcha) when the first answer (before) did not already.
func limited(resp *probe.Response, before string) (bool, []string) {
	var signals []string
	for _, h := range []string{"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy", "X-RateLimit-Limit", "X-RateLimit-Remaining"} {
		if v := resp.Header.Get(h); v != "" {
			signals = append(signals, h+": "+v)
		}
	}
	switch {
	case resp.Status == http.StatusTooManyRequests, resp.Status == http.StatusLocked:
		return true, signals
	case resp.Status == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
		return true, signals
	}
	if m := lockoutSaid(resp); m != "" && !strings.EqualFold(m, before) {
		return true, append(signals, fmt.Sprintf("the page says %q", m))
	}
	return false, signals
}

// lockoutSaid is the lockout text the answer shows (not its scripts or markup: a captcha widget's script is no
// limit), "" when none.
func lockoutSaid(resp *probe.Response) string {
	return account.LockoutText.FindString(account.Shown(resp))
}

// run sends at most max requests within window, one after another, and stops at the first refusal. form, when
// given, reads each answer as that form's (accepted, refused by validation, error); seen, when given, gets every
// answer (to clean up what a write burst created).
func run(ctx context.Context, t *audit.Target, form *account.Submission, next func(i int) (*probe.Request, error), seen ...func(*probe.Response)) burst {
	max, window := t.Plan.Limits.BurstBounds()
	b := burst{read: form != nil}
	start := time.Now()
	for i := 1; i <= max && time.Since(start) < window; i++ {
		req, err := next(i)
		if err != nil {
			b.Err = err
			break
		}
		if i == 1 {
			b.earlier(t, req, start)
		}
		resp, err := t.Probe.Do(ctx, req)
		if err != nil {
			b.Err = err
			break
		}
		b.Last = resp
		for _, f := range seen {
			f(resp)
		}
		a := attempt{N: i, Status: resp.Status, At: time.Since(start)}
		if i == 1 && resp.Status != http.StatusTooManyRequests && resp.Status != http.StatusLocked {
			b.Before = lockoutSaid(resp)
		}
		lim, signals := limited(resp, b.Before)
		if form != nil && !lim {
			a.Outcome, a.Said = form.Answer(resp)
		}
		b.Attempts = append(b.Attempts, a)
		if lim {
			b.LimitedAt, b.Signals = i, signals
			break
		}
	}
	b.Elapsed = time.Since(start)
	return b
}

// earlier counts what the audit had sent to req's endpoint before the burst began at start.
func (b *burst) earlier(t *audit.Target, req *probe.Request, start time.Time) {
	u, err := url.Parse(req.URL)
	if err != nil || t.Ledger == nil {
		return
	}
	if sent := t.Ledger.Writes(req.Method, u); len(sent) > 0 {
		b.Earlier, b.EarlierSince = len(sent), start.Sub(sent[0])
	}
}

// earlierSaid says what the audit had sent to the endpoint before the burst ("" when nothing).
func (b burst) earlierSaid() string {
	if b.Earlier == 0 {
		return ""
	}
	return fmt.Sprintf("before the burst the audit itself had sent %d requests to it, over the %s before (its logins, flows or canaries): a limit that counts per client or per account counts those too",
		b.Earlier, dur(b.EarlierSince))
}

// evidence shows the burst: every status in order, and what the refusal said.
func (b burst) evidence(label string) audit.Evidence {
	var statuses []string
	for _, a := range b.Attempts {
		statuses = append(statuses, fmt.Sprint(a.Status))
	}
	text := fmt.Sprintf("%d attempts in %s: %s", len(b.Attempts), dur(b.Elapsed), strings.Join(statuses, " "))
	if b.read {
		var parts []string
		for _, o := range []account.Outcome{account.Accepted, account.Invalid, account.Errored} {
			// Accepted is shown when none was too: how many got through before the limit is what a reader wants.
			if n, said := b.count(o); n > 0 || o == account.Accepted {
				part := fmt.Sprintf("%d %s", n, o)
				if said != "" && o != account.Accepted {
					part += fmt.Sprintf(" (%q)", said)
				}
				parts = append(parts, part)
			}
		}
		if b.LimitedAt > 0 {
			parts = append(parts, "1 refused by a limit")
		}
		text += "\n" + strings.Join(parts, ", ")
	}
	if len(b.Signals) > 0 {
		text += "\n" + strings.Join(b.Signals, "\n")
	}
	if e := b.earlierSaid(); e != "" {
		text += "\n" + e
	}
	ev := audit.Note(label, text)
	if b.Last != nil {
		ev.Request = b.Last.Method + " " + b.Last.URL
		ev.Status = b.Last.Status
	}
	return ev
}

// judge turns a burst against endpoint ("POST /api/auth/login") into the check's result.
func (b burst) judge(what, endpoint string, sev audit.Severity) audit.Result {
	ev := b.evidence(what + " attempts to " + endpoint)
	switch {
	case b.LimitedAt > 0:
		summary := fmt.Sprintf("%s attempts to %s limited after %d attempts in %s (%d%s)", what, endpoint, b.LimitedAt, dur(b.Attempts[b.LimitedAt-1].At), b.Last.Status, retry(b.Signals))
		if b.Earlier > 0 {
			summary += fmt.Sprintf("; the audit had sent %d requests to it before the burst, which the limit may count too", b.Earlier)
		}
		return audit.Passed(summary, ev)
	case len(b.Attempts) == 0:
		return audit.Undecided(fmt.Sprintf("no %s attempt could be sent to %s: %v", what, endpoint, b.Err), ev)
	case b.Err != nil:
		return audit.Undecided(fmt.Sprintf("the burst to %s stopped after %d %s attempts, none refused: %v", endpoint, len(b.Attempts), what, b.Err), ev)
	case b.Before != "":
		return audit.Undecided(fmt.Sprintf("%d %s attempts to %s, and every answer said %q from the first attempt on, before the burst could have caused it: a captcha or a lockout left from earlier; whether the app limits attempts is not known (check by hand, or run again later)",
			len(b.Attempts), what, endpoint, b.Before), ev)
	case b.turnedAway():
		return audit.Undecided(fmt.Sprintf("every %s attempt to %s answered %d before the app judged it (%s): the replay was turned away, so no limit could be seen; set paths in the plan or report this app's form",
			what, endpoint, b.Last.Status, account.TurnedAway(b.Last)), ev)
	}
	if b.read {
		accepted, _ := b.count(account.Accepted)
		if accepted == 0 {
			why := "none was accepted"
			if n, said := b.count(account.Invalid); n > 0 {
				why = fmt.Sprintf("all %d were refused by the app's validation", n)
				if said != "" {
					why += fmt.Sprintf(" (%q)", said)
				}
			} else if n, _ := b.count(account.Errored); n > 0 {
				why = fmt.Sprintf("%d ended in a server error", n)
			}
			return audit.Undecided(fmt.Sprintf("%d %s attempts to %s, none limited, but %s: a limit that only counts accepted attempts could not be seen; check the form's fields (paths in the plan) or report this app's form",
				len(b.Attempts), what, endpoint, why), ev)
		}
		return audit.Failed(sev, fmt.Sprintf("%d %s attempts to %s in %s, %d accepted, none refused by a limit: nothing slows down a script (limit to about 5 per minute per IP, answer 429 with Retry-After)", len(b.Attempts), what, endpoint, dur(b.Elapsed), accepted), ev)
	}
	return audit.Failed(sev, fmt.Sprintf("%d %s attempts to %s in %s, none refused: nothing slows down a script (limit to about 5 per minute per account and IP, answer 429 with Retry-After)", len(b.Attempts), what, endpoint, dur(b.Elapsed)), ev)
}

// turnedAway reports a burst every attempt of which was refused before the app looked at it: a method or content
// type it does not take, a CSRF check. Such a burst says nothing about a rate limit. (A 404 is not one: "no such
// user" is a common answer of the route the app's own form posted to.)
func (b burst) turnedAway() bool {
	if b.Last == nil {
		return false
	}
	for _, a := range b.Attempts {
		if a.Status != b.Last.Status {
			return false
		}
	}
	return account.TurnedAway(b.Last) != ""
}

func retry(signals []string) string {
	for _, s := range signals {
		if strings.HasPrefix(s, "Retry-After") {
			return ", " + s
		}
	}
	return ""
}

// dur shows a burst's time readably: milliseconds under a second.
func dur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}
