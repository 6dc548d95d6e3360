//go:build amd64

package memblock

// callerPC is in caller_amd64.s.
func callerPC() uintptr
