package testapps

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxBody is the Fixed mode's body limit.
const maxBody = 1 << 20

// mediaType is the request's Content-Type without parameters.
func mediaType(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// readBody reads the body the mode's way. Fixed stops at maxBody and answers 413 itself (via tooBig); Flawed reads
// it all and reports big when it is over maxBody.
func readBody(w http.ResponseWriter, r *http.Request, mode Mode, tooBig func()) (body []byte, big, ok bool) {
	if mode == Flawed {
		body, _ = io.ReadAll(r.Body)
		return body, len(body) > maxBody, true
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		tooBig()
		return nil, false, false
	}
	return body, false, err == nil
}

// jsonFields reads a JSON API body and returns its string fields; every name in need must be one. When ok is false
// the answer is written: Flawed a 500 with a Node.js stack trace (file names the app's route file), Fixed a clean
// 400 or 413. big (with ok) reports a Flawed read of a body over 1 MiB, which the caller answers as a failed
// attempt without looking at it.
func jsonFields(w http.ResponseWriter, r *http.Request, mode Mode, file string, need ...string) (f map[string]string, big, ok bool) {
	body, big, ok := readBody(w, r, mode, func() { jsonError(w, http.StatusRequestEntityTooLarge, "Request body too large") })
	if !ok || big {
		return nil, big, ok
	}
	var m map[string]any
	var parseErr error
	if mediaType(r) == "application/json" {
		parseErr = json.Unmarshal(body, &m)
	}
	f = map[string]string{}
	for k, v := range m {
		if s, isStr := v.(string); isStr {
			f[k] = s
		}
	}
	if mode == Fixed {
		switch {
		case mediaType(r) != "application/json":
			jsonError(w, http.StatusBadRequest, "Content-Type must be application/json")
		case parseErr != nil:
			jsonError(w, http.StatusBadRequest, "Invalid JSON body")
		default:
			for _, n := range need {
				if _, has := f[n]; !has {
					jsonError(w, http.StatusBadRequest, "Missing or invalid field: "+n)
					return nil, false, false
				}
			}
			return f, false, true
		}
		return nil, false, false
	}
	// Flawed: the handler trusts the body parser and req.body.
	if syn := (*json.SyntaxError)(nil); errors.As(parseErr, &syn) {
		msg := "Unexpected end of JSON input"
		if syn.Offset > 0 && !strings.Contains(syn.Error(), "unexpected end") {
			msg = fmt.Sprintf("Unexpected token %c in JSON at position %d", body[syn.Offset-1], syn.Offset-1)
		}
		nodeCrash(w, "SyntaxError: "+msg, true, file)
		return nil, false, false
	}
	for _, n := range need {
		v, has := m[n]
		if _, isStr := v.(string); !isStr {
			head := fmt.Sprintf("TypeError: %s.toLowerCase is not a function", n)
			if !has || v == nil {
				head = "TypeError: Cannot read properties of undefined (reading 'toLowerCase')"
			}
			nodeCrash(w, head, false, file)
			return nil, false, false
		}
	}
	return f, false, true
}

// nodeCrash answers 500 with err.stack, the way `res.status(500).send(err.stack)` does in an Express app.
func nodeCrash(w http.ResponseWriter, head string, parsing bool, file string) {
	lines := []string{head}
	if parsing {
		lines = append(lines, "    at JSON.parse (<anonymous>)", "    at "+file+":42:17")
	} else {
		lines = append(lines, "    at "+file+":47:29")
	}
	lines = append(lines,
		"    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)",
		"    at next (/app/node_modules/express/lib/router/route.js:144:13)",
		"    at Route.dispatch (/app/node_modules/express/lib/router/route.js:114:3)",
		"    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, strings.Join(lines, "\n")+"\n")
}

// formBody reads a form body. When ok is false the answer is written: Flawed the Django debug page (the body is not
// a form, so request.POST[field] fails), Fixed a clean 400 or 413. big (with ok) reports a Flawed read of a body
// over 1 MiB.
func formBody(w http.ResponseWriter, r *http.Request, mode Mode, view, field string) (v url.Values, big, ok bool) {
	body, big, ok := readBody(w, r, mode, func() { htmlError(w, http.StatusRequestEntityTooLarge, "Request body too large.") })
	if !ok || big {
		return nil, big, ok
	}
	v, err := url.ParseQuery(string(body))
	if mediaType(r) == "application/x-www-form-urlencoded" && err == nil {
		return v, false, true
	}
	if mode == Fixed {
		htmlError(w, http.StatusBadRequest, "Bad request: the form could not be read.")
		return nil, false, false
	}
	djangoCrash(w, r, view, field)
	return nil, false, false
}

// djangoCrash answers 500 with Django's DEBUG = True page for a missing POST field.
func djangoCrash(w http.ResponseWriter, r *http.Request, view, field string) {
	tb := fmt.Sprintf(`Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/django/utils/datastructures.py", line 84, in __getitem__
    list_ = super().__getitem__(key)
KeyError: '%[1]s'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/django/core/handlers/exception.py", line 55, in inner
    response = get_response(request)
  File "/usr/local/lib/python3.11/site-packages/django/core/handlers/base.py", line 197, in _get_response
    response = wrapped_callback(request, *callback_args, **callback_kwargs)
  File "/app/accounts/views.py", line 31, in %[2]s
    email = request.POST["%[1]s"]
  File "/usr/local/lib/python3.11/site-packages/django/utils/datastructures.py", line 86, in __getitem__
    raise MultiValueDictKeyError(key)
django.utils.datastructures.MultiValueDictKeyError: '%[1]s'`, field, view)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en"><head><meta name="robots" content="NONE,NOARCHIVE"><title>MultiValueDictKeyError at %[1]s</title></head>
<body>
<div id="summary"><h1>MultiValueDictKeyError at %[1]s</h1><pre class="exception_value">'%[2]s'</pre>
<table class="meta">
<tr><th>Request Method:</th><td>%[3]s</td></tr>
<tr><th>Django Version:</th><td>4.2.7</td></tr>
<tr><th>Exception Location:</th><td>/usr/local/lib/python3.11/site-packages/django/utils/datastructures.py, line 86, in __getitem__</td></tr>
<tr><th>Python Version:</th><td>3.11.6</td></tr>
</table></div>
<div id="traceback"><h2>Traceback</h2><textarea id="traceback_area" cols="140" rows="25">%[4]s</textarea></div>
<div id="explanation"><p>You're seeing this error because you have <code>DEBUG = True</code> in your Django settings file.
Change that to <code>False</code>, and Django will display a standard page generated by the handler for this status code.</p></div>
</body></html>
`, esc(r.URL.Path), field, r.Method, html.EscapeString(tb))
}

// htmlError answers a short, clean HTML page.
func htmlError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><html><head><title>%d %s</title></head><body><h1>%s</h1><p><a href=\"/login\">Back to sign in</a></p></body></html>\n",
		status, http.StatusText(status), esc(msg))
}
