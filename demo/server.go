package demo

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/dnsq/dnsserve"
)

// Server is a running demo app.
type Server struct {
	HTTPSURL string // https://127.0.0.1:port/ (by address)
	HTTPURL  string // http://127.0.0.1:port/
	// AppURL and PlainURL are the same app by its real names (demo.test, www.demo.test, api.demo.test), reached
	// through the plan's resolve entries with the right Host and SNI.
	AppURL   string // https://demo.test:port/
	PlainURL string // http://demo.test:port/
	DNSAddr  string // 127.0.0.1:port of the DNS server holding the sending domain's zone
	// SMTPAddr is where the app delivers its mail: the audit's SMTP sink listens there (the plan's inbox.listen).
	// Plan chooses it; DeliverTo changes it.
	SMTPAddr string
	CAPEM    []byte // the throwaway CA that signed the certificate
	Accounts []DemoAccount

	flaws               Flaws
	app                 *app
	dns                 *dnsserve.Server
	servers             []*http.Server
	tmpDir              string
	httpsAdr            string // demo.test:port, the canonical origin's host
	httpsPort, httpPort string

	logSecrets []string // secrets the seeded log holds (flawed)
	repoSecret string   // the key in the repository's history (flawed)
}

// DemoAccount is a seeded user; the password is random per start and is a secret of the audit.
type DemoAccount struct {
	Email, Password, Env string
}

// Start serves the demo with the given flaws on 127.0.0.1. Close stops it.
func Start(flaws Flaws) (*Server, error) {
	certLife := 90 * 24 * time.Hour
	if flaws[FlawCertExpiring] {
		certLife = 7 * 24 * time.Hour
	}
	cert, caPEM, err := throwawayPKI(certLife)
	if err != nil {
		return nil, fmt.Errorf("demo certificate: %w", err)
	}
	s := &Server{flaws: flaws, CAPEM: caPEM}
	s.Accounts = []DemoAccount{
		{Email: "alice@acme.demo.test", Password: randomSecret(), Env: "LR_DEMO_A_PASSWORD"},
		{Email: "bob@globex.demo.test", Password: randomSecret(), Env: "LR_DEMO_B_PASSWORD"},
	}
	s.app = newApp(flaws, s.Accounts)

	if s.dns, err = dnsserve.Start(dnsserve.Zone{Origin: SendingDomain, Text: flaws.zone()}); err != nil {
		return nil, fmt.Errorf("demo DNS: %w", err)
	}
	s.DNSAddr = s.dns.Addr

	tlsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: listen: %w", err)
	}
	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tlsLn.Close()
		return nil, fmt.Errorf("demo: listen: %w", err)
	}
	s.HTTPSURL = fmt.Sprintf("https://%s/", tlsLn.Addr())
	s.HTTPURL = fmt.Sprintf("http://%s/", plainLn.Addr())
	s.httpsPort, s.httpPort = port(tlsLn.Addr()), port(plainLn.Addr())
	s.AppURL = fmt.Sprintf("https://%s:%s/", SendingDomain, s.httpsPort)
	s.PlainURL = fmt.Sprintf("http://%s:%s/", SendingDomain, s.httpPort)
	s.httpsAdr = SendingDomain + ":" + s.httpsPort
	s.app.origin = "https://" + s.httpsAdr
	s.app.plainOrigin = "http://" + SendingDomain + ":" + s.httpPort

	quiet := log.New(io.Discard, "", 0) // refused handshakes of the TLS probes are expected, not news
	secure := &http.Server{Handler: s.canonical(s.app.routes()), ReadHeaderTimeout: 5 * time.Second, TLSConfig: tlsConfig(cert, flaws), ErrorLog: quiet}
	plainHandler := http.Handler(http.HandlerFunc(s.redirectToHTTPS))
	if flaws[FlawNoHTTPSRedir] {
		plainHandler = s.canonical(s.app.routes())
	}
	plain := &http.Server{Handler: plainHandler, ReadHeaderTimeout: 5 * time.Second, ErrorLog: quiet}
	s.servers = []*http.Server{secure, plain}
	go secure.ServeTLS(tlsLn, "", "")
	go plain.Serve(plainLn)
	return s, nil
}

// redirectToHTTPS sends every plain-HTTP request, whatever the name, to the canonical HTTPS origin in one hop.
func (s *Server) redirectToHTTPS(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "https://"+s.httpsAdr+r.URL.RequestURI(), http.StatusMovedPermanently)
}

// canonical sends the www. name to the apex: in one permanent hop, or (flawed) down to http:// first.
func (s *Server) canonical(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.Host)
		if host != "www."+SendingDomain {
			next.ServeHTTP(w, r)
			return
		}
		if s.flaws[FlawWWWChain] {
			http.Redirect(w, r, s.app.plainOrigin+r.URL.RequestURI(), http.StatusFound)
			return
		}
		http.Redirect(w, r, "https://"+s.httpsAdr+r.URL.RequestURI(), http.StatusMovedPermanently)
	})
}

// tlsConfig offers TLS 1.2 and 1.3 with AEAD suites only, or (flawed) TLS 1.0 up with the CBC suites of old.
func tlsConfig(cert tls.Certificate, flaws Flaws) *tls.Config {
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, CipherSuites: []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	}}
	if flaws[FlawOldTLS] {
		c.MinVersion = tls.VersionTLS10
		c.CipherSuites = append(c.CipherSuites, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA)
	}
	return c
}

// freePort finds a loopback port nobody listens on, for the audit's SMTP sink to take.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func port(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

// Close stops the servers and removes the temporary CA file, if one was written.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range s.servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	if s.dns != nil {
		s.dns.Close()
	}
	if s.tmpDir != "" {
		errs = append(errs, os.RemoveAll(s.tmpDir))
	}
	return errors.Join(errs...)
}

// DeliverTo sends the app's mail to the SMTP server at addr from now on.
func (s *Server) DeliverTo(addr string) {
	s.app.mu.Lock()
	defer s.app.mu.Unlock()
	s.SMTPAddr, s.app.smtpAddr = addr, addr
}

// Env returns the environment the plan's password_env names point at.
func (s *Server) Env() map[string]string {
	env := map[string]string{}
	for _, a := range s.Accounts {
		env[a.Env] = a.Password
	}
	return env
}

// IssuedSessions returns every session token the app has handed out, so tests can prove none leaks into output.
func (s *Server) IssuedSessions() []string {
	s.app.mu.Lock()
	defer s.app.mu.Unlock()
	out := make([]string, 0, len(s.app.sessions))
	for tok := range s.app.sessions {
		out = append(out, tok)
	}
	return out
}

// Hits is how many requests the app received for "METHOD /path".
func (s *Server) Hits(key string) int {
	s.app.mu.Lock()
	defer s.app.mu.Unlock()
	return s.app.hits[key]
}

// TotalHits is how many requests the app received in all.
func (s *Server) TotalHits() int {
	s.app.mu.Lock()
	defer s.app.mu.Unlock()
	n := 0
	for _, v := range s.app.hits {
		n += v
	}
	return n
}

// Writes counts the requests that changed the app's data (a user, a token, a password, an invite created).
func (s *Server) Writes() int64 { return s.app.writes.Load() }

// PlantedSecrets are the full values of the secrets the demo can leak, so tests can prove none reaches a report.
func (s *Server) PlantedSecrets() []string {
	p := s.app.planted
	out := []string{p.StripeSecret, p.ServiceRole, p.GitHubToken}
	if s.repoSecret != "" {
		out = append(out, s.repoSecret)
	}
	return append(out, s.logSecrets...)
}

// Outbox returns the mail the app has sent so far.
func (s *Server) Outbox() []Mail {
	s.app.mu.Lock()
	defer s.app.mu.Unlock()
	return append([]Mail(nil), s.app.outbox...)
}

// Getenv reads Env, for audit.NewTarget.
func (s *Server) Getenv(name string) string { return s.Env()[name] }

// Plan describes an audit of this demo the way a user's plan file would: the app, the plain-HTTP address, the
// two accounts, and the throwaway CA (written to a temporary file that Close removes) as tls.ca_file.
func (s *Server) Plan(name string) (*audit.Plan, error) {
	if s.tmpDir == "" {
		dir, err := os.MkdirTemp("", "launchready-demo-")
		if err != nil {
			return nil, err
		}
		s.tmpDir = dir
		if err := os.WriteFile(filepath.Join(dir, "demo-ca.pem"), s.CAPEM, 0o600); err != nil {
			return nil, err
		}
		if err := s.writeLog(filepath.Join(dir, "app.log")); err != nil {
			return nil, err
		}
		if err := s.writeRepo(filepath.Join(dir, "repo")); err != nil {
			return nil, err
		}
	}
	// The port the audit's SMTP sink takes, chosen last: the audit binds it right after (NewTarget), so nothing else
	// can take it in between.
	if s.SMTPAddr == "" {
		addr, err := freePort()
		if err != nil {
			return nil, err
		}
		s.DeliverTo(addr)
	}
	var resolve []string
	for _, h := range []string{SendingDomain, "www." + SendingDomain, "api." + SendingDomain} {
		for _, p := range []string{s.httpsPort, s.httpPort} {
			resolve = append(resolve, h+":"+p+":127.0.0.1")
		}
	}
	return &audit.Plan{
		Name:    name,
		App:     s.AppURL,
		HTTPURL: s.PlainURL,
		Resolve: resolve,
		Paths:   audit.Paths{Login: "/login"},
		Accounts: audit.Accounts{
			A: &audit.Account{Email: s.Accounts[0].Email, PasswordEnv: s.Accounts[0].Env},
			B: &audit.Account{Email: s.Accounts[1].Email, PasswordEnv: s.Accounts[1].Env},
		},
		TLS:      audit.TLS{CAFile: filepath.Join(s.tmpDir, "demo-ca.pem")},
		Email:    audit.Email{Domain: SendingDomain, DKIMSelectors: []string{DKIMSelector}},
		Inbox:    audit.Inbox{Kind: "smtp", Listen: s.SMTPAddr, Address: "audit@example.com", Timeout: audit.Duration(10 * time.Second)},
		Repo:     filepath.Join(s.tmpDir, "repo"),
		Logs:     []string{filepath.Join(s.tmpDir, "app.log")},
		Resolver: s.DNSAddr,
	}, nil
}

func randomSecret() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}
