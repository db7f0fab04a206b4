package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/service"
)

type ctxKey struct{}

// TestAdapt: the shared reflective adapter behaves as the typed one did:
// the bound service, the context and decoded arguments reach the method, its result and
// error come back as they are, error-only methods answer nil, and wrong
// arity or argument types are EInvalid naming the count or the argument.
func TestAdapt(t *testing.T) {
	ctx := context.WithValue(context.Background(), ctxKey{}, "v")
	args := func(vs ...any) []json.RawMessage {
		var out []json.RawMessage
		for _, v := range vs {
			b, _ := json.Marshal(v)
			out = append(out, b)
		}
		return out
	}
	svc := &service.Service{}
	two := h2(func(s *service.Service, ctx context.Context, name string, n int) ([]string, error) {
		if ctx.Value(ctxKey{}) != "v" || s != svc {
			return nil, errors.New("context or service lost")
		}
		return []string{strings.Repeat(name, n)}, nil
	})(svc)
	if two.fn != reflect.TypeOf(func(*service.Service, context.Context, string, int) ([]string, error) { return nil, nil }) {
		t.Fatalf("fn = %v", two.fn)
	}
	got, err := two.call(ctx, args("ab", 2))
	if err != nil || !reflect.DeepEqual(got, []string{"abab"}) {
		t.Fatalf("h2: %v %v", got, err)
	}
	if _, err := two.call(ctx, args("ab")); err == nil || !strings.Contains(err.Error(), "takes 2 argument(s), got 1") {
		t.Fatalf("arity: %v", err)
	}
	if _, err := two.call(ctx, args("ab", "x")); err == nil || !strings.Contains(err.Error(), "Argument 2 is not valid") {
		t.Fatalf("bad argument: %v", err)
	}
	var de *domain.Error
	if _, err := two.call(ctx, args(1, 2)); !errors.As(err, &de) || de.Code != domain.EInvalid {
		t.Fatalf("bad argument code: %v", err)
	}

	sentinel := errors.New("refused")
	var nilSlice []int
	zero := h0(func(*service.Service, context.Context) ([]int, error) { return nilSlice, sentinel })(svc)
	got, err = zero.call(ctx, nil)
	if !errors.Is(err, sentinel) {
		t.Fatalf("h0 error: %v", err)
	}
	if b, _ := json.Marshal(got); string(b) != "null" {
		t.Fatalf("h0 nil slice result marshals as %s", b)
	}

	var seen map[string]bool
	one := e1(func(_ *service.Service, _ context.Context, m map[string]bool) error {
		seen = m
		if m["fail"] {
			return sentinel
		}
		return nil
	})(svc)
	if got, err := one.call(ctx, args(map[string]bool{"a": true})); got != nil || err != nil || !seen["a"] {
		t.Fatalf("e1: %v %v %v", got, err, seen)
	}
	if got, err := one.call(ctx, args(map[string]bool{"fail": true})); got != nil || !errors.Is(err, sentinel) {
		t.Fatalf("e1 error: %v %v", got, err)
	}
	if got, err := e0(func(*service.Service, context.Context) error { return nil })(svc).call(ctx, nil); got != nil || err != nil {
		t.Fatalf("e0: %v %v", got, err)
	}
}

// TestSignaturesWithoutReceiver: Signatures reports each method as the UI
// calls it (context first), not as the method expression (receiver first).
func TestSignaturesWithoutReceiver(t *testing.T) {
	sig := Signatures()["RenameWorkspace"]
	want := reflect.TypeOf((&service.Service{}).RenameWorkspace)
	if sig != want {
		t.Fatalf("RenameWorkspace: %v, want %v", sig, want)
	}
}
