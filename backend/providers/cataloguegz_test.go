package providers

import (
	"bytes"
	"compress/gzip"
	"flag"
	"os"
	"testing"
)

var updateCatalogue = flag.Bool("update-catalogue", false, "write catalogue.json.gz from catalogue.json")

// TestCatalogueGzFresh: the binary embeds catalogue.json.gz, so it must be
// catalogue.json exactly. After editing catalogue.json run
// go test ./backend/providers -run TestCatalogueGzFresh -update-catalogue
func TestCatalogueGzFresh(t *testing.T) {
	src, err := os.ReadFile("catalogue.json")
	if err != nil {
		t.Fatal(err)
	}
	if *updateCatalogue {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := zw.Write(src); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("catalogue.json.gz", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		catalogueGz = buf.Bytes()
	}
	got, err := catalogueJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, src) {
		t.Fatal("catalogue.json.gz (embedded) is not catalogue.json: run go test ./backend/providers -run TestCatalogueGzFresh -update-catalogue")
	}
}
