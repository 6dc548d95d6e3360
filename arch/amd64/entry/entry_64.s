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
// interrupted code's, or the gate's IST stack).
TEXT ·error_entry(SB),NOSPLIT|NOFRAME,$0
	PUSH_REGS
	CLD
	MOVQ	SP, BX			// BX = regs
	SAVE_XMM
	MOVQ	(TLS), AX		// the interrupted code's g,
	PUSHQ	AX			// restored on the way out
	CALL_GO(·idtentry_call)
	JMP	·error_return(SB)

// error_return: back to the interrupted code (or wherever the handler
// moved regs.IP): its g, SSE and general registers, then IRETQ pops RIP,
// CS, RFLAGS, RSP and SS (SDM Vol. 2A, IRET: "IA-32e mode").
TEXT ·error_return(SB),NOSPLIT|NOFRAME,$0
	POPQ	AX
	MOVQ	AX, (TLS)
	RESTORE_XMM
	POP_REGS
	ADDQ	$16, SP			// the vector and the error code
	IRETQ

// common_interrupt: vectors 32-255 but 0x80. Like Linux (call_on_irqstack),
// the handler runs on this CPU's IRQ stack, unless it already is on it
// (an interrupt inside an interrupt handler: not while handlers run with
// interrupts off, but the check is cheap). The interrupted SP is kept in
// the IRQ stack's top word, as Linux keeps it.
TEXT ·common_interrupt(SB),NOSPLIT|NOFRAME,$0
	PUSH_REGS
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
	JMP	·error_return(SB)
nested:
	CALL_GO(·irq_call)
	JMP	·error_return(SB)
