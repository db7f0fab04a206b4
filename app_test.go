package main

import (
	"context"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"patchbay/backend/httpapi"
)

// TestBindingsMatchHTTPTransport keeps the two transports honest: every
// method bound for Wails is served over HTTP and vice versa, with the same
// arguments and results, so the frontend's one API works the same in the
// window and in a browser.
func TestBindingsMatchHTTPTransport(t *testing.T) {
	var bound []string
	typ := reflect.TypeOf(&App{})
	for i := 0; i < typ.NumMethod(); i++ {
		bound = append(bound, typ.Method(i).Name)
	}
	sort.Strings(bound)
	served := httpapi.Methods()
	if !reflect.DeepEqual(bound, served) {
		t.Fatalf("Wails binds %v\nHTTP serves %v", bound, served)
	}
	sigs := httpapi.Signatures()
	ctxType := reflect.TypeFor[context.Context]()
	for _, name := range bound {
		m, _ := typ.MethodByName(name)
		app := m.Type // receiver first
		svc := sigs[name]
		if svc == nil || svc.NumIn() == 0 || svc.In(0) != ctxType {
			t.Errorf("%s: HTTP serves %v, want a service method taking a context.Context first", name, svc)
			continue
		}
		if got, want := signature(app, 1), signature(svc, 1); got != want {
			t.Errorf("%s: Wails binds %s, HTTP serves %s", name, got, want)
		}
	}
}

// signature formats fn's arguments from index first on, and its results.
func signature(fn reflect.Type, first int) string {
	var in, out []string
	for i := first; i < fn.NumIn(); i++ {
		in = append(in, fn.In(i).String())
	}
	for i := 0; i < fn.NumOut(); i++ {
		out = append(out, fn.Out(i).String())
	}
	return "(" + strings.Join(in, ", ") + ") (" + strings.Join(out, ", ") + ")"
}

// wrapperCall finds each typed wrapper's transport call in client.ts:
// invoke('Method', a, b) or invoke<T>('Method', a, b).
var wrapperCall = regexp.MustCompile(`\binvoke(?:<[^()]*?>)?\('([A-Za-z0-9]+)'((?:,\s*[A-Za-z0-9_]+)*)\)`)

// TestTypedClientCoversEveryMethod checks that the frontend's typed client
// (frontend/src/lib/api/client.ts) wraps every served method exactly once,
// passing as many arguments as the Go method takes.
func TestTypedClientCoversEveryMethod(t *testing.T) {
	src, err := os.ReadFile("frontend/src/lib/api/client.ts")
	if err != nil {
		t.Fatalf("read the typed client: %v", err)
	}
	calls := map[string][]int{} // method -> argument count of each call
	for _, m := range wrapperCall.FindAllStringSubmatch(string(src), -1) {
		calls[m[1]] = append(calls[m[1]], strings.Count(m[2], ","))
	}
	if len(calls) == 0 {
		t.Fatal("no invoke('Method', …) call found in client.ts: has its shape changed?")
	}
	sigs := httpapi.Signatures()
	for name, fn := range sigs {
		switch args := calls[name]; {
		case len(args) == 0:
			t.Errorf("client.ts has no typed wrapper for %s", name)
		case len(args) > 1:
			t.Errorf("client.ts calls %s from %d wrappers", name, len(args))
		case args[0] != fn.NumIn()-1:
			t.Errorf("client.ts passes %s %d argument(s), the Go method takes %d", name, args[0], fn.NumIn()-1)
		}
	}
	for name := range calls {
		if sigs[name] == nil {
			t.Errorf("client.ts calls %s, which no transport serves", name)
		}
	}
}

// The desktop app opens only http and https URLs in the system browser.
func TestBrowserURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://id.example.com/authorize?x=1": true,
		"http://127.0.0.1:9000/o/authorize/":   true,
		"javascript:alert(1)":                  false,
		"file:///etc/passwd":                   false,
		"smb://host/share":                     false,
		"https:///nohost":                      false,
	} {
		if got := browserURL(raw); got != want {
			t.Errorf("browserURL(%q) = %v, want %v", raw, got, want)
		}
	}
}
