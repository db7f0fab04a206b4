package service_test

import (
	"bytes"
	"context"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

type env struct {
	svc     *service.Service
	store   *store.Store
	secrets secrets.Store
	fake    *fakes.Server
	url     string
	ws      domain.Workspace
	dbPath  string
	clock   *clock
	lockDir string
	desktop *desktopRecorder
}

// desktopRecorder stands in for the OS notification service.
type desktopRecorder struct {
	mu    sync.Mutex
	shown []string
}

func (d *desktopRecorder) Notify(_ context.Context, title, body string, critical bool) (uint32, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.shown = append(d.shown, title+" / "+body)
	return uint32(len(d.shown)), nil
}

func (d *desktopRecorder) Shown() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.shown...)
}

// clock is the service's time: it starts at startDate (the wall clock when
// zero), runs at the real pace, and a test can move it forward.
type clock struct {
	mu     sync.Mutex
	base   time.Time // the date it started at; zero: the wall clock
	start  time.Time // the wall clock then
	offset time.Duration
}

func newClock() *clock { return &clock{base: startDate, start: time.Now()} }

// startDate is the date every test environment's clock starts at (zero: the
// wall clock). TestClockDependentSuitesOnOtherDates moves it.
var startDate time.Time

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.base.IsZero() {
		return time.Now().Add(c.offset)
	}
	return c.base.Add(time.Since(c.start) + c.offset)
}

// Advance moves the service's time forward.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// newEnv wires a Service on a real SQLite file, the given secret store and
// the fake providers.
func newEnv(t *testing.T, sec secrets.Store) *env {
	t.Helper()
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	return newEnvWith(t, sec, cat)
}

// catalogue parses a test catalogue.
func catalogue(t *testing.T, doc string) *providers.Catalogue {
	t.Helper()
	cat, err := providers.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// newEnvPatient is newEnv whose validator waits as long as the product's
// (providers.DefaultTimeout), for tests whose checks must not time out
// under load: they race each other, not a hung fake.
func newEnvPatient(t *testing.T, sec secrets.Store) *env {
	t.Helper()
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	return newEnvTimeout(t, sec, func(string) *providers.Catalogue { return cat }, providers.DefaultTimeout)
}

// newEnvWith is newEnv with a given provider catalogue.
func newEnvWith(t *testing.T, sec secrets.Store, cat *providers.Catalogue) *env {
	t.Helper()
	return newEnvWithURL(t, sec, func(string) *providers.Catalogue { return cat })
}

// testValidateTimeout is the validator's request timeout in newEnv: short
// enough that the two hung-server cases (the fakes hold /generic/v1/hang for
// HangFor, 5 s) end in seconds, long enough that an answering fake is never
// cut off on a loaded machine (300 ms was: "The provider did not answer
// within 300ms" failed TestRestartInTheMiddleOfASweep and
// TestOAuthConnectionLifecycle now and then at load 11).
const testValidateTimeout = 3 * time.Second

// newEnvWithURL is newEnv with a catalogue made for the fake server's URL.
func newEnvWithURL(t *testing.T, sec secrets.Store, catFor func(url string) *providers.Catalogue) *env {
	t.Helper()
	return newEnvTimeout(t, sec, catFor, testValidateTimeout)
}

// newEnvTimeout is newEnvWithURL with the validator's request timeout.
func newEnvTimeout(t *testing.T, sec secrets.Store, catFor func(url string) *providers.Catalogue, timeout time.Duration) *env {
	t.Helper()
	return newEnvOptions(t, sec, catFor, timeout, nil)
}

// newEnvOptions is newEnvTimeout; tune, when set, changes the service's
// options before it is built (a logger to read, for instance).
func newEnvOptions(t *testing.T, sec secrets.Store, catFor func(url string) *providers.Catalogue, timeout time.Duration, tune func(*service.Options)) *env {
	t.Helper()
	clk := newClock()
	fake := fakes.New()
	fake.HangFor = 5 * time.Second
	fake.Now = clk.Now // the fake providers' dates follow the service's clock
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	cat := catFor(srv.URL)
	dbPath := filepath.Join(t.TempDir(), "patchbay.db")
	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v := providers.NewValidator()
	v.Timeout = timeout
	lockDir, rec := t.TempDir(), &desktopRecorder{}
	o := service.Options{Store: st, Secrets: sec, Catalogue: cat, Validator: v, Now: clk.Now, LockDir: lockDir, Desktop: rec, RefreshBudget: time.Second}
	if tune != nil {
		tune(&o)
	}
	svc := service.New(o)
	t.Cleanup(svc.Wait) // before the store closes: consents, sweeps and runs stop
	ctx := context.Background()
	if err := svc.EnsureDefaultWorkspace(ctx); err != nil {
		t.Fatal(err)
	}
	ws, err := svc.ListWorkspaces(ctx)
	if err != nil || len(ws) != 1 || ws[0].Slug != "default" {
		t.Fatalf("default workspace: %v %v", ws, err)
	}
	return &env{svc: svc, store: st, secrets: sec, fake: fake, url: srv.URL, ws: ws[0], dbPath: dbPath, clock: clk, lockDir: lockDir, desktop: rec}
}

func (e *env) draft(key, path string) domain.ConnectionDraft {
	return domain.ConnectionDraft{
		Provider: "generic_api_key", AuthMode: "api_key", Label: "Demo API", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url, Config: map[string]string{"headerName": fakes.GenericHeader, "validationUrl": path},
		Secrets: map[string]string{"apiKey": key},
	}
}

// keyringStore returns the OS keyring store on go-keyring's in-memory mock.
// The same flow against the real Secret Service is tested in
// backend/secrets/realkeyring, where no mock can be installed.
func keyringStore(t *testing.T) secrets.Store {
	t.Helper()
	keyring.MockInit()
	return secrets.NewKeyring("patchbay-test", 5*time.Second)
}

// assertNotInFiles fails if secret appears in the database or its WAL/SHM.
func assertNotInFiles(t *testing.T, dbPath, secret string) {
	t.Helper()
	scanned := 0
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		scanned++
		if bytes.Contains(b, []byte(secret)) {
			t.Fatalf("secret bytes found in %s", p)
		}
	}
	if scanned == 0 {
		t.Fatal("no database file was scanned")
	}
}

func TestCreateStoresSecretInKeyringNotSQLite(t *testing.T) {
	e := newEnv(t, keyringStore(t))
	ctx := context.Background()
	c, err := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	t.Cleanup(func() { _ = e.secrets.Delete(ctx, "connection/"+c.ID) })
	if c.Status != domain.StatusActive || c.LastCheckedAt == nil || c.SecretHint != "••••0001" {
		t.Fatalf("created %+v", c)
	}
	got, err := e.secrets.Get(ctx, "connection/"+c.ID)
	if err != nil || !strings.Contains(got, fakes.GenericGoodKey) {
		t.Fatalf("secret store has %q, %v", got, err)
	}
	assertNotInFiles(t, e.dbPath, fakes.GenericGoodKey)
	list, err := e.svc.ListConnections(ctx)
	if err != nil || len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("list: %v %v", list, err)
	}
	if _, err := e.svc.DeleteConnection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.secrets.Get(ctx, "connection/"+c.ID); err == nil {
		t.Fatal("secret still in the keyring after delete")
	}
	if _, err := e.svc.GetConnection(ctx, c.ID); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestCreateBadInputStoresNothing(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(d *domain.ConnectionDraft, e *env)
		wantCode string
		wantText string
		field    string
	}{
		{"wrong key", func(d *domain.ConnectionDraft, e *env) { d.Secrets["apiKey"] = fakes.GenericBadKey }, domain.EValidation, "Invalid API key", ""},
		{"empty key", func(d *domain.ConnectionDraft, e *env) { d.Secrets["apiKey"] = "  " }, domain.EInvalid, "Enter the API key", "apiKey"},
		{"no label", func(d *domain.ConnectionDraft, e *env) { d.Label = " " }, domain.EInvalid, "name", "label"},
		{"base URL without scheme", func(d *domain.ConnectionDraft, e *env) { d.BaseURL = "api.example.com" }, domain.EInvalid, "https://", "baseUrl"},
		{"ftp base URL", func(d *domain.ConnectionDraft, e *env) { d.BaseURL = "ftp://example.com" }, domain.EInvalid, "not supported", "baseUrl"},
		{"userinfo in URL", func(d *domain.ConnectionDraft, e *env) { d.BaseURL = "https://bob:pw@example.com" }, domain.EInvalid, "password", "baseUrl"},
		{"spaces in URL", func(d *domain.ConnectionDraft, e *env) { d.BaseURL = "https://exa mple.com" }, domain.EInvalid, "spaces", "baseUrl"},
		{"no workspace", func(d *domain.ConnectionDraft, e *env) { d.WorkspaceIDs = nil }, domain.EInvalid, "at least one workspace", "workspaceIds"},
		{"unknown workspace", func(d *domain.ConnectionDraft, e *env) { d.WorkspaceIDs = []string{"ws_gone"} }, domain.EInvalid, "no longer exists", "workspaceIds"},
		{"unknown provider", func(d *domain.ConnectionDraft, e *env) { d.Provider = "nope" }, domain.EInvalid, "provider", "provider"},
		{"unreachable host", func(d *domain.ConnectionDraft, e *env) { d.BaseURL = "http://127.0.0.1:1" }, domain.EValidation, "refused", ""},
		{"hung server", func(d *domain.ConnectionDraft, e *env) { d.Config["validationUrl"] = "/generic/v1/hang" }, domain.EValidation, "did not answer", ""},
		{"500 page", func(d *domain.ConnectionDraft, e *env) { d.Config["validationUrl"] = "/generic/v1/broken" }, domain.EValidation, "HTTP 500", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, secrets.NewMemory())
			d := e.draft(fakes.GenericGoodKey, fakes.GenericValidate)
			tt.mutate(&d, e)
			_, err := e.svc.CreateConnection(context.Background(), d)
			pub := domain.Public(err)
			if pub.Code != tt.wantCode || !strings.Contains(pub.Message, tt.wantText) || pub.Field != tt.field {
				t.Fatalf("err = %+v, want code %s field %q containing %q", pub, tt.wantCode, tt.field, tt.wantText)
			}
			if tt.wantCode == domain.EValidation && (pub.Check == nil || pub.Check.Action == "") {
				t.Fatalf("validation error without the check and its guidance: %+v", pub)
			}
			list, _ := e.svc.ListConnections(context.Background())
			if len(list) != 0 {
				t.Fatalf("a failed create stored %d connections", len(list))
			}
		})
	}
}

func TestValidateDraftTrimsAndWarns(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	res, err := e.svc.ValidateDraft(context.Background(), e.draft("  "+fakes.GenericGoodKey+"\n", fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Check.OK() || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "Removed spaces") {
		t.Fatalf("got %+v", res)
	}
	if list, _ := e.svc.ListConnections(context.Background()); len(list) != 0 {
		t.Fatal("ValidateDraft stored a connection")
	}
}

func TestNoKeyringRefusesWithHowToFix(t *testing.T) {
	e := newEnv(t, secrets.NewUnavailable("no Secret Service on the session bus"))
	_, err := e.svc.CreateConnection(context.Background(), e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	pub := domain.Public(err)
	if pub.Code != domain.EUnavailable || !strings.Contains(pub.Message, "--insecure-file-secrets") {
		t.Fatalf("err = %+v", pub)
	}
	if list, _ := e.svc.ListConnections(context.Background()); len(list) != 0 {
		t.Fatal("a connection was stored without its secret")
	}
	info, _ := e.svc.GetAppInfo(context.Background())
	if info.SecretBackend != "unavailable" || info.SecretWarning == "" {
		t.Fatalf("app info does not warn: %+v", info)
	}
}

func TestCheckConnectionTracksProvider(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	key := "demo-key-rotating-42"
	e.fake.SetKey(key, true)
	c, err := e.svc.CreateConnection(ctx, e.draft(key, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	e.fake.SetKey(key, false) // revoked at the provider
	c, err = e.svc.CheckConnection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != domain.StatusError || c.StatusDescription != "Reconnection needed." || c.LastError == nil {
		t.Fatalf("after revoke: %+v", c)
	}
	e.fake.SetKey(key, true)
	if c, err = e.svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusActive || c.LastError != nil {
		t.Fatalf("after restore: %+v %v", c, err)
	}
	// A lost secret is reported as a credential problem, not a crash.
	if err := e.secrets.Delete(ctx, "connection/"+c.ID); err != nil {
		t.Fatal(err)
	}
	if c, err = e.svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusError || !strings.Contains(c.LastError.Message, "missing") {
		t.Fatalf("after secret loss: %+v %v", c, err)
	}
	history, err := e.svc.ListChecks(ctx, c.ID, 10)
	if err != nil || len(history) != 4 {
		t.Fatalf("history: %d %v", len(history), err)
	}
	want := []domain.Class{domain.ClassInvalidCredentials, domain.ClassOK, domain.ClassInvalidCredentials, domain.ClassOK}
	for i, h := range history {
		if h.Class != want[i] {
			t.Fatalf("history[%d] = %s, want %s", i, h.Class, want[i])
		}
	}
}

func TestRenameAndDeleteErrors(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c, err := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := e.svc.RenameConnection(ctx, c.ID, "  Billing API "); err != nil || r.Label != "Billing API" {
		t.Fatalf("rename: %+v %v", r, err)
	}
	if _, err := e.svc.RenameConnection(ctx, c.ID, " "); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("empty rename: %v", err)
	}
	if _, err := e.svc.DeleteConnection(ctx, "conn_missing"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("delete missing: %v", err)
	}
	got, _ := e.svc.GetConnection(ctx, c.ID)
	if got.Label != "Billing API" {
		t.Fatalf("label not persisted: %q", got.Label)
	}
}

func TestWorkspaces(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	w, err := e.svc.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: " Client Work! "})
	if err != nil || w.Slug != "client-work" || w.Name != "Client Work!" {
		t.Fatalf("%+v %v", w, err)
	}
	if _, err := e.svc.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: "client work"}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("duplicate slug: %v", err)
	}
	if _, err := e.svc.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: "!!!"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("no letters: %v", err)
	}
}

// freePort returns a loopback port nobody listens on right now (a pinned
// OAuth callback port).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
