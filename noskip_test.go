package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoTestIsSkipped holds the project's rule that a skipped test is a
// defect, not a pass: no Go test calls t.Skip (a missing tool fails the
// test instead), and no vitest or node:test test is marked skip, todo or
// only (which passes without running, or silently drops the others).
func TestNoTestIsSkipped(t *testing.T) {
	goSkip := regexp.MustCompile(`\b[tb]\.Skip(f|Now)?\(|testing\.Short\(\)`)
	jsSkip := regexp.MustCompile(`\b(it|test|describe|suite)\.(skip|todo|only|skipIf|runIf)\b|\bt\.(skip|todo)\(|[{,]\s*(skip|todo|only)\s*:\s*(true|'|")`)
	files := map[string]*regexp.Regexp{}
	add := func(root string, keep func(string) bool, re *regexp.Regexp) {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "dist" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if !d.IsDir() && keep(path) {
				files[path] = re
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	isGoTest := func(p string) bool { return strings.HasSuffix(p, "_test.go") }
	add(".", func(p string) bool { return isGoTest(p) && filepath.Dir(p) == "." }, goSkip)
	add("backend", isGoTest, goSkip)
	add("scripts", isGoTest, goSkip)
	add("frontend/src", func(p string) bool { return strings.HasSuffix(p, ".test.ts") }, jsSkip)
	add("frontend/e2e", func(p string) bool { return strings.HasSuffix(p, ".mjs") }, jsSkip)
	if len(files) < 100 {
		t.Fatalf("found only %d test files: has the layout changed?", len(files))
	}
	self := "noskip_test.go"
	for path, re := range files {
		if path == self {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if re.MatchString(line) {
				t.Errorf("%s:%d skips a test (a skipped test counts as passing): %s", path, i+1, strings.TrimSpace(line))
			}
		}
	}
}
