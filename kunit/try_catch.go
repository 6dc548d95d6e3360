package kunit

import (
	"gokern/arch/amd64/asm"
)

// Running a test so that a fault inside it ends the test, not the kernel.
// Linux: lib/kunit/try-catch.c (kunit_try_catch_run runs the test in a
// kernel thread and treats the thread's death as the test's failure).
// gokern has no threads: Kunit_try_catch_run records where it called the
// test from (stack and frame pointer, and a landing address), and a trap
// handler that decides not to return to the faulting code calls Throw,
// which rewrites the trap frame so that IRETQ lands back in
// Kunit_try_catch_run, as if the test had returned. The frames of the test
// are abandoned: nothing of a test may need cleaning up after a fault.

// Kunit_try_catch is one armed catch (Linux struct kunit_try_catch).
type Kunit_try_catch struct {
	// Set by try_catch_call (try_catch_amd64.s): where to resume.
	sp, bp, pc uintptr
	// Expect_fault: the test faults on purpose (a selftest of the trap
	// handlers): the handler records the trap and throws without printing
	// an oops. Otherwise a fault is a bug: the oops is printed, and the
	// handler throws only with oops=continue.
	Expect_fault bool
	// Caught: a trap handler threw; Vector is the exception's.
	Caught bool
	Vector uint64
	prev   *Kunit_try_catch
}

// current_try_catch is the innermost armed catch (one CPU runs tests).
var current_try_catch *Kunit_try_catch

// Kunit_try_catch_run runs fn(arg) with tc armed, and returns whether a
// trap handler threw out of it.
func Kunit_try_catch_run(tc *Kunit_try_catch, fn func(uintptr), arg uintptr) bool {
	tc.Caught, tc.Vector = false, 0
	tc.prev = current_try_catch
	current_try_catch = tc
	try_catch_call(tc, fn, arg)
	current_try_catch = tc.prev
	return tc.Caught
}

// Kunit_try_catch_current returns the innermost armed catch, or nil.
//
//go:nosplit
func Kunit_try_catch_current() *Kunit_try_catch { return current_try_catch }

// Throw makes the trap frame regs return to tc's Kunit_try_catch_run
// instead of the faulting instruction (Linux kunit_try_catch_throw, which
// ends the test thread). The stack the handler will return to must be the
// one tc was armed on: the caller checks with Same_stack.
//
//go:nosplit
func (tc *Kunit_try_catch) Throw(regs *asm.PtRegs) {
	tc.Caught = true
	tc.Vector = regs.Vector
	regs.IP = uint64(tc.pc)
	regs.SP = uint64(tc.sp)
	regs.BP = uint64(tc.bp)
}

// Resume_sp is the stack pointer Throw resumes at, for the caller's check
// that it is on the stack the trap interrupted.
//
//go:nosplit
func (tc *Kunit_try_catch) Resume_sp() uintptr { return tc.sp }
