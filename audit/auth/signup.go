package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/inbox"
	"github.com/launchready/launchready/browser"
)

// signupForm is what the sign-up form answered: all that the checks which only sign up once more (a weak
// password, an address that has an account) need, so they need not wait for the mail and the logins after it.
type signupForm struct {
	stop  *audit.Result // the flow could not run: every check that needs it reports this
	env   *env
	Email string
	Page  formPage
	Form  *browser.FormResult
	Fill  *account.Filler // what was typed, and what the app's answers taught about its fields
}

// signupRun is one run of the sign-up flow with a fresh address, shared by the checks that read it. It runs on its
// own from the first check that asks for it, and reaches three stages: answered once the form has answered (answer
// then holds what it said, never changed again), confirmed once the confirmation link was opened or could not be
// (confirm holds the same), done once the whole flow is over.
type signupRun struct {
	signupForm
	Password string // current password of the account (the reset flow changes it)
	Steps    []step
	Mail     *inbox.Message
	MailErr  error
	Link     string

	UnverifiedIn      bool   // the account got in before its address was confirmed
	UnverifiedRefused bool   // the app turned the unverified login down (the form back, a 4xx), not a limit or a fault
	UnverifiedSaid    string // what the app said to the unverified login
	// UnverifiedLimited: a limit on logins refused it ("Too many attempts"), which says nothing of the address
	UnverifiedLimited bool
	Verified          bool   // the link was accepted
	Reused            *visit // the link opened a second time
	LoginOK           bool   // the full sign-up → verify → login → logout → login went through
	// Session is the new account's session from the last login, left open for the reset flow to test whether a
	// reset ends it; whoever takes it (take) closes it.
	session *browser.Session
	taken   sync.Once

	answer, confirm           signupForm
	answered, confirmed, done *stage
}

// publish reaches stage s with a copy of what the flow knows so far (or why it stopped before), once.
func (run *signupRun) publish(s *stage, into *signupForm) { s.reach(func() { *into = run.signupForm }) }

// take hands the sign-up's last session to one caller, once; nil when there is none or it was taken.
func (run *signupRun) take() *browser.Session {
	var s *browser.Session
	run.taken.Do(func() { s = run.session })
	return s
}

// visit is a page opened from an emailed link.
type visit struct {
	Refused   bool
	NoVerdict string // why the answer says nothing of the link: a limit refused it ("Too many attempts"), the app failed
	Said      string
}

var refusedWords = regexp.MustCompile(`(?i)invalid|expired|already (been )?used|no longer valid|not valid|not found|already confirmed|already verified`)

// confirmWords find the button a confirmation page asks its user to press: pages that keep mail scanners, which open
// every link they see, from confirming on their visit.
const confirmWords = `^\s*(confirm|verify|activate)\b`

// open opens a link in a fresh context and reads whether the app refused it. A page that asks its user to finish
// is finished as that user would: its form sent with the account's password typed again (Gitea's activation page
// asks for it; a login form, with its address field, is no such page), or its confirm button pressed. The link's
// second visit is finished the same way, so a page that shows its button or form to anyone is judged by what the
// app answers when they are used.
func (e *env) open(ctx context.Context, link, name, password string) (*visit, error) {
	p, done, err := e.page(ctx, name)
	if err != nil {
		return nil, err
	}
	defer done()
	st, err := p.GotoStatus(link)
	if err != nil {
		return nil, err
	}
	alert, text := p.State()
	since, said := 0, fmt.Sprintf("answer %d", st)
	if st < 400 && alert == "" && !refusedWords.MatchString(text) {
		switch before := len(p.Traffic()); {
		case password != "" && !p.HasForm(browser.FormSignup) && p.HasForm(browser.FormPassword): // not a login form
			// (Devise confirms, then shows its sign-in page): the password alone, the account's own
			res, err := p.SubmitForm(ctx, "", browser.FormPassword, e.filler(account.Values{account.Password: password}))
			if err != nil {
				return nil, fmt.Errorf("the page asks for the account's password: sending it: %w", err)
			}
			since, st = before, cmp.Or(res.Status, st)
			said += ", the page asks for the account's password: typed it and sent the form, answer " + fmt.Sprint(st)
			alert, text = res.Alert, res.Text
			if alert == "" && res.Refused() {
				alert = "the form came back"
			}
		default:
			if found, status := p.Press(confirmWords); found {
				since, st = before, cmp.Or(status, st)
				said += ", the page asks to confirm: pressed its button, answer " + fmt.Sprint(st)
				alert, text = p.State()
			}
		}
	}
	v := &visit{Refused: st >= 400 || alert != "" || refusedWords.MatchString(text), Said: said,
		NoVerdict: noVerdict(p, since, st, alert+" "+text)}
	if alert != "" {
		v.Said += fmt.Sprintf(", error shown %q", alert)
	} else if text != "" {
		v.Said += fmt.Sprintf(", page says %q", account.Clip(text, 120))
	}
	return v, nil
}

// startSignup starts the audit's one sign-up flow, if no check has yet, and returns it running.
func startSignup(ctx context.Context, t *audit.Target) *signupRun {
	return t.Once("auth.signup", func() any {
		run := &signupRun{answered: newStage(), confirmed: newStage(), done: newStage()}
		inBackground(ctx, t, "sign-up flow", func(ctx context.Context) { runSignup(ctx, t, run) },
			func(r audit.Result) { run.stop = &r },
			func() {
				run.publish(run.answered, &run.answer)
				run.publish(run.confirmed, &run.confirm)
				run.done.reach(func() {})
			})
		return run
	}).(*signupRun)
}

// signup waits for the whole sign-up flow: the form, the mail, the confirmation and the logins.
func signup(ctx context.Context, t *audit.Target) *signupRun {
	run := startSignup(ctx, t)
	run.done.wait()
	return run
}

// signupAnswer waits only for the sign-up form's answer.
func signupAnswer(ctx context.Context, t *audit.Target) *signupForm {
	run := startSignup(ctx, t)
	run.answered.wait()
	return &run.answer
}

// signupConfirmed waits until the new account's confirmation link was opened (or could not be).
func signupConfirmed(ctx context.Context, t *audit.Target) *signupForm {
	run := startSignup(ctx, t)
	run.confirmed.wait()
	return &run.confirm
}

func runSignup(ctx context.Context, t *audit.Target, run *signupRun) *signupRun {
	e, stop := prepare(t)
	run.stop, run.env = stop, e
	if stop != nil {
		return run
	}
	undecided := func(why string) *signupRun {
		r := audit.Undecided(why, stepsEvidence(run.Steps)...)
		run.stop = &r
		return run
	}
	var err error
	if run.Email, err = e.inbox.Address("signup"); err != nil {
		return undecided(err.Error())
	}
	run.Password = e.newPassword()

	p, done, err := e.page(ctx, "signup")
	if err != nil {
		return undecided("the browser: " + err.Error())
	}
	defer done()
	if run.Page, err = e.findFormPage(ctx, p, t.Plan.Paths.Signup, signupWords, account.Signup, "signup"); err != nil {
		return undecided(err.Error())
	}
	since := time.Now()
	// The first login after the sign-up (with the address not yet confirmed) opens its page meanwhile.
	unverified := e.openLogin(ctx, "unverified")
	defer unverified.close()
	run.Fill = e.filler(account.Values{account.Email: run.Email, account.Password: run.Password})
	var first *browser.FormResult
	var retried string
	run.Form, first, retried, err = run.Page.submit(ctx, p, browser.FormSignup, run.Fill)
	if err != nil {
		return undecided("signing up at " + run.Page.String() + ": " + err.Error())
	}
	if pw := run.Fill.Typed[account.Password]; pw != "" {
		run.Password = pw
	}
	if first != nil {
		run.Steps = append(run.Steps, step{"sign up as " + run.Email + " at " + run.Page.String(), false, said(first)},
			step{"adjust and sign up once more", !run.Form.Refused(), retried + " → " + said(run.Form)})
	} else {
		run.Steps = append(run.Steps, step{"sign up as " + run.Email + " at " + run.Page.String(), !run.Form.Refused(), said(run.Form)})
	}
	run.Steps = append(run.Steps, step{"what the form was filled with", true, run.Fill.Said()})
	run.publish(run.answered, &run.answer)
	if run.Form.Refused() {
		return run
	}

	// Before the mail is even read: does the new account get in with an unconfirmed address?
	// The login after the confirmation opens its page while the mail is read and its link opened.
	confirmed := e.openLogin(ctx, "signup-login")
	defer confirmed.close()
	if s, err := unverified.login(ctx, run.Email, run.Password); err == nil {
		run.UnverifiedIn, run.UnverifiedSaid = true, "logged in, landed on "+s.LandingURL
		s.Context.Close()
	} else if account.LimitedLogin(err) {
		run.UnverifiedLimited, run.UnverifiedSaid = true, "refused by a limit on logins: "+err.Error()
	} else if account.RefusedLogin(err) {
		run.UnverifiedRefused, run.UnverifiedSaid = true, err.Error()
	} else {
		run.UnverifiedSaid = "could not try: " + err.Error()
	}

	run.Mail, run.Link, run.MailErr = e.waitMail(ctx, run.Email, since, verifyLinkRe)
	if run.MailErr != nil {
		run.Steps = append(run.Steps, step{"confirmation mail", false, run.MailErr.Error()})
	} else {
		tk, _ := linkToken(run.Link)
		run.Steps = append(run.Steps, step{"confirmation mail", true, fmt.Sprintf("%q from %s with %s", run.Mail.Subject, run.Mail.From, describeLink(run.Link, tk))})
		v, err := e.open(ctx, run.Link, "verify", run.Password)
		if err != nil {
			return undecided("opening the confirmation link: " + err.Error())
		}
		if v.NoVerdict != "" {
			return undecided("opening the confirmation link: " + v.NoVerdict + ", not for the link (" + v.Said + "): run the audit again once the app answers")
		}
		run.Verified = !v.Refused
		run.Steps = append(run.Steps, step{"open the confirmation link", run.Verified, v.Said})
		// The link is tried a second time beside the logins that follow.
		reused := make(chan struct{})
		go func() {
			defer close(reused)
			if v, err := e.open(ctx, run.Link, "verify-again", run.Password); err == nil {
				run.Reused = v
			}
		}()
		defer func() { <-reused }()
	}

	run.publish(run.confirmed, &run.confirm)
	s, err := confirmed.login(ctx, run.Email, run.Password)
	if err != nil {
		run.Steps = append(run.Steps, step{"log in with the new account", false, err.Error()})
		return run
	}
	keep := false
	defer func() {
		if !keep {
			s.Context.Close()
		}
	}()
	run.Steps = append(run.Steps, step{"log in with the new account", true, "landed on " + s.LandingURL})
	used, err := s.Logout(ctx)
	switch {
	case errors.Is(err, browser.ErrLogoutUnseen): // the login again below says whether the app lets the account back in
		run.Steps = append(run.Steps, step{"log out", true, "used " + used + "; " + err.Error()})
	case err != nil:
		run.Steps = append(run.Steps, step{"log out", false, err.Error()})
		return run
	default:
		run.Steps = append(run.Steps, step{"log out", true, "used " + used})
	}
	again, err := s.LoginAgain(ctx, "signup-again", e.loginURL(), browser.Credentials{Email: run.Email, Password: run.Password})
	if err != nil {
		run.Steps = append(run.Steps, step{"log in again", false, err.Error()})
		return run
	}
	run.Steps = append(run.Steps, step{"log in again", true, "landed on " + again.LandingURL})
	run.LoginOK = true
	run.session, keep = again, true
	return run
}

// SignupFlow signs a brand-new address up, confirms it from the mail, logs in, out and in again.
func SignupFlow(ctx context.Context, t *audit.Target) audit.Result {
	run := signup(ctx, t)
	if run.stop != nil {
		return *run.stop
	}
	ev := stepsEvidence(run.Steps)
	var deadEnd *noAppLinkError
	switch {
	case run.Form.Refused():
		return audit.Failed(0, "the sign-up form refused a fresh address with a strong password and valid fields: new users hit a dead end ("+said(run.Form)+")", ev...)
	case errors.As(run.MailErr, &deadEnd):
		return audit.Failed(0, "the confirmation mail holds no link to the app: "+deadEnd.Elsewhere+": new users cannot confirm", ev...)
	case run.MailErr != nil && !run.LoginOK:
		return mailOutcome(run.MailErr, "confirmation", ev...)
	case run.Mail != nil && !run.Verified:
		return audit.Failed(0, "the confirmation link from the mail was refused: new users cannot finish signing up", ev...)
	case !run.LoginOK:
		return audit.Failed(0, "after signing up (and confirming), the new account could not complete log in → log out → log in", ev...)
	}
	summary := "sign-up → confirm → log in → log out → log in again all worked"
	if run.Mail == nil {
		summary = "sign-up → log in → log out → log in again worked (no confirmation mail came)"
	}
	return audit.Passed(summary, ev...)
}

// EmailVerification checks that an unconfirmed address does not get in, and that the confirmation link works once.
func EmailVerification(ctx context.Context, t *audit.Target) audit.Result {
	run := signup(ctx, t)
	if run.stop != nil {
		return *run.stop
	}
	if run.Form.Refused() {
		return audit.Undecided("the sign-up itself was refused, so there is no new account to try: " + said(run.Form))
	}
	ev := []audit.Evidence{audit.Note("log in before confirming the address", run.UnverifiedSaid)}
	if run.Mail == nil {
		if run.UnverifiedIn {
			return audit.Failed(0, "no confirmation mail came and the new account got straight in: anyone can sign up with someone else's address", ev...)
		}
		return mailOutcome(run.MailErr, "confirmation", ev...)
	}
	if run.Reused != nil {
		ev = append(ev, audit.Note("the confirmation link opened a second time", run.Reused.Said))
	}
	switch {
	case run.UnverifiedIn:
		return audit.Failed(0, "an account whose address was never confirmed logs in and uses the app: the confirmation mail protects nothing", ev...)
	case run.UnverifiedLimited:
		return audit.Undecided("the unconfirmed account's login was refused by a limit on logins, not for its unconfirmed address, so whether it gets in is not known: run the audit again once the limit has passed", ev...)
	case !run.UnverifiedRefused:
		return audit.Undecided("whether an unconfirmed account gets in is not known: its login did not reach an answer from the app ("+account.Clip(run.UnverifiedSaid, 200)+")", ev...)
	case !run.Verified:
		return audit.Undecided("the unconfirmed account was refused, but the confirmation link was refused on its first use too (see auth.signup-flow), so whether it works only once is not known", ev...)
	case run.Reused != nil && run.Reused.NoVerdict != "":
		return audit.Undecided("the confirmation link's second use was "+run.Reused.NoVerdict+", not for the link, so whether it works twice is not known: run the audit again once the app answers", ev...)
	case run.Reused != nil && !run.Reused.Refused:
		return audit.Failed(0, "the confirmation link works a second time: a leaked link keeps working", ev...)
	case run.Reused == nil:
		return audit.Undecided("the unconfirmed account was refused, but the second use of the link could not be tried", ev...)
	}
	// A link anyone can make confirms any address: verification then proves nothing.
	if tk, ok := linkToken(run.Link); ok && tk.Built != "" {
		return audit.Failed(0, "the confirmation link's token is not random: it is "+tk.Built+"; whoever learns how it is made can confirm an address that is not theirs", ev...)
	}
	return audit.Passed("the unconfirmed account was refused and the confirmation link works once", ev...)
}
