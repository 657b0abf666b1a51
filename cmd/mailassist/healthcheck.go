package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// healthcheckCmd asks the process of this config for /readyz: for
// container health checks, where no curl is at hand (the image is
// distroless). It exits 0 when ready.
func healthcheckCmd() *cobra.Command {
	var cfgPath, path string
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Ask the running process (http.listen) whether it is ready; exit 0 when it is (for container health checks)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cfgPath)
			if err != nil {
				return err
			}
			if cfg.HTTP.Listen == "" {
				return fmt.Errorf("http.listen is empty: nothing to ask")
			}
			token := ""
			if cfg.HTTP.TokenFile != "" {
				if b, err := os.ReadFile(cfg.HTTP.TokenFile); err == nil {
					token = strings.TrimSpace(string(b))
				}
			}
			host := cfg.HTTP.Listen
			if strings.HasPrefix(host, "0.0.0.0:") || strings.HasPrefix(host, "[::]:") || strings.HasPrefix(host, ":") {
				host = "127.0.0.1:" + host[strings.LastIndexByte(host, ':')+1:]
			}
			rep, err := getHealth(cmd.Context(), "http://"+host+path, token)
			if err != nil {
				return err
			}
			if !rep.OK {
				return fmt.Errorf("%s: not ok: %s", path, strings.Join(rep.Problems, "; "))
			}
			fmt.Fprintln(cmd.OutOrStdout(), path+": ok")
			return nil
		},
	}
	addConfigFlag(cmd, &cfgPath)
	cmd.Flags().StringVar(&path, "path", "/readyz", "what to ask: /readyz or /healthz")
	return cmd
}
