package exec

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/kernel/sched"
	"gokern/mm"
	"gokern/paging"
	"gokern/traps"
)

// The system calls of processes and of their memory, in both tables.
// Linux: kernel/exit.c (exit, exit_group), kernel/sys.c (getpid,
// getppid, gettid), mm/mmap.c (brk, mmap, munmap), mm/mprotect.c
// (mprotect); the numbers from syscall_64.tbl and syscall_32.tbl. The
// file system calls (read, write, ...) are the VFS's.

type syscall_entry struct {
	nr uint64
	fn traps.Sys_call_ptr_t
}

// syscalls_64 and syscalls_32 are what Register_syscalls puts in the tables.
var syscalls_64 = [...]syscall_entry{
	{traps.X__NR_exit, sys_exit},
	{traps.X__NR_exit_group, sys_exit_group},
	{traps.X__NR_getpid_64, sys_getpid},
	{traps.X__NR_getppid, sys_getppid},
	{traps.X__NR_gettid, sys_gettid},
	{traps.X__NR_brk, sys_brk},
	{traps.X__NR_mmap, sys_mmap},
	{traps.X__NR_munmap, sys_munmap},
	{traps.X__NR_mprotect, sys_mprotect},
	{traps.X__NR_uname, sys_newuname},
	{traps.X__NR_clock_gettime, sys_clock_gettime},
	{traps.X__NR_clock_getres, sys_clock_getres},
	{traps.X__NR_gettimeofday, sys_gettimeofday},
	{traps.X__NR_time, sys_time},
	{traps.X__NR_getcpu, sys_getcpu},
	{X__NR_madvise, sys_madvise},
	{X__NR_msync, sys_msync},
	{X__NR_mincore, sys_mincore},
	{X__NR_set_tid_address, sys_set_tid_address},
	{X__NR_sethostname, sys_sethostname},
	{X__NR_setdomainname, sys_setdomainname},
}

// X__NR_set_tid_address, sethostname and setdomainname (syscall_64.tbl).
const (
	X__NR_set_tid_address = 218
	X__NR_sethostname     = 170
	X__NR_setdomainname   = 171
)

var syscalls_32 = [...]syscall_entry{
	{traps.X__NR_ia32_exit, sys_exit_ia32},
	{traps.X__NR_ia32_exit_group, sys_exit_ia32},
	{traps.X__NR_getpid, sys_getpid},
	{traps.X__NR_ia32_brk, sys_brk_ia32},
	{traps.X__NR_ia32_newuname, sys_newuname_ia32},
}

// The x86-64 arguments (Linux SC_X86_64_REGS_TO_ARGS): RDI, RSI, RDX,
// R10, R8, R9.
func a1(r *asm.PtRegs) uint64 { return r.DI }
func a2(r *asm.PtRegs) uint64 { return r.SI }
func a3(r *asm.PtRegs) uint64 { return r.DX }
func a4(r *asm.PtRegs) uint64 { return r.R10 }
func a5(r *asm.PtRegs) uint64 { return r.R8 }
func a6(r *asm.PtRegs) uint64 { return r.R9 }

// sys_exit and sys_exit_group: the status's low byte, shifted as
// wait() reports it (Linux: do_exit((error_code & 0xff) << 8)). Without
// threads, exit and exit_group are one.
func sys_exit(r *asm.PtRegs) int64       { Do_exit_thread(int(a1(r)&0xff) << 8); return 0 }
func sys_exit_group(r *asm.PtRegs) int64 { Do_group_exit(int(a1(r)&0xff) << 8); return 0 }

// sys_exit_ia32: i386's exit and exit_group, the status in EBX.
func sys_exit_ia32(r *asm.PtRegs) int64 { Do_group_exit(int(r.BX&0xff) << 8); return 0 }

// sys_getpid is the process's id, its thread group's (Linux
// task_tgid_vnr); sys_gettid the task's own (task_pid_vnr).
func sys_getpid(r *asm.PtRegs) int64 { return int64(sched.Get_current().Tgid) }
func sys_gettid(r *asm.PtRegs) int64 { return int64(sched.Get_current().Pid) }

// sys_getppid: the parent's process id (Linux
// task_tgid_vnr(current->real_parent)); init's parent is the swapper, 0.
func sys_getppid(r *asm.PtRegs) int64 {
	if p := sched.Get_current().Real_parent; p != nil {
		return int64(p.Tgid)
	}
	return 0
}

// current_mm is the current process's address space, or nil.
func current_mm() *mm.MmStruct { return sched.Get_current().Mm }

// sys_brk: brk(addr); brk(0) asks where the break is.
func sys_brk(r *asm.PtRegs) int64 {
	m := current_mm()
	if m == nil {
		return -asm.ENOMEM
	}
	sched.Mmap_write_lock(m)
	ret := mm.Brk(m, a1(r))
	sched.Mmap_write_unlock(m)
	return int64(ret)
}

func sys_brk_ia32(r *asm.PtRegs) int64 {
	m := current_mm()
	if m == nil {
		return -asm.ENOMEM
	}
	sched.Mmap_write_lock(m)
	ret := mm.Brk(m, uint64(uint32(r.BX)))
	sched.Mmap_write_unlock(m)
	return int64(ret)
}

// sys_mmap: mmap(addr, length, prot, flags, fd, offset) (Linux
// ksys_mmap_pgoff → do_mmap): anonymous memory, private or shared
// (shmem_zero_setup's file, as for MAP_SHARED of /dev/zero), and open
// files, private or shared (mm.Do_mmap_file).
func sys_mmap(r *asm.PtRegs) int64 {
	m := current_mm()
	if m == nil {
		return -asm.ENOMEM
	}
	addr, length, prot, flags, off := a1(r), a2(r), a3(r), a4(r), a6(r)
	var f *fs.File // referenced here; the VMA takes its own
	anon := flags&mm.MAP_ANONYMOUS != 0
	if !anon {
		if f = fs.Fget(int(int32(a5(r)))); f == nil {
			return -asm.EBADF
		}
		if f.F_op != nil && f.F_op.Mmap != nil && f.F_op.Mmap(f) == fs.MMAP_ANONYMOUS {
			// /dev/zero (Linux mmap_zero), after do_mmap's questions
			// to the open file, which come first.
			readable, writable, noexec, _ := f.Vm_may()
			shared := flags&mm.MAP_TYPE == mm.MAP_SHARED || flags&mm.MAP_TYPE == mm.MAP_SHARED_VALIDATE
			errno := 0
			switch {
			case shared && prot&mm.PROT_WRITE != 0 && !writable, !readable:
				errno = -asm.EACCES
			case noexec && prot&mm.PROT_EXEC != 0:
				errno = -asm.EPERM
			}
			fs.Fput(f)
			if errno != 0 {
				return int64(errno)
			}
			f, anon = nil, true
			flags |= mm.MAP_ANONYMOUS
		}
	}
	if anon && (flags&mm.MAP_TYPE == mm.MAP_SHARED || flags&mm.MAP_TYPE == mm.MAP_SHARED_VALIDATE) {
		// Linux do_mmap's length checks come first.
		if length == 0 {
			return -asm.EINVAL
		}
		size := paging.PAGE_ALIGN(length)
		if size == 0 || size > mm.TASK_SIZE {
			return -asm.ENOMEM
		}
		if fs.Shmem_zero_setup == nil {
			return -asm.ENODEV
		}
		var err int
		if f, err = fs.Shmem_zero_setup(size); err != 0 {
			return int64(err)
		}
		off = 0
	}
	var ret int64
	sched.Mmap_write_lock(m)
	if f != nil {
		ret = mm.Do_mmap_file(m, addr, length, prot, flags, f, f, off)
	} else {
		ret = mm.Do_mmap(m, addr, length, prot, flags, nil, off, 0)
	}
	sched.Mmap_write_unlock(m)
	if f != nil {
		fs.Fput(f)
	}
	return ret
}

// sys_munmap: munmap(addr, length).
func sys_munmap(r *asm.PtRegs) int64 {
	m := current_mm()
	if m == nil {
		return -asm.EINVAL
	}
	sched.Mmap_write_lock(m)
	ret := mm.Do_munmap(m, a1(r), a2(r))
	sched.Mmap_write_unlock(m)
	return int64(ret)
}

// sys_mprotect: mprotect(addr, length, prot).
func sys_mprotect(r *asm.PtRegs) int64 {
	m := current_mm()
	if m == nil {
		return -asm.ENOMEM
	}
	sched.Mmap_write_lock(m)
	ret := mm.Do_mprotect(m, a1(r), a2(r), a3(r))
	sched.Mmap_write_unlock(m)
	return int64(ret)
}

// New_utsname is struct new_utsname (include/uapi/linux/utsname.h): what
// uname(2) fills, six NUL-terminated fields of 65 bytes.
type New_utsname struct {
	Sysname, Nodename, Release, Version, Machine, Domainname [65]byte
}

// UTS_RELEASE: gokern answers as the Linux whose system-call ABI it
// follows (a C library refuses to start on a kernel older than it
// needs, and reads the version from here), with its own name after it.
const UTS_RELEASE = "6.1.0-gokern"

// sys_newuname: uname(buf) (Linux kernel/sys.c newuname over
// init_uts_ns): "Linux", "(none)", UTS_RELEASE, "#1", "x86_64",
// "(none)"; -EFAULT for a bad buffer.
func sys_newuname(r *asm.PtRegs) int64 { return do_newuname(uintptr(a1(r))) }

func sys_newuname_ia32(r *asm.PtRegs) int64 { return do_newuname(uintptr(uint32(r.BX))) }

// uts is what uname copies out (Linux init_uts_ns.name); uts_sem guards
// it (Linux's is a rw_semaphore: uname copies the fields out of it into
// a copy of its own, sethostname writes them; neither faults inside).
var (
	uts     New_utsname
	uts_sem = asm.Spinlock_t{Owner_cpu: -1, Name: "uts_sem"}
)

// init_utsname fills uts the first time it is read (gokern runs no
// package initialisers). uts_sem is held.
func init_utsname() {
	u := &uts
	if u.Sysname[0] == 0 {
		copy(u.Sysname[:], "Linux")
		copy(u.Nodename[:], "(none)")
		copy(u.Release[:], UTS_RELEASE)
		copy(u.Version[:], "#1")
		copy(u.Machine[:], "x86_64")
		copy(u.Domainname[:], "(none)")
	}
}

func do_newuname(buf uintptr) int64 {
	var tmp New_utsname
	flags := uts_sem.Spin_lock_irqsave(0)
	init_utsname()
	tmp = uts
	uts_sem.Spin_unlock_irqrestore(flags)
	if asm.Copy_to_user(buf, uintptr(unsafe.Pointer(&tmp)), unsafe.Sizeof(tmp)) != 0 {
		return -asm.EFAULT
	}
	return 0
}

// __NEW_UTS_LEN: a uname field's bytes without its NUL.
const X__NEW_UTS_LEN = 64

// sys_sethostname: sethostname(name, len) (Linux kernel/sys.c): the
// node name uname and hostname report becomes the len bytes at name
// (no NUL needed); -EPERM without CAP_SYS_ADMIN, -EINVAL for len past
// __NEW_UTS_LEN, -EFAULT. sys_setdomainname is the same for the
// domain name.
func sys_sethostname(r *asm.PtRegs) int64 {
	return set_uts_field(uintptr(a1(r)), int(int32(a2(r))), false)
}

func sys_setdomainname(r *asm.PtRegs) int64 {
	return set_uts_field(uintptr(a1(r)), int(int32(a2(r))), true)
}

func set_uts_field(name uintptr, n int, domain bool) int64 {
	if !sched.Capable(sched.CAP_SYS_ADMIN) {
		return -asm.EPERM
	}
	if n < 0 || n > X__NEW_UTS_LEN {
		return -asm.EINVAL
	}
	var tmp [X__NEW_UTS_LEN + 1]byte
	if n > 0 && asm.Copy_from_user(uintptr(unsafe.Pointer(&tmp[0])), name, uintptr(n)) != 0 {
		return -asm.EFAULT
	}
	flags := uts_sem.Spin_lock_irqsave(0)
	init_utsname()
	if domain {
		uts.Domainname = tmp
	} else {
		uts.Nodename = tmp
	}
	uts_sem.Spin_unlock_irqrestore(flags)
	return 0
}
