// Package sys holds the system calls that are neither processes nor
// signals: files, time, credentials and the system's own (Linux: the
// SYSCALL_DEFINEs of fs/*.c, kernel/sys.c, kernel/time/*.c,
// drivers/char/random.c and kernel/printk/printk.c; include/linux/syscalls.h
// declares them all). Each file is named after the Linux file whose
// system calls it holds. The work is the VFS's (fs.Ksys_*, fs.Do_*): a
// system call here copies its arguments in from user space, calls it,
// and copies the results out, -EFAULT for a bad pointer (the copy's
// exception-table fixup, never an oops).
//
// RegisterSyscalls puts them in both tables at boot. An i386 call whose
// arguments are the x86-64 call's (integers and pointers to structures
// laid out alike in both ABIs) is the same function, reached through
// traps.Ia32_sys_x64_table, which zero-extends the i386 registers into
// the x86-64 order as Linux's __ia32_sys_ wrappers do.
package sys

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/mm"
	"gokern/traps"
)

// The x86-64 arguments (Linux SC_X86_64_REGS_TO_ARGS): RDI, RSI, RDX,
// R10, R8, R9. A descriptor or other int argument is cut to 32 bits and
// sign-extended, as the C prototype's int does.
func a1(r *asm.PtRegs) uint64 { return r.DI }
func a2(r *asm.PtRegs) uint64 { return r.SI }
func a3(r *asm.PtRegs) uint64 { return r.DX }
func a4(r *asm.PtRegs) uint64 { return r.R10 }
func a5(r *asm.PtRegs) uint64 { return r.R8 }

func int1(r *asm.PtRegs) int { return int(int32(r.DI)) }
func int2(r *asm.PtRegs) int { return int(int32(r.SI)) }
func int3(r *asm.PtRegs) int { return int(int32(r.DX)) }
func int4(r *asm.PtRegs) int { return int(int32(r.R10)) }

// Getname copies a path name from user space into a kmalloc'd PATH_MAX
// buffer (Linux getname, from names_cache): the name without its NUL, and
// the buffer to free with Putname; -ENAMETOOLONG, -ENOENT for "",
// -EFAULT.
func Getname(user uintptr) ([]byte, unsafe.Pointer, int) {
	return getname_flags(user, false)
}

// getname_flags is Linux getname_flags: with empty, "" is a name (for
// AT_EMPTY_PATH), not -ENOENT.
func getname_flags(user uintptr, empty bool) ([]byte, unsafe.Pointer, int) {
	p := mm.Kmalloc(uapi.PATH_MAX, mm.GFP_KERNEL)
	if p == nil {
		return nil, nil, -asm.ENOMEM
	}
	buf := unsafe.Slice((*byte)(p), uapi.PATH_MAX)
	n := asm.Strncpy_from_user(buf, user)
	switch {
	case n < 0:
		mm.Kfree(p)
		return nil, nil, n
	case n == len(buf):
		mm.Kfree(p)
		return nil, nil, -uapi.ENAMETOOLONG
	case n == 0 && !empty:
		mm.Kfree(p)
		return nil, nil, -asm.ENOENT
	}
	return buf[:n], p, 0
}

// Putname frees what Getname returned (Linux putname).
func Putname(p unsafe.Pointer) {
	if p != nil {
		mm.Kfree(p)
	}
}

// with_name runs fn on the user's path name, copied in: the common shape
// of the one-path system calls.
func with_name(user uintptr, fn func(name []byte) int) int64 {
	name, p, err := Getname(user)
	if err != 0 {
		return int64(err)
	}
	ret := fn(name)
	Putname(p)
	return int64(ret)
}

// with_names is with_name for the two-path calls (rename, link,
// symlink): both names copied in, the first's fault first.
func with_names(u1, u2 uintptr, fn func(n1, n2 []byte) int) int64 {
	n1, p1, err := Getname(u1)
	if err != 0 {
		return int64(err)
	}
	n2, p2, err := Getname(u2)
	if err != 0 {
		Putname(p1)
		return int64(err)
	}
	ret := fn(n1, n2)
	Putname(p2)
	Putname(p1)
	return int64(ret)
}

// copy_to_user_obj and copy_from_user_obj copy one structure: 0 or
// -EFAULT.
func copy_to_user_obj(to uintptr, p unsafe.Pointer, size uintptr) int {
	if asm.Copy_to_user(to, uintptr(p), size) != 0 {
		return -asm.EFAULT
	}
	return 0
}

func copy_from_user_obj(p unsafe.Pointer, from uintptr, size uintptr) int {
	if asm.Copy_from_user(uintptr(p), from, size) != 0 {
		return -asm.EFAULT
	}
	return 0
}

type syscall_entry struct {
	nr uint64
	fn traps.Sys_call_ptr_t
}

// RegisterSyscalls puts this package's system calls into both tables
// (called once at boot, before any user program runs). x86_64 lists the
// x86-64 numbers; ia32_same the i386 numbers served by the same function;
// ia32 the i386 calls with their own function. It first starts what they
// read: the random pool and the load averages' sampling.
func RegisterSyscalls() {
	Rand_initialize()
	Loadavg_init()
	for _, s := range x86_64 {
		traps.Sys_call_table[s.nr] = s.fn
	}
	for _, s := range ia32_same {
		traps.Ia32_sys_x64_table[s.nr] = s.fn
	}
	for _, s := range ia32 {
		traps.Ia32_sys_call_table[s.nr] = s.fn
	}
}
