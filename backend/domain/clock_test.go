package domain_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnlySystemClockReadsTheWallClock holds the backend to its rule: no
// code under backend/ (tests aside) reads the wall clock except
// domain.SystemClock; everything else takes an injected domain.Clock, so
// tests that move the service's clock move every reading of "now". It
// parses each file and looks for the calls and function values that read
// the wall clock (time.Now, time.Since, time.Until). Timers and tickers
// (time.After, time.NewTimer) measure durations and are allowed.
func TestOnlySystemClockReadsTheWallClock(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		files++
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		timePkg := ""
		for _, imp := range f.Imports {
			if imp.Path.Value == `"time"` {
				timePkg = "time"
				if imp.Name != nil {
					timePkg = imp.Name.Name
				}
			}
		}
		if timePkg == "" {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		ast.Inspect(f, func(n ast.Node) bool {
			fn, ok := n.(*ast.FuncDecl)
			if ok && rel == filepath.Join("domain", "clock.go") && fn.Name.Name == "SystemClock" {
				return false // the one allowed reading
			}
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == timePkg && (sel.Sel.Name == "Now" || sel.Sel.Name == "Since" || sel.Sel.Name == "Until") {
				t.Errorf("%s: %s.%s reads the wall clock; use the injected clock (domain.Clock, s.now())", fset.Position(sel.Pos()), timePkg, sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("parsed only %d files under %s: is this still backend/domain?", files, root)
	}
}
