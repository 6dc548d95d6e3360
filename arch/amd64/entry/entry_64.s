#include "textflag.h"
#include "go_asm.h"

// The common paths of the final IDT (package doc in entry.go). Linux:
// entry_64.S error_entry / error_return, common_interrupt (and
// call_on_irqstack in 5.x). The stubs (idt_entries.s) jumped here with the
// vector and an error code (the CPU's or 0) pushed above the CPU's frame.

// PUSH_REGS and POP_REGS: the general registers, in the order of
// asm.PtRegs (lowest address first: R15 ... DI).
#define PUSH_REGS \
	PUSHQ	DI; PUSHQ	SI; PUSHQ	DX; PUSHQ	CX; PUSHQ	AX; \
	PUSHQ	R8; PUSHQ	R9; PUSHQ	R10; PUSHQ	R11; PUSHQ	BX; \
	PUSHQ	BP; PUSHQ	R12; PUSHQ	R13; PUSHQ	R14; PUSHQ	R15

#define POP_REGS \
	POPQ	R15; POPQ	R14; POPQ	R13; POPQ	R12; POPQ	BP; \
	POPQ	BX; POPQ	R11; POPQ	R10; POPQ	R9; POPQ	R8; \
	POPQ	AX; POPQ	CX; POPQ	DX; POPQ	SI; POPQ	DI

// SWITCH_TO_KERNEL_FS and SWITCH_TO_USER_FS: the FS base, on every entry
// from user mode and every return to it (GS must be the kernel's; AX, CX
// and DX are clobbered, so only where they are saved in pt_regs). Linux
// has nothing of the kind: its kernel never uses FS, so the user's base
// stays in MSR_FS_BASE while the kernel runs. gokern's Go code reads the
// current g at FS:-8 (ABI wrappers, DESIGN.md §6), so the user's base is
// saved in the per-CPU data (PcpuHot.User_fs_base, which __switch_to
// moves to and from the task) and this CPU's TLS block loaded, before any
// (TLS) access. RDMSR and WRMSR, not RDFSBASE/WRFSBASE: CR4.FSGSBASE is
// not on (the CPUs QEMU's TCG models by default lack it). SDM Vol. 3A
// §3.4.4.
#define SWITCH_TO_KERNEL_FS \
	MOVL	$const_MSR_FS_BASE, CX; \
	RDMSR; \
	MOVL	AX, const_PCPU_user_fs_base(GS); \
	MOVL	DX, (const_PCPU_user_fs_base+4)(GS); \
	MOVL	const_PCPU_kernel_fs_base(GS), AX; \
	MOVL	(const_PCPU_kernel_fs_base+4)(GS), DX; \
	WRMSR

#define SWITCH_TO_USER_FS \
	MOVL	$const_MSR_FS_BASE, CX; \
	MOVL	const_PCPU_user_fs_base(GS), AX; \
	MOVL	(const_PCPU_user_fs_base+4)(GS), DX; \
	WRMSR

// The NMI stack's slots (asm_exc_nmi), from SP at its entry, T-56; in
// paranoid_kernel's exit, 16(SP) is T-144, so NMI_EXECUTING is
// (16+NMI_EXECUTING-NMI_IRET) from there: see the define's use.
#define NMI_EXECUTING -8
#define NMI_OUTERMOST -48
#define NMI_IRET -88

// SAVE_XMM and RESTORE_XMM: Go code keeps values in X0-X15 (X15 is its
// zero register), so the interrupted code's must survive the handler's
// Go code. 256 bytes; MOVUPS needs no alignment.
#define SAVE_XMM \
	SUBQ	$256, SP; \
	MOVUPS	X0, 0(SP); MOVUPS	X1, 16(SP); MOVUPS	X2, 32(SP); MOVUPS	X3, 48(SP); \
	MOVUPS	X4, 64(SP); MOVUPS	X5, 80(SP); MOVUPS	X6, 96(SP); MOVUPS	X7, 112(SP); \
	MOVUPS	X8, 128(SP); MOVUPS	X9, 144(SP); MOVUPS	X10, 160(SP); MOVUPS	X11, 176(SP); \
	MOVUPS	X12, 192(SP); MOVUPS	X13, 208(SP); MOVUPS	X14, 224(SP); MOVUPS	X15, 240(SP)

#define RESTORE_XMM \
	MOVUPS	0(SP), X0; MOVUPS	16(SP), X1; MOVUPS	32(SP), X2; MOVUPS	48(SP), X3; \
	MOVUPS	64(SP), X4; MOVUPS	80(SP), X5; MOVUPS	96(SP), X6; MOVUPS	112(SP), X7; \
	MOVUPS	128(SP), X8; MOVUPS	144(SP), X9; MOVUPS	160(SP), X10; MOVUPS	176(SP), X11; \
	MOVUPS	192(SP), X12; MOVUPS	208(SP), X13; MOVUPS	224(SP), X14; MOVUPS	240(SP), X15; \
	ADDQ	$256, SP

// CALL_GO(fn): with BX = regs and AX = the interrupted code's g, make the
// g of the stack SP is on current (stack_g), then call fn(regs). At fn's
// return address, 0(SP) holds regs (gdb's unwinder, tools/gdb/gokern.py,
// reads it there and continues into the interrupted code).
#define CALL_GO(fn) \
	SUBQ	$32, SP; \
	MOVQ	BX, 24(SP); \
	MOVQ	SP, 0(SP); \
	MOVQ	AX, 8(SP); \
	CALL	·stack_g(SB); \
	MOVQ	16(SP), AX; \
	MOVQ	AX, (TLS); \
	MOVQ	24(SP), BX; \
	MOVQ	BX, 0(SP); \
	CALL	fn(SB); \
	ADDQ	$32, SP

// error_entry: exceptions and int $0x80, on the stack the CPU chose (the
// interrupted code's, or the gate's IST stack). The saved CS says where
// the CPU came from: RPL 3, user mode, whose GS and FS bases are the
// program's (SWAPGS: SDM Vol. 2B; IA32_KERNEL_GS_BASE holds the other),
// so both are swapped for the kernel's; RPL 0, kernel code, whose bases
// are the kernel's (Linux error_entry: "testb $3, CS(%rsp); jz
// .Lerror_kernelspace"). The one kernel instruction that runs with the
// user's bases and can fault is the IRETQ that returns to user mode
// (native_irq_return_iret): a user frame with a bad CS or SS (which
// rt_sigreturn lets a program ask for, as Linux does) or a non-canonical
// RIP makes it raise #GP, #NP or #SS with a kernel CS (SDM Vol. 2A, IRET:
// the checks of "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). That fault is the
// program's, and is handled as if its target had faulted in user mode
// (Linux .Lerror_bad_iret and fixup_bad_iret). The other entries that can
// find a kernel CS with the user's bases, NMI, #DB, #MC and #DF, take
// paranoid_entry instead.
TEXT ·error_entry(SB),NOSPLIT|NOFRAME,$0
	PUSH_REGS
	TESTB	$3, const_PTREGS_CS(SP)
	JNZ	from_user
	MOVQ	$·native_irq_return_iret(SB), CX
	CMPQ	CX, const_PTREGS_IP(SP)
	JNE	error_entry_kernel
	// IRETQ faulted; on its way to user mode? SP at the fault was at
	// its frame: RIP, CS, RFLAGS, RSP, SS.
	MOVQ	const_PTREGS_SP(SP), CX
	TESTB	$3, 8(CX)
	JZ	error_entry_kernel
	SWAPGS
	SWITCH_TO_KERNEL_FS
	MOVQ	const_PTREGS_SP(SP), SI	// regs.IP ... regs.SS: the IRET frame
	JMP	·fixup_bad_iret(SB)
from_user:
	SWAPGS
	SWITCH_TO_KERNEL_FS
error_entry_kernel:
	JMP	·error_entry_regs(SB)

// error_entry_regs: the rest of error_entry, with SP at a pt_regs and
// the kernel's GS and FS bases: the Go handler, on the stack and g the
// entry code chose, then back through error_return.
TEXT ·error_entry_regs(SB),NOSPLIT|NOFRAME,$0
	CLD
	MOVQ	SP, BX			// BX = regs
	SAVE_XMM
	MOVQ	(TLS), AX		// the interrupted code's g,
	PUSHQ	AX			// restored on the way out
	CALL_GO(·idtentry_call)
	JMP	·error_return(SB)

// fixup_bad_iret: SP at a pt_regs whose RIP, CS, RFLAGS, RSP and SS are
// to be taken from SI instead; GS and FS the kernel's. The pt_regs moves
// to the top of the task's kernel stack, where an entry from user mode
// would have put it (Linux fixup_bad_iret, which copies through a
// temporary; sync_regs for an IST entry from user mode), and error_entry
// goes on as for an exception from user mode:
//   - after a faulting IRETQ (error_entry), SI is the frame IRETQ was
//     popping: the user's RIP, CS, RFLAGS, RSP and SS. The registers IRETQ
//     left are the user's, so the handler sees a fault at the IRET's
//     target (Linux: "pretend that the exception came from the IRET
//     target"), and the program gets SIGSEGV or SIGBUS with that RIP.
//   - for NMI, #DB or #MC from user mode (asm_exc_nmi, paranoid_entry), SI is the
//     frame the CPU pushed on the IST stack: the handler runs on the task's
//     stack, which may sleep or schedule on the way back to user mode
//     (signals), while the IST stack is free for the next NMI.
// Both frames lie on the task's stack below the top, or on an IST stack:
// the destination is never below the source, so the copy goes from the
// highest word down, and SI's five words are read first.
TEXT ·fixup_bad_iret(SB),NOSPLIT|NOFRAME,$0
	MOVQ	0(SI), R8
	MOVQ	8(SI), R9
	MOVQ	16(SI), R10
	MOVQ	24(SI), R11
	MOVQ	32(SI), R12
	MOVQ	const_PCPU_top_of_stack(GS), DI
	SUBQ	$const_PTREGS_SIZE, DI
	MOVQ	$(const_PTREGS_IP/8), CX
copy:
	MOVQ	-8(SP)(CX*8), AX
	MOVQ	AX, -8(DI)(CX*8)
	DECQ	CX
	JNZ	copy
	MOVQ	R8, const_PTREGS_IP(DI)
	MOVQ	R9, const_PTREGS_CS(DI)
	MOVQ	R10, const_PTREGS_FLAGS(DI)
	MOVQ	R11, const_PTREGS_SP(DI)
	MOVQ	R12, const_PTREGS_SS(DI)
	MOVQ	DI, SP
	JMP	·error_entry_regs(SB)

// paranoid_entry: NMI, #DB, #MC and #DF, on their IST stacks (Linux
// entry_64.S paranoid_entry / paranoid_exit, and asm_exc_nmi's way in).
// These can arrive where the CS they push says nothing about the GS and
// FS bases: an NMI, #DB or #MC between restore_regs_and_iret's
// SWITCH_TO_USER_FS and its IRETQ, or in entry_SYSCALL_64 before its
// SWAPGS, finds kernel code with the user's FS base, or both user bases
// (maskable interrupts are off there; these are not maskable). error_entry
// would read g at FS:-8 through the user's base and fault for ever. So
// the bases themselves decide:
//   - GS: MSR_GS_BASE. The kernel's per-CPU base is a kernel address (bit
//     63 set); the user's never is (arch_prctl refuses one at or above
//     TASK_SIZE_MAX, and without CR4.FSGSBASE user code cannot write it).
//     If it is the user's, SWAPGS, and SWAPGS again on the way out (Linux:
//     "rdmsr MSR_GS_BASE; testl %edx, %edx; js 1f; swapgs").
//   - FS: MSR_FS_BASE, saved as it is and replaced by this CPU's kernel
//     base; the way out writes back what was saved (gokern's own: Linux's
//     kernel does not use FS).
// From user mode (RPL 3 in the saved CS: then the CS tells the truth) NMI,
// #DB and #MC go on as error_entry's entries from user mode do, on the
// task's stack (Linux: asm_exc_nmi and idtentry_mce_db from user mode
// switch to the thread stack): fixup_bad_iret moves the frame there.
// #DF never does: the task's stack may be what failed.
TEXT ·paranoid_entry(SB),NOSPLIT|NOFRAME,$0
	CMPQ	0(SP), $const_X86_TRAP_NMI
	JNE	2(PC)
	JMP	·asm_exc_nmi(SB)
	PUSH_REGS
	TESTB	$3, const_PTREGS_CS(SP)
	JZ	paranoid
	CMPQ	const_PTREGS_VECTOR(SP), $const_X86_TRAP_DF
	JEQ	paranoid
	SWAPGS
	SWITCH_TO_KERNEL_FS
	LEAQ	const_PTREGS_IP(SP), SI	// the frame the CPU pushed
	JMP	·fixup_bad_iret(SB)
paranoid:
	JMP	·paranoid_kernel(SB)

// paranoid_kernel: paranoid_entry once SP is at a pt_regs, whatever the
// CS says: the GS and FS bases from their MSRs, the handler on this (IST)
// stack, and back with the bases as they were (paranoid_exit).
TEXT ·paranoid_kernel(SB),NOSPLIT|NOFRAME,$0
	CLD
	MOVL	$const_MSR_GS_BASE, CX
	RDMSR
	MOVQ	$0, BX			// BX: 1 if SWAPGS was needed
	TESTL	DX, DX
	JS	gs_kernel
	SWAPGS
	MOVQ	$1, BX
gs_kernel:
	MOVL	$const_MSR_FS_BASE, CX
	RDMSR
	SHLQ	$32, DX
	ORQ	DX, AX
	PUSHQ	AX			// the FS base to restore
	PUSHQ	BX
	MOVL	const_PCPU_kernel_fs_base(GS), AX
	MOVL	(const_PCPU_kernel_fs_base+4)(GS), DX
	WRMSR
	LEAQ	16(SP), BX		// BX = regs
	SAVE_XMM
	MOVQ	(TLS), AX
	PUSHQ	AX
	CALL_GO(·idtentry_call)
	// paranoid_exit: the interrupted g (through the kernel's FS), the
	// SSE registers, then the FS base and GS as they were.
	POPQ	AX
	MOVQ	AX, (TLS)
	RESTORE_XMM
	POPQ	BX
	POPQ	AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$const_MSR_FS_BASE, CX
	WRMSR
	TESTQ	BX, BX
	JZ	2(PC)
	SWAPGS
	POP_REGS
	CMPQ	0(SP), $const_X86_TRAP_NMI
	JNE	2(PC)
	MOVQ	$0, (16+NMI_EXECUTING-NMI_IRET)(SP)	// an NMI is done (asm_exc_nmi)
	ADDQ	$16, SP			// the vector and the error code
	IRETQ

// asm_exc_nmi: an NMI (Linux entry_64.S asm_exc_nmi). The CPU blocks
// further NMIs from the delivery of one until the next IRETQ, any IRETQ
// (SDM Vol. 3A §6.7.1): an exception taken inside the NMI handler (a
// fixed-up #PF, an int3) unblocks them on its way back, and a second NMI
// then comes in at the top of the same IST stack, over the first's frame
// and the stack its handler runs on. So, as Linux does, the first NMI
// keeps its handler off the top of its IST stack, and a nested one only
// makes the first run its handler once more when it is done:
//
//	T-40 .. T	the CPU's frame (a nested NMI's lands here too)
//	T-56 .. T-40	the stub's vector and error code (scratch)
//	T-64		NMI_EXECUTING: 1 while an NMI runs its handler
//	T-104 .. T-64	the outermost frame: the first NMI's own, kept
//	T-144 .. T-104	the frame the first NMI's IRETQ pops: its pt_regs'
//			RIP, CS, RFLAGS, RSP, SS, and below them the rest
//
// (T, the top of this CPU's NMI stack, is SP+56 at entry.) An NMI is
// nested when the interrupted RIP is in nmi_repeat (which runs the
// handler again anyway: it just returns), NMI_EXECUTING is 1, or the
// interrupted RSP is on this NMI stack (the first has cleared
// NMI_EXECUTING but not yet run its IRETQ). It then points the first's
// IRETQ frame at nmi_repeat, using only the stack above T-144 and DX
// (saved in the vector's slot), and returns. From user mode no NMI can be
// running: the frame moves to the task's stack, as paranoid_entry's.
TEXT ·asm_exc_nmi(SB),NOSPLIT|NOFRAME,$0
	TESTB	$3, 24(SP)		// the CS the CPU pushed
	JZ	nmi_kernel
	PUSH_REGS
	// PUSH_REGS wrote the user's RDI over NMI_EXECUTING; no NMI can be
	// running when one comes from user mode: 0 (else the next NMI would
	// take itself for a nested one, whenever RDI was 1, and be lost).
	MOVQ	$0, (15*8+NMI_EXECUTING)(SP)
	SWAPGS
	SWITCH_TO_KERNEL_FS
	LEAQ	const_PTREGS_IP(SP), SI
	JMP	·fixup_bad_iret(SB)
nmi_kernel:
	MOVQ	DX, 0(SP)
	MOVQ	$·nmi_repeat(SB), DX
	CMPQ	16(SP), DX
	JCS	not_repeating
	MOVQ	$·nmi_common(SB), DX
	CMPQ	16(SP), DX
	JCS	nested_out
not_repeating:
	CMPQ	NMI_EXECUTING(SP), $1
	JEQ	nested
	MOVQ	SP, DX
	ADDQ	$56, DX			// T
	SUBQ	40(SP), DX		// T - the interrupted RSP
	TESTQ	DX, DX
	JLE	first
	CMPQ	DX, $const_EXCEPTION_STKSZ
	JLT	nested
first:
	MOVQ	$1, NMI_EXECUTING(SP)
	MOVQ	16(SP), DX
	MOVQ	DX, (NMI_OUTERMOST+0)(SP)
	MOVQ	24(SP), DX
	MOVQ	DX, (NMI_OUTERMOST+8)(SP)
	MOVQ	32(SP), DX
	MOVQ	DX, (NMI_OUTERMOST+16)(SP)
	MOVQ	40(SP), DX
	MOVQ	DX, (NMI_OUTERMOST+24)(SP)
	MOVQ	48(SP), DX
	MOVQ	DX, (NMI_OUTERMOST+32)(SP)
	MOVQ	0(SP), DX
	LEAQ	NMI_IRET(SP), SP
	JMP	·nmi_repeat(SB)
nested:
	MOVQ	$·nmi_repeat(SB), DX
	CMPQ	DX, (NMI_IRET+0)(SP)
	JEQ	nested_out
	MOVQ	DX, (NMI_IRET+0)(SP)
	MOVQ	$const_X__KERNEL_CS, (NMI_IRET+8)(SP)
	MOVQ	$const_X86_EFLAGS_FIXED, (NMI_IRET+16)(SP)	// IF clear
	LEAQ	NMI_IRET(SP), DX
	MOVQ	DX, (NMI_IRET+24)(SP)	// nmi_repeat's SP: that frame
	MOVQ	$const_X__KERNEL_DS, (NMI_IRET+32)(SP)
nested_out:
	MOVQ	0(SP), DX
	ADDQ	$16, SP
	IRETQ

// nmi_repeat: SP at T-144, where the first NMI's IRETQ frame goes (a
// nested NMI made that IRETQ come here; the first NMI itself comes from
// asm_exc_nmi). NMIs may be unblocked here: one that comes before
// nmi_common returns at once (asm_exc_nmi's RIP test), as the handler is
// about to run again. Copies the outermost frame to the IRETQ frame, marks
// an NMI running, and goes on in nmi_common, which must follow it in the
// text (the selftest nmi_nested checks).
TEXT ·nmi_repeat(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$1, (NMI_EXECUTING-NMI_IRET)(SP)
	PUSHQ	DX
	MOVQ	(8+NMI_OUTERMOST-NMI_IRET+0)(SP), DX
	MOVQ	DX, 8(SP)
	MOVQ	(8+NMI_OUTERMOST-NMI_IRET+8)(SP), DX
	MOVQ	DX, 16(SP)
	MOVQ	(8+NMI_OUTERMOST-NMI_IRET+16)(SP), DX
	MOVQ	DX, 24(SP)
	MOVQ	(8+NMI_OUTERMOST-NMI_IRET+24)(SP), DX
	MOVQ	DX, 32(SP)
	MOVQ	(8+NMI_OUTERMOST-NMI_IRET+32)(SP), DX
	MOVQ	DX, 40(SP)
	POPQ	DX
	JMP	·nmi_common(SB)

// nmi_common: the NMI's pt_regs below its IRETQ frame, and the handler
// through paranoid_kernel, whose exit clears NMI_EXECUTING.
TEXT ·nmi_common(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0			// no error code
	PUSHQ	$const_X86_TRAP_NMI
	PUSH_REGS
	JMP	·paranoid_kernel(SB)

// error_return: back to the interrupted code (or wherever the handler
// moved regs.IP): its g, SSE and general registers, then IRETQ pops RIP,
// CS, RFLAGS, RSP and SS (SDM Vol. 2A, IRET: "IA-32e mode").
TEXT ·error_return(SB),NOSPLIT|NOFRAME,$0
	// Interrupts off from here to IRETQ (Linux: exit_to_user_mode
	// runs with them off): a handler that slept came back with them on,
	// and an interrupt between the FS or GS switch and IRETQ would find
	// the user's bases with a kernel CS. IRETQ restores the interrupted
	// RFLAGS.IF.
	CLI
	POPQ	AX
	MOVQ	AX, (TLS)
	RESTORE_XMM
	JMP	·restore_regs_and_iret(SB)

// restore_regs_and_iret: SP at a pt_regs; back to where it says,
// through IRETQ, with SWAPGS first when that is user mode (Linux
// swapgs_restore_regs_and_return_to_usermode and
// restore_regs_and_return_to_kernel, one path here).
TEXT ·restore_regs_and_iret(SB),NOSPLIT|NOFRAME,$0
	TESTB	$3, const_PTREGS_CS(SP)
	JZ	to_kernel
	// From here to IRETQ the FS base is the user's with a kernel CS, and
	// from SWAPGS the GS base too: only paranoid_entry's NMI, #DB and #MC
	// can come in (interrupts are off), and IRETQ's own fault
	// (error_entry's bad-IRET case).
	SWITCH_TO_USER_FS
	POP_REGS
	ADDQ	$16, SP			// the vector and the error code
	SWAPGS
	JMP	·native_irq_return_iret(SB)
to_kernel:
	POP_REGS
	ADDQ	$16, SP
	JMP	·native_irq_return_iret(SB)

// native_irq_return_iret: the IRETQ of every return through pt_regs
// (Linux's label of that name); a symbol of its own so that error_entry
// can recognise a fault of this very instruction.
TEXT ·native_irq_return_iret(SB),NOSPLIT|NOFRAME,$0
	IRETQ

// common_interrupt: vectors 32-255 but 0x80. Like Linux (call_on_irqstack),
// the handler runs on this CPU's IRQ stack, unless it already is on it
// (an interrupt inside an interrupt handler: not while handlers run with
// interrupts off, but the check is cheap). The interrupted SP is kept in
// the IRQ stack's top word, as Linux keeps it.
TEXT ·common_interrupt(SB),NOSPLIT|NOFRAME,$0
	PUSH_REGS
	TESTB	$3, const_PTREGS_CS(SP)
	JZ	from_kernel
	SWAPGS
	SWITCH_TO_KERNEL_FS
from_kernel:
	CLD
	MOVQ	SP, BX			// BX = regs
	SAVE_XMM
	MOVQ	(TLS), AX
	PUSHQ	AX			// the interrupted code's g
	CMPQ	const_PCPU_hardirq_stack_inuse(GS), $0
	JNE	nested
	MOVQ	$1, const_PCPU_hardirq_stack_inuse(GS)
	MOVQ	SP, R12
	MOVQ	const_PCPU_hardirq_stack_ptr(GS), SP
	MOVQ	R12, 0(SP)		// the interrupted SP, in the top word
	CALL_GO(·irq_call)
	MOVQ	0(SP), SP		// back to the interrupted stack
	MOVQ	$0, const_PCPU_hardirq_stack_inuse(GS)
	// Off the IRQ stack: the scheduler may switch away here (Linux
	// irqentry_exit → preempt_schedule_irq), so its Go code runs on the
	// interrupted task's stack with that stack's g. BX is regs again.
	MOVQ	0(SP), AX		// the interrupted code's g
	MOVQ	AX, (TLS)
	LEAQ	(8+256)(SP), BX
	CALL_GO(·irqentry_exit_call)
	JMP	·error_return(SB)
nested:
	CALL_GO(·irq_call)
	JMP	·error_return(SB)

// entry_SYSCALL_64: the SYSCALL instruction's target (MSR_LSTAR), Linux
// arch/x86/entry/entry_64.S entry_SYSCALL_64. Seeds: 002 "Fast syscall
// Path". SYSCALL loaded CS and SS from MSR_STAR, saved RIP in RCX and
// RFLAGS in R11, cleared the RFLAGS bits of MSR_SYSCALL_MASK (IF among
// them) and changed nothing else: RSP is still the user's and GS the
// user's. So: SWAPGS to reach per-CPU data, keep the user RSP in
// rsp_scratch, take the kernel stack (cpu_current_top_of_stack), and
// build a pt_regs as an interrupt would have: SS, RSP, RFLAGS, CS, RIP,
// then orig_ax (the system call number) and the vector slot, then the
// general registers.
TEXT ·entry_SYSCALL_64(SB),NOSPLIT|NOFRAME,$0
	SWAPGS
	MOVQ	SP, const_PCPU_rsp_scratch(GS)
	MOVQ	const_PCPU_top_of_stack(GS), SP
	PUSHQ	$const_X__USER_DS	// SS
	PUSHQ	const_PCPU_rsp_scratch(GS)	// RSP
	PUSHQ	R11			// RFLAGS
	PUSHQ	$const_X__USER_CS	// CS
	PUSHQ	CX			// RIP
	PUSHQ	AX			// orig_ax: the number
	PUSHQ	$const_SYSCALL64_VECTOR
	PUSH_REGS
	SWITCH_TO_KERNEL_FS
	CLD
	MOVQ	SP, BX			// BX = regs
	SAVE_XMM
	MOVQ	(TLS), AX
	PUSHQ	AX
	CALL_GO(·do_syscall_64_call)
	CLI				// as in error_return
	POPQ	AX
	MOVQ	AX, (TLS)
	RESTORE_XMM
	// SYSRET returns to RCX with RFLAGS = R11, CS and SS from MSR_STAR:
	// only when regs say exactly that (Linux's checks before
	// sysret64). A non-canonical RCX would make SYSRET fault in ring 0
	// with the user's RSP (SDM Vol. 2B, SYSRET: #GP(0) "if RCX is not
	// canonical"; the Intel SYSRET erratum, CVE-2012-0217), so an RIP
	// at or above 1 << 47 takes the IRETQ path too, as does TF or RF.
	MOVQ	const_PTREGS_CX(SP), CX
	CMPQ	CX, const_PTREGS_IP(SP)
	JNE	iret
	MOVQ	const_PTREGS_R11(SP), R11
	CMPQ	R11, const_PTREGS_FLAGS(SP)
	JNE	iret
	CMPQ	const_PTREGS_CS(SP), $const_X__USER_CS
	JNE	iret
	CMPQ	const_PTREGS_SS(SP), $const_X__USER_DS
	JNE	iret
	MOVQ	CX, AX
	SHRQ	$47, AX
	JNZ	iret
	TESTQ	$const_X86_EFLAGS_TF_RF, R11
	JNZ	iret
	SWITCH_TO_USER_FS
	POP_REGS
	ADDQ	$16, SP			// vector, orig_ax
	MOVQ	24(SP), SP		// the user's RSP (regs.SP)
	SWAPGS
	// SYSRETQ (REX.W 0F 07): Go's assembler spells only the 32-bit form.
	BYTE	$0x48; BYTE $0x0f; BYTE $0x07
iret:
	JMP	·restore_regs_and_iret(SB)

// ignore_sysret: MSR_CSTAR's target, SYSCALL from 32-bit code, which
// gokern does not run: -ENOSYS straight back (Linux ignore_sysret).
TEXT ·ignore_sysret(SB),NOSPLIT|NOFRAME,$0
	MOVL	$-const_ENOSYS, AX
	BYTE	$0x0f; BYTE $0x07	// SYSRETL

// Ret_to_user enters user mode for the first time (Linux
// ret_from_fork's way out for a kernel thread that called
// kernel_execve: syscall_exit_to_user_mode, then IRETQ): SP becomes the
// pt_regs that start_thread filled at the top of the kernel stack; the
// SSE registers are cleared so that no kernel value reaches the program.
// Interrupts off first, as on every other way out (Linux
// syscall_exit_to_user_mode's local_irq_disable): the caller, kernel_init,
// runs with them on, and an interrupt taken between SWITCH_TO_USER_FS and
// IRETQ came in with a kernel CS and the program's FS base (0 before its
// arch_prctl): common_interrupt's read of g at FS:-8 faulted, and so did
// every #PF and #DF after it, for good (a hang just after "Run /init as
// init process", CR2 0xfffffffffffffff8).
TEXT ·Ret_to_user(SB),NOSPLIT|NOFRAME,$0-8
	CLI
	MOVQ	regs+0(FP), SP
	XORPS	X0, X0; XORPS	X1, X1; XORPS	X2, X2; XORPS	X3, X3
	XORPS	X4, X4; XORPS	X5, X5; XORPS	X6, X6; XORPS	X7, X7
	XORPS	X8, X8; XORPS	X9, X9; XORPS	X10, X10; XORPS	X11, X11
	XORPS	X12, X12; XORPS	X13, X13; XORPS	X14, X14; XORPS	X15, X15
	JMP	·restore_regs_and_iret(SB)

DATA ·nmi_repeat_pc+0(SB)/8, $·nmi_repeat(SB)
GLOBL ·nmi_repeat_pc(SB), NOPTR|RODATA, $8
DATA ·nmi_common_pc+0(SB)/8, $·nmi_common(SB)
GLOBL ·nmi_common_pc(SB), NOPTR|RODATA, $8
DATA ·Entry_SYSCALL_64_addr+0(SB)/8, $·entry_SYSCALL_64(SB)
GLOBL ·Entry_SYSCALL_64_addr(SB), NOPTR|RODATA, $8
DATA ·Ignore_sysret_addr+0(SB)/8, $·ignore_sysret(SB)
GLOBL ·Ignore_sysret_addr(SB), NOPTR|RODATA, $8
// __switch_to_asm(prev_sp *uintptr, next_sp, next_g uintptr): the stack
// switch of a context switch (Linux entry_64.S __switch_to_asm). It
// pushes the registers Linux's struct inactive_task_frame holds (BP, BX,
// R12-R15: the C ABI's callee-saved ones; Go's ABI keeps only BP and R14,
// but the frame is Linux's so that a new task's first frame reads alike),
// stores SP in *prev_sp, loads next's SP, makes next's g current (the TLS
// slot and R14: every Go prologue checks SP against g.stackguard0, so the
// g must describe the stack SP is on from the first instruction after
// the switch), pops next's registers, and returns on next's stack: into
// next's own call of __switch_to_asm, or, for a task that never ran, into
// ret_from_fork_asm, which copy_thread put at the top of its frame.
TEXT ·X__switch_to_asm(SB),NOSPLIT|NOFRAME,$0-24
	MOVQ	prev_sp+0(FP), AX
	MOVQ	next_sp+8(FP), CX
	MOVQ	next_g+16(FP), DX
	PUSHQ	BP
	PUSHQ	BX
	PUSHQ	R12
	PUSHQ	R13
	PUSHQ	R14
	PUSHQ	R15
	MOVQ	SP, (AX)
	MOVQ	CX, SP
	MOVQ	DX, (TLS)
	POPQ	R15
	POPQ	R14
	POPQ	R13
	POPQ	R12
	POPQ	BX
	POPQ	BP
	MOVQ	DX, R14
	RET

// ret_from_fork_asm: a new task's first instructions, reached by
// __switch_to_asm's RET (Linux 6.x entry_64.S ret_from_fork_asm → the C
// ret_from_fork, which calls schedule_tail and then the kernel thread's
// function). BP is 0 (copy_thread's frame), so a backtrace ends here.
// UNWIND_HINT_END_OF_STACK
//
// A kernel thread never comes back from ret_from_fork_call (it exits in
// do_exit). Fork's child does: its way to user mode is its parent's way
// back from the system call, through the copies copy_thread made (Linux
// ret_from_fork → syscall_exit_to_user_mode): SP is at the saved SSE
// registers, pt_regs above them, RAX 0 in it.
TEXT ·ret_from_fork_asm(SB),NOSPLIT|NOFRAME,$0
	CALL	·ret_from_fork_call(SB)
	CLI
	RESTORE_XMM
	JMP	·restore_regs_and_iret(SB)

DATA ·ret_from_fork_pc+0(SB)/8, $·ret_from_fork_asm(SB)
GLOBL ·ret_from_fork_pc(SB), NOPTR|RODATA, $8
