// Package account is how an account gets into the app, as the app itself does it: the Submission (the request a
// login, reset, sign-up or invite form really sends, learnt from an explicit POST form in the HTML or recorded in
// the browser, then filled and replayed over HTTP) and the forms it is learnt from. It imports probe and browser's
// recorded exchanges, never audit or a check.
package account
