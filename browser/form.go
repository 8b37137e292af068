package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
)

// Form kinds a flow asks for.
const (
	FormSignup   = "signup"   // an email (or username) and a new password
	FormEmail    = "email"    // an email and no password: a reset request, an invite
	FormPassword = "password" // a new password, with or without more: the reset link's page, an invite's join page
)

// Field is one control of a form as the page shows it, for a Filler to decide what goes in it.
type Field struct {
	Tag          string   `json:"tag"`  // input, select or textarea
	Type         string   `json:"type"` // the input's type, lowercased ("text" when unset)
	Name         string   `json:"name"`
	ID           string   `json:"id"`
	Label        string   `json:"label"` // its <label>, aria-label or aria-labelledby text
	Placeholder  string   `json:"placeholder"`
	Autocomplete string   `json:"autocomplete"`
	Pattern      string   `json:"pattern"`
	MinLength    int      `json:"minLength"` // 0 when the page states none
	MaxLength    int      `json:"maxLength"` // 0 when the page states none
	Required     bool     `json:"required"`
	Checked      bool     `json:"checked"`
	Value        string   `json:"value"`
	Options      []string `json:"options"` // a select's option values, in order ("" for a "Choose…" placeholder)
}

// Words is everything the page says about the field, for matching: name, id, label, placeholder, autocomplete.
func (f Field) Words() string {
	return strings.Join([]string{f.Name, f.ID, f.Label, f.Placeholder, f.Autocomplete}, " ")
}

// Title is how a person would name the field: its label, else its name.
func (f Field) Title() string {
	for _, s := range []string{f.Label, f.Name, f.ID, f.Placeholder} {
		if s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "*")); s != "" {
			return s
		}
	}
	return f.Tag
}

// A Filler decides what goes into each field of a form; the browser only types it. Fill returns one value per
// field: "" leaves the field as it is, a checkbox is ticked by any other value, a select takes the option's value.
type Filler interface {
	Fill(fields []Field) []string
}

// Problem is a field the app marked as wrong after a submit, with its message when the page gives one.
type Problem struct {
	Field   string `json:"field"` // the field's title
	Message string `json:"message"`
}

// FormResult is how the app answered a submitted form, as the person in front of it would see it.
type FormResult struct {
	Page     string        // where the form was
	Landing  string        // where the app went after the submit
	Status   int           // HTTP status of the document shown after the submit (0 when the page did not navigate)
	Alert    string        // the app's own error message, if it shows one: a flash, an alert, a toast, a field's error
	Message  string        // status text the page shows, if any
	Text     string        // the start of the page's visible text
	Problems []Problem     // the fields the app (or the browser's own validation) marked as wrong
	Stayed   bool          // the same kind of form is still on the same page
	Took     time.Duration // from the submit until the page settled
	ThirdPty []string
	// Fields are the form's fields as found, Typed what the filler put in each (same order).
	Fields []Field
	Typed  []string
	// Sent is every request the page made from the submit until it settled: the form's own request among them.
	Sent []Exchange
}

// Refused reports whether the app said no: an error shown, an error status, or the form back as it was.
func (r *FormResult) Refused() bool {
	return r.Alert != "" || len(r.Problems) > 0 || r.Status >= 400 || (r.Stayed && r.Message == "")
}

// markForm finds the form of the kind asked for without per-app code, marks its visible fields with data-lr-i
// (their index) and its submit control with data-lr="submit", and returns the fields' descriptions (null when
// there is no such form). Forms without a <form> element (SPAs) are handled by taking the document as the form.
const markForm = `(want) => {` + usable + `
  const shown = el => visible(el) || (el.type === 'checkbox' || el.type === 'radio') && el.labels && [...el.labels].some(visible);
  document.querySelectorAll('[data-lr],[data-lr-i]').forEach(el => { el.removeAttribute('data-lr'); el.removeAttribute('data-lr-i') });
  const label = el => {
    const by = (el.getAttribute('aria-labelledby') || '').split(/\s+/).map(id => document.getElementById(id)).filter(Boolean).map(e => e.innerText).join(' ');
    const own = el.labels && el.labels.length ? [...el.labels].map(l => l.innerText).join(' ') : '';
    return (own || el.getAttribute('aria-label') || by || '').replace(/\s+/g, ' ').trim().slice(0, 200);
  };
  const words = el => [el.name, el.id, el.placeholder, el.autocomplete, label(el)].join(' ');
  const isEmail = i => i.type === 'email' || /e-?mail|user|login|identifier|handle/i.test(words(i));
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
  if (!root) return null;
  const skip = ['hidden', 'submit', 'button', 'image', 'reset', 'file'];
  const fields = [...root.querySelectorAll('input, select, textarea')].filter(el => !skip.includes((el.getAttribute('type') || '').toLowerCase()) && shown(el));
  const out = fields.map((el, i) => {
    el.setAttribute('data-lr-i', String(i));
    const tag = el.tagName.toLowerCase();
    return { tag, type: tag === 'input' ? (el.getAttribute('type') || 'text').toLowerCase() : tag, name: el.name || '', id: el.id || '',
      label: label(el), placeholder: el.placeholder || '', autocomplete: el.getAttribute('autocomplete') || '',
      pattern: el.getAttribute('pattern') || '', minLength: Math.max(0, +el.getAttribute('minlength') || 0), maxLength: Math.max(0, +el.getAttribute('maxlength') || 0),
      required: !!el.required || el.getAttribute('aria-required') === 'true', checked: !!el.checked, value: el.value || '',
      options: tag === 'select' ? [...el.options].filter(o => !o.disabled).map(o => o.value) : [] };
  });
  const buttons = [...root.querySelectorAll('button, input[type=submit], [role=button]')].filter(visible);
  const submit = buttons.find(b => b.type === 'submit') || buttons.find(b => /sign ?up|register|create|join|send|reset|continue|save|set|submit|invite|update/i.test(b.innerText || b.value || '')) || null;
  if (submit) submit.setAttribute('data-lr', 'submit');
  return out;
}`

// setValue chooses a select's option (or sets any field's value) the way a person's pick does: through the
// element's own value setter, then input and change events, so a framework's state follows.
const setValue = `function (v) {
  const proto = Object.getPrototypeOf(this);
  const d = Object.getOwnPropertyDescriptor(proto, 'value');
  if (d && d.set) d.set.call(this, v); else this.value = v;
  this.dispatchEvent(new Event('input', { bubbles: true }));
  this.dispatchEvent(new Event('change', { bubbles: true }));
}`

// pageState reads the app's answer as a person would: its error (a flash, an alert, a toast; never a label or a
// field's container that merely has an "error" class), its status message, the fields marked wrong with their
// messages (aria-invalid, aria-describedby/aria-errormessage, an .invalid-feedback next to the field, the browser's
// own validation message), and the start of the page's text.
const pageState = `() => {
  const visible = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' };
  const txt = el => (el.innerText || '').replace(/\s+/g, ' ').trim();
  const controls = 'input, select, textarea, label, button, form';
  const message = el => visible(el) && txt(el) && !el.matches(controls) && !el.querySelector(controls);
  const pick = sel => { const el = [...document.querySelectorAll(sel)].find(message); return el ? txt(el).slice(0, 300) : '' };
  const fieldMsg = '.invalid-feedback, .field-error, .form-error, .help.is-danger, .error-message, .errorlist, .text-danger, .text-red-500, .text-red-600, [id$=-error], [id$=_error], [class*=error-text]';
  const flash = pick('[role=alert], .flash-error, .alert-danger, .alert-error, .alert.error, .message.negative, .notification.is-danger, .toast-error, .flash.error, .flash-alert, [aria-live=assertive], .errors, .error:not(.field):not(.form-group), [class*=flash][class*=error], [class*=alert][class*=error]');
  const problems = [];
  const title = el => { const l = el.labels && el.labels[0] ? txt(el.labels[0]) : ''; return (l || el.getAttribute('aria-label') || el.name || el.id || '').replace(/\s*\*$/, '').slice(0, 80) };
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button'].includes(el.type) || !visible(el) && !(el.labels && [...el.labels].some(visible))) continue;
    const box = el.closest('.field, .form-group, .form-field, .input-group, div, p, li');
    const ids = ((el.getAttribute('aria-describedby') || '') + ' ' + (el.getAttribute('aria-errormessage') || '')).split(/\s+/).filter(Boolean);
    let msg = ids.map(id => document.getElementById(id)).filter(e => e && visible(e) && txt(e)).map(txt).join(' ');
    if (!msg && box) { const m = [...box.querySelectorAll(fieldMsg)].find(message); if (m) msg = txt(m) }
    const marked = el.getAttribute('aria-invalid') === 'true' || (box && /(^|\s)(error|has-error|is-invalid|invalid|field-error)(\s|$)/.test(box.className || '')) || /(^|\s)(is-invalid|error|invalid)(\s|$)/.test(el.className || '');
    const native = el.hasAttribute('data-lr-i') && el.willValidate && !el.validity.valid && el.validationMessage ? el.validationMessage : '';
    if (marked || msg && el.getAttribute('aria-invalid') !== 'false' && ids.length || native) problems.push({ field: title(el), message: (msg || native).slice(0, 300) });
  }
  return { alert: flash, problems,
    message: pick('[role=status], .alert-success, .flash-success, .message.positive, .notification.is-success, .notice, .flash, [aria-live=polite]'),
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

// SubmitForm opens u (when not empty) in the page, finds the form of the kind asked for, has fill decide what goes
// in each of its fields, types it, and submits the form.
func (p *Page) SubmitForm(ctx context.Context, u, kind string, fill Filler) (*FormResult, error) {
	if u != "" {
		if err := p.Goto(u); err != nil {
			return nil, fmt.Errorf("opening %s: %w", u, err)
		}
	}
	res := &FormResult{Page: p.URL()}
	res.ThirdPty = p.ThirdPartyRefs()
	fields, ok := p.formFields(kind)
	if !ok {
		return nil, &ErrNoForm{Kind: kind, Page: res.Page}
	}
	res.Fields = fields
	res.Typed = fill.Fill(fields)
	for i, f := range fields {
		if i >= len(res.Typed) || res.Typed[i] == "" {
			continue
		}
		if err := p.put(i, f, res.Typed[i]); err != nil {
			return nil, fmt.Errorf("filling %q of the %s form on %s: %w", f.Title(), kind, res.Page, err)
		}
	}
	before := len(p.Traffic())
	_, hasButton := p.rod.Timeout(time.Second).Element(`[data-lr="submit"]`)
	start := time.Now()
	p.press(hasButton == nil, `[data-lr-i]`)
	res.Took = time.Since(start)
	res.Landing = p.URL()
	res.Sent = p.Traffic()[before:]
	res.Status = p.documentStatus(before)
	st := p.readState()
	res.Alert, res.Message, res.Text, res.Problems = st.Alert, st.Message, st.Text, st.Problems
	if res.Alert == "" {
		res.Alert = problemsText(res.Problems)
	}
	res.Stayed = res.Landing == res.Page && p.findForm(kind)
	return res, ctx.Err()
}

// problemsText is the fields' own messages as one line ("Username: can only contain…"), or "" when none says why.
func problemsText(ps []Problem) string {
	var parts []string
	for _, p := range ps {
		if p.Message != "" {
			parts = append(parts, p.Field+": "+p.Message)
		}
	}
	return strings.Join(parts, "; ")
}

// put types value into field i of the marked form: ticks a checkbox or radio, picks a select's option.
func (p *Page) put(i int, f Field, value string) error {
	el, err := p.rod.Timeout(3 * time.Second).Element(fmt.Sprintf(`[data-lr-i="%d"]`, i))
	if err != nil {
		return err
	}
	switch {
	case f.Type == "checkbox" || f.Type == "radio":
		if f.Checked {
			return nil
		}
		if err := el.Click(proto.InputMouseButtonLeft, 1); err != nil {
			// A styled checkbox hides the input behind its label: tick it as the label would.
			_, err = el.Eval(`function () { this.click() }`)
			return err
		}
		return nil
	case f.Tag == "select":
		_, err = el.Eval(setValue, value)
		return err
	}
	return typeInto(el, value)
}

func (p *Page) formFields(kind string) ([]Field, bool) {
	res, err := p.rod.Timeout(5*time.Second).Eval(markForm, kind)
	if err != nil {
		return nil, false
	}
	var fields []Field
	if err := json.Unmarshal([]byte(res.Value.JSON("", "")), &fields); err != nil || fields == nil {
		return nil, false
	}
	return fields, true
}

func (p *Page) findForm(kind string) bool {
	_, ok := p.formFields(kind)
	return ok
}

// readyToType scrolls a field into view, focuses it and selects what it holds, in one call where rod's SelectAllText
// and Input take eight (each a round trip to a renderer that, on a busy machine, answers late); false when the field
// cannot take text now (disabled, read-only, or its focus went elsewhere), for rod's own path, which waits.
const readyToType = `function () {
	if (this.disabled || this.readOnly) return false
	this.scrollIntoView({ block: 'nearest', inline: 'nearest' })
	this.focus()
	if (typeof this.select === 'function') this.select()
	return document.activeElement === this
}`

// typeInto replaces what the field holds with text as a person's typing would: the field focused, its text
// selected, the text inserted (beforeinput and input events, as a keyboard's), then input and change.
func typeInto(el *rod.Element, text string) error {
	if res, err := el.Eval(readyToType); err == nil && res.Value.Bool() {
		if err := el.Page().Context(el.GetContext()).InsertText(text); err != nil {
			return err
		}
		_, _ = el.Eval(`function () { this.dispatchEvent(new Event('input', { bubbles: true })); this.dispatchEvent(new Event('change', { bubbles: true })) }`)
		return nil
	}
	_ = el.SelectAllText()
	return el.Input(text)
}

// ThirdPartyRefs lists the page's resources from other origins, each as "tag URL" ("script https://…").
func (p *Page) ThirdPartyRefs() []string { return p.evalStrings(thirdPartyRefs) }

// LinkMatching returns the first same-origin link of the page whose text or path matches pattern (a JavaScript
// regular expression, case-insensitive), or "".
func (p *Page) LinkMatching(pattern string) string { return p.linkMatching(pattern) }

// DocumentHeader returns a response header of the page's current document (the last one of its top frame, see
// MainDocumentStatus), from the recorded traffic.
func (p *Page) DocumentHeader(name string) string {
	if x := p.mainDocument(); x != nil {
		return x.ResponseHeader[strings.ToLower(name)]
	}
	return ""
}

// State returns the error the page shows ("" when none) and the start of its visible text.
func (p *Page) State() (alert, text string) {
	alert, _, text = p.state()
	return alert, text
}

func (p *Page) state() (alert, message, text string) {
	st := p.readState()
	if st.Alert == "" {
		st.Alert = problemsText(st.Problems)
	}
	return st.Alert, st.Message, st.Text
}

type pageAnswer struct {
	Alert    string    `json:"alert"`
	Message  string    `json:"message"`
	Text     string    `json:"text"`
	Problems []Problem `json:"problems"`
}

func (p *Page) readState() pageAnswer {
	var st pageAnswer
	res, err := p.rod.Timeout(3 * time.Second).Eval(pageState)
	if err == nil {
		_ = json.Unmarshal([]byte(res.Value.JSON("", "")), &st)
	}
	return st
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

// DocumentStatus is the status of the last document the page loaded (0 when none was recorded).
func (p *Page) DocumentStatus() int { return p.documentStatus(0) }

// MainDocumentStatus is the status of the document the page shows now: the last one loaded in its top frame, not
// an iframe's (0 when none was recorded). Its address may differ from the page's: a single-page app's router moves
// to #/login or, with the History API, to /login without loading a document.
func (p *Page) MainDocumentStatus() int {
	if x := p.mainDocument(); x != nil {
		return x.Status
	}
	return 0
}

// mainDocument is the last document with an answer loaded in the page's top frame, nil when none was recorded.
func (p *Page) mainDocument() *Exchange {
	traffic := p.Traffic()
	for i := len(traffic) - 1; i >= 0; i-- {
		if x := traffic[i]; x.Type == "Document" && x.MainFrame && x.Status > 0 {
			return &x
		}
	}
	return nil
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
