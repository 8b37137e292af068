package auth

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/browser"
)

// weakPasswords are tried at sign-up: the two most common passwords of every breach list.
var weakPasswords = []string{"123456", "password"}

// PasswordPolicy tries to sign up fresh addresses with 123456 and password, side by side, as soon as the sign-up
// flow's own sign-up has shown how the form is filled.
func PasswordPolicy(ctx context.Context, t *audit.Target) audit.Result {
	run := signupAnswer(t)
	if run.stop != nil {
		return *run.stop
	}
	if run.Form.Refused() {
		return audit.Undecided("the sign-up form refused even a strong password, so a refusal of a weak one would prove nothing: " + said(run.Form))
	}
	tries := make([]weakTry, len(weakPasswords))
	var wg sync.WaitGroup
	for i, pw := range weakPasswords {
		wg.Go(func() { tries[i] = tryWeak(ctx, run, pw) })
	}
	wg.Wait()
	var ev []audit.Evidence
	var accepted []string
	for i, tr := range tries {
		pw := weakPasswords[i]
		if tr.stop != nil {
			tr.stop.Evidence = append(ev, tr.stop.Evidence...)
			return *tr.stop
		}
		verdict := "refused"
		if !tr.res.Refused() {
			verdict, accepted = "ACCEPTED", append(accepted, pw)
		}
		ev = append(ev, audit.Note(fmt.Sprintf("sign up with the password %q", pw), verdict+": "+said(tr.res)))
	}
	if len(accepted) > 0 {
		return audit.Warned(0, fmt.Sprintf("sign-up accepts %q: the first passwords every attacker tries", accepted), ev...)
	}
	return audit.Passed("sign-up refuses 123456 and password", ev...)
}

// weakTry is one sign-up with a weak password: the answer, or why it proves nothing.
type weakTry struct {
	res  *browser.FormResult
	stop *audit.Result
}

// tryWeak signs a fresh address up with pw, the other fields as the accepted sign-up had them (a valid
// username…): only the password is weak.
func tryWeak(ctx context.Context, run *signupForm, pw string) weakTry {
	stop := func(r audit.Result) weakTry { return weakTry{stop: &r} }
	addr, err := run.env.inbox.Address("weakpw")
	if err != nil {
		return stop(audit.Undecided(err.Error()))
	}
	p, done, err := run.env.page(ctx, "weak-password")
	if err != nil {
		return stop(audit.BrowserOutcome(err))
	}
	defer done()
	fill := run.Fill.Again(account.Values{account.Email: addr, account.Password: pw})
	fill.ExactPassword = true
	res, err := p.SubmitForm(ctx, run.Page, browser.FormSignup, fill)
	if err != nil {
		return stop(audit.Undecided(fmt.Sprintf("signing up with %q: %v", pw, err)))
	}
	if account.LimitedForm(res) {
		return stop(audit.Undecided(fmt.Sprintf("the sign-up with %q was refused by a limit on sign-ups, not for its password, so it proves nothing: %s (run the audit again once the limit has passed)", pw, said(res)),
			audit.Note(fmt.Sprintf("sign up with the password %q", pw), "refused by a limit: "+said(res))))
	}
	if account.FailedForm(res) {
		return stop(audit.Undecided(fmt.Sprintf("the sign-up with %q got a server error, not a verdict on its password, so it proves nothing: %s", pw, said(res)),
			audit.Note(fmt.Sprintf("sign up with the password %q", pw), "the app failed: "+said(res))))
	}
	if res.Refused() && !reachedServer(res, addr) {
		// The page's own check (a script, minlength) said no, and nothing went to the server: a script or a bot
		// sends the same password straight to the API, and what the server does with it was not seen.
		return stop(audit.Undecided(fmt.Sprintf("the page itself refused %q before sending it (%s): whether the server refuses it too is not known, and anyone can send it straight to the server (an app that submits over a WebSocket is not seen sending)", pw, said(res)),
			audit.Note(fmt.Sprintf("sign up with the password %q", pw), "refused by the page, never sent: "+said(res))))
	}
	if blamed := fill.Blamed(res); res.Refused() && len(blamed) > 0 && !blamesPassword(blamed) {
		return stop(audit.Undecided(fmt.Sprintf("the sign-up with %q was refused for its %s, not its password, so it proves nothing: %s", pw, blamed[0], said(res)),
			audit.Note(fmt.Sprintf("sign up with the password %q", pw), "refused for another field: "+said(res))))
	}
	return weakTry{res: res}
}

// blamesPassword reports whether an answer's blamed fields include a password field.
func blamesPassword(blamed []account.Meaning) bool {
	for _, m := range blamed {
		if m == account.MeanPassword || m == account.MeanConfirm {
			return true
		}
	}
	return false
}

// reachedServer reports whether a submit sent the typed address anywhere: a page's form POST, or a request whose
// body carries the address (a script's API call, to the app or its auth provider). An analytics beacon does not.
func reachedServer(r *browser.FormResult, addr string) bool {
	for _, x := range r.Sent {
		switch {
		case x.Method == "GET" || x.Method == "HEAD" || x.Method == "OPTIONS":
		case x.Type == "Document",
			strings.Contains(x.RequestBody, addr), strings.Contains(x.RequestBody, url.QueryEscape(addr)):
			return true
		}
	}
	return false
}
