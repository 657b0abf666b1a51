package mailmsg

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// qpBody is a quoted-printable body as mail programs write it: 76-column
// lines with soft breaks, escaped 8-bit text and hard line ends.
var qpBody = []byte(strings.Repeat(
	"Gr=C3=BC=C3=9Fe aus M=C3=BCnchen, das Caf=C3=A9 hat heute bis 22 Uhr offe=\r\n"+
		"n. Das Men=C3=BC: http://cafe.example.com/menu.html?tag=3Dfreitag&x=3Dy=\r\n"+
		"\r\n"+
		"Plain ASCII text makes up most of a typical message body, with only an =\r\n"+
		"occasional escape such as 50=25 off or a soft break at the end of a line.\r\n", 200))

// qpEscaped is quoted-printable text that is mostly escapes, as Cyrillic
// or Greek text in UTF-8 is.
var qpEscaped = []byte(strings.Repeat(
	"=D0=97=D0=B4=D1=80=D0=B0=D0=B2=D1=81=D1=82=D0=B2=D1=83=D0=B9=D1=82=D0=B5! =D0=AD=D1=82=D0=BE =D0=BF=D0=B8=D1=81=D1=8C=\r\n"+
		"=D0=BC=D0=BE \r\n", 300))

func BenchmarkAppendQP(b *testing.B) {
	benchmarkAppendQP(b, qpBody)
}

func BenchmarkAppendQPEscaped(b *testing.B) {
	benchmarkAppendQP(b, qpEscaped)
}

func benchmarkAppendQP(b *testing.B, src []byte) {
	b.SetBytes(int64(len(src)))
	dst := make([]byte, 0, len(src))
	for b.Loop() {
		dst = appendQP(dst[:0], src)
	}
}

func BenchmarkParseFixtures(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	var raws [][]byte
	n := 0
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, raw)
		n += len(raw)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, raw := range raws {
			Parse(raw)
		}
	}
}

func BenchmarkParseAddressList(b *testing.B) {
	for b.Loop() {
		ParseAddressList("Ann Lee <ann@example.com>, bob@example.org")
	}
}

func BenchmarkParseDate(b *testing.B) {
	for b.Loop() {
		ParseDate("Tue, 3 Sep 2002 10:00:00 +0200 (CEST)")
	}
}
