package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The account flows: sign-up with email verification, password reset, invitations. Each flaw of issue #7 is one
// `if a.has(...)` here.

const (
	resetLifetime  = time.Hour
	inviteLifetime = 7 * 24 * time.Hour
)

// commonPasswords are refused at sign-up by the hardened demo (the top of every breach list).
var commonPasswords = []string{"123456", "password", "12345678", "qwerty", "123456789", "111111", "password1", "iloveyou"}

func (a *app) signupPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, pageData{Title: "Sign up", Form: signupForm, CSRF: randomSecret()})
}

// passwordProblem says why a new password is refused ("" when it is fine).
func (a *app) passwordProblem(p string) string {
	if a.has(FlawWeakPasswords) {
		if len(p) < 6 {
			return "Use at least 6 characters."
		}
		return ""
	}
	if len(p) < 10 || slices.Contains(commonPasswords, strings.ToLower(p)) {
		return "Choose a password of at least 10 characters that is not a common one."
	}
	return ""
}

// signup creates an unverified account with a community of its own and mails a confirmation link. Without
// verification (flaw) it logs the account in at once.
func (a *app) signup(w http.ResponseWriter, r *http.Request) {
	if !a.has(FlawNoSignupLimit) && a.limited(w, "signup-ip:"+clientIP(r)) {
		return
	}
	a.failed("signup-ip:" + clientIP(r)) // every attempt counts against the window
	name, email, password := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	if name == "" || !strings.Contains(email, "@") {
		a.render(w, http.StatusBadRequest, pageData{Title: "Sign up", Form: signupForm, CSRF: randomSecret(), Error: "Give a name and a valid email."})
		return
	}
	if msg := a.passwordProblem(password); msg != "" {
		a.render(w, http.StatusBadRequest, pageData{Title: "Sign up", Form: signupForm, CSRF: randomSecret(), Error: msg})
		return
	}
	checkMail := pageData{Title: "Sign up", Message: "Check your email to continue."}
	if a.userByEmail(email) != nil {
		if a.has(FlawEnumeration) {
			a.render(w, http.StatusConflict, pageData{Title: "Sign up", Form: signupForm, CSRF: randomSecret(), Error: "An account with this email already exists."})
			return
		}
		a.render(w, http.StatusOK, checkMail)
		return
	}
	token := randomSecret() + randomSecret()
	a.mu.Lock()
	a.writes.Add(1)
	c := community{ID: len(a.communities) + 1, Slug: fmt.Sprintf("c%d", len(a.communities)+1), Name: name + "'s community"}
	a.communities = append(a.communities, c)
	u := &user{ID: len(a.users) + 1, Email: email, Name: name, pwHash: hashPassword(password), Community: c.ID}
	a.users = append(a.users, u)
	a.verifications[token] = pending{UserID: u.ID, Email: email, Expires: time.Now().Add(24 * time.Hour)}
	a.mu.Unlock()
	site := a.origin
	if a.has(FlawLocalhostLinks) {
		site = "http://localhost:3000"
	}
	a.send(email, "Confirm your email", "Welcome to the community! Confirm your address to finish signing up. The link works once and expires in 24 hours.",
		site+"/verify?token="+token)
	if a.has(FlawNoVerification) {
		a.startSession(w, r, u)
		return
	}
	a.render(w, http.StatusOK, checkMail)
}

// verify confirms the address of the link's account; the link works once (reusable with the flaw).
func (a *app) verify(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	token := r.URL.Query().Get("token")
	a.mu.Lock()
	p, ok := a.verifications[token]
	if ok && !a.has(FlawNoVerification) {
		delete(a.verifications, token)
	}
	if ok && time.Now().Before(p.Expires) {
		for _, u := range a.users {
			if u.ID == p.UserID {
				u.Verified = true
			}
		}
	}
	a.mu.Unlock()
	if !ok || time.Now().After(p.Expires) {
		a.render(w, http.StatusBadRequest, pageData{Title: "Confirm your email", Error: "This link is invalid or has expired."})
		return
	}
	a.render(w, http.StatusOK, pageData{Title: "Email confirmed", Message: "Your email is confirmed. You can log in now.", Links: []link{{"/login", "Log in"}}})
}

func (a *app) userByEmail(email string) *user {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, u := range a.users {
		if strings.EqualFold(u.Email, email) {
			return u
		}
	}
	return nil
}

func (a *app) forgotPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, pageData{Title: "Reset your password", Form: forgotForm, CSRF: randomSecret()})
}

// forgot answers the same whether or not the address has an account (unless enumeration is the flaw), and mails a
// one-hour, single-use link.
func (a *app) forgot(w http.ResponseWriter, r *http.Request) {
	if !a.has(FlawNoResetLimit) && a.limited(w, "reset-ip:"+clientIP(r)) {
		return
	}
	a.failed("reset-ip:" + clientIP(r)) // every request counts against the window
	email := strings.TrimSpace(r.PostFormValue("email"))
	u := a.userByEmail(email)
	if u == nil && a.has(FlawEnumeration) {
		a.render(w, http.StatusNotFound, pageData{Title: "Reset your password", Form: forgotForm, CSRF: randomSecret(), Error: "No account for that address."})
		return
	}
	if u != nil {
		token, expires, note := randomSecret()+randomSecret(), time.Now().Add(resetLifetime), "The link works once and expires in 1 hour."
		if a.has(FlawShortResetCode) {
			token = fmt.Sprintf("%06d", rand.IntN(1000000))
		}
		if a.has(FlawResetReusable) {
			expires, note = time.Now().Add(100*365*24*time.Hour), "You can use this link whenever you need it."
		}
		a.mu.Lock()
		a.writes.Add(1)
		a.resets[token] = pending{UserID: u.ID, Email: u.Email, Expires: expires}
		a.mu.Unlock()
		a.send(u.Email, "Reset your password", "Someone asked to reset your password. If it was you, choose a new one here. "+note, a.origin+"/reset?token="+token)
	}
	a.render(w, http.StatusOK, pageData{Title: "Reset your password", Message: "If an account exists for that address, we sent a link."})
}

func (a *app) resetPage(w http.ResponseWriter, r *http.Request) {
	if !a.has(FlawResetLeaksToken) {
		w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
	}
	f := &form{Action: "/reset?token=" + r.URL.Query().Get("token"), Submit: "Set password",
		Fields: []field{{"New password", "password", "password", "new-password"}}}
	a.render(w, http.StatusOK, pageData{Title: "Choose a new password", Form: f, CSRF: randomSecret(), Analytics: a.has(FlawResetLeaksToken)})
}

func (a *app) reset(w http.ResponseWriter, r *http.Request) {
	token, password := r.URL.Query().Get("token"), r.PostFormValue("password")
	a.mu.Lock()
	p, ok := a.resets[token]
	valid := ok && time.Now().Before(p.Expires) && a.passwordProblem(password) == ""
	if valid {
		if !a.has(FlawResetReusable) {
			delete(a.resets, token)
		}
		a.writes.Add(1)
		for _, u := range a.users {
			if u.ID == p.UserID {
				if a.has(FlawOldPasswordWorks) {
					u.legacyHash = u.pwHash
				}
				u.pwHash = hashPassword(password)
				u.Verified = true // the mail reached them
			}
		}
		if !a.has(FlawResetKeepsSessions) {
			for tok, id := range a.sessions { // a new password ends every old session
				if id == p.UserID {
					delete(a.sessions, tok)
				}
			}
		}
	}
	a.mu.Unlock()
	if !valid {
		a.render(w, http.StatusBadRequest, pageData{Title: "Choose a new password", Error: "This link is invalid or has expired."})
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

var inviteForm = &form{Action: "/settings/members", Submit: "Send invite", Fields: []field{{"Email", "email", "email", "email"}}}

// membersPage lists the caller's community and has the invite form.
func (a *app) membersPage(w http.ResponseWriter, r *http.Request) {
	u := a.currentUser(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	a.render(w, http.StatusOK, pageData{Title: "Members", User: u.Email, Form: inviteForm, CSRF: randomSecret(),
		Message: fmt.Sprintf("%d members", len(a.membersOf(u.Community)))})
}

func (a *app) invitePost(w http.ResponseWriter, r *http.Request) {
	u := a.currentUser(r)
	if u == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if a.inviteLimited(w, u) {
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	if !strings.Contains(email, "@") {
		a.render(w, http.StatusBadRequest, pageData{Title: "Members", User: u.Email, Form: inviteForm, CSRF: randomSecret(), Error: "Give a valid email."})
		return
	}
	a.invite(u, email)
	a.render(w, http.StatusOK, pageData{Title: "Members", User: u.Email, Form: inviteForm, CSRF: randomSecret(), Message: "Invitation sent to " + email + "."})
}

// apiInvite is the same invitation for the app's JavaScript.
func (a *app) apiInvite(w http.ResponseWriter, r *http.Request) {
	u := a.apiUser(w, r)
	if u == nil || a.inviteLimited(w, u) {
		return
	}
	var body struct {
		Email string `json:"email"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil || !strings.Contains(body.Email, "@") {
		a.apiError(w, http.StatusBadRequest, "send {\"email\": \"...\"}", err)
		return
	}
	a.invite(u, body.Email)
	w.WriteHeader(http.StatusCreated)
	writeJSON(w, map[string]string{"status": "invited"})
}

// inviteLimited answers 429 once u has sent five invites in a minute (hardened), and counts this one.
func (a *app) inviteLimited(w http.ResponseWriter, u *user) bool {
	key := "invite:" + strconv.Itoa(u.ID)
	if !a.has(FlawNoInviteLimit) && a.limited(w, key) {
		return true
	}
	a.failed(key)
	return false
}

// invite creates a single-use, seven-day invitation to u's community and mails it.
func (a *app) invite(u *user, email string) {
	token := randomSecret() + randomSecret()
	a.mu.Lock()
	a.writes.Add(1)
	a.invites[token] = pending{UserID: u.ID, Email: email, Community: u.Community, Expires: time.Now().Add(inviteLifetime)}
	name := a.communityOf(u).Name
	a.mu.Unlock()
	a.send(email, "You are invited to "+name, u.Name+" invited you to join "+name+". The invitation works once and expires in 7 days.",
		a.origin+"/invite/"+token)
}

func (a *app) acceptInvitePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	f := &form{Action: "/invite/" + r.PathValue("token"), Submit: "Join", Fields: []field{
		{"Name", "text", "name", "name"}, {"Password", "password", "password", "new-password"}}}
	if a.has(FlawInviteReusable) { // a shareable link: whoever has it joins with their own address
		f.Fields = append([]field{{"Email", "email", "email", "email"}}, f.Fields...)
	}
	a.render(w, http.StatusOK, pageData{Title: "Join the community", Form: f, CSRF: randomSecret()})
}

// acceptInvite makes the invited address a member of the inviting community, once. An address that is already
// a member is refused (the duplicate-membership flaw adds it again). With the reusable-invite flaw the link is
// shareable: it works again and again, for whatever address is typed.
func (a *app) acceptInvite(w http.ResponseWriter, r *http.Request) {
	token, password := r.PathValue("token"), r.PostFormValue("password")
	refuse := func(msg string) {
		a.render(w, http.StatusBadRequest, pageData{Title: "Join the community", Error: msg})
	}
	a.mu.Lock()
	p, ok := a.invites[token]
	if !ok || time.Now().After(p.Expires) {
		a.mu.Unlock()
		refuse("This invite is invalid or has expired.")
		return
	}
	if msg := a.passwordProblem(password); msg != "" {
		a.mu.Unlock()
		refuse(msg)
		return
	}
	email := p.Email
	if a.has(FlawInviteReusable) {
		if typed := strings.TrimSpace(r.PostFormValue("email")); typed != "" {
			email = typed
		}
	}
	if !a.has(FlawInviteDuplicate) {
		for _, u := range a.users {
			if strings.EqualFold(u.Email, email) && u.Community == p.Community {
				delete(a.invites, token)
				a.mu.Unlock()
				refuse("You are already a member of this community: log in instead.")
				return
			}
		}
	}
	if !a.has(FlawInviteReusable) {
		delete(a.invites, token)
	}
	a.writes.Add(1)
	u := &user{ID: len(a.users) + 1, Email: email, Name: r.PostFormValue("name"), pwHash: hashPassword(password), Community: p.Community, Verified: true}
	a.users = append(a.users, u)
	a.mu.Unlock()
	a.startSession(w, r, u)
}
