package email

import (
	"strings"
	"testing"
)

func FuzzParseSPF(f *testing.F) {
	for _, s := range []string{"v=spf1 include:_spf.google.com ~all", "v=spf1 a/24 mx:example.com//64 ip6:2001:db8::/32 -all",
		"v=spf1 redirect=_spf.example.com", "v=spf1 exists:%{i}.spf.example.com ?all", "v=spf1 inlcude:x -all"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms, err := parseSPF(s)
		if err == nil && !isSPF(strings.Join(strings.Fields(s), " ")) {
			t.Errorf("accepted %q, which does not start with v=spf1", s)
		}
		for _, term := range terms {
			_ = term.targetDomain("example.com")
		}
	})
}

func FuzzParseDMARC(f *testing.F) {
	f.Add("v=DMARC1; p=none; rua=mailto:a@b.com,mailto:c@d.com!10m; pct=50")
	f.Add("v=DMARC1;p=reject;;sp=quarantine; adkim=s")
	f.Fuzz(func(t *testing.T, s string) {
		d := parseDMARC(s)
		if d.Pct < 0 || d.Pct > 100 {
			t.Errorf("pct %d out of range for %q", d.Pct, s)
		}
	})
}

func FuzzParseDKIM(f *testing.F) {
	f.Add("v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMQJXmC2/NR634XMWdJO8MrYt+oAGVNvfSjDH1D3dnxBQQ/RGrTdm8V0IRWKy5w2dTz6+bh7/ayfpyLiUJiHfL8CAwEAAQ==")
	f.Add("k=ed25519; p=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=; t=y:s")
	f.Fuzz(func(t *testing.T, s string) {
		if k, ok := parseDKIM("s", "s._domainkey.example.com", s); ok {
			_ = judgeKey(k)
		}
	})
}
