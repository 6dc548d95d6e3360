package amd64

import "gokern/arch/amd64/asm"

// The Go side of running without the Go runtime (DESIGN.md §4, §6).
//
// Every Go function that is not //go:nosplit begins with a stack check that
// compares SP with g.stackguard0, where g is in R14 (ABIInternal); an ABI
// wrapper reloads R14 from FS:-8 (the TLS slot of the Go runtime on
// linux/amd64). So before the first Go call, startup_64 (head_64.s) sets
// up a static g whose bounds describe the boot stack, a TLS block holding a
// pointer to it, and the FS base pointing just past that slot.
//
// gStatic mirrors the head of the runtime's g (runtime/runtime2.go, type
// g): stack.lo, stack.hi, stackguard0, stackguard1, _panic, _defer, m.
// The rest is zero padding as large as the runtime's g, so runtime code
// that reads a field of it reads zero. A boot test checks these offsets and
// sizes against the DWARF of build/vmlinux.
type gStatic struct {
	stack_lo    uintptr
	stack_hi    uintptr
	stackguard0 uintptr
	stackguard1 uintptr
	_panic      uintptr
	_defer      uintptr
	m           uintptr
	_           [G_PAD_WORDS]uintptr
}

const (
	// G_SIZE is the room reserved for a runtime g (it is about 440 bytes in
	// Go 1.26; the test against DWARF keeps this honest).
	G_SIZE      = 1024
	G_PAD_WORDS = G_SIZE/8 - 7

	// STACK_GUARD: stackguard0 = stack.lo + STACK_GUARD while a stack has
	// no guard page (the boot stack until trap_init). The runtime's
	// stackGuard is 928 bytes on linux/amd64 (runtime/stack.go): room for
	// chains of nosplit functions below the guard. Rounded up to 1 KiB.
	STACK_GUARD = 1024
	// STACK_SMALL is the runtime's StackSmall (internal/abi): a function
	// with a frame of at most this many bytes checks only SP <=
	// stackguard0, so the frame may reach that far below the guard.
	STACK_SMALL = 128

	// BOOT_STACK_SIZE: the stack start_kernel runs on (Linux: init_task's
	// THREAD_SIZE is 16 KiB; Go frames are larger, and a -N -l debug build
	// larger still).
	BOOT_STACK_SIZE = 128 << 10
)

var (
	// boot_g describes the boot stack. Its m stays nil, so that a Go panic or a
	// failed stack check (runtime.morestack) in kernel code faults at once
	// on the nil m and ends in an oops, instead of wandering into the
	// runtime's scheduler.
	boot_g gStatic
	// estack_g[i] describes exception stack i (asm.ESTACK_DF, ...): the
	// early exception handler runs on the #DF stack with estack_g[0], and
	// after trap_init the entry code switches to the g of whatever stack
	// the CPU put it on (arch/amd64/entry). irq_g describes the IRQ stack.
	// (kallsyms lends any of them an m while it reads the pclntab.)
	estack_g [asm.N_EXCEPTION_STACKS]gStatic
	irq_g    gStatic

	// tls_block[0] holds the current g; the FS base is &tls_block[1], so
	// FS:-8 reads it.
	tls_block [2]uintptr

	// boot_cpu_stacks holds the boot CPU's stacks, each with a guard page
	// below it, and a page of room to align them (the Go linker aligns
	// data to 32 bytes at most); stacks.go has the layout, head_64.s
	// takes the boot stack's top from it.
	boot_cpu_stacks [STACKS_SIZE + asm.PAGE_SIZE]byte
)

// init_g fills in a static g for the stack [lo, lo+size), with Go's
// stack check STACK_GUARD bytes above its bottom (no guard page yet).
//
//go:nosplit
func init_g(g *gStatic, lo, size uintptr) {
	g.stack_lo = lo
	g.stack_hi = lo + size
	g.stackguard0 = lo + STACK_GUARD
	g.stackguard1 = lo + STACK_GUARD
}
