package audit

// Area is one row of the launch checklist's scorecard.
type Area struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Areas in the order the scorecard shows them, in the checklist's own words.
var Areas = []Area{
	{"authz", "Auth boundaries"},
	{"session", "Session handling"},
	{"auth", "Sign-up & invites"},
	{"input", "Input validation"},
	{"ratelimit", "Rate limits"},
	{"secrets", "Secrets"},
	{"cors", "CORS"},
	{"headers", "Security headers"},
	{"transport", "Deployment & HTTPS"},
	{"email", "Email authentication"},
	{"perf", "Performance"},
	{"ops", "Monitoring & ops"},
}

// AreaTitle returns the checklist title of an area ID.
func AreaTitle(id string) string {
	for _, a := range Areas {
		if a.ID == id {
			return a.Title
		}
	}
	return id
}

// Entry is one check of the catalog as data: what the TUI and the reports show about it, whatever its result.
type Entry struct {
	ID       string   // stable "area.name"
	Area     string   // Area.ID
	Title    string   // what it checks, in the checklist's words
	Severity Severity // severity of a fail unless the check says otherwise
	Fix      string   // the concrete change, a sentence or three
	Refs     []string // OWASP API Top 10 2023, ASVS, RFC
}

// Lookup finds a catalog entry by ID.
func Lookup(id string) (Entry, bool) {
	for _, e := range Catalog {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

const (
	refAPI1  = "OWASP API1:2023 Broken Object Level Authorization"
	refAPI2  = "OWASP API2:2023 Broken Authentication"
	refAPI3  = "OWASP API3:2023 Broken Object Property Level Authorization"
	refAPI4  = "OWASP API4:2023 Unrestricted Resource Consumption"
	refAPI5  = "OWASP API5:2023 Broken Function Level Authorization"
	refAPI8  = "OWASP API8:2023 Security Misconfiguration"
	refAPI9  = "OWASP API9:2023 Improper Inventory Management"
	refObs   = "Mozilla Observatory / MDN HTTP security headers"
	refASVS3 = "OWASP ASVS 4.0 V3 Session Management"
)

// Catalog is every check of checks.md, in checklist order. IDs are stable: never rename one.
var Catalog = []Entry{
	// authz — auth boundaries
	{"authz.idor-read", "authz", "Users only read their own org/community data (ID swap across two accounts)", Critical,
		"Authorize every object read on the server: load the object, then check it belongs to the caller's org/community before returning it. Do not rely on unguessable IDs.", []string{refAPI1, "ASVS 4.0 V4.2.1"}},
	{"authz.idor-write", "authz", "Users cannot change or delete another account's objects", Critical,
		"Check ownership on every update and delete on the server, in the same query that modifies the row (WHERE id = ? AND org_id = ?).", []string{refAPI1, "ASVS 4.0 V4.2.1"}},
	{"authz.unauthenticated", "authz", "Private API requests are refused without a session", Critical,
		"Put authentication middleware in front of every private route and answer 401 when no valid session is present.", []string{refAPI2, "ASVS 4.0 V4.1.1"}},
	{"authz.id-swap-params", "authz", "Swapping org/community/user IDs in parameters gives no other tenant's data", Critical,
		"Derive the tenant from the session, not from request parameters; when a parameter names a tenant, check the caller is a member.", []string{refAPI1, refAPI3}},
	{"authz.admin-routes", "authz", "Admin pages and APIs are refused server-side to normal users and anonymous visitors", High,
		"Enforce the admin role in the server handler of every admin route; hiding a button is not a control.", []string{refAPI5, "ASVS 4.0 V4.1.3"}},
	{"authz.predictable-ids", "authz", "Object IDs are not small sequential integers", Low,
		"Use random identifiers (UUIDv4/v7, ULID) for objects exposed in URLs, in addition to server-side authorization.", []string{refAPI1}},

	// session — session handling
	{"session.cookie-flags", "session", "Session cookies are HttpOnly, Secure and SameSite", Medium,
		"Set the session cookie with HttpOnly, Secure and SameSite=Lax (or Strict). SameSite=None only together with Secure.", []string{refASVS3 + " (V3.4)", "RFC 6265bis"}},
	{"session.logout-invalidates", "session", "Logout invalidates the session on the server", High,
		"Delete or revoke the session server-side on logout, not only the cookie in the browser.", []string{refASVS3 + " (V3.3.1)", refAPI2}},
	{"session.token-storage", "session", "No session token in localStorage, sessionStorage or IndexedDB", Medium,
		"Keep session tokens in an HttpOnly cookie; anything in Web Storage or IndexedDB is readable by any script that runs on the page (Firebase Auth: inMemoryPersistence, or session cookies made by its Admin SDK).", []string{refASVS3, refAPI2}},
	{"session.expiry", "session", "Sessions have a bounded lifetime", Low,
		"Give sessions an idle and an absolute timeout (days, not months) and expire JWTs with exp.", []string{refASVS3 + " (V3.3)"}},
	{"session.token-strength", "session", "Session tokens are strong and JWTs are signed properly", Critical,
		"Use 128+ bit random session IDs; sign JWTs with a strong secret or an asymmetric key and never accept alg none.", []string{refASVS3 + " (V3.2.2)", "RFC 8725"}},
	{"session.rotation", "session", "A new session identifier is issued at login", Medium,
		"Issue a fresh session ID at login and discard the one used before it (prevents session fixation).", []string{refASVS3 + " (V3.2.1)"}},

	// auth — sign-up, login, reset, invites
	{"auth.signup-flow", "auth", "Sign-up → verify → login → logout → login works with no dead ends", Medium,
		"Walk the flow by hand and fix the step that dead-ends or loops; every page needs a way forward.", nil},
	{"auth.email-verification", "auth", "Unverified accounts are held back and verification links are single-use", Medium,
		"Refuse member-only areas until the email is verified, and consume the verification token on first use.", []string{"ASVS 4.0 V2.5"}},
	{"auth.reset-flow", "auth", "Password reset works end to end and the old password stops working", Medium,
		"Make the reset link set a new password and invalidate the old one.", []string{"ASVS 4.0 V2.5"}},
	{"auth.reset-token", "auth", "Reset links are single-use, expire within an hour and are unguessable", High,
		"Store a hash of a 128+ bit random token, expire it within 1 hour, delete it on use, and set Referrer-Policy: no-referrer on the reset page.", []string{"ASVS 4.0 V2.5.2", refAPI2}},
	{"auth.reset-revokes-sessions", "auth", "A password reset ends the sessions that existed before it", Medium,
		"Revoke every session of the user when the password changes.", []string{refASVS3 + " (V3.3.3)"}},
	{"auth.user-enumeration", "auth", "Login, reset and sign-up do not tell which emails have accounts", Low,
		"Answer login, reset and sign-up with the same message and timing whether or not the email exists.", []string{"ASVS 4.0 V2.2", refAPI2}},
	{"auth.invite-token", "auth", "Invite links are single-use, expiring, unguessable and bound to the invitee", High,
		"Use a 128+ bit random token bound to the invited email and workspace, expire it, consume it on accept, and make membership unique.", []string{refAPI1, refAPI2}},
	{"auth.password-policy", "auth", "Sign-up refuses the most common passwords", Low,
		"Refuse passwords found in breach lists (at least the top 10k) and shorter than 8 characters.", []string{"ASVS 4.0 V2.1.7", "NIST SP 800-63B 5.1.1.2"}},

	// input — input validation
	{"input.malformed", "input", "Malformed input gets a clean 4xx, never a 5xx", Medium,
		"Validate request bodies against a schema at the edge of every write endpoint and answer 400 with a short message.", []string{refAPI8, "ASVS 4.0 V5.1"}},
	{"input.oversized", "input", "Oversized input is refused and the server stays up", Medium,
		"Cap request bodies (e.g. 1 MiB for JSON) in the server or proxy and answer 413.", []string{refAPI4}},
	{"input.error-leakage", "input", "Errors show no stack traces, SQL errors or internal paths", Medium,
		"Turn off debug mode in production and answer errors with a generic message and a request ID; log the details server-side.", []string{refAPI8, "ASVS 4.0 V7.4.1"}},
	{"input.stored-xss", "input", "User content is rendered without executing scripts", High,
		"Escape user content on output (use the framework's templating, never innerHTML/dangerouslySetInnerHTML with user data) and add a strict CSP.", []string{"ASVS 4.0 V5.3.3"}},

	// ratelimit — rate limits on risky endpoints
	{"ratelimit.login", "ratelimit", "Login is rate limited", High,
		"Limit failed logins per account and per IP (about 5 per minute) and answer 429 with Retry-After.", []string{refAPI4, "ASVS 4.0 V2.2.1"}},
	{"ratelimit.reset", "ratelimit", "Password reset requests are rate limited", Medium,
		"Limit reset requests per address and per IP (about 5 per minute).", []string{refAPI4}},
	{"ratelimit.signup", "ratelimit", "Sign-ups are rate limited", Medium,
		"Limit sign-ups per IP and add a challenge after a few attempts.", []string{refAPI4}},
	{"ratelimit.invite", "ratelimit", "Invite creation is rate limited", Medium,
		"Limit invites per user and per workspace per hour; they send email in your domain's name.", []string{refAPI4}},
	{"ratelimit.post", "ratelimit", "Content posting is rate limited", Low,
		"Limit posts per user per minute to keep spam and abuse bounded.", []string{refAPI4}},

	// secrets — secrets hygiene
	{"secrets.client-bundle", "secrets", "No secrets in the JavaScript, HTML and JSON the browser downloads", Critical,
		"Move the key to the server, rotate it now (it is public), and keep only publishable keys in the frontend.", []string{refAPI8, "ASVS 4.0 V14.3"}},
	{"secrets.source-maps", "secrets", "Source maps are not public and hold no secrets", Low,
		"Do not deploy .map files publicly (upload them to your error tracker instead).", []string{"ASVS 4.0 V14.3.2"}},
	{"secrets.exposed-files", "secrets", "No .env, .git, backups or debug endpoints are served", Critical,
		"Remove the file from the web root or block the path at the server/CDN, and rotate every secret it contained.", []string{refAPI8, refAPI9, "ASVS 4.0 V14.3.3"}},
	{"secrets.repo", "secrets", "No secrets in the repo or its git history", High,
		"Rotate the secret, then remove it from history (git filter-repo) and load secrets from the environment.", []string{"ASVS 4.0 V2.10.4"}},
	{"secrets.logs", "secrets", "No passwords, tokens or reset links in the logs", High,
		"Redact credentials, tokens and reset links in your logger before writing.", []string{"ASVS 4.0 V7.1.1"}},
	{"secrets.baas-exposure", "secrets", "Supabase/Firebase data is not readable anonymously", Critical,
		"Enable Row Level Security on every table (Supabase) or lock down security rules (Firebase); the anon key is public by design.", []string{refAPI1}},

	// cors — CORS and origin rules
	{"cors.origin", "cors", "The API does not trust arbitrary origins", High,
		"Allow only your own origins by exact match from a list; never reflect the Origin header, never allow null, never combine * with credentials.", []string{refAPI8, "Fetch Standard (CORS protocol)"}},
	{"cors.preflight", "cors", "Preflights from unapproved origins are refused", Medium,
		"Answer preflights only for allowed origins, methods and headers; omit Access-Control-Allow-Origin for everything else.", []string{refAPI8, "Fetch Standard (CORS protocol)"}},

	// headers — security headers
	{"headers.hsts", "headers", "Strict-Transport-Security is set for at least six months", Medium,
		"Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every HTTPS response.", []string{refObs, "RFC 6797"}},
	{"headers.csp", "headers", "A Content-Security-Policy blocks inline and wildcard scripts", Medium,
		"Send a Content-Security-Policy with script-src 'self' (plus nonces or hashes for inline scripts) and no 'unsafe-inline' or * sources; start in Report-Only if needed.", []string{refObs, "CSP Level 3", "ASVS 4.0 V14.4.3"}},
	{"headers.frame", "headers", "Pages cannot be framed by other sites (clickjacking)", Medium,
		"Add frame-ancestors 'none' (or 'self') to the CSP, or X-Frame-Options: DENY.", []string{refObs, "ASVS 4.0 V14.4.7"}},
	{"headers.nosniff", "headers", "X-Content-Type-Options: nosniff is set", Low,
		"Send X-Content-Type-Options: nosniff on every response.", []string{refObs, "ASVS 4.0 V14.4.4"}},
	{"headers.referrer-policy", "headers", "Referrer-Policy does not leak full URLs to other sites", Low,
		"Send Referrer-Policy: strict-origin-when-cross-origin (or no-referrer on pages with tokens in the URL).", []string{refObs, "ASVS 4.0 V14.4.6"}},
	{"headers.server-leak", "headers", "Server and X-Powered-By reveal no versions", Low,
		"Remove X-Powered-By and the version from Server (e.g. server_tokens off; app.disable('x-powered-by')).", []string{refAPI8, "ASVS 4.0 V14.3.3"}},

	// transport — deployment hygiene
	{"transport.https-redirect", "transport", "http:// redirects to https:// on the same host in one hop", High,
		"Answer every http:// request with a 301 (or 308) to the same host and path over https://.", []string{"RFC 6797", "ASVS 4.0 V9.1.1"}},
	{"transport.canonical-host", "transport", "Apex and www end on one canonical host", Low,
		"Pick one host (apex or www) and 301 the other to it in one hop.", nil},
	{"transport.tls-cert", "transport", "The certificate is valid, matches the name and does not expire within 14 days", High,
		"Serve a certificate from a public CA for every audited name and renew it automatically (e.g. ACME) well before expiry.", []string{"ASVS 4.0 V9.1", "RFC 5280"}},
	{"transport.tls-version", "transport", "TLS 1.0 and 1.1 are refused, TLS 1.2+ offered", Medium,
		"Set the minimum TLS version to 1.2 at your load balancer or CDN.", []string{"ASVS 4.0 V9.1.3", "RFC 8996"}},
	{"transport.mixed-content", "transport", "No http:// subresources on HTTPS pages", Medium,
		"Load every script, style, image and API call over https:// (or protocol-relative to the page).", []string{"W3C Mixed Content"}},
	{"transport.edge", "transport", "Which CDN/WAF fronts the site", SeverityNone,
		"Put a CDN/WAF (Cloudflare or similar) in front of the app for DDoS protection and rate limiting at the edge.", nil},

	// email — email authentication for the sending domain
	{"email.spf", "email", "One SPF record that ends in -all or ~all within 10 lookups", High,
		"Publish exactly one TXT v=spf1 record listing your senders' includes and ending in ~all (or -all), within 10 DNS lookups.", []string{"RFC 7208"}},
	{"email.dkim", "email", "DKIM keys are published and at least 1024-bit", High,
		"Enable DKIM at your email provider and publish its selector record; use 2048-bit keys and remove t=y.", []string{"RFC 6376", "RFC 8301"}},
	{"email.dmarc", "email", "DMARC is published, starting at p=none with reports, moving to quarantine", High,
		"Publish _dmarc TXT \"v=DMARC1; p=none; rua=mailto:...\", read the reports, then move to p=quarantine.", []string{"RFC 7489"}},
	{"email.mx", "email", "MX records exist (or an explicit null MX)", Medium,
		"Publish MX records for the sending domain so bounces and replies arrive, or a null MX (RFC 7505) if it never receives mail.", []string{"RFC 5321", "RFC 7505"}},
	{"email.mta-sts", "email", "MTA-STS and TLS-RPT are published", SeverityNone,
		"Publish an MTA-STS policy and a TLS-RPT record to protect inbound mail in transit.", []string{"RFC 8461", "RFC 8460"}},
	{"email.delivery", "email", "A real mail from the app arrives with SPF, DKIM and DMARC aligned", High,
		"Send from your own domain through a provider that signs with your DKIM key and whose servers are in your SPF.", []string{"RFC 7489"}},

	// perf — performance baseline
	{"perf.api-p95", "perf", "API p95 under 500 ms on the core flows", Medium,
		"Profile the slow endpoints: add indexes for their queries, remove N+1 queries, cache what is read often.", []string{refAPI4}},
	{"perf.lcp-mobile", "perf", "Mobile Largest Contentful Paint under 2.5 s", Low,
		"Shrink the JavaScript on the first page, serve images sized for mobile, preload the hero content.", []string{"web.dev Core Web Vitals"}},
	{"perf.health", "perf", "A health endpoint answers 200 quickly for uptime monitoring", Medium,
		"Serve GET /healthz answering 200 within 1 s (checking the database), and point an uptime monitor at it.", nil},

	// ops — what only people can answer
	{"ops.monitoring", "ops", "Uptime alerts on API, auth and email; error tracking; someone gets paged", Medium,
		"Add an uptime monitor on the health endpoint and login page, error tracking (e.g. Sentry), and an alert route to a person.", nil},
	{"ops.rollback", "ops", "A rollback path that works in under 10 minutes", Medium,
		"Document and rehearse a rollback (redeploy the previous build, reversible migrations).", nil},
	{"ops.mfa", "ops", "MFA on hosting, DNS, Git, email provider, database and admin dashboards", High,
		"Turn on MFA for every account that can deploy, change DNS, read the database or send email.", nil},
	{"ops.secrets-separation", "ops", "Staging and production secrets are separate; leaked keys rotated", Medium,
		"Use separate keys per environment and rotate any key that was ever committed or shared.", nil},
	{"ops.backups", "ops", "Backups with a tested restore path", High,
		"Enable automated backups and restore one into a scratch database before launch.", nil},
}
