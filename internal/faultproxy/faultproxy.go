// Package faultproxy is a TCP proxy for tests, on loopback between an
// HTTP client and a server, that by a seeded coin passes each request on
// or resets the connection, drops the answer after the server made it,
// answers 503 or 429 itself, and adds latency.
package faultproxy

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Faults says how often the proxy does each bad thing to a request, as a
// fraction of requests.
type Faults struct {
	Reset       float64 // close the connection before the request reaches the server
	Drop        float64 // let the server answer, then close without passing the answer on
	Unavailable float64 // answer 503 without asking the server
	RateLimit   float64 // answer 429 with Retry-After: 0 without asking the server
	MaxLatency  time.Duration
}

// Proxy is a real TCP proxy on loopback between the client and the
// server. It reads each HTTP request off the client's connection and, by a
// seeded coin, forwards it or does one of the faults above.
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	rng    *rand.Rand
	f      Faults
	counts map[string]*atomic.Int64
	wg     sync.WaitGroup
	closed atomic.Bool
	conns  map[net.Conn]struct{} // open client connections, under mu
}

// New is a proxy to target (host:port) with the seed's coin, passing
// everything on until Set says otherwise; it stops when the test ends.
func New(t testing.TB, target string, seed uint64) *Proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), counts: map[string]*atomic.Int64{}, conns: map[net.Conn]struct{}{}}
	for _, k := range []string{"forwarded", "reset", "dropped", "503", "429", "batch"} {
		p.counts[k] = new(atomic.Int64)
	}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// URL is the proxy's address as a base URL.
func (p *Proxy) URL() string { return "http://" + p.ln.Addr().String() }

// Set says what to do from now on.
func (p *Proxy) Set(f Faults) {
	p.mu.Lock()
	p.f = f
	p.mu.Unlock()
}

// Count is how many requests met kind: forwarded, reset, dropped, 503,
// 429, or batch (sent to /api/batch, whatever befell them).
func (p *Proxy) Count(kind string) int64 { return p.counts[kind].Load() }

// Summary says how many requests met each fate.
func (p *Proxy) Summary() string {
	return fmt.Sprintf("forwarded %d, reset %d, dropped after commit %d, 503 %d, 429 %d (of them batches %d)",
		p.Count("forwarded"), p.Count("reset"), p.Count("dropped"), p.Count("503"), p.Count("429"), p.Count("batch"))
}

// Close stops the proxy, cutting connections the client keeps idle.
func (p *Proxy) Close() {
	p.closed.Store(true)
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c)
			p.mu.Lock()
			delete(p.conns, c)
			p.mu.Unlock()
		}()
	}
}

// roll picks what to do with the next request.
func (p *Proxy) roll() (string, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var delay time.Duration
	if p.f.MaxLatency > 0 {
		delay = time.Duration(p.rng.Int64N(int64(p.f.MaxLatency)))
	}
	x := p.rng.Float64()
	for _, c := range []struct {
		kind string
		p    float64
	}{{"reset", p.f.Reset}, {"dropped", p.f.Drop}, {"503", p.f.Unavailable}, {"429", p.f.RateLimit}} {
		if x < c.p {
			return c.kind, delay
		}
		x -= c.p
	}
	return "forwarded", delay
}

func (p *Proxy) serve(client net.Conn) {
	defer client.Close()
	var server net.Conn
	defer func() {
		if server != nil {
			server.Close()
		}
	}()
	cr := bufio.NewReader(client)
	var sr *bufio.Reader
	for !p.closed.Load() {
		client.SetReadDeadline(time.Now().Add(30 * time.Second))
		req, err := http.ReadRequest(cr)
		if err != nil {
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		if req.URL.Path == "/api/batch" {
			p.counts["batch"].Add(1) // batches sent, whatever befalls them
		}
		kind, delay := p.roll()
		p.counts[kind].Add(1)
		time.Sleep(delay)
		switch kind {
		case "reset":
			if tc, ok := client.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			return
		case "503", "429":
			msg, status, extra := `{"error":"Service unavailable"}`, "503 Service Unavailable", ""
			if kind == "429" {
				msg, status, extra = `{"error":"Rate limit exceeded"}`, "429 Too Many Requests", "Retry-After: 0\r\n"
			}
			fmt.Fprintf(client, "HTTP/1.1 %s\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s", status, extra, len(msg), msg)
			continue
		}
		if server == nil {
			if server, err = net.Dial("tcp", p.target); err != nil {
				return
			}
			sr = bufio.NewReader(server)
		}
		req.Body = io.NopCloser(strings.NewReader(string(body)))
		req.ContentLength = int64(len(body))
		if err := req.Write(server); err != nil {
			return
		}
		resp, err := http.ReadResponse(sr, req)
		if err != nil {
			return
		}
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			// A live feed's answer never ends: it is passed on as it
			// comes, until either end closes, and the connection is not
			// used again.
			if kind == "dropped" {
				return
			}
			client.SetReadDeadline(time.Time{})
			go func() {
				io.Copy(io.Discard, cr) // until the client closes, or the proxy does
				server.Close()
			}()
			resp.Write(client)
			return
		}
		respBody, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return
		}
		if kind == "dropped" {
			// The server has done it; the client never hears.
			return
		}
		resp.Body = io.NopCloser(strings.NewReader(string(respBody)))
		resp.ContentLength = int64(len(respBody))
		resp.TransferEncoding = nil
		if err := resp.Write(client); err != nil {
			return
		}
	}
}
