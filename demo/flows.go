package demo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// pending is a reset or invite token waiting to be used.
type pending struct {
	UserID    int // reset: whose password; invite: who invited
	Email     string
	Community int
	Expires   time.Time
}

// Mail is a message the demo app sent.
type Mail struct {
	To, Subject, Body string
}

const resetLifetime = time.Hour

func (a *app) signupPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, pageData{Title: "Sign up", Form: signupForm, CSRF: randomSecret()})
}

// signup creates the account and a community of its own, then logs it in.
func (a *app) signup(w http.ResponseWriter, r *http.Request) {
	name, email, password := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	if name == "" || !strings.Contains(email, "@") || len(password) < 8 {
		a.render(w, http.StatusBadRequest, pageData{Title: "Sign up", Form: signupForm, CSRF: randomSecret(),
			Error: "Give a name, a valid email and a password of at least 8 characters."})
		return
	}
	a.mu.Lock()
	for _, u := range a.users {
		if strings.EqualFold(u.Email, email) {
			a.mu.Unlock()
			a.render(w, http.StatusOK, pageData{Title: "Sign up", Message: "Check your email to continue."})
			return
		}
	}
	a.writes.Add(1)
	c := community{ID: len(a.communities) + 1, Slug: fmt.Sprintf("c%d", len(a.communities)+1), Name: name + "'s community"}
	a.communities = append(a.communities, c)
	u := &user{ID: len(a.users) + 1, Email: email, Name: name, pwHash: hashPassword(password), Community: c.ID}
	a.users = append(a.users, u)
	a.mu.Unlock()
	a.startSession(w, r, u)
}

func (a *app) forgotPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, pageData{Title: "Reset your password", Form: forgotForm, CSRF: randomSecret()})
}

// forgot answers the same whether or not the address has an account, and mails a one-hour, single-use link.
func (a *app) forgot(w http.ResponseWriter, r *http.Request) {
	if !a.has(FlawNoResetLimit) && a.limited(w, "reset-ip:"+clientIP(r)) {
		return
	}
	a.failed("reset-ip:" + clientIP(r)) // every request counts against the window
	email := strings.TrimSpace(r.PostFormValue("email"))
	a.mu.Lock()
	for _, u := range a.users {
		if strings.EqualFold(u.Email, email) {
			a.writes.Add(1)
			token := randomSecret() + randomSecret()
			a.resets[token] = pending{UserID: u.ID, Email: u.Email, Expires: time.Now().Add(resetLifetime)}
			a.outbox = append(a.outbox, Mail{To: u.Email, Subject: "Reset your password", Body: a.origin + "/reset?token=" + token})
		}
	}
	a.mu.Unlock()
	a.render(w, http.StatusOK, pageData{Title: "Reset your password", Message: "If an account exists for that address, we sent a link."})
}

func (a *app) resetPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
	f := &form{Action: "/reset?token=" + r.URL.Query().Get("token"), Submit: "Set password",
		Fields: []field{{"New password", "password", "password", "new-password"}}}
	a.render(w, http.StatusOK, pageData{Title: "Choose a new password", Form: f, CSRF: randomSecret()})
}

func (a *app) reset(w http.ResponseWriter, r *http.Request) {
	token, password := r.URL.Query().Get("token"), r.PostFormValue("password")
	a.mu.Lock()
	p, ok := a.resets[token]
	delete(a.resets, token)
	if ok && time.Now().Before(p.Expires) && len(password) >= 8 {
		a.writes.Add(1)
		for _, u := range a.users {
			if u.ID == p.UserID {
				u.pwHash = hashPassword(password)
			}
		}
		for tok, id := range a.sessions { // a new password ends every old session
			if id == p.UserID {
				delete(a.sessions, tok)
			}
		}
	}
	a.mu.Unlock()
	if !ok || len(password) < 8 {
		a.render(w, http.StatusBadRequest, pageData{Title: "Choose a new password", Error: "This link is invalid or has expired."})
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// admin is for administrators only, checked on the server.
func (a *app) admin(w http.ResponseWriter, r *http.Request) {
	u := a.currentUser(r)
	switch {
	case u == nil:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	case !u.Admin:
		a.render(w, http.StatusForbidden, pageData{Title: "Forbidden", User: u.Email, Error: "Administrators only."})
	default:
		a.mu.Lock()
		n := len(a.users)
		a.mu.Unlock()
		a.render(w, http.StatusOK, pageData{Title: "Admin", User: u.Email, Message: fmt.Sprintf("%d users", n)})
	}
}

func (a *app) apiMembers(w http.ResponseWriter, r *http.Request) {
	id, ok := a.ownCommunity(w, r, FlawIDORMembers)
	if !ok {
		return
	}
	out := a.membersOf(id)
	writeJSON(w, out)
}

// apiInvite creates a single-use, seven-day invite to the caller's community and mails it.
func (a *app) apiInvite(w http.ResponseWriter, r *http.Request) {
	u := a.apiUser(w, r)
	if u == nil {
		return
	}
	var body struct {
		Email string `json:"email"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil || !strings.Contains(body.Email, "@") {
		a.apiError(w, http.StatusBadRequest, "send {\"email\": \"...\"}", err)
		return
	}
	token := randomSecret() + randomSecret()
	a.writes.Add(1)
	a.mu.Lock()
	a.invites[token] = pending{UserID: u.ID, Email: body.Email, Community: u.Community, Expires: time.Now().Add(7 * 24 * time.Hour)}
	a.outbox = append(a.outbox, Mail{To: body.Email, Subject: "You are invited", Body: a.origin + "/invite/" + token})
	a.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	writeJSON(w, map[string]string{"status": "invited"})
}

func (a *app) acceptInvitePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	f := &form{Action: "/invite/" + r.PathValue("token"), Submit: "Join", Fields: []field{
		{"Name", "text", "name", "name"}, {"Password", "password", "password", "new-password"}}}
	a.render(w, http.StatusOK, pageData{Title: "Join the community", Form: f, CSRF: randomSecret()})
}

// acceptInvite creates the invited account in the inviting community; the token works once.
func (a *app) acceptInvite(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	p, ok := a.invites[r.PathValue("token")]
	delete(a.invites, r.PathValue("token"))
	if !ok || time.Now().After(p.Expires) || len(r.PostFormValue("password")) < 8 {
		a.mu.Unlock()
		a.render(w, http.StatusBadRequest, pageData{Title: "Join the community", Error: "This invite is invalid or has expired."})
		return
	}
	a.writes.Add(1)
	u := &user{ID: len(a.users) + 1, Email: p.Email, Name: r.PostFormValue("name"), pwHash: hashPassword(r.PostFormValue("password")), Community: p.Community}
	a.users = append(a.users, u)
	a.mu.Unlock()
	a.startSession(w, r, u)
}

type member struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// membersOf lists a community's members; a.mu must not be held.
func (a *app) membersOf(community int) []member {
	out := []member{}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.users {
		if m.Community == community {
			out = append(out, member{m.ID, m.Name, m.Email})
		}
	}
	return out
}

// apiExport downloads a community's members; with the open-export flaw it forgets to ask who is calling.
func (a *app) apiExport(w http.ResponseWriter, r *http.Request) {
	var id int
	if a.has(FlawOpenExport) {
		var ok bool
		if id, ok = a.parseID(w, r); !ok {
			return
		}
	} else {
		var ok bool
		if id, ok = a.ownCommunity(w, r); !ok {
			return
		}
	}
	w.Header().Set("Content-Disposition", "inline")
	writeJSON(w, map[string]any{"community_id": id, "members": a.membersOf(id)})
}

// apiAdminUsers lists every user of the platform: administrators only (unless the button is merely hidden).
func (a *app) apiAdminUsers(w http.ResponseWriter, r *http.Request) {
	u := a.apiUser(w, r)
	if u == nil {
		return
	}
	if !u.Admin && !a.has(FlawAdminHidden) {
		a.apiError(w, http.StatusForbidden, "administrators only", nil)
		return
	}
	var all []member
	a.mu.Lock()
	for _, m := range a.users {
		all = append(all, member{m.ID, m.Name, m.Email})
	}
	a.mu.Unlock()
	writeJSON(w, map[string]any{"users": all, "admin": true})
}
