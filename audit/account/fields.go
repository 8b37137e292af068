package account

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/launchready/launchready/browser"
)

// Meaning is what a form's field asks for, read from what the page says about it.
type Meaning string

// The meanings a field is classified into.
const (
	MeanEmail     Meaning = "email"
	MeanUsername  Meaning = "username"
	MeanName      Meaning = "display name"
	MeanFirst     Meaning = "first name"
	MeanLast      Meaning = "last name"
	MeanPassword  Meaning = "password"
	MeanConfirm   Meaning = "password confirmation"
	MeanPhone     Meaning = "phone"
	MeanOrg       Meaning = "organisation"
	MeanURL       Meaning = "web address"
	MeanTerms     Meaning = "terms checkbox"
	MeanCheckbox  Meaning = "checkbox"
	MeanSelect    Meaning = "select"
	MeanNumber    Meaning = "number"
	MeanDate      Meaning = "date"
	MeanText      Meaning = "text"
	MeanOtherText Meaning = "other"
)

var (
	emailWords    = regexp.MustCompile(`(?i)e-?mail`)
	confirmWords  = regexp.MustCompile(`(?i)confirm|repeat|retype|re-type|again|verif|password_?2|passwordconfirm|new_password2|\bre-?enter`)
	usernameWords = regexp.MustCompile(`(?i)user_?name|username|\buser\b|\blogin\b|handle|nick|screen_?name|account_?name|\bslug\b|user_?id|identifier`)
	firstWords    = regexp.MustCompile(`(?i)first|given|fname|forename`)
	lastWords     = regexp.MustCompile(`(?i)last_?name|family|surname|lname`)
	phoneWords    = regexp.MustCompile(`(?i)phone|mobile|\btel\b|cell`)
	orgWords      = regexp.MustCompile(`(?i)org|company|workspace|team|business|tenant|school|employer`)
	nameWords     = regexp.MustCompile(`(?i)\bname\b|full_?name|display_?name|your name|_name$|^name`)
	urlWords      = regexp.MustCompile(`(?i)website|homepage|\burl\b`)
	termsWords    = regexp.MustCompile(`(?i)terms|agree|accept|consent|privacy|policy|\btos\b|gdpr|conditions`)
)

// Classify reads the meaning of every field of one form. It looks at each field's type, name, id, autocomplete,
// label and placeholder, then at the form as a whole: the second password field is the confirmation, and in a
// form without an email field the username field is where the address goes (a "Username or email" login).
func Classify(fields []browser.Field) []Meaning {
	out := make([]Meaning, len(fields))
	passwords := 0
	for i, f := range fields {
		out[i] = classify(f)
		if out[i] == MeanPassword || out[i] == MeanConfirm {
			if passwords > 0 {
				out[i] = MeanConfirm
			}
			passwords++
		}
	}
	if !slices.Contains(out, MeanEmail) {
		if i := slices.Index(out, MeanUsername); i >= 0 {
			out[i] = MeanEmail
		} else if i := slices.Index(out, MeanOtherText); i >= 0 && fields[i].Type != "textarea" {
			out[i] = MeanEmail // a lone text field in a form the finder chose for its address
		}
	}
	return out
}

func classify(f browser.Field) Meaning {
	words, ac := f.Words(), strings.ToLower(f.Autocomplete)
	switch {
	case f.Tag == "select":
		return MeanSelect
	case f.Type == "checkbox" || f.Type == "radio":
		if termsWords.MatchString(words) || f.Required {
			return MeanTerms
		}
		return MeanCheckbox
	case f.Type == "password":
		if confirmWords.MatchString(words) {
			return MeanConfirm
		}
		return MeanPassword
	case f.Type == "email" || ac == "email" || ac == "username email" || emailWords.MatchString(words):
		return MeanEmail
	case f.Type == "tel" || ac == "tel" || phoneWords.MatchString(words):
		return MeanPhone
	case f.Type == "url" || ac == "url" || urlWords.MatchString(words):
		return MeanURL
	case f.Type == "number":
		return MeanNumber
	case f.Type == "date":
		return MeanDate
	case ac == "username" || usernameWords.MatchString(words):
		return MeanUsername
	case ac == "given-name" || firstWords.MatchString(words):
		return MeanFirst
	case ac == "family-name" || lastWords.MatchString(words):
		return MeanLast
	case ac == "organization" || orgWords.MatchString(words):
		return MeanOrg
	case ac == "name" || ac == "nickname" || nameWords.MatchString(words):
		return MeanName
	case f.Tag == "textarea":
		return MeanText
	}
	return MeanOtherText
}

// roleOf is the role a field's value plays in a submission the audit replays ("" for the fields it keeps as filled).
func roleOf(m Meaning) Role {
	switch m {
	case MeanEmail:
		return Email
	case MeanPassword, MeanConfirm:
		return Password
	case MeanUsername:
		return Username
	case MeanName:
		return Name
	}
	return ""
}

// Filler fills a form like a careful person: it reads what each field asks for and what the page states about it
// (required, pattern, minlength and maxlength, a select's options) and types a value that meets it — the same
// password in both password fields, a username such as lr-audit-3f9a, the terms ticked, a required select's first
// real option. After a refusal, Retry adjusts the fields the app complained about, once.
type Filler struct {
	// Values are what the caller wants typed: the address, the password, and optionally a name or username.
	Values Values
	// Secret, when set, is told every password the filler adjusted (lengthened, given a digit) before typing it, so
	// that one is redacted too.
	Secret func(string)
	// ExactPassword types the password as given, whatever the page or the app asks (a weak password tried on
	// purpose).
	ExactPassword bool
	// Typed is what the last Fill put in, by role: what the app's request is learnt from, and what the account
	// logs in with (a password the filler had to lengthen included).
	Typed Values

	suffix  string
	simpler map[Meaning]int // how many steps simpler a meaning's value is made, after a retry
	hints   map[Meaning]hint
	fields  []browser.Field
	mean    []Meaning
	typed   []string
}

// hint is what the app's message asked of a field's value.
type hint struct {
	min, max                 int
	upper, digit, symbol     bool
	lower, lettersAndDigits  bool
	noDash, noSpace, noUpper bool
}

// NewFiller returns a filler for v.
func NewFiller(v Values) *Filler {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return &Filler{Values: v, suffix: hex.EncodeToString(b), simpler: map[Meaning]int{}, hints: map[Meaning]hint{}}
}

// Fill decides a value for each field (browser.Filler).
func (f *Filler) Fill(fields []browser.Field) []string {
	f.fields, f.mean = fields, Classify(fields)
	f.typed = make([]string, len(fields))
	f.Typed = Values{}
	// One password in every password field, meeting the rules of all of them.
	var pw browser.Field
	for i, fd := range fields {
		if f.mean[i] == MeanPassword || f.mean[i] == MeanConfirm {
			pw.MinLength = max(pw.MinLength, fd.MinLength)
			if fd.MaxLength > 0 && (pw.MaxLength == 0 || fd.MaxLength < pw.MaxLength) {
				pw.MaxLength = fd.MaxLength
			}
		}
	}
	for i, fd := range fields {
		if f.mean[i] == MeanPassword || f.mean[i] == MeanConfirm {
			fd = pw
		}
		v := f.value(fd, f.mean[i])
		f.typed[i] = v
		if r := roleOf(f.mean[i]); r != "" && v != "" {
			if _, ok := f.Typed[r]; !ok {
				f.Typed[r] = v
			}
		}
		// A password the filler had to adjust is a new secret; the caller's own is the caller's to register (a weak
		// one tried on purpose, "password", must never become one: every word "password" would be redacted).
		if (f.mean[i] == MeanPassword || f.mean[i] == MeanConfirm) && f.Secret != nil && v != "" && v != f.Values[Password] {
			f.Secret(v)
		}
	}
	return f.typed
}

// Said lists what the last Fill typed, one "title: value" per field, passwords hidden.
func (f *Filler) Said() string {
	var parts []string
	for i, fd := range f.fields {
		v := f.typed[i]
		switch {
		case v == "":
			continue
		case f.mean[i] == MeanPassword || f.mean[i] == MeanConfirm:
			v = "(a password, not shown)"
		case fd.Type == "checkbox" || fd.Type == "radio":
			v = "ticked"
		default:
			v = strconv.Quote(v)
		}
		parts = append(parts, fd.Title()+" = "+v)
	}
	return strings.Join(parts, ", ")
}

// value is what goes into one field ("" leaves it as the page has it).
func (f *Filler) value(fd browser.Field, m Meaning) string {
	switch m {
	case MeanSelect:
		if fd.Value != "" {
			return ""
		}
		for _, o := range fd.Options {
			if strings.TrimSpace(o) != "" {
				return o
			}
		}
		return ""
	case MeanTerms:
		if fd.Checked {
			return ""
		}
		return "on"
	case MeanCheckbox:
		return ""
	case MeanEmail:
		if v := f.Values[Email]; v != "" {
			return v
		}
		return ""
	case MeanPassword, MeanConfirm:
		return f.password(fd)
	}
	if fd.Value != "" && m != MeanUsername && m != MeanName {
		return "" // the page filled it in already
	}
	optional := !fd.Required
	switch m {
	case MeanUsername:
		if v := f.Values[Username]; v != "" && f.simpler[m] == 0 {
			return v
		}
		return f.pick(fd, m, f.usernames())
	case MeanName:
		if v := f.Values[Name]; v != "" && f.simpler[m] == 0 {
			return v
		}
		return f.pick(fd, m, []string{"Launch Ready Audit", "LaunchReady Audit", "Launch Ready", "LaunchReady", "Launch"})
	case MeanFirst:
		return f.pick(fd, m, []string{"Launch", "Lr"})
	case MeanLast:
		return f.pick(fd, m, []string{"Audit", "Lr"})
	case MeanOrg:
		return f.pick(fd, m, []string{"Launch Ready Audit", "LaunchReady", "lr-audit-" + f.suffix, "lraudit" + f.suffix})
	case MeanPhone:
		if optional {
			return ""
		}
		return f.pick(fd, m, []string{"+15555550123", "5555550123", "555-555-0123"})
	case MeanURL:
		if optional {
			return ""
		}
		return f.pick(fd, m, []string{"https://example.com"})
	case MeanNumber:
		if optional {
			return ""
		}
		return "1"
	case MeanDate:
		if optional {
			return ""
		}
		return "2000-01-01"
	case MeanText, MeanOtherText:
		if optional {
			return ""
		}
		return f.pick(fd, m, []string{"Launch Ready audit", "LaunchReady", "lraudit" + f.suffix})
	}
	return ""
}

// usernames are a username's candidates, from the friendliest to the simplest: lowercase letters, digits and
// one kind of separator at most, ending with the filler's random part so each run gets a fresh one.
func (f *Filler) usernames() []string {
	s := f.suffix
	return []string{"lr-audit-" + s, "lraudit" + s, "lr_audit_" + s, "lr.audit." + s, "LrAudit" + s, "lr" + s, "u" + s + s}
}

// pick returns the first candidate, from the step a retry asked for on, that meets the field's stated rules and the
// app's hints; the simplest one fitted to the length rules when none does.
func (f *Filler) pick(fd browser.Field, m Meaning, candidates []string) string {
	h := f.hints[m]
	start := min(f.simpler[m], len(candidates)-1)
	var re *regexp.Regexp
	if fd.Pattern != "" {
		re, _ = regexp.Compile(`^(?:` + fd.Pattern + `)$`)
	}
	for _, c := range candidates[start:] {
		c = fitLength(c, fd, h)
		if (re == nil || re.MatchString(c)) && h.allows(c) {
			return c
		}
	}
	return fitLength(candidates[len(candidates)-1], fd, h)
}

// allows reports whether s keeps to what the app's message asked.
func (h hint) allows(s string) bool {
	switch {
	case h.noDash && strings.ContainsAny(s, "-_."),
		h.lettersAndDigits && strings.IndexFunc(s, func(r rune) bool { return !isAlnum(r) }) >= 0,
		h.noSpace && strings.Contains(s, " "),
		(h.noUpper || h.lower) && strings.ToLower(s) != s:
		return false
	}
	return true
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// fitLength cuts or pads s to the field's minlength/maxlength and the app's stated bounds, keeping its end (the
// random part of a username).
func fitLength(s string, fd browser.Field, h hint) string {
	maxLen, minLen := fd.MaxLength, fd.MinLength
	if h.max > 0 && (maxLen == 0 || h.max < maxLen) {
		maxLen = h.max
	}
	if h.min > minLen {
		minLen = h.min
	}
	if maxLen > 0 && len(s) > maxLen {
		tail := min(4, maxLen)
		s = s[:maxLen-tail] + s[len(s)-tail:]
	}
	for len(s) < minLen {
		s += "0"
	}
	return s
}

// password is the caller's password, made to meet the field's rules and the app's hints.
func (f *Filler) password(fd browser.Field) string {
	p := f.Values[Password]
	if p == "" || f.ExactPassword {
		return p
	}
	h := f.hints[MeanPassword]
	if h.upper && strings.ToLower(p) == p {
		p += "Q"
	}
	if h.lower && strings.ToUpper(p) == p {
		p += "q"
	}
	if h.digit && !strings.ContainsAny(p, "0123456789") {
		p += "7"
	}
	if h.symbol && strings.IndexFunc(p, func(r rune) bool { return !isAlnum(r) }) < 0 {
		p += "!"
	}
	minLen := max(fd.MinLength, h.min)
	for i := 0; len(p) < minLen; i++ {
		p += string("Aa9!"[i%4])
	}
	if maxLen := fd.MaxLength; (h.max > 0 && h.max < maxLen) || maxLen == 0 {
		maxLen = h.max
		if maxLen > 0 && len(p) > maxLen && maxLen >= 4 {
			p = p[:maxLen-3] + "a9!"
		}
	} else if len(p) > maxLen && maxLen >= 4 {
		p = p[:maxLen-3] + "a9!"
	}
	return p
}

var (
	atMost       = regexp.MustCompile(`(?i)(?:at most|max(?:imum)?(?: of| length(?: is)?)?|no (?:more|longer) than|up to|shorter than|cannot exceed|exceed)\s*(\d+)|(\d+)\s*(?:characters?|chars?)?\s*(?:or (?:less|fewer)|max(?:imum)?)`)
	atLeast      = regexp.MustCompile(`(?i)(?:at least|min(?:imum)?(?: of| length(?: is)?)?|cannot be (?:less|shorter) than|longer than|more than)\s*(\d+)`)
	between      = regexp.MustCompile(`(\d+)\s*(?:[-–—]|to|and)\s*(\d+)`)
	needsUpper   = regexp.MustCompile(`(?i)upper ?case|capital`)
	needsLower   = regexp.MustCompile(`(?i)(?:one|a|least one) lower ?case`)
	needsDigit   = regexp.MustCompile(`(?i)digit|number|numeral`)
	needsSymbol  = regexp.MustCompile(`(?i)special|symbol|punctuation|non-alphanumeric`)
	onlyAlnum    = regexp.MustCompile(`(?i)only (?:contain )?(?:lowercase )?(?:letters|alphanumeric)|alphanumeric only|letters and (?:numbers|digits) only|may only contain|can only contain|must only contain|invalid characters?|not allowed|forbidden`)
	onlyLower    = regexp.MustCompile(`(?i)lower ?case`)
	lettersWords = regexp.MustCompile(`(?i)letters|alphanumeric|characters`)
)

// bounds reads the length bounds an app's message states: "at most 15", "at least 10", "3–15 characters".
func bounds(msg string) (lo, hi int) {
	if m := between.FindStringSubmatch(msg); m != nil {
		lo, _ = strconv.Atoi(m[1])
		hi, _ = strconv.Atoi(m[2])
		if lo > hi {
			lo, hi = 0, 0
		}
	}
	if m := atMost.FindStringSubmatch(msg); m != nil {
		for _, g := range m[1:] {
			if v, err := strconv.Atoi(g); err == nil && v > 0 {
				hi = v
			}
		}
	}
	if m := atLeast.FindStringSubmatch(msg); m != nil {
		lo, _ = strconv.Atoi(m[1])
		if l := strings.ToLower(m[0]); strings.Contains(l, "longer than") || strings.Contains(l, "more than") {
			lo++
		}
	}
	return lo, hi
}

// Retry reads the app's answer to a refused submit and adjusts, once, the fields it complained about: a shorter or
// simpler username, a password with the digit or capital asked for. It returns what it changed ("" when the
// answer names nothing it can adjust: the address is taken, or the app said nothing about a field).
func (f *Filler) Retry(res *browser.FormResult) string {
	if res == nil || len(f.fields) == 0 {
		return ""
	}
	var changed []string
	for i, msg := range f.complaints(res) {
		m := f.mean[i]
		if m == MeanEmail || m == MeanSelect || m == MeanCheckbox || m == MeanTerms {
			continue // an address taken or refused is the answer itself, not something to adjust
		}
		key := m
		if m == MeanConfirm {
			key = MeanPassword
		}
		h := f.hints[key]
		if lo, hi := bounds(msg); hi > 0 || lo > 0 {
			h.min, h.max = max(h.min, lo), hi
		}
		if key == MeanPassword {
			h.upper = h.upper || needsUpper.MatchString(msg)
			h.digit = h.digit || needsDigit.MatchString(msg)
			h.symbol = h.symbol || needsSymbol.MatchString(msg)
			h.lower = h.lower || needsLower.MatchString(msg)
		} else {
			h.lettersAndDigits = h.lettersAndDigits || (onlyAlnum.MatchString(msg) && lettersWords.MatchString(msg) && !strings.Contains(msg, "-") && !strings.Contains(msg, "dash"))
			h.noDash = h.noDash || onlyAlnum.MatchString(msg)
			h.noUpper = h.noUpper || onlyLower.MatchString(msg)
			h.noSpace = true
		}
		f.hints[key] = h
		f.simpler[key]++
		before := f.typed[i]
		after := f.value(f.fields[i], m)
		if key == MeanPassword {
			after = f.password(browser.Field{MinLength: f.fields[i].MinLength, MaxLength: f.fields[i].MaxLength})
		}
		if m == MeanPassword || m == MeanConfirm {
			if before != after {
				changed = append(changed, f.fields[i].Title()+": a password adjusted to what the app asked")
			}
			continue
		}
		if before != after {
			changed = append(changed, fmt.Sprintf("%s: %q instead of %q", f.fields[i].Title(), after, before))
		}
	}
	slices.Sort(changed)
	return strings.Join(slices.Compact(changed), "; ")
}

// Submit fills and submits the form of the kind on page u (the page as it is when u is "") with f. When the app
// refuses it and names a field f can adjust (a username's characters, a password's length), f adjusts that field
// and the form is submitted once more from its page. first is the refused answer when there was a retry (nil
// otherwise), retried what was changed.
func Submit(ctx context.Context, p *browser.Page, u, kind string, f *Filler) (res, first *browser.FormResult, retried string, err error) {
	return SubmitIn(ctx, p, nil, u, kind, f)
}

// SubmitIn is Submit for a form in a dialog on page u, shown by clicking buttons whose whole texts match dialogs,
// in order (see browser.Page.OpenDialog: a "Sign in" that opens a dialog, then its "Forgot password?"); none for a
// form on the page itself. The dialog is opened before each submission.
func SubmitIn(ctx context.Context, p *browser.Page, dialogs []string, u, kind string, f *Filler) (res, first *browser.FormResult, retried string, err error) {
	show := func(u string) string { return Show(p, dialogs, u) }
	res, err = p.SubmitForm(ctx, show(u), kind, f)
	if err != nil || !res.Refused() {
		return res, nil, "", err
	}
	if retried = f.Retry(res); retried == "" {
		return res, nil, "", nil
	}
	again, err := p.SubmitForm(ctx, show(res.Page), kind, f)
	if err != nil {
		return res, nil, "", nil // the first answer stands
	}
	return again, res, retried, nil
}

// Show opens page u on p and, for a form in a dialog (dialogs are the whole texts of the buttons that show it, in
// order), the dialog; it returns the page to pass to SubmitForm: "" once the form is shown, u when SubmitForm is to
// open it (no dialog, or the page did not open: SubmitForm then says why). Without the form after the clicks,
// SubmitForm says there is none.
func Show(p *browser.Page, dialogs []string, u string) string {
	if len(dialogs) == 0 || u != "" && p.Goto(u) != nil {
		return u
	}
	for _, d := range dialogs {
		if !p.OpenDialog(d) {
			break
		}
	}
	return ""
}

// complaints are the fields of the last Fill the app's answer blames, with what it said of each: the fields it
// marked, else the fields its message names in words.
func (f *Filler) complaints(res *browser.FormResult) map[int]string {
	complaints := map[int]string{}
	for _, p := range res.Problems {
		for i, fd := range f.fields {
			if p.Field != "" && (strings.EqualFold(p.Field, fd.Title()) || p.Field == fd.Name || p.Field == fd.ID) {
				complaints[i] = p.Message
				if p.Message == "" {
					complaints[i] = res.Alert // a field marked wrong, the reason in the flash
				}
			}
		}
	}
	if len(complaints) == 0 && res.Alert != "" {
		// A flash names its field in words: "Username can only contain…", "The passwords do not match".
		msg := strings.ToLower(res.Alert)
		for i, fd := range f.fields {
			for _, w := range []string{fd.Title(), fd.Name, string(f.mean[i])} {
				if w = strings.ToLower(strings.TrimSpace(w)); len(w) >= 3 && strings.Contains(msg, strings.TrimSuffix(w, "s")) {
					complaints[i] = res.Alert
					break
				}
			}
		}
	}
	return complaints
}

// Blamed are the meanings of the fields the answer blames ("username", "password"…), each once.
func (f *Filler) Blamed(res *browser.FormResult) []Meaning {
	var out []Meaning
	for i := range f.complaints(res) {
		if !slices.Contains(out, f.mean[i]) {
			out = append(out, f.mean[i])
		}
	}
	slices.Sort(out)
	return out
}

// Again is a filler for other values that keeps what retries taught this one (a simpler username, a longer
// password), with a fresh random part: a second valid submission of the same form.
func (f *Filler) Again(v Values) *Filler {
	g := NewFiller(v)
	g.Secret = f.Secret
	for k, n := range f.simpler {
		g.simpler[k] = n
	}
	for k, h := range f.hints {
		g.hints[k] = h
	}
	return g
}
