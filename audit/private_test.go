package audit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/launchready/launchready/browser"
)

// TestPrivateRequestTriesTheSessionsOwnCallsFirst: an app that loads its public translations first, then calls
// its API with the session's bearer token (Node-RED's editor), gets its private call tried, not four public ones.
func TestPrivateRequestTriesTheSessionsOwnCallsFirst(t *testing.T) {
	const token = "Bearer tok-1234567890"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /locales/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"hello":"Hello %s"}`, r.PathValue("name"))
	})
	mux.HandleFunc("GET /flows", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != token {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `[{"id":"f1","label":"Flow 1"}]`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	target := testTarget(t, &Plan{App: srv.URL + "/"})
	t.Cleanup(target.Close)
	var traffic []browser.Exchange
	for _, name := range []string{"editor", "node-red", "jsonata", "infotips", "editor", "node-red"} {
		traffic = append(traffic, browser.Exchange{Method: "GET", URL: srv.URL + "/locales/" + name + "?lng=en", Type: "Fetch", Status: 200})
	}
	traffic = append(traffic, browser.Exchange{Method: "GET", URL: srv.URL + "/flows", Type: "XHR", Status: 200, RequestHeader: map[string]string{"authorization": token}})
	creds := &Session{Header: http.Header{"Authorization": {token}}}
	private, why := target.PrivateRequest(t.Context(), creds, traffic, srv.URL+"/")
	if private == nil || private.URL != srv.URL+"/flows" {
		t.Fatalf("private request %+v (%s), want /flows", private, why)
	}
	if private.With.Status != 200 || private.Without.Status != 401 {
		t.Errorf("with %d, without %d", private.With.Status, private.Without.Status)
	}
}
