// Package audit holds what every part of Launch Ready shares: the Plan, the Target a check runs against, the
// catalog of checks as data, Result/Status/Severity/Evidence, the Runner with its event stream and the area
// roll-up. It imports only audit/probe and the standard library; it never imports an area package, tui or reports.
package audit
