package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/probe"
)

// Login sends a bounded burst of failed logins for account A (never B: one account may end up locked) to the
// app's real login endpoint, then checks whether the limit is per account or per IP, and whether A can still log in.
func Login(ctx context.Context, t *audit.Target) audit.Result {
	acc := t.Plan.Accounts.A
	if acc == nil {
		return audit.NotRun("no account A in the plan: the login burst uses a wrong password for account A")
	}
	form, err := t.Form(ctx, account.Login)
	if err != nil {
		return audit.Undecided("no login endpoint to send the burst to: " + err.Error())
	}
	wrong := "launchready-wrong-" + random(6)
	jar := form.NewJar()
	b := run(ctx, t, nil, func(int) (*probe.Request, error) {
		return form.Request(ctx, jar, account.Values{account.Email: acc.Email, account.Password: wrong})
	})
	res := b.judge("failed login", form.Endpoint(), audit.High)
	if b.LimitedAt > 0 {
		// One more, for an address that has no account: refused too means the limit follows the client (IP).
		unknown := account.Values{account.Email: "launchready-" + random(4) + "@" + domainOf(acc.Email), account.Password: wrong}
		if req, err := form.Request(ctx, jar, unknown); err == nil {
			if resp, err := t.Probe.Do(ctx, req); err == nil {
				scope := "per account"
				if lim, _ := limited(resp, b.Before); lim {
					scope = "per client IP (or global)"
				}
				res.Summary += "; the limit looks " + scope
			}
		}
	}
	if t.Password("a") == "" {
		res.Evidence = append(res.Evidence, audit.Note("account A after the burst", "not tried: the plan gives no password for A (it signs in another way), so whether the burst locked A out is not known"))
		return res
	}
	if err := t.FreshLogin(ctx, "a"); err != nil {
		res.Evidence = append(res.Evidence, audit.Note("account A after the burst", err.Error()))
		if account.LimitedLogin(err) { // by what the app answered and showed, not by words of the error around it
			res.Summary += "; afterwards A's own login is refused too, until the limit expires"
		} else {
			res.Summary += fmt.Sprintf("; afterwards A could not log in (%v)", short(err))
		}
	}
	return res
}

// Reset sends a bounded burst of password-reset requests for an address that has no account.
func Reset(ctx context.Context, t *audit.Target) audit.Result {
	domain := "example.test"
	if t.Plan.Accounts.A != nil {
		domain = domainOf(t.Plan.Accounts.A.Email)
	}
	form, err := t.Form(ctx, account.Reset)
	if err != nil {
		return audit.Undecided("no password-reset endpoint to send the burst to: " + err.Error())
	}
	unknown := "launchready-" + random(6) + "@" + domain
	jar := form.NewJar()
	b := run(ctx, t, nil, func(int) (*probe.Request, error) {
		return form.Request(ctx, jar, account.Values{account.Email: unknown})
	})
	res := b.judge("password-reset request", form.Endpoint(), audit.Medium)
	if res.Status == audit.Fail {
		// No real account's owner gets 20 mails from the audit; so a limit on the mails one account is sent (Gitea:
		// one every 3 minutes), which guards against mail bombing, cannot show: the fail is the client's freedom.
		res.Summary += "; the burst asked for an address with no account, so a limit on the mails one account is sent (one every few minutes), if the app has one, does not show here"
	}
	return res
}

// burstAddress is a fresh address for the i-th write of a burst: a plus-address of the inbox's (its mail stays with
// the audit), or of example.com, whose mail goes nowhere.
func burstAddress(t *audit.Target, tag string, i int) string {
	local, domain := "launchready", "example.com"
	if l, d, ok := strings.Cut(t.Plan.Inbox.Address, "@"); ok && l != "" && d != "" {
		local, domain = strings.SplitN(l, "+", 2)[0], d
	}
	return fmt.Sprintf("%s+lr-%s-%s-%d@%s", local, tag, random(3), i, domain)
}

// Signup, with active: true only, sends a bounded burst of sign-ups with fresh addresses through the app's own form.
// Each accepted one is a new, unconfirmed account on the target.
func Signup(ctx context.Context, t *audit.Target) audit.Result {
	if !t.Plan.Active {
		return audit.NotRun("a burst of up to 20 sign-ups creates accounts: set active: true in the plan to allow it")
	}
	password := "Lr-burst-" + random(8)
	t.Probe.Redactor().Add(password)
	form, err := t.Form(ctx, account.Signup)
	if err != nil {
		return audit.Undecided("no sign-up endpoint to send the burst to: " + err.Error())
	}
	jar, used := form.NewJar(), false
	b := run(ctx, t, form.Sub, func(i int) (*probe.Request, error) {
		// One visitor while the app gives it nothing new, as a sign-up script would be; a new one as soon as the
		// app set a cookie (a sign-up that logs the new account in). The form's other fields as a careful person
		// fills them, a fresh username each time.
		if used && !form.Unchanged(jar) {
			jar = form.NewJar()
		}
		used = true
		v := account.Values{account.Email: burstAddress(t, "signup", i), account.Password: password}
		return form.Request(ctx, jar, v)
	})
	return b.judge("sign-up", form.Endpoint(), audit.Medium)
}

// Invite, with active: true only, has account A send a bounded burst of invites to fresh addresses through its
// invite form.
func Invite(ctx context.Context, t *audit.Target) audit.Result {
	if !t.Plan.Active {
		return audit.NotRun("a burst of up to 20 invites sends mail: set active: true in the plan to allow it")
	}
	a, err := t.Login(ctx, "a")
	if err != nil {
		return audit.LoginOutcome(err)
	}
	form, err := t.InviteForm(ctx, a, burstAddress(t, "invite", 0))
	if err != nil {
		return audit.Undecided("no invite endpoint to send the burst to: " + err.Error())
	}
	b := run(ctx, t, form.Sub, func(i int) (*probe.Request, error) {
		return form.Request(ctx, nil, account.Values{account.Email: burstAddress(t, "invite", i)})
	})
	return b.judge("invite", form.Endpoint(), audit.Medium)
}

// Post, with active: true only, creates canary posts as account A through the app's own API, in a bounded burst,
// and removes every one it created afterwards.
func Post(ctx context.Context, t *audit.Target) audit.Result {
	if !t.Plan.Active {
		return audit.NotRun("a burst of up to 20 posts writes to the app: set active: true in the plan to allow it")
	}
	bs, err := t.BrowserSession(ctx, "a")
	if err != nil {
		return audit.BrowserOutcome(err)
	}
	creds := audit.FromBrowser("a", bs)
	first, err := t.NewCanary(ctx, creds, bs.Traffic, "launchready-canary-"+random(4))
	if err != nil {
		return audit.Undecided("could not post a canary as A: " + err.Error())
	}
	created := []string{first.Item}
	defer func() {
		for _, item := range created {
			(&audit.Canary{Item: item}).Remove(ctx, t, creds)
		}
	}()
	b := run(ctx, t, nil, func(int) (*probe.Request, error) {
		return creds.Apply(t.CanaryRequest(first.Collection, first.Sample, "launchready-canary-"+random(4))), nil
	}, func(resp *probe.Response) {
		if resp.Status >= 200 && resp.Status < 300 {
			if loc := resp.Header.Get("Location"); loc != "" {
				if u, err := url.Parse(first.Collection); err == nil {
					if item, err := u.Parse(loc); err == nil {
						created = append(created, item.String())
					}
				}
			}
		}
	})
	res := b.judge("post", "POST "+audit.Route(first.Collection), audit.Low)
	res.Evidence = append(res.Evidence, audit.Note("canaries", fmt.Sprintf("%d canary posts created in %s and removed afterwards", len(created), first.Collection)))
	return res
}

func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func domainOf(email string) string {
	if _, d, ok := strings.Cut(email, "@"); ok {
		return d
	}
	return "example.test"
}

func short(err error) string {
	s := err.Error()
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
