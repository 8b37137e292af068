package authz

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// gqlOp is a GraphQL request the app made. Only a document whose every operation is a query is ever replayed:
// a mutation or a subscription changes or streams the app's data, and an operation the audit cannot read (a
// persisted-query hash without its document, a batch, a document that does not parse) is left alone.
type gqlOp struct {
	Kind ast.Operation   // query, mutation, subscription; "" when it could not be told
	Name string          // the operation's name, or its first field
	Body map[string]any  // the request body, to send again with other variables
	IDs  map[string]bool // variables declared as identifiers (ID, UUID)
	Why  string          // why it is not replayed, when it is not
}

// readOnly reports an operation the audit may send again: a query, nothing else.
func (g *gqlOp) readOnly() bool { return g.Why == "" && g.Kind == ast.Query }

// label names the operation in patterns and evidence: "query Invoice".
func (g *gqlOp) label() string {
	kind := string(g.Kind)
	if kind == "" {
		kind = "operation"
	}
	if g.Name == "" {
		return kind
	}
	return kind + " " + g.Name
}

// Variables returns the operation's variables.
func (g *gqlOp) variables() map[string]any {
	v, _ := g.Body["variables"].(map[string]any)
	return v
}

// graphQL recognises a GraphQL request: a POST whose JSON body has a "query" document or a persisted-query hash
// (or an application/graphql body), or a GET with a "query" parameter. nil when the request is not GraphQL.
func graphQL(method string, u *url.URL, contentType, body string) *gqlOp {
	switch method {
	case "GET":
		q := u.Query()
		if q.Has("query") && looksLikeDocument(q.Get("query")) {
			return parseOp(q.Get("query"), q.Get("operationName"), nil)
		}
		if q.Has("extensions") && strings.Contains(q.Get("extensions"), "persistedQuery") {
			return &gqlOp{Why: "a persisted-query hash without its document: the audit cannot tell a query from a mutation"}
		}
	case "POST":
		if strings.Contains(contentType, "application/graphql") {
			return parseOp(body, "", map[string]any{"query": body})
		}
		trimmed := strings.TrimSpace(body)
		if strings.HasPrefix(trimmed, "[") && strings.Contains(trimmed, `"query"`) {
			return &gqlOp{Why: "a batch of operations: not replayed"}
		}
		var doc map[string]any
		if !strings.HasPrefix(trimmed, "{") || json.Unmarshal([]byte(trimmed), &doc) != nil {
			return nil
		}
		name, _ := doc["operationName"].(string)
		if q, ok := doc["query"].(string); ok && looksLikeDocument(q) {
			return parseOp(q, name, doc)
		}
		if ext, ok := doc["extensions"].(map[string]any); ok && ext["persistedQuery"] != nil {
			return &gqlOp{Name: name, Why: "a persisted-query hash without its document: the audit cannot tell a query from a mutation"}
		}
	}
	return nil
}

// looksLikeDocument tells a GraphQL document from a search box's "query" parameter.
func looksLikeDocument(q string) bool {
	q = strings.TrimSpace(q)
	return strings.HasPrefix(q, "{") || strings.HasPrefix(q, "query") || strings.HasPrefix(q, "mutation") ||
		strings.HasPrefix(q, "subscription") || strings.HasPrefix(q, "fragment") || strings.HasPrefix(q, "#")
}

// parseOp reads the document with a real GraphQL parser and decides what the request does.
func parseOp(query, name string, body map[string]any) *gqlOp {
	g := &gqlOp{Name: name, Body: body}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil || len(doc.Operations) == 0 {
		g.Why = "a GraphQL document the audit could not parse: not replayed"
		return g
	}
	op := doc.Operations.ForName(name)
	if op == nil {
		g.Why = "no operation named " + name + " in the document: not replayed"
		return g
	}
	g.Kind = op.Operation
	g.IDs = map[string]bool{}
	for _, v := range op.VariableDefinitions {
		switch strings.ToLower(v.Type.Name()) {
		case "id", "uuid", "ulid", "bigint":
			g.IDs[v.Variable] = true
		}
	}
	if g.Name == "" {
		g.Name = op.Name
	}
	if g.Name == "" && len(op.SelectionSet) > 0 {
		if f, ok := op.SelectionSet[0].(*ast.Field); ok {
			g.Name = f.Name
		}
	}
	// The server picks the operation; whatever it picks must be a read.
	for _, o := range doc.Operations {
		if o.Operation != ast.Query {
			g.Kind = o.Operation
			g.Why = "a " + string(o.Operation) + ": the audit never sends one again"
			return g
		}
	}
	return g
}
