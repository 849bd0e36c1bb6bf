// Package openapiclient is a client of the lanes server generated from its
// OpenAPI document by oapi-codegen, kept in a module of its own so the
// generator and its dependencies stay out of lanes itself. It exists for
// its tests: a client anyone could generate from GET /api/openapi.json
// works against the real server, and the checked-in document and code are
// what the server serves and what the generator makes of it.
//
// After the API changes, run go generate here: openapi.json is written
// anew from the server's code, then client.gen.go from it.
package openapiclient

//go:generate go run ./internal/writedoc openapi.json
//go:generate go tool oapi-codegen -config oapi-codegen.yaml -o client.gen.go openapi.json
