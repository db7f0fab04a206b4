package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// File keeps secrets in one JSON file with mode 0600: the opt-in fallback for
// machines without a keyring (--insecure-file-secrets).
type File struct {
	mu   sync.Mutex
	path string
}

// NewFile returns the file store at path, creating its directory (0700).
func NewFile(path string) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create secrets directory: %w", err)
	}
	f := &File{path: path}
	if _, err := f.load(); err != nil {
		return nil, err
	}
	return f, nil
}

// Backend is "file".
func (f *File) Backend() string { return "file" }

// Warning says the secrets are in a plain file.
func (f *File) Warning() string {
	return fmt.Sprintf("Secrets are stored in a plain file (%s) because --insecure-file-secrets is on. Anyone who can read your files can read them.", f.path)
}

func (f *File) load() (map[string]string, error) {
	b, err := os.ReadFile(f.path)
	if os.IsNotExist(err) {
		return map[string]string{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("read secrets file: %w", err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("secrets file %s is damaged (%v); move it aside to start afresh", f.path, err)
	}
	return m, nil
}

// save writes atomically: a temp file in the same directory, then rename.
func (f *File) save(m map[string]string) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".secrets-*.tmp")
	if err != nil {
		return fmt.Errorf("write secrets file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write secrets file: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write secrets file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write secrets file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write secrets file: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("write secrets file: %w", err)
	}
	return nil
}

// Get reads a secret.
func (f *File) Get(_ context.Context, key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return "", err
	}
	v, ok := m[key]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Set writes a secret.
func (f *File) Set(_ context.Context, key, value string) error {
	return f.update(func(m map[string]string) { m[key] = value })
}

// Delete removes a secret.
func (f *File) Delete(_ context.Context, key string) error {
	return f.update(func(m map[string]string) { delete(m, key) })
}

func (f *File) update(fn func(map[string]string)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return err
	}
	fn(m)
	return f.save(m)
}

// Memory keeps secrets in memory: tests and --demo.
type Memory struct {
	mu sync.Mutex
	m  map[string]string
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{m: map[string]string{}} }

// Backend is "memory".
func (s *Memory) Backend() string { return "memory" }

// Warning is empty.
func (s *Memory) Warning() string { return "" }

// Get reads a secret.
func (s *Memory) Get(_ context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Set writes a secret.
func (s *Memory) Set(_ context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
	return nil
}

// Delete removes a secret.
func (s *Memory) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}
