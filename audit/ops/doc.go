// Package ops holds the ops.* checks: what only people can answer (monitoring, rollback, MFA, secrets, backups),
// taken from the plan's ops: answers or the wizard and always marked self-reported.
package ops
