// Package version holds what the release build stamps into the binary, as the real Cerebrium
// CLI's does: goreleaser.yaml's ldflags set each with
// -X github.com/cerebriumai/cerebrium/internal/version.Version={{.Version}} (and Commit,
// BuildDate). Without -trimpath, Go records those ldflags in the binary's build information,
// which is how the wrapper tells which release a binary belongs to.
package version

var (
	Version   = "dev"
	Commit    = "none"
	BuildDate = "unknown"
)
