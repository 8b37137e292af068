package demo

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
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
	HTTPSURL string // https://127.0.0.1:port/
	HTTPURL  string // http://127.0.0.1:port/
	DNSAddr  string // 127.0.0.1:port of the DNS server holding the sending domain's zone
	CAPEM    []byte // the throwaway CA that signed the certificate
	Accounts []DemoAccount

	flaws    Flaws
	app      *app
	dns      *dnsserve.Server
	servers  []*http.Server
	tmpDir   string
	httpsAdr string

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
		certLife = 10 * 24 * time.Hour
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
	s.httpsAdr = tlsLn.Addr().String()
	s.app.origin = "https://" + s.httpsAdr
	s.app.plainOrigin = "http://" + plainLn.Addr().String()

	secure := &http.Server{Handler: s.app.routes(), ReadHeaderTimeout: 5 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	plainHandler := http.Handler(http.HandlerFunc(s.redirectToHTTPS))
	if flaws[FlawNoHTTPSRedir] {
		plainHandler = s.app.routes()
	}
	plain := &http.Server{Handler: plainHandler, ReadHeaderTimeout: 5 * time.Second}
	s.servers = []*http.Server{secure, plain}
	go secure.ServeTLS(tlsLn, "", "")
	go plain.Serve(plainLn)
	return s, nil
}

func (s *Server) redirectToHTTPS(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "https://"+s.httpsAdr+r.URL.RequestURI(), http.StatusMovedPermanently)
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

// Writes counts the requests that changed the app's data (anything but GET/HEAD/OPTIONS, login and logout).
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
	return &audit.Plan{
		Name:    name,
		App:     s.HTTPSURL,
		HTTPURL: s.HTTPURL,
		Paths:   audit.Paths{Login: "/login"},
		Accounts: audit.Accounts{
			A: &audit.Account{Email: s.Accounts[0].Email, PasswordEnv: s.Accounts[0].Env},
			B: &audit.Account{Email: s.Accounts[1].Email, PasswordEnv: s.Accounts[1].Env},
		},
		TLS:      audit.TLS{CAFile: filepath.Join(s.tmpDir, "demo-ca.pem")},
		Email:    audit.Email{Domain: SendingDomain, DKIMSelectors: []string{DKIMSelector}},
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
