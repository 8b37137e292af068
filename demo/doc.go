// Package demo is the embedded sample target: a small community platform (sign-up, login with a session cookie,
// communities with members and posts, invites, password reset, an admin page, a JSON API, a JS bundle) whose
// every catalog flaw is a switch. It serves on 127.0.0.1 only, on random ports, over HTTP and HTTPS with a
// throwaway certificate. It imports audit only to describe itself as a plan; no check imports it.
package demo
