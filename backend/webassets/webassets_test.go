package webassets

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGunzipServesOriginalNamesAndBytes(t *testing.T) {
	js := "console.log('patchbay');\n"
	fsys := Gunzip(fstest.MapFS{
		"index.html":          {Data: []byte("<!doctype html>")},
		"assets/index.js.gz":  {Data: gz(t, js)},
		"assets/broken.js.gz": {Data: []byte("not gzip")},
	})
	got, err := fs.ReadFile(fsys, "assets/index.js")
	if err != nil || string(got) != js {
		t.Fatalf("ReadFile(assets/index.js) = %q, %v; want %q", got, err, js)
	}
	st, err := fs.Stat(fsys, "assets/index.js")
	if err != nil || st.Name() != "index.js" || st.Size() != int64(len(js)) || st.IsDir() {
		t.Fatalf("Stat = %+v, %v; want index.js, %d bytes", st, err, len(js))
	}
	if got, err := fs.ReadFile(fsys, "index.html"); err != nil || string(got) != "<!doctype html>" {
		t.Fatalf("an uncompressed file: %q, %v", got, err)
	}
	if _, err := fsys.Open("assets/missing.js"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := fsys.Open("assets/broken.js"); err == nil {
		t.Fatal("a corrupt .gz opened without an error")
	}

	// What the HTTP transport does with it: content, type and ranges.
	rec := httptest.NewRecorder()
	http.ServeFileFS(rec, httptest.NewRequest("GET", "/assets/index.js", nil), fsys, "assets/index.js")
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 || string(body) != js || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("served %d %q (%s)", rec.Code, body, rec.Header().Get("Content-Type"))
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/assets/index.js", nil)
	req.Header.Set("Range", "bytes=0-6")
	http.ServeFileFS(rec, req, fsys, "assets/index.js")
	if rec.Code != http.StatusPartialContent || rec.Body.String() != js[:7] {
		t.Fatalf("range: %d %q", rec.Code, rec.Body.String())
	}
}
