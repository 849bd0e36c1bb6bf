//go:build unix

package benchcpu

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time the process has used so far, user and system,
// every thread (the garbage collector's too). A benchmark that reports it
// per operation next to the wall time says what the work cost when other
// processes share the machine's cores.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
