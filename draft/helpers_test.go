package draft

import (
	"os"
	"path/filepath"
	"testing"

	"mailassist/mailmsg"
)

func fixture(t testing.TB, name string) *mailmsg.Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return mailmsg.Parse(raw)
}
