// Package tui is the terminal experience: the wizard that builds a plan (huh forms), the live scorecard that
// streams the runner's events into one panel per checklist area, the area and check views with evidence and the
// fix, the side form for the ops questions, and the final verdict. It only renders what the audit package
// decided; it never decides a status itself.
package tui
