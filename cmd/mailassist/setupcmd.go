package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"mailassist/bus"
)

func setupCmd() *cobra.Command {
	var cfgPath string
	var natsConfig bool
	var nkeysDir, devTLS string
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Create or update the MAIL stream and the shared buckets (admin credentials)",
		Long: `setup creates or updates the MAIL stream and the buckets every role shares,
as the config says. run does it too; with an external NATS server whose
users have per-role permissions (docs/nats.md), the roles may not, so an
admin runs setup once and after changing the stream section. With
{role} in nats.*_file, setup uses the admin's files.

--nats-config prints the example nats-server configuration instead: one
user per role with exactly the permissions it needs. --nkeys DIR makes
that concrete: a user nkey per role (DIR/{role}.nk) and DIR/nats-server.conf
with their public keys (docker-compose.yml uses it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if natsConfig {
				writeNATSServerConfig(cmd.OutOrStdout())
				return nil
			}
			if nkeysDir != "" {
				written, err := writeNKeys(nkeysDir)
				if err != nil {
					return fmt.Errorf("setup --nkeys: %w", err)
				}
				if devTLS != "" {
					if err := writeDevCert(filepath.Join(nkeysDir, "dovecot"), devTLS); err != nil {
						return fmt.Errorf("setup --dev-tls: %w", err)
					}
					written = append(written, "dovecot/{cert,key,ca}.pem for "+devTLS)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "in %s: %s (seeds mode 0600, existing ones kept)\n", nkeysDir, strings.Join(written, ", "))
				return nil
			}
			cfg, err := loadConfig(cfgPath)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			e, err := setup(ctx, cfg, newLogger(cfg.Log), embedIfAbsent, "setup")
			if err != nil {
				return err
			}
			defer e.close()
			fmt.Fprintf(cmd.OutOrStdout(), "stream %s and the shared buckets are ready on %s\n", bus.StreamName, e.bus.NC.ConnectedUrlRedacted())
			return nil
		},
	}
	addConfigFlag(cmd, &cfgPath)
	cmd.Flags().BoolVar(&natsConfig, "nats-config", false, "print the example nats-server configuration with per-role users")
	cmd.Flags().StringVar(&devTLS, "dev-tls", "", "with --nkeys: also a self-signed certificate for `HOST` in DIR/dovecot (a development IMAP server)")
	cmd.Flags().StringVar(&nkeysDir, "nkeys", "", "make a user nkey per role in `DIR` and DIR/nats-server.conf with their public keys")
	return cmd
}
