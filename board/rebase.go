package board

// refusal is a pending mutation that no longer applies to the board, and why.
type refusal struct {
	m   Mutation
	err error
}

// rebase is the board a person sees: the pending mutations applied, in
// order, on the confirmed server state. Mutations that no longer apply (their
// card was deleted elsewhere, their column removed) are returned, for the
// engine to drop and explain; the rest still show.
func rebase(confirmed *State, pending []Mutation) (*State, []refusal) {
	view := confirmed.clone()
	var refused []refusal
	for _, m := range pending {
		if err := view.apply(m); err != nil {
			refused = append(refused, refusal{m, err})
		}
	}
	return view, refused
}
