package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
)

func TestCheckCommand(t *testing.T) {
	fake := fakes.New()
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	dir := t.TempDir()

	if code, out, _ := run("check", "--data-dir", dir); code != ExitOK || !strings.Contains(out, "No connections yet") {
		t.Fatalf("empty: %d %q", code, out)
	}
	const key = "demo-key-check-000001"
	c := addGenericConnection(t, dir, srv.URL, fake, "Billing API", key)

	code, out, _ := run("check", "--data-dir", dir)
	if code != ExitOK || !strings.Contains(out, "Billing API") || !strings.Contains(out, "active") {
		t.Fatalf("healthy: %d %q", code, out)
	}
	fake.SetKey(key, false)
	code, out, _ = run("check", "--json", "--data-dir", dir, "--connection", c.ID)
	var lines []checkLine
	if err := json.Unmarshal([]byte(out), &lines); err != nil {
		t.Fatalf("json: %v in %q", err, out)
	}
	if code != ExitAttention || len(lines) != 1 || lines[0].Class != domain.ClassInvalidCredentials || lines[0].Status != "error" || lines[0].Action == "" {
		t.Fatalf("broken: %d %+v", code, lines)
	}
	if strings.Contains(out, key) {
		t.Fatal("check output contains the secret")
	}
	if code, _, errOut := run("check", "--data-dir", dir, "--connection", "conn_nope"); code != ExitUsage || !strings.Contains(errOut, "not found") {
		t.Fatalf("unknown id: %d %q", code, errOut)
	}
}

// TestExportCommandHasNoSecret exports the demo's report in every format
// and scans each for the demo's secrets. The demo is seeded once, into one
// data directory that every export then reads (a --demo start seeds only
// an empty database): seeding it anew for each export made this test take
// 28-46 s under -race, four demo seeds, for the same report.
func TestExportCommandHasNoSecret(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	out := filepath.Join(dir, "report.html")
	code, _, errOut := run("export", "--demo", "--data-dir", data, "--format", "html", "--out", out)
	if code != ExitOK {
		t.Fatalf("export: %d %s", code, errOut)
	}
	body, _ := os.ReadFile(out)
	for _, want := range []string{"<svg", "Demo GitHub", "Reconnection needed.", "interrupted"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, format := range []string{"html", "json", "csv"} {
		code, stdout, _ := run("export", "--demo", "--data-dir", data, "--format", format)
		if code != ExitOK || len(stdout) < 100 {
			t.Fatalf("%s: %d %d bytes", format, code, len(stdout))
		}
		for _, d := range fakes.Demos() {
			for _, v := range d.Secrets {
				for _, s := range strings.Split(v, "\n") {
					if strings.Contains(stdout, s) {
						t.Fatalf("%s report contains a secret of %s", format, d.Provider)
					}
				}
			}
		}
		if strings.Contains(stdout, fakes.OAuthClientSecret) {
			t.Fatalf("%s report contains the OAuth client secret", format)
		}
	}
	// An unknown format is a usage error (exit 2, as the README documents).
	if code, _, errOut := run("export", "--demo", "--format", "pdf"); code != ExitUsage || !strings.Contains(errOut, "Unknown report format") {
		t.Fatalf("bad format: %d %s", code, errOut)
	}
}

// TestCheckRefusesAMissingDataDir: a mistyped --data-dir in a CI script must
// fail (exit 2, a message naming the directory), not create the directory and
// report "No connections yet" with exit 0.
func TestCheckRefusesAMissingDataDir(t *testing.T) {
	for _, cmd := range []string{"check", "export"} {
		t.Run(cmd, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "typo", "patchbay")
			code, out, errOut := run(cmd, "--data-dir", dir)
			if code != ExitUsage || !strings.Contains(errOut, dir) || !strings.Contains(errOut, "does not exist") {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatalf("the missing data directory was created (%v)", err)
			}
			if _, err := os.Stat(filepath.Dir(dir)); !os.IsNotExist(err) {
				t.Fatalf("its parent was created (%v)", err)
			}
			// The same through PATCHBAY_DATA_DIR.
			t.Setenv("PATCHBAY_DATA_DIR", dir)
			if code, _, errOut := run(cmd); code != ExitUsage || !strings.Contains(errOut, "does not exist") {
				t.Fatalf("env: exit %d, stderr %q", code, errOut)
			}
		})
	}
}

// TestLogFileInDataDir: the log goes to patchbay.log in the data directory
// (0600), the app reports where, and a connection's secret never reaches it.
func TestLogFileInDataDir(t *testing.T) {
	fake := fakes.New()
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	dir := t.TempDir()
	ctx := context.Background()
	a, err := start(ctx, common{dataDir: dir}, Env{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := a.svc.GetAppInfo(ctx)
	want := filepath.Join(dir, LogFileName)
	if info.LogFile != want {
		t.Errorf("AppInfo.LogFile = %q, want %q", info.LogFile, want)
	}
	ws, _ := a.svc.ListWorkspaces(ctx)
	const key = "demo-key-logfile-secret-000001"
	fake.SetKey(key, true)
	if _, err := a.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "generic_api_key", AuthMode: "api_key", Label: "Logged API",
		WorkspaceIDs: []string{ws[0].ID}, BaseURL: srv.URL,
		Config:  map[string]string{"headerName": fakes.GenericHeader, "validationUrl": fakes.GenericValidate},
		Secrets: map[string]string{"apiKey": key}}); err != nil {
		t.Fatal(err)
	}
	a.close()
	st, err := os.Stat(want)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("log file mode %v, want 0600", st.Mode().Perm())
	}
	body, _ := os.ReadFile(want)
	if !strings.Contains(string(body), "connection created") {
		t.Errorf("the log file lacks the creation: %q", body)
	}
	if strings.Contains(string(body), key) {
		t.Fatal("the log file contains the secret")
	}
}

// addGenericConnection opens the data directory dir, adds a Generic API key
// connection labelled label against the fake at baseURL with a key the fake
// accepts, closes the app again and returns the connection.
func addGenericConnection(t *testing.T, dir, baseURL string, fake *fakes.Server, label, key string) domain.Connection {
	t.Helper()
	ctx := context.Background()
	a, err := start(ctx, common{dataDir: dir}, Env{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	ws, err := a.svc.ListWorkspaces(ctx)
	if err != nil || len(ws) == 0 {
		t.Fatalf("workspaces: %v %v", ws, err)
	}
	fake.SetKey(key, true)
	c, err := a.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "generic_api_key", AuthMode: "api_key", Label: label,
		WorkspaceIDs: []string{ws[0].ID}, BaseURL: baseURL,
		Config:  map[string]string{"headerName": fakes.GenericHeader, "validationUrl": fakes.GenericValidate},
		Secrets: map[string]string{"apiKey": key}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
