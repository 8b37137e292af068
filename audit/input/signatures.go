package input

import "regexp"

// signature recognises one kind of leak in an error answer.
type signature struct {
	Name  string
	Re    *regexp.Regexp
	True  []string // samples it must catch
	False []string // look-alikes it must not
}

var signatures = []signature{
	{"Go panic or goroutine trace", regexp.MustCompile(`goroutine \d+ \[[a-z ]+\]:|panic: .+\n\s*goroutine|runtime/debug\.Stack\(`),
		[]string{"goroutine 1 [running]:\nmain.main()", "panic: boom\n\ngoroutine 7 [running]:"}, []string{"our goroutine-free API", "panic at the disco"}},
	{"Python traceback", regexp.MustCompile(`Traceback \(most recent call last\):`),
		[]string{"Traceback (most recent call last):\n  File \"app.py\", line 3"}, []string{"traceback of the bug report"}},
	{"Node.js stack trace", regexp.MustCompile(`(?m)^\s*at (?:[\w.<>$]+ )?\(?(?:/|[A-Z]:\\|node:|file://)[^)\n]+:\d+:\d+\)?`),
		[]string{"Error: x\n    at Object.<anonymous> (/app/server.js:10:5)", "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)"}, []string{"meet at noon (room 3:1)"}},
	{"Java stack trace", regexp.MustCompile(`(?m)^\s*at [\w$.]+\([\w$]+\.java:\d+\)|java\.lang\.\w+(?:Exception|Error)`),
		[]string{"\tat com.acme.Api.get(Api.java:42)", "java.lang.NullPointerException"}, []string{"look at this (java)"}},
	{"SQL error", regexp.MustCompile(`(?i)pq: |PG::\w+Error|SQLSTATE\[|syntax error at or near|You have an error in your SQL syntax|sqlite3?\.\w*Error|SQLITE_ERROR|ORA-\d{5}|invalid input syntax for (?:type )?\w+`),
		[]string{`pq: invalid input syntax for type integer: "x"`, "You have an error in your SQL syntax; check the manual", "SQLSTATE[42S02]: Base table"}, []string{"no results for your query"}},
	{"framework debug page", regexp.MustCompile(`(?i)Werkzeug Debugger|You're seeing this error because you have <code>DEBUG = True</code>|Whoops! There was an error|Action Controller: Exception caught|<title>Error</title>\s*<pre>Error:`),
		[]string{"You're seeing this error because you have <code>DEBUG = True</code>", "Action Controller: Exception caught"}, []string{"Error: not found"}},
	{"Spring Boot error page", regexp.MustCompile(`Whitelabel Error Page|"trace"\s*:\s*"(?:java|org\.springframework)`),
		[]string{"<h1>Whitelabel Error Page</h1>", `{"status":500,"trace":"java.lang.IllegalStateException"}`}, []string{"Error page not found"}},
	{"PHP error", regexp.MustCompile(`(?:Fatal error|Parse error|Warning|Notice)</b>:.+ in <b>/|PHP (?:Fatal|Parse) error:|Stack trace:\s*#0 /`),
		[]string{"<b>Fatal error</b>:  Uncaught Exception in <b>/var/www/html/index.php", "PHP Fatal error:  Uncaught Error"}, []string{"Warning: low stock"}},
	{"ASP.NET error page", regexp.MustCompile(`Server Error in '/' Application|\[\w+Exception: .+\]\s+System\.`),
		[]string{"<h1>Server Error in '/' Application.</h1>"}, []string{"Server error, try again"}},
	{"internal file path", regexp.MustCompile(`(?:/(?:home|srv|var/www|usr/src|opt|app|tmp|root)/[\w.\-/@]+\.(?:go|py|js|ts|rb|php|java)\b(?::\d+)?|/node_modules/[\w.\-/@]+\.[cm]?js:\d+|[A-Z]:\\(?:inetpub|Users)\\[\w\\. -]+)`),
		[]string{"/srv/demo/internal/store/posts.go:42", `C:\inetpub\wwwroot\app.aspx`, "(/usr/lib/node_modules/body-parser/lib/types/json.js:92:19)"},
		[]string{"/api/posts/42", "see /docs/getting-started", "/static/node_modules.js"}},
}
