package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"mailassist/bus"
)

func setupCmd() *cobra.Command {
	var cfgPath string
	var natsConfig bool
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Create or update the MAIL stream and the shared buckets (admin credentials)",
		Long: `setup creates or updates the MAIL stream and the buckets every role shares,
as the config says. run does it too; with an external NATS server whose
users have per-role permissions (docs/nats.md), the roles may not, so an
admin runs setup once and after changing the stream section. With
{role} in nats.*_file, setup uses the admin's files.

--nats-config prints the example nats-server configuration instead: one
user per role with exactly the permissions it needs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if natsConfig {
				writeNATSServerConfig(cmd.OutOrStdout())
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
	return cmd
}
