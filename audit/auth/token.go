package auth

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// minTokenBits is what a reset or invite token needs to resist guessing (OWASP: 128 bits of entropy).
const minTokenBits = 128

// token is the secret part of an emailed link, described without its value.
type token struct {
	Where    string // "query parameter token", "path segment 3"
	Length   int
	Alphabet string // digits, hex, base64url, mixed
	Bits     float64
	// Built says what readable data the token is made of ("" when it looks random): an encoding of text, an
	// address, a Unix time of about now. Its bits then measure its length, not what a guesser must find.
	Built string
	value string
}

func (tk token) String() string {
	if tk.Built != "" {
		return fmt.Sprintf("%s: %d characters of %s, made of %s", tk.Where, tk.Length, tk.Alphabet, tk.Built)
	}
	return fmt.Sprintf("%s: %d characters of %s, about %.0f bits", tk.Where, tk.Length, tk.Alphabet, tk.Bits)
}

// linkToken finds the token of a link: the query value, path segment or fragment part that carries the most
// entropy. Short words (/reset, ?lang=en) never win against a real token; a 6-digit code wins when it is all
// there is.
func linkToken(link string) (token, bool) {
	u, err := url.Parse(link)
	if err != nil {
		return token{}, false
	}
	var best token
	consider := func(where, v string) {
		if len(v) < 6 || strings.Contains(v, "@") {
			return
		}
		if strings.Contains(where, v) { // a name that holds the value would show it
			where = strings.Fields(where)[0] + " parameter"
		}
		name, size := alphabet(v)
		tk := token{Where: where, Length: len(v), Alphabet: name, Bits: float64(len(v)) * math.Log2(float64(size)), value: v}
		if m := uuidRe.FindStringSubmatch(v); m != nil {
			tk.Alphabet, tk.Bits = "a UUID version "+m[1], 122 // version 4: 122 random bits
			if m[1] != "4" {
				tk.Alphabet, tk.Bits = "a UUID version "+m[1]+" (made from a time or a name, not random)", 0
			}
		}
		if name == "letters" && len(v) < 16 { // a word, not a token
			return
		}
		tk.Built = builtFrom(v, time.Now())
		// A value made of readable data (a base64 redirect address, an encoded email) loses to one that is not and
		// is long enough to be a token; else the one with the most bits wins (a path word is no token).
		real := func(t token) bool { return t.Built == "" && t.Bits >= minTokenBits }
		if best.value == "" || real(tk) && !real(best) || real(tk) == real(best) && tk.Bits > best.Bits {
			best = tk
		}
	}
	for k, vs := range u.Query() {
		for _, v := range vs {
			consider("query parameter "+k, v)
		}
	}
	for i, seg := range strings.Split(strings.Trim(u.Path, "/"), "/") {
		consider("path segment "+strconv.Itoa(i+1), seg)
	}
	if frag, err := url.ParseQuery(u.Fragment); err == nil {
		for k, vs := range frag {
			for _, v := range vs {
				consider("fragment parameter "+k, v)
			}
		}
	}
	return best, best.value != ""
}

// builtFrom says what readable data a token is made of, or "" when nothing shows it is not random: base64 or hex
// that decodes to text (random bytes almost never do), or a Unix time of about now in the token or its decoding.
// Data that carries a random part of 128 bits or more (an encrypted payload, a random hex string or a UUID v4
// encoded again, a time then 64 hex digits) is no built token, and a JWT is judged by its signature's length.
func builtFrom(v string, now time.Time) string {
	if strings.Count(v, ".") == 2 && strings.HasPrefix(v, "eyJ") {
		return ""
	}
	var what []string
	text := ""
	// Hex is read as hex only: hex digits are base64 letters too, and read as base64 they decode to text.
	decoders := []func(string) ([]byte, error){base64.RawURLEncoding.DecodeString, base64.URLEncoding.DecodeString,
		base64.RawStdEncoding.DecodeString, base64.StdEncoding.DecodeString}
	switch {
	case digitsRe.MatchString(v): // a number: its digits decode to anything
		decoders = nil
	case hexRe.MatchString(v):
		decoders = []func(string) ([]byte, error){hex.DecodeString}
	}
	for _, dec := range decoders {
		if b, err := dec(v); err == nil && len(b) >= 12 && printable(b) {
			if randomPart(string(b), textParts) {
				return ""
			}
			text = string(b)
			what = append(what, "encoded text, not random bytes")
			break
		}
	}
	if strings.Contains(text, "@") {
		what = append(what, "an email address")
	}
	for _, m := range unixTimeRe.FindAllStringSubmatch(v+" "+text, -1) {
		n, _ := strconv.ParseInt(m[1][:10], 10, 64)
		d := now.Sub(time.Unix(n, 0))
		if d <= -48*time.Hour || d >= 48*time.Hour {
			continue
		}
		if text == "" && randomPart(strings.Replace(v, m[1], " ", 1), rawParts) { // a time, then random digits
			break
		}
		what = append(what, "a Unix time of about now")
		break
	}
	return strings.Join(what, ", ")
}

// printable reports whether every byte of b is printable ASCII (spaces and line breaks count): 12 random bytes
// are, about once in 150,000; 16, once in 8 million.
func printable(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 || c >= 0x7f) && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// The parts a token or the text it decodes to is cut into when looking for a random part: a raw token at any
// separator, text at anything that is not a letter, a digit or base64's +/=.
var (
	rawParts  = regexp.MustCompile(`[^A-Za-z0-9]+`)
	textParts = regexp.MustCompile(`[^A-Za-z0-9+/=]+`)
	uuid4Re   = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}`)
)

// randomPart reports whether s holds a part that looks random and alone carries 128 bits or more: 32 hex digits
// or more with letters and digits mixed, 22 characters or more of upper and lower case letters and digits mixed
// (words, paths and addresses are not), or a UUID version 4.
func randomPart(s string, cut *regexp.Regexp) bool {
	if uuid4Re.MatchString(s) {
		return true
	}
	for _, part := range cut.Split(s, -1) {
		digits, lower, upper := strings.ContainsAny(part, "0123456789"), strings.ToUpper(part) != part, strings.ToLower(part) != part
		switch {
		case hexRe.MatchString(part) && len(part) >= 32 && digits && (lower || upper),
			len(part) >= 22 && digits && lower && upper:
			return true
		}
	}
	return false
}

var unixTimeRe = regexp.MustCompile(`(?:^|[^0-9])(1[0-9]{9}(?:[0-9]{3})?)(?:[^0-9]|$)`)

// alphabet names the smallest common alphabet that spells s and its size.
func alphabet(s string) (string, int) {
	all := func(re *regexp.Regexp) bool { return re.MatchString(s) }
	switch {
	case all(digitsRe):
		return "digits", 10
	case all(hexRe):
		return "hex", 16
	case all(lettersRe):
		return "letters", 52
	case all(alnumRe):
		return "letters and digits", 62
	case all(b64Re):
		return "base64", 64
	}
	return "mixed characters", 94
}

var (
	uuidRe    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-([0-9a-fA-F])[0-9a-fA-F]{3}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	digitsRe  = regexp.MustCompile(`^[0-9]+$`)
	hexRe     = regexp.MustCompile(`^([0-9a-f]+|[0-9A-F]+)$`)
	lettersRe = regexp.MustCompile(`^[A-Za-z]+$`)
	alnumRe   = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	b64Re     = regexp.MustCompile(`^[A-Za-z0-9_\-+/=.]+$`)
)

// lifetimeClaim reads what a mail says about how long its link works: a duration, "never" (forever), or not said.
var (
	lifetimeRe = regexp.MustCompile(`(?i)(?:expires?|valid|works?|good|active)\b[^.\n]{0,40}?\b(\d+|an?|one)\s*(minute|min|hour|hr|day|week)s?\b`)
	withinRe   = regexp.MustCompile(`(?i)\bwithin\s+(?:the\s+next\s+)?(\d+|an?|one)\s*(minute|min|hour|hr|day|week)s?\b`)
	foreverRe  = regexp.MustCompile(`(?i)never expires?|does not expire|doesn't expire|whenever you (?:need|want|like)|any ?time`)
)

func lifetimeClaim(text string) (d time.Duration, forever, said bool) {
	if foreverRe.MatchString(text) {
		return 0, true, true
	}
	// What the mail says of the link's expiry wins over "within" ("if it does not arrive within 5 minutes"); of
	// several, the longest is the one to judge.
	for _, re := range []*regexp.Regexp{lifetimeRe, withinRe} {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			n := 1
			if v, err := strconv.Atoi(m[1]); err == nil {
				n = v
			}
			unit := map[string]time.Duration{"minute": time.Minute, "min": time.Minute, "hour": time.Hour, "hr": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour}[strings.ToLower(m[2])]
			d, said = max(d, time.Duration(n)*unit), true
		}
		if said {
			return d, false, true
		}
	}
	return 0, false, false
}

// describeLink shows a link with its token replaced by what the token is like: safe for a report. It is rebuilt
// from the parsed parts: query values other than the token and any fragment are elided, never copied.
func describeLink(link string, tk token) string {
	u, err := url.Parse(link)
	if tk.value == "" || err != nil {
		return "a link (hidden: it is a secret of the audit)"
	}
	segs := strings.Split(u.Path, "/")
	for i, seg := range segs {
		if seg == tk.value {
			segs[i] = "TOKEN"
		} else if strings.Contains(seg, tk.value) {
			segs[i] = "…"
		}
	}
	out := u.Scheme + "://" + u.Host + strings.Join(segs, "/")
	if u.RawQuery != "" {
		var parts []string
		for k, vs := range u.Query() {
			for _, v := range vs {
				if v == tk.value {
					v = "TOKEN"
				} else {
					v = "…"
				}
				if strings.Contains(k, tk.value) {
					k = "…"
				}
				parts = append(parts, k+"="+v)
			}
		}
		sort.Strings(parts)
		out += "?" + strings.Join(parts, "&")
	}
	if u.Fragment != "" {
		out += "#…"
	}
	return out + " (the token, " + tk.String() + ")"
}
