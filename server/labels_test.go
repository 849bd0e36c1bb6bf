package server_test

// newLabel makes a label and returns it.
func (e *testEnv) newLabel(u testUser, projectID, name string, color *string) tLabel {
	e.t.Helper()
	body := map[string]any{"projectId": projectID, "name": name}
	if color != nil {
		body["color"] = *color
	}
	var out struct{ Label tLabel }
	e.do(u.Token, "POST", "/api/labels", body).want(e.t, 201, &out)
	return out.Label
}

// labels lists a project's labels.
func (e *testEnv) labels(u testUser, projectID string) []tLabel {
	e.t.Helper()
	var out struct{ Labels []tLabel }
	e.do(u.Token, "GET", "/api/labels?projectId="+projectID, nil).want(e.t, 200, &out)
	return out.Labels
}
