package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/inbox"
	"github.com/launchready/launchready/browser"
)

// inviteMaxLife is the longest an invitation should stay usable.
const inviteMaxLife = 30 * 24 * time.Hour

// inviteRun is one run of the invite flow: account A invites a fresh address, the invite is accepted, used again
// by another address, and the same address is invited and accepted a second time.
type inviteRun struct {
	stop     *audit.Result
	Steps    []step
	Mail     *inbox.Message
	Link     string
	Token    token
	Accepted bool
	// AcceptUnknown: the first acceptance got no answer on its merits (a limit's "Too many attempts", a 5xx, a page
	// that did not load), which says nothing of the invite; AcceptSaid says which
	AcceptUnknown bool
	AcceptSaid    string
	Reused        *bool
	ReuseSaid     string
	Duplicate     *bool // the second invite of a member was accepted
	DupSaid       string
	Wrong         *bool // account B, signed in, accepted an invitation addressed to someone else (nil: not tried)
	WrongSaid     string
}

// aTab is A's one tab for the invite flow: a second tab of the same window is hidden, and a hidden page is not
// typed into, so the invites it sends are filled one at a time.
type aTab struct {
	sync.Mutex
	p *browser.Page
}

// sendInvite fills the invite form on A's page and waits for the mail (with the tab free for the next invite).
func (e *env) sendInvite(ctx context.Context, tab *aTab, page, to string) (*browser.FormResult, *inbox.Message, string, error) {
	since := time.Now()
	fill := e.filler(account.Values{account.Email: to})
	tab.Lock()
	res, err := tab.p.SubmitForm(ctx, page, browser.FormEmail, fill)
	// The form may be in a dialog an "Invite members" button opens, on that page.
	var noForm *browser.ErrNoForm
	if errors.As(err, &noForm) && tab.p.OpenDialog(audit.DialogWords(account.Invite)) {
		res, err = tab.p.SubmitForm(ctx, "", browser.FormEmail, fill)
	}
	tab.Unlock()
	if err != nil {
		return nil, nil, "", err
	}
	if res.Refused() {
		return res, nil, "", fmt.Errorf("the invite form refused %s: %s", to, said(res))
	}
	m, link, err := e.waitMail(ctx, to, since, inviteLinkRe)
	return res, m, link, err
}

// accept opens an invite link in a fresh context and joins with fill; it reports whether the app took it, or nil
// when the answer says nothing about the link: a limit refused it ("Too many attempts"), the app failed, the page
// did not load.
func (e *env) accept(ctx context.Context, link string, v account.Values) (*bool, string) {
	no := false
	p, done, err := e.page(ctx, "invitee")
	if err != nil {
		return nil, "the browser: " + err.Error()
	}
	defer done()
	res, first, retried, err := account.Submit(ctx, p, link, browser.FormPassword, e.filler(v))
	if err != nil {
		alert, text := p.State()
		if why := noFormAnswer(err, p, alert+" "+text); why != "" {
			return nil, "no answer on the invitation's merits: " + why + ": " + account.Clip(alert+" "+text, 160)
		}
		return &no, "no join form: " + account.Clip(alert+" "+text, 160)
	}
	saidAll := said(res)
	if first != nil {
		saidAll = said(first) + "; adjusted (" + retried + ") and sent once more: " + said(res)
	}
	if account.LimitedForm(res) {
		return nil, "refused by a limit, not for the invitation: " + saidAll
	}
	if account.FailedForm(res) {
		return nil, "the app failed on it, which says nothing of the invitation: " + saidAll
	}
	took := !res.Refused()
	return &took, saidAll
}

func runInvite(ctx context.Context, t *audit.Target) *inviteRun {
	e, stop := prepare(t)
	run := &inviteRun{stop: stop}
	if stop != nil {
		return run
	}
	undecided := func(why string) *inviteRun {
		r := audit.Undecided(why, stepsEvidence(run.Steps)...)
		run.stop = &r
		return run
	}
	// A and B act in the sessions the audit opened for them at the start, each in a tab of its own: no login of
	// theirs here, which a burst of failed logins elsewhere in the flows could meet with the app's limit.
	a, err := t.BrowserSession(ctx, "a")
	if err != nil {
		r := audit.BrowserOutcome(err)
		run.stop = &r
		return run
	}
	aPage, err := a.Context.NewPage(ctx)
	if err != nil {
		return undecided("a tab for A: " + err.Error())
	}
	defer aPage.Close()
	page := ""
	if t.Plan.Paths.Invite != "" {
		page = t.Resolve(t.Plan.Paths.Invite).String()
	} else if page = a.Page.LinkMatching(inviteWords); page == "" {
		// The session's own tab shows the landing page as the login left it; loaded again, it may show more.
		if err := aPage.Goto(a.LandingURL); err != nil {
			return undecided("opening A's landing page " + a.LandingURL + ": " + err.Error())
		}
		if page = aPage.LinkMatching(inviteWords); page == "" {
			return undecided("found no invite or members page linked from account A's landing page " + a.LandingURL + ": set paths.invite in the plan")
		}
	}
	to, err := e.inbox.Address("invite")
	if err != nil {
		return undecided(err.Error())
	}
	tab := &aTab{p: aPage}
	res, m, link, err := e.sendInvite(ctx, tab, page, to)
	if res != nil {
		run.Steps = append(run.Steps, step{"account A invites " + to + " at " + page, !res.Refused(), said(res)})
	}
	if err != nil {
		if m == nil && res != nil && !res.Refused() {
			r := mailOutcome(err, "invite", stepsEvidence(run.Steps)...)
			run.stop = &r
			return run
		}
		return undecided("inviting: " + err.Error())
	}
	run.Mail, run.Link = m, link
	run.Token, _ = linkToken(link)
	run.Steps = append(run.Steps, step{"invite mail", true, fmt.Sprintf("%q with %s", m.Subject, describeLink(link, run.Token))})

	// Account B opens an invitation for someone else beside the rest of the flow, which it depends on in nothing.
	wrong := make(chan struct{})
	go func() {
		defer close(wrong)
		run.Wrong, run.WrongSaid = e.wrongAccount(ctx, tab, page)
	}()
	defer func() { <-wrong }()

	var saidAccept string
	accepted, saidAccept := e.accept(ctx, link, account.Values{account.Email: to, account.Password: e.newPassword(), account.Name: "Launch Ready Invitee"})
	run.Accepted, run.AcceptUnknown, run.AcceptSaid = accepted != nil && *accepted, accepted == nil, saidAccept
	run.Steps = append(run.Steps, step{"accept the invite", run.Accepted, saidAccept})
	if !run.Accepted {
		return run
	}
	// The link used again by another address, beside the member invited again.
	var reuse sync.WaitGroup
	reuse.Go(func() {
		other, _ := e.inbox.Address("invite-other")
		reused, saidReuse := e.accept(ctx, link, account.Values{account.Email: other, account.Password: e.newPassword(), account.Name: "Launch Ready Other"})
		run.Reused, run.ReuseSaid = reused, "as another address ("+other+"): "+saidReuse
	})
	defer reuse.Wait()
	// Invite the new member again: accepting must not make a second membership.
	if _, _, link2, err := e.sendInvite(ctx, tab, page, to); err == nil {
		run.Duplicate, run.DupSaid = e.accept(ctx, link2, account.Values{account.Email: to, account.Password: e.newPassword(), account.Name: "Launch Ready Invitee"})
	} else {
		run.DupSaid = "could not invite the member again: " + err.Error()
	}
	return run
}

// acceptWords find the button a signed-in account accepts an invitation with.
const acceptWords = `accept|join`

// wrongAccount has A invite another fresh address and account B, signed in, open that link: an invitation bound
// to its address refuses B. An invite page that only offers to create the invited account leaves B no way in.
func (e *env) wrongAccount(ctx context.Context, tab *aTab, page string) (*bool, string) {
	to, err := e.inbox.Address("invite-wrong")
	if err != nil {
		return nil, err.Error()
	}
	_, _, link, err := e.sendInvite(ctx, tab, page, to)
	if err != nil {
		return nil, "could not invite another address for B to open: " + err.Error()
	}
	b, err := e.t.BrowserSession(ctx, "b")
	if err != nil {
		return nil, "account B could not log in: " + err.Error()
	}
	bPage, err := b.Context.NewPage(ctx)
	if err != nil {
		return nil, "a tab for B: " + err.Error()
	}
	defer bPage.Close()
	if err := bPage.Goto(link); err != nil {
		return nil, "opening the link as B: " + err.Error()
	}
	if bPage.HasForm(browser.FormPassword) {
		refused := false
		return &refused, "the link opens a form that creates the invited address's account: B's session gives no way in"
	}
	before := len(bPage.Traffic())
	found, status := bPage.Press(acceptWords)
	if !found {
		return nil, "the link, opened by signed-in account B, shows no accept or join button"
	}
	alert, text := bPage.State()
	accepted := alert == "" && status < 400 && !refusedWords.MatchString(text)
	said := fmt.Sprintf("B pressed accept on the invitation for %s: ", to)
	if alert != "" {
		said += fmt.Sprintf("error shown %q", alert)
	} else {
		said += fmt.Sprintf("page says %q", account.Clip(text, 120))
	}
	if why := noVerdict(bPage, before, status, alert+" "+text); why != "" {
		return nil, said + " (" + why + ", not for the address)"
	}
	return &accepted, said
}

// InviteToken has A invite a fresh address and judges the invitation: single use, bound to the invited address,
// lifetime, entropy, and no second membership.
func InviteToken(ctx context.Context, t *audit.Target) audit.Result {
	run := t.Once("auth.invite", func() any { return runInvite(t.Shared(ctx, "invite flow"), t) }).(*inviteRun)
	if run.stop != nil {
		return *run.stop
	}
	switch {
	case run.AcceptUnknown:
		return audit.Undecided("accepting the invite got no answer on its merits ("+account.Clip(run.AcceptSaid, 160)+"): run the audit again once the app answers", stepsEvidence(run.Steps)...)
	case !run.Accepted:
		return audit.Failed(0, "the invite could not be accepted: invited people hit a dead end", stepsEvidence(run.Steps)...)
	}
	f := tokenFacts{Kind: "invite", Link: run.Link, Token: run.Token, Mail: run.Mail, Reused: run.Reused, ReuseSaid: run.ReuseSaid,
		MaxLife: inviteMaxLife, Evidence: stepsEvidence(run.Steps)}
	f.Evidence = append(f.Evidence, audit.Note("invite the member again and accept", run.DupSaid),
		audit.Note("account B opens an invitation for someone else", run.WrongSaid))
	if run.Wrong != nil && *run.Wrong {
		f.Problems = append(f.Problems, "account B, signed in, accepted an invitation addressed to someone else: invites are not bound to their address")
	}
	if run.Duplicate != nil && *run.Duplicate {
		f.Problems = append(f.Problems, "inviting an existing member again and accepting adds a second membership")
	}
	if run.Duplicate == nil {
		f.Untested = append(f.Untested, "inviting the member again could not be tried ("+run.DupSaid+")")
	}
	if run.Wrong == nil {
		f.Untested = append(f.Untested, "whether the invitation is bound to its address could not be tried ("+run.WrongSaid+")")
	}
	return judgeToken(f)
}
