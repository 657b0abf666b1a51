package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"mailassist/imapx"
	"mailassist/oauth"
)

func accountCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Manage the accounts' credentials",
	}
	cmd.AddCommand(accountLoginCmd())
	return cmd
}

func accountLoginCmd() *cobra.Command {
	var cfgPath string
	var noCheck bool
	cmd := &cobra.Command{
		Use:   "login NAME",
		Short: "Sign an oauth2 account in (OAuth 2.0 device authorization grant) and store its tokens",
		Long: `login signs the account NAME in at its OAuth2 provider with the device
authorization grant (RFC 8628): it prints a URL and a code, you open the URL
on any device, sign in as the mailbox's owner and enter the code, and login
stores the tokens in the bus (NATS key-value bucket ` + oauth.Bucket + `), where
every mailassist process reads them. Then it checks that the IMAP server
accepts the token. Run it again whenever status or /healthz says so.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return accountLogin(cmd.Context(), cmd.OutOrStdout(), cfgPath, args[0], !noCheck)
		},
	}
	addConfigFlag(cmd, &cfgPath)
	cmd.Flags().BoolVar(&noCheck, "no-check", false, "do not log in to the IMAP server with the new token")
	return cmd
}

func accountLogin(ctx context.Context, out io.Writer, cfgPath, name string, check bool) error {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	acct, ok := cfg.Account(name)
	switch {
	case !ok:
		return fmt.Errorf("no account %q in %s", name, cfgPath)
	case acct.IMAP.Auth != imapx.AuthOAuth2:
		return fmt.Errorf("account %s logs in with a password (imap.auth: %s): set imap.auth: oauth2 and imap.oauth2 for a login", name, acct.IMAP.Auth)
	}
	e, err := setup(ctx, cfg, slog.New(slog.DiscardHandler), embedIfAbsent, "account-login")
	if err != nil {
		return err
	}
	defer e.close()
	kv, err := e.bus.KeyValue(ctx, oauth.BucketConfig())
	if err != nil {
		return err
	}
	st, rev, err := oauth.Login(ctx, acct.IMAP.OAuth2, oauth.NewStore(kv), name, func(p oauth.Prompt) {
		fmt.Fprintf(out, "To sign in account %s (%s), open\n\n    %s\n\nand enter the code\n\n    %s\n\n", name, acct.Address, p.URI, p.Code)
		if p.URIComplete != "" {
			fmt.Fprintf(out, "(or open %s, which holds the code)\n", p.URIComplete)
		}
		if !p.Expiry.IsZero() {
			fmt.Fprintf(out, "The code is valid until %s. ", p.Expiry.Local().Format(time.Kitchen))
		}
		fmt.Fprintln(out, "Waiting for the approval… (Ctrl-C gives up)")
	})
	if err != nil {
		return fmt.Errorf("login of account %s: %w", name, err)
	}
	where := "on NATS " + e.bus.NC.ConnectedUrlRedacted()
	if e.emb != nil {
		where = "in the embedded NATS store under " + cfg.DataDir
	}
	expiry := "without an expiry"
	if !st.Expiry.IsZero() {
		expiry = "valid until " + st.Expiry.Local().Format(time.RFC3339)
	}
	fmt.Fprintf(out, "\nStored for account %s: a refresh token and an access token (%s), in the key-value bucket %s, key %s (revision %d), %s.\nEvery mailassist process on this bus reads them there and refreshes the access token before it expires.\n",
		name, expiry, oauth.Bucket, name, rev, where)
	if !check {
		return nil
	}
	// The account of e.cfg has its token source now.
	acct, _ = e.cfg.Account(name)
	c, err := imapx.Dial(ctx, acct.IMAP, nil)
	if err != nil {
		return fmt.Errorf("the tokens are stored, but the IMAP login with them failed: %w", err)
	}
	defer c.Close()
	_ = c.Logout().Wait()
	fmt.Fprintf(out, "Checked: the IMAP login to %s:%d as %s works.\n", acct.IMAP.Host, acct.IMAP.Port, acct.IMAP.Username)
	return nil
}
