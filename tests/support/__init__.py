"""Test infrastructure: the Go test CLI, GoReleaser-shaped releases, servers and venvs."""
