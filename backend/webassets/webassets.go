// Package webassets serves the built frontend from an fs.FS in which the
// build compressed the larger files (name.gz; frontend/vite.config.ts): the
// desktop binary embeds them compressed, which keeps it within 2x of the
// bare Wails template (scripts/bench-startup.sh), and readers still see the
// original names and bytes.
package webassets

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// Gunzip returns fsys in which a missing file "x" is read from "x.gz",
// decompressed. Files that exist as they are are served unchanged.
func Gunzip(fsys fs.FS) fs.FS { return gunzipFS{fsys} }

type gunzipFS struct{ fs fs.FS }

func (g gunzipFS) Open(name string) (fs.File, error) {
	f, err := g.fs.Open(name)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !fs.ValidPath(name) || name == "." {
		return f, err
	}
	zf, zerr := g.fs.Open(name + ".gz")
	if zerr != nil {
		return nil, err // the original "not exist", naming the asked-for file
	}
	defer zf.Close()
	st, err := zf.Stat()
	if err != nil {
		return nil, fmt.Errorf("webassets: stat %s.gz: %w", name, err)
	}
	zr, err := gzip.NewReader(zf)
	if err != nil {
		return nil, fmt.Errorf("webassets: %s.gz: %w", name, err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("webassets: decompress %s.gz: %w", name, err)
	}
	return &memFile{r: bytes.NewReader(body), info: memInfo{name: st.Name()[:len(st.Name())-len(".gz")], size: int64(len(body)), mod: st.ModTime()}}, nil
}

// memFile is a decompressed file: readable and seekable (http.ServeContent
// needs Seek). The reader is a field, not embedded: embedding would keep
// every promoted bytes.Reader method in the binary.
type memFile struct {
	r    *bytes.Reader
	info memInfo
}

func (f *memFile) Read(p []byte) (int, error)                   { return f.r.Read(p) }
func (f *memFile) Seek(offset int64, whence int) (int64, error) { return f.r.Seek(offset, whence) }
func (f *memFile) Stat() (fs.FileInfo, error)                   { return f.info, nil }
func (f *memFile) Close() error                                 { return nil }

type memInfo struct {
	name string
	size int64
	mod  time.Time
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return i.mod }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
