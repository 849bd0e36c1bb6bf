// Package board holds one project's board and keeps it in step with the
// server: the confirmed server state, the person's pending changes applied on
// top (optimistic writes), the durable outbox those changes wait in, and the
// engine that sends them exactly once or rolls them back with a reason. It
// knows nothing of terminals; the UI drives it with messages and runs its I/O
// as commands.
package board
