// Package inbox receives the mail the app under audit sends (sign-up verification, password reset, invites): an
// embedded SMTP sink on 127.0.0.1, a real mailbox over IMAP, or the user pasting the link. It parses messages with
// go-message and hands the checks the links. It imports nothing of the audit; checks never print from here.
package inbox
