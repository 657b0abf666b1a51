package mailmsg

import (
	"reflect"
	"testing"
)

func TestHTMLToText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<p>one</p><p>two</p>", "one\ntwo\n"},
		{"a<br>b<br/>c", "a\nb\nc"},
		{"<head><title>t</title></head><body>x</body>", "x\n"},
		{"<head><title>t</title><body>unclosed head</body>", "unclosed head\n"},
		{"<style>p{}</style><script>if (a<b) x()</script>text", "text"},
		{"caf&eacute; &lt;b&gt; &#8364;", "café <b> €"},
		{"  lots \n\n of   space  ", "lots of space "},
		{"<pre>keep   this\n  layout</pre>", "keep   this\n  layout\n"},
		{"<table><tr><td>a</td><td>b</td></tr></table>", "a b\n"},
		{"Fr<!-- hidden -->ee", "Free"},
	} {
		if got := HTMLToText([]byte(tc.in)); got != tc.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLinksAndForms(t *testing.T) {
	raw := "Content-Type: text/html\r\n\r\n" +
		`<p>Sign in at <a href="http://198.51.100.7/login">www.paypal.com</a> or ` +
		`<A HREF='https://example.org/a?x=1&amp;y=2'> <b>our  site</b> </A>.</p>` +
		`<a name="top">no href</a>` +
		`<form action="https://evil.example/post"><input type=password name=pw><input type="text"></form>`
	m := Parse([]byte(raw))
	want := []Link{
		{URL: "http://198.51.100.7/login", Text: "www.paypal.com"},
		{URL: "https://example.org/a?x=1&y=2", Text: "our site"},
	}
	if !reflect.DeepEqual(m.Links, want) {
		t.Errorf("Links = %q, want %q", m.Links, want)
	}
	if m.Forms != 1 || m.PasswordFields != 1 {
		t.Errorf("Forms %d, PasswordFields %d, want 1 and 1", m.Forms, m.PasswordFields)
	}
}
