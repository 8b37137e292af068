package audit

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/publicsuffix"
)

// Plan is what to audit and how, as saved in YAML (design.md). Passwords never sit in it: PasswordEnv names an
// environment variable.
type Plan struct {
	Name     string   `yaml:"name,omitempty" json:"name,omitempty"`
	App      string   `yaml:"app" json:"app"`
	API      string   `yaml:"api,omitempty" json:"api,omitempty"`
	HTTPURL  string   `yaml:"http_url,omitempty" json:"http_url,omitempty"`
	Scope    []string `yaml:"scope,omitempty" json:"scope,omitempty"`
	Allow    []string `yaml:"allow,omitempty" json:"allow,omitempty"` // third-party hosts the browser may load (CDN, fonts)
	Paths    Paths    `yaml:"paths,omitempty" json:"paths,omitempty"`
	Accounts Accounts `yaml:"accounts,omitempty" json:"accounts,omitempty"`
	// AuthHosts are the hosts of a hosted login page or identity provider: the browser may go there while it logs
	// an account in, and only then; nothing is ever sent there otherwise, and the report lists them as out of scope.
	AuthHosts []string `yaml:"auth_hosts,omitempty" json:"auth_hosts,omitempty"`
	Email     Email    `yaml:"email,omitempty" json:"email,omitempty"`
	Inbox     Inbox    `yaml:"inbox,omitempty" json:"inbox,omitempty"`
	Repo      string   `yaml:"repo,omitempty" json:"repo,omitempty"`
	Logs      []string `yaml:"logs,omitempty" json:"logs,omitempty"`
	Active    bool     `yaml:"active,omitempty" json:"active"`
	Skip      []string `yaml:"skip,omitempty" json:"skip,omitempty"`
	Resolve   []string `yaml:"resolve,omitempty" json:"resolve,omitempty"`
	Resolver  string   `yaml:"resolver,omitempty" json:"resolver,omitempty"` // DNS server host:port (default: /etc/resolv.conf)
	TLS       TLS      `yaml:"tls,omitempty" json:"tls,omitempty"`
	Limits    Limits   `yaml:"limits,omitempty" json:"limits,omitempty"`
	Ops       Ops      `yaml:"ops,omitempty" json:"ops,omitempty"`
	// AcceptFile is the accept file of this plan's accepted risks, relative to the plan's folder.
	AcceptFile string `yaml:"accept_file,omitempty" json:"accept_file,omitempty"`
	// Dir is the folder the plan was read from ("" for a plan made in code), for its relative paths.
	Dir string `yaml:"-" json:"-"`
}

// AcceptPath is the plan's accept file, resolved against the plan's folder ("" when it names none).
func (p *Plan) AcceptPath() string {
	if p.AcceptFile == "" || filepath.IsAbs(p.AcceptFile) || p.Dir == "" {
		return p.AcceptFile
	}
	return filepath.Join(p.Dir, p.AcceptFile)
}

type Paths struct {
	Login  string `yaml:"login,omitempty" json:"login,omitempty"`
	Signup string `yaml:"signup,omitempty" json:"signup,omitempty"`
	Reset  string `yaml:"reset,omitempty" json:"reset,omitempty"`
	Invite string `yaml:"invite,omitempty" json:"invite,omitempty"`
	Health string `yaml:"health,omitempty" json:"health,omitempty"`
	Admin  string `yaml:"admin,omitempty" json:"admin,omitempty"` // the app's admin page or API, tried as a member and anonymously
}

type Accounts struct {
	A *Account `yaml:"a,omitempty" json:"a,omitempty"`
	B *Account `yaml:"b,omitempty" json:"b,omitempty"`
}

type Account struct {
	Email       string `yaml:"email" json:"email"`
	PasswordEnv string `yaml:"password_env,omitempty" json:"password_env,omitempty"`
	// Login is how the account signs in: "password" (the default: the form is filled), "manual" (a person signs in
	// in a visible browser window), or "magic-link" (a sign-in link or one-time code is requested and read from the plan's inbox).
	Login string `yaml:"login,omitempty" json:"login,omitempty"`
	// StorageState is a Playwright storageState JSON file (cookies, and localStorage per origin) of a session the
	// user brings: the account's browser starts with it, and no login is typed. It is a live credential.
	StorageState string `yaml:"storage_state,omitempty" json:"storage_state,omitempty"`
	// TOTPEnv names the environment variable holding the base32 secret of the account's TOTP second factor: when
	// the login asks for a one-time code, the current one is typed.
	TOTPEnv string `yaml:"totp_env,omitempty" json:"totp_env,omitempty"`
}

// The ways an account signs in: the values of accounts.X.login, and (not a login value) a saved session.
const (
	LoginPassword     = "password"
	LoginManual       = "manual"
	LoginMagicLink    = "magic-link"
	LoginStorageState = "storage-state" // accounts.X.storage_state
)

// LoginMethods are the values accounts.X.login takes.
var LoginMethods = []string{LoginPassword, LoginManual, LoginMagicLink}

// Method is how the account signs in: its saved session when it has one (LoginStorageState), else its login key
// ("password" by default).
func (a *Account) Method() string {
	switch {
	case a.StorageState != "":
		return LoginStorageState
	case a.Login == "":
		return LoginPassword
	}
	return a.Login
}

// browserOnly reports whether only the browser can sign the account in: any way but a password, or a password
// followed by a one-time code (no form to post over HTTP alone).
func (a *Account) browserOnly() bool { return a.Method() != LoginPassword || a.TOTPEnv != "" }

// Renewable reports whether the audit can make new sessions of the account by itself (typing a password or
// reading a sign-in link), as opposed to a session a person or a file hands it once.
func (a *Account) Renewable() bool {
	m := a.Method()
	return m == LoginPassword || m == LoginMagicLink
}

type Email struct {
	Domain        string   `yaml:"domain,omitempty" json:"domain,omitempty"`
	DKIMSelectors []string `yaml:"dkim_selectors,omitempty" json:"dkim_selectors,omitempty"`
}

type Inbox struct {
	Kind        string   `yaml:"kind,omitempty" json:"kind,omitempty"`     // smtp, imap or paste
	Listen      string   `yaml:"listen,omitempty" json:"listen,omitempty"` // smtp: where the sink listens
	Address     string   `yaml:"address,omitempty" json:"address,omitempty"`
	Server      string   `yaml:"server,omitempty" json:"server,omitempty"` // imap: imaps://host:993
	User        string   `yaml:"user,omitempty" json:"user,omitempty"`
	PasswordEnv string   `yaml:"password_env,omitempty" json:"password_env,omitempty"`
	Timeout     Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"` // how long to wait for each mail
}

// TLS tells the audit how to trust a staging certificate. transport.tls-cert still reports what it sees.
type TLS struct {
	CAFile   string `yaml:"ca_file,omitempty" json:"ca_file,omitempty"`
	Insecure bool   `yaml:"insecure,omitempty" json:"insecure,omitempty"`
}

// Limits tighten the audit's own traffic.
type Limits struct {
	Requests    int      `yaml:"requests,omitempty" json:"requests,omitempty"`           // request budget for the whole audit
	Timeout     Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`             // per request
	CheckTime   Duration `yaml:"check_timeout,omitempty" json:"check_timeout,omitempty"` // per check
	DNSTimeout  Duration `yaml:"dns_timeout,omitempty" json:"dns_timeout,omitempty"`     // per DNS attempt (one retry follows)
	Burst       int      `yaml:"burst,omitempty" json:"burst,omitempty"`                 // requests per rate-limit burst (at most 20)
	BurstWindow Duration `yaml:"burst_window,omitempty" json:"burst_window,omitempty"`   // time per burst (at most 10s)
	Samples     int      `yaml:"samples,omitempty" json:"samples,omitempty"`             // latency samples in all (at most 200)
	Concurrency int      `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`     // checks at work at once (one waiting for a login another does gives its place back)
}

// The bounds of any burst the audit sends to one endpoint, which a plan's limits may only tighten.
const (
	MaxBurst       = 20
	MaxBurstWindow = 10 * time.Second
)

// BurstBounds are the most requests one burst may send to an endpoint, and the time they are spread over at least.
func (l Limits) BurstBounds() (int, time.Duration) {
	n, window := MaxBurst, MaxBurstWindow
	if l.Burst > 0 && l.Burst < n {
		n = l.Burst
	}
	if w := time.Duration(l.BurstWindow); w > 0 && w < window {
		window = w
	}
	return n, window
}

// Ops are the self-reported answers of the ops area.
type Ops struct {
	Monitoring        string   `yaml:"monitoring,omitempty" json:"monitoring,omitempty"`
	RollbackMinutes   int      `yaml:"rollback_minutes,omitempty" json:"rollback_minutes,omitempty"`
	MFA               []string `yaml:"mfa,omitempty" json:"mfa,omitempty"`
	SecretsSeparation string   `yaml:"secrets_separation,omitempty" json:"secrets_separation,omitempty"`
	Backups           string   `yaml:"backups,omitempty" json:"backups,omitempty"`
}

// Duration is a time.Duration written as "10s" in YAML and JSON.
type Duration time.Duration

// UnmarshalYAML returns a *yaml.TypeError so that decoding goes on and every bad value of a plan is reported.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not a duration like 10s or 2m", n.Line, n.Value)}}
	}
	*d = Duration(v)
	return nil
}

// UnmarshalText reads "10s" back, so that a JSON report's plan round-trips (launchready report re-renders it).
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(time.Duration(d).String()), nil
}

// PlanError is a problem with a plan file, with the line it is on.
type PlanError struct {
	File string
	Line int
	Msg  string
}

func (e *PlanError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// PlanErrors are every problem found in one plan file, in line order: `plan check` lists them all so the user
// fixes the file in one pass. errors.As finds the first *PlanError in it.
type PlanErrors []*PlanError

func (es PlanErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es PlanErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// LoadPlan reads and validates a plan file.
func LoadPlan(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &PlanError{File: path, Msg: fmt.Sprintf("cannot read the plan: %v", err)}
	}
	p, err := ParsePlan(path, data)
	if p != nil {
		p.Dir = filepath.Dir(path)
	}
	return p, err
}

// ParsePlan parses a plan strictly: an unknown key, a value of the wrong type or a missing required key is an
// error naming the key and its line. Every problem is reported, not only the first (as PlanErrors).
func ParsePlan(name string, data []byte) (*Plan, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &PlanError{File: name, Line: yamlErrorLine(err), Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(root.Content) == 0 {
		return nil, &PlanError{File: name, Msg: "the plan is empty: it needs at least app: https://your-app.example/"}
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, &PlanError{File: name, Line: doc.Line, Msg: "the plan must be a mapping of keys (app:, accounts:, ...)"}
	}
	var errs PlanErrors
	checkKeys(name, doc, reflect.TypeOf(Plan{}), "", &errs)
	var p Plan
	if err := doc.Decode(&p); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, &PlanError{File: name, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		}
		for _, msg := range te.Errors {
			errs = append(errs, &PlanError{File: name, Line: yamlErrorLine(errors.New(msg)), Msg: typeErrorText(msg)})
		}
	}
	p.validate(name, doc, &errs)
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		if len(errs) == 1 {
			return nil, errs[0]
		}
		return nil, errs
	}
	return &p, nil
}

var (
	lineRE  = regexp.MustCompile(`line (\d+)`)
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// yamlErrorLine finds the "line N" a YAML error names, or 0.
func yamlErrorLine(err error) int {
	m := lineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// typeErrorText turns "line 3: cannot unmarshal !!str `abc` into int" into words a plan author reads.
func typeErrorText(msg string) string {
	msg = regexp.MustCompile(`^line \d+: `).ReplaceAllString(msg, "")
	r := strings.NewReplacer("cannot unmarshal", "cannot read", "!!str", "text", "!!int", "a number", "!!bool", "true/false",
		"!!seq", "a list", "!!map", "a mapping", " into int", " as a number", " into bool", " as true or false",
		" into []string", " as a list", " into string", " as text")
	return r.Replace(msg)
}

// ParsePlanValue validates a plan built in code (the CLI's check command, the wizard) by the rules of a plan file.
func ParsePlanValue(p *Plan) (*Plan, error) {
	data, err := yaml.Marshal(p)
	if err != nil {
		return nil, err
	}
	return ParsePlan("plan", data)
}

// checkKeys walks the YAML mapping beside the Go type and names every key the type does not have.
func checkKeys(file string, n *yaml.Node, t reflect.Type, path string, errs *PlanErrors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || n.Kind != yaml.MappingNode || t == reflect.TypeOf(Duration(0)) {
		return
	}
	fields := map[string]reflect.Type{}
	var known []string
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			fields[tag] = t.Field(i).Type
			known = append(known, tag)
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			where := "at the top level"
			if path != "" {
				where = "in " + path
			}
			*errs = append(*errs, &PlanError{File: file, Line: k.Line, Msg: fmt.Sprintf("unknown key %q %s (known keys: %s)", k.Value, where, strings.Join(known, ", "))})
			continue
		}
		checkKeys(file, v, ft, strings.TrimPrefix(path+"."+k.Value, "."), errs)
	}
}

// lineOf finds the line of a dotted key path in the document, or of its nearest existing parent.
func lineOf(doc *yaml.Node, path string) int {
	n, line := doc, doc.Line
	for _, part := range strings.Split(path, ".") {
		found := false
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			break
		}
	}
	return line
}

func (p *Plan) validate(file string, doc *yaml.Node, errs *PlanErrors) {
	bad := func(path, msg string) {
		*errs = append(*errs, &PlanError{File: file, Line: lineOf(doc, path), Msg: msg})
	}
	if strings.TrimSpace(p.App) == "" {
		bad("app", `missing required key "app": the URL where users sign in, e.g. app: https://app.example.com/`)
	}
	for _, k := range []struct{ key, val string }{{"app", p.App}, {"api", p.API}, {"http_url", p.HTTPURL}} {
		if k.val == "" {
			continue
		}
		if err := checkURL(k.val); err != nil {
			bad(k.key, fmt.Sprintf("%s: %v", k.key, err))
		}
	}
	for _, acc := range []struct {
		key string
		a   *Account
	}{{"accounts.a", p.Accounts.A}, {"accounts.b", p.Accounts.B}} {
		if acc.a == nil {
			continue
		}
		if acc.a.Email == "" {
			bad(acc.key, fmt.Sprintf("missing required key \"email\" in %s", acc.key))
		}
		if acc.a.Login != "" && !contains(LoginMethods, acc.a.Login) {
			bad(acc.key+".login", fmt.Sprintf("%s.login: %q is not one of %s", acc.key, acc.a.Login, strings.Join(LoginMethods, ", ")))
		}
		switch {
		case acc.a.StorageState != "" && acc.a.Login != "" && acc.a.Login != LoginPassword:
			bad(acc.key+".storage_state", fmt.Sprintf("%s: storage_state is a session already signed in; it does not go with login: %s (use one or the other)", acc.key, acc.a.Login))
		case acc.a.StorageState == "" && acc.a.Method() == LoginPassword && acc.a.PasswordEnv == "":
			bad(acc.key, fmt.Sprintf("missing required key \"password_env\" in %s: name the environment variable that holds the password (passwords never go in the plan), or sign in another way (storage_state, login: manual or login: magic-link)", acc.key))
		case acc.a.Method() == LoginMagicLink && p.Inbox.Kind == "":
			bad(acc.key+".login", fmt.Sprintf("%s.login: magic-link reads the sign-in link from the plan's inbox: add inbox (smtp, imap or paste) where %s's mail arrives", acc.key, acc.a.Email))
		}
		if acc.a.TOTPEnv != "" && !envName.MatchString(acc.a.TOTPEnv) {
			bad(acc.key+".totp_env", fmt.Sprintf("%s.totp_env: %q is not an environment variable name: name the variable that holds the base32 secret (never the secret)", acc.key, acc.a.TOTPEnv))
		}
	}
	for _, id := range p.Skip {
		if _, ok := Lookup(id); !ok && AreaTitle(id) == id {
			bad("skip", fmt.Sprintf("skip: %q is neither a check ID (like headers.csp) nor an area (like headers)", id))
		}
	}
	if p.Resolver != "" {
		if _, _, err := net.SplitHostPort(p.Resolver); err != nil && net.ParseIP(p.Resolver) == nil {
			bad("resolver", fmt.Sprintf("resolver: %q is not host:port (like 1.1.1.1:53)", p.Resolver))
		}
	}
	if p.Email.Domain != "" && !strings.Contains(strings.Trim(p.Email.Domain, "."), ".") {
		bad("email.domain", fmt.Sprintf("email.domain: %q is not a domain name (like example.com)", p.Email.Domain))
	}
	for _, h := range p.AuthHosts {
		if h == "" || strings.ContainsAny(h, "/:* ") {
			bad("auth_hosts", fmt.Sprintf("auth_hosts: %q is not a host name (like login.example.com or example.auth0.com)", h))
		}
	}
	if _, err := p.ResolveMap(); err != nil {
		bad("resolve", err.Error())
	}
	switch p.Inbox.Kind {
	case "", "smtp":
	case "imap":
		for key, v := range map[string]string{"inbox.server": p.Inbox.Server, "inbox.user": p.Inbox.User, "inbox.password_env": p.Inbox.PasswordEnv, "inbox.address": p.Inbox.Address} {
			if v == "" {
				bad(key, key+": an imap inbox needs it (server, user, password_env and the mailbox's address)")
			}
		}
	case "paste":
		if !strings.Contains(p.Inbox.Address, "@") {
			bad("inbox.address", "inbox.address: a paste inbox needs your own address, to which the app's mail is sent")
		}
	default:
		bad("inbox.kind", fmt.Sprintf("inbox.kind: %q is not one of smtp, imap, paste", p.Inbox.Kind))
	}
	for _, m := range p.Ops.MFA {
		if !contains(MFAPlaces, strings.ToLower(strings.TrimSpace(m))) {
			bad("ops.mfa", fmt.Sprintf("ops.mfa: %q is not one of %s", m, strings.Join(MFAPlaces, ", ")))
		}
	}
	if p.Ops.RollbackMinutes < 0 {
		bad("ops.rollback_minutes", "ops.rollback_minutes must be a number of minutes")
	}
	if p.Limits.Burst < 0 || p.Limits.Burst > MaxBurst || time.Duration(p.Limits.BurstWindow) > MaxBurstWindow {
		bad("limits", "limits: burst may tighten the defaults (20 requests in 10s), not raise them")
	}
	if p.Limits.Samples < 0 || p.Limits.Samples > 200 {
		bad("limits.samples", "limits.samples: at most 200")
	}
	if p.Limits.Requests < 0 || p.Limits.Concurrency < 0 {
		bad("limits", "limits: requests and concurrency must be positive")
	}
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must start with https:// (or http://)")
	}
	if u.Hostname() == "" {
		return errors.New("has no host")
	}
	return nil
}

// Skips reports whether the plan leaves check e out, by its ID or its area.
func (p *Plan) Skips(e Entry) bool {
	for _, s := range p.Skip {
		if s == e.ID || s == e.Area {
			return true
		}
	}
	return false
}

// Hosts are the host names the audit may contact: the plan's scope, or else the hosts of app, api and http_url
// plus the apex and www. names of the app's host (the same site; transport.canonical-host checks them).
func (p *Plan) Hosts() []string {
	if len(p.Scope) > 0 {
		return p.Scope
	}
	var hosts []string
	for _, raw := range []string{p.App, p.API, p.HTTPURL} {
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
			hosts = appendUnique(hosts, strings.ToLower(u.Hostname()))
		}
	}
	for _, v := range SiteVariants(p.App) {
		hosts = appendUnique(hosts, v)
	}
	return hosts
}

// SiteVariants are the apex and www. names of an app URL's host ("app.example.com" has none of its own: only
// "example.com" and "www.example.com" are variants when the app is on one of them). IP addresses have none.
func SiteVariants(app string) []string {
	u, err := url.Parse(app)
	if err != nil || u.Hostname() == "" || net.ParseIP(u.Hostname()) != nil {
		return nil
	}
	host := strings.ToLower(u.Hostname())
	apex, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil || (host != apex && host != "www."+apex) {
		return nil
	}
	return []string{apex, "www." + apex}
}

// ResolveMap reads the resolve entries ("host:port:addr", addr may be a bracketed IPv6 address) into the map the
// probe dials by: "host:port" -> "addr:port".
func (p *Plan) ResolveMap() (map[string]string, error) {
	m := map[string]string{}
	for _, e := range p.Resolve {
		host, rest, ok1 := strings.Cut(e, ":")
		port, addr, ok2 := strings.Cut(rest, ":")
		addr = strings.Trim(addr, "[]")
		if !ok1 || !ok2 || host == "" || addr == "" || net.ParseIP(addr) == nil {
			return nil, fmt.Errorf("resolve: %q is not host:port:address (like app.example.com:443:203.0.113.5)", e)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("resolve: %q has no valid port", e)
		}
		m[strings.ToLower(host)+":"+port] = net.JoinHostPort(addr, port)
	}
	return m, nil
}

// MFAPlaces are the accounts the checklist wants behind MFA, as ops.mfa names them.
var MFAPlaces = []string{"hosting", "dns", "git", "email", "database", "admin"}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
