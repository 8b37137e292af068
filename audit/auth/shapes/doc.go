// Package shapes runs the account flows (sign-up, confirmation, reset, enumeration, and the sign-up and reset
// bursts) against the test apps whose forms ask more than an address and a password: a Gitea-style server-rendered
// sign-up with a strict username, a confirmation field, a required select and a terms box, and a single-page app
// whose API rejects a handle per field. It holds tests only; it is a package of its own so they run beside
// audit/auth's.
package shapes
