package session

import (
	"testing"
	"time"
)

func TestLifetimeIn(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	const tok = "opaque-token-0123456789"
	tests := []struct {
		name, doc string
		refresh   bool
		want      time.Duration // 0: none declared
		field     string
	}{
		{"OAuth answer", `{"access_token":"` + tok + `","token_type":"Bearer","expires_in":604800}`, false, 7 * 24 * time.Hour, "expires_in 604800"},
		{"seconds as a string", `{"token":"` + tok + `","expires_in":"3600"}`, false, time.Hour, "expires_in 3600"},
		{"around the object that holds it", `{"session":{"token":"` + tok + `"},"expiresIn":900}`, false, 15 * time.Minute, "expiresIn 900"},
		{"nearest first", `{"expires_in":99999,"data":{"token":"` + tok + `","ttl":60}}`, false, time.Minute, "ttl 60"},
		{"end in Unix seconds", `{"token":"` + tok + `","expires_at":1796731200}`, false, 72 * time.Hour, "expires_at 1796731200"},
		{"end in milliseconds", `{"token":"` + tok + `","expirationTime":1796479200000}`, false, 2 * time.Hour, "expirationTime 1796479200000"},
		{"an end already past", `{"token":"` + tok + `","expires_at":1765022400}`, false, 0, ""},
		{"end in RFC 3339", `{"token":"` + tok + `","expiry":"2026-12-06T12:00:00Z"}`, false, 24 * time.Hour, "expiry 2026-12-06T12:00:00Z"},
		{"in an array", `{"items":[{"token":"other"},{"token":"` + tok + `","expires_in":60}]}`, false, time.Minute, "expires_in 60"},
		{"the access token's field is not the refresh token's", `{"access_token":"x","refresh_token":"` + tok + `","expires_in":300}`, true, 0, ""},
		{"the refresh token's own field", `{"access_token":"x","refresh_token":"` + tok + `","expires_in":300,"refresh_expires_in":1800}`, true, 30 * time.Minute, "refresh_expires_in 1800"},
		{"nor the refresh token's field the access token's", `{"access_token":"` + tok + `","refresh_expires_in":1800}`, false, 0, ""},
		{"a small number is no time", `{"token":"` + tok + `","exp":5}`, false, 0, ""},
		{"not there", `{"token":"another","expires_in":60}`, false, 0, ""},
		{"not JSON", `token=` + tok + `; expires_in=60`, false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := lifetimeIn([]byte(tt.doc), tok, tt.refresh, now)
			if ok != (tt.want != 0) || ok && (d.life != tt.want || d.field != tt.field) {
				t.Errorf("got %v %q (found %v), want %v %q", d.life, d.field, ok, tt.want, tt.field)
			}
		})
	}
}
