package audit

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/launchready/launchready/audit/account"
	"github.com/launchready/launchready/audit/ledger"
	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// ErrNoForm means the app has no form of the kind asked for, neither in its HTML nor in the browser.
var ErrNoForm = account.ErrNoForm

// Form is one of the app's forms as the audit sends it: learnt once, then every request is a fresh submission of
// the app's own shape. A form of the server's HTML is read again for each visitor (its CSRF field belongs to the
// visitor), and again whenever the visitor's cookies changed since it was read (a login, a rotated CSRF cookie);
// while they have not, the visitor's next submission reuses the form as read, as a browser that stays on the page
// would. A recorded form is filled in, in a jar seeded with the cookies the browser held.
type Form struct {
	Sub *account.Submission // as learnt
	t   *Target
	as  *Session // the account the form is sent as (an invite); nil for a visitor

	mu   sync.Mutex
	read map[http.CookieJar]readForm // the form as last read for each visitor's jar
}

// readForm is the form as one visitor last read it, with the cookies the visitor held then.
type readForm struct {
	sub     *account.Submission
	cookies string
}

// cookieState is what a jar holds for u, as one comparable string.
func cookieState(jar http.CookieJar, u string) string {
	pu, err := url.Parse(u)
	if err != nil || jar == nil {
		return ""
	}
	var b strings.Builder
	for _, c := range jar.Cookies(pu) {
		b.WriteString(c.Name + "=" + c.Value + ";")
	}
	return b.String()
}

// unchangedRead is the form as jar last read it, when jar read the server's form and holds the same cookies as it
// did then: a visitor the app has given nothing new since.
func (f *Form) unchangedRead(jar http.CookieJar) (*account.Submission, bool) {
	if jar == nil {
		return nil, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.read[jar]
	if !ok || r.cookies != cookieState(jar, f.Sub.Page) {
		return nil, false
	}
	return r.sub, true
}

// Unchanged reports whether jar read the server's form and holds the same cookies as it did then. A jar that never
// read the form (a recorded form's) is never unchanged.
func (f *Form) Unchanged(jar http.CookieJar) bool {
	_, ok := f.unchangedRead(jar)
	return ok
}

func (f *Form) keep(jar http.CookieJar, sub *account.Submission) {
	if jar == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.read == nil {
		f.read = map[http.CookieJar]readForm{}
	}
	f.read[jar] = readForm{sub, cookieState(jar, f.Sub.Page)}
}

// Endpoint is "POST /api/auth/login": what the form sends to.
func (f *Form) Endpoint() string { return f.Sub.Endpoint() }

// Describe says where the endpoint was learnt, for evidence: "POST /login (the page's POST form on https://…/login)".
func (f *Form) Describe() string {
	return fmt.Sprintf("%s (%s on %s)", f.Endpoint(), f.Sub.Source, f.t.Probe.Redactor().String(f.Sub.Page))
}

// NewJar is a cookie jar for a new visitor, holding the cookies a recorded form needs.
func (f *Form) NewJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	if f.Sub.Source == account.Recorded {
		f.Sub.Seed(jar)
	}
	return jar
}

// Request returns a fresh submission of the form filled with v, in jar (from NewJar). Passwords in v are
// registered with the probe, which refuses any URL that carries one.
func (f *Form) Request(ctx context.Context, jar http.CookieJar, v account.Values) (*probe.Request, error) {
	if pw := v[account.Password]; pw != "" {
		f.t.Probe.NeverInURL(pw)
	}
	req, _, _, err := f.request(ctx, jar, v)
	return req, err
}

// RequestPublic is Request for values that are no secret: the public weak passwords ("123456") a policy check
// tries are not registered with the probe, which would then refuse every URL that happens to contain them.
func (f *Form) RequestPublic(ctx context.Context, jar http.CookieJar, v account.Values) (*probe.Request, error) {
	req, _, _, err := f.request(ctx, jar, v)
	return req, err
}

// request fills a fresh submission; it also returns the page the form is on and the Set-Cookie lines that page
// came with (a pre-login session cookie, as the app sets it).
func (f *Form) request(ctx context.Context, jar http.CookieJar, v account.Values) (*probe.Request, string, []SetCookie, error) {
	sub := f.Sub
	if f.as != nil {
		jar = f.as.Jar
	}
	var issued []SetCookie
	if again, ok := f.unchangedRead(jar); ok && sub.Source == account.FromHTML {
		sub = again
	} else if sub.Source == account.FromHTML {
		resp, err := f.t.Probe.Do(ctx, f.apply(&probe.Request{URL: sub.Page, Jar: jar, Follow: 5}))
		if err != nil {
			return nil, "", nil, fmt.Errorf("loading the %s form: %w", sub.Kind, err)
		}
		for _, h := range resp.Hops {
			for _, line := range h.SetCookie {
				issued = append(issued, SetCookie{URL: h.URL, Line: line})
			}
		}
		if sub, err = account.FormIn(resp.Body, resp.URL, sub.Kind); err != nil {
			return nil, "", nil, err
		}
		f.keep(jar, sub)
	}
	req, err := sub.Request(v, jar)
	if err != nil {
		return nil, "", nil, err
	}
	return f.apply(req), sub.Page, issued, nil
}

func (f *Form) apply(req *probe.Request) *probe.Request {
	if f.as != nil {
		return f.as.Apply(req)
	}
	return req
}

// formKind is what the audit knows of each kind of form: the key of its page under the plan's paths, the words of
// the links that lead to its page (one pattern for Go and for the browser's JavaScript, matched case-insensitively),
// and the browser's finder for it.
type formKind struct {
	planKey string
	words   string
	finder  string
	re      *regexp.Regexp
	// dialog is the whole text of a button that opens the form in a dialog or in place. Only words that name the
	// form: a button named "Members" or "Reset" does other things than open a form, and may change something; a
	// bare "Invite" may be one beside a suggested contact, which sends an invitation at once ("Invite members"
	// opens a form).
	dialog string
}

func newFormKind(planKey, words, finder string) formKind {
	return formKind{planKey: planKey, words: words, finder: finder, re: regexp.MustCompile("(?i)" + words)}
}

func (k formKind) opensIn(dialog string) formKind {
	k.dialog = dialog
	return k
}

var formKinds = map[account.Kind]formKind{
	account.Login:  newFormKind("login", `\b(log ?in|sign ?in)\b`, browser.FormSignup).opensIn(`log ?in|sign ?in`),
	account.Reset:  newFormKind("reset", `forgot|reset|recover`, browser.FormEmail).opensIn(`forgot (your )?password\??|reset (your )?password|trouble (signing|logging) in\??|can'?t (sign|log) in\??`),
	account.Signup: newFormKind("signup", `sign ?up|register|create (an |your )?account|get started|join`, browser.FormSignup).opensIn(`(do(n['’]?t| not) have an account\?? *)?(sign ?up|register|create (an |your )?account|get started)`),
	account.Invite: newFormKind("invite", `invite|members|team|people|collaborators`, browser.FormEmail).opensIn(`(invite|add) (a )?(new )?(member|user|people|person|teammate|colleague|collaborator)s?`),
}

// DialogWords is the whole text of a button (or a link to a place in the page) that shows the form of the kind in a
// dialog or in place of what the page shows, as a JavaScript pattern for browser.Page.OpenDialog; "" for a kind
// never looked for that way.
func DialogWords(kind account.Kind) string { return formKinds[kind].dialog }

// planPath is the plan's path for the page of a form of the kind ("" when the plan names none).
func planPath(p *Plan, kind account.Kind) string {
	return map[account.Kind]string{account.Login: p.Paths.Login, account.Reset: p.Paths.Reset,
		account.Signup: p.Paths.Signup, account.Invite: p.Paths.Invite}[kind]
}

// maxFormPages bounds how many linked pages are opened to look for a form.
const maxFormPages = 3

type formOrErr struct {
	f   *Form
	err error
}

// htmlForm finds the explicit POST form of the kind in the server's HTML, once per audit.
func (t *Target) htmlForm(ctx context.Context, kind account.Kind) (*Form, error) {
	r := t.Once("html-form:"+string(kind), func() any {
		f, err := t.findHTMLForm(ledger.Tag(ctx, "find the "+string(kind)+" form"), kind, nil)
		return formOrErr{f, err}
	}).(formOrErr)
	return r.f, r.err
}

// FormPage is the page whose server HTML holds an explicit POST form of the kind (read once per audit over HTTP,
// as Form reads it), or "" when none does: a form only a script draws is for the browser to find.
func (t *Target) FormPage(ctx context.Context, kind account.Kind) string {
	if f, err := t.htmlForm(ctx, kind); err == nil {
		return f.Sub.Page
	}
	return ""
}

// findHTMLForm opens the form's candidate pages over HTTP (as s when given) and reads the first form of the kind.
func (t *Target) findHTMLForm(ctx context.Context, kind account.Kind, s *Session) (*Form, error) {
	var firstErr error
	for i, c := range t.formPages(ctx, kind, s) {
		u, err := url.Parse(c)
		if i >= maxFormPages+1 || err != nil || !t.Probe.InScope(u) {
			continue
		}
		f := &Form{t: t, as: s}
		jar, _ := cookiejar.New(nil)
		resp, err := t.Probe.Do(ctx, f.apply(&probe.Request{URL: c, Jar: jar, Follow: 5, Shared: s == nil}))
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		sub, err := account.FormIn(resp.Body, resp.URL, kind)
		if err == nil {
			f.Sub = sub
			return f, nil
		}
		if errors.Is(err, account.ErrNotPost) || firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("%w (%s)", account.ErrNoForm, kind)
	}
	return nil, firstErr
}

// formPages are where a form of the kind may be: the plan's path for it, the login page (or the app), and the
// pages they link to with the kind's words.
func (t *Target) formPages(ctx context.Context, kind account.Kind, s *Session) []string {
	words := formKinds[kind].re
	var out []string
	add := func(u string) {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	if path := planPath(t.Plan, kind); path != "" {
		add(t.Resolve(path).String())
	}
	starts := []string{t.loginStart().String(), t.App.String()}
	if kind == account.Invite {
		starts = []string{t.App.String()}
	}
	for i := 0; i < len(starts) && i < 3; i++ {
		start := starts[i]
		if kind == account.Login {
			add(start)
		}
		req := &probe.Request{URL: start, Follow: 5, Shared: s == nil} // anonymous: the same page for every kind
		if s != nil {
			s.Apply(req)
		}
		resp, err := t.Probe.Do(ctx, req)
		if err != nil {
			continue
		}
		base := mustURL(resp.URL)
		for _, l := range account.LinksMatching(resp.Body, base, words) {
			add(l)
		}
		// The sign-in page is often one link away from the app's first page, and holds the links to the others.
		if signIn := account.LinksMatching(resp.Body, base, formKinds[account.Login].re); len(signIn) > 0 && kind != account.Invite && !slices.Contains(starts, signIn[0]) {
			starts = append(starts, signIn[0])
		}
	}
	return out
}

// Form returns the app's form of the kind as the audit replays it (login, password reset, sign-up), once per
// audit: the server's explicit POST form when there is one, otherwise the request the app's own script sends,
// recorded in the browser once with the address of nobody (and a wrong password). A sign-up is only learnt with
// active: true, since submitting it creates an account.
func (t *Target) Form(ctx context.Context, kind account.Kind) (*Form, error) {
	r := t.Once("form:"+string(kind), func() any {
		ctx := ledger.Tag(ctx, "find the "+string(kind)+" form")
		f, err := t.htmlForm(ctx, kind)
		if err == nil {
			return formOrErr{f, nil}
		}
		if kind == account.Signup && !t.Plan.Active {
			return formOrErr{nil, fmt.Errorf("%v; learning it in the browser creates an account: %s", err, NeedsActive)}
		}
		f, berr := t.learnInBrowser(ctx, kind, t.nobody(), nil, "")
		if berr != nil {
			err = fmt.Errorf("%w: in the server's HTML: %v; in the browser: %v", account.ErrNoForm, err, berr)
			switch {
			case kind != account.Login:
			case len(t.Plan.AuthHosts) > 0:
				err = fmt.Errorf("the login form is on %s (auth_hosts), outside the audit's scope: nothing is sent there, so its rate limit and input handling are the identity provider's to answer for (%w)", strings.Join(t.Plan.AuthHosts, ", "), err)
			case t.Plan.Accounts.A != nil && t.Plan.Accounts.A.Method() == LoginMagicLink:
				err = fmt.Errorf("the app signs in with a link by mail (login: magic-link), so there is no password form to send to; check by hand that sign-in link requests are rate-limited (%w)", err)
			}
			return formOrErr{nil, err}
		}
		return formOrErr{f, nil}
	}).(formOrErr)
	return r.f, r.err
}

// InviteForm returns the invite form account s sees: in the server's HTML of s's pages, or recorded in s's browser.
func (t *Target) InviteForm(ctx context.Context, s *Session, email string) (*Form, error) {
	f, err := t.findHTMLForm(ctx, account.Invite, s)
	if err == nil {
		return f, nil
	}
	bs, berr := t.BrowserSession(ctx, s.Account)
	if berr != nil {
		return nil, fmt.Errorf("%w: no invite form in the server's HTML of %s's pages (%v; set paths.invite in the plan), and no browser: %v", account.ErrNoForm, strings.ToUpper(s.Account), err, berr)
	}
	f, berr = t.learnInBrowser(ctx, account.Invite, account.Values{account.Email: email}, bs.Context, bs.LandingURL)
	if berr != nil {
		return nil, fmt.Errorf("%w: in the server's HTML: %v; in the browser: %v", account.ErrNoForm, err, berr)
	}
	f.as = s
	return f, nil
}

// nobody are the values a form is learnt with: an address that has no account, and a wrong password.
func (t *Target) nobody() account.Values {
	domain := "example.com"
	if a := t.Plan.Accounts.A; a != nil {
		if _, d, ok := strings.Cut(a.Email, "@"); ok {
			domain = d
		}
	}
	return account.Values{account.Email: "launchready-nobody-" + randomHex(4) + "@" + domain,
		account.Password: "Lr-wrong-" + randomHex(6)}
}

// learnInBrowser fills and submits the form of the kind once in Chromium (in bc, or in a fresh visitor's context)
// and makes the request the app's script sent the form's template.
func (t *Target) learnInBrowser(ctx context.Context, kind account.Kind, v account.Values, bc *browser.Context, landing string) (*Form, error) {
	engine, err := t.Browser()
	if err != nil {
		return nil, err
	}
	if bc == nil {
		if bc, err = engine.NewContext("learn-" + string(kind)); err != nil {
			return nil, err
		}
		defer bc.Close()
	}
	p, err := bc.NewPage(ctx)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	if pw := v[account.Password]; pw != "" {
		t.Probe.NeverInURL(pw)
	}
	fill := account.NewFiller(v)
	fill.Secret = t.Probe.NeverInURL
	var res *browser.FormResult
	said := "" // what the kind's own page (a link named for it) says, when it offers no form
	for _, page := range t.browserFormPages(p, kind, landing) {
		if res, _, _, err = account.Submit(ctx, p, page, formKinds[kind].finder, fill); err == nil {
			break
		}
		if alert, text := p.State(); said == "" && formKinds[kind].re.MatchString(page) {
			said = fmt.Sprintf("%s says %q", Route(page), account.Clip(strings.TrimSpace(cmp.Or(alert, text)), 200))
		}
		// A "Log in" (or "Sign up") button may open the form in a dialog, on this page.
		var noForm *browser.ErrNoForm
		if errors.As(err, &noForm) && formKinds[kind].dialog != "" && p.OpenDialog(formKinds[kind].dialog) {
			if res, _, _, err = account.Submit(ctx, p, "", formKinds[kind].finder, fill); err == nil {
				break
			}
		}
	}
	// No page of its own: a sign-up or reset form may be one that buttons show.
	if res == nil && (kind == account.Signup || kind == account.Reset) && planPath(t.Plan, kind) == "" {
		t.FormBehindButtons(p, kind, func(string, []string) bool {
			if res, _, _, err = account.Submit(ctx, p, "", formKinds[kind].finder, fill); err != nil {
				res = nil
			}
			return res != nil
		})
	}
	if res == nil && said != "" {
		// The app's own page for it, without the form: often the app saying why (Gitea: "Account recovery is
		// disabled because no email address is set up").
		return nil, fmt.Errorf("no %s form found in the browser either: %s (set paths.%s in the plan if the form is on another page)", kind, said, formKinds[kind].planKey)
	}
	if res == nil {
		return nil, fmt.Errorf("no %s form found in the browser either (set paths.%s in the plan if the app has one; an app without it has none to judge)", kind, formKinds[kind].planKey)
	}
	sub, err := account.FromTraffic(kind, res.Page, res.Sent, fill.Typed, nil)
	if err != nil {
		return nil, err
	}
	if cks, err := p.Cookies(sub.URL); err == nil {
		for _, ck := range cks {
			sub.Cookies = append(sub.Cookies, httpCookie(ck))
		}
	}
	return &Form{Sub: sub, t: t}, nil
}

// FormBehindButtons looks for a form of the kind that no page of its own holds but buttons show: a button whose
// whole text names the form (DialogWords) on the login page, the app's first page or the sign-in page they link,
// or such a button inside the sign-in dialog a "Sign in" button opens there (not where the sign-in form already
// shows: that button would send it). A sign-up form must come with a password field the clicks showed, or the
// sign-in form left as it was would be taken for it. Each time the form is shown on p, use gets the page and the
// whole texts of the buttons clicked there, in order; the search ends when use returns true, and reports whether it
// did.
func (t *Target) FormBehindButtons(p *browser.Page, kind account.Kind, use func(page string, dialogs []string) bool) bool {
	words, signIn := formKinds[kind].dialog, formKinds[account.Login]
	shown := func() bool { return kind != account.Signup || p.NewPasswordField() }
	starts := []string{t.loginStart().String(), t.App.String()}
	for i := 0; i < len(starts); i++ {
		if p.Goto(starts[i]) != nil {
			continue
		}
		link := p.LinkMatching(signIn.words) // read before a click changes the page
		if p.OpenDialog(words) && shown() && use(starts[i], []string{words}) {
			return true
		}
		if p.Goto(starts[i]) == nil && !p.ShowsLogin() && p.OpenDialog(signIn.dialog) && p.OpenDialog(words) && shown() &&
			use(starts[i], []string{signIn.dialog, words}) {
			return true
		}
		if link != "" && !slices.Contains(starts, link) {
			starts = append(starts, link) // the sign-in page one link away, where "Forgot password?" and "Sign up" usually are
		}
	}
	return false
}

// browserFormPages are the pages the browser tries for a form: the plan's path, the login page and the app (for
// an invite, the account's landing page and the app), and the first link with the kind's words on each.
func (t *Target) browserFormPages(p *browser.Page, kind account.Kind, landing string) []string {
	if path := planPath(t.Plan, kind); path != "" {
		return []string{t.Resolve(path).String()}
	}
	words, signInWords := formKinds[kind].words, formKinds[account.Login].words
	starts := []string{t.loginStart().String(), t.App.String()}
	if kind == account.Invite && landing != "" {
		starts = []string{landing, t.App.String()}
	}
	var out []string
	for _, start := range starts {
		if kind == account.Login || kind == account.Invite {
			out = append(out, start)
		}
		if p.Goto(start) != nil {
			continue
		}
		if link := p.LinkMatching(words); link != "" {
			out = append(out, link)
		} else if signIn := p.LinkMatching(signInWords); signIn != "" && kind != account.Invite && p.Goto(signIn) == nil {
			// The sign-in page is often one link away from the app's first page, and holds the links to the others.
			if kind == account.Login {
				out = append(out, signIn)
			} else if link := p.LinkMatching(words); link != "" {
				out = append(out, link)
			}
		}
	}
	return out
}

func (t *Target) loginStart() *url.URL {
	if t.Plan.Paths.Login != "" {
		return t.Resolve(t.Plan.Paths.Login)
	}
	return t.App
}

func mustURL(s string) *url.URL {
	u, _ := url.Parse(s)
	if u == nil {
		u = &url.URL{}
	}
	return u
}

// Password returns the account's password from its environment variable ("" when unset).
func (t *Target) Password(who string) string {
	if acc := t.account(who); acc != nil {
		return t.getenv(acc.PasswordEnv)
	}
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
