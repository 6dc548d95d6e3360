// Package exec runs user programs: the first execve, the return to user
// mode, exit, the signals a faulting program gets, and the system calls
// of processes and their memory. Linux: fs/exec.c (kernel_execve,
// do_execveat_common, exec_mmap, begin_new_exec), init/main.c
// (run_init_process), arch/x86/kernel/process_64.c (start_thread),
// kernel/exit.c (do_exit, do_group_exit), arch/x86/mm/fault.c
// (do_user_addr_fault, show_signal_msg), arch/x86/kernel/traps.c (do_trap
// in user mode), kernel/sys.c, mm/mmap.c (the system calls). Seeds: 002
// "Userspace Kernel API: System Calls", "Page Fault Handler".
//
// A process is a task (kernel/sched Task_struct) with an address space:
// this package gives a task its program and its user-mode life — exec,
// the return to user mode, fork's system calls, exit and wait — and the
// scheduler keeps the task itself.
package exec

import (
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/entry"
	"gokern/arch/amd64/entry/vdso"
	"gokern/fs"
	"gokern/fs/binfmt_elf"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/kernel/signal"
	"gokern/mm"
	"gokern/printk"
	"gokern/traps"
	"unsafe"
)

// Current returns the running task: the process, when its Mm is set.
func Current() *sched.Task_struct { return sched.Get_current() }

// Linux_binprm is one exec's working state (Linux include/linux/binfmts.h
// struct linux_binprm), allocated per execve as Linux's alloc_bprm does,
// so that execs on two CPUs, or one preempted by another, never share
// it.
type Linux_binprm struct {
	// Elf is the program being loaded: its headers and layout.
	Elf binfmt_elf.Elf_binary
	// Each level of "#!" script keeps its first bytes (the interpreter's
	// name points into them) and its rewritten argv (binfmt_script.go).
	Buf  [BINPRM_MAX_RECURSION][BINPRM_BUF_SIZE]byte
	Argv [BINPRM_MAX_RECURSION][MAX_SCRIPT_ARGS][]byte
}

// Kernel_execve replaces the current process's program with filename
// (Linux kernel_execve → do_execveat_common → bprm_execve →
// load_elf_binary): a new address space with the ELF's segments, the
// heap, the stack with argv, envp and auxv, then the registers for user
// mode at the top of the kernel stack (start_thread). On success the
// caller leaves for user mode with entry.Ret_to_user; on failure nothing has
// changed and the error is returned: -ENOENT, -ENOEXEC (b.Why is
// logged), -EINVAL, -E2BIG, -ENOMEM.
func Kernel_execve(filename []byte, argv, envp [][]byte) int {
	bprm := (*Linux_binprm)(mm.Kzalloc(uint64(unsafe.Sizeof(Linux_binprm{})), mm.GFP_KERNEL))
	if bprm == nil {
		return -asm.ENOMEM
	}
	r := bprm_execve(bprm, filename, argv, envp)
	mm.Kfree(unsafe.Pointer(bprm))
	return r
}

// bprm_execve is Kernel_execve with its Linux_binprm (Linux fs/exec.c
// bprm_execve): every string it is given or finds stays valid until it
// returns, as the stack's copies are made before.
func bprm_execve(bprm *Linux_binprm, filename []byte, argv, envp [][]byte) int {
	// A "#!" script runs its interpreter (binfmt_script.go); the name
	// the caller gave stays the process's (comm) and AT_EXECFN's, as
	// Linux keeps bprm->filename and changes only bprm->interp.
	execname := filename
	filename, argv, argv_rest, r := script_interp(bprm, filename, argv)
	if r != 0 {
		return r
	}
	f, size, r := open_program(filename)
	if r != 0 {
		return r
	}
	b := &bprm.Elf
	if r := binfmt_elf.Parse(f, size, b); r != 0 {
		if r = interp_missing(b, r); r == -uapi.ENOENT {
			printk.Pr_err("exec %s: its interpreter %s is not found: %d\n", printk.Bytes(filename),
				printk.Bytes(b.Interp[:b.Interp_len]), printk.Int(r))
			return r
		}
		printk.Pr_err("exec %s: %s: %d\n", printk.Bytes(filename), printk.Str(b.Why), printk.Int(r))
		return r
	}
	// The point of no return comes after the new mm is complete: until
	// then a failure frees it and leaves the caller as it was.
	m := mm.Mm_alloc()
	if m == nil {
		return -asm.ENOMEM
	}
	if r := binfmt_elf.Map_segments(m, f, b); r != 0 {
		mm.Exit_mmap(m)
		return r
	}
	if r := binfmt_elf.Setup_arg_pages(m, b, stack_size()); r != 0 {
		mm.Exit_mmap(m)
		return r
	}
	// The vvar page and the vDSO (Linux load_elf_binary →
	// arch_setup_additional_pages), announced by AT_SYSINFO_EHDR.
	sysinfo_ehdr, r := vdso.Arch_setup_additional_pages(m)
	if r != 0 {
		mm.Exit_mmap(m)
		return r
	}
	p := sched.Get_current()
	old := p.Mm
	// exec_mmap: the process's mm is the new one, and loaded, before the
	// stack is written (its pages fault in through current's Mm).
	p.Mm, p.Active_mm = m, m
	mm.Activate_mm(m)
	params := binfmt_elf.Exec_params{Filename: execname, Argv: argv, Argv_rest: argv_rest, Envp: envp, Sysinfo_ehdr: sysinfo_ehdr}
	get_random_bytes(params.Random[:])
	_, _, _, edx := asm.Cpuid(1)
	params.Hwcap = edx // ELF_HWCAP: CPUID.1:EDX
	sp, r := binfmt_elf.Write_stack(m, b, &params)
	if r != 0 {
		exec_mmap_undo(p, old, m)
		return r
	}
	// Linux begin_new_exec starts with de_thread: the program about to
	// run is the process's only thread. A group already dying fails
	// the exec; the caller then dies of the group's signal.
	if r := de_thread(p); r != 0 {
		exec_mmap_undo(p, old, m)
		return r
	}
	// The point of no return (Linux begin_new_exec): the old mm goes,
	// a vfork parent is let go, the close-on-exec descriptors close, and
	// a kernel thread that execs is a user process from now on.
	if old != nil {
		mm.Mmput(old)
	}
	sched.Mm_release(p)
	fs.Do_close_on_exec(Task_files(p))
	p.Flags &^= sched.PF_KTHREAD
	// The old program's robust futex list and CLEARTID word point into
	// the old mm (Linux exec_mm_release: futex_exec_release, then
	// clear_child_tid = NULL).
	p.Robust_list, p.Clear_child_tid = 0, 0
	// PR_SET_KEEPCAPS holds until the next program (Linux
	// prepare_exec_creds).
	p.Cred.Securebits &^= sched.SECBIT_KEEP_CAPS
	set_comm(p, execname)
	// The new program's handlers are the defaults (Linux begin_new_exec
	// → flush_signal_handlers); ignored signals stay ignored, the mask
	// and pending signals stay.
	signal.Flush_signal_handlers(sched.Get_current())
	// POSIX timers end with the old program; ITIMER_REAL carries on
	// (Linux begin_new_exec → exit_itimers).
	signal.Exit_itimers_exec(sched.Get_current())
	Start_thread(sched.Task_pt_regs(sched.Get_current()), b.Entry, sp)
	printk.Pr_debug("exec %s: pid %d, entry %#x, sp %#x, brk %#x, %d VMAs\n", printk.Bytes(filename),
		printk.Int(p.Tgid), printk.Int(b.Entry), printk.Int(sp), printk.Int(m.Brk), printk.Int(m.Map_count))
	return 0
}

// exec_mmap_undo gives p its old mm back after a failure past
// exec_mmap (the kernel's when it had none) and drops the new one m.
func exec_mmap_undo(p *sched.Task_struct, old, m *mm.MmStruct) {
	p.Mm = old
	if old != nil {
		p.Active_mm = old
		mm.Activate_mm(old)
	} else {
		p.Active_mm = &mm.Init_mm
		mm.Activate_mm(&mm.Init_mm)
	}
	mm.Mmput(m)
}

// de_thread makes tsk the only thread of its process before the new
// program runs (Linux fs/exec.c de_thread): the other threads get
// SIGKILL and tsk waits until they are gone (each wakes it as it dies,
// exit_notify; the tick bounds a missed wake-up). If tsk is not the
// group's leader it then takes the leader's place and pid, and the
// leader, a zombie by then, is released: the process keeps its pid,
// parent and children across the exec, whichever thread called it.
// -EAGAIN when the group is already exiting, or when tsk itself is
// killed while it waits (it dies on its way out, as in Linux).
func de_thread(tsk *sched.Task_struct) int {
	if sched.Only_thread_left(tsk) && sched.Thread_group_leader(tsk) {
		return 0
	}
	if !signal.Begin_group_exec(tsk) {
		return -uapi.EAGAIN
	}
	for !sched.Only_thread_left(tsk) {
		if signal.Fatal_signal_pending(tsk) {
			signal.End_group_exec(tsk, nil)
			return -uapi.EAGAIN
		}
		sched.Schedule_timeout_uninterruptible(1)
	}
	var leader *sched.Task_struct
	if !sched.Thread_group_leader(tsk) {
		leader = sched.Exchange_leader(tsk)
	}
	signal.End_group_exec(tsk, leader)
	if leader != nil {
		sched.Release_task(leader)
	}
	return 0
}

// interp_missing: for a dynamically linked program, whose PT_INTERP
// Parse refused, -ENOENT when the interpreter it names does not exist,
// as Linux's load_elf_binary returns open_exec's error (the shell's
// "not found" for a program that is there); r otherwise.
func interp_missing(b *binfmt_elf.Elf_binary, r int) int {
	if b.Interp_len == 0 {
		return r
	}
	f, err := fs.Open_exec(b.Interp[:b.Interp_len])
	if err == -uapi.ENOENT {
		return err
	}
	if err == 0 {
		fs.Fput(f)
	}
	return r
}

// set_comm names the process after the last part of its file name (Linux
// __set_task_comm(me, kbasename(bprm->filename))).
func set_comm(p *sched.Task_struct, filename []byte) {
	base := filename
	for i := len(filename) - 1; i >= 0; i-- {
		if filename[i] == '/' {
			base = filename[i+1:]
			break
		}
	}
	p.Comm = [sched.TASK_COMM_LEN]byte{}
	copy(p.Comm[:sched.TASK_COMM_LEN-1], base)
}

// Start_thread sets the registers a new program starts with (Linux
// arch/x86/kernel/process_64.c start_thread → start_thread_common):
// RIP at the entry, RSP at argc, the user segments, interrupts on, every
// general register 0 (the ABI leaves them undefined but for RDX, a
// function for atexit or 0), and no FS or GS base.
func Start_thread(regs *asm.PtRegs, ip, sp uint64) {
	*regs = asm.PtRegs{
		IP: ip, SP: sp,
		CS: asm.X__USER_CS, SS: asm.X__USER_DS,
		Flags:  asm.X86_EFLAGS_IF | asm.X86_EFLAGS_FIXED,
		Vector: asm.SYSCALL64_VECTOR,
	}
	c := sched.Get_current()
	sched.Start_thread_fsgs(c)
	sched.Flush_thread(c)
}

// Run_init_process execs filename as pid 1 and goes to user mode; it
// returns only if the exec failed, with the error (Linux
// run_init_process + the return of kernel_init into ret_from_fork).
func Run_init_process(filename []byte, argv, envp [][]byte) int {
	printk.Pr_info("Run %s as init process\n", printk.Bytes(filename))
	if r := Kernel_execve(filename, argv, envp); r != 0 {
		return r
	}
	// Leave for the program Start_thread set up.
	entry.Ret_to_user(sched.Task_pt_regs(sched.Get_current()))
	return 0 // not reached
}

// rand_state: get_random_bytes' generator. gokern has no entropy pool
// yet; AT_RANDOM gets xorshift64* output seeded from the TSC, which
// differs from boot to boot but is no secret (Linux's comes from the
// CRNG).
var rand_state uint64

func get_random_bytes(b []byte) {
	if rand_state == 0 {
		rand_state = asm.Rdtsc() | 1
	}
	for i := range b {
		if i%8 == 0 {
			rand_state ^= rand_state >> 12
			rand_state ^= rand_state << 25
			rand_state ^= rand_state >> 27
		}
		b[i] = byte((rand_state * 0x2545f4914f6cdd1d) >> (8 * (i % 8)))
	}
}

// comm_pid is traps.Current_comm: the running program's name and pid.
func comm_pid() (string, int) {
	if p := sched.Get_current(); p != nil {
		return p.Name(), int(p.Tgid)
	}
	return "swapper", 0
}

// Register_syscalls puts the process and memory system calls into the tables
// and the fault paths' hooks into traps (called once at boot, before any
// user program runs).
func Register_syscalls() {
	traps.Current_comm = comm_pid
	traps.User_addr_fault_hook = do_user_addr_fault
	traps.User_trap_hook = do_user_trap
	proc_hooks_init()
	sched.Set_max_threads(mm.Totalram_pages)
	proc_syscalls_init()
	for _, s := range syscalls_64 {
		traps.Sys_call_table[s.nr] = s.fn
	}
	for _, s := range syscalls_32 {
		traps.Ia32_sys_call_table[s.nr] = s.fn
	}
}

// STACK_RLIMIT_MIN and STACK_RLIMIT_MAX bound the stack a new program
// gets from RLIMIT_STACK: at least 128 KiB (Linux's stack_expand, what
// setup_arg_pages always maps), at most 128 MiB, which fits between
// STACK_TOP and the mmap area's fixed base (Linux would move mmap_base
// down for a larger limit, and use the legacy layout for an unlimited
// one).
const (
	STACK_RLIMIT_MIN = 128 << 10
	STACK_RLIMIT_MAX = 128 << 20
)

// stack_size is the caller's RLIMIT_STACK, page-aligned and clamped to
// [STACK_RLIMIT_MIN, STACK_RLIMIT_MAX] (8 MiB by default, as Linux's
// _STK_LIM).
func stack_size() uint64 {
	s := sched.Rlimit(uapi.RLIMIT_STACK)
	s = min(max(s, STACK_RLIMIT_MIN), STACK_RLIMIT_MAX)
	return s &^ (asm.PAGE_SIZE - 1)
}
