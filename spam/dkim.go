package spam

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/emersion/go-msgauth/dkim"
)

// Resolver looks up DNS TXT records. *net.Resolver satisfies it; tests
// replace it with a map.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// DKIMVerification is the outcome of verifying one DKIM signature.
type DKIMVerification struct {
	Domain string // the signing domain (d=)
	// Result is "pass"; "fail" when the signature or the body hash does
	// not verify (the message was changed, or forged); "permerror" when
	// it cannot be verified for good (no key published for it, a
	// malformed signature or key); "temperror" when the key could not be
	// fetched now (DNS trouble).
	Result AuthResult
}

// maxDKIMSignatures bounds the signatures verified per message.
const maxDKIMSignatures = 5

// VerifyDKIM verifies the message's DKIM signatures (RFC 6376) with keys
// looked up through r (net.DefaultResolver when nil). It returns one
// verification per signature (at most maxDKIMSignatures), an empty
// non-nil slice when the message has none, and an error only when the
// message cannot be read as one.
func VerifyDKIM(ctx context.Context, raw []byte, r Resolver) ([]DKIMVerification, error) {
	if r == nil {
		r = net.DefaultResolver
	}
	opts := &dkim.VerifyOptions{
		LookupTXT:        func(name string) ([]string, error) { return r.LookupTXT(ctx, name) },
		MaxVerifications: maxDKIMSignatures,
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), opts)
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		return nil, fmt.Errorf("verify dkim: %w", err)
	}
	out := make([]DKIMVerification, 0, len(vs))
	for _, v := range vs {
		out = append(out, DKIMVerification{Domain: v.Domain, Result: dkimResult(v.Err)})
	}
	return out, nil
}

func dkimResult(err error) AuthResult {
	switch {
	case err == nil:
		return "pass"
	case dkim.IsTempFail(err):
		return "temperror"
	case dkim.IsPermFail(err):
		return "permerror"
	}
	return "fail"
}
