package sandbox_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pnpd/pnpd/sandbox"
	"github.com/pnpd/pnpd/server"
	"github.com/pnpd/pnpd/server/servertest"
)

// openAPIDoc is the part of an OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI    string                                 `json:"openapi"`
	Paths      map[string]map[string]openAPIOperation `json:"paths"`
	Components struct {
		Schemas   map[string]json.RawMessage `json:"schemas"`
		Responses map[string]json.RawMessage `json:"responses"`
	} `json:"components"`
}

type openAPIOperation struct {
	OperationID string                      `json:"operationId"`
	Parameters  []struct{ Name, In string } `json:"parameters"`
	Responses   map[string]json.RawMessage  `json:"responses"`
	Security    *[]json.RawMessage          `json:"security"`
}

func readOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()

	var doc openAPIDoc
	if err := json.Unmarshal(sandbox.OpenAPI(), &doc); err != nil {
		t.Fatalf("the OpenAPI document is not valid JSON: %v", err)
	}

	return doc
}

func TestOpenAPIIsServedWithoutTheToken(t *testing.T) {
	t.Parallel()
	in := setup(t)

	resp := in.call(t, "GET", "/sandbox/v1/openapi.json", "", "")

	var doc openAPIDoc
	resp.decode(t, &doc)
	if resp.status != http.StatusOK || !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("GET openapi.json without a token: %d, openapi %q; want 200 and 3.1.x",
			resp.status, doc.OpenAPI)
	}
	if len(doc.Paths) == 0 {
		t.Error("the served document has no paths")
	}
}

func TestOpenAPIIsNotServedOutsideSandboxMode(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, server.Config{})

	resp, err := http.Get(srv.URL() + "/sandbox/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET openapi.json without sandbox mode: %d, want 404", resp.StatusCode)
	}
}

// TestOpenAPIDescribesEveryRoute holds the document to the routes Register
// adds: each route the source registers is in the document and reaches
// itself in the mux.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	doc := readOpenAPI(t)
	mux := http.NewServeMux()
	(&sandbox.API{}).Register(mux)

	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[normalPattern(strings.ToUpper(method)+" "+path)] = true
		}
	}

	for _, route := range registeredRoutes(t) {
		if !documented[normalPattern(route)] {
			t.Errorf("route %s is not in the OpenAPI document", route)
		}
		method, path, _ := strings.Cut(route, " ")
		if got := routeOf(mux, method, path); got != route {
			t.Errorf("route %s found in the source, but the mux has %q", route, got)
		}
	}
}

// pathParam matches a path template's parameter, {channelId} or
// {channelID}.
var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// normalPattern drops parameter names, which Go and the document spell
// apart.
func normalPattern(p string) string {
	return pathParam.ReplaceAllString(p, "{}")
}

// routeOf is the pattern the mux picks for a request to a path template,
// its parameters filled in.
func routeOf(mux *http.ServeMux, method, template string) string {
	req := httptest.NewRequest(method, pathParam.ReplaceAllString(template, "x1"), nil)
	_, pattern := mux.Handler(req)

	return pattern
}

// registeredRoutes reads the patterns the sandbox package registers from
// its source: the first argument of every route, mux.Handle and
// mux.HandleFunc call. A pattern that is not a string literal fails the
// test, since it could not be checked.
func registeredRoutes(t *testing.T) []string {
	t.Helper()

	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}

	fset := gotoken.NewFileSet()
	var routes []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !registers(call) || len(call.Args) == 0 {
				return true
			}
			if p, ok := stringLiteral(call.Args[0]); ok {
				routes = append(routes, p)
			} else if !isInnerHandle(call) {
				t.Errorf("%s: a route whose pattern is not a string literal",
					fset.Position(call.Pos()))
			}
			return true
		})
	}
	if len(routes) == 0 {
		t.Fatal("found no routes in the sandbox package's source")
	}
	slices.Sort(routes)

	return routes
}

func registers(call *ast.CallExpr) bool {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		return fn.Name == "route"
	case *ast.SelectorExpr:
		return fn.Sel.Name == "Handle" || fn.Sel.Name == "HandleFunc"
	}

	return false
}

// isInnerHandle tells the mux.Handle(pattern, …) inside the route helper,
// whose pattern is its parameter.
func isInnerHandle(call *ast.CallExpr) bool {
	id, ok := call.Args[0].(*ast.Ident)

	return ok && id.Name == "pattern"
}

func stringLiteral(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != gotoken.STRING {
		return "", false
	}

	s, err := strconv.Unquote(lit.Value)

	return s, err == nil
}

// TestOpenAPIIsWhole checks what a client generator needs: unique
// operation IDs, every path parameter declared, the token required but for
// the document itself, and every reference resolved.
func TestOpenAPIIsWhole(t *testing.T) {
	t.Parallel()
	doc := readOpenAPI(t)

	ids := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			name := strings.ToUpper(method) + " " + path
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s: operationId %q missing or used twice", name, op.OperationID)
			}
			ids[op.OperationID] = true
			checkPathParameters(t, name, path, op)
			public := op.Security != nil && len(*op.Security) == 0
			if public != (path == "/sandbox/v1/openapi.json") {
				t.Errorf("%s: public = %t", name, public)
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s: no responses", name)
			}
		}
	}

	for _, ref := range refs(t, sandbox.OpenAPI()) {
		kind, name, _ := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
		if _, ok := map[string]map[string]json.RawMessage{"schemas": doc.Components.Schemas,
			"responses": doc.Components.Responses}[kind][name]; !ok {
			t.Errorf("reference %s resolves to nothing", ref)
		}
	}
}

func checkPathParameters(t *testing.T, name, path string, op openAPIOperation) {
	t.Helper()

	for _, p := range pathParam.FindAllString(path, -1) {
		declared := slices.ContainsFunc(op.Parameters, func(q struct{ Name, In string }) bool {
			return q.In == "path" && "{"+q.Name+"}" == p
		})
		if !declared {
			t.Errorf("%s: path parameter %s is not declared", name, p)
		}
	}
}

// refs lists every "$ref" in a JSON document.
func refs(t *testing.T, doc []byte) []string {
	t.Helper()

	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}

	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				out = append(out, r)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)

	return out
}
