package sandbox

import (
	"bytes"
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 document of the sandbox API.
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

// routes are the patterns Register adds. Tests hold this list, the routes
// the mux has and the OpenAPI document to one another: a route added to
// Register needs a line here and its operation in openapi.json.
var routes = []string{
	"GET /sandbox/v1/openapi.json",
	"GET /sandbox/v1/clock",
	"POST /sandbox/v1/clock",
	"DELETE /sandbox/v1/clock",
	"GET /sandbox/v1/sms",
	"GET /sandbox/v1/sms/code",
	"POST /sandbox/v1/channels",
	"GET /sandbox/v1/channels/{channelID}/statistics",
	"POST /sandbox/v1/channels/{channelID}/keys",
	"GET /sandbox/v1/channels/{channelID}/keys",
	"POST /sandbox/v1/channels/{channelID}/webhook-faults",
	"GET /sandbox/v1/channels/{channelID}/webhook-faults",
	"DELETE /sandbox/v1/channels/{channelID}/webhook-faults",
	"POST /sandbox/v1/recipients",
	"GET /sandbox/v1/recipients",
	"GET /sandbox/v1/recipients/{userID}",
	"POST /sandbox/v1/recipients/{userID}/consent",
	"POST /sandbox/v1/recipients/{userID}/privacy-policy",
	"POST /sandbox/v1/recipients/{userID}/verification/code",
	"POST /sandbox/v1/recipients/{userID}/verification",
	"POST /sandbox/v1/recipients/{userID}/phone-number/code",
	"POST /sandbox/v1/recipients/{userID}/phone-number",
	"PUT /sandbox/v1/recipients/{userID}/blocks/{channelID}",
	"DELETE /sandbox/v1/recipients/{userID}/blocks/{channelID}",
	"GET /sandbox/v1/magic-numbers",
	"GET /sandbox/v1/notifications/{requestID}",
	"GET /sandbox/v1/notifications",
	"POST /sandbox/v1/reset",
}
