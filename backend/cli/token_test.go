package cli

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/backend/fakes"
)

func TestTokenCommand(t *testing.T) {
	fake := fakes.New()
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	dir := t.TempDir()
	const key = "broker-cli-key-0000000001"
	c := addGenericConnection(t, dir, srv.URL, fake, "Billing API", key)

	code, out, errOut := run("token", "Billing API", "--data-dir", dir)
	if code != ExitOK || out != key+"\n" {
		t.Fatalf("token: %d %q %q", code, out, errOut)
	}
	if strings.Contains(errOut, key) {
		t.Fatal("the token was written to stderr")
	}
	code, out, _ = run("token", "--data-dir", dir, c.ID, "--json")
	var j tokenJSON
	if err := json.Unmarshal([]byte(out), &j); code != ExitOK || err != nil || j.Token != key || j.Type != "api_key" || j.Scopes == nil {
		t.Fatalf("json: %d %q %v", code, out, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "--data-dir", dir}, "name one connection"},
		{[]string{"token", "--data-dir", dir, "a", "b"}, "name one connection"},
		{[]string{"token", "--data-dir", dir, "Nope"}, "No connection has the id or label"},
		{[]string{"token", "--data-dir", filepath.Join(dir, "missing"), "x"}, "does not exist"},
	} {
		if code, _, errOut := run(tc.args...); code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: %d %q", tc.args, code, errOut)
		}
	}
	fake.SetKey(key, false)
	if code, _, _ := run("check", "--data-dir", dir); code != ExitAttention {
		t.Fatalf("check of the revoked key: %d", code)
	}
	code, out, errOut = run("token", "Billing API", "--data-dir", dir)
	if code != ExitAttention || out != "" || !strings.Contains(errOut, "Reconnection needed.") || !strings.Contains(errOut, "Re-Authenticate") {
		t.Fatalf("broken: %d %q %q", code, out, errOut)
	}
	logBody, _ := os.ReadFile(filepath.Join(dir, LogFileName))
	if strings.Contains(string(logBody), key) {
		t.Fatal("the token is in patchbay.log")
	}
	if code, out, _ := run("help", "token"); code != ExitOK || !strings.Contains(out, "refresh-token reuse") {
		t.Fatalf("help token: %d %q", code, out)
	}
}
