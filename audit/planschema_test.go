package audit

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

func compilePlanSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(PlanSchema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("plan.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("plan.schema.json")
	if err != nil {
		t.Fatalf("the plan schema does not compile: %v", err)
	}
	return s
}

func yamlAsJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The schema and the parser agree: the plans the parser accepts validate, the ones it refuses do not.
func TestPlanSchemaAgreesWithTheParser(t *testing.T) {
	schema := compilePlanSchema(t)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## The plan file.*?```yaml\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README has no plan example under \"## The plan file\"")
	}
	tests := []struct {
		name string
		plan []byte
		ok   bool
	}{
		{"starter plan", StarterPlan, true},
		{"README plan reference", m[1], true},
		{"unknown key", []byte("app: https://a.example/\npasswords: {a: x}\n"), false},
		{"missing password_env", []byte("app: https://a.example/\naccounts: {a: {email: a@a.example}}\n"), false},
		{"password login without password_env", []byte("app: https://a.example/\naccounts: {a: {email: a@a.example, login: password}}\n"), false},
		{"a saved session, a sign-in by hand", []byte("app: https://a.example/\naccounts: {a: {email: a@a.example, storage_state: a.json}, b: {email: b@a.example, login: manual}}\n"), true},
		{"bad inbox kind", []byte("app: https://a.example/\ninbox: {kind: pop3}\n"), false},
		{"bad duration", []byte("app: https://a.example/\nlimits: {timeout: soon}\n"), false},
		{"no app", []byte("name: x\n"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, parseErr := ParsePlan("plan.yaml", tt.plan)
			schemaErr := schema.Validate(yamlAsJSON(t, tt.plan))
			if (parseErr == nil) != tt.ok || (schemaErr == nil) != tt.ok {
				t.Errorf("parser: %v; schema: %v; want ok=%v", parseErr, schemaErr, tt.ok)
			}
		})
	}
}

// Every key of a plan has a description in the schema, so editors explain it.
func TestPlanSchemaDescribesEveryKey(t *testing.T) {
	var walk func(t reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == reflect.TypeOf(Duration(0)) {
			return
		}
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
			if name == "-" {
				continue // not a plan key
			}
			p := strings.TrimPrefix(path+"."+name, ".")
			if planDocs[strings.Replace(p, "accounts.b", "accounts.a", 1)] == "" {
				t.Errorf("plan key %s has no description in planDocs", p)
			}
			walk(typ.Field(i).Type, p)
		}
	}
	walk(reflect.TypeOf(Plan{}), "")
}

// Account B has a description of its own; its fields share A's.
func TestPlanSchemaDescribesAccountBAsTheSecond(t *testing.T) {
	var s struct {
		Properties struct {
			Accounts struct {
				Properties map[string]struct {
					Description string
					Properties  map[string]struct{ Description string }
				}
			}
		}
	}
	if err := json.Unmarshal(PlanSchema(), &s); err != nil {
		t.Fatal(err)
	}
	b := s.Properties.Accounts.Properties["b"]
	if b.Description != planDocs["accounts.b"] || b.Properties["email"].Description != planDocs["accounts.a.email"] {
		t.Errorf("accounts.b: %q, its email: %q", b.Description, b.Properties["email"].Description)
	}
}
