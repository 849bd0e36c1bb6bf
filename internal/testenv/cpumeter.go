package testenv

import (
	"testing"
	"time"
)

// CPUMeter reports a benchmark's CPU time per operation (cpu-ms/op): on a
// machine whose cores other processes share, what the work itself cost.
type CPUMeter struct{ start time.Duration }

// StartCPU begins measuring; call Report once the timed loop is done.
func StartCPU() CPUMeter { return CPUMeter{CPUTime()} }

// Report adds the CPU time per operation since StartCPU to b's results.
func (m CPUMeter) Report(b *testing.B) {
	b.ReportMetric(float64(CPUTime()-m.start)/1e6/float64(b.N), "cpu-ms/op")
}
