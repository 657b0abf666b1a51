package main

import "github.com/spf13/cobra"

func spamLearnCmd() *cobra.Command { return &cobra.Command{Use: "learn", Hidden: true} }
