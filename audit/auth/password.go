package auth

import (
	"context"
	"fmt"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/browser"
)

// weakPasswords are tried at sign-up: the two most common passwords of every breach list.
var weakPasswords = []string{"123456", "password"}

// PasswordPolicy tries to sign up fresh addresses with 123456 and password.
func PasswordPolicy(ctx context.Context, t *audit.Target) audit.Result {
	run := signup(ctx, t)
	if run.stop != nil {
		return *run.stop
	}
	if run.Form.Refused() {
		return audit.Undecided("the sign-up form refused even a strong password, so a refusal of a weak one would prove nothing: " + said(run.Form))
	}
	e := run.env
	var ev []audit.Evidence
	var accepted []string
	for _, pw := range weakPasswords {
		addr, err := e.inbox.Address("weakpw")
		if err != nil {
			return audit.Undecided(err.Error())
		}
		p, done, err := e.page(ctx, "weak-password")
		if err != nil {
			return audit.BrowserOutcome(err)
		}
		// The other fields as the accepted sign-up had them (a valid username…); only the password is weak.
		fill := run.Fill.Again(account.Values{account.Email: addr, account.Password: pw})
		fill.ExactPassword = true
		res, err := p.SubmitForm(ctx, run.Page, browser.FormSignup, fill)
		done()
		if err != nil {
			return audit.Undecided(fmt.Sprintf("signing up with %q: %v", pw, err), ev...)
		}
		verdict := "refused"
		if blamed := fill.Blamed(res); res.Refused() && len(blamed) > 0 && !blamesPassword(blamed) {
			ev = append(ev, audit.Note(fmt.Sprintf("sign up with the password %q", pw), "refused for another field: "+said(res)))
			return audit.Undecided(fmt.Sprintf("the sign-up with %q was refused for its %s, not its password, so it proves nothing: %s", pw, blamed[0], said(res)), ev...)
		}
		if !res.Refused() {
			verdict, accepted = "ACCEPTED", append(accepted, pw)
		}
		ev = append(ev, audit.Note(fmt.Sprintf("sign up with the password %q", pw), verdict+": "+said(res)))
	}
	if len(accepted) > 0 {
		return audit.Warned(0, fmt.Sprintf("sign-up accepts %q: the first passwords every attacker tries", accepted), ev...)
	}
	return audit.Passed("sign-up refuses 123456 and password", ev...)
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
