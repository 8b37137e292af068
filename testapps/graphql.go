package testapps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/graph-gophers/graphql-go"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// gqlRoutes is the route file the Flawed mode's stack traces name.
const gqlRoutes = "/app/server/routes/login.js"

// gqlShell is the one HTML document of the GraphQL app; /app.js draws every view.
const gqlShell = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Billfold</title></head><body><div id="root">Loading…</div><script src="/app.js"></script></body></html>`

// gqlSchema is the GraphQL app's schema.
const gqlSchema = `
schema {
	query: Query
	mutation: Mutation
}

type Query {
	viewer: User!
	org(id: ID!): Org
	invoice(id: ID!): Invoice
}

type Mutation {
	markSeen(invoiceId: ID!): Invoice
}

type User {
	id: ID!
	email: String!
	name: String!
	org: Org!
}

type Org {
	id: ID!
	name: String!
	members: [Member!]!
	invoices: [Invoice!]!
}

type Member {
	name: String!
	email: String!
}

type Invoice {
	id: ID!
	number: String!
	amount: Float!
	customer: String!
	notes: String!
	seenAt: String
}
`

var (
	errUnauthenticated = errors.New("unauthenticated")
	errNotFound        = errors.New("not found")
)

type graphQL struct {
	mode     Mode
	users    *users
	tokens   *sessions[string] // bearer token -> email
	login    *limiter
	viewers  map[string]*gqlUser // by lowercased email
	orgs     map[string]*gqlOrg
	invoices map[string]*gqlInvoice
	schema   *graphql.Schema

	mu             sync.Mutex
	browser, other int // mutation operations received
}

// GraphQL starts a single-page app over a GraphQL API (graph-gophers/graphql-go) at POST /graphql, which refuses an
// operation without the app's Origin (403), like a gateway's CSRF guard: the script logs in with JSON at /api/login,
// keeps the bearer token in localStorage, and on every page load sends the Viewer, Org and Invoice queries and a
// MarkSeen mutation. Each account's organization has two members and two invoices, all with UUID ids. Flawed answers
// org(id) and invoice(id) for any id to anyone, with no token too; Fixed answers 401 to a request without a valid
// token and null with a "not found" error for another organization's objects. App.Mutations counts the mutation
// operations received.
func GraphQL(t testing.TB, mode Mode) *App {
	a := Account{"gail@graphql.test", "Gail-graph-Pass-3318"}
	b := Account{"hugo@graphql.test", "Hugo-graph-Pass-6645"}
	type seed struct {
		number, customer, notes, ref string // notes has a %s for the reference: ref and random hex
		amount                       float64
	}
	accounts := []struct {
		acc       Account
		name, org string
		colleague gqlMember
		invoices  [2]seed
	}{
		{a, "Gail Novak", "Northwind Freight", gqlMember{"Priya Raman", "priya@northwind-gql.test"}, [2]seed{
			{"INV-NW-2291", "Fjordline Shipping AS", "Net 30, purchase order %s; remind Priya before the 14th.", "PO-7781-", 12480.50},
			{"INV-NW-2304", "Halden Marine Supply", "Line 3 (pallet fees) disputed, credit note %s pending.", "CN-NW-", 3920},
		}},
		{b, "Hugo Brandt", "Globex Analytics", gqlMember{"Tomas Okafor", "tomas@globex-gql.test"}, [2]seed{
			{"INV-GX-5170", "Initech Payroll GmbH", "Quarterly retainer, purchase order %s approved by Tomas.", "GX-PO-", 27300},
			{"INV-GX-5184", "Umbrella Retail BV", "Late fee waived once, reminder %s sent on the 2nd.", "RM-GX-", 860.75},
		}},
	}
	g := &graphQL{mode: mode, users: &users{byEmail: map[string]*user{}}, tokens: newSessions[string](), login: newLimiter(mode),
		viewers: map[string]*gqlUser{}, orgs: map[string]*gqlOrg{}, invoices: map[string]*gqlInvoice{}}
	private := map[string][]string{}
	for _, ac := range accounts {
		g.users.add(ac.acc.Email, ac.acc.Password, ac.name)
		org := &gqlOrg{id: uuid.NewString(), name: ac.org, members: []*gqlMember{{ac.name, ac.acc.Email}, &ac.colleague}}
		g.orgs[org.id] = org
		g.viewers[strings.ToLower(ac.acc.Email)] = &gqlUser{uuid.NewString(), ac.acc.Email, ac.name, org}
		private[ac.acc.Email] = append(private[ac.acc.Email], ac.colleague.email)
		for _, s := range ac.invoices {
			ref := s.ref + randHex(3)
			inv := &gqlInvoice{id: uuid.NewString(), org: org, number: s.number, customer: s.customer, notes: fmt.Sprintf(s.notes, ref), amount: s.amount}
			org.invoices = append(org.invoices, inv)
			g.invoices[inv.id] = inv
			private[ac.acc.Email] = append(private[ac.acc.Email], s.number, s.customer, ref)
		}
	}
	g.schema = graphql.MustParseSchema(gqlSchema, &gqlRoot{g})
	mux := http.NewServeMux()
	for _, p := range []string{"/{$}", "/invoices/{id}"} {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, gqlShell)
		})
	}
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		io.WriteString(w, gqlScript)
	})
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := jsonLogin(w, r, mode, gqlRoutes, g.users, g.login, func(u *user) string { return g.tokens.add(u.email) }); ok {
			writeJSON(w, http.StatusOK, map[string]string{"token": tok})
		}
	})
	mux.HandleFunc("POST /graphql", g.serve)
	app := start(t, "graphql", a, b, mux)
	app.Private = private
	app.Mutations = func() (int, int) {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.browser, g.other
	}
	return app
}

// gqlErrors answers a GraphQL error without data.
func gqlErrors(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string][]map[string]string{"errors": {{"message": msg}}})
}

// serve runs one GraphQL request, {"query", "operationName", "variables"}, as the bearer token's account.
func (g *graphQL) serve(w http.ResponseWriter, r *http.Request) {
	// Like a gateway's CSRF guard, every operation must come from the app's own pages: a browser sends their Origin
	// with each POST.
	if r.Header.Get("Origin") != "https://"+r.Host {
		gqlErrors(w, http.StatusForbidden, "cross-site request refused")
		return
	}
	body, big, ok := readBody(w, r, g.mode, func() { gqlErrors(w, http.StatusRequestEntityTooLarge, "request body too large") })
	if !ok {
		return
	}
	var req struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
	}
	if big || json.Unmarshal(body, &req) != nil || req.Query == "" {
		gqlErrors(w, http.StatusBadRequest, "the body must be JSON with a query")
		return
	}
	g.count(r, req.Query, req.OperationName)
	var viewer *gqlUser
	if tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
		if email, ok := g.tokens.get(tok); ok {
			viewer = g.viewers[strings.ToLower(email)]
		}
	}
	if viewer == nil && g.mode == Fixed {
		gqlErrors(w, http.StatusUnauthorized, errUnauthenticated.Error())
		return
	}
	writeJSON(w, http.StatusOK, g.schema.Exec(context.WithValue(r.Context(), viewerKey{}, viewer), req.Query, req.OperationName, req.Variables))
}

// count counts the request when the operation it runs is a mutation.
func (g *graphQL) count(r *http.Request, query, operationName string) {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return
	}
	if op := doc.Operations.ForName(operationName); op == nil || op.Operation != ast.Mutation {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if strings.Contains(r.UserAgent(), "Mozilla/") {
		g.browser++
	} else {
		g.other++
	}
}

// viewerKey holds the request's *gqlUser (nil without a valid token) in the resolvers' context.
type viewerKey struct{}

func viewerOf(ctx context.Context) *gqlUser {
	u, _ := ctx.Value(viewerKey{}).(*gqlUser)
	return u
}

// gqlRoot resolves the Query and Mutation fields.
type gqlRoot struct{ g *graphQL }

// Viewer is the token's account.
func (q *gqlRoot) Viewer(ctx context.Context) (*gqlUser, error) {
	if u := viewerOf(ctx); u != nil {
		return u, nil
	}
	return nil, errUnauthenticated
}

// Org is an organization by id: any in Flawed mode, the caller's own in Fixed mode.
func (q *gqlRoot) Org(ctx context.Context, args struct{ ID graphql.ID }) (*gqlOrg, error) {
	o := q.g.orgs[string(args.ID)]
	if o == nil || q.g.mode == Fixed && !viewerOf(ctx).member(o) {
		return nil, fmt.Errorf("org %s: %w", args.ID, errNotFound) // echoes the ID asked for, as many APIs do
	}
	return o, nil
}

// Invoice is an invoice by id: any in Flawed mode, one of the caller's organization in Fixed mode.
func (q *gqlRoot) Invoice(ctx context.Context, args struct{ ID graphql.ID }) (*gqlInvoice, error) {
	inv := q.g.invoices[string(args.ID)]
	if inv == nil || q.g.mode == Fixed && !viewerOf(ctx).member(inv.org) {
		return nil, fmt.Errorf("invoice %s: %w", args.ID, errNotFound)
	}
	return inv, nil
}

// MarkSeen stamps one of the caller's organization's invoices as seen now, in both modes.
func (q *gqlRoot) MarkSeen(ctx context.Context, args struct{ InvoiceID graphql.ID }) (*gqlInvoice, error) {
	u := viewerOf(ctx)
	if u == nil {
		return nil, errUnauthenticated
	}
	inv := q.g.invoices[string(args.InvoiceID)]
	if inv == nil || !u.member(inv.org) {
		return nil, errNotFound
	}
	inv.seenAt.Store(time.Now().UnixNano())
	return inv, nil
}

// gqlUser is an account as the API shows it.
type gqlUser struct {
	id, email, name string
	org             *gqlOrg
}

// member reports whether u (nil: no account) belongs to o.
func (u *gqlUser) member(o *gqlOrg) bool { return u != nil && u.org == o }

// ID is the account's UUID.
func (u *gqlUser) ID() graphql.ID { return graphql.ID(u.id) }

// Email is the account's email address.
func (u *gqlUser) Email() string { return u.email }

// Name is the account's display name.
func (u *gqlUser) Name() string { return u.name }

// Org is the account's organization.
func (u *gqlUser) Org() *gqlOrg { return u.org }

// gqlOrg is an organization.
type gqlOrg struct {
	id, name string
	members  []*gqlMember
	invoices []*gqlInvoice
}

// ID is the organization's UUID.
func (o *gqlOrg) ID() graphql.ID { return graphql.ID(o.id) }

// Name is the organization's name.
func (o *gqlOrg) Name() string { return o.name }

// Members are the organization's people.
func (o *gqlOrg) Members() []*gqlMember { return o.members }

// Invoices are the organization's invoices.
func (o *gqlOrg) Invoices() []*gqlInvoice { return o.invoices }

// gqlMember is a person of an organization.
type gqlMember struct{ name, email string }

// Name is the member's name.
func (m *gqlMember) Name() string { return m.name }

// Email is the member's email address.
func (m *gqlMember) Email() string { return m.email }

// gqlInvoice is an invoice of an organization.
type gqlInvoice struct {
	id                      string
	org                     *gqlOrg
	number, customer, notes string
	amount                  float64
	seenAt                  atomic.Int64 // Unix nanoseconds, 0 when never seen
}

// ID is the invoice's UUID.
func (i *gqlInvoice) ID() graphql.ID { return graphql.ID(i.id) }

// Number is the invoice number.
func (i *gqlInvoice) Number() string { return i.number }

// Amount is the invoice total in euros.
func (i *gqlInvoice) Amount() float64 { return i.amount }

// Customer is who the invoice bills.
func (i *gqlInvoice) Customer() string { return i.customer }

// Notes are the team's notes on the invoice.
func (i *gqlInvoice) Notes() string { return i.notes }

// SeenAt is when the invoice was last opened (RFC 3339), null when never.
func (i *gqlInvoice) SeenAt() *string {
	n := i.seenAt.Load()
	if n == 0 {
		return nil
	}
	s := time.Unix(0, n).UTC().Format(time.RFC3339)
	return &s
}
