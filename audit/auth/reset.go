package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/inbox"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// refusedRequestWait is how long the reset flow waits for the mail of a request whose form came back as it was.
const refusedRequestWait = 15 * time.Second

// resetRun is one run of the password-reset flow on the account the sign-up flow created (never on A or B: their
// passwords are the plan's).
type resetRun struct {
	stop  *audit.Result
	Steps []step
	Mail  *inbox.Message
	Link  string
	Token token

	ThirdParty []string // "tag URL" of the reset page's resources from other origins
	Policy     string   // the reset page's Referrer-Policy header

	Changed    bool   // the new password was accepted
	NewWorks   bool   // logging in with it works
	OldIn      bool   // the old password still logs in
	OldRefused bool   // the app turned the old password down (the form back, a 4xx), not a limit or a fault
	Limited    string // a login after the reset was refused by a limit on logins, not its password: which one
	Session    string // what became of the session from before the reset: "alive", "ended", or "" (unknown)
	SessionEv  []audit.Evidence
	SessionWhy string
	Reused     *bool // the link changed the password a second time (nil: not tried)
	ReuseSaid  string

	// asked is reached once the app has answered the reset request (or the flow stopped before it); from then on
	// Asked holds that answer and AskedFor the address, for the enumeration to compare with.
	asked, done *stage
	Asked       *browser.FormResult
	AskedFor    string
}

// startReset starts the audit's one reset flow, if no check has yet, and returns it running.
func startReset(ctx context.Context, t *audit.Target) *resetRun {
	return t.Once("auth.reset", func() any {
		run := &resetRun{asked: newStage(), done: newStage()}
		inBackground(ctx, t, "password-reset flow", func(ctx context.Context) { runReset(ctx, t, run) },
			func(r audit.Result) { run.stop = &r },
			func() { run.asked.reach(func() {}); run.done.reach(func() {}) })
		return run
	}).(*resetRun)
}

// reset waits for the whole reset flow.
func reset(ctx context.Context, t *audit.Target) *resetRun {
	run := startReset(ctx, t)
	run.done.wait()
	return run
}

// resetAsked waits until the reset flow has asked for a reset, and returns the app's answer and the address it
// was for (nil when the flow stopped before).
func resetAsked(ctx context.Context, t *audit.Target) (*browser.FormResult, string) {
	run := startReset(ctx, t)
	run.asked.wait()
	return run.Asked, run.AskedFor
}

// runReset asks for the reset as soon as the sign-up flow has confirmed its account's address, beside the logins
// that flow goes on with, and changes the password only once that flow is over (it logs in with the first one).
func runReset(ctx context.Context, t *audit.Target, run *resetRun) *resetRun {
	undecided := func(why string) *resetRun {
		r := audit.Undecided(why, stepsEvidence(run.Steps)...)
		run.stop = &r
		return run
	}
	const cannotLogIn = "the reset flow resets the password of the account the sign-up flow creates, and that account could not log in (see auth.signup-flow)"
	sc := signupConfirmed(ctx, t)
	if sc.stop != nil {
		run.stop = sc.stop
		return run
	}
	if sc.Form == nil || sc.Form.Refused() {
		return undecided(cannotLogIn)
	}
	e := sc.env
	// No other reset of this account while this one runs: many apps keep only the newest reset token (Devise's
	// one column), and a second request would void the link this flow is about to use.
	lock := resetLock(t)
	lock.Lock()
	defer lock.Unlock()

	p, done, err := e.page(ctx, "reset")
	if err != nil {
		return undecided("the browser: " + err.Error())
	}
	defer done()
	page, err := e.findFormPage(ctx, p, t.Plan.Paths.Reset, resetWords, account.Reset, "reset")
	if err != nil {
		return undecided(err.Error())
	}
	since := time.Now()
	req, err := page.submitOnce(ctx, p, browser.FormEmail, e.filler(account.Values{account.Email: sc.Email}))
	if err != nil {
		return undecided("asking for a reset at " + page.String() + ": " + err.Error())
	}
	run.Steps = append(run.Steps, step{"ask for a reset at " + page.String(), !req.Refused(), said(req)})
	run.asked.reach(func() { run.Asked, run.AskedFor = req, sc.Email })
	// An app that sends an account one mail per few minutes (Gitea: any mail, the confirmation just sent included)
	// says so on the page, often in plain text rather than an alert: no mail is coming, so none is waited for.
	if why := account.LimitSaid(req); why != "" {
		return undecided(fmt.Sprintf("the app refused the reset request by a limit, not for the address (%q): it sends no mail now, so the reset could not be tried (an app that limits mail per account counts the sign-up's confirmation mail, sent moments before, and a new audit signs up anew); check the reset by hand", why))
	}
	// A request the app turned down without a word (its form back as it was: Gitea, when it sent the account a mail
	// in the last 3 minutes) gets a short wait for a mail it may still send, not the inbox's whole timeout.
	wait := ctx
	if req.Refused() {
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeout(ctx, refusedRequestWait)
		defer cancel()
	}
	if run.Mail, run.Link, err = e.waitMail(wait, sc.Email, since, resetLinkRe); err != nil {
		if req.Refused() && ctx.Err() == nil && (wait.Err() != nil || errors.Is(err, inbox.ErrNoMail)) {
			why := "so the reset could not be tried"
			if refusedWithoutAWord(req) {
				why = "without saying why: an app that limits the mails one account is sent (one every few minutes) counts the sign-up's confirmation mail, sent moments before; check the reset by hand"
			}
			return undecided(fmt.Sprintf("the app did not take the reset request (%s) and sent no mail within %s, %s", said(req), refusedRequestWait, why))
		}
		r := mailOutcome(err, "reset", stepsEvidence(run.Steps)...)
		run.stop = &r
		return run
	}
	run.Token, _ = linkToken(run.Link)
	run.Steps = append(run.Steps, step{"reset mail", true, fmt.Sprintf("%q with %s", run.Mail.Subject, describeLink(run.Link, run.Token))})

	// The link's page: what it loads, and, once the sign-up flow is over, the new password.
	if err := p.Goto(run.Link); err != nil {
		return undecided("opening the reset link: " + err.Error())
	}
	run.ThirdParty, run.Policy = p.ThirdPartyRefs(), p.DocumentHeader("Referrer-Policy")

	su := signup(ctx, t)
	switch {
	case su.stop != nil:
		run.stop = su.stop
		return run
	case !su.LoginOK:
		return undecided(cannotLogIn)
	}
	// A session from before the reset, to see whether the reset ends it: the sign-up flow's last one.
	s0 := su.take()
	if s0 == nil {
		if s0, err = e.login(ctx, "before-reset", su.Email, su.Password); err != nil {
			return undecided("logging the new account in before the reset: " + err.Error())
		}
	}
	defer s0.Context.Close()
	creds0 := audit.FrozenFromBrowser("signup", s0)
	private, why := t.PrivateRequest(ctx, creds0, s0.Traffic, s0.LandingURL)

	// The logins with the new password and the old one open their pages while the new password is set.
	afterReset, oldPassword := e.openLogin(ctx, "after-reset"), e.openLogin(ctx, "old-password")
	defer afterReset.close()
	defer oldPassword.close()
	newPassword := e.newPassword()
	fill := su.Fill.Again(account.Values{account.Email: su.Email, account.Password: newPassword})
	res, first, retried, err := account.Submit(ctx, p, "", browser.FormPassword, fill)
	if err != nil {
		return undecided("setting the new password: " + err.Error())
	}
	if pw := fill.Typed[account.Password]; pw != "" {
		newPassword = pw
	}
	run.Changed = !res.Refused()
	if first != nil {
		run.Steps = append(run.Steps, step{"set a new password on the link's page", false, said(first)})
		run.Steps = append(run.Steps, step{"adjust and set it once more", run.Changed, retried + " → " + said(res)})
	} else {
		run.Steps = append(run.Steps, step{"set a new password on the link's page", run.Changed, said(res)})
	}
	if !run.Changed {
		return run
	}
	// The session from before the reset is tried now, before any login with the new password or the old one: an
	// app that keeps one session per account ends the old one at the next login, which is not the reset's doing.
	run.checkOldSession(ctx, t, creds0, private, why)
	// The link's page opens again now, once it has been used, for its second use after the logins below.
	again := e.openPage(ctx, "reset-again", run.Link)
	defer again.close()
	// The new password and the old one are tried side by side, each in its own browser context.
	old := su.Password
	var oldErr error
	oldDone := make(chan struct{})
	go func() {
		defer close(oldDone)
		var s *browser.Session
		if s, oldErr = oldPassword.login(ctx, su.Email, old); oldErr == nil {
			s.Context.Close()
		}
	}()
	s, err := afterReset.login(ctx, su.Email, newPassword)
	<-oldDone
	if err == nil {
		run.NewWorks = true
		su.Password = newPassword
		s.Context.Close()
		run.Steps = append(run.Steps, step{"log in with the new password", true, "landed on " + s.LandingURL})
	} else {
		if account.LimitedLogin(err) {
			run.Limited = "the login with the new password"
		}
		run.Steps = append(run.Steps, step{"log in with the new password", false, err.Error()})
	}
	switch {
	case oldErr == nil:
		run.OldIn = true
		run.Steps = append(run.Steps, step{"log in with the old password", false, "it still works"})
	case account.LimitedLogin(oldErr):
		run.Limited = cmp.Or(run.Limited, "the login with the old password")
		run.Steps = append(run.Steps, step{"log in with the old password", false, "refused by a limit on logins, not for its password: " + oldErr.Error()})
	case account.RefusedLogin(oldErr):
		run.OldRefused = true
		run.Steps = append(run.Steps, step{"log in with the old password", true, "refused: " + oldErr.Error()})
	default:
		run.Steps = append(run.Steps, step{"log in with the old password", false, "could not be judged (the app gave the credentials no answer): " + oldErr.Error()})
	}

	run.tryAgain(ctx, e, su, again)
	return run
}

// resetLock is held by whoever asks the app to reset the password of the account the sign-up flow made, from the
// request until the link is used (the reset flow) or the answer read (the enumeration's pair).
func resetLock(t *audit.Target) *sync.Mutex {
	return t.Once("auth.reset-lock", func() any { return &sync.Mutex{} }).(*sync.Mutex)
}

// checkOldSession replays the private request with the session from before the reset.
func (run *resetRun) checkOldSession(ctx context.Context, t *audit.Target, creds *audit.Session, private *audit.Private, why string) {
	if private == nil {
		run.SessionWhy = why
		return
	}
	after, err := t.Probe.Do(ctx, creds.Apply(&probe.Request{URL: private.URL}))
	if err != nil {
		run.SessionWhy = "replaying the old session: " + err.Error()
		return
	}
	evAfter := audit.Exchange("the same session after the password was reset", after)
	evAfter.Excerpt = audit.Excerpt(after.Body, "")
	run.SessionEv = []audit.Evidence{audit.Exchange("the session from before the reset", private.With), evAfter}
	run.Session, run.SessionWhy = private.Ended(after)
}

// tryAgain uses the link a second time, on its page opened again; a password it sets that then logs in proves the
// link is reusable.
func (run *resetRun) tryAgain(ctx context.Context, e *env, su *signupRun, again *pendingPage) {
	p, err := again.page()
	if err != nil {
		run.ReuseSaid = "the link's second use could not be tried: opening its page again: " + err.Error()
		return // not known: Reused stays nil
	}
	// The login with the password this second use sets opens its page while the form is sent.
	reusedLogin := e.openLogin(ctx, "reset-reused")
	defer reusedLogin.close()
	third := e.newPassword()
	fill := su.Fill.Again(account.Values{account.Email: su.Email, account.Password: third})
	res, err := p.SubmitForm(ctx, "", browser.FormPassword, fill)
	if pw := fill.Typed[account.Password]; pw != "" {
		third = pw
	}
	reused := false
	switch {
	case err == nil && account.LimitedForm(res):
		run.ReuseSaid = "refused by a limit, not for the link: " + said(res)
		return // not known: Reused stays nil
	case err == nil && account.FailedForm(res):
		run.ReuseSaid = "the app failed on it, which says nothing of the link: " + said(res)
		return // not known: Reused stays nil
	case err != nil:
		alert, text := p.State()
		shown := account.Clip(strings.TrimSpace(alert+" "+text), 160)
		if why := noFormAnswer(err, p, alert+" "+text); why != "" {
			run.ReuseSaid = "the link's second use could not be judged: " + why + ": " + shown
			return // not known: Reused stays nil
		}
		run.ReuseSaid = "the page no longer offers the form: " + shown
	case res.Refused():
		run.ReuseSaid = "refused: " + said(res)
	default:
		if s, err := reusedLogin.login(ctx, su.Email, third); err == nil {
			s.Context.Close()
			reused, su.Password = true, third
			run.ReuseSaid = "accepted a third password, and logging in with it works"
		} else if account.RefusedLogin(err) {
			run.ReuseSaid = "the form took it (" + said(res) + ") but the password did not change"
		} else {
			run.ReuseSaid = "the form took it (" + said(res) + "), and the login with that password got no answer from the app: " + err.Error()
			return // not known: Reused stays nil
		}
	}
	run.Reused = &reused
}

// ResetFlow asks for a reset, follows the link, sets a new password and logs in with it; the old one must stop.
func ResetFlow(ctx context.Context, t *audit.Target) audit.Result {
	run := reset(ctx, t)
	if run.stop != nil {
		return *run.stop
	}
	ev := stepsEvidence(run.Steps)
	switch {
	case !run.Changed:
		return audit.Failed(0, "the reset link's page did not take a new password: users who forget theirs are stuck", ev...)
	case run.Limited != "":
		return audit.Undecided(run.Limited+" was refused by a limit on logins, not for its password, so what the reset did is not known: run the audit again once the limit has passed", ev...)
	case !run.NewWorks:
		return audit.Failed(0, "after the reset, the new password does not log in", ev...)
	case run.OldIn:
		return audit.Failed(0, "after the reset, the old password still logs in: a reset does not lock out whoever knew it", ev...)
	case !run.OldRefused:
		return audit.Undecided("the new password works, but the login with the old one got no answer from the app (see the steps), so whether it stopped working is not known", ev...)
	}
	return audit.Passed("reset → link → new password → log in worked, and the old password stopped working", ev...)
}

// ResetRevokesSessions checks that a session from before the reset is refused after it.
func ResetRevokesSessions(ctx context.Context, t *audit.Target) audit.Result {
	run := reset(ctx, t)
	if run.stop != nil {
		return *run.stop
	}
	switch run.Session {
	case "alive":
		return audit.Failed(0, "a session from before the password reset still works: resetting does not lock out whoever stole a session", run.SessionEv...)
	case "ended":
		return audit.Passed("the session from before the reset is refused after it", run.SessionEv...)
	}
	if !run.Changed {
		return audit.Undecided("the password could not be reset (see auth.reset-flow)", stepsEvidence(run.Steps)...)
	}
	return audit.Undecided(run.SessionWhy, run.SessionEv...)
}

// leakyPolicies send the full address, token included, to other origins.
var leakyPolicies = []string{"unsafe-url", "no-referrer-when-downgrade"}

// ResetToken judges the reset link: single use, lifetime, entropy, and what else the page lets read it.
func ResetToken(ctx context.Context, t *audit.Target) audit.Result {
	run := reset(ctx, t)
	if run.stop != nil {
		return *run.stop
	}
	exposure, ev := pageExposure(run.ThirdParty, run.Policy)
	f := tokenFacts{Kind: "reset", Link: run.Link, Token: run.Token, Mail: run.Mail, Reused: run.Reused, ReuseSaid: run.ReuseSaid,
		MaxLife: time.Hour, Evidence: []audit.Evidence{ev}}
	if exposure != "" {
		f.Problems = append(f.Problems, exposure)
	}
	return judgeToken(f)
}

// pageExposure says how the reset page lets other origins read the token in its address ("" when it does not).
func pageExposure(refs []string, policy string) (problem string, ev audit.Evidence) {
	effective := "strict-origin-when-cross-origin (the browsers' default)"
	if policy != "" {
		parts := strings.Split(policy, ",")
		effective = strings.ToLower(strings.TrimSpace(parts[len(parts)-1]))
	}
	var scripts, others []string
	for _, r := range refs {
		tag, u, _ := strings.Cut(r, " ")
		if tag == "script" || tag == "iframe" {
			scripts = append(scripts, u)
		} else {
			others = append(others, u)
		}
	}
	ev = audit.Note("the reset link's page", fmt.Sprintf("Referrer-Policy: %s; third-party resources: %s", effective, orNone(refs)))
	switch {
	case len(scripts) > 0:
		return fmt.Sprintf("the reset page runs code from another origin (%s), which can read the token in its address", scripts[0]), ev
	case len(others) > 0 && containsAny(effective, leakyPolicies):
		return fmt.Sprintf("the reset page loads %s with Referrer-Policy %s: the token goes along in Referer", others[0], effective), ev
	}
	return "", ev
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if s == w {
			return true
		}
	}
	return false
}

// noFormAnswer says why a page that offers no form proves nothing about the link that led to it: the page did not
// load, a limit answered, or the app failed. "" when the app answered it and simply offers no form (a link spent or
// expired).
func noFormAnswer(err error, p *browser.Page, shown string) string {
	var nf *browser.ErrNoForm
	if !errors.As(err, &nf) {
		return err.Error()
	}
	return noVerdict(p, 0, p.DocumentStatus(), shown)
}

// noVerdict says why what a page shows since its first since exchanges is no answer on the merits: "refused by a
// limit" (429, 423, "Too many attempts", for the page or an API call of its script) or "the app failed" (a 5xx);
// "" when it is an answer.
func noVerdict(p *browser.Page, since, status int, shown string) string {
	limited, failed := account.Limited(status, shown), status >= 500
	for _, x := range p.Traffic()[since:] {
		if x.IsAPI() {
			limited = limited || x.Status == 429 || x.Status == 423
			failed = failed || x.Status >= 500
		}
	}
	switch {
	case limited:
		return "refused by a limit"
	case failed:
		return "answered with a server error"
	}
	return ""
}
