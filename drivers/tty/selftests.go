package tty

import (
	"gokern/drivers/serial8250"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
	"gokern/kunit"
	"gokern/printk"
)

// Test_fs_tty (selftest fs_tty): /dev/console is ttyS0 with N_TTY. The
// receive interrupt is simulated (Uart_insert_char, which the 8250's
// receive handler calls): a typed line with erases reads back edited,
// its echo goes out on the real UART (the boot test finds it in the
// serial output), ^C reaches the foreground group through Kill_pgrp, ^D
// on an empty line reads as end of file.
func Test_fs_tty(t *kunit.Kunit) {
	fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte("/dev/console"), uapi.O_RDWR|uapi.O_NONBLOCK|uapi.O_NOCTTY, 0)
	if fd < 0 {
		t.Errorf("open /dev/console: %d", printk.Int(fd))
		return
	}
	tty := Console_tty()
	saved := tty.Termios
	Tty_set_termios(tty, &Tty_std_termios)
	n_tty_flush_input(tty)
	typed := "echo gokern ttx\x7fy\n"
	for i := 0; i < len(typed); i++ {
		Uart_insert_char(0, typed[i], serial8250.TTY_NORMAL)
	}
	var buf [64]byte
	it := fs.Iov_iter_kvec(buf[:])
	if n := fs.Ksys_read(fd, &it); n != 16 || string(buf[:16]) != "echo gokern tty\n" {
		t.Errorf("read %d %s", printk.Int(n), printk.Bytes(buf[:max(n, 0)]))
	}
	pg := tty.Pgrp
	tty.Pgrp = 1
	kill := Hooks.Kill_pgrp
	st_sig = 0
	Hooks.Kill_pgrp = st_kill_pgrp
	Uart_insert_char(0, 'x', serial8250.TTY_NORMAL)
	Uart_insert_char(0, 3, serial8250.TTY_NORMAL)
	Hooks.Kill_pgrp, tty.Pgrp = kill, pg
	if st_sig != uapi.SIGINT {
		t.Errorf("^C sent signal %d, want SIGINT", printk.Int(st_sig))
	}
	Uart_insert_char(0, 4, serial8250.TTY_NORMAL)
	it = fs.Iov_iter_kvec(buf[:])
	if n := fs.Ksys_read(fd, &it); n != 0 {
		t.Errorf("^D on an empty line: %d, want 0 (EOF)", printk.Int(n))
	}
	Uart_insert_char(0, '\n', serial8250.TTY_NORMAL) // the echo ends its line on the console
	it = fs.Iov_iter_kvec(buf[:])
	fs.Ksys_read(fd, &it)
	Tty_set_termios(tty, &saved)
	fs.Ksys_close(fd)
}

// st_sig records the signal st_kill_pgrp was given (a top-level function:
// a closure stored in Hooks would be a Go heap object).
var st_sig int

func st_kill_pgrp(pgrp, sig int) { st_sig = sig }

// What the host types for Test_tty_read: first TtyReadAhead bytes of
// 'a'..'z' over and over, more than the line discipline keeps, and a
// carriage return; then TtyReadLine and a carriage return.
const (
	TtyReadAhead = N_TTY_BUF_SIZE + 100
	TtyReadLine  = "hello from the host"
)

// tty_read_buf receives the lines (too big for a kernel stack).
var tty_read_buf [N_TTY_BUF_SIZE + 64]byte

// Test_tty_read (selftest tty_read, explicit: the host must type): the
// 8250's receive interrupt feeds ttyS0's line discipline, and a reader of
// /dev/console (ttyS0) gets what was typed. First a line typed ahead while nobody
// reads: it waits in the N_TTY buffer, cut at N_TTY_BUF_SIZE-1 bytes and
// its newline as Linux's canonical mode keeps it. Then a blocking read
// that the typed line wakes; a SysRq key typed before it (BREAK, then
// 't') must not be part of the line. The boot test types and checks the
// echo on the console (internal/boottest TestTtyInput).
func Test_tty_read(t *kunit.Kunit) {
	fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte("/dev/console"), uapi.O_RDWR|uapi.O_NOCTTY, 0)
	if fd < 0 {
		t.Errorf("open /dev/console: %d", printk.Int(fd))
		return
	}
	ttyReadLines(t, fd)
	fs.Ksys_close(fd)
}

func ttyReadLines(t *kunit.Kunit, fd int) {
	tty := Console_tty()
	t.Logf("type a line ahead: nobody reads yet")
	waited := 0
	for ; waited < 60000 && !tty_line_ready(tty); waited += 10 {
		sched.Msleep(10)
	}
	flags := local_irq_save()
	pending := inq(tty)
	local_irq_restore(flags)
	t.Logf("%d bytes waited in the line discipline before the first read (after %d ms)", printk.Int(pending), printk.Int(waited))
	if pending != N_TTY_BUF_SIZE {
		t.Errorf("%d bytes typed ahead were kept, want %d (N_TTY_BUF_SIZE-1 and the newline)", printk.Int(pending), printk.Int(N_TTY_BUF_SIZE))
		if pending == 0 {
			return // nothing came: a read would wait for good
		}
	}
	it := fs.Iov_iter_kvec(tty_read_buf[:])
	n := fs.Ksys_read(fd, &it)
	if n != N_TTY_BUF_SIZE || tty_read_buf[n-1] != '\n' {
		t.Errorf("read %d bytes of the typed-ahead line, want %d ending in a newline", printk.Int(n), printk.Int(N_TTY_BUF_SIZE))
	}
	for i := 0; i < int(min(n, N_TTY_BUF_SIZE-1)); i++ {
		if want := byte('a' + i%26); tty_read_buf[i] != want {
			t.Errorf("typed-ahead byte %d is %#x, want %#x", printk.Int(i), printk.Int(tty_read_buf[i]), printk.Int(want))
			break
		}
	}
	t.Logf("reading: type a line")
	it = fs.Iov_iter_kvec(tty_read_buf[:])
	n = fs.Ksys_read(fd, &it)
	t.Logf("read %d bytes: %s", printk.Int(n), printk.Escaped(tty_read_buf[:max(n, 0)]))
	if string(tty_read_buf[:max(n, 0)]) != TtyReadLine+"\n" {
		t.Errorf("the blocking read returned %d bytes, want \"%s\" and a newline", printk.Int(n), printk.Str(TtyReadLine))
	}
}

// tty_line_ready: a whole line waits (canonical mode).
func tty_line_ready(tty *Tty_struct) bool {
	flags := local_irq_save()
	ok := input_available(tty)
	local_irq_restore(flags)
	return ok
}
