package traps

import "gokern/arch/amd64/asm"

// ShowRegs prints a register frame as the oops does (Linux show_regs,
// arch/x86/kernel/process_64.c), for SysRq 'r'.
func ShowRegs(regs *asm.PtRegs) { show_regs(regs) }
