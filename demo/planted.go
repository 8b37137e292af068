package demo

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// plantedSecrets are the secrets the demo leaks when its flaws are on, made fresh at every start (never in the
// repository), and the public keys it keeps when hardened.
type plantedSecrets struct {
	StripeSecret, StripePublishable string
	ServiceRole, Anon               string
	GitHubToken                     string
	SupabaseURL                     string
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomAlnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alnum))))
		b[i] = alnum[k.Int64()]
	}
	return string(b)
}

func plant() plantedSecrets {
	key := []byte(randomAlnum(40))
	ref := randomAlnum(20)
	sign := func(role string) string {
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "supabase", "ref": ref, "role": role,
			"iat": time.Now().Unix(), "exp": time.Now().Add(10 * 365 * 24 * time.Hour).Unix()}).SignedString(key)
		return s
	}
	return plantedSecrets{
		StripeSecret:      "sk_live_" + randomAlnum(24),
		StripePublishable: "pk_live_" + randomAlnum(24),
		ServiceRole:       sign("service_role"),
		Anon:              sign("anon"),
		GitHubToken:       "ghp_" + randomAlnum(36),
		SupabaseURL:       "https://" + ref + ".supabase.co",
	}
}

// configJS is the app's public configuration: publishable keys when hardened, secret ones with the flaw.
func (a *app) configJS(w http.ResponseWriter, r *http.Request) {
	// The app runs a self-hosted Supabase-style REST API on its own origin.
	cfg := map[string]string{"stripeKey": a.planted.StripePublishable, "supabaseUrl": a.origin, "supabaseKey": a.planted.Anon}
	if a.has(FlawBundleSecret) {
		cfg["stripeKey"], cfg["supabaseKey"] = a.planted.StripeSecret, a.planted.ServiceRole
	}
	b, _ := json.Marshal(cfg)
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	fmt.Fprintf(w, "window.APP_CONFIG = %s;\n", b)
}

// sourceMap publishes the original source, a token in it included.
func (a *app) sourceMap(w http.ResponseWriter, r *http.Request) {
	src := fmt.Sprintf("// src/app.ts\nconst GITHUB_TOKEN = \"%s\"; // for the release script\nexport function loadFeed() {}\n", a.planted.GitHubToken)
	writeJSON(w, map[string]any{"version": 3, "file": "app.js", "sources": []string{"src/app.ts"}, "sourcesContent": []string{src}, "mappings": "AAAA"})
}

// debugDump is the debug endpoint someone forgot: the environment, secrets included.
func (a *app) debugDump(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"env": map[string]string{"NODE_ENV": "production", "STRIPE_SECRET_KEY": a.planted.StripeSecret,
		"SUPABASE_SERVICE_ROLE_KEY": a.planted.ServiceRole}})
}

// restDescribe is the PostgREST-style description of the tables, as Supabase serves it to any key.
func (a *app) restDescribe(w http.ResponseWriter, r *http.Request) {
	if !a.restKey(w, r) {
		return
	}
	writeJSON(w, map[string]any{"swagger": "2.0", "paths": map[string]any{"/": map[string]any{}, "/profiles": map[string]any{}, "/posts": map[string]any{}, "/rpc/search": map[string]any{}}})
}

// restTable answers a select: with Row Level Security (hardened) the anon key sees no row.
func (a *app) restTable(w http.ResponseWriter, r *http.Request) {
	if !a.restKey(w, r) {
		return
	}
	rows := []map[string]any{}
	if a.has(FlawOpenTables) && r.PathValue("table") == "profiles" {
		a.mu.Lock()
		for _, u := range a.users {
			rows = append(rows, map[string]any{"id": u.ID, "email": u.Email, "full_name": u.Name})
		}
		a.mu.Unlock()
	}
	writeJSON(w, rows)
}

func (a *app) restKey(w http.ResponseWriter, r *http.Request) bool {
	if k := r.Header.Get("apikey"); k != a.planted.Anon && k != a.planted.ServiceRole {
		a.apiError(w, http.StatusUnauthorized, "No API key found in request", nil)
		return false
	}
	return true
}
