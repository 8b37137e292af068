package transport

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/launchready/launchready/audit"
)

// Expiry thresholds of the checklist: fail within 14 days, warn within 30.
const (
	failDays = 14
	warnDays = 30
)

// TLSCert reads the certificate each HTTPS origin of the plan serves and judges its chain, name and expiry.
func TLSCert(ctx context.Context, t *audit.Target) audit.Result {
	var parts []audit.Result
	for _, origin := range t.Origins() {
		if origin.Scheme != "https" {
			// The plan names an http:// origin: look for TLS on the standard port of the same host. Nothing
			// listening there is no fault of a certificate: there is none to judge (transport.https-redirect and
			// headers.hsts report the plain HTTP).
			origin = &url.URL{Scheme: "https", Host: origin.Hostname()}
			if res, err := judgeCert(ctx, t, origin, time.Now()); !errors.Is(err, syscall.ECONNREFUSED) {
				parts = append(parts, res)
			} else {
				parts = append(parts, audit.NotRun("the app is served over plain HTTP and nothing answers on "+origin.Hostname()+":443: no certificate to judge (see transport.https-redirect)"))
			}
			continue
		}
		res, _ := judgeCert(ctx, t, origin, time.Now())
		parts = append(parts, res)
	}
	return audit.Combine(parts...)
}

// judgeCert reads the certificate origin serves and judges it. When it could not be read, the result says so and
// the error is why (a refused connection: nothing listens there).
func judgeCert(ctx context.Context, t *audit.Target, origin *url.URL, now time.Time) (audit.Result, error) {
	if !t.Probe.InScope(origin) {
		return audit.Undecided(origin.Host + " is outside the plan's scope"), nil
	}
	addr := origin.Host
	if origin.Port() == "" {
		addr = net.JoinHostPort(origin.Hostname(), "443")
	}
	chain, stapled, err := peerChain(ctx, t, addr, origin.Hostname())
	if err != nil {
		return audit.Undecided("could not read the certificate of " + addr + ": " + err.Error()), err
	}
	return judgeChain(t, origin, addr, chain, stapled, now), nil
}

// judgeChain judges the chain addr served for origin: verified, named, not expiring, strong.
func judgeChain(t *audit.Target, origin *url.URL, addr string, chain []*x509.Certificate, stapled bool, now time.Time) audit.Result {
	leaf := chain[0]
	days := int(math.Floor(leaf.NotAfter.Sub(now).Hours() / 24))
	ocsp := "OCSP stapling: no (info: stapling spares visitors a lookup to the CA)"
	if stapled {
		ocsp = "OCSP stapling: yes"
	}
	ev := audit.Evidence{Label: "certificate of " + addr, Excerpt: describe(leaf, days) + "\n" + ocsp}

	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, verr := leaf.Verify(x509.VerifyOptions{DNSName: origin.Hostname(), Roots: t.Roots, Intermediates: inter, CurrentTime: now})
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(verr, &hostErr):
		return audit.Failed(0, fmt.Sprintf("the certificate of %s does not name %s (it names %s)", addr, origin.Hostname(), names(leaf)), ev)
	case errors.As(verr, &invalid) && invalid.Reason == x509.Expired:
		return audit.Failed(audit.Critical, fmt.Sprintf("the certificate of %s is expired or not yet valid (valid %s to %s)", addr, leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly)), ev)
	case errors.As(verr, &authErr):
		kind := "issued by an authority browsers do not trust (" + leaf.Issuer.CommonName + ")"
		if isSelfSigned(leaf) {
			kind = "self-signed"
		}
		return audit.Failed(0, fmt.Sprintf("the certificate of %s is %s: browsers will show a warning; use a public CA (or set tls.ca_file for a staging CA)", addr, kind), ev)
	case verr != nil:
		return audit.Failed(0, fmt.Sprintf("the certificate of %s does not verify: %v", addr, verr), ev)
	case days <= failDays:
		return audit.Failed(0, fmt.Sprintf("the certificate of %s expires in %d days (%s): renew it now and automate renewal", addr, days, leaf.NotAfter.Format(time.DateOnly)), ev)
	case weakSignature(leaf.SignatureAlgorithm):
		return audit.Failed(audit.High, fmt.Sprintf("the certificate of %s is signed with %s, which browsers reject: reissue it", addr, leaf.SignatureAlgorithm), ev)
	case days <= warnDays:
		return audit.Warned(audit.Medium, fmt.Sprintf("the certificate of %s expires in %d days (%s)", addr, days, leaf.NotAfter.Format(time.DateOnly)), ev)
	case rsaBits(leaf) > 0 && rsaBits(leaf) < 2048:
		return audit.Warned(audit.Medium, fmt.Sprintf("the certificate of %s has an RSA %d-bit key: reissue it with 2048 bits or ECDSA", addr, rsaBits(leaf)), ev)
	}
	return audit.Passed(fmt.Sprintf("certificate of %s valid for %s, %d days left", addr, origin.Hostname(), days), ev)
}

// peerChain completes a handshake without judging the certificate (that is this check's job) and returns what
// the server sent.
func peerChain(ctx context.Context, t *audit.Target, addr, serverName string) ([]*x509.Certificate, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	raw, err := t.Probe.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, false, err
	}
	conn := tls.Client(raw, &tls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true, //nolint:gosec // we only read the chain here; it is verified by judgeCert
	})
	defer conn.Close()
	if err := conn.HandshakeContext(ctx); err != nil {
		return nil, false, err
	}
	state := conn.ConnectionState()
	if len(state.PeerCertificates) == 0 {
		return nil, false, errors.New("the server sent no certificate")
	}
	return state.PeerCertificates, len(state.OCSPResponse) > 0, nil
}

func weakSignature(a x509.SignatureAlgorithm) bool {
	switch a {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return true
	}
	return false
}

func rsaBits(c *x509.Certificate) int {
	if k, ok := c.PublicKey.(*rsa.PublicKey); ok {
		return k.N.BitLen()
	}
	return 0
}

func isSelfSigned(c *x509.Certificate) bool {
	return c.Issuer.String() == c.Subject.String() && c.CheckSignatureFrom(c) == nil
}

func names(c *x509.Certificate) string {
	var n []string
	n = append(n, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		n = append(n, ip.String())
	}
	if len(n) == 0 {
		return c.Subject.CommonName
	}
	return strings.Join(n, ", ")
}

func describe(c *x509.Certificate, days int) string {
	return fmt.Sprintf("subject: %s\nissuer: %s\nnames: %s\nvalid: %s to %s (%d days left)\nkey: %s, signature: %s",
		c.Subject.CommonName, c.Issuer.CommonName, names(c), c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly), days,
		keyDesc(c), c.SignatureAlgorithm)
}

func keyDesc(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d bits", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return c.PublicKeyAlgorithm.String()
}
