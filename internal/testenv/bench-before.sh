#!/bin/sh
# bench-before.sh runs issue 17's client benchmarks on the code before it
# (commit 32eba7a, or $LANES_BEFORE) for the before figures, to set beside
# this tree's from the same run: the benchmark files and their helpers are
# copied into a copy of that code, whose API they keep to. Arguments after
# the pattern go to go test, e.g.
#
#   internal/testenv/bench-before.sh 'FirstFrame|Fetch' -benchtime 5x -lanes.benchdir=/tmp/bench-before
#
# (A project seeded by one tree is kept apart from the other's: the
# server's schema may differ.)
set -eu
root=$(git rev-parse --show-toplevel)
rev=${LANES_BEFORE:-32eba7a}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
git -C "$root" archive "$rev" | tar -x -C "$dir"
mkdir -p "$dir/internal/benchcpu"
cp "$root"/internal/benchcpu/*.go "$dir/internal/benchcpu/"
cp "$root/internal/testenv/benchproject.go" "$dir/internal/testenv/"
cp "$root/ui/bench_test.go" "$dir/ui/"
cat >"$dir/ui/bench_preview_test.go" <<'GO'
package ui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lanesboard/lanes/board"
)

func preview(*board.Options) {}

func loadRest(_ *board.Engine, m tea.Model) tea.Model { return m }
GO
cp "$root/board/fetch_bench_test.go" "$dir/board/"
pattern=$1
shift
cd "$dir"
GOFLAGS=-buildvcs=false go test ./ui ./board -run '^$' -bench "$pattern" "$@"
