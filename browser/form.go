package browser

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-rod/rod/lib/proto"
)

// Form kinds a flow asks for.
const (
	FormSignup   = "signup"   // an email (or username) and a new password
	FormEmail    = "email"    // an email and no password: a reset request, an invite
	FormPassword = "password" // a new password, with or without more: the reset link's page, an invite's join page
)

// Fill is what a flow types into a form. Every password field gets Password (the confirmation too).
type Fill struct {
	Email, Password, Name string
}

// FormResult is how the app answered a submitted form, as the person in front of it would see it.
type FormResult struct {
	Page     string        // where the form was
	Landing  string        // where the app went after the submit
	Status   int           // HTTP status of the document shown after the submit (0 when the page did not navigate)
	Alert    string        // error text the page shows, if any
	Message  string        // status text the page shows, if any
	Text     string        // the start of the page's visible text
	Stayed   bool          // the same kind of form is still on the same page
	Took     time.Duration // from the submit until the page settled
	ThirdPty []string
	// Sent is every request the page made from the submit until it settled: the form's own request among them.
	Sent []Exchange
}

// Refused reports whether the app said no: an error shown, an error status, or the form back as it was.
func (r *FormResult) Refused() bool {
	return r.Alert != "" || r.Status >= 400 || (r.Stayed && r.Message == "")
}

// markForm finds the form of the kind asked for without per-app code, marks its fields with data-lr-fill (email,
// password, name, check) and its submit control with data-lr="submit". Forms without a <form> element (SPAs) are
// handled by taking the document as the form.
const markForm = `(want) => {
  const visible = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && !el.disabled };
  document.querySelectorAll('[data-lr],[data-lr-fill]').forEach(el => { el.removeAttribute('data-lr'); el.removeAttribute('data-lr-fill') });
  const words = el => [el.name, el.id, el.placeholder, el.autocomplete, el.getAttribute('aria-label'), el.labels && el.labels[0] ? el.labels[0].innerText : ''].join(' ');
  const isEmail = i => i.type === 'email' || /e-?mail|user|login|identifier/i.test(words(i));
  const roots = [...document.querySelectorAll('form')].filter(visible);
  if (!roots.length) roots.push(document);
  const fits = root => {
    const inputs = [...root.querySelectorAll('input')].filter(visible);
    const pw = inputs.filter(i => i.type === 'password');
    const email = inputs.filter(i => ['email', 'text', ''].includes((i.getAttribute('type') || '').toLowerCase()) && isEmail(i));
    if (want === 'signup') return pw.length > 0 && email.length > 0;
    if (want === 'email') return pw.length === 0 && email.length > 0;
    return pw.length > 0;
  };
  const root = roots.find(fits);
  if (!root) return false;
  for (const i of [...root.querySelectorAll('input, textarea')].filter(visible)) {
    const t = (i.getAttribute('type') || 'text').toLowerCase();
    if (t === 'password') i.setAttribute('data-lr-fill', 'password');
    else if (['email', 'text', ''].includes(t) && isEmail(i)) i.setAttribute('data-lr-fill', 'email');
    else if (t === 'checkbox' && (i.required || /terms|agree|accept|consent/i.test(words(i)))) i.setAttribute('data-lr-fill', 'check');
    else if (['text', 'tel', ''].includes(t) && (i.required || /name/i.test(words(i)))) i.setAttribute('data-lr-fill', 'name');
  }
  const buttons = [...root.querySelectorAll('button, input[type=submit], [role=button]')].filter(visible);
  const submit = buttons.find(b => b.type === 'submit') || buttons.find(b => /sign ?up|register|create|join|send|reset|continue|save|set|submit|invite/i.test(b.innerText || b.value || '')) || null;
  if (submit) submit.setAttribute('data-lr', 'submit');
  return true;
}`

// pageState reads what the page shows: an error, a status message, and the start of its text.
const pageState = `() => {
  const pick = sel => { const el = [...document.querySelectorAll(sel)].find(e => e.innerText && e.innerText.trim()); return el ? el.innerText.trim().slice(0, 300) : '' };
  return { alert: pick('[role=alert], .error, .alert-danger, .alert-error, [aria-live=assertive], [aria-invalid=true] + *'),
    message: pick('[role=status], .alert-success, .notice, .flash, [aria-live=polite]'),
    text: (document.body ? document.body.innerText : '').replace(/\s+/g, ' ').trim().slice(0, 600) };
}`

// thirdPartyRefs lists the resources of the page that come from another origin: a script among them can read the
// page's address, and every request for them carries it in Referer unless the referrer policy stops it.
const thirdPartyRefs = `() => [...document.querySelectorAll('script[src], img[src], iframe[src], link[href][rel~=stylesheet], link[href][rel~=preconnect]')]
  .filter(e => { try { return new URL(e.src || e.href).origin !== location.origin } catch (x) { return false } })
  .map(e => e.tagName.toLowerCase() + ' ' + (e.src || e.href))`

// ErrNoForm means the page has no form of the kind asked for.
type ErrNoForm struct{ Kind, Page string }

func (e *ErrNoForm) Error() string { return fmt.Sprintf("no %s form found on %s", e.Kind, e.Page) }

// SubmitForm opens u (when not empty) in the page, finds the form of the kind asked for, fills it and submits it.
func (p *Page) SubmitForm(ctx context.Context, u, kind string, fill Fill) (*FormResult, error) {
	if u != "" {
		if err := p.Goto(u); err != nil {
			return nil, fmt.Errorf("opening %s: %w", u, err)
		}
	}
	res := &FormResult{Page: p.URL()}
	res.ThirdPty = p.ThirdPartyRefs()
	if !p.findForm(kind) {
		return nil, &ErrNoForm{Kind: kind, Page: res.Page}
	}
	els, err := p.rod.Timeout(5 * time.Second).Elements(`[data-lr-fill]`)
	if err != nil {
		return nil, err
	}
	for _, el := range els {
		role, _ := el.Attribute("data-lr-fill")
		if role == nil {
			continue
		}
		switch *role {
		case "email":
			err = typeInto(el, fill.Email)
		case "password":
			err = typeInto(el, fill.Password)
		case "name":
			err = typeInto(el, fill.Name)
		case "check":
			err = el.Click(proto.InputMouseButtonLeft, 1)
		}
		if err != nil {
			return nil, fmt.Errorf("filling the %s form on %s: %w", kind, res.Page, err)
		}
	}
	before := len(p.Traffic())
	_, hasButton := p.rod.Timeout(time.Second).Element(`[data-lr="submit"]`)
	start := time.Now()
	p.press(hasButton == nil, `[data-lr-fill]`)
	res.Took = time.Since(start)
	res.Landing = p.URL()
	res.Sent = p.Traffic()[before:]
	res.Status = p.documentStatus(before)
	res.Alert, res.Message, res.Text = p.state()
	res.Stayed = res.Landing == res.Page && p.findForm(kind)
	return res, ctx.Err()
}

func (p *Page) findForm(kind string) bool {
	res, err := p.rod.Timeout(5*time.Second).Eval(markForm, kind)
	return err == nil && res.Value.Bool()
}

func typeInto(el interface {
	SelectAllText() error
	Input(string) error
}, text string) error {
	_ = el.SelectAllText()
	return el.Input(text)
}

// ThirdPartyRefs lists the page's resources from other origins, each as "tag URL" ("script https://…").
func (p *Page) ThirdPartyRefs() []string { return p.evalStrings(thirdPartyRefs) }

// LinkMatching returns the first same-origin link of the page whose text or path matches pattern (a JavaScript
// regular expression, case-insensitive), or "".
func (p *Page) LinkMatching(pattern string) string { return p.linkMatching(pattern) }

// DocumentHeader returns a response header of the page's current document, from the recorded traffic.
func (p *Page) DocumentHeader(name string) string {
	cur := p.URL()
	traffic := p.Traffic()
	for i := len(traffic) - 1; i >= 0; i-- {
		x := traffic[i]
		if x.Type == "Document" && x.URL == cur {
			for k, v := range x.ResponseHeader {
				if strings.EqualFold(k, name) {
					return v
				}
			}
			return ""
		}
	}
	return ""
}

// State returns the error the page shows ("" when none) and the start of its visible text.
func (p *Page) State() (alert, text string) {
	alert, _, text = p.state()
	return alert, text
}

func (p *Page) state() (alert, message, text string) {
	st, err := p.rod.Timeout(3 * time.Second).Eval(pageState)
	if err != nil {
		return "", "", ""
	}
	return st.Value.Get("alert").Str(), st.Value.Get("message").Str(), st.Value.Get("text").Str()
}

// documentStatus is the status of the last document the page loaded after its first since exchanges (0: none,
// the page did not navigate).
func (p *Page) documentStatus(since int) int {
	status := 0
	for _, x := range p.Traffic()[since:] {
		if x.Type == "Document" && x.Status > 0 {
			status = x.Status
		}
	}
	return status
}

// GotoStatus is Goto that also returns the status of the document it got (0 when none was recorded).
func (p *Page) GotoStatus(u string) (int, error) {
	before := len(p.Traffic())
	if err := p.Goto(u); err != nil {
		return 0, err
	}
	return p.documentStatus(before), nil
}

// pressable marks the first visible button or link whose text matches the pattern (a JavaScript regular
// expression, case-insensitive) as the submit control.
const pressable = `(src) => {
  const re = new RegExp(src, 'i');
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !el.disabled };
  document.querySelectorAll('[data-lr]').forEach(el => el.removeAttribute('data-lr'));
  const el = [...document.querySelectorAll('button, a, input[type=submit], [role=button]')].filter(visible)
    .find(e => re.test(e.innerText || e.value || e.getAttribute('aria-label') || ''));
  if (!el) return false;
  el.setAttribute('data-lr', 'submit');
  return true;
}`

// Press clicks the first visible button or link whose text matches pattern and waits for the app to settle. It
// reports whether there was one, and the status of the document it led to (0 when the page did not navigate).
func (p *Page) Press(pattern string) (found bool, status int) {
	res, err := p.rod.Timeout(5*time.Second).Eval(pressable, pattern)
	if err != nil || !res.Value.Bool() {
		return false, 0
	}
	before := len(p.Traffic())
	p.press(true, `[data-lr="submit"]`)
	return true, p.documentStatus(before)
}

// HasForm reports whether the page shows a form of the kind asked for.
func (p *Page) HasForm(kind string) bool { return p.findForm(kind) }
