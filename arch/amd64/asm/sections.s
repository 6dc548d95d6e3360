//go:build amd64

#include "textflag.h"

// KernelEnd (sections.go): the address of the linker's runtime.end,
// RIP-relative, so it is the virtual address once the kernel runs at its
// link address (head_64.s reads the link-time value from a DATA word
// instead, before it gets there).
TEXT ·KernelEnd(SB),NOSPLIT,$0-8
	LEAQ	runtime·end(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
