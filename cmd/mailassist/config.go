package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"mailassist/configs"
)

func configCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with config files",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Check a config file; list every problem with its line",
		Long: `check loads FILE as mailassist would: strict YAML (unknown keys are errors),
types, and every rule, reporting all problems at once with their lines.
It exits 0 when the file is valid. Secrets are not read.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := configs.Load(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%s)\n", args[0], plural(len(cfg.Accounts), "account", "accounts"))
			return nil
		},
	})
	return cmd
}
