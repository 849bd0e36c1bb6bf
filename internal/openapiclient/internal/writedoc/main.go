// Command writedoc writes the lanes server's OpenAPI document (the full
// surface, as GET /api/openapi.json serves it) to the file named by its
// argument: the input oapi-codegen generates this module's client from.
package main

import (
	"fmt"
	"os"

	"github.com/lanesboard/lanes/server"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: writedoc FILE")
		os.Exit(2)
	}
	doc, err := server.OpenAPI(server.APIFull)
	if err == nil {
		err = os.WriteFile(os.Args[1], doc, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "writedoc: %v\n", err)
		os.Exit(1)
	}
}
