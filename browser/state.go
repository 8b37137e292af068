package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
)

// State is a signed-in browser session as Playwright's storageState writes it (and the browser extensions that
// export that format): the cookies of the context, and per origin its localStorage items. It is a live credential.
type State struct {
	Cookies []StateCookie `json:"cookies"`
	Origins []StateOrigin `json:"origins"`
}

// StateCookie is one cookie of a State. Expires is in Unix seconds, -1 for a browser-session cookie.
type StateCookie struct {
	Name     string  `json:"name"`
	Value    string  `json:"value"`
	Domain   string  `json:"domain"`
	Path     string  `json:"path"`
	Expires  float64 `json:"expires"`
	HTTPOnly bool    `json:"httpOnly"`
	Secure   bool    `json:"secure"`
	SameSite string  `json:"sameSite,omitempty"` // Strict, Lax or None
}

// StateOrigin is one origin's localStorage.
type StateOrigin struct {
	Origin       string      `json:"origin"`
	LocalStorage []StateItem `json:"localStorage"`
}

// StateItem is one localStorage entry.
type StateItem struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ReadState reads a storageState file. The error never quotes the file's contents: they are secrets.
func ReadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the saved session: %w", err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s is not a storageState JSON file (not valid JSON at byte %d): save it again with Playwright's storageState or `launchready` manual login", path, se.Offset)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s is not a storageState JSON file (%s should be %s): it needs {\"cookies\": [...], \"origins\": [...]}", path, te.Field, te.Type)
		}
		return nil, fmt.Errorf("%s is not a storageState JSON file: it needs {\"cookies\": [...], \"origins\": [...]}", path)
	}
	if len(st.Cookies) == 0 && len(st.Origins) == 0 {
		return nil, fmt.Errorf("%s holds no cookies and no localStorage: it is not a signed-in session", path)
	}
	return &st, nil
}

// Write saves the state readable by its owner only: it is a live credential.
func (st *State) Write(path string) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
		f.Close()
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Secrets are every value the state holds, for the redactor.
func (st *State) Secrets() []string {
	var out []string
	for _, c := range st.Cookies {
		out = append(out, c.Value)
	}
	for _, o := range st.Origins {
		for _, it := range o.LocalStorage {
			out = append(out, it.Value)
		}
	}
	return out
}

// Seed gives the context the state's cookies and localStorage, keeping only what belongs to hosts the context may
// load (the rest is dropped, never sent). localStorage is written on a blank page of each origin that the browser
// makes up itself: the app receives nothing.
func (c *Context) Seed(ctx context.Context, st *State) error {
	var params []*proto.NetworkCookieParam
	for _, ck := range st.Cookies {
		host := strings.TrimPrefix(ck.Domain, ".")
		if ok, _ := c.engine.inScope(&url.URL{Scheme: "https", Host: host}); !ok {
			continue
		}
		p := &proto.NetworkCookieParam{Name: ck.Name, Value: ck.Value, Domain: ck.Domain, Path: ck.Path,
			Secure: ck.Secure, HTTPOnly: ck.HTTPOnly}
		if p.Path == "" {
			p.Path = "/"
		}
		if ck.Expires > 0 {
			p.Expires = proto.TimeSinceEpoch(ck.Expires)
		}
		switch strings.ToLower(ck.SameSite) {
		case "strict":
			p.SameSite = proto.NetworkCookieSameSiteStrict
		case "lax":
			p.SameSite = proto.NetworkCookieSameSiteLax
		case "none":
			p.SameSite = proto.NetworkCookieSameSiteNone
		}
		params = append(params, p)
	}
	if len(params) > 0 {
		if err := c.rod.SetCookies(params); err != nil {
			return c.engine.explain(err)
		}
	}
	for _, o := range st.Origins {
		u, err := url.Parse(o.Origin)
		if err != nil || u.Host == "" || len(o.LocalStorage) == 0 {
			continue
		}
		if ok, _ := c.engine.inScope(u); !ok {
			continue
		}
		if err := c.seedOrigin(ctx, u, o.LocalStorage); err != nil {
			return fmt.Errorf("writing the saved localStorage of %s: %w", u.Host, err)
		}
	}
	return nil
}

// seedOrigin writes items into origin's localStorage from a page the browser answers itself.
func (c *Context) seedOrigin(ctx context.Context, origin *url.URL, items []StateItem) error {
	rp, err := c.rod.Page(proto.TargetCreateTarget{})
	if err != nil {
		return c.engine.explain(err)
	}
	defer rp.Close()
	rp = rp.Context(ctx)
	blank := origin.Scheme + "://" + origin.Host + "/.launchready-seed"
	router := rp.HijackRequests()
	router.Add("*", "", func(h *rod.Hijack) {
		if h.Request.URL().String() == blank {
			h.Response.SetHeader("Content-Type", "text/html").SetBody("<!doctype html><title>seed</title>")
			return
		}
		h.Response.Fail(proto.NetworkErrorReasonBlockedByClient) // nothing of the app loads here
	})
	go router.Run()
	defer func() { _ = router.Stop() }()
	if err := rp.Timeout(pageTimeout).Navigate(blank); err != nil {
		return err
	}
	if err := rp.Timeout(pageTimeout).WaitLoad(); err != nil {
		return err
	}
	kv := map[string]string{}
	for _, it := range items {
		kv[it.Name] = it.Value
	}
	_, err = rp.Timeout(5*time.Second).Eval(`(kv) => { for (const [k, v] of Object.entries(kv)) localStorage.setItem(k, v) }`, kv)
	return err
}

// Capture reads the context's session as a State: every cookie of the context inside the scope, and the
// localStorage of the origin page p is on.
func (c *Context) Capture(p *Page) (*State, error) {
	cookies, err := c.rod.GetCookies()
	if err != nil {
		return nil, c.engine.explain(err)
	}
	st := &State{Cookies: []StateCookie{}, Origins: []StateOrigin{}}
	for _, ck := range cookies {
		if ok, _ := c.engine.inScope(&url.URL{Scheme: "https", Host: strings.TrimPrefix(ck.Domain, ".")}); !ok {
			continue
		}
		sc := StateCookie{Name: ck.Name, Value: ck.Value, Domain: ck.Domain, Path: ck.Path, Expires: -1,
			HTTPOnly: ck.HTTPOnly, Secure: ck.Secure, SameSite: string(ck.SameSite)}
		if !ck.Session {
			sc.Expires = float64(ck.Expires)
		}
		st.Cookies = append(st.Cookies, sc)
	}
	local, _, err := p.Storage()
	if err == nil && len(local) > 0 {
		u, _ := url.Parse(p.URL())
		if u != nil && u.Host != "" {
			o := StateOrigin{Origin: u.Scheme + "://" + u.Host}
			for k, v := range local {
				o.LocalStorage = append(o.LocalStorage, StateItem{Name: k, Value: v})
			}
			st.Origins = append(st.Origins, o)
		}
	}
	return st, nil
}
