package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/launchready/launchready/audit/probe"
	"github.com/launchready/launchready/browser"
)

// Canary is an object the audit created itself (only with active: true), through the app's own API: the only
// kind of object active checks may change.
type Canary struct {
	Collection string // the list it was created in
	Item       string // where it lives now
	Sample     map[string]any
}

// ErrNoCollection means the recorded traffic shows no JSON list the audit could add a canary to.
var ErrNoCollection = errors.New("no JSON collection in the recorded traffic to create a canary in")

// collection finds, in an account's recorded API reads, a JSON list of objects with IDs, and one of its items.
func collection(t *Target, traffic []browser.Exchange) (string, map[string]any, error) {
	for _, x := range traffic {
		u, err := url.Parse(x.URL)
		if err != nil || !x.IsAPI() || x.Method != "GET" || x.Status != 200 || !t.Probe.InScope(u) {
			continue
		}
		var items []map[string]any
		if json.Unmarshal(x.Body, &items) != nil || len(items) == 0 {
			continue
		}
		if _, ok := items[0]["id"]; ok {
			return x.URL, items[0], nil
		}
	}
	return "", nil, ErrNoCollection
}

// CanaryCollection is the JSON collection NewCanary would write to: a write endpoint of the app's own API.
func (t *Target) CanaryCollection(traffic []browser.Exchange) (string, error) {
	coll, _, err := collection(t, traffic)
	return coll, err
}

// NewCanary creates an object in the first JSON collection the account's recorded traffic shows, by POSTing to
// the collection a copy of one of its items with every text field set to text (IDs and other fields left out).
func (t *Target) NewCanary(ctx context.Context, as *Session, traffic []browser.Exchange, text string) (*Canary, error) {
	if !t.Plan.Active {
		return nil, errors.New("canaries are written only with active: true")
	}
	coll, sample, err := collection(t, traffic)
	if err != nil {
		return nil, err
	}
	resp, err := t.Probe.Do(ctx, as.Apply(t.CanaryRequest(coll, sample, text)))
	if err != nil {
		return nil, err
	}
	if resp.Status < 200 || resp.Status >= 300 {
		return nil, fmt.Errorf("creating a canary: POST %s answered %d", coll, resp.Status)
	}
	var created map[string]any
	_ = json.Unmarshal(resp.Body, &created)
	c := &Canary{Collection: coll, Sample: sample}
	base, _ := url.Parse(coll)
	switch loc := resp.Header.Get("Location"); {
	case loc != "":
		u, _ := base.Parse(loc)
		c.Item = u.String()
	case created["id"] != nil:
		c.Item = strings.TrimSuffix(coll, "/") + "/" + fmt.Sprint(created["id"])
	default:
		return nil, fmt.Errorf("the app created a canary in %s but did not say where it lives (no Location, no id)", coll)
	}
	return c, nil
}

// CanaryRequest is the POST that creates one canary in coll: a sample item's text fields set to text.
func (t *Target) CanaryRequest(coll string, sample map[string]any, text string) *probe.Request {
	body := map[string]any{}
	for k, v := range sample {
		if _, isText := v.(string); isText && k != "id" && !strings.HasSuffix(k, "_id") && !strings.HasSuffix(k, "Id") {
			body[k] = text
		}
	}
	data, _ := json.Marshal(body)
	return &probe.Request{Method: http.MethodPost, URL: coll, Body: data, Header: WriteHeader(coll, http.Header{"Content-Type": {"application/json"}})}
}

// WriteHeader adds to h what the app's own page sends with a write to target: its Origin, as a browser does on every
// POST, PUT, PATCH and DELETE. CSRF protections check it (Django refuses an HTTPS write with neither Origin nor
// Referer; Rails, SvelteKit and Next.js server actions compare it with the host).
func WriteHeader(target string, h http.Header) http.Header {
	if h == nil {
		h = http.Header{}
	}
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		h.Set("Origin", u.Scheme+"://"+u.Host)
	}
	return h
}

// Remove deletes the canary as its owner.
func (c *Canary) Remove(ctx context.Context, t *Target, owner *Session) {
	_, _ = t.Probe.Do(ctx, owner.Apply(&probe.Request{Method: http.MethodDelete, URL: c.Item, Header: WriteHeader(c.Item, nil)}))
}
