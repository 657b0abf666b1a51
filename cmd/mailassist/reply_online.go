package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"mailassist/habits"
	"mailassist/reply"
)

// onlineFlags are trigger-eval's flags for the online evaluation.
type onlineFlags struct {
	on, personal bool
	threshold    float64
	recall       float64
}

func (f *onlineFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.on, "online", false, "evaluate online, in date order, with the owner's sent mail in DIR/sent")
	cmd.Flags().BoolVar(&f.personal, "personal", true, "online: the personal trigger, learning the owner's habits as it goes (false: the content trigger)")
	cmd.Flags().Float64Var(&f.threshold, "personal-threshold", 0, "online: the personal trigger's threshold, a chance of an answer (default: chosen from the outcomes so far)")
	cmd.Flags().Float64Var(&f.recall, "target-recall", 0, fmt.Sprintf("online: the recall a chosen threshold aims at (default %g)", habits.DefaultTargetRecall))
}

func (f *onlineFlags) options(to reply.TriggerOptions) reply.OnlineOptions {
	return reply.OnlineOptions{Trigger: to, Personal: f.personal,
		Options: reply.PersonalOptions{Threshold: f.threshold, TargetRecall: f.recall}}
}

// printOnline prints what an online evaluation adds to the report.
func printOnline(w io.Writer, r reply.Report) {
	if r.Online == "" {
		return
	}
	fmt.Fprintf(w, "online, %s trigger; %d sent messages read\n", r.Online, r.Sent)
	if h := r.Habits; h != nil {
		how := "default"
		if h.Chosen {
			how = "chosen"
		}
		fmt.Fprintf(w, "learnt %d outcomes (%d answered); threshold %.3f (%s); profile %d bytes: %d senders, %d domains, %d lists, %d threads, %d pending\n",
			h.Outcomes, h.Answered, h.Threshold, how, h.Bytes, h.Sizes.Senders, h.Sizes.Domains, h.Sizes.Lists, h.Sizes.Threads, h.Sizes.Pending)
	}
}
