package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/launchready/launchready/audit/ledger"
)

// Defaults for a Config left at its zero values.
const (
	DefaultBudget  = 2000
	DefaultTimeout = 10 * time.Second
	DefaultBodyCap = 4 << 20 // 4 MiB: enough for any page or bundle worth scanning, bounded against a 50 MB answer
	UserAgent      = "launchready/0 (+https://github.com/launchready/launchready; authorized audit)"
)

var (
	// ErrOutOfScope is returned for a request (or redirect) to a host the plan does not name.
	ErrOutOfScope = errors.New("outside the plan's scope")
	// ErrBudget is returned once the audit's request budget is spent.
	ErrBudget = errors.New("request budget spent")
)

// Config sets the client's guards.
type Config struct {
	Scope   []string      // host names (no port) the audit may talk to
	Budget  int           // requests for the whole audit
	Timeout time.Duration // per request, body included
	BodyCap int64         // bytes of a response body read at most
	RootCAs *x509.CertPool
	// InsecureTLS skips certificate verification (plan tls.insecure, for staging only). transport.tls-cert still
	// judges the certificate on its own connection.
	InsecureTLS bool
	// Resolve maps "host:port" to the address to connect to instead ("203.0.113.5:443"), like curl --resolve:
	// the request still carries the real name in Host and SNI.
	Resolve map[string]string
}

// Client is the audit's HTTP client. It is safe for concurrent use.
type Client struct {
	cfg      Config
	scope    map[string]bool
	hc       *http.Client
	redactor *Redactor
	sent     atomic.Int64

	mu        sync.Mutex
	journal   []Exchange
	refused   []string
	passwords []string // never sent in a URL
	shared    sharedReads
}

// New builds a Client. The redactor is shared with whoever adds the audit's secrets to it.
func New(cfg Config, redactor *Redactor) *Client {
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.BodyCap <= 0 {
		cfg.BodyCap = DefaultBodyCap
	}
	if redactor == nil {
		redactor = NewRedactor()
	}
	scope := map[string]bool{}
	for _, h := range cfg.Scope {
		scope[normalizeHost(h)] = true
	}
	transport := &http.Transport{
		Proxy:                 nil,                                                                    // never route the audit through an environment proxy: scope is about where bytes go
		DialContext:           nil,                                                                    // set below: c.DialContext applies the plan's resolve entries
		TLSClientConfig:       &tls.Config{RootCAs: cfg.RootCAs, InsecureSkipVerify: cfg.InsecureTLS}, //nolint:gosec // opt-in for staging
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       30 * time.Second,
	}
	c := &Client{
		cfg:      cfg,
		scope:    scope,
		redactor: redactor,
		hc: &http.Client{
			Transport:     transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	transport.DialContext = c.DialContext
	return c
}

// DialContext connects to addr ("host:port"), or to where the plan's resolve entries send that name.
func (c *Client) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if to, ok := c.cfg.Resolve[strings.ToLower(addr)]; ok {
		addr = to
	}
	return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
}

func normalizeHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.Trim(h, "[].")
}

// Close lets go of idle connections to the target; the audit is over.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Redactor returns the redactor every piece of evidence goes through.
func (c *Client) Redactor() *Redactor { return c.redactor }

// InScope reports whether u's host is one the plan names.
func (c *Client) InScope(u *url.URL) bool { return c.scope[normalizeHost(u.Hostname())] }

// Sent is the number of requests sent so far; Remaining what is left of the budget.
func (c *Client) Sent() int      { return int(c.sent.Load()) }
func (c *Client) Remaining() int { return max(0, c.cfg.Budget-c.Sent()) }

// Refused lists the out-of-scope URLs the client refused to contact, redacted.
func (c *Client) Refused() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.refused...)
}

// Request is one request to send. Follow is the number of redirects to follow (0: return the first answer).
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
	Jar    http.CookieJar // optional: cookies sent and stored across hops
	Follow int
	// Shared marks a read whose answer other checks may share: a GET or HEAD sent once per audit however many
	// checks ask for exactly the same request (method, URL, headers, the jar's cookies for the URL, redirects
	// followed), the same answer handed to each (and its cookies put in each caller's jar). Only for reads taken as a snapshot in one phase (the ID-swap replays, the admin
	// routes), never for a request sent again to see a change (before and after a logout).
	Shared bool
}

// Hop is one answer in a redirect chain.
type Hop struct {
	Method    string
	URL       string
	Status    int
	Location  string
	SetCookie []string // raw Set-Cookie lines of this answer (values are secrets: redact before showing)
}

// Response is what came back, with the body read up to the cap.
type Response struct {
	Method    string
	URL       string // the URL that gave this answer (the last hop)
	Status    int
	Header    http.Header
	Body      []byte
	Truncated bool          // the body was longer than the cap and was not read further
	Duration  time.Duration // from the first byte sent to the last byte read, last hop
	TTFB      time.Duration
	Hops      []Hop  // every answer, first to last
	Refused   string // why a redirect was not followed (out of scope), if one was refused
}

// RequestLine is "GET https://host/path" for evidence, redacted.
func (r *Response) RequestLine(red *Redactor) string { return r.Method + " " + red.String(r.URL) }

// Do sends req, following redirects inside the scope up to req.Follow hops.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	if req.Shared && (req.Method == "" || req.Method == http.MethodGet || req.Method == http.MethodHead) {
		return c.shared.do(req, func() (*Response, error) { return c.do(ctx, req) })
	}
	return c.do(ctx, req)
}

func (c *Client) do(ctx context.Context, req *Request) (*Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	target, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("bad URL %q: %w", c.redactor.String(req.URL), err)
	}
	var hops []Hop
	body := req.Body
	for hop := 0; ; hop++ {
		resp, err := c.once(ctx, method, target, req.Header, body, req.Jar)
		if err != nil {
			return nil, err
		}
		loc := resp.Header.Get("Location")
		hops = append(hops, Hop{Method: method, URL: target.String(), Status: resp.Status, Location: loc, SetCookie: resp.Header.Values("Set-Cookie")})
		resp.Hops = hops
		if !isRedirect(resp.Status) || loc == "" || hop >= req.Follow {
			return resp, nil
		}
		next, err := target.Parse(loc)
		if err != nil {
			return resp, nil
		}
		if !c.InScope(next) {
			resp.Refused = fmt.Sprintf("redirect to %s not followed: %s is %v", c.redactor.String(next.String()), next.Hostname(), ErrOutOfScope)
			c.recordRefused(next)
			return resp, nil
		}
		if resp.Status == http.StatusSeeOther || ((resp.Status == 301 || resp.Status == 302) && method == http.MethodPost) {
			method, body = http.MethodGet, nil
		}
		target = next
	}
}

// NoVerdict reports a status that says nothing of what was asked: a limit (429, 423) or a failing server (5xx)
// answered before the app judged the request. Checks count such an answer neither as a refusal nor as an answer.
func NoVerdict(status int) bool { return status == 429 || status == 423 || status >= 500 }

// botCheckPage are the words of the pages bot checks answer a client they do not trust with (Cloudflare's "Just a
// moment...", its challenge platform, Vercel's checkpoint, DDoS-Guard, Sucuri, an AWS WAF captcha).
var botCheckPage = regexp.MustCompile(`(?i)<title>\s*(just a moment|attention required|vercel security checkpoint|ddos-guard|sucuri website firewall)|/cdn-cgi/challenge-platform/|checking (if the site connection is secure|your browser before accessing)|awswaf|captcha-container`)

// BotCheck names the bot check that answered instead of the app ("" when none did): a header the check sets
// (Cloudflare's cf-mitigated, Vercel's x-vercel-mitigated, AWS WAF's x-amzn-waf-action) or its page's words.
// What such an answer shows (headers, content) is the check's, not the app's.
func BotCheck(resp *Response) string {
	for _, h := range []string{"Cf-Mitigated", "X-Vercel-Mitigated", "X-Amzn-Waf-Action"} {
		if v := strings.ToLower(resp.Header.Get(h)); v == "challenge" || v == "captcha" {
			return fmt.Sprintf("a bot check (%s: %s)", h, v)
		}
	}
	if resp.Status >= 400 || resp.Status == 202 { // the app's own pages may embed a captcha: only a refusal counts
		if m := botCheckPage.Find(resp.Body); m != nil {
			return fmt.Sprintf("a bot check (its page: %q)", strings.TrimSpace(strings.TrimPrefix(strings.ToLower(string(m)), "<title>")))
		}
	}
	return ""
}

func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

func (c *Client) recordRefused(u *url.URL) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.refused) < 100 {
		c.refused = append(c.refused, c.redactor.String(u.String()))
	}
}

// once sends a single request, without following redirects.
func (c *Client) once(ctx context.Context, method string, u *url.URL, header http.Header, body []byte, jar http.CookieJar) (*Response, error) {
	if !c.InScope(u) {
		c.recordRefused(u)
		return nil, fmt.Errorf("%s %s: host %s is %w (add it to the plan's scope if it belongs to the app)", method, c.redactor.String(u.String()), u.Hostname(), ErrOutOfScope)
	}
	if err := c.CheckURL(u); err != nil {
		return nil, fmt.Errorf("%s %w", method, err)
	}
	if c.sent.Add(1) > int64(c.cfg.Budget) {
		return nil, fmt.Errorf("%s %s: %w (%d requests; raise limits.requests in the plan)", method, c.redactor.String(u.String()), ErrBudget, c.cfg.Budget)
	}
	ledger.Count(ctx, ledger.HTTP, method, u)
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		hreq.Header[k] = append([]string(nil), vs...)
	}
	if hreq.Header.Get("User-Agent") == "" {
		hreq.Header.Set("User-Agent", UserAgent)
	}
	if jar != nil {
		for _, ck := range jar.Cookies(u) {
			hreq.AddCookie(ck)
		}
	}
	c.learnSent(hreq.Header)

	var ttfb time.Duration
	start := time.Now()
	hreq = hreq.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotFirstResponseByte: func() { ttfb = time.Since(start) },
	}))
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, explain(method, c.redactor.String(u.String()), err)
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, c.cfg.BodyCap+1))
	truncated := int64(len(data)) > c.cfg.BodyCap
	if truncated {
		data = data[:c.cfg.BodyCap]
	} else if err != nil {
		return nil, explain(method, c.redactor.String(u.String()), err)
	}
	resp := &Response{
		Method: method, URL: u.String(), Status: hresp.StatusCode, Header: hresp.Header,
		Body: data, Truncated: truncated, Duration: time.Since(start), TTFB: ttfb,
	}
	for _, line := range hresp.Header.Values("Set-Cookie") {
		if ck, err := http.ParseSetCookie(line); err == nil {
			c.redactor.Add(ck.Value)
		}
	}
	if jar != nil {
		jar.SetCookies(u, hresp.Cookies())
	}
	c.remember(resp)
	return resp, nil
}

// learnSent registers credentials the audit sends, so they can never come back out as evidence.
func (c *Client) learnSent(h http.Header) {
	for _, v := range h.Values("Authorization") {
		c.redactor.Add(Credential(v))
	}
	for _, v := range h.Values("Cookie") {
		for _, part := range strings.Split(v, ";") {
			_, val, _ := strings.Cut(part, "=")
			c.redactor.Add(val)
		}
	}
}

// explain turns transport errors into messages a person can act on. The cause stays reachable with errors.Is/As
// but is not repeated in the message.
func explain(method, target string, err error) error {
	var hint string
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		hint = "no answer in time (is the app up, or very slow?)"
	case errors.Is(err, context.Canceled):
		hint = "audit cancelled"
	case errors.As(err, &dnsErr):
		hint = "the name does not resolve (check the URL, or add a resolve: entry to the plan for staging)"
	case errors.As(err, &certErr):
		hint = "the certificate is not trusted (" + certErr.Err.Error() + "): set tls.ca_file in the plan for a private CA, or tls.insecure: true for a throwaway staging certificate"
	case errors.Is(err, syscall.ECONNREFUSED):
		hint = "connection refused (is the app running, and are the host and port right?)"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		hint = "the connection was cut before a full answer (" + rootCause(err).Error() + ")"
	default:
		hint = rootCause(err).Error()
	}
	return &netError{msg: method + " " + target + ": " + hint, cause: err}
}

type netError struct {
	msg   string
	cause error
}

func (e *netError) Error() string { return e.msg }
func (e *netError) Unwrap() error { return e.cause }

func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
