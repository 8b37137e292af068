package checks

import (
	"context"
	"fmt"

	"github.com/launchready/launchready/audit"
	"github.com/launchready/launchready/audit/auth"
	"github.com/launchready/launchready/audit/authz"
	"github.com/launchready/launchready/audit/cors"
	"github.com/launchready/launchready/audit/email"
	"github.com/launchready/launchready/audit/headers"
	"github.com/launchready/launchready/audit/input"
	"github.com/launchready/launchready/audit/ops"
	"github.com/launchready/launchready/audit/perf"
	"github.com/launchready/launchready/audit/ratelimit"
	"github.com/launchready/launchready/audit/secrets"
	"github.com/launchready/launchready/audit/session"
	"github.com/launchready/launchready/audit/transport"
)

type runFunc = func(context.Context, *audit.Target) audit.Result

// implemented maps a catalog ID to its check and the phase it runs in; ends marks the check that ends a session,
// browser a measurement the browser takes, sessions a flow that acts in A's and B's sessions.
var implemented = map[string]struct {
	run      runFunc
	phase    audit.Phase
	ends     bool
	browser  bool // a measurement the browser takes (see audit.Check.Browser)
	sessions bool // a flow in the accounts' own sessions (see audit.Check.Sessions)
}{
	"authz.idor-read":             {run: authz.IDORRead},
	"authz.idor-write":            {run: authz.IDORWrite, phase: audit.PhaseFlows, sessions: true},
	"authz.unauthenticated":       {run: authz.Unauthenticated},
	"authz.id-swap-params":        {run: authz.IDSwapParams},
	"authz.admin-routes":          {run: authz.AdminRoutes},
	"authz.predictable-ids":       {run: authz.PredictableIDs},
	"ratelimit.login":             {run: ratelimit.Login, phase: audit.PhaseBurst},
	"ratelimit.reset":             {run: ratelimit.Reset, phase: audit.PhaseBurst},
	"ratelimit.signup":            {run: ratelimit.Signup, phase: audit.PhaseBurst},
	"ratelimit.invite":            {run: ratelimit.Invite, phase: audit.PhaseBurst},
	"ratelimit.post":              {run: ratelimit.Post, phase: audit.PhaseBurst},
	"headers.hsts":                {run: headers.HSTS},
	"headers.csp":                 {run: headers.CSP},
	"headers.frame":               {run: headers.Frame},
	"headers.nosniff":             {run: headers.Nosniff},
	"headers.referrer-policy":     {run: headers.ReferrerPolicy},
	"headers.server-leak":         {run: headers.ServerLeak},
	"cors.origin":                 {run: cors.Origin},
	"cors.preflight":              {run: cors.Preflight},
	"transport.https-redirect":    {run: transport.HTTPSRedirect},
	"transport.tls-cert":          {run: transport.TLSCert},
	"transport.canonical-host":    {run: transport.CanonicalHost},
	"transport.tls-version":       {run: transport.TLSVersion},
	"transport.edge":              {run: transport.Edge},
	"secrets.exposed-files":       {run: secrets.ExposedFiles},
	"secrets.client-bundle":       {run: secrets.ClientBundle},
	"secrets.source-maps":         {run: secrets.SourceMaps},
	"secrets.repo":                {run: secrets.Repo},
	"secrets.logs":                {run: secrets.Logs},
	"secrets.baas-exposure":       {run: secrets.BaaSExposure},
	"session.cookie-flags":        {run: session.CookieFlags},
	"session.token-storage":       {run: session.TokenStorage},
	"session.expiry":              {run: session.Expiry},
	"session.token-strength":      {run: session.TokenStrength},
	"session.rotation":            {run: session.Rotation},
	"session.logout-invalidates":  {run: session.LogoutInvalidates, phase: audit.PhaseEnd, ends: true},
	"transport.mixed-content":     {run: transport.MixedContent},
	"perf.lcp-mobile":             {run: perf.LCPMobile, phase: audit.PhaseQuiet, browser: true},
	"perf.api-p95":                {run: perf.APIP95, phase: audit.PhaseQuiet},
	"input.malformed":             {run: input.Malformed},
	"input.oversized":             {run: input.Oversized},
	"input.stored-xss":            {run: input.StoredXSS},
	"input.error-leakage":         {run: input.ErrorLeakage, phase: audit.PhaseJudge},
	"perf.health":                 {run: perf.Health, phase: audit.PhaseQuiet},
	"email.spf":                   {run: email.SPF},
	"email.dkim":                  {run: email.DKIM},
	"email.dmarc":                 {run: email.DMARC},
	"email.mx":                    {run: email.MX},
	"email.mta-sts":               {run: email.MTASTS},
	"email.delivery":              {run: email.Delivery, phase: audit.PhaseEnd},
	"auth.signup-flow":            {run: auth.SignupFlow, phase: audit.PhaseFlows},
	"auth.email-verification":     {run: auth.EmailVerification, phase: audit.PhaseFlows},
	"auth.reset-flow":             {run: auth.ResetFlow, phase: audit.PhaseFlows},
	"auth.reset-token":            {run: auth.ResetToken, phase: audit.PhaseFlows},
	"auth.reset-revokes-sessions": {run: auth.ResetRevokesSessions, phase: audit.PhaseFlows},
	"auth.user-enumeration":       {run: auth.UserEnumeration, phase: audit.PhaseFlows},
	"auth.invite-token":           {run: auth.InviteToken, phase: audit.PhaseFlows, sessions: true},
	"auth.password-policy":        {run: auth.PasswordPolicy, phase: audit.PhaseFlows},
	"ops.monitoring":              {run: ops.Monitoring},
	"ops.rollback":                {run: ops.Rollback},
	"ops.mfa":                     {run: ops.MFA},
	"ops.secrets-separation":      {run: ops.SecretsSeparation},
	"ops.backups":                 {run: ops.Backups},
}

// comingWith names, per check ID or area, what brings the checks not built yet, so a skipped result says what
// would enable it.
var comingWith = map[string]string{
	"authz":     "the two-account ID-swap replay",
	"session":   "the browser engine",
	"input":     "the input-handling checks",
	"ratelimit": "the bounded-burst rate-limit checks",
	"secrets":   "the secrets scanner",
	"transport": "the deployment-hygiene checks",
	"perf":      "the performance baseline",
}

// All returns every check of the catalog, in catalog order. A check not built yet is present and reports
// skipped with what it needs: never missing, never pass.
func All() []audit.Check {
	out := make([]audit.Check, 0, len(audit.Catalog))
	for _, e := range audit.Catalog {
		c := audit.Check{Entry: e}
		if impl, ok := implemented[e.ID]; ok {
			c.Run, c.Phase, c.EndsSession, c.Browser, c.Sessions = impl.run, impl.phase, impl.ends, impl.browser, impl.sessions
		} else {
			c.Run = notYet(e)
		}
		out = append(out, c)
	}
	return out
}

// Implemented reports whether a catalog ID has a real check behind it.
func Implemented(id string) bool { _, ok := implemented[id]; return ok }

func notYet(e audit.Entry) runFunc {
	with, ok := comingWith[e.ID]
	if !ok {
		with = comingWith[e.Area]
	}
	why := fmt.Sprintf("not automated in this version of launchready (it arrives with %s): check it by hand — %s", with, e.Title)
	return func(context.Context, *audit.Target) audit.Result { return audit.NotRun(why) }
}
