package session

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/launchready/launchready/browser"
)

// declared is a lifetime an app states beside an opaque token, in the JSON that hands the token over or keeps it.
type declared struct {
	life  time.Duration
	field string // "expires_in 604800"
	where string // "the answer to POST /auth/token", `localStorage "auth-tokens"`
}

// Fields that state a token's lifetime: a count of seconds (OAuth's expires_in), or the time it ends. Names are
// compared lower-cased, without '_' and '-'.
var (
	secondsFields = map[string]bool{"expiresin": true, "ttl": true, "maxage": true}
	endFields     = map[string]bool{"expiresat": true, "expiry": true, "expires": true, "expiration": true,
		"expirationtime": true, "exp": true, "validuntil": true}
)

// declaredLifetime finds the lifetime the app declared for an opaque token: in the JSON object that holds the token
// (or one around it), first in the answer that handed it to the browser, then in the Web Storage entry or
// IndexedDB record that keeps it. An opaque token says nothing of its own end; the app's declaration is what the
// browser goes by, as a cookie's Max-Age is.
//
// A refresh token's lifetime is only one a field names as the refresh token's (refresh_expires_in): the expires_in
// beside it is the access token's.
func declaredLifetime(token string, refresh bool, bs *browser.Session, now time.Time) (declared, bool) {
	if len(token) < 8 {
		return declared{}, false
	}
	for _, x := range bs.Traffic {
		if !bytes.Contains(x.Body, []byte(token)) {
			continue
		}
		if d, ok := lifetimeIn(x.Body, token, refresh, now); ok {
			d.where = "the answer to " + x.Method + " " + pathOf(x.URL)
			return d, true
		}
	}
	for _, w := range []struct {
		name string
		m    map[string]string
	}{{"localStorage", bs.Local}, {"sessionStorage", bs.Storage}, {"IndexedDB", bs.IndexedDB}} {
		for _, k := range slices.Sorted(maps.Keys(w.m)) {
			if !strings.Contains(w.m[k], token) {
				continue
			}
			if d, ok := lifetimeIn([]byte(w.m[k]), token, refresh, now); ok {
				d.where = fmt.Sprintf("%s %q", w.name, k)
				return d, true
			}
		}
	}
	return declared{}, false
}

// lifetimeIn reads a JSON document for the object that holds token and a lifetime field in it or, failing that, in
// the objects around it, nearest first.
func lifetimeIn(doc []byte, token string, refresh bool, now time.Time) (declared, bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return declared{}, false
	}
	_, d, ok := holdsToken(v, token, refresh, now)
	return d, ok && d.life > 0 // an end already past is no lifetime of this token
}

// holdsToken reports whether v holds token, and the lifetime declared nearest to it.
func holdsToken(v any, token string, refresh bool, now time.Time) (holds bool, d declared, ok bool) {
	switch v := v.(type) {
	case string:
		return v == token || strings.HasSuffix(v, " "+token), declared{}, false
	case []any:
		for _, e := range v {
			if holds, d, ok := holdsToken(e, token, refresh, now); holds {
				return true, d, ok
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			holds, d, ok := holdsToken(v[k], token, refresh, now)
			if !holds {
				continue
			}
			if ok {
				return true, d, true
			}
			d, ok = lifetimeField(v, refresh, now)
			return true, d, ok
		}
	}
	return false, declared{}, false
}

// lifetimeField reads an object's lifetime field: seconds, or an end as Unix seconds, Unix milliseconds or RFC 3339;
// for a refresh token, only a field named for it (refresh_expires_in, refreshTokenExpiresAt).
func lifetimeField(obj map[string]any, refresh bool, now time.Time) (declared, bool) {
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		name := strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(k))
		if strings.Contains(name, "refresh") != refresh {
			continue
		}
		name = strings.Replace(name, "refreshtoken", "", 1)
		name = strings.Replace(name, "refresh", "", 1)
		raw := fmt.Sprint(obj[k])
		n, numErr := strconv.ParseFloat(raw, 64)
		field := k + " " + raw
		switch {
		case secondsFields[name] && numErr == nil && n > 0:
			return declared{life: time.Duration(n * float64(time.Second)), field: field}, true
		case endFields[name] && numErr == nil && n > 1e12:
			return declared{life: time.UnixMilli(int64(n)).Sub(now), field: field}, true
		case endFields[name] && numErr == nil && n > 1e9:
			return declared{life: time.Unix(int64(n), 0).Sub(now), field: field}, true
		case endFields[name] && numErr != nil:
			if end, err := time.Parse(time.RFC3339, raw); err == nil {
				return declared{life: end.Sub(now), field: field}, true
			}
		}
	}
	return declared{}, false
}

func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Path != "" {
		return u.Path
	}
	return raw
}
