package inbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Sink is an SMTP server on the loopback interface that keeps every message it is given: the demo sends its mail
// to it, and so can a staging app whose SMTP settings point at it. It accepts any sender, any recipient and any
// credentials; it relays nothing.
type Sink struct {
	Addr    string // host:port it listens on
	base    string
	timeout time.Duration
	server  *smtp.Server

	mu       sync.Mutex
	messages []*Message
	arrived  chan struct{} // closed and replaced on every delivery
}

// maxKept bounds how many messages the sink holds; the oldest go first.
const maxKept = 500

// StartSink listens on addr (127.0.0.1:0 for any free port). base is the address fresh addresses are made from;
// timeout bounds Wait. Only loopback addresses are accepted: the sink is not an open mail server.
func StartSink(addr, base string, timeout time.Duration) (*Sink, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("inbox.listen %q: %w (use host:port, such as 127.0.0.1:2525)", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("inbox.listen %q: the SMTP sink listens on a loopback address only (127.0.0.1 or ::1)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("starting the SMTP sink on %s: %w (is another program using the port? choose another inbox.listen)", addr, err)
	}
	s := &Sink{Addr: ln.Addr().String(), base: base, timeout: timeout, arrived: make(chan struct{})}
	s.server = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }))
	s.server.Domain = "launchready.sink"
	s.server.MaxMessageBytes = MaxMessage
	s.server.MaxRecipients = 50
	s.server.AllowInsecureAuth = true
	s.server.ReadTimeout, s.server.WriteTimeout = 30*time.Second, 30*time.Second
	s.server.ErrorLog = log.New(io.Discard, "", 0)
	go s.server.Serve(ln)
	return s, nil
}

func (s *Sink) Address(tag string) (string, error) { return fresh(s.base, tag) }

func (s *Sink) Describe() string { return "the SMTP sink on " + s.Addr }

func (s *Sink) Close() error { return s.server.Close() }

// Wait returns the first message to `to` that arrived at or after since.
func (s *Sink) Wait(ctx context.Context, to string, since time.Time) (*Message, error) {
	wctx, cancel := waitTimeout(ctx, s.timeout)
	defer cancel()
	for {
		s.mu.Lock()
		for _, m := range s.messages {
			if !m.Received.Before(since) && m.addressedTo(to) {
				s.mu.Unlock()
				return m, nil
			}
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-wctx.Done():
			return nil, noMail(ctx, to, s.timeout, s.Describe())
		}
	}
}

// Messages returns every message the sink holds, oldest first.
func (s *Sink) Messages() []*Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Message(nil), s.messages...)
}

func (s *Sink) deliver(m *Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	if len(s.messages) > maxKept {
		s.messages = s.messages[len(s.messages)-maxKept:]
	}
	close(s.arrived)
	s.arrived = make(chan struct{})
}

type sinkSession struct {
	sink *Sink
	rcpt []string
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

// Auth accepts any credentials: the sink stands in for the app's mail provider and has no accounts.
func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error { return nil }), nil
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpt = append(ss.rcpt, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unreadable message: " + err.Error()}
	}
	m.Received = time.Now()
	m.To = append(m.To, ss.rcpt...) // the envelope decides where mail goes (Bcc included)
	ss.sink.deliver(m)
	return nil
}

func (ss *sinkSession) Reset()        { ss.rcpt = nil }
func (ss *sinkSession) Logout() error { return nil }

var _ smtp.AuthSession = (*sinkSession)(nil)

// errPasteEmpty is what Paste returns when the user gives nothing.
var errPasteEmpty = errors.New("nothing was pasted")
