package traps

import "gokern/arch/amd64/asm"

// Show_regs prints a register frame as the oops does (Linux show_regs,
// arch/x86/kernel/process_64.c), for SysRq 'r'.
func Show_regs(regs *asm.PtRegs) { show_regs(regs) }
