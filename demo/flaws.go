package demo

import "sort"

// Flaw is one switchable weakness of the demo app. Adding a flaw is one line in flawText and one `if
// s.has(FlawX)` where the app behaves differently.
type Flaw string

const (
	FlawNoHSTS             Flaw = "no-hsts"
	FlawNoCSP              Flaw = "no-csp"
	FlawNoFrameGuard       Flaw = "no-frame-guard"
	FlawNoNosniff          Flaw = "no-nosniff"
	FlawLeakyReferrer      Flaw = "leaky-referrer"
	FlawServerVersion      Flaw = "server-version"
	FlawCORSReflect        Flaw = "cors-reflect"
	FlawNoHTTPSRedir       Flaw = "no-https-redirect"
	FlawCertExpiring       Flaw = "cert-expiring"
	FlawCookieFlags        Flaw = "cookie-flags"
	FlawVerboseErrors      Flaw = "verbose-errors"
	FlawExposedEnv         Flaw = "exposed-env"
	FlawExposedGit         Flaw = "exposed-git"
	FlawNoHealth           Flaw = "no-health"
	FlawTokenInStorage     Flaw = "token-in-storage"
	FlawLongSession        Flaw = "long-session"
	FlawLogoutKeeps        Flaw = "logout-keeps-session"
	FlawFixation           Flaw = "session-fixation"
	FlawMixedContent       Flaw = "mixed-content"
	FlawSlowHero           Flaw = "slow-hero"
	FlawSPFTooMany         Flaw = "spf-too-many-lookups"
	FlawDMARCNone          Flaw = "dmarc-none"
	FlawWeakDKIM           Flaw = "weak-dkim"
	FlawNoMX               Flaw = "no-mx"
	FlawIDORMembers        Flaw = "idor-members"
	FlawIDORPost           Flaw = "idor-post"
	FlawOpenExport         Flaw = "open-export"
	FlawAdminHidden        Flaw = "admin-api-hidden-only"
	FlawBundleSecret       Flaw = "bundle-secret"
	FlawSourceMap          Flaw = "public-source-map"
	FlawDebugEndpoint      Flaw = "debug-endpoint"
	FlawOpenTables         Flaw = "open-tables"
	FlawLoggedSecrets      Flaw = "logged-secrets"
	FlawCommittedKey       Flaw = "committed-key"
	FlawWWWChain           Flaw = "www-chain"
	FlawOldTLS             Flaw = "old-tls"
	FlawNoLoginLimit       Flaw = "no-login-limit"
	FlawNoResetLimit       Flaw = "no-reset-limit"
	FlawSlowAPI            Flaw = "slow-api"
	FlawPanicBadJSON       Flaw = "panic-on-bad-json"
	FlawNoBodyLimit        Flaw = "no-body-limit"
	FlawIDORWrite          Flaw = "idor-write"
	FlawNoPostLimit        Flaw = "no-post-limit"
	FlawStoredXSS          Flaw = "stored-xss"
	FlawNoVerification     Flaw = "no-email-verification"
	FlawWeakPasswords      Flaw = "weak-passwords"
	FlawEnumeration        Flaw = "user-enumeration"
	FlawShortResetCode     Flaw = "short-reset-code"
	FlawResetReusable      Flaw = "reset-link-reusable"
	FlawResetKeepsSessions Flaw = "reset-keeps-sessions"
	FlawResetLeaksToken    Flaw = "reset-page-third-party"
	FlawInviteReusable     Flaw = "invite-reusable"
	FlawInviteDuplicate    Flaw = "invite-duplicate-membership"
	FlawLocalhostLinks     Flaw = "localhost-confirm-link"
	FlawOldPasswordWorks   Flaw = "old-password-survives-reset"
	FlawNoSignupLimit      Flaw = "no-signup-limit"
	FlawNoInviteLimit      Flaw = "no-invite-limit"
)

// flawText says what each flaw does, for `launchready demo --list-flaws` and the tests.
var flawText = map[Flaw]string{
	FlawNoHSTS:             "no Strict-Transport-Security header",
	FlawNoCSP:              "no Content-Security-Policy",
	FlawNoFrameGuard:       "no X-Frame-Options and no frame-ancestors",
	FlawNoNosniff:          "no X-Content-Type-Options",
	FlawLeakyReferrer:      "Referrer-Policy: unsafe-url",
	FlawServerVersion:      "Server and X-Powered-By carry version numbers",
	FlawCORSReflect:        "the API reflects any Origin with credentials and allows any preflight",
	FlawNoHTTPSRedir:       "http:// serves the app instead of redirecting to https://",
	FlawCertExpiring:       "the certificate expires in 7 days",
	FlawCookieFlags:        "the session cookie has no HttpOnly, Secure or SameSite",
	FlawVerboseErrors:      "API errors include a stack trace, the SQL error and source paths",
	FlawExposedEnv:         "/.env is served with the app's secrets",
	FlawExposedGit:         "/.git/config and /.git/HEAD are served",
	FlawNoHealth:           "no health endpoint",
	FlawTokenInStorage:     "after login the page keeps a JWT, signed with the secret \"secret\" and valid for a year, in localStorage",
	FlawLongSession:        "the session cookie lives 180 days",
	FlawLogoutKeeps:        "logout clears the cookie but the session stays valid on the server",
	FlawFixation:           "login keeps the session ID the visitor had before logging in",
	FlawMixedContent:       "the landing page loads its logo over http://",
	FlawSlowHero:           "the landing page's hero image takes 3.5 s to arrive",
	FlawSPFTooMany:         "the sending domain's SPF needs 11 DNS lookups and ends in +all",
	FlawDMARCNone:          "DMARC p=none without a rua report address",
	FlawWeakDKIM:           "the DKIM key is RSA 512 bits",
	FlawNoMX:               "the sending domain has no MX record: replies and bounces are lost",
	FlawIDORMembers:        "any logged-in user can read the member list of any community",
	FlawIDORPost:           "any logged-in user can read any post by its ID",
	FlawOpenExport:         "a community's member export needs no login at all",
	FlawAdminHidden:        "the admin API only hides its button: any logged-in user can call it",
	FlawBundleSecret:       "the JavaScript config carries a Stripe secret key and a Supabase service_role key",
	FlawSourceMap:          "app.js.map is public and its sourcesContent holds a GitHub token",
	FlawDebugEndpoint:      "/debug dumps the environment variables",
	FlawOpenTables:         "the Supabase-style REST API serves the profiles table to the anon key (no Row Level Security)",
	FlawLoggedSecrets:      "the app log holds reset links with their tokens and Authorization headers",
	FlawCommittedKey:       "the app's git history holds a Stripe secret key, committed and deleted later",
	FlawWWWChain:           "www.demo.test redirects down to http:// before reaching the canonical host",
	FlawOldTLS:             "TLS 1.0 and 1.1 are accepted, with CBC cipher suites",
	FlawNoLoginLimit:       "failed logins are never limited",
	FlawNoResetLimit:       "password reset requests are never limited",
	FlawSlowAPI:            "the posts API takes about 700 ms",
	FlawPanicBadJSON:       "the login handler panics on a malformed JSON body and answers 500",
	FlawNoBodyLimit:        "request bodies have no size limit",
	FlawIDORWrite:          "any logged-in user can change or delete any post",
	FlawNoPostLimit:        "posting is never limited",
	FlawStoredXSS:          "the feed renders post titles as HTML",
	FlawNoVerification:     "sign-up logs the account in before the address is confirmed, and the confirmation link works again and again",
	FlawWeakPasswords:      "sign-up takes any password of 6 characters, 123456 included",
	FlawEnumeration:        "login, reset and sign-up say whether an address has an account",
	FlawShortResetCode:     "the reset link carries a 6-digit code",
	FlawResetReusable:      "the reset link works any number of times and never expires",
	FlawResetKeepsSessions: "a password reset leaves the account's other sessions logged in",
	FlawResetLeaksToken:    "the reset page runs a third-party analytics script, which can read the token in the page's address",
	FlawInviteReusable:     "an invite link works again and again, for any address typed into it",
	FlawInviteDuplicate:    "an invite to an address that is already a member adds it a second time",
	FlawLocalhostLinks:     "the confirmation mail links to http://localhost:3000 (the site URL was never set for production)",
	FlawOldPasswordWorks:   "after a password reset the old password still logs in (a legacy hash column is never cleared)",
	FlawNoSignupLimit:      "sign-ups are never limited",
	FlawNoInviteLimit:      "sending invites is never limited",
}

// Flaws is a set of switched-on flaws.
type Flaws map[Flaw]bool

// AllFlaws lists every flaw, sorted.
func AllFlaws() []Flaw {
	out := make([]Flaw, 0, len(flawText))
	for f := range flawText {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Describe says what a flaw does.
func Describe(f Flaw) string { return flawText[f] }

// Flawed has every flaw on; Hardened has none.
func Flawed() Flaws {
	fs := Flaws{}
	for f := range flawText {
		fs[f] = true
	}
	return fs
}

func Hardened() Flaws { return Flaws{} }

// With returns a copy of fs with the given flaws on.
func (fs Flaws) With(on ...Flaw) Flaws {
	out := fs.Without()
	for _, f := range on {
		out[f] = true
	}
	return out
}

// Without returns a copy of fs with the given flaws off.
func (fs Flaws) Without(off ...Flaw) Flaws {
	out := Flaws{}
	for f, on := range fs {
		out[f] = on
	}
	for _, f := range off {
		delete(out, f)
	}
	return out
}
