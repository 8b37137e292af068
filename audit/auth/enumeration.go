package auth

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/browser"
)

// timingGap is how much slower one answer must be (and by what factor) before timing alone is called a tell.
const (
	timingGap    = 300 * time.Millisecond
	timingFactor = 3
)

// answer is how the app answered one address, reduced to what a visitor can compare.
type answer struct {
	Status int
	Text   string // visible text with the address itself taken out
	Took   time.Duration
	Void   string // why the answer is not the app's word on the address: a limit or a failure answered first
}

func (a answer) String() string {
	s := fmt.Sprintf("answer %d: %q", a.Status, account.Clip(a.Text, 160))
	if a.Took > 0 {
		s += fmt.Sprintf(" in %d ms", a.Took.Milliseconds())
	}
	return s
}

// differs says how two answers tell the addresses apart ("" when they do not).
func differs(known, unknown answer) string {
	switch {
	case known.Void != "" || unknown.Void != "":
		return "" // a limit or a failure answered, not the app's rules on the address: nothing to compare
	case known.Status != unknown.Status:
		return fmt.Sprintf("the status differs (%d for the account, %d for the unknown address)", known.Status, unknown.Status)
	case known.Text != unknown.Text:
		return fmt.Sprintf("the app says %q for the account and %q for the unknown address", account.Clip(known.Text, 90), account.Clip(unknown.Text, 90))
	case known.Took > 0 && unknown.Took > 0 && absDiff(known.Took, unknown.Took) > timingGap &&
		(known.Took > timingFactor*unknown.Took || unknown.Took > timingFactor*known.Took):
		return fmt.Sprintf("the time differs (%d ms against %d ms)", known.Took.Milliseconds(), unknown.Took.Milliseconds())
	}
	return ""
}

func absDiff(a, b time.Duration) time.Duration {
	if a > b {
		return a - b
	}
	return b - a
}

type enumeration struct {
	untimed  bool // the pair's timing was judged over HTTP already: the browser's is not compared
	t        *audit.Target
	ev       []audit.Evidence
	tells    []string
	compared []string
	skipped  []string
}

// formPair fills a form in the browser for the known and the unknown address and compares the answers. given,
// when set, is the known address's answer, sent already by another flow; hold then waits, before the known address
// is sent again to be timed once more, until that is safe, and returns the release.
func (e *enumeration) formPair(ctx context.Context, fe *env, form string, submit func(*browser.Page, string) (*browser.FormResult, error), known, unknown string, given *browser.FormResult, hold func() (release func())) {
	answers := make([]answer, 2)
	errs := make([]error, 2)
	one := func(i int, addr string) {
		if given != nil && addr == known {
			answers[i] = formAnswer(given, addr)
			return
		}
		p, done, err := fe.page(ctx, "enumeration")
		if err != nil {
			errs[i] = err
			return
		}
		defer done()
		res, err := submit(p, addr)
		if err != nil {
			errs[i] = err
			return
		}
		answers[i] = formAnswer(res, addr)
	}
	// Untimed in the browser (the timing is judged over HTTP), the two submits go side by side; timed, one after
	// the other, so that neither slows the other's figure.
	if e.untimed {
		var wg sync.WaitGroup
		wg.Go(func() { one(0, known) })
		wg.Go(func() { one(1, unknown) })
		wg.Wait()
	} else {
		for i, addr := range []string{known, unknown} {
			if one(i, addr); errs[i] != nil {
				break
			}
		}
	}
	if err := cmp.Or(errs[0], errs[1]); err != nil {
		e.skipped = append(e.skipped, form+": "+err.Error())
		return
	}
	if e.untimed {
		answers[0].Took, answers[1].Took = 0, 0
	}
	// A gap in time alone may be the machine, not the app (a browser submit on a loaded machine varies by seconds):
	// measure both again and keep each address's fastest, which noise can only slow down.
	for round := 0; round < retimes && timingOnly(answers[0], answers[1]); round++ {
		if round == 0 && hold != nil {
			defer hold()()
		}
		for i, addr := range []string{known, unknown} {
			p, done, err := fe.page(ctx, "enumeration")
			if err != nil {
				break
			}
			if res, err := submit(p, addr); err == nil {
				answers[i].Took = min(answers[i].Took, res.Took)
			}
			done()
		}
	}
	e.compare(form, answers[0], answers[1])
}

// retimes is how many more times a pair is measured when only its timing differs.
const retimes = 2

// timingOnly reports whether two answers differ in nothing but time.
func timingOnly(known, unknown answer) bool {
	d := differs(known, unknown)
	return d != "" && strings.HasPrefix(d, "the time differs")
}

func (e *enumeration) compare(form string, known, unknown answer) {
	e.ev = append(e.ev, audit.Note(form+" with an address that has an account", known.String()),
		audit.Note(form+" with an unknown address", unknown.String()))
	if why := cmp.Or(known.Void, unknown.Void); why != "" {
		e.skipped = append(e.skipped, form+": "+why+", so the answers say nothing about the addresses")
		return
	}
	e.compared = append(e.compared, form)
	if d := differs(known, unknown); d != "" {
		e.tells = append(e.tells, form+": "+d)
	}
}

// UserEnumeration compares the login, reset and sign-up answers for an address that has an account and one that
// has none. Login is compared always (one failed login each); reset and sign-up only with active: true.
func UserEnumeration(ctx context.Context, t *audit.Target) audit.Result {
	acc := t.Plan.Accounts.B
	if acc == nil {
		acc = t.Plan.Accounts.A
	}
	if acc == nil {
		return audit.NotRun("no account in the plan: an address with an account is needed to compare with")
	}
	known := acc.Email
	unknown := "launchready-nobody-" + randomHex(4) + "@" + domainOf(known)
	e := &enumeration{t: t}
	wrong := "launchready-wrong-" + randomHex(4)

	if !t.Plan.Active {
		e.skipped = append(e.skipped, "password reset and sign-up: "+audit.NeedsActive)
	}
	br, err := t.Browser()
	if err != nil {
		return audit.BrowserOutcome(err)
	}
	fe := &env{t: t, engine: br}
	// The browser compares what the page says and the status; the timing is judged over HTTP when the login
	// form can be replayed, where a password hash's milliseconds show. The burst of timed logins comes after
	// the browser's pair: an app that limits failed logins must not answer the pair with its limit.
	_, err = t.Form(ctx, account.Login)
	e.untimed = err == nil
	e.formPair(ctx, fe, "login", func(p *browser.Page, addr string) (*browser.FormResult, error) {
		return fe.submitLogin(ctx, p, addr, wrong)
	}, known, unknown, nil, nil)
	pairUntimed := e.untimed
	e.untimed = false
	// The timed logins take a burst or a few (a window apart); the reset and sign-up pairs, which send to other
	// endpoints, are compared in the browser meanwhile.
	timed := make(chan *timing, 1)
	audit.Go(ctx, func() { timed <- loginTiming(ctx, t, known, wrong) })
	others := &enumeration{t: t}
	others.otherForms(ctx, fe, known, unknown)
	var tm *timing
	audit.Idle(ctx, func() { tm = <-timed })
	e.ev = append(e.ev, tm.evidence()...)
	switch {
	case tm.tell != "":
		e.tells = append(e.tells, "login: "+tm.tell)
	case !tm.decided():
		e.skipped = append(e.skipped, tm.note)
	}
	e.add(others)
	for _, s := range e.skipped {
		e.ev = append(e.ev, audit.Note("not compared", s))
	}
	switch {
	case len(e.tells) > 0:
		return audit.Warned(0, "the app tells whether an address has an account — "+strings.Join(e.tells, "; "), e.ev...)
	case len(e.compared) == 0:
		return audit.Undecided("nothing could be compared: "+strings.Join(e.skipped, "; "), e.ev...)
	}
	summary := "the " + strings.Join(e.compared, ", ") + " answers are the same for an address with an account and one without"
	if pairUntimed && slices.Contains(e.compared, "login") && !tm.decided() {
		// The login pair was compared in what it says, its time left to the HTTP timing, which a limit on failed
		// logins cut short: a limit is the app's own answer to a script timing its logins, and the summary says
		// the time was not judged (Node-RED locks an account after 5: 4 samples a side, too few to call).
		summary += "; the login's timing was not judged (" + tm.note + ")"
	}
	return audit.Passed(summary, e.ev...)
}

// otherForms compares the password-reset and sign-up answers (active: true only: they send mail and make accounts).
// The sign-up pair needs only the sign-up flow's form answer and goes beside the reset pair, which waits for the
// flow's account.
func (e *enumeration) otherForms(ctx context.Context, fe *env, known, unknown string) {
	t := e.t
	if !t.Plan.Active {
		return
	}
	signups := &enumeration{t: t}
	signedUp := make(chan struct{})
	go func() {
		defer close(signedUp)
		signups.signupTell(ctx, signupAnswer(ctx, t), known)
	}()
	askReset := func(p *browser.Page, addr string) (*browser.FormResult, error) {
		page, err := fe.findFormPage(ctx, p, t.Plan.Paths.Reset, resetWords, account.Reset, "reset")
		if err != nil {
			return nil, err
		}
		return page.submitOnce(ctx, p, browser.FormEmail, fe.filler(account.Values{account.Email: addr}))
	}
	lock := resetLock(t) // no reset request for the sign-up's account while the reset flow uses a link it would void
	var asked *browser.FormResult
	var addr string
	if !resetSkipped(t) {
		asked, addr = resetAsked(ctx, t)
	}
	if asked != nil && refusedWithoutAWord(asked) {
		// The app did not take the reset flow's request and said nothing of why: most likely a limit on the mails
		// one account is sent (Gitea's 3 minutes, which the sign-up's confirmation mail started), which an unknown
		// address, sent nothing before, does not meet. That difference is the audit's doing, not an answer.
		e.skipped = append(e.skipped, "password reset: the app did not take the request for the account the sign-up made, without a word ("+said(asked)+"; a limit on the mails one account is sent may hold), so there is no answer to compare")
	} else if asked != nil {
		// The reset flow's own request is the answer for an address with an account: no second reset mail, and no
		// wait for the flow's end, unless only the time differs and the account's reset is to be timed again.
		e.formPair(ctx, fe, "password reset", askReset, addr, unknown, asked, func() func() {
			reset(ctx, t)
			lock.Lock()
			return lock.Unlock
		})
	} else {
		// The reset flow did not get as far as asking: the reset mail goes to the address of the account the
		// sign-up flow made when there is one, not to B.
		su := signup(ctx, t)
		resetKnown, ours := known, su.stop == nil && !su.Form.Refused()
		if ours {
			resetKnown = su.Email
			lock.Lock()
		}
		e.formPair(ctx, fe, "password reset", askReset, resetKnown, unknown, nil, nil)
		if ours {
			lock.Unlock()
		}
	}
	<-signedUp
	e.add(signups)
}

// resetSkipped reports whether the plan leaves out every check the reset flow serves: then the enumeration does not
// start that flow for its pair.
func resetSkipped(t *audit.Target) bool {
	for _, id := range []string{"auth.reset-flow", "auth.reset-token", "auth.reset-revokes-sessions"} {
		if !t.Plan.Skips(audit.Entry{ID: id, Area: "auth"}) {
			return false
		}
	}
	return true
}

// add takes in what another comparison found.
func (e *enumeration) add(o *enumeration) {
	e.ev, e.tells = append(e.ev, o.ev...), append(e.tells, o.tells...)
	e.compared, e.skipped = append(e.compared, o.compared...), append(e.skipped, o.skipped...)
}

// signupTell signs up with the known address, every other field as valid as the sign-up flow's accepted fresh
// sign-up, and compares the two answers: only valid submissions are compared.
func (e *enumeration) signupTell(ctx context.Context, su *signupForm, known string) {
	switch {
	case su.stop != nil || su.Form == nil:
		e.skipped = append(e.skipped, "sign-up: the sign-up flow did not run")
		return
	case su.Form.Refused():
		e.skipped = append(e.skipped, "sign-up: the sign-up with a fresh address was refused ("+said(su.Form)+"), so there is no valid answer to compare with")
		return
	}
	p, done, err := su.env.page(ctx, "signup-known")
	if err != nil {
		e.skipped = append(e.skipped, "sign-up: "+err.Error())
		return
	}
	defer done()
	var fill *account.Filler
	submit := func(p *browser.Page) (*browser.FormResult, error) {
		fill = su.Fill.Again(account.Values{account.Email: known, account.Password: su.env.newPassword()})
		return su.Page.submitOnce(ctx, p, browser.FormSignup, fill)
	}
	res, err := submit(p)
	if err != nil {
		e.skipped = append(e.skipped, "sign-up: "+err.Error())
		return
	}
	if blamed := fill.Blamed(res); len(blamed) > 0 && !slices.Contains(blamed, account.MeanEmail) {
		e.skipped = append(e.skipped, fmt.Sprintf("sign-up: the sign-up with the known address was refused for its %s, not its address (%s)", blamed[0], said(res)))
		return
	}
	k, u := formAnswer(res, known, fill.Typed[account.Username]), formAnswer(su.Form, su.Email, su.Fill.Typed[account.Username])
	// The fresh address cannot be signed up twice; the known one is timed again when only time tells them apart.
	for round := 0; round < retimes && timingOnly(k, u); round++ {
		if again, err := submit(p); err == nil {
			k.Took = min(k.Took, again.Took)
		}
	}
	e.compare("sign-up", k, u)
}

// formAnswer reduces a browser form result to what is compared: status and the message or error shown.
// The address (and the username typed with it) are taken out, so two addresses' answers compare.
func formAnswer(r *browser.FormResult, addr string, username ...string) answer {
	text := r.Alert + " " + r.Message
	if strings.TrimSpace(text) == "" {
		text = "(no message; went to " + pathOf(r.Landing) + ")"
	}
	text = strings.ReplaceAll(text, addr, "ADDRESS")
	for _, u := range username {
		if u != "" {
			text = strings.ReplaceAll(text, u, "USERNAME")
		}
	}
	a := answer{Status: r.Status, Text: strings.TrimSpace(text), Took: r.Took}
	switch limit := account.LimitSaid(r); {
	case limit != "":
		a.Void = fmt.Sprintf("a limit answered (%d %q)", r.Status, limit)
	case account.FailedForm(r):
		a.Void = fmt.Sprintf("the app failed on it (%d %q)", r.Status, account.Clip(strings.TrimSpace(r.Alert+" "+r.Message), 80))
	}
	return a
}

func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.Index(u[i+3:], "/"); j >= 0 {
			return u[i+3+j:]
		}
	}
	return u
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func domainOf(email string) string {
	if _, d, ok := strings.Cut(email, "@"); ok {
		return d
	}
	return "example.com"
}
