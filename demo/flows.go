package demo

import (
	"fmt"
	"net/http"
	"time"
)

// pending is a reset or invite token waiting to be used.
type pending struct {
	UserID    int // reset: whose password; invite: who invited
	Email     string
	Community int
	Expires   time.Time
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
