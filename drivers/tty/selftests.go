package tty

import (
	"gokern/fs"
	"gokern/include/uapi"
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
		Uart_insert_char(0, typed[i])
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
	Uart_insert_char(0, 'x')
	Uart_insert_char(0, 3)
	Hooks.Kill_pgrp, tty.Pgrp = kill, pg
	if st_sig != uapi.SIGINT {
		t.Errorf("^C sent signal %d, want SIGINT", printk.Int(st_sig))
	}
	Uart_insert_char(0, 4)
	it = fs.Iov_iter_kvec(buf[:])
	if n := fs.Ksys_read(fd, &it); n != 0 {
		t.Errorf("^D on an empty line: %d, want 0 (EOF)", printk.Int(n))
	}
	Uart_insert_char(0, '\n') // the echo ends its line on the console
	it = fs.Iov_iter_kvec(buf[:])
	fs.Ksys_read(fd, &it)
	Tty_set_termios(tty, &saved)
	fs.Ksys_close(fd)
}

// st_sig records the signal st_kill_pgrp was given (a top-level function:
// a closure stored in Hooks would be a Go heap object).
var st_sig int

func st_kill_pgrp(pgrp, sig int) { st_sig = sig }
