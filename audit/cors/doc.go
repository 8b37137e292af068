// Package cors holds the cors.* checks: whether the API trusts origins it should not, for simple requests and
// preflights. Requests go through the Target's probe; nothing here writes to the app.
package cors
