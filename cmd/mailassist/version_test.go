package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	vcs := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "da6bf835578a458bb23b3651b3615b2deee59a49"},
		{Key: "vcs.time", Value: "2026-11-27T13:53:46Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	for _, tc := range []struct {
		ld   string
		info *debug.BuildInfo
		want []string
	}{
		{"", vcs, []string{"(devel)", "revision da6bf835578a (2026-11-27T13:53:46Z, modified)", "go1.26.8"}},
		{"v1.2.3", vcs, []string{"v1.2.3,", "revision da6bf835578a"}},
		{"", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.0"}}, []string{"v0.3.0", "revision unknown"}},
		{"", nil, []string{"(unknown)", "revision unknown"}},
	} {
		got := describeBuild(tc.ld, tc.info)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("describeBuild(%q) = %q, want it to contain %q", tc.ld, got, w)
			}
		}
	}
}
