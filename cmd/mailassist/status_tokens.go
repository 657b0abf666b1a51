package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"mailassist/imapx"
	"mailassist/oauth"
)

// printTokens lists the oauth2 accounts: when the access token expires,
// or why the account is stopped and what fixes it. Never a token.
func printTokens(ctx context.Context, out io.Writer, e *env) error {
	var names []string
	for _, a := range e.cfg.Accounts {
		if a.IMAP.Auth == imapx.AuthOAuth2 {
			names = append(names, a.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	kv, err := e.bus.KeyValue(ctx, oauth.BucketConfig())
	if err != nil {
		return err
	}
	store := oauth.NewStore(kv)
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OAUTH2 ACCOUNT\tSTATE\tACCESS TOKEN EXPIRES\tLOGGED IN")
	for _, name := range names {
		st, _, err := store.Load(ctx, name)
		switch {
		case errors.Is(err, oauth.ErrNoToken):
			fmt.Fprintf(tw, "%s\tFAILED: no token stored: run mailassist account login %s\t-\t-\n", name, name)
		case err != nil:
			fmt.Fprintf(tw, "%s\tunreadable: %v\t-\t-\n", name, err)
		case st.Failed != "":
			fmt.Fprintf(tw, "%s\tFAILED since %s: %s: run mailassist account login %s\t-\t%s\n",
				name, st.FailedAt.Format(time.RFC3339), st.Failed, name, st.LoggedIn.Format(time.RFC3339))
		default:
			expires := "never (no expiry given)"
			if !st.Expiry.IsZero() {
				expires = st.Expiry.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\tok\t%s\t%s\n", name, expires, st.LoggedIn.Format(time.RFC3339))
		}
	}
	return tw.Flush()
}
