package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// Exit status, as gh and most command-line tools have it: 0 done, 1 the
// command failed (the server refused, the network failed, the thing asked
// for is not there), 2 the command was used wrongly (an unknown flag, a
// missing argument, a flag's value out of range).
const (
	exitFailed = 1
	exitUsage  = 2
)

// usageError is a command used wrongly: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef is a usageError saying what was wrong.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// usageArgs makes an argument check's refusal a usage error.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// needArgs refuses, as a usage error, anything but n arguments; what names
// them ("the webhook's ID").
func needArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		plural := "s"
		if len(args) == 1 {
			plural = ""
		}
		return usagef("%s needs %s (got %d argument%s)", cmd.CommandPath(), what, len(args), plural)
	}
}

// flagError makes cobra's refusal of a flag a usage error.
func flagError(_ *cobra.Command, err error) error { return usageError{err} }

// exitCode is the exit status for err (nil: 0).
func exitCode(err error) int {
	var u usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return exitUsage
	}
	return exitFailed
}
