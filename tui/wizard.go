package tui

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/launchready/launchready/audit"
)

// WizardResult is what the wizard built: a plan (passwords only as variable names), the passwords typed in it
// (kept in memory for this run, never written), and where to save the plan ("" for nowhere).
type WizardResult struct {
	Plan      *audit.Plan
	Passwords map[string]string
	SaveTo    string
	Start     bool
	// SaveSession names, per account signing in by hand, where to save the session it signs in to (0600).
	SaveSession map[string]string
}

// wizardDraft holds the form's values as text.
type wizardDraft struct {
	app, api                  string
	aEmail, aPass             string
	bEmail, bPass             string
	a, b                      accountDraft
	domain, selectors, inbox  string
	inboxAddress, inboxListen string
	imapServer, imapUser      string
	imapPass                  string
	repo, logs                string
	active                    bool
	skip                      []string
	saveTo                    string
	start                     bool
}

// accountDraft is how one account signs in, as the wizard asks it.
type accountDraft struct {
	how       string // password, manual, magic-link, storage-state
	totp      string // password: the variable holding the TOTP secret, optional
	state     string // storage-state: the file
	saveState string // manual: where to save the session signed in to
}

// signInWays are the wizard's choices for how an account signs in.
var signInWays = []huh.Option[string]{
	huh.NewOption("with its password (typed into the login form)", audit.LoginPassword),
	huh.NewOption("by hand in a browser window (SSO, Google/GitHub, captcha…)", audit.LoginManual),
	huh.NewOption("with a link by mail (magic link: needs an inbox, next page)", audit.LoginMagicLink),
	huh.NewOption("from a saved session file (Playwright storageState JSON)", audit.LoginStorageState),
}

// accountGroups ask how account who signs in and what that needs.
func accountGroups(who string, address, pass *string, d *accountDraft) []*huh.Group {
	W := strings.ToUpper(who)
	hidden := func(how string) func() bool { return func() bool { return d.how != how } }
	first := []huh.Field{
		huh.NewInput().Title("Account " + W + " email").Value(address).Validate(email),
		huh.NewSelect[string]().Title("How does " + W + " sign in?").Options(signInWays...).Value(&d.how),
	}
	if who == "a" {
		first = append([]huh.Field{huh.NewNote().Title("Two test accounts").Description("In two different orgs or workspaces: the audit swaps their IDs to find data one can read of the other's. SSO, magic links, 2FA: pick how each signs in.")}, first...)
	}
	return []*huh.Group{
		huh.NewGroup(first...).Title("2/5 · Account " + W),
		huh.NewGroup(
			huh.NewInput().Title("Account "+W+" password").Description("Typed here it stays in memory; or $NAME of a variable that holds it.").
				EchoMode(huh.EchoModePassword).Value(pass).Validate(nonEmpty("a password or $VARIABLE")),
			huh.NewInput().Title("TOTP secret variable (optional)").Description("If the login asks for a one-time code: the NAME of a variable holding the base32 secret.").
				Value(&d.totp).Validate(envNameOrEmpty),
		).Title("2/5 · Account " + W + ": password").WithHideFunc(hidden(audit.LoginPassword)),
		huh.NewGroup(
			huh.NewNote().Title("A browser window opens on the login page when the audit starts").
				Description("Sign in there (SSO, a captcha, anything), then press enter: the audit goes on headless with that session. It needs a screen."),
			huh.NewInput().Title("Save the session for the next run as (optional)").
				Description("A storage_state file, mode 0600. It is a live credential: anyone with it is signed in as "+W+"; keep it out of git.").
				Placeholder(who+"-session.json").Value(&d.saveState),
		).Title("2/5 · Account " + W + ": by hand").WithHideFunc(hidden(audit.LoginManual)),
		huh.NewGroup(
			huh.NewInput().Title("Saved session file").Description("Playwright storageState JSON (cookies and localStorage). A live credential: keep it out of git.").
				Placeholder(who + "-session.json").Value(&d.state).Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New("needs the file")
				}
				return existing(s)
			}),
		).Title("2/5 · Account " + W + ": saved session").WithHideFunc(hidden(audit.LoginStorageState)),
	}
}

func envNameOrEmpty(s string) error {
	if s = strings.TrimPrefix(strings.TrimSpace(s), "$"); s != "" && strings.ContainsAny(s, " =/:@") {
		return errors.New("the NAME of an environment variable, like LR_A_TOTP (never the secret itself)")
	}
	return nil
}

// WizardModel asks for what an audit needs, page by page, validating as the user moves on: the URLs must parse
// and answer (reach is the probe the caller gives), files must exist.
type WizardModel struct {
	form   *huh.Form
	draft  *wizardDraft
	reach  func(string) error
	cache  map[string]error
	width  int
	styles Styles
	result *WizardResult
	quit   bool
	base   audit.Plan // the pre-filled plan: keys the wizard does not ask about are kept
}

// NewWizard builds the wizard; prefill (from --plan) fills its fields. reach checks that a URL answers.
func NewWizard(prefill *audit.Plan, reach func(string) error) *WizardModel {
	d := &wizardDraft{inbox: "none", saveTo: "launchready-plan.yaml", start: true,
		a: accountDraft{how: audit.LoginPassword}, b: accountDraft{how: audit.LoginPassword}}
	if p := prefill; p != nil {
		d.app, d.api, d.domain, d.repo, d.active, d.skip = p.App, p.API, p.Email.Domain, p.Repo, p.Active, p.Skip
		d.selectors, d.logs = strings.Join(p.Email.DKIMSelectors, ", "), strings.Join(p.Logs, ", ")
		if p.Inbox.Kind != "" {
			d.inbox = p.Inbox.Kind
		}
		d.inboxAddress, d.inboxListen, d.imapServer, d.imapUser = p.Inbox.Address, p.Inbox.Listen, p.Inbox.Server, p.Inbox.User
		if p.Inbox.PasswordEnv != "" {
			d.imapPass = "$" + p.Inbox.PasswordEnv
		}
		if a := p.Accounts.A; a != nil {
			d.aEmail, d.aPass, d.a = a.Email, envRef(a.PasswordEnv), draftOf(a)
		}
		if b := p.Accounts.B; b != nil {
			d.bEmail, d.bPass, d.b = b.Email, envRef(b.PasswordEnv), draftOf(b)
		}
	}
	w := &WizardModel{draft: d, reach: reach, cache: map[string]error{}, width: 80, styles: NewStyles(true)}
	if prefill != nil {
		w.base = *prefill
	}
	var areas []huh.Option[string]
	for _, a := range audit.Areas {
		areas = append(areas, huh.NewOption(a.Title, a.ID))
	}
	inboxes := []huh.Option[string]{
		huh.NewOption("none: skip the flows that need mail", "none"),
		huh.NewOption("smtp: an embedded sink your staging app sends to", "smtp"),
		huh.NewOption("imap: a real test mailbox", "imap"),
		huh.NewOption("paste: I paste the links from my mail", "paste"),
	}
	groups := []*huh.Group{
		huh.NewGroup(
			huh.NewInput().Title("App URL").Description("Where users sign in. Staging is best; only this site's hosts are contacted.").
				Placeholder("https://staging.example.com/").Value(&d.app).Validate(w.url(true)),
			huh.NewInput().Title("API URL (optional)").Description("Another origin the app calls, if any.").
				Placeholder("https://api.staging.example.com/").Value(&d.api).Validate(w.url(false)),
		).Title("1/5 · The app"),
	}
	groups = append(groups, accountGroups("a", &d.aEmail, &d.aPass, &d.a)...)
	groups = append(groups, accountGroups("b", &d.bEmail, &d.bPass, &d.b)...)
	groups = append(groups,
		huh.NewGroup(
			huh.NewInput().Title("Sending domain").Description("The domain your app's mail comes from (SPF, DKIM, DMARC).").
				Placeholder("example.com").Value(&d.domain).Validate(domain),
			huh.NewInput().Title("DKIM selectors (optional)").Description("Comma-separated; ask your email provider. Common ones are tried too.").
				Placeholder("resend, google").Value(&d.selectors),
			huh.NewSelect[string]().Title("Inbox for sign-up, reset and invite mail").Options(inboxes...).Value(&d.inbox),
		).Title("3/5 · Email"),
		huh.NewGroup(
			huh.NewInput().Title("Where the SMTP sink listens").Description("Point the staging app's SMTP settings here (no TLS, any credentials). Loopback only.").
				Placeholder("127.0.0.1:2525").Value(&d.inboxListen).Validate(loopbackListen),
			huh.NewInput().Title("Address to sign up and invite with").Description("Each flow uses a fresh plus-address of it (qa+lr-signup-x7k2@…); the sink takes any.").
				Placeholder("qa@example.com").Value(&d.inboxAddress).Validate(optionalEmail),
		).Title("3/5 · Email: the SMTP sink").WithHideFunc(func() bool { return d.inbox != "smtp" }),
		huh.NewGroup(
			huh.NewInput().Title("IMAP server").Placeholder("imaps://imap.example.com:993").Value(&d.imapServer).Validate(nonEmpty("the IMAP server")),
			huh.NewInput().Title("Mailbox address").Description("Its plus-addresses must arrive in it (Gmail, Fastmail, Outlook do).").
				Value(&d.inboxAddress).Validate(email),
			huh.NewInput().Title("IMAP user").Value(&d.imapUser).Validate(nonEmpty("the IMAP user")),
			huh.NewInput().Title("IMAP password").Description("Typed here it stays in memory; or $NAME of a variable that holds it.").
				EchoMode(huh.EchoModePassword).Value(&d.imapPass).Validate(nonEmpty("a password or $VARIABLE")),
		).Title("3/5 · Email: the test mailbox").WithHideFunc(func() bool { return d.inbox != "imap" }),
		huh.NewGroup(
			huh.NewInput().Title("Your address").Description("The app's mail goes to plus-addresses of it; you paste each link when asked.").
				Value(&d.inboxAddress).Validate(email),
		).Title("3/5 · Email: pasting links").WithHideFunc(func() bool { return d.inbox != "paste" }),
		huh.NewGroup(
			huh.NewInput().Title("Repository path (optional)").Description("Scanned with its git history for secrets.").
				Placeholder("./").Value(&d.repo).Validate(existing),
			huh.NewInput().Title("Log files (optional)").Description("Comma-separated; scanned for passwords, tokens and reset links.").
				Value(&d.logs).Validate(existingList),
		).Title("4/5 · Code and logs"),
		huh.NewGroup(
			huh.NewConfirm().Title("Run active tests?").
				Description("Active tests write to the app: a canary post as A, B's attempts to change it, sign-up, reset and invite flows, bursts on posts. Say yes on staging or with accounts you can clean up.").
				Affirmative("Yes, write").Negative("No, read only").Value(&d.active),
			huh.NewMultiSelect[string]().Title("Areas to skip").Options(areas...).Value(&d.skip),
			huh.NewInput().Title("Save the plan as").Description("YAML without passwords (only the names of their variables). Empty: do not save.").
				Value(&d.saveTo),
			huh.NewConfirm().Title("Start the audit now?").Affirmative("Start").Negative("Only save").Value(&d.start),
		).Title("5/5 · Safety and saving"),
	)
	w.form = huh.NewForm(groups...).WithWidth(80).WithShowHelp(true).WithTheme(huh.ThemeFunc(huh.ThemeCharm))
	return w
}

// url validates a URL field as the user moves on: the syntax, then that it answers (once per URL).
func (w *WizardModel) url(required bool) func(string) error {
	return func(s string) error {
		s = strings.TrimSpace(s)
		if s == "" {
			if required {
				return errors.New("the app's URL is needed, like https://staging.example.com/")
			}
			return nil
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
			return errors.New("a full URL, starting with https://")
		}
		if w.reach == nil {
			return nil
		}
		err, seen := w.cache[s]
		if !seen {
			err = w.reach(s)
			w.cache[s] = err
		}
		if err != nil {
			return fmt.Errorf("cannot reach it: %v", err)
		}
		return nil
	}
}

// envRef shows a variable name as the password field takes it ("$NAME"), "" for none.
func envRef(name string) string {
	if name == "" {
		return ""
	}
	return "$" + name
}

// draftOf reads how a plan's account signs in back into the wizard.
func draftOf(a *audit.Account) accountDraft {
	return accountDraft{how: a.Method(), totp: a.TOTPEnv, state: a.StorageState}
}

func email(s string) error {
	if at := strings.LastIndex(s, "@"); at < 1 || !strings.Contains(s[at:], ".") {
		return errors.New("an email address, like alice@example.com")
	}
	return nil
}

func optionalEmail(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return email(s)
}

// loopbackListen accepts an empty answer (the default 127.0.0.1:2525) or a loopback host:port.
func loopbackListen(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(s)
	if ip := net.ParseIP(host); err != nil || port == "" || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return errors.New("a loopback host:port, like 127.0.0.1:2525")
	}
	return nil
}

func nonEmpty(what string) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("needs " + what)
		}
		return nil
	}
}

func domain(s string) error {
	if s = strings.Trim(strings.TrimSpace(s), "."); s != "" && (!strings.Contains(s, ".") || strings.ContainsAny(s, "/: @")) {
		return errors.New("a domain name, like example.com")
	}
	return nil
}

func existing(path string) error {
	if path = strings.TrimSpace(path); path == "" {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%s does not exist", path)
	}
	return nil
}

func existingList(list string) error {
	for _, p := range splitList(list) {
		if err := existing(p); err != nil {
			return err
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}

func (w *WizardModel) Init() tea.Cmd { return w.form.Init() }

func (w *WizardModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		w.width = msg.Width
		w.form = w.form.WithWidth(min(msg.Width, 100)).WithHeight(max(8, msg.Height-3))
	case tea.BackgroundColorMsg:
		w.styles = NewStyles(msg.IsDark())
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" {
			w.quit = true
			return w, tea.Quit
		}
	}
	form, cmd := w.form.Update(msg)
	if f, ok := form.(*huh.Form); ok {
		w.form = f
	}
	switch w.form.State {
	case huh.StateCompleted:
		w.result = w.build()
		return w, tea.Quit
	case huh.StateAborted:
		w.quit = true
		return w, tea.Quit
	}
	return w, cmd
}

func (w *WizardModel) View() tea.View {
	return tea.NewView(w.Render())
}

// Render is the wizard as text.
func (w *WizardModel) Render() string {
	head := w.styles.Title.Render("launchready") + w.styles.Dim.Render(" · a launch-readiness audit · ctrl+c to leave")
	return lipgloss.JoinVertical(lipgloss.Left, head, "", w.form.View())
}

// Result is the wizard's outcome, or nil when the user left it.
func (w *WizardModel) Result() *WizardResult { return w.result }

// build turns the answers into a plan. A typed password gets a variable name (LR_A_PASSWORD) that only this
// process knows; "$NAME" names a variable of the environment.
func (w *WizardModel) build() *WizardResult {
	d := w.draft
	r := &WizardResult{Passwords: map[string]string{}, SaveTo: strings.TrimSpace(d.saveTo), Start: d.start}
	p := w.base
	p.App, p.API, p.Repo, p.Logs, p.Active, p.Skip = strings.TrimSpace(d.app), strings.TrimSpace(d.api), strings.TrimSpace(d.repo), splitList(d.logs), d.active, d.skip
	if u, err := url.Parse(p.App); err == nil && p.Name == "" {
		p.Name = u.Hostname()
	}
	account := func(email, pass, env string) *audit.Account {
		if strings.HasPrefix(pass, "$") && len(pass) > 1 {
			return &audit.Account{Email: strings.TrimSpace(email), PasswordEnv: pass[1:]}
		}
		r.Passwords[env] = pass
		return &audit.Account{Email: strings.TrimSpace(email), PasswordEnv: env}
	}
	signIn := func(who, email, pass string, ad accountDraft) *audit.Account {
		switch ad.how {
		case audit.LoginManual, audit.LoginMagicLink:
			if path := strings.TrimSpace(ad.saveState); ad.how == audit.LoginManual && path != "" {
				if r.SaveSession == nil {
					r.SaveSession = map[string]string{}
				}
				r.SaveSession[who] = path
			}
			return &audit.Account{Email: strings.TrimSpace(email), Login: ad.how}
		case audit.LoginStorageState:
			return &audit.Account{Email: strings.TrimSpace(email), StorageState: strings.TrimSpace(ad.state)}
		}
		acc := account(email, pass, "LR_"+strings.ToUpper(who)+"_PASSWORD")
		acc.TOTPEnv = strings.TrimPrefix(strings.TrimSpace(ad.totp), "$")
		return acc
	}
	p.Accounts.A = signIn("a", d.aEmail, d.aPass, d.a)
	p.Accounts.B = signIn("b", d.bEmail, d.bPass, d.b)
	if dom := strings.Trim(strings.TrimSpace(d.domain), "."); dom != "" {
		p.Email = audit.Email{Domain: dom, DKIMSelectors: splitList(d.selectors)}
	}
	p.Inbox = audit.Inbox{Timeout: p.Inbox.Timeout}
	switch d.inbox {
	case "smtp":
		p.Inbox.Kind, p.Inbox.Listen, p.Inbox.Address = "smtp", strings.TrimSpace(d.inboxListen), strings.TrimSpace(d.inboxAddress)
	case "imap":
		p.Inbox.Kind, p.Inbox.Server, p.Inbox.User, p.Inbox.Address = "imap", strings.TrimSpace(d.imapServer), strings.TrimSpace(d.imapUser), strings.TrimSpace(d.inboxAddress)
		p.Inbox.PasswordEnv = account("", d.imapPass, "LR_INBOX_PASSWORD").PasswordEnv
	case "paste":
		p.Inbox.Kind, p.Inbox.Address = "paste", strings.TrimSpace(d.inboxAddress)
	}
	r.Plan = &p
	return r
}
