package spam_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"mailassist/bus"
	"mailassist/internal/natstest"
	"mailassist/spam"
)

// dnsZone is a Resolver serving DKIM keys from a map: a name it lacks
// does not exist (NXDOMAIN); a name mapped to "" times out.
type dnsZone map[string]string

func (z dnsZone) LookupTXT(_ context.Context, name string) ([]string, error) {
	txt, ok := z[name]
	switch {
	case !ok:
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	case txt == "":
		return nil, &net.DNSError{Err: "i/o timeout", Name: name, IsTimeout: true, IsTemporary: true}
	}
	return []string{txt}, nil
}

// dkimKey is a generated signing key and its DNS record.
type dkimKey struct {
	signer crypto.Signer
	record string
}

var (
	keysOnce sync.Once
	keys     map[string]dkimKey
)

// testKeys generates two Ed25519 keys and a 2048-bit RSA key (once).
func testKeys(t *testing.T) map[string]dkimKey {
	t.Helper()
	keysOnce.Do(func() {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		otherPub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&rk.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		keys = map[string]dkimKey{
			"ed25519": {priv, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)},
			"rsa":     {rk, "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)},
			// the public half of another key: signatures by "ed25519" do not verify
			"other": {nil, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(otherPub)},
		}
	})
	return keys
}

const newsletter = "From: Example News <news@example.com>\r\n" +
	"To: alice@example.org\r\n" +
	"Subject: Your November statement is ready\r\n" +
	"Date: Tue, 24 Nov 2026 03:12:00 +0000\r\n" +
	"Message-ID: <statement-1@example.com>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Hello Alice,\r\n\r\nyour statement for November is ready in your account.\r\n"

// sign signs raw with key kind for domain d= and selector sel.
func sign(t *testing.T, raw, kind, domain, sel string) []byte {
	t.Helper()
	var out bytes.Buffer
	err := dkim.Sign(&out, strings.NewReader(raw), &dkim.SignOptions{Domain: domain, Selector: sel, Signer: testKeys(t)[kind].signer})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func zoneWith(t *testing.T, entries ...string) dnsZone {
	z := dnsZone{}
	for i := 0; i+1 < len(entries); i += 2 {
		z[entries[i]] = testKeys(t)[entries[i+1]].record
		if entries[i+1] == "timeout" {
			z[entries[i]] = ""
		}
	}
	return z
}

// TestVerifyDKIM verifies real signatures made with generated keys, the
// keys served by a fake DNS.
func TestVerifyDKIM(t *testing.T) {
	signedEd := sign(t, newsletter, "ed25519", "example.com", "s1")
	signedRSA := sign(t, newsletter, "rsa", "example.com", "s2")
	z := zoneWith(t, "s1._domainkey.example.com", "ed25519", "s2._domainkey.example.com", "rsa")
	tampered := bytes.Replace(signedEd, []byte("is ready"), []byte("is READY, log in at http://198.51.100.7/"), 1)
	forgedFrom := bytes.Replace(signedRSA, []byte("news@example.com"), []byte("security@example.com"), 1)
	for _, tc := range []struct {
		name string
		raw  []byte
		zone dnsZone
		want []spam.DKIMVerification
	}{
		{"ed25519 pass", signedEd, z, []spam.DKIMVerification{{Domain: "example.com", Result: "pass"}}},
		{"rsa pass", signedRSA, z, []spam.DKIMVerification{{Domain: "example.com", Result: "pass"}}},
		{"body changed", tampered, z, []spam.DKIMVerification{{Domain: "example.com", Result: "fail"}}},
		{"signed header changed", forgedFrom, z, []spam.DKIMVerification{{Domain: "example.com", Result: "fail"}}},
		{"another key published", signedEd, zoneWith(t, "s1._domainkey.example.com", "other"), []spam.DKIMVerification{{Domain: "example.com", Result: "fail"}}},
		{"a key of another algorithm", signedEd, zoneWith(t, "s1._domainkey.example.com", "rsa"), []spam.DKIMVerification{{Domain: "example.com", Result: "permerror"}}},
		{"no key published", signedEd, dnsZone{}, []spam.DKIMVerification{{Domain: "example.com", Result: "permerror"}}},
		{"dns times out", signedEd, zoneWith(t, "s1._domainkey.example.com", "timeout"), []spam.DKIMVerification{{Domain: "example.com", Result: "temperror"}}},
		{"unsigned", []byte(newsletter), z, []spam.DKIMVerification{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := spam.VerifyDKIM(context.Background(), tc.raw, tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !slices.Equal(got, tc.want) {
				t.Errorf("VerifyDKIM = %#v, want %#v", got, tc.want)
			}
		})
	}
}

// TestDKIMSignals checks what a verification makes of the message's
// sender authentication and signals.
func TestDKIMSignals(t *testing.T) {
	z := zoneWith(t, "s1._domainkey.example.com", "ed25519", "s1._domainkey.esp.example.net", "ed25519")
	own := sign(t, newsletter, "ed25519", "example.com", "s1")
	for _, tc := range []struct {
		name                  string
		raw                   []byte
		zone                  dnsZone
		signals               []string // fired, in this order among the auth signals
		authenticated, failed bool
	}{
		{"aligned pass", own, z, []string{"sig:auth-dkim-pass", "sig:auth-dkim-aligned"}, true, false},
		{"unaligned pass", sign(t, newsletter, "ed25519", "esp.example.net", "s1"), z,
			[]string{"sig:auth-dkim-pass", "sig:auth-dkim-unaligned", "sig:auth-from-unauthenticated"}, false, false},
		{"tampered", bytes.Replace(own, []byte("November"), []byte("December"), 1), z,
			[]string{"sig:auth-dkim-fail", "sig:auth-from-unauthenticated"}, false, true},
		{"no key", own, dnsZone{}, []string{"sig:auth-dkim-error", "sig:auth-from-unauthenticated"}, false, false},
		{"dns trouble", own, zoneWith(t, "s1._domainkey.example.com", "timeout"), []string{"sig:auth-dkim-error", "sig:auth-from-unauthenticated"}, false, false},
		{"unsigned", []byte(newsletter), z, []string{"sig:auth-dkim-none", "sig:auth-from-unauthenticated"}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs, err := spam.VerifyDKIM(context.Background(), tc.raw, tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			r := spam.Default().ClassifyIn(spam.Parse(tc.raw), spam.Context{DKIM: vs})
			var got []string
			for _, s := range r.Signals {
				if strings.HasPrefix(s.Feature, "sig:auth-") {
					got = append(got, s.Feature)
				}
			}
			if !slices.Equal(got, tc.signals) {
				t.Errorf("signals %v, want %v", got, tc.signals)
			}
			if !r.Auth.Trusted || r.Auth.Authenticated() != tc.authenticated || r.Auth.Failed() != tc.failed {
				t.Errorf("auth %+v: authenticated %v failed %v, want %v and %v", r.Auth, r.Auth.Authenticated(), r.Auth.Failed(), tc.authenticated, tc.failed)
			}
		})
	}
	// Without verification, a DKIM-Signature field alone proves nothing.
	if r := spam.Default().Classify(own); r.Auth.Trusted {
		t.Errorf("an unverified signature was trusted: %+v", r.Auth)
	}
}

// TestStageVerifiesDKIM: with VerifyDKIM the stage verifies each message
// through its Resolver and the verdict's reasons name the result.
func TestStageVerifiesDKIM(t *testing.T) {
	b := natstest.New(t)
	z := zoneWith(t, "s1._domainkey.example.com", "ed25519")
	st := &spam.Stage{Bus: b, Accounts: alice, Models: newModels(t, b), Action: bus.SpamMove, VerifyDKIM: true, Resolver: z}
	classified := natstest.Collect[bus.Classified](t, b, bus.AllAccounts(bus.KindClassified))
	signed := sign(t, newsletter, "ed25519", "example.com", "s1")
	for uid, raw := range [][]byte{signed, bytes.Replace(signed, []byte("November"), []byte("December"), 1)} {
		data, _ := json.Marshal(ingested(uint32(uid+1), raw))
		if err := st.Handle(context.Background(), bus.NewDelivery("mail.ingested.alice", data, nil)); err != nil {
			t.Fatal(err)
		}
	}
	natstest.WaitFor(t, "two verdicts", func() bool { return len(classified()) == 2 })
	for i, want := range []string{"sig:auth-dkim-pass", "sig:auth-dkim-fail"} {
		c := classified()[i]
		if !slices.ContainsFunc(c.Reasons, func(r bus.Reason) bool { return r.Feature == want }) {
			t.Errorf("verdict on uid %d: reasons %v lack %s", c.UID, c.Reasons, want)
		}
	}
}
