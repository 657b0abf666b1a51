package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"mailassist/configs"
)

// printHealth asks the running process (its http.listen) for /healthz
// and /readyz and prints what they report: watchers that are not live,
// accounts that need a person and the fix, servers that are down. It
// prints nothing when no process serves there.
func printHealth(ctx context.Context, out io.Writer, cfg *configs.Config) {
	if cfg.HTTP.Listen == "" {
		return
	}
	token := ""
	if cfg.HTTP.TokenFile != "" {
		if b, err := os.ReadFile(cfg.HTTP.TokenFile); err == nil {
			token = strings.TrimSpace(string(b))
		}
	}
	fmt.Fprintln(out, "\nhealth of the running process (http://"+cfg.HTTP.Listen+"):")
	for _, path := range []string{"/readyz", "/healthz"} {
		rep, err := getHealth(ctx, "http://"+cfg.HTTP.Listen+path, token)
		switch {
		case err != nil:
			fmt.Fprintf(out, "  %s: no answer (%v)\n", path, err)
			return
		case rep.OK:
			fmt.Fprintf(out, "  %s: ok\n", path)
		default:
			fmt.Fprintf(out, "  %s: NOT OK\n", path)
			for _, p := range rep.Problems {
				fmt.Fprintf(out, "    - %s\n", p)
			}
		}
	}
}

func getHealth(ctx context.Context, url, token string) (struct {
	OK       bool     `json:"ok"`
	Problems []string `json:"problems"`
}, error) {
	var rep struct {
		OK       bool     `json:"ok"`
		Problems []string `json:"problems"`
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return rep, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rep, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&rep)
	return rep, err
}
