package serving

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

var short = Limits{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, IdleTimeout: 200 * time.Millisecond, MaxConns: 2}

func serveShort(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := short.Serve(ln, h)
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// HalfOpen sends one complete request, reads its answer, then sends
// partial bytes of a next request and reports whether the server closed
// the connection before deadline.
func HalfOpen(t *testing.T, addr string, partial string, deadline time.Duration) bool {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if partial != "" {
		if _, err := io.WriteString(c, partial); err != nil {
			t.Fatal(err)
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(deadline))
	_, err = br.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return true // EOF, reset, or a 408/400 answer followed by close
}

// TestHalfOpenConnectionsAreClosed: a keep-alive connection that goes
// quiet, or sends 1-3 bytes of a next request, is closed by the server.
func TestHalfOpenConnectionsAreClosed(t *testing.T) {
	addr := serveShort(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	for _, partial := range []string{"", "G", "GE", "GET"} {
		if !HalfOpen(t, addr, partial, 10*time.Second) {
			t.Errorf("connection with %q pending was still open after 10s", partial)
		}
	}
}

// TestConnectionCap: past MaxConns, a new connection is not served until
// one closes.
func TestConnectionCap(t *testing.T) {
	long := short
	long.IdleTimeout, long.ReadTimeout, long.ReadHeaderTimeout = time.Minute, time.Minute, time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := long.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	addr := ln.Addr().String()
	var held []net.Conn
	for range long.MaxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := bufio.NewReader(c).ReadByte(); err == nil {
		t.Fatal("a connection past the cap was served")
	}
	held[0].Close()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("not served after a slot freed: %v", err)
	}
	resp.Body.Close()
	for _, h := range held[1:] {
		h.Close()
	}
}

// TestStreamLiftsDeadlines: a streaming response outlives the write and
// read timeouts, other responses do not.
func TestStreamLiftsDeadlines(t *testing.T) {
	addr := serveShort(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := Stream(w); err != nil {
			t.Error(err)
		}
		for i := range 3 {
			io.WriteString(w, "tick\n")
			http.NewResponseController(w).Flush()
			if i < 2 {
				<-time.After(300 * time.Millisecond)
			}
		}
	}))
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "tick\ntick\ntick\n" {
		t.Fatalf("stream got %q, %v", b, err)
	}
}

// TestEveryServerIsBounded (review finding 4): the limits Patchbay's own
// servers start with (the tests of the portal, serve and the loopback
// listener shorten them, so only this test sees them) have every timeout set
// and bounded, and a connection cap; an http.Server without ReadTimeout and
// IdleTimeout holds a quiet keep-alive connection forever.
func TestEveryServerIsBounded(t *testing.T) {
	for name, l := range map[string]Limits{"Portal": Portal, "Operator": Operator, "Loopback": Loopback} {
		srv := l.Server(http.NotFoundHandler())
		for field, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
			"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout} {
			if d <= 0 || d > 5*time.Minute {
				t.Errorf("%s server: %s is %v, want between 0 and 5 minutes", name, field, d)
			}
		}
		if l.MaxConns <= 0 || l.MaxConns > 1024 {
			t.Errorf("%s server: MaxConns is %d, want a cap of at most 1024", name, l.MaxConns)
		}
	}
}
