// Package serving builds every HTTP server Patchbay starts (the client
// portal, `patchbay serve` and the OAuth loopback listener) with read,
// write and idle timeouts and a cap on concurrent connections, so a client
// that opens connections and sends nothing (or a byte at a time) cannot
// hold them, or the process's file descriptors, forever.
package serving

import (
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Limits are the timeouts and connection cap of one kind of server.
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request (headers and body).
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response; a streaming handler lifts it
	// for its own response with http.ResponseController (see Stream).
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no next request.
	IdleTimeout time.Duration
	// MaxConns caps the connections served at once (further ones wait in
	// the kernel's accept queue).
	MaxConns int
}

// The limits of each server Patchbay starts. Tests may shorten them.
var (
	// Portal is the client portal's listener (possibly on a LAN address or
	// behind a tunnel: reachable by anyone).
	Portal = Limits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 60 * time.Second, MaxConns: 256}
	// Operator is `patchbay serve` (the event stream lifts its deadlines).
	Operator = Limits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxConns: 128}
	// Loopback is the one-shot OAuth callback listener on 127.0.0.1.
	Loopback = Limits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: 2 * time.Minute, IdleTimeout: 15 * time.Second, MaxConns: 16}
)

// Server returns an http.Server for h with the limits' timeouts.
func (l Limits) Server(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: l.ReadHeaderTimeout, ReadTimeout: l.ReadTimeout,
		WriteTimeout: l.WriteTimeout, IdleTimeout: l.IdleTimeout}
}

// Listener caps the connections ln hands out at once at MaxConns.
func (l Limits) Listener(ln net.Listener) net.Listener {
	if l.MaxConns <= 0 {
		return ln
	}
	return netutil.LimitListener(ln, l.MaxConns)
}

// Serve serves h on ln with the limits in a new goroutine; the returned
// server is for Shutdown, done receives Serve's result.
func (l Limits) Serve(ln net.Listener, h http.Handler) (srv *http.Server, done <-chan error) {
	srv = l.Server(h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l.Listener(ln)) }()
	return srv, errc
}

// Stream lifts the server's read and write deadlines for one long-lived
// response (server-sent events); other responses keep them.
func Stream(w http.ResponseWriter) error {
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Time{}); err != nil {
		return err
	}
	return rc.SetWriteDeadline(time.Time{})
}
