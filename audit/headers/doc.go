// Package headers holds the headers.* checks: the security headers of the app's main document, judged by
// Mozilla Observatory's criteria. Each check reads the page the Target already loaded; none sends its own request.
package headers
