package asm

// Linux: arch/x86/include/asm/setup.h and uapi/asm/setup.h.

// COMMAND_LINE_SIZE bounds the kernel command line, NUL included.
const COMMAND_LINE_SIZE = 2048
