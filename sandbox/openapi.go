package sandbox

import (
	"bytes"
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 document of the sandbox API. A test holds it
// to the routes Register adds, both ways.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 document of the sandbox API, as served
// at GET /sandbox/v1/openapi.json.
func OpenAPI() []byte {
	return bytes.Clone(openAPI)
}

// serveOpenAPI needs no token: the document tells nothing a token guards,
// and tools that read it seldom send one.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
