package cli

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"patchbay/backend/serving"
)

// shortLimits shortens the servers' limits for one test.
func shortLimits(t *testing.T) {
	t.Helper()
	p, o := serving.Portal, serving.Operator
	short := serving.Limits{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond, MaxConns: 64}
	serving.Portal, serving.Operator = short, short
	t.Cleanup(func() { serving.Portal, serving.Operator = p, o })
}

// closedWhenHalfOpen sends one request to addr, reads the answer, then sends
// partial bytes and reports whether the server closed the connection
// within 10 s.
func closedWhenHalfOpen(t *testing.T, addr, path, partial string) bool {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	io.WriteString(c, partial)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = br.ReadByte()
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestSecIdleConnectionHeldForever (review finding 4): the portal and
// `patchbay serve` close keep-alive connections that go quiet or send a
// request a byte at a time; the event stream still outlives the timeouts.
func TestSecIdleConnectionHeldForever(t *testing.T) {
	shortLimits(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// patchbay serve
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main([]string{"serve", "--demo", "--demo-empty", "--addr", "127.0.0.1:0"}, Env{Stdout: &out, Stderr: &errb, Context: ctx,
			Assets: fstest.MapFS{"index.html": {Data: []byte("<title>Patchbay</title>")}}})
	}()
	re := regexp.MustCompile(`Patchbay is running at http://(127\.0\.0\.1:\d+)/\?token=([0-9a-f]+)`)
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		m = re.FindStringSubmatch(out.String())
	}
	if m == nil {
		t.Fatalf("no URL printed; stdout %q stderr %q", out.String(), errb.String())
	}
	for _, partial := range []string{"", "G", "GET"} {
		if !closedWhenHalfOpen(t, m[1], "/", partial) {
			t.Errorf("serve: a connection with %q of its next request was still open after 10s", partial)
		}
	}
	// The event stream lives past the read and write timeouts.
	req, _ := http.NewRequest("GET", "http://"+m[1]+"/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+m[2])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	<-time.After(time.Second) // three times the write timeout
	rpc, _ := http.NewRequest("POST", "http://"+m[1]+"/api/rpc/UpdateSettings", strings.NewReader(`[{"desktopNotifications":false}]`))
	rpc.Header.Set("Authorization", "Bearer "+m[2])
	rpc.Header.Set("X-Patchbay", "1")
	if r, err := http.DefaultClient.Do(rpc); err != nil || r.StatusCode != 200 {
		t.Fatalf("UpdateSettings: %v %v", r, err)
	}
	got := false
	for deadline := time.After(10 * time.Second); !got; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the event stream was closed by the server's timeouts")
			}
			got = strings.HasPrefix(l, "event: ")
		case <-deadline:
			t.Fatal("no event on the stream within 10s")
		}
	}
	resp.Body.Close()

	// the client portal's own listener
	_, app := startPortalApp(t, fstest.MapFS{"portal.html": {Data: []byte("portal")}})
	addr := listenPortalOnAFreePort(t, ctx, app)
	for _, partial := range []string{"", "G", "GET"} {
		if !closedWhenHalfOpen(t, addr, "/portal/connections", partial) {
			t.Errorf("portal: a connection with %q of its next request was still open after 10s", partial)
		}
	}
}
