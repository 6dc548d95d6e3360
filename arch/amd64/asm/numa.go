package asm

// NUMA node limits. Linux: include/linux/numa.h and the x86-64 defconfig's
// CONFIG_NODES_SHIFT.

const (
	// NODES_SHIFT: x86-64 defconfig has CONFIG_NODES_SHIFT=6.
	NODES_SHIFT = 6
	// MAX_NUMNODES is 1 << NODES_SHIFT.
	MAX_NUMNODES = 1 << NODES_SHIFT
	// NUMA_NO_NODE asks for "any node".
	NUMA_NO_NODE = -1
)
