package main

import (
	"cmp"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// buildInfo is what the binary knows of its own build.
type buildInfo struct {
	version, commit, date, goVersion string
	modified                         bool
}

// readBuildInfo reads the module version and the VCS stamp Go writes into
// every binary built from a checkout (go build, go install; not go run,
// which has no stamp: its commit and date are "unknown").
func readBuildInfo() buildInfo {
	b := buildInfo{version: "(devel)", commit: "unknown", date: "unknown", goVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.version = cmp.Or(info.Main.Version, b.version)
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.commit = s.Value
		case "vcs.time":
			b.date = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

// shortVersion is the version and the commit's first 12 digits, for the
// User-Agent and the one-line forms.
func shortVersion() string {
	b := readBuildInfo()
	v := b.version
	if len(b.commit) >= 12 {
		v += " (" + b.commit[:12] + ")"
	}
	return v
}

// versionString is what lanes version and lanes --version print.
func versionString() string {
	b := readBuildInfo()
	commit := b.commit
	if b.modified {
		commit += " (with uncommitted changes)"
	}
	var s strings.Builder
	fmt.Fprintf(&s, "lanes %s\ncommit: %s\nbuilt:  %s\ngo:     %s %s/%s\n", b.version, commit, b.date, b.goVersion, runtime.GOOS, runtime.GOARCH)
	return s.String()
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), versionString())
			return err
		},
	}
}
