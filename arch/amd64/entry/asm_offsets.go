package entry

import (
	"unsafe"

	"gokern/arch/amd64/asm"
)

// Constants for entry_64.s, which sees only this package's constants
// (go_asm.h): each names its owner (Linux asm-offsets.c).
const (
	PCPU_hardirq_stack_ptr   = asm.PCPU_hardirq_stack_ptr
	PCPU_hardirq_stack_inuse = asm.PCPU_hardirq_stack_inuse
	PCPU_top_of_stack        = asm.PCPU_top_of_stack
	PCPU_rsp_scratch         = asm.PCPU_rsp_scratch
	PCPU_kernel_fs_base      = asm.PCPU_kernel_fs_base
	PCPU_user_fs_base        = asm.PCPU_user_fs_base
	MSR_FS_BASE              = asm.MSR_FS_BASE
	MSR_GS_BASE              = asm.MSR_GS_BASE
	// paranoid_entry's one vector that never leaves its IST stack, and
	// the one it hands to asm_exc_nmi.
	X86_TRAP_DF  = asm.X86_TRAP_DF
	X86_TRAP_NMI = asm.X86_TRAP_NMI
	// asm_exc_nmi: the size of the NMI stack (is the interrupted RSP on
	// it?), and the frame a nested NMI builds for nmi_repeat.
	EXCEPTION_STKSZ  = asm.EXCEPTION_STKSZ
	X__KERNEL_CS     = asm.X__KERNEL_CS
	X__KERNEL_DS     = asm.X__KERNEL_DS
	X86_EFLAGS_FIXED = asm.X86_EFLAGS_FIXED
	// The selectors entry_SYSCALL_64 pushes, and the RFLAGS bits that
	// forbid SYSRET.
	X__USER_CS       = asm.X__USER_CS
	X__USER_DS       = asm.X__USER_DS
	X86_EFLAGS_TF_RF = asm.X86_EFLAGS_TF | asm.X86_EFLAGS_RF
	ENOSYS           = asm.ENOSYS
	SYSCALL64_VECTOR = asm.SYSCALL64_VECTOR
	// pt_regs offsets (Linux asm-offsets: RCX, R11, RIP, CS, EFLAGS,
	// SS), for the entry code's mode test and the checks on the way out
	// of a system call.
	PTREGS_CX    = unsafe.Offsetof(asm.PtRegs{}.CX)
	PTREGS_R11   = unsafe.Offsetof(asm.PtRegs{}.R11)
	PTREGS_IP    = unsafe.Offsetof(asm.PtRegs{}.IP)
	PTREGS_CS    = unsafe.Offsetof(asm.PtRegs{}.CS)
	PTREGS_FLAGS = unsafe.Offsetof(asm.PtRegs{}.Flags)
	PTREGS_SS    = unsafe.Offsetof(asm.PtRegs{}.SS)
	// ... and for paranoid_entry and fixup_bad_iret: the vector, the
	// interrupted RSP, the size of the whole frame.
	PTREGS_VECTOR = unsafe.Offsetof(asm.PtRegs{}.Vector)
	PTREGS_SP     = unsafe.Offsetof(asm.PtRegs{}.SP)
	PTREGS_SIZE   = unsafe.Sizeof(asm.PtRegs{})
)
