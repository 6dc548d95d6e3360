package asm

// The page-fault error code. Linux: arch/x86/include/asm/trap_pf.h; the
// bits are the SDM's (Vol. 3A §4.7, Figure 4-12 "Page-Fault Error Code").

const (
	X86_PF_PROT  = 1 << 0 // 0: not-present page, 1: protection violation
	X86_PF_WRITE = 1 << 1 // write access
	X86_PF_USER  = 1 << 2 // user-mode access
	X86_PF_RSVD  = 1 << 3 // reserved bit set in a paging entry
	X86_PF_INSTR = 1 << 4 // instruction fetch
	X86_PF_PK    = 1 << 5 // protection-key violation
)
