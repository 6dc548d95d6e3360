//go:build !amd64

package memblock

// callerPC is only implemented for amd64; elsewhere callers print as 0.
func callerPC() uintptr { return 0 }
