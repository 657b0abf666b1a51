package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// txtZone serves DNS TXT records from a map; other names do not exist.
type txtZone map[string]string

func (z txtZone) LookupTXT(_ context.Context, name string) ([]string, error) {
	if txt, ok := z[name]; ok {
		return []string{txt}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// TestSpamClassifyExplainDKIM: `spam classify --explain --verify-dkim`
// verifies the message's signature and names the result among the
// signals.
func TestSpamClassifyExplainDKIM(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	saved := dkimResolver
	dkimResolver = txtZone{"s1._domainkey.example.com": "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}
	t.Cleanup(func() { dkimResolver = saved })

	msg := "From: Example News <news@example.com>\r\nTo: alice@example.org\r\nSubject: Your statement\r\n" +
		"Date: Tue, 24 Nov 2026 03:12:00 +0000\r\nMessage-ID: <st-1@example.com>\r\n\r\nYour November statement is ready.\r\n"
	var signed bytes.Buffer
	if err := dkim.Sign(&signed, strings.NewReader(msg), &dkim.SignOptions{Domain: "example.com", Selector: "s1", Signer: priv}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, raw []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("signed.eml", signed.Bytes())
	bad := write("tampered.eml", bytes.Replace(signed.Bytes(), []byte("November"), []byte("December"), 1))

	for _, tc := range []struct {
		args []string
		want []string // regular expressions, each matching a line
	}{
		{[]string{good}, []string{`auth: spf=- dkim=pass dmarc=- from=example.com dkim-domains=\[example.com\] authenticated=true failed=false`,
			`signal\t[-+]\d\.\d{3}\t[^\t]+\t\(sig:auth-dkim-pass\)`, `signal\t[-+]\d\.\d{3}\t[^\t]+\t\(sig:auth-dkim-aligned\)`}},
		{[]string{bad}, []string{`auth: spf=- dkim=fail .* authenticated=false failed=true`,
			`signal\t[-+]\d\.\d{3}\t[^\t]+\t\(sig:auth-dkim-fail\)`, `signal\t[-+]\d\.\d{3}\t[^\t]+\t\(sig:auth-from-unauthenticated\)`}},
	} {
		out, err := execute(t, append([]string{"spam", "classify", "--explain", "--verify-dkim"}, tc.args...)...)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range tc.want {
			if !regexp.MustCompile(`(?m)^\t` + re + `$`).MatchString(out) {
				t.Errorf("no line %q in\n%s", re, out)
			}
		}
	}
	// Without --verify-dkim the signature proves nothing.
	out, err := execute(t, "spam", "classify", "--explain", good)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "auth: no trusted Authentication-Results") || strings.Contains(out, "sig:auth-dkim") {
		t.Errorf("an unverified signature counted:\n%s", out)
	}
}
