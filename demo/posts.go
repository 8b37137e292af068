package demo

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// apiCreatePost adds a post to the caller's community (JSON {title, body}); hardened, five per minute per user.
func (a *app) apiCreatePost(w http.ResponseWriter, r *http.Request) {
	id, ok := a.ownCommunity(w, r)
	if !ok {
		return
	}
	u := a.currentUser(r)
	key := "post:" + strconv.Itoa(u.ID)
	if !a.has(FlawNoPostLimit) && a.limited(w, key) {
		return
	}
	var body struct{ Title, Body string }
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || strings.TrimSpace(body.Title) == "" {
		if err != nil && a.has(FlawPanicBadJSON) {
			panic("decoding the post: " + err.Error())
		}
		a.apiError(w, http.StatusBadRequest, `send {"title": "…", "body": "…"}`, err)
		return
	}
	a.failed(key) // every post created counts against the window (a malformed one creates nothing)
	a.writes.Add(1)
	a.mu.Lock()
	p := post{AuthorID: u.ID, ID: len(a.posts) + 1, Community: id, Title: body.Title, Body: body.Body, Author: u.Name}
	a.posts = append(a.posts, p)
	a.mu.Unlock()
	w.Header().Set("Location", "/api/posts/"+strconv.Itoa(p.ID))
	w.WriteHeader(http.StatusCreated)
	writeJSON(w, p)
}

// postFor finds a post the caller may change: their own (or, with the idor-write flaw, anyone's).
func (a *app) postFor(w http.ResponseWriter, r *http.Request) (int, bool) {
	u := a.apiUser(w, r)
	if u == nil {
		return 0, false
	}
	id, ok := a.parseID(w, r)
	if !ok {
		return 0, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, p := range a.posts {
		if p.ID == id && p.Title != "" && (p.AuthorID == u.ID || a.has(FlawIDORWrite)) {
			return i, true
		}
	}
	a.apiError(w, http.StatusNotFound, "not found", nil)
	return 0, false
}

func (a *app) apiUpdatePost(w http.ResponseWriter, r *http.Request) {
	i, ok := a.postFor(w, r)
	if !ok {
		return
	}
	var body struct{ Title, Body *string }
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		a.apiError(w, http.StatusBadRequest, "malformed JSON", err)
		return
	}
	a.writes.Add(1)
	a.mu.Lock()
	if body.Title != nil {
		a.posts[i].Title = *body.Title
	}
	if body.Body != nil {
		a.posts[i].Body = *body.Body
	}
	p := a.posts[i]
	a.mu.Unlock()
	writeJSON(w, p)
}

func (a *app) apiDeletePost(w http.ResponseWriter, r *http.Request) {
	i, ok := a.postFor(w, r)
	if !ok {
		return
	}
	a.writes.Add(1)
	a.mu.Lock()
	a.posts[i].Title, a.posts[i].Body, a.posts[i].Community = "", "", 0 // deleted: kept as a hole so IDs stay stable
	a.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
