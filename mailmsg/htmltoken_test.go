package mailmsg

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// htmlTokenSeeds are documents whose tokens x/net/html's tests and the
// HTML of mail make interesting: raw text and RCDATA elements, script
// escapes, comments of every odd shape, doctypes, bogus comments, end tags
// that are none, attributes without values or quotes, self-closing tags
// and what only looks like one, entities with and without ';', numeric
// references, CR LF line ends, NULs, and documents cut off anywhere.
var htmlTokenSeeds = []string{
	"",
	"plain text",
	"<p>Hello, <b>World</b>!</p>",
	"<html><head><title>T &amp; t</title><style>p{color:red}</style></head><body>x</body></html>",
	"<a href=\"http://example.com/?a=1&amp;b=2\">link</a> &nbsp; &copy; &COPY &copy2022 &amp &ampx &#39; &#x27; &#X27 &#128; &#0; &#xD800; &#1114112; &#;",
	"AT&T &; & &# &#x &#xg &notit; &notin; &nGt; &NotEqualTilde; &amp;&lt;&gt;",
	"<script>if (a < b && c > d) { document.write('<a href=x>') }</script>after",
	"<script><!-- <script> </script> --></script>x",
	"<script><!--<script>a</script>b--></script>c",
	"<SCRIPT>x</SCRIPT >y</script>",
	"<title>a<b>c</b>d</title>",
	"<textarea>&lt;p&gt;</textarea>",
	"<plaintext><p>all text &amp; more",
	"<xmp><b>x</b></xmp><iframe><a></iframe><noembed>q</noembed><noframes>r</noframes><noscript>s</noscript>",
	"<!-- comment --> <!----> <!---> <!--> <!-- a -- b --> <!-- x --!> <!-- y --!- z --> <!--",
	"<!--x", "<!--x-", "<!--x--", "<!--x--!", "<!-", "<!", "<!>", "<!x>", "<?xml version=\"1.0\"?>",
	"<!DOCTYPE html><!doctype HTML PUBLIC \"x\"><!DOCTYP><!DOCTYPE", "<!DOCTYPE   ", "<!DOC",
	"</> </ > </3> </a b=c> </a", "<", "<a", "<a ", "<a b", "<a b=", "<a b='", "<a b='c", "<a b=c", "a<",
	"<br/><br /><p a=/><p a=b/><p a='/'/><p a b/><p a=b c/><img src=x alt=y / >",
	"<p a=1 A=2 a=/>x<p a=1 b=/ A=3/>y<p =x/>",
	"<div\n class=\"a\"\r\n id=b\f>x\r\ny\rz\r\n\r\n</div\t>",
	"<a href=x>one</a><a href = \"y\" >two</a><a href='z'>three</a><a href>four</a>",
	"<<a>> <1> < a> <a<b> <a/b> <a//b>",
	"text\x00with\x00nul <p>\x00</p> <!--\x00--> <script>\x00</script>",
	"<table><tr><td>a</td><td>b</td></tr></table><ul><li>x<li>y</ul>",
	"<p a=\"x\" a=\"y\" b c d e f g h i j k l m n o p q r s t u v w x y z aa=/>",
	"<é a=1 é=2 É=3/>",
	"<p a=1 b c d e f g h i j k l m n o p q r s A=/>x<p b c d e f g h i j k l m n o p q r s é=1 é=/>y<p b c d e f g h i j k l m n o p q r s é=1 É=/>",
	"&#x41;&#65&#x;&#xZ;&#65x&#9999999999;",
}

// htmlTokens lists the tokens of doc as x/net/html's Tokenizer gives
// them: type, raw bytes and, for text, comments and doctypes, the text.
func htmlTokens(doc []byte) []string {
	z := html.NewTokenizer(bytes.NewReader(bytes.Clone(doc)))
	z.SetMaxBuf(len(doc) + 1)
	var out []string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return append(out, "Error")
		}
		s := fmt.Sprintf("%d %q", tt, z.Raw())
		if tt == html.TextToken || tt == html.CommentToken || tt == html.DoctypeToken {
			s += fmt.Sprintf(" %q", z.Text())
		}
		out = append(out, s)
	}
}

// ourHTMLTokens lists the tokens of doc as htmlTokenizer gives them.
func ourHTMLTokens(doc []byte) []string {
	var z htmlTokenizer
	z.reset(bytes.Clone(doc))
	var out []string
	for {
		tt := z.Next()
		if tt == errorToken {
			return append(out, "Error")
		}
		s := fmt.Sprintf("%d %q", tt, z.Raw())
		if tt == textToken || tt == commentToken || tt == doctypeToken {
			s += fmt.Sprintf(" %q", z.Text())
		}
		out = append(out, s)
	}
}

func diffHTMLTokens(doc []byte) string {
	want, got := htmlTokens(doc), ourHTMLTokens(doc)
	for i := 0; i < len(want) || i < len(got); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			return fmt.Sprintf("token %d:\n got  %s\n want %s", i, g, w)
		}
	}
	return ""
}

// TestHTMLTokenizerMatchesXNetHTML: the tokenizer gives x/net/html's
// tokens for the seeds, every prefix of each (documents cut off anywhere)
// and the HTML fixtures.
func TestHTMLTokenizerMatchesXNetHTML(t *testing.T) {
	docs := append([]string(nil), htmlTokenSeeds...)
	for _, s := range htmlTokenSeeds {
		for i := range len(s) {
			docs = append(docs, s[:i])
		}
	}
	for _, dir := range []string{"testdata", filepath.Join("..", "spam", "testdata")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, name := range files {
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, string(raw)) // a whole message is a document too
		}
	}
	for _, d := range docs {
		if diff := diffHTMLTokens([]byte(d)); diff != "" {
			t.Errorf("%.200q: %s", d, diff)
		}
	}
}

func FuzzDiffHTMLTokenizer(f *testing.F) {
	for _, s := range htmlTokenSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if diff := diffHTMLTokens([]byte(doc)); diff != "" {
			t.Errorf("%q: %s", doc, diff)
		}
	})
}

// TestCommonEntities: each common entity decodes as html.UnescapeString
// decodes it, also without its ';' and with text after it.
func TestCommonEntities(t *testing.T) {
	for name := range commonEntities {
		for _, s := range []string{"&" + name, "&" + strings.TrimSuffix(name, ";"), "x&" + name + "y", "&" + strings.TrimSuffix(name, ";") + "zz;"} {
			if got, want := string(unescapeText([]byte(s))), html.UnescapeString(s); got != want {
				t.Errorf("%q: got %q, want %q", s, got, want)
			}
		}
	}
}
