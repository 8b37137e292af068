package auth

import (
	"context"
	"fmt"

	"github.com/launchready/launchready/audit"
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
		res, err := p.SubmitForm(ctx, run.Page, browser.FormSignup, browser.Fill{Email: addr, Password: pw, Name: "Launch Ready Audit"})
		done()
		if err != nil {
			return audit.Undecided(fmt.Sprintf("signing up with %q: %v", pw, err), ev...)
		}
		verdict := "refused"
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
