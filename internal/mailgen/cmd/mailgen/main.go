// Command mailgen writes the test mailboxes of package mailgen: a year of
// each persona's mail, received (ham/) and sent (sent/), from a seed.
//
//	go run ./internal/mailgen/cmd/mailgen -out /tmp/personas -seed 1
//	mailassist reply trigger-eval --online --corpus /tmp/personas/consultant
package main

import (
	"flag"
	"fmt"
	"log"
	"path/filepath"

	"mailassist/internal/mailgen"
)

func main() {
	out := flag.String("out", "", "directory to write <persona>/ham and <persona>/sent into (required)")
	seed := flag.Uint64("seed", 1, "seed: the same seed gives the same mail")
	only := flag.String("persona", "", "write only this persona (default: all)")
	flag.Parse()
	if *out == "" {
		log.Fatal("mailgen: -out is required")
	}
	for _, p := range mailgen.Personas {
		if *only != "" && p.Name != *only {
			continue
		}
		c, err := mailgen.Write(filepath.Join(*out, p.Name), p, *seed)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-12s received %5d  sent %4d  answered within 14 days %4d (%.1f %%)\n",
			p.Name, c.Received, c.Sent, c.Answered, 100*float64(c.Answered)/float64(c.Received))
	}
}
