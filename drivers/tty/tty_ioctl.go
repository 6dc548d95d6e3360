package tty

import (
	"gokern/include/compiler"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
)

// The tty ioctls. Linux: drivers/tty/tty_io.c (tty_ioctl, tiocswinsz,
// tiocsti), drivers/tty/tty_ioctl.c (tty_mode_ioctl: TCGETS, TCSETS,
// TCSETSW, TCSETSF, TCFLSH; set_termios), drivers/tty/tty_jobctrl.c
// (tiocsctty, tiocgpgrp, tiocspgrp, tiocgsid, tty_check_change), and
// n_tty_ioctl (FIONREAD, TIOCOUTQ).

// Tty_set_termios installs new settings (Linux tty_set_termios).
func Tty_set_termios(tty *Tty_struct, t *uapi.Termios) {
	flags := local_irq_save()
	old := tty.Termios
	tty.Termios = *t
	n_tty_set_termios(tty, &old)
	local_irq_restore(flags)
	if tty.Driver.Ops.Set_termios != nil {
		tty.Driver.Ops.Set_termios(tty, compiler.Noescape(&old))
	}
	if input_available(tty) {
		sched.Wake_up_interruptible(&tty.Read_wait)
	}
}

// tty_check_change refuses a background process group the terminal
// (Linux tty_check_change): it gets sig (SIGTTIN for reads, SIGTTOU for
// writes with TOSTOP) and the call restarts when it is in the
// foreground. Without tasks every caller is in the foreground.
func tty_check_change(tty *Tty_struct, sig int) int {
	if Hooks.Current_pgrp_session == nil || Hooks.Current_tty == nil || Hooks.Current_tty() != tty || tty.Pgrp == 0 {
		return 0
	}
	pgrp, _, _ := Hooks.Current_pgrp_session()
	if pgrp == tty.Pgrp {
		return 0
	}
	if Hooks.Is_ignored != nil && Hooks.Is_ignored(sig) {
		// Linux: a read gets EIO, a write or a termios change goes on.
		if sig == uapi.SIGTTIN {
			return -fs.EIO
		}
		return 0
	}
	if Hooks.Kill_pgrp != nil {
		Hooks.Kill_pgrp(pgrp, sig)
	}
	return -fs.ERESTARTSYS
}

// is_current_tty: tty is the caller's controlling terminal (true when
// there are no tasks to ask).
func is_current_tty(tty *Tty_struct) bool {
	return Hooks.Current_tty == nil || Hooks.Current_tty() == tty
}

// tty_ioctl is ioctl(2) on a tty (Linux tty_ioctl). arg is a user
// address for the commands that take a structure or an int.
func tty_ioctl(f *fs.File, cmd uint32, arg uintptr) int64 {
	tty := tty_of(f)
	switch cmd {
	case uapi.TCGETS:
		t := tty.Termios
		return int64(fs.CopyObjToUser(arg, unsafe.Pointer(&t), unsafe.Sizeof(t)))
	case uapi.TCSETS, uapi.TCSETSW, uapi.TCSETSF:
		if err := tty_check_change(tty, uapi.SIGTTOU); err != 0 {
			return int64(err)
		}
		var t uapi.Termios
		if err := fs.CopyObjFromUser(unsafe.Pointer(&t), arg, unsafe.Sizeof(t)); err != 0 {
			return int64(err)
		}
		// TCSETSW and TCSETSF wait for output to drain: it is
		// written synchronously, so it has. TCSETSF also flushes
		// input.
		if cmd == uapi.TCSETSF {
			flags := local_irq_save()
			n_tty_flush_input(tty)
			local_irq_restore(flags)
		}
		Tty_set_termios(tty, &t)
		return 0
	case uapi.TCFLSH:
		switch arg {
		case uapi.TCIFLUSH, uapi.TCIOFLUSH:
			flags := local_irq_save()
			n_tty_flush_input(tty)
			local_irq_restore(flags)
		case uapi.TCOFLUSH:
		default:
			return -fs.EINVAL
		}
		return 0
	case uapi.TIOCGWINSZ:
		ws := tty.Winsize
		return int64(fs.CopyObjToUser(arg, unsafe.Pointer(&ws), unsafe.Sizeof(ws)))
	case uapi.TIOCSWINSZ:
		var ws uapi.Winsize
		if err := fs.CopyObjFromUser(unsafe.Pointer(&ws), arg, unsafe.Sizeof(ws)); err != 0 {
			return int64(err)
		}
		if ws != tty.Winsize {
			tty.Winsize = ws
			if tty.Pgrp != 0 && Hooks.Kill_pgrp != nil {
				Hooks.Kill_pgrp(tty.Pgrp, uapi.SIGWINCH)
			}
		}
		return 0
	case uapi.FIONREAD:
		flags := local_irq_save()
		n := int32(inq(tty))
		local_irq_restore(flags)
		return int64(fs.CopyObjToUser(arg, unsafe.Pointer(&n), 4))
	case uapi.TIOCOUTQ:
		var n int32 // output is synchronous: nothing waits
		return int64(fs.CopyObjToUser(arg, unsafe.Pointer(&n), 4))
	case uapi.TIOCGPGRP:
		if !is_current_tty(tty) {
			return -fs.ENOTTY
		}
		pg := int32(tty.Pgrp)
		return int64(fs.CopyObjToUser(arg, unsafe.Pointer(&pg), 4))
	case uapi.TIOCSPGRP:
		return tiocspgrp(tty, arg)
	case uapi.TIOCGSID:
		if !is_current_tty(tty) || tty.Session == 0 {
			return -fs.ENOTTY
		}
		sid := int32(tty.Session)
		return int64(fs.CopyObjToUser(arg, unsafe.Pointer(&sid), 4))
	case uapi.TIOCSCTTY:
		return tiocsctty(tty, f)
	case uapi.TIOCNOTTY:
		if !is_current_tty(tty) || Hooks.Set_current_tty == nil {
			return -fs.ENOTTY
		}
		Hooks.Set_current_tty(nil)
		return 0
	}
	// The driver's own (Linux tty_ioctl → tty->ops->ioctl); a command
	// nobody knows is -ENOTTY.
	if op := tty.Driver.Ops.Ioctl; op != nil {
		if r := op(tty, cmd, arg); r != -ENOIOCTLCMD {
			return r
		}
	}
	return -fs.ENOTTY
}

// ENOIOCTLCMD: a driver's "not mine" (Linux include/linux/errno.h; never
// reaches user space).
const ENOIOCTLCMD = 515

// tiocspgrp makes process group *arg the foreground (Linux tiocspgrp):
// only on the caller's controlling tty, to a group of its session.
func tiocspgrp(tty *Tty_struct, arg uintptr) int64 {
	if err := tty_check_change(tty, uapi.SIGTTOU); err != 0 {
		return int64(err)
	}
	var pg int32
	if err := fs.CopyObjFromUser(unsafe.Pointer(&pg), arg, 4); err != 0 {
		return int64(err)
	}
	if pg < 0 {
		return -fs.EINVAL
	}
	if Hooks.Current_tty != nil {
		if Hooks.Current_tty() != tty || tty.Session == 0 {
			return -fs.ENOTTY
		}
		if Hooks.Session_of_pgrp != nil {
			sid := Hooks.Session_of_pgrp(int(pg))
			if sid < 0 {
				return -uapi.ESRCH
			}
			if sid != tty.Session {
				return -fs.EPERM
			}
		}
	}
	tty.Pgrp = int(pg)
	return 0
}

// tiocsctty makes tty the controlling terminal of the caller's session
// (Linux tiocsctty): the caller must lead a session that has none, and
// the tty must belong to no other session.
func tiocsctty(tty *Tty_struct, f *fs.File) int64 {
	if Hooks.Current_pgrp_session == nil || Hooks.Current_tty == nil || Hooks.Set_current_tty == nil {
		return -fs.EPERM
	}
	pgrp, sid, leader := Hooks.Current_pgrp_session()
	if Hooks.Current_tty() == tty && tty.Session == sid {
		return 0
	}
	if !leader || Hooks.Current_tty() != nil {
		return -fs.EPERM
	}
	if tty.Session != 0 && tty.Session != sid {
		return -fs.EPERM
	}
	tty.Session, tty.Pgrp = sid, pgrp
	Hooks.Set_current_tty(tty)
	return 0
}
