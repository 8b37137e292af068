package account

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

func in(typ, name, label string) browser.Field {
	return browser.Field{Tag: "input", Type: typ, Name: name, ID: name, Label: label}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		fields []browser.Field
		want   []Meaning
	}{
		{"gitea-style sign-up", []browser.Field{
			{Tag: "input", Type: "text", Name: "user_name", Label: "Username", Autocomplete: "username", Required: true},
			in("email", "email", "Email Address"), in("password", "password", "Password"), in("password", "retype", "Confirm Password"),
			{Tag: "select", Type: "select", Name: "visibility", Options: []string{"", "public"}},
			{Tag: "input", Type: "checkbox", Name: "agree", Label: "I agree to the Terms of Service"},
		}, []Meaning{MeanUsername, MeanEmail, MeanPassword, MeanConfirm, MeanSelect, MeanTerms}},
		{"a login by username or address", []browser.Field{
			{Tag: "input", Type: "text", Name: "user_name", Label: "Username or Email Address", Autocomplete: "username"},
			in("password", "password", "Password"),
		}, []Meaning{MeanEmail, MeanPassword}},
		{"names, a company, a phone and a newsletter box", []browser.Field{
			{Tag: "input", Type: "text", Name: "fname", Label: "First name", Autocomplete: "given-name"},
			in("text", "last_name", "Last name"), in("text", "company", "Company"), in("tel", "mobile", "Mobile"),
			in("text", "full_name", "Your name"), in("email", "work", "Work email"),
			in("checkbox", "newsletter", "Send me the newsletter"), in("password", "pw", "Choose a password"),
		}, []Meaning{MeanFirst, MeanLast, MeanOrg, MeanPhone, MeanName, MeanEmail, MeanCheckbox, MeanPassword}},
		{"a handle and a repeat field named like the first", []browser.Field{
			in("text", "handle", "Handle"), in("email", "email", "Email"), in("password", "password", "Password"),
			in("password", "password2", "Repeat password"),
		}, []Meaning{MeanUsername, MeanEmail, MeanPassword, MeanConfirm}},
		{"a reset request: one address field", []browser.Field{in("email", "email", "Email")}, []Meaning{MeanEmail}},
		{"a reset page: new password twice", []browser.Field{in("password", "new", "New password"), in("password", "new2", "New password")},
			[]Meaning{MeanPassword, MeanConfirm}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.fields); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// A careful person meets what the page states: pattern, lengths, a required select, the terms, both passwords.
func TestFillerMeetsTheFormsRules(t *testing.T) {
	fields := []browser.Field{
		{Tag: "input", Type: "text", Name: "login", Label: "Username", Pattern: "[a-z0-9]+", MaxLength: 12, Required: true},
		in("email", "email", "Email"),
		{Tag: "input", Type: "password", Name: "password", Label: "Password", MinLength: 40},
		in("password", "confirm", "Confirm password"),
		{Tag: "select", Type: "select", Name: "plan", Required: true, Options: []string{"", "free", "team"}},
		{Tag: "input", Type: "checkbox", Name: "tos", Label: "I accept the terms", Required: true},
		{Tag: "input", Type: "checkbox", Name: "news", Label: "Newsletter"},
		{Tag: "input", Type: "text", Name: "display_name", Label: "Display name", MaxLength: 6},
		{Tag: "input", Type: "tel", Name: "phone", Label: "Phone (optional)"},
	}
	f := NewFiller(Values{Email: "a@b.test", Password: "Lr-strong-Pass-1"})
	got := f.Fill(fields)
	user := got[0]
	if !regexp.MustCompile(`^[a-z0-9]{1,12}$`).MatchString(user) {
		t.Errorf("username %q breaks pattern [a-z0-9]+ or maxlength 12", user)
	}
	if got[1] != "a@b.test" || len(got[2]) < 40 || got[2] != got[3] || !strings.HasPrefix(got[2], "Lr-strong-Pass-1") {
		t.Errorf("address %q, passwords %q / %q: want the address, and the same password of 40+ characters in both", got[1], got[2], got[3])
	}
	if got[4] != "free" || got[5] == "" || got[6] != "" || len(got[7]) > 6 || got[8] != "" {
		t.Errorf("select %q (want free), terms %q (want ticked), newsletter %q (want untouched), name %q (want ≤ 6), phone %q (want empty)",
			got[4], got[5], got[6], got[7], got[8])
	}
	if f.Typed[Username] != user || f.Typed[Password] != got[2] {
		t.Errorf("Typed = %v", f.Typed)
	}
	if said := f.Said(); strings.Contains(said, "Lr-strong") || !strings.Contains(said, `Username = "`+user+`"`) {
		t.Errorf("Said() = %q: want the username and no password", said)
	}
}

// After a refusal the filler adjusts only what the app's message names, and says what it changed.
func TestFillerRetry(t *testing.T) {
	signup := []browser.Field{in("text", "handle", "Handle"), in("email", "email", "Email"), in("password", "password", "Password"),
		in("password", "password2", "Repeat password")}
	tests := []struct {
		name    string
		answer  browser.FormResult
		check   func(t *testing.T, typed []string)
		changed bool
	}{
		{"a field error: lowercase letters and numbers, 3–15", browser.FormResult{Problems: []browser.Problem{
			{Field: "Handle", Message: "Handle may only contain lowercase letters and numbers (3–15 characters)."}}},
			func(t *testing.T, typed []string) {
				if !regexp.MustCompile(`^[a-z0-9]{3,15}$`).MatchString(typed[0]) {
					t.Errorf("handle %q", typed[0])
				}
			}, true},
		{"a flash that names the field by what it is", browser.FormResult{Alert: "Username can only contain letters and numbers."},
			func(t *testing.T, typed []string) {
				if strings.ContainsAny(typed[0], "-_.") {
					t.Errorf("handle %q", typed[0])
				}
			}, true}, // the Handle field is a username
		{"a password rule", browser.FormResult{Problems: []browser.Problem{{Field: "Password", Message: "Use at least 30 characters and one number."}}},
			func(t *testing.T, typed []string) {
				if len(typed[2]) < 30 || typed[2] != typed[3] || !strings.ContainsAny(typed[2], "0123456789") {
					t.Errorf("password %q / %q", typed[2], typed[3])
				}
			}, true},
		{"the address is taken: the answer itself", browser.FormResult{Problems: []browser.Problem{{Field: "Email", Message: "An account with this email already exists."}}},
			func(t *testing.T, typed []string) {}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFiller(Values{Email: "a@b.test", Password: "Pass-word"})
			first := f.Fill(signup)
			tt.answer.Fields = signup
			changed := f.Retry(&tt.answer)
			if (changed != "") != tt.changed {
				t.Fatalf("Retry() = %q, want a change: %v", changed, tt.changed)
			}
			again := f.Fill(signup)
			if !tt.changed && !slices.Equal(first, again) {
				t.Errorf("nothing to adjust, yet %q became %q", first, again)
			}
			tt.check(t, again)
		})
	}
	// A flash that names the field adjusts it: Gitea's message, on a form whose field is "Username".
	fields := []browser.Field{{Tag: "input", Type: "text", Name: "user_name", Label: "Username"}, in("email", "email", "Email"), in("password", "password", "Password")}
	f := NewFiller(Values{Email: "a@b.test", Password: "Pass-word-123"})
	before := f.Fill(fields)[0]
	changed := f.Retry(&browser.FormResult{Alert: "Username can only contain alphanumeric characters. It cannot begin or end with non-alphanumeric characters."})
	after := f.Fill(fields)[0]
	if changed == "" || before == after || strings.ContainsAny(after, "-_.") {
		t.Errorf("Retry() = %q; username %q → %q: want a simpler one", changed, before, after)
	}
	// What a retry taught carries over to another submission of the same form, with a fresh random part.
	g := f.Again(Values{Email: "c@b.test", Password: "Pass-word-456"})
	other := g.Fill(fields)[0]
	if other == after || strings.ContainsAny(other, "-_.") {
		t.Errorf("Again(): username %q after %q: want another simple one", other, after)
	}
}

func TestBounds(t *testing.T) {
	tests := []struct {
		msg    string
		lo, hi int
	}{
		{"Password length cannot be less than 8 characters.", 8, 0},
		{"Handle may only contain lowercase letters and numbers (3–15 characters).", 3, 15},
		{"must be at most 20 characters", 0, 20},
		{"between 6 and 64 characters", 6, 64},
		{"must be longer than 9 characters", 10, 0},
		{"The passwords do not match.", 0, 0},
	}
	for _, tt := range tests {
		if lo, hi := bounds(tt.msg); lo != tt.lo || hi != tt.hi {
			t.Errorf("bounds(%q) = %d, %d; want %d, %d", tt.msg, lo, hi, tt.lo, tt.hi)
		}
	}
}

func TestFreshLike(t *testing.T) {
	for _, s := range []string{"lr-audit-3f9a", "lraudit3f9a", "lr3f9a"} {
		got := freshLike(s)
		if len(got) != len(s) || got[:len(s)-4] != s[:len(s)-4] {
			t.Errorf("freshLike(%q) = %q: want the same shape", s, got)
		}
	}
	if got := freshLike("ada"); got != "ada" {
		t.Errorf("freshLike(ada) = %q: a name without a random part stays", got)
	}
}

// A page's own words: the flash, not the label of a field whose container has an "error" class.
func TestAnswer(t *testing.T) {
	const formPage = `<main>%s<form method="post" action="/user/sign_up"><div class="required field error"><label for="u">Username</label>
<input id="u" name="user_name"></div><input type="email" name="email"><input type="password" name="password"></form></main>`
	page := func(flash string) []byte { return []byte(strings.Replace(formPage, "%s", flash, 1)) }
	sub := &Submission{Kind: Signup, Page: "https://app.test/user/sign_up"}
	tests := []struct {
		name   string
		resp   probe.Response
		want   Outcome
		saying string
	}{
		{"the form back with a flash", probe.Response{Status: 200, Body: page(`<div class="ui negative message flash-error"><p>Username can only contain alphanumeric characters.</p></div>`)},
			Invalid, "Username can only contain"},
		{"the form back, no flash", probe.Response{Status: 200, Body: page("")}, Invalid, ""},
		{"a page without the form", probe.Response{Status: 200, Body: []byte(`<main><div class="flash-success">A confirmation mail was sent.</div></main>`)}, Accepted, "confirmation mail"},
		{"a redirect onwards", probe.Response{Status: 303, Header: http.Header{"Location": {"/user/login"}}}, Accepted, ""},
		{"a redirect back to the form", probe.Response{Status: 302, Header: http.Header{"Location": {"/user/sign_up"}}}, Invalid, "back to the form"},
		{"JSON field errors", probe.Response{Status: 422, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"errors":{"handle":"Handle may only contain lowercase letters"}}`)},
			Invalid, "Handle may only"},
		{"JSON created", probe.Response{Status: 201, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"id":"u_1","message":"Check your inbox"}`)}, Accepted, "Check your inbox"},
		{"JSON 200 with ok false", probe.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"ok":false,"error":"taken"}`)}, Invalid, "taken"},
		{"a crash", probe.Response{Status: 500, Body: []byte("boom")}, Errored, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.resp.URL = sub.Page
			if tt.resp.Header == nil {
				tt.resp.Header = http.Header{"Content-Type": {"text/html"}}
			}
			got, said := sub.Answer(&tt.resp)
			if got != tt.want || !strings.Contains(said, tt.saying) {
				t.Errorf("Answer() = %s %q; want %s saying %q", got, said, tt.want, tt.saying)
			}
			if strings.TrimSpace(said) == "Username" {
				t.Errorf("quoted the label")
			}
		})
	}
}

// The server's form is read with the same eyes: a strict username gets a valid one, the terms are ticked, the
// required select gets its first real option, and every submission gets a fresh username.
func TestFormInFillsLikeAPerson(t *testing.T) {
	page := []byte(`<form method="post" action="/user/sign_up"><input type="hidden" name="_csrf" value="tok">
<label for="user_name">Username</label><input id="user_name" name="user_name" required maxlength="40" pattern="[0-9A-Za-z]+">
<label for="email">Email</label><input type="email" id="email" name="email" required>
<input type="password" name="password" minlength="8"><label for="retype">Confirm Password</label><input type="password" id="retype" name="retype">
<select name="visibility" required><option value="">Choose…</option><option value="public">Public</option></select>
<label><input type="checkbox" name="agree" required> I agree to the Terms</label><label><input type="checkbox" name="news"> News</label>
<button>Register Account</button></form>`)
	sub, err := FormIn(page, "https://app.test/user/sign_up", Signup)
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for range 2 {
		req, err := sub.Request(Values{Email: "new@app.test", Password: "Strong-Pass-1"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		form, _ := url.ParseQuery(string(req.Body))
		if form.Get("_csrf") != "tok" || form.Get("email") != "new@app.test" || form.Get("password") != "Strong-Pass-1" || form.Get("retype") != "Strong-Pass-1" ||
			form.Get("visibility") != "public" || form.Get("agree") != "on" || form.Has("news") {
			t.Errorf("body %s", req.Body)
		}
		if !regexp.MustCompile(`^[0-9A-Za-z]+$`).MatchString(form.Get("user_name")) {
			t.Errorf("username %q breaks the pattern", form.Get("user_name"))
		}
		users = append(users, form.Get("user_name"))
	}
	if users[0] == users[1] {
		t.Errorf("two submissions, one username %q: the second sign-up would be refused as taken", users[0])
	}
}

// Only a password the filler adjusted becomes a secret of the audit: a weak one typed on purpose ("password") must
// not, or every word "password" in the report would be redacted.
func TestFillerSecrets(t *testing.T) {
	fields := []browser.Field{in("email", "email", "Email"), {Tag: "input", Type: "password", Name: "pw", MinLength: 12}}
	var secrets []string
	weak := NewFiller(Values{Email: "a@b.test", Password: "password"})
	weak.ExactPassword, weak.Secret = true, func(s string) { secrets = append(secrets, s) }
	if got := weak.Fill(fields); got[1] != "password" || len(secrets) > 0 {
		t.Errorf("typed %q, registered %q: want the weak password as given and no secret", got[1], secrets)
	}
	strong := NewFiller(Values{Email: "a@b.test", Password: "Lr-short-1"})
	strong.Secret = func(s string) { secrets = append(secrets, s) }
	got := strong.Fill(fields)
	if len(got[1]) < 12 || !slices.Equal(secrets, []string{got[1]}) {
		t.Errorf("typed %q, registered %q: want the lengthened password registered", got[1], secrets)
	}
}
