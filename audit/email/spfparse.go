package email

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// spfTerm is one directive or modifier of an SPF record (RFC 7208 section 4.6.1).
type spfTerm struct {
	Raw       string
	Qualifier byte   // '+', '-', '~', '?' for mechanisms; 0 for modifiers
	Name      string // mechanism or modifier name, lower case
	Value     string // domain-spec, address or modifier value ("" when absent)
	Modifier  bool
}

// queries reports whether the term costs one of the ten DNS lookups (RFC 7208 4.6.4).
func (t spfTerm) queries() bool {
	switch t.Name {
	case "include", "a", "mx", "ptr", "exists", "redirect":
		return true
	}
	return false
}

var (
	modifierName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.\-]*$`)
	cidrSuffix   = regexp.MustCompile(`^(.*?)(/\d{1,3})?(//\d{1,3})?$`)
)

// spfSyntaxError names the term that broke the record.
type spfSyntaxError struct {
	Term, Why string
}

func (e *spfSyntaxError) Error() string { return fmt.Sprintf("term %q: %s", e.Term, e.Why) }

// isSPF reports whether a TXT record is an SPF record: "v=spf1" followed by a space or the end (RFC 7208 4.5).
func isSPF(txt string) bool {
	l := strings.ToLower(txt)
	return l == "v=spf1" || strings.HasPrefix(l, "v=spf1 ")
}

// parseSPF splits an SPF record into terms and checks each one's syntax.
func parseSPF(record string) ([]spfTerm, error) {
	fields := strings.Fields(record)
	if len(fields) == 0 || !strings.EqualFold(fields[0], "v=spf1") {
		return nil, &spfSyntaxError{Term: record, Why: "does not start with v=spf1"}
	}
	var terms []spfTerm
	seen := map[string]bool{}
	for _, raw := range fields[1:] {
		t, err := parseTerm(raw)
		if err != nil {
			return terms, err
		}
		if t.Modifier && (t.Name == "redirect" || t.Name == "exp") {
			if seen[t.Name] {
				return terms, &spfSyntaxError{Term: raw, Why: t.Name + "= appears twice"}
			}
			seen[t.Name] = true
		}
		terms = append(terms, t)
	}
	return terms, nil
}

func parseTerm(raw string) (spfTerm, error) {
	t := spfTerm{Raw: raw}
	// A modifier is name=value where the name is not a mechanism (mechanisms use ':' and '/').
	if i := strings.IndexByte(raw, '='); i > 0 && !strings.ContainsAny(raw[:i], ":/") {
		name := raw[:i]
		if !modifierName.MatchString(name) {
			return t, &spfSyntaxError{Term: raw, Why: "is not a valid modifier name"}
		}
		t.Modifier, t.Name, t.Value = true, strings.ToLower(name), raw[i+1:]
		if (t.Name == "redirect" || t.Name == "exp") && t.Value == "" {
			return t, &spfSyntaxError{Term: raw, Why: t.Name + "= needs a domain"}
		}
		return t, nil
	}
	t.Qualifier = '+'
	if strings.ContainsRune("+-~?", rune(raw[0])) {
		t.Qualifier, raw = raw[0], raw[1:]
	}
	name, value, hasValue := strings.Cut(raw, ":")
	name = strings.ToLower(name)
	if !hasValue {
		if i := strings.IndexByte(name, '/'); i >= 0 { // "a/24", "mx/24//64"
			name, value = name[:i], name[i:]
		}
	}
	t.Name, t.Value = name, value
	switch name {
	case "all":
		if hasValue || value != "" {
			return t, &spfSyntaxError{Term: t.Raw, Why: "all takes no value"}
		}
	case "include", "exists":
		if value == "" {
			return t, &spfSyntaxError{Term: t.Raw, Why: name + " needs a domain (" + name + ":example.com)"}
		}
	case "a", "mx", "ptr":
		if hasValue && value == "" {
			return t, &spfSyntaxError{Term: t.Raw, Why: "empty domain after ':'"}
		}
	case "ip4", "ip6":
		if !validIP(value, name == "ip4") {
			return t, &spfSyntaxError{Term: t.Raw, Why: "is not a valid " + name + " address or network"}
		}
	default:
		return t, &spfSyntaxError{Term: t.Raw, Why: "unknown mechanism " + name}
	}
	return t, nil
}

func validIP(v string, v4 bool) bool {
	if p, err := netip.ParsePrefix(v); err == nil {
		return p.Addr().Is4() == v4
	}
	a, err := netip.ParseAddr(v)
	return err == nil && a.Is4() == v4
}

// targetDomain is the domain a DNS-querying term asks about: its own domain-spec (without CIDR), or the domain of
// the record.
func (t spfTerm) targetDomain(current string) string {
	v := t.Value
	if t.Name == "a" || t.Name == "mx" {
		v = cidrSuffix.FindStringSubmatch(v)[1]
	}
	if v == "" {
		return current
	}
	return strings.TrimSuffix(v, ".")
}

// hasMacro reports a domain-spec with macros (%{i}, %{d}, ...), which depend on the message being checked.
func hasMacro(v string) bool { return strings.Contains(v, "%{") }
