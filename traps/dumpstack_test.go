package traps

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/internal/ktest"
	"gokern/kallsyms"
)

// withStack makes stack the only stack the frame walk knows, for one test.
func withStack(t *testing.T, stack []uintptr) {
	t.Helper()
	saved := stack_lookup
	t.Cleanup(func() { stack_lookup = saved })
	lo := uintptr(unsafe.Pointer(&stack[0]))
	hi := lo + uintptr(len(stack))*8
	stack_lookup = func(p uintptr) (uintptr, uintptr, bool) { return lo, hi, p >= lo && p < hi }
}

// The frame walk follows the saved-BP chain on a stack laid out as Go
// lays it out (at BP: the caller's BP, at BP+8: the return address), stops
// where the chain ends or leaves the known stacks, and never reads outside
// them.
// fakeStack keeps the test's stack on the heap: on the goroutine's stack
// it could move when that grows, and the addresses written into it would
// go stale (the test failed now and then).
var fakeStack []uintptr

func TestCollectFrames(t *testing.T) {
	fakeStack = make([]uintptr, 32)
	stack := fakeStack
	addr := func(i int) uintptr { return uintptr(unsafe.Pointer(&stack[i])) }
	// Three frames at words 4, 10 and 20; the last one's saved BP is 0.
	stack[4], stack[5] = addr(10), 0x1111
	stack[10], stack[11] = addr(20), 0x2222
	stack[20], stack[21] = 0, 0x3333
	withStack(t, stack)

	var out [8]uintptr
	n := collectFrames(0xabc, addr(4), 0, out[:])
	if got := out[:n]; n != 4 || got[0] != 0xabc || got[1] != 0x1111 || got[2] != 0x2222 || got[3] != 0x3333 {
		t.Fatalf("frames %#x, want abc 1111 2222 3333", got)
	}
	// A chain leaving the stack stops there: the saved BP of frame 2
	// points far away.
	stack[10] = 0x1000
	if n := collectFrames(0xabc, addr(4), 0, out[:]); n != 3 {
		t.Fatalf("%d frames when the chain leaves the stack, want 3", n)
	}
	// Room for two: two.
	if n := collectFrames(0xabc, addr(4), 0, out[:2]); n != 2 {
		t.Fatalf("%d frames in a 2-slot buffer", n)
	}
	// A fault in a function that pushed nothing (here: at a function's
	// first instruction): its return address is at 0(SP), then the BP
	// chain, which is still its caller's.
	stack[10] = addr(20)
	stack[2] = 0x5555
	f := TestCycle
	entry := **(**uintptr)(unsafe.Pointer(&f))
	if n := collectFrames(entry, addr(4), addr(2), out[:]); n != 5 || out[1] != 0x5555 || out[2] != 0x1111 {
		t.Fatalf("frameless: %#x", out[:n])
	}
	// A misaligned or unknown BP is not followed at all.
	if n := collectFrames(0xabc, addr(4)+4, 0, out[:]); n != 1 {
		t.Fatalf("misaligned BP: %d frames", n)
	}
	if OnKnownStack(addr(31)) || !OnKnownStack(addr(30)) {
		t.Fatal("the last frame slot must leave room for BP and the return address")
	}
}

// The repeated frames of a recursion are counted, to print them once: one
// frame (a function calling itself), or a run of them (a fault nested in
// its handler); two calls in a row of a run are not folded.
func TestCycle(t *testing.T) {
	f := []uintptr{1, 2, 2, 2, 3, 3, 4, 5, 6, 4, 5, 6, 4, 5, 6, 4, 5, 7, 8, 7, 8, 9}
	for _, c := range []struct{ i, p, rep int }{{0, 1, 1}, {1, 1, 3}, {4, 1, 2}, {6, 3, 3}, {15, 1, 1}, {17, 1, 1}, {21, 1, 1}} {
		if p, rep := cycle(f, c.i); p != c.p || rep != c.rep {
			t.Errorf("cycle at %d: %d frames %d times, want %d, %d", c.i, p, rep, c.p, c.rep)
		}
	}
}

//go:noinline
func indexOutOfRange(a []int, i int) int { return a[i] }

// panicFrames runs f, which panics, and returns the return addresses of
// the stack as the deferred recover sees it: the runtime's panic path,
// then f's frames.
func panicFrames(f func()) []uintptr {
	var pcs [32]uintptr
	var n int
	func() {
		defer func() {
			recover()
			n = runtime.Callers(0, pcs[:])
		}()
		f()
	}()
	return pcs[:n]
}

// oopsCulprit, on the real frames of a Go bounds-check panic: the runtime's
// frames name what happened, the first kernel frame is the one to blame.
func TestOopsCulprit(t *testing.T) {
	pcs := panicFrames(func() { indexOutOfRange(nil, 3) })
	frames := pcs
	// Start where the kernel's oops would: at the runtime's panic path.
	for len(frames) > 0 {
		if s, ok := kallsyms.Lookup(frames[0] - 1); ok && s.Name == "runtime.gopanic" {
			break
		}
		frames = frames[1:]
	}
	if len(frames) == 0 {
		t.Fatal("no runtime.gopanic frame")
	}
	pc, kind := oopsCulprit(frames)
	if kind != "index out of range (Go bounds check)" {
		t.Errorf("kind %q", kind)
	}
	if s, ok := kallsyms.Lookup(pc - 1); !ok || !strings.HasSuffix(s.Name, "traps.indexOutOfRange") {
		t.Errorf("culprit %#x is %s, want traps.indexOutOfRange", pc, s.Name)
	}
	// Kernel code with no runtime frame: the faulting function, no kind.
	here := pcs[1] // the deferred function
	if pc, kind := oopsCulprit([]uintptr{here}); pc != here || kind != "" {
		t.Errorf("oopsCulprit(kernel frame) = %#x %q", pc, kind)
	}
}

// gopanic_string reads a panic's string from the spill slots above
// runtime.gopanic's return address (gopanic's BP+16 and +24), where its
// entry stores the value it was called with; a value that is not a string,
// or a chain without gopanic, gives nothing.
func TestGopanicString(t *testing.T) {
	var inGopanic uintptr
	for _, pc := range panicFrames(func() { panic("not yet") }) {
		if s, ok := kallsyms.Lookup(pc - 1); ok && s.Name == "runtime.gopanic" {
			inGopanic = pc - 1
		}
	}
	if inGopanic == 0 {
		t.Fatal("no runtime.gopanic frame")
	}
	saved := kernel_readable
	t.Cleanup(func() { kernel_readable = saved })
	kernel_readable = func(p, n uintptr) bool { return p != 0 }
	fakeStack = make([]uintptr, 32)
	stack := fakeStack
	addr := func(i int) uintptr { return uintptr(unsafe.Pointer(&stack[i])) }
	withStack(t, stack)
	// The faulting function's frame at word 2 (called by gopanic), then
	// gopanic's at word 8 with the value's two words above its return
	// address.
	stack[2], stack[3] = addr(8), inGopanic+1
	stack[8], stack[9] = 0, 0x1111
	put := func(v any) {
		w := (*[2]uintptr)(unsafe.Pointer(&v))
		stack[10], stack[11] = w[0], w[1]
	}
	put("LAB paging: phys_pud_init not implemented yet")
	if s, ok := gopanic_string(0xabc, addr(2)); !ok || s != "LAB paging: phys_pud_init not implemented yet" {
		t.Errorf("from the callee of gopanic: %q %v", s, ok)
	}
	if s, ok := gopanic_string(inGopanic, addr(8)); !ok || s != "LAB paging: phys_pud_init not implemented yet" {
		t.Errorf("from gopanic itself: %q %v", s, ok)
	}
	type reason string // a string kind under another name, as runtime.errorString
	put(reason("index out of range"))
	if s, ok := gopanic_string(inGopanic, addr(8)); !ok || s != "index out of range" {
		t.Errorf("a named string type: %q %v", s, ok)
	}
	long := strings.Repeat("LAB x: ", 40) // clipped to 160 bytes
	put(long)
	if s, ok := gopanic_string(inGopanic, addr(8)); !ok || s != long[:160] {
		t.Errorf("a long string: %q %v", s, ok)
	}
	put(42)
	if s, ok := gopanic_string(inGopanic, addr(8)); ok {
		t.Errorf("an int read as the string %q", s)
	}
	put("x")
	if s, ok := gopanic_string(0xabc, addr(8)); ok {
		t.Errorf("no gopanic in the chain, and still %q", s)
	}
	put(nil)
	if s, ok := gopanic_string(inGopanic, addr(8)); ok {
		t.Errorf("panic(nil) read as %q", s)
	}
}

// show_fault_oops words the page-fault error code as Linux does.
func TestShowFaultOops(t *testing.T) {
	c := ktest.StartCapture(t)
	for _, tc := range []struct {
		e    uint64
		want []string
	}{
		{0, []string{"#PF: supervisor read access in kernel mode", "#PF: error_code(0x0000) - not-present page"}},
		{asm.X86_PF_WRITE | asm.X86_PF_PROT, []string{"#PF: supervisor write access in kernel mode", "#PF: error_code(0x0003) - permissions violation"}},
		// Linux: "instruction fetch", not "instruction fetch access".
		{asm.X86_PF_INSTR | asm.X86_PF_PROT, []string{"#PF: supervisor instruction fetch in kernel mode", "#PF: error_code(0x0011) - permissions violation"}},
		{asm.X86_PF_USER | asm.X86_PF_WRITE, []string{"#PF: user write access in kernel mode", "#PF: error_code(0x0006) - not-present page"}},
		{asm.X86_PF_PK | asm.X86_PF_PROT, []string{"#PF: supervisor read access in kernel mode", "#PF: error_code(0x0021) - protection keys violation"}},
		{asm.X86_PF_RSVD | asm.X86_PF_PROT, []string{"#PF: supervisor read access in kernel mode", "#PF: error_code(0x0009) - reserved bit violation"}},
	} {
		show_fault_oops(tc.e, false)
		if got := c.Lines(); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("error code %#x: %q, want %q", tc.e, got, tc.want)
		}
	}
}

// The Code: line marks the byte at RIP as Linux's show_opcodes does.
func TestFormatCode(t *testing.T) {
	var buf [64]byte
	n := Format_code(buf[:], []byte{0x48, 0x8b, 0x40, 0x40, 0xc3}, 2)
	if got := string(buf[:n]); got != "48 8b <40> 40 c3" {
		t.Fatalf("Format_code = %q", got)
	}
	n = Format_code(buf[:], []byte{0x0f, 0x0b}, 0)
	if got := string(buf[:n]); got != "<0f> 0b" {
		t.Fatalf("Format_code = %q", got)
	}
}

// EFLAGS decoded as gdb prints them, lowest bit first, IOPL when set.
func TestFormatEflags(t *testing.T) {
	var buf [96]byte
	for _, c := range []struct {
		fl   uint64
		want string
	}{
		{0x00010246, "[ PF ZF IF RF ]"},
		{0x00200086, "[ PF SF ID ]"},
		{0x2, "[ ]"},
		{0x3202, "[ IF IOPL=3 ]"},
	} {
		if got := string(buf[:Format_eflags(buf[:], c.fl)]); got != c.want {
			t.Errorf("Format_eflags(%#x) = %q, want %q", c.fl, got, c.want)
		}
	}
}

// show_trace_log_lvl prints one line per return address, with the
// function, the offset and the file:line of the call (the address minus
// one), and a recursion once.
func TestShowTrace(t *testing.T) {
	c := ktest.StartCapture(t)
	pc, _, line, _ := runtime.Caller(0)
	here := pc + 1 // a return address just after a call on this line
	show_trace_log_lvl([]uintptr{0, here, here, here, 0x1234, 0x10, 0x20, 0x10, 0x20, 0x10, 0x20, 0x30})
	got := c.Lines()
	if len(got) != 8 || got[0] != "Call Trace:" {
		t.Fatalf("trace %q", got)
	}
	for _, want := range []string{"gokern/traps.TestShowTrace+0x", "dumpstack_test.go:" + strconv.Itoa(line) + ")"} {
		if !strings.Contains(got[1], want) {
			t.Errorf("frame line %q lacks %q", got[1], want)
		}
	}
	if got[2] != " ... the frame above 2 more times" || !strings.Contains(got[3], "0x1234 (?:0)") {
		t.Errorf("repeat and unknown frame: %q", got[2:])
	}
	if !strings.Contains(got[4], "0x10 (?:0)") || !strings.Contains(got[5], "0x20 (?:0)") ||
		got[6] != " ... the 2 frames above 2 more times" || !strings.Contains(got[7], "0x30 (?:0)") {
		t.Errorf("a run of frames repeated: %q", got[4:])
	}
}

// The page-fault error code in Linux's words (show_fault_oops), bit by
// bit as SDM Vol. 3A Figure 4-12 defines them.
func TestPfDecode(t *testing.T) {
	for _, c := range []struct {
		e             uint64
		access, cause string
	}{
		{0x0, "read access", "not-present page"},
		{0x2, "write access", "not-present page"},
		{0x3, "write access", "permissions violation"},
		{0x11, "instruction fetch", "permissions violation"},
		{0x10, "instruction fetch", "not-present page"},
		{0x9, "read access", "reserved bit violation"},
		{0x21, "read access", "protection keys violation"},
		{0x7, "write access", "permissions violation"},
	} {
		if a, k := Pf_access(c.e), Pf_cause(c.e); a != c.access || k != c.cause {
			t.Errorf("error code %#x: %q, %q; want %q, %q", c.e, a, k, c.access, c.cause)
		}
	}
}
