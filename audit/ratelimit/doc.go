// Package ratelimit holds the ratelimit.* checks: one bounded burst engine (a cap on count and on time, stopping
// at the first refusal) behind every check. Login bursts use a wrong password for account A only; reset bursts an
// unknown address; bursts that write (sign-up, invite, post) run only with active: true.
package ratelimit
