package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/inbox"
	"github.com/launchready/launchready/browser"
)

// Words that find the pages and links of the flows, in any app (JavaScript regular expressions for the browser,
// Go ones for mail links).
const (
	signupWords = `sign ?up|register|create (an |your )?account|get started|join`
	resetWords  = `forgot|reset|recover`
	inviteWords = `invite|members|team|people|users|collaborators`
	signInWords = `\b(log ?in|sign ?in)\b`
)

var (
	verifyLinkRe = regexp.MustCompile(`(?i)verif|confirm|activat|validat|magic`)
	resetLinkRe  = regexp.MustCompile(`(?i)reset|password|recover|forgot`)
	inviteLinkRe = regexp.MustCompile(`(?i)invit|join|accept`)
)

// noAppLinkError means the mail came but its link leads outside the app (localhost, a wrong domain): a dead end.
type noAppLinkError struct {
	Subject, To string
	Elsewhere   string // where its link goes instead, described without the token
}

func (e *noAppLinkError) Error() string {
	return fmt.Sprintf("the mail %q to %s holds no link to the app: %s", e.Subject, e.To, e.Elsewhere)
}

// env is what every flow needs: writes allowed, the inbox, the browser.
type env struct {
	t      *audit.Target
	inbox  inbox.Inbox
	engine *browser.Engine
}

// prepare returns the flows' environment, or the result a check reports when one of them is missing.
func prepare(t *audit.Target) (*env, *audit.Result) {
	if !t.Plan.Active {
		r := audit.NotRun(audit.NeedsActive)
		return nil, &r
	}
	in, err := t.Inbox()
	if err != nil {
		var r audit.Result
		if errors.Is(err, audit.ErrNoInbox) {
			r = audit.NotRun(err.Error())
		} else {
			r = audit.Undecided("the inbox could not be opened: " + err.Error())
		}
		return nil, &r
	}
	engine, err := t.Browser()
	if err != nil {
		r := audit.BrowserOutcome(err)
		return nil, &r
	}
	return &env{t: t, inbox: in, engine: engine}, nil
}

// page opens a fresh incognito context with one tab; close ends both.
func (e *env) page(ctx context.Context, name string) (*browser.Page, func(), error) {
	bc, err := e.engine.NewContext(name)
	if err != nil {
		return nil, nil, err
	}
	p, err := bc.NewPage(ctx)
	if err != nil {
		bc.Close()
		return nil, nil, err
	}
	return p, func() { p.Close(); bc.Close() }, nil
}

// login logs email in with password in a fresh context. The caller closes the session's context.
func (e *env) login(ctx context.Context, name, email, password string) (*browser.Session, error) {
	return e.openLogin(ctx, name).login(ctx, email, password)
}

// pendingLogin is a login whose page is being opened, in a fresh context, while the step it must follow is still
// under way; its credentials go out when login is called. Only the page load moves earlier: a flow's logins wait
// on the steps before them (a mail, a password change), and each would otherwise add its page load to that chain.
type pendingLogin struct {
	ready chan struct{}
	bc    *browser.Context
	form  *browser.LoginForm
	err   error
	sent  bool
}

// openLogin starts opening the login page in a context of its own named name.
func (e *env) openLogin(ctx context.Context, name string) *pendingLogin {
	pl := &pendingLogin{ready: make(chan struct{})}
	go func() {
		defer close(pl.ready)
		if pl.bc, pl.err = e.engine.NewContext(name); pl.err != nil {
			return
		}
		if pl.form, pl.err = pl.bc.OpenLogin(ctx, name, e.loginURL()); pl.err != nil {
			pl.bc.Close()
		}
	}()
	return pl
}

// login submits the credentials once the page is open. The caller closes the session's context; a failed login's
// is closed here.
func (pl *pendingLogin) login(ctx context.Context, email, password string) (*browser.Session, error) {
	<-pl.ready
	if pl.err != nil {
		return nil, pl.err
	}
	pl.sent = true
	s, err := pl.form.Submit(ctx, browser.Credentials{Email: email, Password: password})
	if err != nil {
		pl.bc.Close()
		return nil, err
	}
	return s, nil
}

// close ends a login that was opened and never sent; after login it does nothing.
func (pl *pendingLogin) close() {
	<-pl.ready
	if pl.err == nil && !pl.sent {
		pl.bc.Close()
	}
}

// pendingPage is a page being opened in a fresh context of its own while the step before it is under way.
type pendingPage struct {
	ready chan struct{}
	p     *browser.Page
	close func()
	err   error
}

// openPage starts opening u in a fresh context named name; close ends it (after waiting for the open).
func (e *env) openPage(ctx context.Context, name, u string) *pendingPage {
	pp := &pendingPage{ready: make(chan struct{})}
	done := func() {}
	pp.close = func() { <-pp.ready; done() }
	go func() {
		defer close(pp.ready)
		var p *browser.Page
		if p, done, pp.err = e.page(ctx, name); pp.err != nil {
			done = func() {}
			return
		}
		if pp.err = p.Goto(u); pp.err == nil {
			pp.p = p
		}
	}()
	return pp
}

// page waits for the page to be open.
func (pp *pendingPage) page() (*browser.Page, error) {
	<-pp.ready
	return pp.p, pp.err
}

func (e *env) loginURL() string {
	if e.t.Plan.Paths.Login != "" {
		return e.t.Resolve(e.t.Plan.Paths.Login).String()
	}
	return e.t.App.String()
}

// formPage is where a flow's form is: its page, and on it the whole texts of the buttons that show the form, in
// order (none when the form is on the page itself).
type formPage struct {
	URL     string
	Dialogs []string
}

// String says where the form is, for the evidence.
func (fp formPage) String() string {
	if len(fp.Dialogs) > 0 {
		return fp.URL + " (the form a button on it shows)"
	}
	return fp.URL
}

// submit fills and submits the form on p (see account.SubmitIn), opening its page and its dialog.
func (fp formPage) submit(ctx context.Context, p *browser.Page, kind string, f *account.Filler) (res, first *browser.FormResult, retried string, err error) {
	return account.SubmitIn(ctx, p, fp.Dialogs, fp.URL, kind, f)
}

// submitOnce fills and submits the form once, with no adjusted second try.
func (fp formPage) submitOnce(ctx context.Context, p *browser.Page, kind string, f *account.Filler) (*browser.FormResult, error) {
	return p.SubmitForm(ctx, account.Show(p, fp.Dialogs, fp.URL), kind, f)
}

// findFormPage is findPage for a form of the kind that may also be one that buttons show, when no page is linked
// (see audit.Target.FormBehindButtons). A page whose server HTML holds the form (audit.Target.FormPage) needs no
// walk to it.
func (e *env) findFormPage(ctx context.Context, p *browser.Page, planPath, words string, kind account.Kind, what string) (formPage, error) {
	if planPath == "" {
		if u := e.t.FormPage(ctx, kind); u != "" {
			return formPage{URL: u}, nil
		}
	}
	u, err := e.findPage(p, planPath, words, what)
	if err == nil {
		return formPage{URL: u}, nil
	}
	var fp formPage
	if e.t.FormBehindButtons(p, kind, func(page string, dialogs []string) bool {
		fp = formPage{URL: page, Dialogs: dialogs}
		return true
	}) {
		return fp, nil
	}
	return formPage{}, fmt.Errorf("found no %s page linked from the login page, and no button that opens its form: set paths.%s in the plan", what, what)
}

// findPage returns the page of a flow: the plan's path, or the first link matching words on the login page, then
// on the app's first page.
func (e *env) findPage(p *browser.Page, planPath, words, what string) (string, error) {
	if planPath != "" {
		return e.t.Resolve(planPath).String(), nil
	}
	for _, start := range []string{e.loginURL(), e.t.App.String()} {
		if err := p.Goto(start); err != nil {
			continue
		}
		if link := p.LinkMatching(words); link != "" {
			return link, nil
		}
		// The sign-in page is often one link away from the app's first page, and holds the links the flows need.
		if signIn := p.LinkMatching(signInWords); signIn != "" && p.Goto(signIn) == nil {
			if link := p.LinkMatching(words); link != "" {
				return link, nil
			}
		}
	}
	return "", fmt.Errorf("found no %s page linked from the login page: set paths.%s in the plan", what, what)
}

// submitLogin fills the login form (on the plan's login page, the app's first page, the sign-in page it links to,
// or the dialog its "Sign in" button opens) with email and password, as a person would.
func (e *env) submitLogin(ctx context.Context, p *browser.Page, email, password string) (*browser.FormResult, error) {
	fill := e.filler(account.Values{account.Email: email, account.Password: password})
	fill.ExactPassword = true
	res, err := p.SubmitForm(ctx, e.loginURL(), browser.FormSignup, fill)
	var noForm *browser.ErrNoForm
	if errors.As(err, &noForm) {
		if signIn := p.LinkMatching(signInWords); signIn != "" {
			return p.SubmitForm(ctx, signIn, browser.FormSignup, fill)
		}
		// Or in the dialog a "Sign in" button opens.
		if p.OpenDialog(audit.DialogWords(account.Login)) {
			return p.SubmitForm(ctx, "", browser.FormSignup, fill)
		}
		return nil, fmt.Errorf("found no login form on %s, on a sign-in page it links, or in a dialog a \"Sign in\" button opens: set paths.login in the plan", e.loginURL())
	}
	return res, err
}

// waitMail waits for the flow's mail and returns the app's link in it that matches re (or the in-scope link with
// the strongest token).
func (e *env) waitMail(ctx context.Context, to string, since time.Time, re *regexp.Regexp) (*inbox.Message, string, error) {
	m, err := e.t.WaitMail(ctx, to, since)
	if err != nil {
		return nil, "", err
	}
	var inScope []string
	for _, l := range m.Links {
		if u, err := url.Parse(l); err == nil && e.t.Probe.InScope(u) {
			inScope = append(inScope, l)
		}
	}
	for _, l := range inScope {
		if re.MatchString(l) {
			return m, e.learnToken(l), nil
		}
	}
	best, bestBits := "", 0.0
	for _, l := range inScope {
		if tk, ok := linkToken(l); ok && tk.Bits > bestBits {
			best, bestBits = l, tk.Bits
		}
	}
	if best != "" {
		return m, e.learnToken(best), nil
	}
	elsewhere := "no link at all"
	if len(m.Links) > 0 {
		shown := m.Links[0]
		for _, l := range m.Links {
			e.learnToken(l)
			if re.MatchString(l) && shown == m.Links[0] {
				shown = l
			}
		}
		tk, _ := linkToken(shown)
		elsewhere = "its link goes to " + describeLink(shown, tk)
	}
	return m, "", &noAppLinkError{Subject: m.Subject, To: to, Elsewhere: elsewhere}
}

// learnToken makes a link's token a secret of the audit on its own (WaitMail already made the whole link one), so
// the token is hidden wherever it shows up without the rest of the link.
func (e *env) learnToken(link string) string {
	if tk, ok := linkToken(link); ok {
		e.t.Probe.Redactor().Add(tk.value)
	}
	return link
}

// filler fills the flows' forms with v like a careful person; every password it types is kept out of reports.
func (e *env) filler(v account.Values) *account.Filler {
	f := account.NewFiller(v)
	f.Secret = e.t.Probe.Redactor().Add
	return f
}

// newPassword makes a strong password for an account the audit creates, and keeps it out of every report.
func (e *env) newPassword() string {
	p := "Lr-" + randomHex(12) + "!9"
	e.t.Probe.Redactor().Add(p)
	return p
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// step is one step of a flow, for the evidence.
type step struct {
	What string
	OK   bool
	Said string
}

func (s step) evidence() audit.Evidence {
	mark := "ok"
	if !s.OK {
		mark = "FAILED"
	}
	text := mark
	if s.Said != "" {
		text += ": " + s.Said
	}
	return audit.Note(s.What, text)
}

func stepsEvidence(steps []step) []audit.Evidence {
	out := make([]audit.Evidence, 0, len(steps))
	for _, s := range steps {
		out = append(out, s.evidence())
	}
	return out
}

// said sums up how a form was answered, for the evidence.
func said(r *browser.FormResult) string {
	parts := []string{}
	if r.Status > 0 {
		parts = append(parts, fmt.Sprintf("answer %d", r.Status))
	}
	if r.Alert != "" {
		parts = append(parts, fmt.Sprintf("error shown %q", r.Alert))
	}
	if r.Message != "" {
		parts = append(parts, fmt.Sprintf("message %q", r.Message))
	}
	if r.Stayed {
		parts = append(parts, "the form is still there")
	}
	if len(parts) == 0 && r.Text != "" {
		parts = append(parts, fmt.Sprintf("page says %q", account.Clip(r.Text, 120)))
	}
	return strings.Join(parts, ", ")
}

// refusedWithoutAWord reports a form the app turned down without saying why: its form back as it was, no error, no
// message, no field marked (Gitea's reset form within 3 minutes of a mail to the account).
func refusedWithoutAWord(r *browser.FormResult) bool {
	return r.Refused() && r.Alert == "" && r.Message == "" && len(r.Problems) == 0
}

// mailOutcome is the result for a mail that did not come.
func mailOutcome(err error, what string, ev ...audit.Evidence) audit.Result {
	if errors.Is(err, inbox.ErrNoMail) {
		return audit.Undecided(fmt.Sprintf("the %s mail never arrived (%v): check the app sends mail to the inbox of the plan", what, err), ev...)
	}
	return audit.Undecided(fmt.Sprintf("reading the %s mail: %v", what, err), ev...)
}

// stage is a point a flow running on its own reaches once (or passes by, ending before it): the checks that need
// no more of the flow than that wait for it, not for the end.
type stage struct {
	ch   chan struct{}
	once sync.Once
}

func newStage() *stage { return &stage{ch: make(chan struct{})} }

// reach runs publish (what the waiting checks may read from now on, never changed after) and lets them go, once.
func (s *stage) reach(publish func()) {
	s.once.Do(func() {
		publish()
		close(s.ch)
	})
}

func (s *stage) wait() { <-s.ch }

// inBackground runs a shared flow in a goroutine of its own, under the audit's context named name (a check that
// asked first may end before the flow does), counted in the phase of the check that asked (ctx). A panic becomes
// the crash result handed to crashed; end runs last, whatever happened.
func inBackground(ctx context.Context, t *audit.Target, name string, flow func(context.Context), crashed func(audit.Result), end func()) {
	go func() {
		defer func() {
			if p := recover(); p != nil {
				crashed(audit.Result{Status: audit.Error, Summary: fmt.Sprintf("the %s crashed (%v): this is a bug in launchready, please report it", name, p)})
			}
			end()
		}()
		flow(t.Shared(ctx, name))
	}()
}
