// Package benchcpu reports a benchmark's CPU time per operation: on a
// machine whose cores other processes share, what the work itself cost,
// beside the wall time.
package benchcpu

import (
	"testing"
	"time"
)

// Meter reports a benchmark's CPU time per operation (cpu-ms/op): on a
// machine whose cores other processes share, what the work itself cost.
type Meter struct{ start time.Duration }

// Start begins measuring; call Report once the timed loop is done.
func Start() Meter { return Meter{CPUTime()} }

// Report adds the CPU time per operation since Start to b's results.
func (m Meter) Report(b *testing.B) {
	b.ReportMetric(float64(CPUTime()-m.start)/1e6/float64(b.N), "cpu-ms/op")
}
