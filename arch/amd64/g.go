package amd64

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

	// STACK_GUARD: stackguard0 = stack.lo + STACK_GUARD. The runtime's
	// stackGuard is 928 bytes on linux/amd64 (runtime/stack.go): room for
	// chains of nosplit functions below the guard. Rounded up to 1 KiB.
	STACK_GUARD = 1024

	// BOOT_STACK_SIZE: the stack start_kernel runs on (Linux: init_task's
	// THREAD_SIZE is 16 KiB; Go frames are larger, and a -N -l debug build
	// larger still).
	BOOT_STACK_SIZE = 128 << 10

	// EXCEPTION_STACK_SIZE: the IST stack of the early exception handlers.
	EXCEPTION_STACK_SIZE = 32 << 10
)

var (
	// boot_g describes boot_stack. Its m stays nil, so that a Go panic or a
	// failed stack check (runtime.morestack) in kernel code faults at once
	// on the nil m and ends in an oops, instead of wandering into the
	// runtime's scheduler.
	boot_g gStatic
	// exc_g describes exception_stack; the early exception handler runs on
	// it. (kallsyms lends either g an m while it reads the pclntab.)
	exc_g gStatic

	// tls_block[0] holds the current g; the FS base is &tls_block[1], so
	// FS:-8 reads it.
	tls_block [2]uintptr

	boot_stack      [BOOT_STACK_SIZE]byte
	exception_stack [EXCEPTION_STACK_SIZE]byte
)

// initG fills in a static g for the stack [lo, lo+size).
//
//go:nosplit
func initG(g *gStatic, lo, size uintptr) {
	g.stack_lo = lo
	g.stack_hi = lo + size
	g.stackguard0 = lo + STACK_GUARD
	g.stackguard1 = lo + STACK_GUARD
}
