package auth

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// weakPasswords are tried at sign-up: the two most common passwords of every breach list.
var weakPasswords = []string{"123456", "password"}

// PasswordPolicy tries to sign up fresh addresses with 123456 and password, side by side, as soon as the sign-up
// flow's own sign-up has shown how the form is filled.
func PasswordPolicy(ctx context.Context, t *audit.Target) audit.Result {
	run := signupAnswer(ctx, t)
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
	// A password the page refused before sending is sent straight to the sign-up endpoint, as a script would.
	var blocked []string
	for i, tr := range tries {
		if tr.pageOnly {
			blocked = append(blocked, weakPasswords[i])
		}
	}
	direct := sendDirect(ctx, run.env, blocked)
	var ev []audit.Evidence
	var accepted, refused, pageOnly []string
	var stop *audit.Result
	for i, tr := range tries {
		pw := weakPasswords[i]
		switch {
		case tr.stop != nil:
			if stop == nil {
				stop = tr.stop
			}
			ev = append(ev, tr.stop.Evidence...)
			continue
		case tr.pageOnly:
			d := direct[pw]
			note := "refused by the page itself, never sent to the server: " + said(tr.res) + "; sent straight to " + d.endpoint + ": " + d.said
			ev = append(ev, audit.Note(fmt.Sprintf("sign up with the password %q", pw), note))
			switch d.outcome {
			case account.Accepted:
				accepted = append(accepted, pw)
			case account.Invalid:
				refused = append(refused, pw)
			default:
				pageOnly = append(pageOnly, pw)
			}
			continue
		}
		verdict := "refused"
		if tr.res.Refused() {
			refused = append(refused, pw)
		} else {
			verdict, accepted = "ACCEPTED", append(accepted, pw)
		}
		ev = append(ev, audit.Note(fmt.Sprintf("sign up with the password %q", pw), verdict+": "+said(tr.res)))
	}
	switch {
	case len(accepted) > 0: // proven, whatever the other try showed
		return audit.Warned(0, fmt.Sprintf("sign-up accepts %q: the first passwords every attacker tries", accepted), ev...)
	case stop != nil:
		stop.Evidence = ev
		return *stop
	case len(refused) == 0:
		// The page's own check (a script, minlength) said no, and nothing went to the server: a script or a bot
		// sends the same passwords straight to the API, and what the server does with them was not seen.
		return audit.Undecided(fmt.Sprintf("the page itself refused %q before sending them, and sent straight to the server they got no answer on their merits: whether the server refuses them is not known (an app that submits over a WebSocket is not seen sending)", pageOnly), ev...)
	case len(pageOnly) > 0:
		// One refusal says nothing of the other password: a server whose minimum is 8 characters refuses 123456
		// and takes "password".
		return audit.Undecided(fmt.Sprintf("the server refuses %q; the page itself refuses %q before sending it, and sent straight to the server it got no answer on its merits: whether the server takes it is not known", refused, pageOnly), ev...)
	}
	return audit.Passed("sign-up refuses 123456 and password", ev...)
}

// weakTry is one sign-up with a weak password: the answer, or why it proves nothing.
type weakTry struct {
	res      *browser.FormResult
	pageOnly bool // the page refused it before anything reached the server
	stop     *audit.Result
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
	res, err := run.Page.submitOnce(ctx, p, browser.FormSignup, fill)
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
		return weakTry{res: res, pageOnly: true}
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

// directTry is a weak password sent straight to the sign-up endpoint, past the page's own check.
type directTry struct {
	endpoint string
	outcome  account.Outcome // "" when the answer decides nothing
	said     string
}

// sendDirect signs fresh addresses up with each of pws over HTTP, through the sign-up submission the app's page
// sends (its other fields filled as the sign-up burst fills them). A strong password sent the same way first must be
// accepted: only then is a refusal the server's verdict on the password.
func sendDirect(ctx context.Context, e *env, pws []string) map[string]directTry {
	out := map[string]directTry{}
	if len(pws) == 0 {
		return out
	}
	t := e.t
	form, err := t.Form(ctx, account.Signup)
	if err != nil {
		for _, pw := range pws {
			out[pw] = directTry{endpoint: "the sign-up endpoint", said: "not found: " + err.Error()}
		}
		return out
	}
	send := func(password string) (account.Outcome, string) {
		addr, err := e.inbox.Address("weakpw")
		if err != nil {
			return "", err.Error()
		}
		req, err := form.RequestPublic(ctx, form.NewJar(), account.Values{account.Email: addr, account.Password: password})
		if err != nil {
			return "", err.Error()
		}
		resp, err := t.Probe.Do(ctx, req)
		switch {
		case err != nil:
			return "", err.Error()
		case probe.NoVerdict(resp.Status) || account.TurnedAway(resp) != "":
			return "", fmt.Sprintf("answered %d, a limit, a failure or a CSRF check rather than the password's verdict", resp.Status)
		}
		o, msg := form.Sub.Answer(resp)
		if o == account.Errored {
			return "", fmt.Sprintf("the app failed (%d)", resp.Status)
		}
		return o, fmt.Sprintf("%s (%d %q)", o, resp.Status, account.Clip(msg, 100))
	}
	strong := e.newPassword()
	t.Probe.NeverInURL(strong)
	control, controlSaid := send(strong)
	for _, pw := range pws {
		d := directTry{endpoint: form.Endpoint()}
		if control != account.Accepted {
			d.said = "not judged: a strong password sent the same way was not accepted either: " + controlSaid
		} else {
			d.outcome, d.said = send(pw)
		}
		out[pw] = d
	}
	return out
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
