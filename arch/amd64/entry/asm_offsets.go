package entry

import "gokern/arch/amd64/asm"

// Constants for entry_64.s, which sees only this package's constants
// (go_asm.h): each names its owner (Linux asm-offsets.c).
const (
	PCPU_hardirq_stack_ptr   = asm.PCPU_hardirq_stack_ptr
	PCPU_hardirq_stack_inuse = asm.PCPU_hardirq_stack_inuse
)
