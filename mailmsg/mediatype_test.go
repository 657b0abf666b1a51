package mailmsg

import (
	"fmt"
	"mime"
	"testing"
)

var mediaTypeSeeds = []string{
	"text/plain", "text/plain; charset=us-ascii", "TEXT/HTML; CHARSET=\"ISO-8859-1\"",
	`multipart/alternative; boundary="----=_NextPart_000_0000_01C2A9A6.12345678"`,
	"multipart/mixed;\r\n\tboundary=\"b1\"", "text/plain;", "text/plain ; ", "text/plain;;",
	`attachment; filename="report.pdf"`, "inline", `attachment; filename=a.zip; size=10`,
	`application/octet-stream; name="a b.exe"`, `text/plain; charset="utf-8"; format=flowed; delsp=yes`,
	`text/plain; charset=us-ascii; charset=us-ascii`, `text/plain; charset=a; CHARSET=b`,
	`text/plain; name*=utf-8''%e2%82%ac.txt`, `text/plain; name*0="a"; name*1="b"`,
	`text/plain; name="a\"b"`, `text/plain; name="a\b"`, "text/plain; name=\"a\r\nb\"", `text/plain; name="open`,
	"text/plain; charset=", "text/plain; =x", "text/plain; x", "text/plain x", "text/", "/plain", "text/plain/x",
	"", " ", ";", "text", "text/plain;\u00a0charset=x", "text/plain; charset=\u00e9", "\u00a0text/plain",
	"text/plain;a=1;b=2;c=3;d=4;e=5;f=6;g=7;h=8;i=9", `text/plain; charset = "x" `, "text/plain;\v charset=x",
}

// FuzzDiffMediaType: parseMediaType gives mime.ParseMediaType's media type,
// error or not, and the parameters the walker reads.
func FuzzDiffMediaType(f *testing.F) {
	for _, s := range mediaTypeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if diff := diffMediaType(v); diff != "" {
			t.Error(diff)
		}
	})
}

func TestMediaTypeMatchesMime(t *testing.T) {
	simple := 0
	for _, v := range mediaTypeSeeds {
		if diff := diffMediaType(v); diff != "" {
			t.Error(diff)
		}
		if _, _, ok := parseSimpleMediaType(v); ok {
			simple++
		}
	}
	if simple < 10 {
		t.Errorf("only %d seeds take the simple path", simple)
	}
}

func diffMediaType(v string) string {
	gotT, gotP, gotErr := parseMediaType(v)
	wantT, wantM, wantErr := mime.ParseMediaType(v)
	if gotT != wantT || (gotErr == nil) != (wantErr == nil) || gotErr == nil && gotP != paramsOf(wantM) {
		return fmt.Sprintf("parseMediaType(%q) = %q, %+v, %v; mime.ParseMediaType: %q, %v, %v", v, gotT, gotP, gotErr, wantT, wantM, wantErr)
	}
	return ""
}
