package mailmsg

import "testing"

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
