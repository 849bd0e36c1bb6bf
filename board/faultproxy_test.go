package board

import (
	"testing"

	"github.com/lanesboard/lanes/internal/faultproxy"
)

// faults and faultProxy are the proxy of package faultproxy, as the
// tests here name them.
type faults = faultproxy.Faults

type faultProxy struct{ *faultproxy.Proxy }

func newFaultProxy(t testing.TB, target string, seed uint64) *faultProxy {
	return &faultProxy{faultproxy.New(t, target, seed)}
}

func (p *faultProxy) set(f faults)            { p.Set(f) }
func (p *faultProxy) count(kind string) int64 { return p.Count(kind) }
func (p *faultProxy) summary() string         { return p.Summary() }
