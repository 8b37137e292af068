package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/launchready/launchready/audit"
)

var versions = []struct {
	v    uint16
	name string
}{{tls.VersionTLS10, "TLS 1.0"}, {tls.VersionTLS11, "TLS 1.1"}, {tls.VersionTLS12, "TLS 1.2"}, {tls.VersionTLS13, "TLS 1.3"}}

// weakSuites are TLS 1.2 suites without forward secrecy or with CBC-mode/SHA-1 MACs or 3DES.
var weakSuites = func() []uint16 {
	var out []uint16
	for _, s := range tls.InsecureCipherSuites() {
		out = append(out, s.ID)
	}
	for _, s := range tls.CipherSuites() {
		if strings.Contains(s.Name, "_CBC_") || strings.HasPrefix(s.Name, "TLS_RSA_") {
			out = append(out, s.ID)
		}
	}
	return out
}()

// TLSVersion shakes hands with each protocol version alone, and at TLS 1.2 with weak suites alone.
func TLSVersion(ctx context.Context, t *audit.Target) audit.Result {
	var parts []audit.Result
	for _, o := range t.Origins() {
		if o.Scheme != "https" {
			continue
		}
		parts = append(parts, versionsOf(ctx, t, o.Hostname(), o.Port()))
	}
	if len(parts) == 0 {
		return audit.NotRun("no https:// origin in the plan")
	}
	return audit.Combine(parts...)
}

func versionsOf(ctx context.Context, t *audit.Target, host, port string) audit.Result {
	if port == "" {
		port = "443"
	}
	addr := net.JoinHostPort(host, port)
	accepted := map[string]bool{}
	var lines []string
	var lastErr error
	for _, v := range versions {
		state, err := handshake(ctx, t, addr, host, &tls.Config{MinVersion: v.v, MaxVersion: v.v})
		if err != nil {
			lines = append(lines, v.name+": refused")
			lastErr = err
			continue
		}
		accepted[v.name] = true
		lines = append(lines, fmt.Sprintf("%s: accepted (%s)", v.name, tls.CipherSuiteName(state.CipherSuite)))
	}
	weak := ""
	if accepted["TLS 1.2"] {
		if state, err := handshake(ctx, t, addr, host, &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: weakSuites}); err == nil {
			weak = tls.CipherSuiteName(state.CipherSuite)
			lines = append(lines, "TLS 1.2 with weak suites only: accepted ("+weak+")")
		} else {
			lines = append(lines, "TLS 1.2 with weak suites only: refused")
		}
	}
	ev := audit.Note("handshakes with "+addr, strings.Join(lines, "\n"))
	if len(accepted) == 0 {
		return audit.Undecided(fmt.Sprintf("no TLS handshake with %s succeeded: %v", addr, lastErr), ev)
	}
	var parts []audit.Result
	var old []string
	for _, v := range []string{"TLS 1.0", "TLS 1.1"} {
		if accepted[v] {
			old = append(old, v)
		}
	}
	if len(old) > 0 {
		parts = append(parts, audit.Failed(0, fmt.Sprintf("%s accepts %s (deprecated by RFC 8996): set the minimum version to TLS 1.2", addr, strings.Join(old, " and ")), ev))
	}
	if !accepted["TLS 1.2"] && !accepted["TLS 1.3"] {
		parts = append(parts, audit.Failed(0, addr+" offers neither TLS 1.2 nor 1.3", ev))
	}
	if weak != "" {
		parts = append(parts, audit.Warned(audit.Low, fmt.Sprintf("%s accepts weak TLS 1.2 suites (%s): allow only ECDHE with AES-GCM or ChaCha20", addr, weak), ev))
	}
	if len(parts) > 0 {
		return audit.Combine(parts...)
	}
	if !accepted["TLS 1.3"] {
		return audit.Informed(addr+" offers TLS 1.2 but not 1.3: fine, though 1.3 is faster and simpler", ev)
	}
	return audit.Passed(addr+" offers TLS 1.2 and 1.3 only, with strong suites", ev)
}

// handshake completes a TLS handshake through the probe's dialer (scope and resolve entries apply); the
// certificate is not judged here.
func handshake(ctx context.Context, t *audit.Target, addr, serverName string, cfg *tls.Config) (tls.ConnectionState, error) {
	if !t.Probe.InScope(&url.URL{Host: addr}) {
		return tls.ConnectionState{}, fmt.Errorf("%s is outside the plan's scope", addr)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	raw, err := t.Probe.DialContext(ctx, "tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	cfg.ServerName = serverName
	cfg.InsecureSkipVerify = true //nolint:gosec // protocol support only; transport.tls-cert judges the certificate
	conn := tls.Client(raw, cfg)
	defer conn.Close()
	if err := conn.HandshakeContext(ctx); err != nil {
		return tls.ConnectionState{}, err
	}
	return conn.ConnectionState(), nil
}
