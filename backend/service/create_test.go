package service_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"testing"
	"time"

	"patchbay/backend/fakes"
	"patchbay/backend/secrets"
)

// disconnecting is a secret store whose caller goes away (an HTTP client
// disconnects) right after the secret is written; like the OS keyring's
// calls, its operations refuse a cancelled context.
type disconnecting struct {
	*secrets.Memory
	cancel context.CancelFunc
	keys   *[]string // every key written
}

func (d disconnecting) Set(ctx context.Context, key, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := d.Memory.Set(ctx, key, value)
	*d.keys = append(*d.keys, key)
	d.cancel()
	return err
}

func (d disconnecting) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.Memory.Delete(ctx, key)
}

// TestClientDisconnectLeavesNoOrphanSecret: the request's context is
// cancelled after the secret was stored and before the row; the connection
// is not created and the secret is removed anyway.
func TestClientDisconnectLeavesNoOrphanSecret(t *testing.T) {
	mem := secrets.NewMemory()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var written []string
	e := newEnv(t, disconnecting{Memory: mem, cancel: cancel, keys: &written})
	d := e.draft(fakes.GenericGoodKey, fakes.GenericValidate)
	if _, err := e.svc.CreateConnection(ctx, d); err == nil {
		t.Fatal("created a connection on a cancelled request")
	}
	bg := context.Background()
	if list, _ := e.svc.ListConnections(bg); len(list) != 0 {
		t.Fatalf("%d connections stored", len(list))
	}
	if len(written) == 0 {
		t.Fatal("no secret was written: the test did not reach the race")
	}
	for _, k := range written {
		if _, err := mem.Get(bg, k); !errors.Is(err, secrets.ErrNotFound) {
			t.Fatalf("secret %s left behind without its connection (%v)", k, err)
		}
	}
}

// TestWaitEndsPendingConsents: a consent nobody completes does not outlive
// the service: Wait ends it, and its loopback listener is closed.
func TestWaitEndsPendingConsents(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	st, err := e.svc.StartConsent(context.Background(), e.oauthDraft())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(st.RedirectURI)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { e.svc.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return within 10 s with a consent pending")
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Fatalf("the consent's listener %s still accepts connections after Wait", u.Host)
	}
}
