package audit

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/launchready/launchready/audit/dnsq"
	"github.com/launchready/launchready/audit/inbox"
	"github.com/launchready/launchready/audit/ledger"
	"github.com/launchready/launchready/audit/probe"
)

// Target is everything the checks share about the app under audit, built once per audit: the parsed URLs, the
// probe, the trust roots, and the logged-in sessions (made on first use, then shared).
type Target struct {
	Plan  *Plan
	App   *url.URL
	API   *url.URL // nil when the plan names no separate API origin
	HTTP  *url.URL // the plain-HTTP address of the app; nil when it cannot be derived (non-default port, no http_url)
	Probe *probe.Client
	// Roots verifies certificates: the system roots plus the plan's tls.ca_file.
	Roots *x509.CertPool

	getenv   func(string) string
	mu       sync.Mutex
	sessions map[string]*sessionOnce

	surfaceOnce sync.Once
	surface     *Surface

	dnsOnce sync.Once
	dns     *dnsq.Resolver
	dnsErr  error

	// Ask asks the person running the audit a question (the paste inbox); nil when nobody is there to answer.
	Ask inbox.Asker
	// SignInByHand waits for a person to sign in in a visible window (login: manual); nil when nobody is there.
	SignInByHand SignInByHand
	// SaveSession names, per account ("a", "b"), a file to save the session signed in to by hand in (mode 0600),
	// for storage_state next time: the wizard offers it.
	SaveSession map[string]string
	// WindowHeadless keeps the manual sign-in's window headless: tests drive it with a scripted user.
	WindowHeadless bool
	signIn         signIns

	mail mailState
	memo map[string]*memoEntry

	// Ledger counts what the audit sends, by check and by shared work.
	Ledger *ledger.Ledger

	// life is the audit's context: what outlives a single check (the browser) is bound to it.
	life    context.Context
	browser browserState
}

// DNS returns the audit's resolver: the plan's, or the system's (/etc/resolv.conf); one cache for the audit.
func (t *Target) DNS() (*dnsq.Resolver, error) {
	t.dnsOnce.Do(func() {
		t.dns, t.dnsErr = dnsq.New(dnsq.Options{Server: t.Plan.Resolver, Timeout: time.Duration(t.Plan.Limits.DNSTimeout)})
	})
	return t.dns, t.dnsErr
}

// DNSQueries is how many DNS queries the audit sent.
func (t *Target) DNSQueries() int {
	if t.dns == nil {
		return 0
	}
	return t.dns.Queries()
}

// Bind ties what the target starts (the browser) to the audit's context; the Runner calls it first.
func (t *Target) Bind(ctx context.Context) { t.life = ledger.With(ctx, t.Ledger) }

// Close ends what the target started: the browser and every process of it, idle connections.
func (t *Target) Close() {
	t.closeBrowser()
	t.closeInbox()
	t.Probe.Close()
}

type sessionOnce struct {
	once sync.Once
	s    *Session
	err  error
}

// NewTarget prepares a Target from a validated plan. getenv reads the account passwords (os.Getenv in the CLI).
func NewTarget(plan *Plan, getenv func(string) string) (*Target, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	t := &Target{Plan: plan, getenv: getenv, sessions: map[string]*sessionOnce{}, Ledger: ledger.New()}
	t.life = ledger.With(context.Background(), t.Ledger)
	var err error
	if t.App, err = url.Parse(plan.App); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	if plan.API != "" {
		if t.API, err = url.Parse(plan.API); err != nil {
			return nil, fmt.Errorf("api: %w", err)
		}
	}
	switch {
	case plan.HTTPURL != "":
		t.HTTP, _ = url.Parse(plan.HTTPURL)
	case t.App.Scheme == "http":
		t.HTTP = t.App
	case t.App.Port() == "" || t.App.Port() == "443":
		t.HTTP = &url.URL{Scheme: "http", Host: t.App.Hostname(), Path: t.App.Path}
	}
	if t.Roots, err = x509.SystemCertPool(); err != nil || t.Roots == nil {
		t.Roots = x509.NewCertPool()
	}
	if plan.TLS.CAFile != "" {
		pem, err := os.ReadFile(plan.TLS.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		if !t.Roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls.ca_file %s: no PEM certificate in it", plan.TLS.CAFile)
		}
	}
	resolve, err := plan.ResolveMap()
	if err != nil {
		return nil, err
	}
	red := probe.NewRedactor()
	for _, acc := range []*Account{plan.Accounts.A, plan.Accounts.B} {
		if acc != nil {
			red.Add(getenv(acc.PasswordEnv))
			if acc.TOTPEnv != "" { // the second factor's secret, as typed and as its base32 letters
				secret := getenv(acc.TOTPEnv)
				red.Add(secret)
				red.Add(strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(secret), " ", "")))
			}
		}
	}
	t.Probe = probe.New(probe.Config{
		Scope:       plan.Hosts(),
		Budget:      plan.Limits.Requests,
		Timeout:     time.Duration(plan.Limits.Timeout),
		RootCAs:     t.Roots,
		InsecureTLS: plan.TLS.Insecure,
		Resolve:     resolve,
	}, red)
	for _, acc := range []*Account{plan.Accounts.A, plan.Accounts.B} {
		if acc != nil {
			t.Probe.NeverInURL(getenv(acc.PasswordEnv))
		}
	}
	// The SMTP sink listens from the start, as the plan promises the app: mail it sends early is kept, not bounced.
	if plan.Inbox.Kind == "smtp" {
		t.Inbox()
	}
	return t, nil
}

// Origins are the app and (if separate) the API origin, the places most checks look at.
func (t *Target) Origins() []*url.URL {
	if t.API == nil || t.API.Host == t.App.Host {
		return []*url.URL{t.App}
	}
	return []*url.URL{t.App, t.API}
}

// Resolve makes a path of the plan absolute against the app.
func (t *Target) Resolve(path string) *url.URL {
	u, err := t.App.Parse(path)
	if err != nil {
		return t.App
	}
	return u
}

// Life is the audit's own context: for work several checks share (a flow), which must not end with the first
// check that asked for it.
func (t *Target) Life() context.Context { return t.life }

// Shared is the audit's context for work several checks share (a flow, a login), whose requests the ledger counts
// under name rather than under the check that happened to ask first, in the phase of that check (ctx).
func (t *Target) Shared(ctx context.Context, name string) context.Context {
	return ledger.Tag(ledger.InPhase(t.life, ledger.PhaseOf(ctx)), name)
}

// outliving is the audit's context counting for the same check as ctx: for what a check starts that must outlive
// its own context (a browser session other checks go on using).
func (t *Target) outliving(ctx context.Context) context.Context {
	return t.Shared(ctx, ledger.TagOf(ctx))
}
