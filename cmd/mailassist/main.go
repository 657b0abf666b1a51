// Command mailassist is the email smart-assist pipeline: one binary with a
// subcommand per role, `run` for all roles in one process.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"mailassist/configs"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		var cfgErr *configs.Error
		if errors.As(err, &cfgErr) {
			fmt.Fprintln(os.Stderr, err) // one "file:line: path: problem" per line
		} else {
			fmt.Fprintln(os.Stderr, "mailassist:", err)
		}
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "mailassist",
		Short: "Spam filtering, reply drafts and escalation for your own IMAP mailboxes",
		Long: `mailassist watches IMAP mailboxes, classifies new mail, and writes its
results back into the mailbox (Junk moves, drafts, flags) and onto a NATS
JetStream event stream. It never sends mail.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(runCmd(), demoCmd(), configCmd(), statusCmd(), versionCmd(), setupCmd(), escalationsCmd(), deadletterCmd(), accountCmd(), healthcheckCmd())
	root.AddCommand(roleCmds()...)
	return root
}
