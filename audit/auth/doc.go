// Package auth holds the account-flow checks (auth.*): sign-up, email verification, password reset, invites,
// user enumeration and password policy. The flows drive the real browser through the app's own forms (found
// without per-app code) and read the app's real mail from the plan's inbox. It imports audit, audit/inbox,
// audit/probe and browser; never another area, never the TUI.
package auth
