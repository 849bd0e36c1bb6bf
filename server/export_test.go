package server

// ServedRoutes is the route patterns s answers on its API surface, as
// routes() registered them: what its OpenAPI document must describe.
func ServedRoutes(s *Server) []string {
	var out []string
	for _, p := range s.routed {
		if s.serves(p) {
			out = append(out, p)
		}
	}
	return out
}
