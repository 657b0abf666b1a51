package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"mailassist/configs"
)

func configCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with config files",
	}
	var strict, connect bool
	check := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Check a config file; list every problem with its line",
		Long: `check loads FILE as mailassist would: strict YAML (unknown keys are errors),
types, and every rule, reporting all problems at once with their lines.
It also warns about settings that are valid but unsafe: insecure_skip_verify,
a password_file (or FILE itself, when it names secrets) that other users can
read or change, http.listen on a non-loopback address, plaintext NATS to
another host. It exits 0 when the file is valid; with --strict, warnings
make it fail too. Secrets are not read. Without FILE it checks the config
run would use: $MAILASSIST_CONFIG, then ./mailassist.yaml, then
/etc/mailassist/mailassist.yaml. With --connect it also does what run will
do at start: log in to every account (reading its password or token;
certificate, TLS-mode and login problems are explained with their fix),
find every folder the config names or mailassist discovers, and ask every
LLM endpoint for its model.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var given string
			if len(args) == 1 {
				given = args[0]
			}
			path, err := findConfig(given)
			if err != nil {
				return err
			}
			args = []string{path}
			cfg, warns, err := configs.Check(path)
			if err != nil {
				return err
			}
			n := printWarnings(cmd.OutOrStdout(), warns)
			if connect {
				if failed := preflight(cmd.Context(), cmd.OutOrStdout(), cfg); failed > 0 {
					return fmt.Errorf("%s: %s: %w", path, plural(failed, "check failed", "checks failed"), errPreflight)
				}
			}
			if strict && n > 0 {
				return fmt.Errorf("%s: %s, refused with --strict", args[0], plural(n, "warning", "warnings"))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%s, %s)\n", args[0], plural(len(cfg.Accounts), "account", "accounts"), plural(n, "warning", "warnings"))
			return nil
		},
	}
	check.Flags().BoolVar(&strict, "strict", false, "fail on warnings too")
	check.Flags().BoolVar(&connect, "connect", false, "also log in to every account, find its folders and ask every LLM endpoint for its model")
	cmd.AddCommand(check)
	return cmd
}

// printWarnings writes each warning as "file:line: path: warning: msg"
// and returns how many there were.
func printWarnings(w io.Writer, warns *configs.Warnings) int {
	if warns == nil {
		return 0
	}
	for _, line := range strings.Split(warns.String(), "\n") {
		fmt.Fprintln(w, "warning: "+line)
	}
	return len(warns.Problems)
}
