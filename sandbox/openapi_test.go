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

// TestOpenAPIDescribesEveryRoute holds sandbox.Routes to the OpenAPI
// document, operation for operation.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()

	var documented []string
	for path, ops := range readOpenAPI(t).Paths {
		for method := range ops {
			documented = append(documented, normalPattern(strings.ToUpper(method)+" "+path))
		}
	}
	listed := make([]string, 0, len(sandbox.Routes))
	for _, r := range sandbox.Routes {
		listed = append(listed, normalPattern(r))
	}

	for _, op := range documented {
		if !slices.Contains(listed, op) {
			t.Errorf("%s is documented, but not in sandbox.Routes", op)
		}
	}
	for _, r := range listed {
		if !slices.Contains(documented, r) {
			t.Errorf("%s is in sandbox.Routes, but not documented", r)
		}
	}
}

// TestRoutesAreWhatRegisterAdds holds sandbox.Routes to the mux: each
// listed route reaches itself, and no request the sandbox's source
// suggests reaches an unlisted one.
func TestRoutesAreWhatRegisterAdds(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	(&sandbox.API{}).Register(mux)

	listed := map[string]bool{}
	for _, r := range sandbox.Routes {
		listed[normalPattern(r)] = true
		method, path, _ := strings.Cut(r, " ")
		if got := routeOf(mux, method, path); normalPattern(got) != normalPattern(r) {
			t.Errorf("%s is listed, but the mux routes it to %q", r, got)
		}
	}

	for _, path := range probePaths(t) {
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			got := routeOf(mux, method, path)
			if got != "" && got != sandbox.UnroutedPattern && !listed[normalPattern(got)] {
				t.Errorf("%s %s reaches %q, which sandbox.Routes lacks", method, path, got)
			}
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
// its parameters filled in; "" when none.
func routeOf(mux *http.ServeMux, method, template string) string {
	req := httptest.NewRequest(method, pathParam.ReplaceAllString(template, "x1"), nil)
	_, pattern := mux.Handler(req)

	return pattern
}

// probePaths are the paths a route could have, from the sandbox package's
// source: every listed path, every string literal that is a sandbox path
// or pattern, and every listed path followed by a literal that starts with
// a slash (a route built from a prefix and a table of suffixes).
func probePaths(t *testing.T) []string {
	t.Helper()

	var paths, suffixes []string
	for _, r := range sandbox.Routes {
		_, path, _ := strings.Cut(r, " ")
		paths = append(paths, path)
	}
	for _, lit := range sourceStrings(t) {
		_, path, ok := strings.Cut(lit, " ")
		if !ok {
			path = lit
		}
		switch {
		case strings.HasPrefix(path, "/sandbox/v1"):
			paths = append(paths, path)
		case strings.HasPrefix(lit, "/") && !strings.Contains(lit, " "):
			suffixes = append(suffixes, lit)
		}
	}

	out := slices.Clone(paths)
	for _, p := range paths {
		for _, s := range suffixes {
			out = append(out, strings.TrimSuffix(p, "/")+s)
		}
	}

	return out
}

// sourceStrings lists the string literals in the sandbox package's
// non-test source.
func sourceStrings(t *testing.T) []string {
	t.Helper()

	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}

	fset := gotoken.NewFileSet()
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out = append(out, s)
				}
			}
			return true
		})
	}

	return out
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
