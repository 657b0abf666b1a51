package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set with -ldflags "-X main.version=v1.2.3" by release builds;
// otherwise the module build info says what was built.
var version = ""

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the source revision and the Go toolchain",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "mailassist", versionString())
		},
	}
}

// versionString is "<version>, revision <rev> (<time>[, modified]),
// <go version> <os>/<arch>", from -ldflags and the build info that
// `go build` records (not `go run`, nor -buildvcs=false).
func versionString() string {
	info, _ := debug.ReadBuildInfo()
	return describeBuild(version, info)
}

func describeBuild(ldVersion string, info *debug.BuildInfo) string {
	v, goVersion := ldVersion, runtime.Version()
	var rev, at, modified string
	if info != nil {
		if v == "" {
			v = info.Main.Version
		}
		goVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = ", modified"
				}
			}
		}
	}
	if v == "" {
		v = "(unknown)"
	}
	src := "revision unknown (built by go run or with -buildvcs=false)"
	if rev != "" {
		src = "revision " + rev[:min(len(rev), 12)]
		if at != "" {
			src += " (" + at + modified + ")"
		}
	}
	return fmt.Sprintf("%s, %s, %s %s/%s", v, src, goVersion, runtime.GOOS, runtime.GOARCH)
}
