package browser

import (
	"context"
	"errors"
	"time"
)

// ErrNoLogout means the page offers no recognisable way to log out.
var ErrNoLogout = errors.New("no log-out button, link or form found on the page")

// logoutNames is how a log-out control is recognised: its label, or a form's or link's address.
const logoutNames = `
  const re = /log ?out|sign ?out/i, path = /logout|signout|sign_out|log_out|sign-out|log-out/i;
  const label = el => [el.innerText, el.value, el.getAttribute('aria-label'), el.title].join(' ');`

// clickLogout finds the app's own logout (a button, link or form named like it, even inside a closed menu) and uses
// it: a form is submitted, anything else clicked.
const clickLogout = `() => {` + logoutNames + `
  const forms = [...document.querySelectorAll('form')].filter(f => path.test(f.action));
  if (forms.length) { forms[0].requestSubmit ? forms[0].requestSubmit() : forms[0].submit(); return 'form ' + forms[0].action }
  const el = [...document.querySelectorAll('button, a, input[type=submit], [role=button], [role=menuitem]')]
    .find(e => re.test(label(e)) || (e.href && path.test(e.href)));
  if (!el) return '';
  if (el.form) { el.form.requestSubmit ? el.form.requestSubmit(el.type === 'submit' ? el : undefined) : el.form.submit() } else { el.click() }
  return (el.tagName + ' ' + (el.href || label(el).trim())).slice(0, 200);
}`

// Logout uses the app's own logout on the session's page and waits for the app to settle. It returns what it used.
func (s *Session) Logout(ctx context.Context) (string, error) {
	p := s.Page
	wait := p.rod.Timeout(8*time.Second).WaitRequestIdle(400*time.Millisecond, nil, nil, nil)
	res, err := p.rod.Timeout(5 * time.Second).Eval(clickLogout)
	if err != nil {
		return "", s.Context.engine.explain(err)
	}
	used := res.Value.Str()
	if used == "" {
		return "", ErrNoLogout
	}
	wait()
	_ = p.domReady(5 * time.Second)
	return used, ctx.Err()
}
