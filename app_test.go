package main

import (
	"reflect"
	"sort"
	"testing"

	"patchbay/backend/httpapi"
)

// TestBindingsMatchHTTPTransport keeps the two transports honest: every
// method bound for Wails is served over HTTP and vice versa, so the frontend's
// one API works the same in the window and in a browser.
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
}
