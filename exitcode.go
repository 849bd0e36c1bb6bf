package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// usageError is a command used wrongly: an unknown flag or command, a
// missing argument, a value a flag can't take.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef is a usageError saying what is wrong.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode is how lanes exits after err, as gh does: 0 for success, 2 for
// a command used wrongly (usageError), 1 for one that failed (the server
// refused, a card not found, no network), so a script can tell its own
// mistake from the world's.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.As(err, new(usageError)):
		return 2
	}
	return 1
}

// usageArgs makes every command's check of its arguments (cobra.ExactArgs
// and the like) say a wrong number of them is a usageError.
//
// A command that only groups others (lanes webhook, lanes token) gets a
// run of its own that refuses what is not one of them: cobra would print
// the help and exit 0, and a script would take a mistyped "lanes webhook
// remov ID" for a removal done.
func usageArgs(c *cobra.Command) {
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			var names []string
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name())
				}
			}
			return usagef("unknown command %q for %q (its commands: %s)", args[0], cmd.CommandPath(), strings.Join(names, ", "))
		}
	}
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := check(cmd, args)
			if err == nil || errors.As(err, new(usageError)) {
				return err
			}
			return usageError{err}
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

// exactArgs is cobra.ExactArgs as a usage error that shows the usage.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		if n == 0 {
			return usagef("unknown command %q for %q (usage: %s)", args[0], cmd.CommandPath(), cmd.UseLine())
		}
		return usagef("%s takes %d argument%s, got %d (usage: %s)", cmd.CommandPath(), n, map[bool]string{true: "s"}[n > 1], len(args), cmd.UseLine())
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
