package sys

import (
	"sync/atomic"
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/kernel/sched"
	"gokern/printk"
)

// The syscall lab's two system calls (labs/syscall/README.md). Seeds: 002
// "Defining a new syscall": my_first_sys_call() and
// my_second_sys_call(int arg), put into the table by hand, "the code of
// new system calls ... in any C file in the tree (possibly a new one)".
// Linux has no such calls; their shape is SYSCALL_DEFINE0 and
// SYSCALL_DEFINE2, their numbers traps.X__NR_my_first_sys_call and
// X__NR_my_second_sys_call (500 and 501 in both tables), their rows in
// syscall_table.go. The i386 calls are the same functions through
// traps.Ia32_sys_x64_table: no argument differs in layout between the ABIs.

// What the calls did, for the grader to read through gdb: how many
// my_first_sys_call calls there have been, and the sum of the arguments
// of the my_second_sys_call calls that succeeded. Several CPUs make the
// calls at once, so each is changed by one atomic read-modify-write
// (LOCK XADD; Linux would use atomic64_t): a plain "+=" is a load, an add
// and a store, and two CPUs interleaving them lose an increment
// (TestLabSyscallSMP lost 902 of 80000 at -smp 4).
var (
	My_first_sys_call_calls uint64
	My_second_sys_call_sum  int64
)

// kaddr is the kernel address of v, for asm.Copy_from_user and
// asm.Copy_to_user (Linux passes &v as a void *).
func kaddr(v *int32) uintptr { return uintptr(unsafe.Pointer(v)) }

// sys_my_first_sys_call: my_first_sys_call(void) counts itself, says so
// on the console, and returns how many calls there have been, this one
// included.
func sys_my_first_sys_call(r *asm.PtRegs) int64 {
	// LAB syscall BEGIN
	n := atomic.AddUint64(&My_first_sys_call_calls, 1)
	t := sched.Get_current()
	printk.Pr_info("my_first_sys_call: call %d, from %s[%d]\n", printk.Int(n), printk.Str(t.Name()), printk.Int(t.Pid))
	return int64(n)
	// LAB syscall SKELETON
	// // Count the call in My_first_sys_call_calls (atomically: several
	// // CPUs make the call at once), print a line naming the caller,
	// // return the count this call made.
	// t := sched.Get_current()
	// printk.Pr_warn("LAB syscall: my_first_sys_call not implemented yet (called by %s[%d]; %d calls counted)\n", printk.Str(t.Name()), printk.Int(t.Pid), printk.Int(atomic.LoadUint64(&My_first_sys_call_calls)))
	// return -asm.ENOSYS
	// LAB syscall END
}

// sys_my_second_sys_call: my_second_sys_call(int arg, int __user *value)
// adds arg to the int at value, in the caller's memory: it copies the int
// in (copy_from_user), adds, copies the sum out (copy_to_user), adds arg
// to My_second_sys_call_sum and returns the sum. When value cannot be
// read or written it returns -EFAULT and changes nothing. arg is a C int:
// the low 32 bits of its register, sign-extended (the caller may leave
// anything in the upper half; i386's is zero).
func sys_my_second_sys_call(r *asm.PtRegs) int64 {
	// LAB syscall BEGIN
	arg, value := int32(int1(r)), uintptr(a2(r))
	var v int32
	if asm.Copy_from_user(kaddr(&v), value, 4) != 0 {
		return -asm.EFAULT
	}
	v += arg
	if asm.Copy_to_user(value, kaddr(&v), 4) != 0 {
		return -asm.EFAULT
	}
	atomic.AddInt64(&My_second_sys_call_sum, int64(arg))
	return int64(v)
	// LAB syscall SKELETON
	// // arg: int1(r); value: a2(r). Copy the int at value in, add arg, copy
	// // the sum back out, add arg to My_second_sys_call_sum (atomically),
	// // return the sum; -EFAULT (changing nothing) when either copy fails.
	// printk.Pr_warn("LAB syscall: my_second_sys_call not implemented yet\n")
	// return -asm.ENOSYS
	// LAB syscall END
}
