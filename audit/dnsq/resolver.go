package dnsq

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Kind says how a lookup ended.
type Kind int

const (
	OK       Kind = iota // the name has records of the type asked
	NoData               // the name exists but has no records of that type
	NXDomain             // the name does not exist
	ServFail             // the resolver failed (SERVFAIL, REFUSED, ...)
	Timeout              // no answer in time: undecided, never "no record"
)

func (k Kind) String() string {
	return [...]string{"ok", "no data", "NXDOMAIN", "server failure", "timeout"}[k]
}

// Answer is the outcome of one lookup.
type Answer struct {
	Name    string
	Type    uint16
	Kind    Kind
	Records []dns.RR // the answer section: CNAMEs included, in order
	Rcode   int
	Err     error // set for ServFail and Timeout: what happened
}

// Void reports a lookup that found nothing: NXDOMAIN or no data (RFC 7208 4.6.4's "void lookup").
func (a *Answer) Void() bool { return a.Kind == NoData || a.Kind == NXDomain }

// Failed reports a lookup that could not decide.
func (a *Answer) Failed() bool { return a.Kind == ServFail || a.Kind == Timeout }

// TXT returns the TXT records of the answer, each with its strings joined as RFC 7208 3.3 says (no separator).
func (a *Answer) TXT() []string {
	var out []string
	for _, rr := range a.Records {
		if t, ok := rr.(*dns.TXT); ok && strings.EqualFold(strings.TrimSuffix(t.Hdr.Name, "."), strings.TrimSuffix(a.final(), ".")) {
			out = append(out, strings.Join(t.Txt, ""))
		}
	}
	return out
}

// CNAME returns where the name was delegated, if it was.
func (a *Answer) CNAME() string {
	for _, rr := range a.Records {
		if c, ok := rr.(*dns.CNAME); ok {
			return strings.TrimSuffix(c.Target, ".")
		}
	}
	return ""
}

// final is the name the records belong to after following CNAMEs.
func (a *Answer) final() string {
	name := dns.Fqdn(a.Name)
	for _, rr := range a.Records {
		if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, name) {
			name = c.Target
		}
	}
	return name
}

// Describe says what the answer was, for evidence.
func (a *Answer) Describe() string {
	switch a.Kind {
	case OK:
		return fmt.Sprintf("%d record(s)", len(a.Records))
	case ServFail, Timeout:
		return a.Kind.String() + ": " + a.Err.Error()
	}
	return a.Kind.String()
}

// Options configure a Resolver.
type Options struct {
	Server  string        // host:port; empty means the first nameserver of /etc/resolv.conf
	Timeout time.Duration // per attempt; one retry follows a timeout
}

// Resolver asks one server, caching every answer for the life of the audit.
type Resolver struct {
	server  string
	timeout time.Duration
	mu      sync.Mutex
	cache   map[string]*entry
	// misses counts consecutive timeouts: past deadAfter the server is taken as down and later queries fail at once.
	misses  atomic.Int32
	queries atomic.Int64
	// down is cancelled once the server is taken as down, ending the queries still waiting on it.
	down     context.Context
	markDown context.CancelFunc
}

const deadAfter = 3

type entry struct {
	once sync.Once
	ans  *Answer
}

// ErrNoResolver means no resolver was configured and /etc/resolv.conf names none.
var ErrNoResolver = errors.New("no DNS resolver: /etc/resolv.conf names none; pass --resolver host:port")

// New returns a Resolver for opts.
func New(opts Options) (*Resolver, error) {
	server := opts.Server
	if server == "" {
		conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil || len(conf.Servers) == 0 {
			return nil, ErrNoResolver
		}
		server = net.JoinHostPort(conf.Servers[0], conf.Port)
	} else if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(server, "53")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	down, markDown := context.WithCancel(context.Background())
	return &Resolver{server: server, timeout: opts.Timeout, cache: map[string]*entry{}, down: down, markDown: markDown}, nil
}

// Server is the address queries go to.
func (r *Resolver) Server() string { return r.server }

// Queries is how many queries went over the wire (cache hits excluded).
func (r *Resolver) Queries() int { return int(r.queries.Load()) }

// Lookup asks for name's records of type qtype, once per audit.
func (r *Resolver) Lookup(ctx context.Context, name string, qtype uint16) *Answer {
	key := strings.ToLower(dns.Fqdn(name)) + "/" + dns.TypeToString[qtype]
	r.mu.Lock()
	e, ok := r.cache[key]
	if !ok {
		e = &entry{}
		r.cache[key] = e
	}
	r.mu.Unlock()
	e.once.Do(func() { e.ans = r.ask(ctx, name, qtype) })
	return e.ans
}

func (r *Resolver) ask(ctx context.Context, name string, qtype uint16) *Answer {
	ans := &Answer{Name: strings.TrimSuffix(name, "."), Type: qtype}
	stopped := func() *Answer {
		ans.Kind, ans.Err = Timeout, fmt.Errorf("the resolver %s stopped answering (%d queries in a row got no answer)", r.server, deadAfter)
		return ans
	}
	if r.down.Err() != nil {
		return stopped()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(r.down, cancel)
	defer stop()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.SetEdns0(1232, false)
	udp := &dns.Client{Net: "udp", Timeout: r.timeout}
	var resp *dns.Msg
	var err error
	for attempt := 0; attempt < 2; attempt++ { // one retry after a timeout
		r.queries.Add(1)
		resp, err = exchange(ctx, udp, m, r.server)
		if err == nil || !isTimeout(err) || ctx.Err() != nil {
			break
		}
	}
	if err == nil && resp.Truncated { // too big for UDP: ask again over TCP
		r.queries.Add(1)
		resp, err = exchange(ctx, &dns.Client{Net: "tcp", Timeout: r.timeout}, m, r.server)
	}
	switch {
	case err != nil && r.down.Err() != nil:
		return stopped()
	case err != nil && (isTimeout(err) || ctx.Err() != nil):
		if r.misses.Add(1) >= deadAfter {
			r.markDown()
		}
		ans.Kind, ans.Err = Timeout, fmt.Errorf("no answer from %s for %s %s within %s (tried twice)", r.server, dns.TypeToString[qtype], ans.Name, r.timeout)
		return ans
	case errors.Is(err, syscall.ECONNREFUSED):
		ans.Kind, ans.Err = ServFail, fmt.Errorf("nothing answers DNS at %s (connection refused): check --resolver or the plan's resolver: %w", r.server, err)
		return ans
	case err != nil:
		ans.Kind, ans.Err = ServFail, fmt.Errorf("asking %s for %s %s: %w", r.server, dns.TypeToString[qtype], ans.Name, err)
		return ans
	}
	r.misses.Store(0)
	ans.Rcode = resp.Rcode
	ans.Records = resp.Answer
	switch resp.Rcode {
	case dns.RcodeSuccess:
		ans.Kind = NoData
		for _, rr := range resp.Answer {
			if rr.Header().Rrtype == qtype {
				ans.Kind = OK
			}
		}
	case dns.RcodeNameError:
		ans.Kind = NXDomain
	default:
		ans.Kind, ans.Err = ServFail, fmt.Errorf("%s answered %s for %s %s", r.server, dns.RcodeToString[resp.Rcode], dns.TypeToString[qtype], ans.Name)
	}
	return ans
}

// exchange sends one query and returns as soon as ctx ends: miekg/dns only reads ctx's deadline, not its
// cancellation, and a resolver taken as down must not hold the audit for another timeout.
func exchange(ctx context.Context, c *dns.Client, m *dns.Msg, server string) (*dns.Msg, error) {
	type result struct {
		msg *dns.Msg
		err error
	}
	done := make(chan result, 1)
	go func() {
		msg, _, err := c.ExchangeContext(ctx, m, server)
		done <- result{msg, err}
	}()
	select {
	case res := <-done:
		return res.msg, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
