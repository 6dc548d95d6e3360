package traps

import "gokern/arch/amd64/asm"

// ShowRegs prints a register frame as the oops does (Linux show_regs,
// arch/x86/kernel/process_64.c), for SysRq 'r'.
func ShowRegs(regs *asm.PtRegs) { show_regs(regs) }

// Show_regs_trace prints a register frame and the call chain from it
// (Linux's show_regs on x86 prints both: __show_regs, then
// show_trace_log_lvl), for the backtrace of every CPU of SysRq 'l'.
func Show_regs_trace(regs *asm.PtRegs) {
	show_regs(regs)
	if regs.CS&3 != 0 {
		return // user mode: no kernel stack to walk
	}
	var frames [32]uintptr
	n := collectFrames(uintptr(regs.IP), uintptr(regs.BP), uintptr(regs.SP), frames[:])
	show_trace_log_lvl(frames[:n])
}

// Nmi_handler, when set, is offered every NMI first and says whether it
// was its own (Linux register_nmi_handler(NMI_LOCAL, ...) and nmi_handle):
// the backtrace NMI of SysRq 'l', which arch/amd64 sends.
var Nmi_handler func(regs *asm.PtRegs) bool
