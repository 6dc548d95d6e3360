// Package tty is gokern's terminal layer: tty devices, their drivers,
// the N_TTY line discipline, and job control. Linux: drivers/tty/tty_io.c
// (tty_struct, tty_driver, tty_fops, tty_open, tty_read, tty_write,
// tty_poll, tty_ioctl, tty_release, /dev/tty, /dev/console),
// drivers/tty/n_tty.c (the line discipline), drivers/tty/tty_ioctl.c
// (termios), drivers/tty/tty_jobctrl.c (process groups, the controlling
// tty), drivers/tty/tty_buffer.c (the flip buffer's receive side) and
// drivers/tty/serial/serial_core.c (ttyS on the 8250). Seeds/003
// "Terminal and TTY".
//
// Characters come in through Tty_insert_flip_string from the serial
// driver's receive interrupt, which runs the line discipline at once
// (Linux 2.6's low_latency path; newer Linux defers it to a workqueue,
// and gokern has none): editing, echo, and ^C turned into SIGINT for the
// foreground process group happen in the interrupt, so they work while
// nobody reads. The reader side disables interrupts while it takes bytes
// from the discipline's buffer. SysRq never reaches the tty: the 8250
// driver recognises it first (a BREAK, then the command key, as Linux's
// uart_handle_break and uart_handle_sysrq_char), so the console's SysRq
// works whatever the line discipline does.
//
// Output is synchronous: the 8250 is written by polling, so a write
// returns when its bytes are in the UART and nothing waits for room.
package tty

import (
	"unsafe"

	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/mm"
)

// Tty_operations is struct tty_operations: the driver below the tty.
type Tty_operations struct {
	// Write sends bytes to the device and returns how many it took.
	Write func(tty *Tty_struct, b []byte) int
	// Set_termios tells the device the termios changed (speed, size).
	Set_termios func(tty *Tty_struct, old *uapi.Termios)
	// Ioctl serves the commands the tty layer does not know (Linux
	// tty_operations.ioctl); -ENOIOCTLCMD when the driver does not
	// either.
	Ioctl func(tty *Tty_struct, cmd uint32, arg uintptr) int64
}

// Tty_driver is struct tty_driver: a family of ttys (ttyS0..).
type Tty_driver struct {
	Name         string // "ttyS"
	Major        uint32
	Minor_start  uint32
	Num          uint32
	Init_termios uapi.Termios
	Ops          *Tty_operations
	Ttys         []*Tty_struct // Num slots, made on first open
}

// Tty_struct is struct tty_struct: one terminal.
type Tty_struct struct {
	Driver  *Tty_driver
	Index   int
	Count   int // opens
	Termios uapi.Termios
	Winsize uapi.Winsize
	// Pgrp is the foreground process group, Session the session whose
	// controlling terminal this is (0: none). Linux keeps struct pid
	// pointers; gokern's tasks are numbers until the scheduler comes.
	Pgrp    int
	Session int
	// Hungup: the line went away; reads return 0 and writes EIO.
	Hungup bool
	// Stopped: ^S stopped output (IXON) until ^Q.
	Stopped bool
	// Read_wait wakes readers and pollers when input can be read.
	Read_wait  sched.Wait_queue_head
	Write_wait sched.Wait_queue_head
	Ldisc      N_tty_data
	// Out collects echo output inside the interrupt before it goes to
	// the driver (Linux echo_buf, flushed by process_echoes).
	Out    [64]byte
	outLen int
}

// local_irq_save and local_irq_restore guard the reader's side of the
// line discipline against the receive interrupt. Statically the CPU's
// (asm); the host tests replace them, as CLI faults in user mode.
var (
	local_irq_save    = asm.Arch_local_irq_save
	local_irq_restore = asm.Arch_local_irq_restore
)

// Hooks are what the tty needs from tasks (Linux reads current->signal
// and struct pid): set by the scheduler and signal code. Nil: no tasks
// yet; job control checks are skipped and signals go nowhere.
var Hooks struct {
	// Current_pgrp_session returns the current task's process group and
	// session, and whether it leads the session.
	Current_pgrp_session func() (pgrp, sid int, leader bool)
	// Current_tty and Set_current_tty get and set the controlling
	// terminal of the current task's session (Linux
	// current->signal->tty).
	Current_tty     func() *Tty_struct
	Set_current_tty func(tty *Tty_struct)
	// Session_of_pgrp is the session of process group pgrp, or -1 when
	// there is no such group (Linux: session_of_pgrp, find_vpid).
	Session_of_pgrp func(pgrp int) int
	// Kill_pgrp sends sig to every task of process group pgrp (Linux
	// kill_pgrp). Called from the receive interrupt.
	Kill_pgrp func(pgrp int, sig int)
	// Is_ignored reports whether the current task ignores or blocks sig
	// (Linux is_ignored): a shell calling tcsetpgrp from the background
	// blocks SIGTTOU and must not be stopped by it.
	Is_ignored func(sig int) bool
}

// tty_std_termios: a new tty's settings (Linux tty_std_termios): canonical
// mode with echo and signals, NL→CR-NL on output, CR→NL on input, 38400
// baud, 8 bits, and Linux's control characters (INIT_C_CC).
var Tty_std_termios = uapi.Termios{
	C_iflag: uapi.ICRNL | uapi.IXON,
	C_oflag: uapi.OPOST | uapi.ONLCR,
	C_cflag: uapi.B38400 | uapi.CS8 | uapi.CREAD | uapi.HUPCL,
	C_lflag: uapi.ISIG | uapi.ICANON | uapi.ECHO | uapi.ECHOE | uapi.ECHOK | uapi.ECHOCTL | uapi.ECHOKE | uapi.IEXTEN,
	C_cc:    [uapi.NCCS]uint8{3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0},
}

// Major and minor numbers (Documentation/admin-guide/devices.txt).
const (
	TTYAUX_MAJOR = 5 // /dev/tty (0), /dev/console (1)
	TTY_MAJOR    = 4 // ttyS from minor 64
)

// tty_alloc makes a driver's tty index (Linux alloc_tty_struct).
func tty_alloc(d *Tty_driver, index int) *Tty_struct {
	p := mm.Kzalloc(uint64(unsafe.Sizeof(Tty_struct{})), mm.GFP_KERNEL)
	if p == nil {
		return nil
	}
	tty := (*Tty_struct)(p)
	tty.Driver = d
	tty.Index = index
	tty.Termios = d.Init_termios
	n_tty_open(tty)
	return tty
}

// tty_of is the tty of an open file.
func tty_of(f *fs.File) *Tty_struct { return (*Tty_struct)(unsafe.Add(nil, f.Private_data)) }

// drivers lists the registered tty drivers.
var drivers [4]*Tty_driver

// Tty_register_driver registers d and its character devices (Linux
// tty_register_driver).
func Tty_register_driver(d *Tty_driver) int {
	for i := range drivers {
		if drivers[i] == nil {
			if err := fs.Register_chrdev(d.Major, d.Minor_start, d.Num, d.Name, &tty_fops); err != 0 {
				return err
			}
			p := mm.Kzalloc(uint64(d.Num)*8, mm.GFP_KERNEL)
			if p == nil {
				fs.Unregister_chrdev(d.Major, d.Minor_start)
				return -fs.ENOMEM
			}
			d.Ttys = unsafe.Slice((**Tty_struct)(p), d.Num)
			drivers[i] = d
			return 0
		}
	}
	return -fs.EBUSY
}

// Console_driver and Console_index name the tty behind /dev/console
// (Linux: the console= choice, console_device); ttyS0 until someone says
// otherwise.
var (
	Console_driver *Tty_driver
	Console_index  int
)

// tty_lookup finds (making it if needed) the tty of a device number:
// a driver's tty, /dev/console's, or the controlling tty for /dev/tty.
func tty_lookup(dev uapi.Dev_t) (*Tty_struct, int) {
	major, minor := uapi.MAJOR(dev), uapi.MINOR(dev)
	if major == TTYAUX_MAJOR {
		switch minor {
		case 0:
			if Hooks.Current_tty == nil {
				return nil, -fs.ENXIO
			}
			if tty := Hooks.Current_tty(); tty != nil {
				return tty, 0
			}
			return nil, -fs.ENXIO
		case 1:
			if Console_driver == nil {
				return nil, -fs.ENODEV
			}
			return driver_tty(Console_driver, Console_index)
		}
		return nil, -fs.ENODEV
	}
	for _, d := range drivers {
		if d != nil && d.Major == major && minor >= d.Minor_start && minor < d.Minor_start+d.Num {
			return driver_tty(d, int(minor-d.Minor_start))
		}
	}
	return nil, -fs.ENODEV
}

func driver_tty(d *Tty_driver, index int) (*Tty_struct, int) {
	if d.Ttys[index] == nil {
		if d.Ttys[index] = tty_alloc(d, index); d.Ttys[index] == nil {
			return nil, -fs.ENOMEM
		}
	}
	return d.Ttys[index], 0
}

// tty_open opens a tty device (Linux tty_open): a session leader without
// a controlling tty that opens one without O_NOCTTY acquires it (Linux
// tty_open_proc_set_tty).
func tty_open(inode *fs.Inode, f *fs.File) int {
	tty, err := tty_lookup(inode.I_rdev)
	if err != 0 {
		return err
	}
	tty.Count++
	tty.Hungup = false
	f.Private_data = uintptr(unsafe.Pointer(tty))
	fs.Stream_open(inode, f)
	if f.F_flags&uapi.O_NOCTTY == 0 && Hooks.Current_pgrp_session != nil && Hooks.Current_tty != nil && Hooks.Set_current_tty != nil {
		if pgrp, sid, leader := Hooks.Current_pgrp_session(); leader && Hooks.Current_tty() == nil && tty.Session == 0 {
			tty.Session, tty.Pgrp = sid, pgrp
			Hooks.Set_current_tty(tty)
		}
	}
	return 0
}

// tty_release closes one open (Linux tty_release); the last resets the
// session it belonged to.
func tty_release(inode *fs.Inode, f *fs.File) int {
	tty := tty_of(f)
	if tty == nil {
		return 0
	}
	tty.Count--
	f.Private_data = 0
	return 0
}

// tty_read reads through the line discipline (Linux tty_read).
func tty_read(f *fs.File, to *fs.Iov_iter, pos *int64) int64 {
	tty := tty_of(f)
	if err := tty_check_change(tty, uapi.SIGTTIN); err != 0 {
		return int64(err)
	}
	return n_tty_read(tty, f, to)
}

// tty_write writes through the line discipline (Linux tty_write).
func tty_write(f *fs.File, from *fs.Iov_iter, pos *int64) int64 {
	tty := tty_of(f)
	if tty.Hungup {
		return -fs.EIO
	}
	if tty.Termios.C_lflag&uapi.TOSTOP != 0 {
		if err := tty_check_change(tty, uapi.SIGTTOU); err != 0 {
			return int64(err)
		}
	}
	return n_tty_write(tty, from, f.F_flags&uapi.O_NONBLOCK != 0)
}

// tty_poll reports readiness (Linux tty_poll → n_tty_poll).
func tty_poll(f *fs.File, pt *fs.Poll_table) uint32 {
	tty := tty_of(f)
	fs.Poll_wait(f, &tty.Read_wait, pt)
	fs.Poll_wait(f, &tty.Write_wait, pt)
	mask := uint32(uapi.POLLOUT | uapi.POLLWRNORM)
	flags := local_irq_save()
	if input_available(tty) {
		mask |= uapi.POLLIN | uapi.POLLRDNORM
	}
	local_irq_restore(flags)
	if tty.Hungup {
		mask |= uapi.POLLHUP
	}
	return mask
}

// tty_fops is every tty device's file operations (Linux tty_fops).
var tty_fops = fs.FileOperations{
	Open:           tty_open,
	Read:           tty_read,
	Write:          tty_write,
	Poll:           tty_poll,
	Unlocked_ioctl: tty_ioctl,
	Release:        tty_release,
	Llseek:         fs.Noop_llseek,
}

// Tty_init registers /dev/tty and /dev/console (Linux tty_init), opened
// as the tty each stands for (tty_lookup).
func Tty_init() int {
	return fs.Register_chrdev(TTYAUX_MAJOR, 0, 2, "/dev/tty", &tty_fops)
}

// Tty_hangup hangs the line up (Linux tty_hangup, simplified): readers
// see EOF, writers EIO, the session loses its terminal.
func Tty_hangup(tty *Tty_struct) {
	tty.Hungup = true
	if tty.Session != 0 && Hooks.Kill_pgrp != nil && tty.Pgrp != 0 {
		Hooks.Kill_pgrp(tty.Pgrp, uapi.SIGHUP)
	}
	sched.Wake_up_interruptible(&tty.Read_wait)
	sched.Wake_up_interruptible(&tty.Write_wait)
}
