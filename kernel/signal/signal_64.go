package signal

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/printk"
	"gokern/traps"
)

// The x86-64 signal frame: what a handler is called with and how
// rt_sigreturn comes back from it. Linux: arch/x86/kernel/signal.c
// (get_sigframe, handle_signal, arch_do_signal_or_restart), signal_64.c
// (x86_64_setup_rt_frame, rt_sigreturn, restore_sigcontext),
// arch/x86/kernel/fpu/signal.c (copy_fpstate_to_sigframe,
// fpu__restore_sig), arch/x86/include/asm/sigframe.h (struct
// rt_sigframe).
//
// On the user stack, from the handler's RSP up:
//
//	rt_sigframe: pretcode (the restorer: the handler's return address)
//	             struct ucontext (uc_flags, uc_link, uc_stack,
//	                              uc_mcontext = struct sigcontext,
//	                              uc_sigmask)
//	             struct siginfo
//	(padding to 64)
//	the FPU state, 512 bytes in FXSAVE format; sigcontext.fpstate points here
//
// The handler's RSP+8 is 16-byte aligned, as after a call. RDI is the
// signal, RSI &frame.info, RDX &frame.uc, RAX 0. Its RET pops pretcode
// and enters the restorer (libc's __restore_rt: mov $15, %eax; syscall),
// so rt_sigreturn finds the frame at RSP-8.
//
// The FPU state: gokern's entry code saves the user's XMM0-15 on the
// kernel stack just below pt_regs (arch/amd64/entry SAVE_XMM), because the
// kernel's Go code uses them; the x87 state and MXCSR stay live in the CPU
// (the context switch saves them with FXSAVE). So the frame's FXSAVE image
// is the CPU's FXSAVE with the XMM part taken from that save area, and
// rt_sigreturn does the reverse. No XSAVE: the frame has no extended state
// and uc_flags no UC_FP_XSTATE, as Linux on a CPU with only FXSR.

// Rt_sigframe is struct rt_sigframe (64-bit).
type Rt_sigframe struct {
	Pretcode uint64
	Uc       uapi.Ucontext
	Info     uapi.Siginfo
}

// FIX_EFLAGS: the RFLAGS bits a handler may change through its sigcontext
// (Linux FIX_EFLAGS); IF, IOPL and the others stay the kernel's choice.
const FIX_EFLAGS = asm.X86_EFLAGS_AC | asm.X86_EFLAGS_OF | asm.X86_EFLAGS_DF | asm.X86_EFLAGS_TF | asm.X86_EFLAGS_SF |
	asm.X86_EFLAGS_ZF | asm.X86_EFLAGS_AF | asm.X86_EFLAGS_PF | asm.X86_EFLAGS_CF | asm.X86_EFLAGS_RF

// XMM_SAVE_SIZE: the entry code's save of XMM0-15, right below pt_regs.
const XMM_SAVE_SIZE = 256

// user_xmm is the interrupted user code's XMM0-15 as the entry code saved
// them (the FXSAVE layout of the XMM part: 16 bytes each, in order).
func user_xmm(regs *asm.PtRegs) *[XMM_SAVE_SIZE]byte {
	return (*[XMM_SAVE_SIZE]byte)(unsafe.Add(unsafe.Pointer(regs), -XMM_SAVE_SIZE))
}

// fxsave_buf is an FXSAVE image on the stack, 16-byte aligned inside.
type fxsave_buf struct {
	b [asm.FXSAVE_SIZE + 16]byte
}

func (f *fxsave_buf) area() *[asm.FXSAVE_SIZE]byte {
	return (*[asm.FXSAVE_SIZE]byte)(asm.KernelPtr((addr_of(&f.b[0]) + 15) &^ 15))
}

// fxsave_sw_reserved: the last 48 bytes of the FXSAVE image, which the CPU
// leaves to software; Linux puts its XSAVE magic there (fx_sw_bytes),
// none without XSAVE.
const fxsave_sw_reserved = 464

// mxcsr_feature_mask: the MXCSR bits this CPU accepts (Linux
// mxcsr_feature_mask, from FXSAVE's MXCSR_MASK field; 0 there means the
// default 0xffbf). A restored MXCSR with another bit would make FXRSTOR
// fault.
var mxcsr_feature_mask uint32

func mxcsr_mask() uint32 {
	if mxcsr_feature_mask == 0 {
		var f fxsave_buf
		a := f.area()
		asm.Fxsave64(addr_of(&a[0]))
		m := uint32(a[28]) | uint32(a[29])<<8 | uint32(a[30])<<16 | uint32(a[31])<<24
		if m == 0 {
			m = 0xffbf
		}
		mxcsr_feature_mask = m
	}
	return mxcsr_feature_mask
}

// copy_fpstate_to_sigframe writes the user's FPU state at buf_fx (Linux
// copy_fpstate_to_sigframe, FXSR case).
func copy_fpstate_to_sigframe(buf_fx uint64, regs *asm.PtRegs) bool {
	var f fxsave_buf
	a := f.area()
	asm.Fxsave64(addr_of(&a[0]))
	copy(a[asm.FXSAVE_XMM0:asm.FXSAVE_XMM0+XMM_SAVE_SIZE], user_xmm(regs)[:])
	clear(a[fxsave_sw_reserved:])
	return asm.Copy_to_user(uintptr(buf_fx), addr_of(&a[0]), asm.FXSAVE_SIZE) == 0
}

// fpu__clear_user_states gives the handler a clean FPU (Linux
// fpu__clear_user_states: init_fpstate, so MXCSR 0x1f80 and every
// register zero).
func fpu__clear_user_states(regs *asm.PtRegs) {
	var f fxsave_buf
	a := f.area()
	*a = sched.Init_fpstate
	asm.Fxrstor64(addr_of(&a[0]))
	clear(user_xmm(regs)[:])
}

// fpu__restore_sig loads the FPU state rt_sigreturn found at buf (Linux
// fpu__restore_sig): none (0) resets it; otherwise buf must be 16-byte
// aligned user memory, and MXCSR is cut to the bits the CPU accepts.
func fpu__restore_sig(buf uint64, regs *asm.PtRegs) bool {
	if buf == 0 {
		fpu__clear_user_states(regs)
		return true
	}
	if buf&15 != 0 {
		return false
	}
	var f fxsave_buf
	a := f.area()
	if asm.Copy_from_user(addr_of(&a[0]), uintptr(buf), asm.FXSAVE_SIZE) != 0 {
		return false
	}
	m := mxcsr_mask()
	a[24] &= byte(m)
	a[25] &= byte(m >> 8)
	a[26] &= byte(m >> 16)
	a[27] &= byte(m >> 24)
	asm.Fxrstor64(addr_of(&a[0]))
	copy(user_xmm(regs)[:], a[asm.FXSAVE_XMM0:asm.FXSAVE_XMM0+XMM_SAVE_SIZE])
	return true
}

// syscall_get_nr: the system call regs entered with, or -1 when they are
// an exception's or an interrupt's, or rt_sigreturn made them
// not a system call's any more (Linux syscall_get_nr: orig_ax).
func syscall_get_nr(regs *asm.PtRegs) int64 {
	if regs.Vector == asm.SYSCALL64_VECTOR || regs.Vector == asm.IA32_SYSCALL_VECTOR {
		return int64(regs.Orig_ax)
	}
	return -1
}

// sigmask_to_save: the mask the frame records, the one from before
// rt_sigsuspend if that is what was interrupted (Linux sigmask_to_save).
func sigmask_to_save(t *sched.Task_struct) uapi.Sigset_t {
	if t.Restore_sigmask {
		return t.Saved_sigmask
	}
	return t.Blocked
}

// Frame_size: the rt_sigframe and the FPU state with their alignment, at
// most, for tests and the docs.
const Frame_size = unsafe.Sizeof(Rt_sigframe{})

// get_sigframe picks where the frame goes (Linux get_sigframe): below the
// user's red zone (128 bytes), or at the top of the alternate stack for
// an SA_ONSTACK handler not already on it. It returns the frame and the
// FPU state's address, or ok false when the frame would overflow the
// alternate stack.
func get_sigframe(t *sched.Task_struct, ka *uapi.Sigaction, regs *asm.PtRegs) (frame, fpstate uint64, ok bool) {
	sp := regs.SP - 128
	nested := on_sig_stack(t, sp)
	entering := false
	if ka.Sa_flags&uapi.SA_ONSTACK != 0 && sas_ss_flags(t, sp) == 0 {
		sp = t.Sas_ss_sp + t.Sas_ss_size
		entering = true
	}
	sp -= asm.FXSAVE_SIZE
	sp &^= 63
	fpstate = sp
	sp -= uint64(Frame_size)
	sp = sp&^15 - 8
	if (nested || entering) && !(sp > t.Sas_ss_sp && sp-t.Sas_ss_sp <= t.Sas_ss_size) {
		return 0, 0, false
	}
	return sp, fpstate, true
}

// setup_rt_frame builds the frame for ksig on the user stack and points
// regs at the handler (Linux x86_64_setup_rt_frame). false: the frame
// could not be written (a bad stack, no restorer).
func setup_rt_frame(ksig *Ksignal, regs *asm.PtRegs) bool {
	t := sched.Get_current()
	ka := &ksig.Ka.Sa
	if ka.Sa_flags&uapi.SA_RESTORER == 0 {
		// x86-64 has no vDSO restorer: a handler without one has
		// nowhere to return (Linux: -EFAULT, so SIGSEGV).
		return false
	}
	frame, fpstate, ok := get_sigframe(t, ka, regs)
	if !ok || !copy_fpstate_to_sigframe(fpstate, regs) {
		return false
	}
	var f Rt_sigframe
	f.Pretcode = ka.Sa_restorer
	f.Uc.Uc_flags = uapi.UC_SIGCONTEXT_SS | uapi.UC_STRICT_RESTORE_SS
	f.Uc.Uc_stack = uapi.Stack_t{Ss_sp: t.Sas_ss_sp, Ss_flags: sas_ss_flags(t, regs.SP), Ss_size: t.Sas_ss_size}
	if t.Sas_ss_flags&uapi.SS_AUTODISARM != 0 {
		t.Sas_ss_sp, t.Sas_ss_size = 0, 0 // Linux sas_ss_reset
	}
	set := sigmask_to_save(t)
	setup_sigcontext(&f.Uc.Uc_mcontext, fpstate, regs, t, set)
	f.Uc.Uc_sigmask = set
	if ka.Sa_flags&uapi.SA_SIGINFO != 0 {
		f.Info.Si_signo, f.Info.Si_errno, f.Info.Si_code = ksig.Info.Si_signo, ksig.Info.Si_errno, ksig.Info.Si_code
		copy(f.Info.Fields[:], ksig.Info.Fields[:])
	}
	if !copy_out(frame, &f) {
		return false
	}
	regs.DI = uint64(ksig.Sig)
	regs.AX = 0
	regs.SI = frame + uint64(unsafe.Offsetof(f.Info))
	regs.DX = frame + uint64(unsafe.Offsetof(f.Uc))
	regs.IP = ka.Sa_handler
	regs.SP = frame
	regs.CS, regs.SS = asm.X__USER_CS, asm.X__USER_DS
	return true
}

// setup_sigcontext records the interrupted registers (Linux
// setup_sigcontext), with the last trap's number, error code and CR2.
func setup_sigcontext(sc *uapi.Sigcontext, fpstate uint64, regs *asm.PtRegs, t *sched.Task_struct, mask uapi.Sigset_t) {
	*sc = uapi.Sigcontext{
		Di: regs.DI, Si: regs.SI, Bp: regs.BP, Sp: regs.SP, Bx: regs.BX, Dx: regs.DX, Cx: regs.CX, Ax: regs.AX,
		R8: regs.R8, R9: regs.R9, R10: regs.R10, R11: regs.R11, R12: regs.R12, R13: regs.R13, R14: regs.R14, R15: regs.R15,
		Trapno: t.Trap_nr, Err: t.Error_code, Ip: regs.IP, Flags: regs.Flags,
		Cs: uint16(regs.CS), Ss: uint16(regs.SS),
		Fpstate: fpstate, Oldmask: uint64(mask), Cr2: t.Cr2,
	}
}

// restore_sigcontext loads the registers back (Linux restore_sigcontext):
// the flags only in FIX_EFLAGS, orig_ax -1 so that no restart logic
// touches them, CS and SS with RPL 3 forced and nothing else checked, as
// Linux: a selector the CPU refuses (past the GDT, a kernel or a system
// descriptor, not present) or a non-canonical RIP makes the IRETQ back to
// user mode fault, and the entry code's bad-IRET fixup (arch/amd64/entry
// error_entry, fixup_bad_iret) turns that fault into the program's
// SIGSEGV or SIGBUS, with the trap number and error code of the fault in
// its sigcontext, as Linux's tools/testing/selftests/x86/sigreturn.c
// expects. A frame without UC_STRICT_RESTORE_SS going back to 64-bit code
// gets the user's SS (Linux force_valid_ss, for old programs that left
// garbage there: with no LDT, __USER_DS is the one valid stack segment a
// program has).
func restore_sigcontext(regs *asm.PtRegs, sc *uapi.Sigcontext, uc_flags uint64) bool {
	regs.DI, regs.SI, regs.BP, regs.SP, regs.BX, regs.DX, regs.CX, regs.AX = sc.Di, sc.Si, sc.Bp, sc.Sp, sc.Bx, sc.Dx, sc.Cx, sc.Ax
	regs.R8, regs.R9, regs.R10, regs.R11, regs.R12, regs.R13, regs.R14, regs.R15 = sc.R8, sc.R9, sc.R10, sc.R11, sc.R12, sc.R13, sc.R14, sc.R15
	regs.IP = sc.Ip
	regs.Flags = regs.Flags&^FIX_EFLAGS | sc.Flags&FIX_EFLAGS
	regs.Orig_ax = ^uint64(0)
	regs.CS, regs.SS = uint64(sc.Cs)|3, uint64(sc.Ss)|3
	if uc_flags&uapi.UC_STRICT_RESTORE_SS == 0 && regs.CS == asm.X__USER_CS {
		regs.SS = asm.X__USER_DS
	}
	return fpu__restore_sig(sc.Fpstate, regs)
}

// Sigreturn_count counts rt_sigreturns that restored a frame, Bad_frame_count those
// that found a bad one.
var Sigreturn_count, Bad_frame_count uint64

// sys_rt_sigreturn: the restorer's system call, with the frame at RSP-8
// (the handler's RET popped pretcode). Every register, the mask, the FPU
// state and the alternate stack come back from the frame; RAX is returned
// as it was, so the interrupted code sees its own. A frame that cannot be
// read or restored is a bad frame: SIGSEGV.
func sys_rt_sigreturn(regs *asm.PtRegs) int64 {
	t := sched.Get_current()
	frame := regs.SP - 8
	var f Rt_sigframe
	if !copy_in(&f, frame) {
		return signal_fault(regs, frame, "rt_sigreturn")
	}
	// A handler ran: whatever the interrupted call left to restart is
	// stale (Linux: restart_block.fn = do_no_restart_syscall).
	t.Restart_block.Fn = nil
	set_current_blocked(t, f.Uc.Uc_sigmask)
	if !restore_sigcontext(regs, &f.Uc.Uc_mcontext, f.Uc.Uc_flags) {
		return signal_fault(regs, frame, "rt_sigreturn")
	}
	// restore_altstack: errors other than a fault are squashed, as Linux's.
	Do_sigaltstack(&f.Uc.Uc_stack, nil, regs.SP)
	Sigreturn_count++
	return int64(regs.AX)
}

// signal_fault reports a bad frame and sends SIGSEGV (Linux signal_fault:
// "init[1] bad frame in rt_sigreturn frame:... ip:... sp:... orax:...").
func signal_fault(regs *asm.PtRegs, frame uint64, where string) int64 {
	Bad_frame_count++
	comm, pid := "?", 0
	if traps.Current_comm != nil {
		comm, pid = traps.Current_comm()
	}
	printk.Pr_info("%s[%d] bad frame in %s frame:%016x ip:%x sp:%x orax:%x\n", printk.Str(comm), printk.Int(pid),
		printk.Str(where), printk.Int(frame), printk.Int(regs.IP), printk.Int(regs.SP), printk.Int(regs.Orig_ax))
	Force_sig(uapi.SIGSEGV)
	return 0
}

// handle_signal sets up the handler for ksig (Linux handle_signal): first
// what the interrupted system call becomes — -EINTR, or a restart
// (RIP back over the 2-byte SYSCALL or INT $0x80, RAX the number again)
// for -ERESTARTSYS with SA_RESTART and for -ERESTARTNOINTR — then the
// frame, then the mask the handler runs with.
func handle_signal(ksig *Ksignal, regs *asm.PtRegs) {
	if syscall_get_nr(regs) >= 0 {
		switch int64(regs.AX) {
		case -uapi.ERESTART_RESTARTBLOCK, -uapi.ERESTARTNOHAND:
			regs.AX = eintr
		case -uapi.ERESTARTSYS:
			if ksig.Ka.Sa.Sa_flags&uapi.SA_RESTART == 0 {
				regs.AX = eintr
				break
			}
			fallthrough
		case -uapi.ERESTARTNOINTR:
			regs.AX = regs.Orig_ax
			regs.IP -= 2
			Restart_count++
		}
	}
	if !setup_rt_frame(ksig, regs) {
		force_sigsegv(ksig.Sig)
		return
	}
	// The handler starts with the direction flag clear (the ABI) and no
	// single step of the kernel's making — cleared after the frame is
	// written, as Linux's handle_signal does, so that the sigcontext
	// keeps the interrupted code's flags: a signal in the middle of a
	// backward REP MOVSQ (STD; memmove of overlapping bytes) must let it
	// go on backward after rt_sigreturn, not forward past its end.
	regs.Flags &^= asm.X86_EFLAGS_DF | asm.X86_EFLAGS_RF | asm.X86_EFLAGS_TF
	fpu__clear_user_states(regs)
	signal_delivered(ksig)
}

// eintr is -EINTR as a register holds it.
const eintr = ^uint64(uapi.EINTR - 1)

// Restart_count counts system calls a signal restarted.
var Restart_count uint64

// signal_delivered blocks the handler's sa_mask, and the signal itself
// unless SA_NODEFER, for the handler's run (Linux signal_delivered); the
// frame holds the mask to go back to.
func signal_delivered(ksig *Ksignal) {
	t := sched.Get_current()
	blocked := t.Blocked | ksig.Ka.Sa.Sa_mask
	if ksig.Ka.Sa.Sa_flags&uapi.SA_NODEFER == 0 {
		blocked |= sigmask(ksig.Sig)
	}
	t.Restore_sigmask = false
	set_current_blocked(t, blocked)
	Delivered_count++
}

// force_sigsegv: the frame could not be built; SIGSEGV, which kills when
// it is SIGSEGV's own frame that failed (Linux force_sigsegv).
func force_sigsegv(sig int) {
	t := sched.Get_current()
	if sig == uapi.SIGSEGV {
		sh, flags := lock_task_sighand(t)
		sh.Action[uapi.SIGSEGV-1].Sa.Sa_handler = uapi.SIG_DFL
		unlock_task_sighand(sh, flags)
	}
	Force_sig(uapi.SIGSEGV)
}

// restore_saved_sigmask puts back the mask rt_sigsuspend replaced, when no
// handler's frame took it (Linux restore_saved_sigmask).
func restore_saved_sigmask(t *sched.Task_struct) {
	if t.Restore_sigmask {
		t.Restore_sigmask = false
		set_current_blocked(t, t.Saved_sigmask)
	}
}

// arch_do_signal_or_restart: a signal's handler, or its default action; with
// none, an interrupted system call is restarted (Linux
// arch_do_signal_or_restart): the same call again, or, for
// -ERESTART_RESTARTBLOCK, restart_syscall, which goes on from the task's
// Restart_block.
func arch_do_signal_or_restart(regs *asm.PtRegs) {
	var ksig Ksignal
	if Get_signal(&ksig) {
		handle_signal(&ksig, regs)
		return
	}
	if syscall_get_nr(regs) >= 0 {
		switch int64(regs.AX) {
		case -uapi.ERESTARTNOHAND, -uapi.ERESTARTSYS, -uapi.ERESTARTNOINTR:
			regs.AX = regs.Orig_ax
			regs.IP -= 2
			Restart_count++
		case -uapi.ERESTART_RESTARTBLOCK:
			regs.AX = X__NR_restart_syscall
			if regs.Vector == asm.IA32_SYSCALL_VECTOR {
				regs.AX = X__NR_ia32_restart_syscall
			}
			regs.IP -= 2
			Restart_count++
		}
	}
	restore_saved_sigmask(sched.Get_current())
}
