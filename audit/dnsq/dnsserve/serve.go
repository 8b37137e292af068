// Package dnsserve serves DNS zones from a real miekg/dns server on 127.0.0.1, over UDP and TCP on one port, for
// the demo's sending domain and for the tests' fixture zones. It answers like a recursive resolver would for the
// names it holds (CNAMEs followed, NODATA and NXDOMAIN kept apart, truncation over UDP) and REFUSED for others.
// By convention a name whose first label is "servfail" answers SERVFAIL.
package dnsserve

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// Server is a running DNS server.
type Server struct {
	Addr    string // 127.0.0.1:port, for UDP and TCP
	records []dns.RR
	origins []string
	servers []*dns.Server
}

// Zone is one zone's master-file text (RFC 1035) and its origin.
type Zone struct {
	Origin string
	Text   string
}

// File reads a zone from a master file; the origin is the file's $ORIGIN (or the one given).
func File(path, origin string) (Zone, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Zone{}, err
	}
	return Zone{Origin: origin, Text: string(b)}, nil
}

// Start parses the zones and serves them until Close.
func Start(zones ...Zone) (*Server, error) {
	s := &Server{}
	for _, z := range zones {
		origin := dns.Fqdn(z.Origin)
		zp := dns.NewZoneParser(strings.NewReader(z.Text), origin, "")
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			s.records = append(s.records, rr)
		}
		if err := zp.Err(); err != nil {
			return nil, fmt.Errorf("zone %s: %w", z.Origin, err)
		}
		s.origins = append(s.origins, strings.ToLower(origin))
	}
	return s, s.listen(dns.HandlerFunc(s.answer))
}

// Silent starts a server that reads every query and never answers: the resolver that is down.
func Silent() (*Server, error) {
	s := &Server{}
	return s, s.listen(dns.HandlerFunc(func(dns.ResponseWriter, *dns.Msg) {}))
}

func (s *Server) listen(h dns.Handler) error {
	var lastErr error
	for try := 0; try < 10; try++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil { // the port is taken for TCP: try another
			pc.Close()
			lastErr = err
			continue
		}
		s.Addr = pc.LocalAddr().String()
		udp := &dns.Server{PacketConn: pc, Handler: h}
		tcp := &dns.Server{Listener: ln, Handler: h}
		s.servers = []*dns.Server{udp, tcp}
		var started sync.WaitGroup
		started.Add(2)
		udp.NotifyStartedFunc, tcp.NotifyStartedFunc = started.Done, started.Done
		go udp.ActivateAndServe()
		go tcp.ActivateAndServe()
		started.Wait()
		return nil
	}
	return errors.Join(errors.New("no free port for DNS on 127.0.0.1"), lastErr)
}

// Close stops the server.
func (s *Server) Close() {
	for _, srv := range s.servers {
		srv.Shutdown()
	}
}

func (s *Server) answer(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	switch {
	case strings.HasPrefix(name, "servfail."):
		m.Rcode = dns.RcodeServerFailure
	case !s.holds(name):
		m.Rcode = dns.RcodeRefused
	default:
		m.Answer, m.Rcode = s.resolve(name, q.Qtype, 0)
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

func (s *Server) holds(name string) bool {
	for _, o := range s.origins {
		if dns.IsSubDomain(o, name) {
			return true
		}
	}
	return false
}

// resolve returns the records of name and type, following CNAMEs inside the served zones.
func (s *Server) resolve(name string, qtype uint16, depth int) ([]dns.RR, int) {
	var match, cname []dns.RR
	exists := false
	for _, rr := range s.records {
		owner := strings.ToLower(rr.Header().Name)
		if owner == name {
			exists = true
			switch {
			case rr.Header().Rrtype == qtype:
				match = append(match, rr)
			case rr.Header().Rrtype == dns.TypeCNAME:
				cname = append(cname, rr)
			}
		} else if dns.IsSubDomain(name, owner) {
			exists = true // an empty non-terminal: the name exists without records
		}
	}
	if len(match) > 0 {
		return match, dns.RcodeSuccess
	}
	if len(cname) > 0 && depth < 8 {
		target := strings.ToLower(cname[0].(*dns.CNAME).Target)
		if !s.holds(target) {
			return cname, dns.RcodeSuccess
		}
		rest, rcode := s.resolve(target, qtype, depth+1)
		return append(cname, rest...), rcode
	}
	if exists {
		return nil, dns.RcodeSuccess
	}
	return nil, dns.RcodeNameError
}
