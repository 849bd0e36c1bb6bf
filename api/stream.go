package api

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// WithListCompression says whether task lists are asked for compressed
// (gzip). By default they are, except from a server on this machine
// (a loopback address or localhost): there the bytes cost nothing to
// carry and decompressing 50 MB would cost a fifth of a second.
func WithListCompression(on bool) Option {
	return func(c *Client) { c.compress = &on }
}

// listEncoding is the Accept-Encoding a list is asked for with.
func (c *Client) listEncoding() string {
	on := !loopback(c.base)
	if c.compress != nil {
		on = *c.compress
	}
	if on {
		return "gzip"
	}
	return "identity"
}

// loopback says whether the server at base is on this machine.
func loopback(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// netErr is a failure to read an answer off the connection, as opposed to
// an answer that can't be decompressed or decoded.
type netErr struct{ err error }

func (e *netErr) Error() string { return e.err.Error() }
func (e *netErr) Unwrap() error { return e.err }

// netBody marks the errors of reading the connection as netErr.
type netBody struct{ r io.Reader }

func (b netBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = &netErr{err}
	}
	return n, err
}

// answer is a 2xx (or 304) answer to a streamed read: its status and
// headers, and its body as it arrives, decompressed.
type answer struct {
	status int
	header http.Header
	body   io.Reader
}

// stream is do for answers too large to hold twice: each attempt's answer
// is handed to read as it arrives (read must start afresh each time it is
// called). A read is tried again as do tries it, also when its answer is
// cut off midway, unless handedOn reports that read has already passed on
// part of an answer: then the error is returned.
func (c *Client) stream(ctx context.Context, k call, header map[string]string, read func(answer) error, handedOn func() bool) error {
	for attempt := 0; ; attempt++ {
		err := c.streamOnce(ctx, k, header, read)
		if err == nil {
			return nil
		}
		if handedOn != nil && handedOn() {
			return err
		}
		if err := c.again(ctx, k, attempt, err); err != nil {
			return err
		}
	}
}

func (c *Client) streamOnce(ctx context.Context, k call, header map[string]string, read func(answer) error) error {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req := c.r.R().SetContext(actx).SetDoNotParseResponse(true)
	req.SetHeader("Accept-Encoding", c.listEncoding())
	for name, v := range header {
		req.SetHeader(name, v)
	}
	start := time.Now()
	res, err := req.Execute(k.method, c.base+k.path)
	if err != nil {
		return c.unsent(ctx, k, start, err)
	}
	raw := res.RawBody()
	defer raw.Close()
	status := res.StatusCode()
	if (status < 200 || status >= 300) && status != http.StatusNotModified {
		body, _ := io.ReadAll(io.LimitReader(raw, 64<<10))
		c.logDebug(k, status, time.Since(start), nil)
		return answerErrorOf(k, status, res.Header(), body)
	}
	err = c.readAnswer(k, answer{status: status, header: res.Header(), body: netBody{raw}}, read)
	c.logDebug(k, status, time.Since(start), err)
	var ne *netErr
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%s %s: %w", k.method, k.path, ctx.Err())
	case errors.As(err, &ne):
		return &NetworkError{Method: k.method, Path: k.path, Err: ne.err}
	}
	return fmt.Errorf("%s %s: the server's answer is not what lanes expects: %w", k.method, k.path, err)
}

// readAnswer decompresses a body as its Content-Encoding says and hands
// it to read.
func (c *Client) readAnswer(k call, a answer, read func(answer) error) error {
	switch enc := strings.TrimSpace(a.header.Get("Content-Encoding")); {
	case enc == "" || strings.EqualFold(enc, "identity"):
	case strings.EqualFold(enc, "gzip"):
		zr, err := gzip.NewReader(a.body)
		if errors.Is(err, io.EOF) {
			a.body = strings.NewReader("") // an empty body, not compressed after all
			break
		}
		if err != nil {
			return err
		}
		defer zr.Close()
		a.body = zr
	default:
		return fmt.Errorf("it is encoded as %.40q, which lanes does not read", enc)
	}
	return read(a)
}
