package browser

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-rod/rod/lib/proto"
)

// ErrNoLogout means the page offers no recognisable way to log out.
var ErrNoLogout = errors.New("no log-out button, link or form found on the page")

// ErrLogoutUnseen means a log-out control was used but the browser's session looks as it did before: the same
// cookies and Web Storage, the same page, no way to log in shown. The logout did not happen (a confirmation no one gave, a
// control that only opens a menu), so what the server does with a logged-out session is not known.
var ErrLogoutUnseen = errors.New("the browser still holds the session as before: its cookies and storage unchanged, the same page, no way to log in shown")

// logoutNames is how a log-out control is recognised: its label (its text even while a hover has not shown it, an
// icon font's ligature too), a form's or link's address, or its own or its wrapper's id, class or test id (an
// icon-only button: Directus's <div class="v-button sign-out"><button><i>logout</i></button></div>).
const logoutNames = `
  const re = /log ?out|sign ?out/i, path = /logout|signout|sign_out|log_out|sign-out|log-out/i;
  const label = el => [el.innerText || el.textContent, typeof el.value === 'string' ? el.value : '', el.getAttribute('aria-label'), el.title].join(' ');
  const own = el => el ? [el.id, typeof el.className === 'string' ? el.className : '', el.getAttribute('data-testid')].join(' ') : '';
  const ident = el => own(el) + ' ' + own(el.parentElement);`

// clickLogout finds the app's own logout (a button, link or form named like it, even inside a closed menu) and uses
// it: a form is submitted, anything else clicked.
const clickLogout = `() => {` + logoutNames + `
  const forms = [...document.querySelectorAll('form')].filter(f => path.test(f.action));
  if (forms.length) { forms[0].requestSubmit ? forms[0].requestSubmit() : forms[0].submit(); return 'form ' + forms[0].action }
  const hits = [...document.querySelectorAll('button, a, input[type=submit], [role=button], [role=menuitem]')]
    .filter(e => re.test(label(e)) || path.test(ident(e)) || (e.href && path.test(e.href)));
  // Each control there now is marked: a confirmation the click opens is told by its new controls (confirmLogout).
  hits.forEach(e => e.setAttribute('data-lr-before', ''));
  // The control itself, not a menu that holds it (whose text includes "Log out" once it is open).
  const el = hits.find(e => !hits.some(o => o !== e && e.contains(o)));
  if (!el) return '';
  if (el.form) { el.form.requestSubmit ? el.form.requestSubmit(el.type === 'submit' ? el : undefined) : el.form.submit() } else { el.click() }
  return (el.tagName + ' ' + (el.href || label(el).trim().replace(/\s+/g, ' ') || ident(el).trim().replace(/\s+/g, ' '))).slice(0, 200);
}`

// confirmLogout uses a log-out control the first one brought up: one in a dialog, or any that was not on the page
// before (a confirmation drawn without a dialog role: Directus's "Sign Out" link in its v-dialog).
const confirmLogout = `() => {` + logoutNames + `
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 };
  const fresh = [...document.querySelectorAll('button, a, input[type=submit], [role=button], [role=menuitem]')]
    .filter(e => !e.hasAttribute('data-lr-before') && shown(e) && (re.test(label(e)) || path.test(ident(e)) || (e.href && path.test(e.href))));
  const inDialog = fresh.filter(e => e.closest('dialog[open], [role=dialog], [role=alertdialog], [aria-modal=true]'));
  const el = inDialog[0] || fresh.find(e => !fresh.some(o => o !== e && e.contains(o)));
  if (!el) return '';
  el.click();
  return (el.tagName + ' ' + (el.href || label(el).trim().replace(/\s+/g, ' ') || ident(el).trim().replace(/\s+/g, ' '))).slice(0, 200);
}`

// Logout uses the app's own logout on the session's page (and the log-out control of a dialog it opens) and waits
// for the app to settle. It returns what it used, and ErrLogoutUnseen when the browser's session looks as before.
func (s *Session) Logout(ctx context.Context) (string, error) {
	p := s.Page
	before := s.sessionLook()
	since := time.Now()
	res, err := p.rod.Timeout(5 * time.Second).Eval(clickLogout)
	if err != nil {
		return "", s.Context.engine.explain(err)
	}
	used := res.Value.Str()
	if used == "" {
		used = p.logoutInMenu()
	}
	if used == "" {
		return "", ErrNoLogout
	}
	p.quiet(since, 400*time.Millisecond, 8*time.Second, true)
	_ = p.domReady(5 * time.Second)
	if s.sessionLook() == before {
		since = time.Now()
		if res, err := p.rod.Timeout(3 * time.Second).Eval(confirmLogout); err == nil && res.Value.Str() != "" {
			used += ", then " + res.Value.Str() + " (which it brought up)"
			p.quiet(since, 400*time.Millisecond, 8*time.Second, true)
			_ = p.domReady(5 * time.Second)
		}
	}
	if ctx.Err() != nil {
		return used, ctx.Err()
	}
	if s.sessionLook() == before {
		return used, ErrLogoutUnseen
	}
	return used, nil
}

// sessionLook sums up how the browser holds the session: its context's cookies, the page's Web Storage, the page's
// address, and whether it offers a way to log in (a password field, a "Log in" link or button). A logout changes at
// least one.
func (s *Session) sessionLook() string {
	var b strings.Builder
	if cks, err := s.Context.Cookies(); err == nil {
		sort.Slice(cks, func(i, j int) bool { return cks[i].Name+cks[i].Domain < cks[j].Name+cks[j].Domain })
		for _, ck := range cks {
			fmt.Fprintf(&b, "%s@%s=%s;", ck.Name, ck.Domain, ck.Value)
		}
	}
	if local, session, err := s.Page.Storage(); err == nil {
		fmt.Fprintf(&b, "|%v|%v", local, session) // fmt prints maps in key order
	}
	fmt.Fprintf(&b, "|%s", s.Page.URL())
	if res, err := s.Page.rod.Timeout(3 * time.Second).Eval(`() => { const shown = el => el.getBoundingClientRect().width > 0;
		return [...document.querySelectorAll('input[type=password]')].some(shown) ||
			[...document.querySelectorAll('a, button, [role=button]')].some(el => shown(el) && /^\s*(log ?in|sign ?in)\s*$/i.test(el.innerText)) }`); err == nil && res.Value.Bool() {
		b.WriteString("|a way to log in")
	}
	return b.String()
}

// markMenus marks the controls that open an account menu, where apps keep "Log out" until it is opened: a button
// (never a link) that says it opens a popup, or is named, identified or styled like the account, profile, user or
// avatar menu (an icon button known only by its id, as Verdaccio's header--button-account).
// It returns how many it marked (data-lr-menu="0"…), most likely first.
const markMenus = `() => {
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 };
  const label = el => [el.getAttribute('aria-label'), el.title, el.id, el.getAttribute('data-testid'), el.className && el.className.baseVal === undefined ? el.className : '', el.innerText].join(' ');
  const named = /account|profile|user|avatar|thumb|\bme\b|my ?menu/i;
  const all = [...document.querySelectorAll('button, [role=button], summary')]
    .filter(el => visible(el) && !el.closest('a[href]') && !(el.form && el.type === 'submit') && !/log ?out|sign ?out|delete|remove/i.test(label(el)));
  const score = el => (el.getAttribute('aria-haspopup') ? 2 : 0) + (named.test(label(el)) ? 2 : 0) + (el.getAttribute('aria-expanded') === 'false' ? 1 : 0);
  const picked = all.filter(el => score(el) >= 2).sort((a, b) => score(b) - score(a)).slice(0, 4);
  picked.forEach((el, i) => el.setAttribute('data-lr-menu', String(i)));
  return picked.length;
}`

// logoutInMenu opens the page's likely account menus one at a time and uses a log-out control that appears in
// one; "" when none does.
func (p *Page) logoutInMenu() string {
	res, err := p.rod.Timeout(3 * time.Second).Eval(markMenus)
	if err != nil {
		return ""
	}
	for i := range res.Value.Int() {
		el, err := p.rod.Timeout(2 * time.Second).Element(fmt.Sprintf(`[data-lr-menu="%d"]`, i))
		if err != nil || el.Click(proto.InputMouseButtonLeft, 1) != nil {
			continue
		}
		p.settle(time.Second)
		if got, err := p.rod.Timeout(3 * time.Second).Eval(clickLogout); err == nil && got.Value.Str() != "" {
			p.settle(5 * time.Second) // the logout's own requests
			return got.Value.Str() + " (in the menu it opened)"
		}
	}
	return ""
}
