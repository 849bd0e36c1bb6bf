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

// ListStats is what s's task-list cache has done: lists built (read
// afresh or patched), gzip answers made, chunks compressed; and the bytes
// it holds now.
func ListStats(s *Server) (builds, gzips, deflates int64, size int) {
	c := s.lists
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.builds.Load(), c.gzips.Load(), c.deflates.Load(), c.size
}
