package oauth

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/serving"
)

// TestSecIdleConnectionHeldForeverLoopback (review finding 4): the OAuth
// loopback listener closes a keep-alive connection that goes quiet or sends
// a request a byte at a time.
func TestSecIdleConnectionHeldForeverLoopback(t *testing.T) {
	saved := serving.Loopback
	serving.Loopback = serving.Limits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond, MaxConns: 4}
	defer func() { serving.Loopback = saved }()
	c, err := StartConsent(oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{AuthURL: "http://127.0.0.1:1/authorize", TokenURL: "http://127.0.0.1:1/token"}}, ConsentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		c.Cancel()
		_, _ = c.Wait(context.Background())
	}()
	u, _ := url.Parse(c.RedirectURI)
	for _, partial := range []string{"", "G", "GET"} {
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, "GET /callback?state=forged HTTP/1.1\r\nHost: "+u.Host+"\r\n\r\n")
		br := bufio.NewReader(conn)
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		io.WriteString(conn, partial)
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = br.ReadByte()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("a connection with %q of its next request was still open after 10s", partial)
		}
		conn.Close()
	}
}
