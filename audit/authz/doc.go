// Package authz holds the authz.* checks: from the traffic the browser recorded for accounts A and B, it finds the
// object identifiers each account uses, replays each account's requests with the other's credentials (and with
// none), swaps tenant IDs in parameters, and judges every answer by its content, not its length.
package authz
