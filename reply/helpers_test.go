package reply

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"mailassist/mailmsg"
)

// fixture parses testdata/<name>.
func fixture(t testing.TB, name string) *mailmsg.Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return mailmsg.Parse(raw)
}

// fmtSscan reads the leading weight of a reason.
func fmtSscan(s string, w *float64) (int, error) { return fmt.Sscan(s, w) }

func fmtSprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
