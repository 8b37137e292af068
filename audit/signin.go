package audit

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/launchready/launchready/browser"
)

// The sign-ins that type no password (plan keys accounts.X.login, storage_state, totp_env; auth_hosts): a session
// the user brings in a file, one a person signs in to by hand in a visible window, a link by mail, and the one-time
// code of a second factor. Each ends in the same browser session the password login makes, so every check works
// from it; what needs the password says so.

// ErrNoPassword means the account signs in without a password the audit could type: checks that need one (a fresh
// login, the reset flow) are skipped for it.
var ErrNoPassword = errors.New("no password to type")

// SignInWindow is the visible browser window a person signs in on (login: manual).
type SignInWindow struct {
	Account string // "a" or "b"
	Email   string
	URL     string        // where the window opened
	Page    *browser.Page // the window's tab: a scripted "user" in tests acts on it as a person would
	Again   error         // why the last "done" was not a sign-in (the login form still showed); nil the first time
	// Blocked are the hosts the window was kept from loading (outside the plan's hosts and auth_hosts): a sign-in
	// page that looks broken needs them in auth_hosts.
	Blocked []string
}

// Prompt is what the person is asked.
func (w SignInWindow) Prompt() string {
	p := fmt.Sprintf("Sign in as %s (%s) in the browser window, then press enter", strings.ToUpper(w.Account), w.Email)
	if w.Again != nil {
		p = "Not signed in yet (" + w.Again.Error() + "). " + p
	}
	if len(w.Blocked) > 0 {
		p += fmt.Sprintf(" (the window was kept from loading %s: if the sign-in page looks broken, add them to auth_hosts)", strings.Join(w.Blocked, ", "))
	}
	return p
}

// SignInByHand shows the person running the audit that the window waits for them ("sign in as A in the window,
// then press enter") and returns once they say they are done; an error when they give up.
type SignInByHand func(ctx context.Context, w SignInWindow) error

// signIns are the notes of how each account signed in, for the report.
type signIns struct {
	mu    sync.Mutex
	notes []string
}

// HasDisplay reports whether a visible browser window can be shown here.
var HasDisplay = browser.HasDisplay

// StatePath is the account's storage_state file, resolved against the plan's folder.
func (p *Plan) StatePath(acc *Account) string {
	if acc.StorageState == "" || filepath.IsAbs(acc.StorageState) || p.Dir == "" {
		return acc.StorageState
	}
	return filepath.Join(p.Dir, acc.StorageState)
}

// noteSignIn records, once, how an account signed in, for the report's method section.
func (t *Target) noteSignIn(line string) {
	t.signIn.mu.Lock()
	defer t.signIn.mu.Unlock()
	for _, l := range t.signIn.notes {
		if l == line {
			return
		}
	}
	t.signIn.notes = append(t.signIn.notes, line)
}

// SignInNotes says how each account signed in when it was not by typing its password.
func (t *Target) SignInNotes() []string {
	t.signIn.mu.Lock()
	defer t.signIn.mu.Unlock()
	out := append([]string(nil), t.signIn.notes...)
	sort.Strings(out)
	return out
}

// savedState is the session account who brings: its storage_state file, or what a person signed in to by hand.
// Read (or asked for) once per audit.
func (t *Target) savedState(ctx context.Context, who string) (*browser.State, error) {
	acc := t.account(who)
	if acc == nil {
		return nil, errNoAccount(who)
	}
	type result struct {
		st  *browser.State
		err error
	}
	r := t.Once("saved-session-"+who, func() any {
		var r result
		if acc.Method() == LoginManual {
			r.st, r.err = t.signInByHand(ctx, who, acc)
		} else if r.st, r.err = browser.ReadState(t.Plan.StatePath(acc)); r.err != nil {
			r.err = fmt.Errorf("account %s: storage_state: %w", who, r.err)
		} else {
			t.noteSignIn(fmt.Sprintf("%s: the saved session in %s (storage_state); no password was typed", strings.ToUpper(who), acc.StorageState))
		}
		if r.st != nil {
			for _, v := range r.st.Secrets() {
				t.Probe.Redactor().Add(v)
			}
		}
		return r
	}).(result)
	return r.st, r.err
}

// SignInFirst lets a person sign in by hand, before any check runs, to the accounts whose plan says login: manual,
// one after the other: the checks then all start from those sessions. What fails is kept and reported by every
// check that needs the account.
func (t *Target) SignInFirst(ctx context.Context) {
	for _, who := range []string{"a", "b"} {
		if acc := t.account(who); acc != nil && acc.Method() == LoginManual {
			_, _ = t.savedState(ctx, who)
		}
	}
}

// signInByHand opens a visible browser on the login page, waits for the person to sign in (SSO, a captcha,
// anything), captures the session and closes the window: the audit goes on headless from the captured session.
func (t *Target) signInByHand(ctx context.Context, who string, acc *Account) (*browser.State, error) {
	if t.SignInByHand == nil {
		return nil, fmt.Errorf("account %s: login: manual needs someone at the terminal to sign in: run the audit interactively, or save a session once and use storage_state", who)
	}
	if !t.WindowHeadless && !HasDisplay() {
		return nil, fmt.Errorf("account %s: login: manual opens a browser window, and this machine has no display (DISPLAY is not set): sign in on a machine with a screen and save the session there (the wizard offers it), then use storage_state", who)
	}
	bin, err := browser.Find()
	if err != nil {
		return nil, err
	}
	opts := t.browserOptions(bin)
	opts.Visible, opts.ForceHeadless = true, t.WindowHeadless
	engine, err := browser.Launch(t.life, opts)
	if err != nil {
		return nil, fmt.Errorf("account %s: opening the browser window: %w", who, err)
	}
	defer engine.Close()
	c, err := engine.NewContext(who)
	if err != nil {
		return nil, err
	}
	start := t.loginStart().String()
	w, err := c.OpenWindow(ctx, start)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", who, err)
	}
	defer w.Close()
	var st *browser.State
	for try := 1; ; try++ {
		win := SignInWindow{Account: who, Email: acc.Email, URL: start, Page: w.Page, Again: err, Blocked: blockedHosts(engine)}
		if err := t.SignInByHand(ctx, win); err != nil {
			return nil, fmt.Errorf("account %s: the sign-in by hand did not finish (%v): sign in again, or use storage_state", who, err)
		}
		if st, err = w.Done(); err == nil {
			break
		}
		if try == 3 {
			return nil, fmt.Errorf("account %s: %w", who, err)
		}
	}
	note := fmt.Sprintf("%s: signed in by hand in a browser window (login: manual)", strings.ToUpper(who))
	if path := t.SaveSession[who]; path != "" {
		if err := st.Write(path); err != nil {
			note += fmt.Sprintf("; saving the session to %s failed: %v", path, err)
		} else {
			note += fmt.Sprintf("; the session was saved to %s (mode 0600, a live credential: keep it out of git) for storage_state next time", path)
		}
	}
	t.noteSignIn(note)
	return st, nil
}

// blockedHosts are the hosts a browser was kept from loading, sorted.
func blockedHosts(e *browser.Engine) []string {
	blocked, _ := e.ThirdParty()
	seen := map[string]bool{}
	var out []string
	for raw := range blocked {
		if u, err := url.Parse(raw); err == nil && u.Host != "" && !seen[u.Host] {
			seen[u.Host] = true
			out = append(out, u.Host)
		}
	}
	sort.Strings(out)
	return out
}

// resumeSession opens a new context holding the account's saved session and checks it is signed in.
func (t *Target) resumeSession(ctx context.Context, who string, engine *browser.Engine) (*browser.Session, error) {
	st, err := t.savedState(ctx, who)
	if err != nil {
		return nil, err
	}
	c, err := engine.NewContext(who)
	if err != nil {
		return nil, err
	}
	if err := c.Seed(ctx, st); err != nil {
		c.Close()
		return nil, fmt.Errorf("account %s: %w", who, err)
	}
	s, err := c.Resume(ctx, who, t.App.String())
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("account %s: %w", who, err)
	}
	return s, nil
}

// magicLinkSession asks the app for a sign-in link for the account, waits for it in the plan's inbox and opens it.
func (t *Target) magicLinkSession(ctx context.Context, who string, acc *Account, engine *browser.Engine) (_ *browser.Session, err error) {
	if _, err := t.Inbox(); err != nil {
		return nil, fmt.Errorf("account %s: login: magic-link needs the inbox: %w", who, err)
	}
	c, err := engine.NewContext(who)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	since := time.Now()
	page, said, err := c.RequestLink(ctx, who, t.loginStart().String(), acc.Email)
	if err != nil {
		return nil, fmt.Errorf("account %s: asking for a sign-in link: %w", who, err)
	}
	m, err := t.WaitMail(ctx, acc.Email, since)
	if err != nil {
		return nil, fmt.Errorf("account %s: no sign-in link came for %s (the app said: %q): %w", who, acc.Email, firstLine(said), err)
	}
	var s *browser.Session
	how := "a sign-in link by mail"
	if page.AsksForCode() { // a code by mail (Clerk, PocketBase), typed into the page that asked for it
		code := mailCode(m.Text)
		if code == "" {
			return nil, fmt.Errorf("account %s: the page asks for a code, and the mail %q to %s holds none", who, m.Subject, acc.Email)
		}
		t.Probe.Redactor().Add(code)
		how = "a one-time code by mail"
		s, err = c.EnterCode(ctx, who, page, code)
	} else {
		link := t.signInLink(m.Links)
		if link == "" {
			return nil, fmt.Errorf("account %s: the mail %q to %s holds no link to the app", who, m.Subject, acc.Email)
		}
		s, err = c.FollowLink(ctx, who, page, link)
	}
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", who, err)
	}
	t.noteSignIn(fmt.Sprintf("%s: %s (login: magic-link); no password was typed", strings.ToUpper(who), how))
	return s, nil
}

var (
	mailCodeRe   = regexp.MustCompile(`\b\d{6,8}\b`)
	codeWordRe   = regexp.MustCompile(`(?i)code|one.?time|otp|verif|passcode|pin\b`)
	codeDistance = 60 // characters between "code" and the code itself
)

// mailCode finds the one-time code in a mail's text: a 6 to 8 digit number, preferring one shortly after a word
// like "code"; "" when there is none.
func mailCode(text string) string {
	all := mailCodeRe.FindAllStringIndex(text, -1)
	for _, at := range all {
		if codeWordRe.MatchString(text[max(0, at[0]-codeDistance):at[0]]) {
			return text[at[0]:at[1]]
		}
	}
	if len(all) == 1 {
		return text[all[0][0]:all[0][1]]
	}
	return ""
}

var signInLinkWords = regexp.MustCompile(`(?i)magic|sign.?in|log.?in|auth|verify|callback|token|session|otp|link`)

// signInLink picks the mail's sign-in link: a link into the audit's scope, preferring one whose address says so.
func (t *Target) signInLink(links []string) string {
	var inScope []string
	for _, l := range links {
		u, err := url.Parse(l)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			continue
		}
		if t.Probe.InScope(u) || t.isAuthHost(u) {
			inScope = append(inScope, l)
		}
	}
	for _, l := range inScope {
		if signInLinkWords.MatchString(l) {
			return l
		}
	}
	if len(inScope) > 0 {
		return inScope[0]
	}
	return ""
}

func (t *Target) isAuthHost(u *url.URL) bool {
	for _, h := range t.Plan.AuthHosts {
		if strings.EqualFold(h, u.Hostname()) {
			return true
		}
	}
	return false
}

// totpCode makes the account's current one-time code from the secret in its totp_env variable.
func (t *Target) totpCode(acc *Account) func() (string, error) {
	if acc.TOTPEnv == "" {
		return nil
	}
	return func() (string, error) {
		secret := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(t.getenv(acc.TOTPEnv)), " ", ""))
		if secret == "" {
			return "", fmt.Errorf("the environment variable %s is empty: export the base32 TOTP secret of %s in it", acc.TOTPEnv, acc.Email)
		}
		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			return "", fmt.Errorf("%s does not hold a base32 TOTP secret (as the app showed it when 2FA was set up)", acc.TOTPEnv)
		}
		return code, nil
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// SeenLogin is the first account ("a", then "b") whose login the audit performs itself, and so sees: a password
// typed or a sign-in link followed; "" when both bring their session (a file, a person at a window). With no
// account A at all it is "a", so that the check asking reports the account missing. A check that logs out ends a
// session of this account; with none, it must end the very session the other checks use, so it runs last.
func (t *Target) SeenLogin() string {
	for _, who := range []string{"a", "b"} {
		if acc := t.account(who); acc != nil && acc.Renewable() {
			return who
		}
	}
	if t.account("a") == nil {
		return "a"
	}
	return ""
}
