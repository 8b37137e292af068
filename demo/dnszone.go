package demo

import (
	"fmt"
	"strings"
)

// SendingDomain is the domain the demo app sends its mail from, served by the demo's own DNS server.
const SendingDomain = "demo.test"

// DKIMSelector is the selector the demo's mail provider signs with.
const DKIMSelector = "resend"

// The public half of a 512-bit DKIM key (factorable, refused by receivers). The hardened zone publishes the key
// the demo really signs with (dkimPublic).
const (
	dkim512 = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMQJXmC2/NR634XMWdJO8MrYt+oAGVNvfSjDH1D3dnxBQQ/RGrTdm8V0IRWKy5w2dTz6+bh7/ayfpyLiUJiHfL8CAwEAAQ=="
)

// zone is the demo's DNS zone: every email flaw is a record that differs.
func (fs Flaws) zone() string {
	var b strings.Builder
	rr := func(name, typ, data string) { fmt.Fprintf(&b, "%-32s 300 IN %-5s %s\n", name, typ, data) }
	rr("@", "SOA", "ns.demo.test. hostmaster.demo.test. 1 3600 600 86400 300")
	rr("@", "NS", "ns.demo.test.")
	rr("@", "A", "127.0.0.1")
	if !fs[FlawNoMX] {
		rr("@", "MX", "10 mx.demo.test.")
	}
	rr("mx", "A", "127.0.0.1")
	if fs[FlawSPFTooMany] {
		// Eleven lookups through nested includes, and +all at the end: both break SPF.
		rr("@", "TXT", txt("v=spf1 a mx include:_spf1.demo.test include:_spf2.demo.test include:_spf3.demo.test +all"))
		rr("_spf1", "TXT", txt("v=spf1 include:_spf4.demo.test include:_spf5.demo.test ~all"))
		rr("_spf2", "TXT", txt("v=spf1 include:_spf6.demo.test a:mx.demo.test ~all"))
		rr("_spf3", "TXT", txt("v=spf1 exists:mx.demo.test include:_spf7.demo.test ~all"))
		for _, n := range []string{"_spf4", "_spf5", "_spf6", "_spf7"} {
			rr(n, "TXT", txt("v=spf1 ip4:192.0.2.0/24 ~all"))
		}
	} else {
		rr("@", "TXT", txt("v=spf1 include:_spf.demo.test ~all"))
		rr("_spf", "TXT", txt("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"))
	}
	if fs[FlawDMARCNone] {
		rr("_dmarc", "TXT", txt("v=DMARC1; p=none"))
	} else {
		rr("_dmarc", "TXT", txt("v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@demo.test; adkim=s; aspf=s"))
	}
	key := dkimPublic()
	if fs[FlawWeakDKIM] {
		key = dkim512
	}
	rr(DKIMSelector+"._domainkey", "TXT", txt("v=DKIM1; k=rsa; p="+key))
	rr("_mta-sts", "TXT", txt("v=STSv1; id=20261101"))
	rr("_smtp._tls", "TXT", txt("v=TLSRPTv1; rua=mailto:tls-reports@demo.test"))
	return b.String()
}

// txt quotes a TXT value, split into strings of at most 255 bytes as DNS requires.
func txt(v string) string {
	var parts []string
	for len(v) > 200 {
		parts = append(parts, `"`+v[:200]+`"`)
		v = v[200:]
	}
	return strings.Join(append(parts, `"`+v+`"`), " ")
}
