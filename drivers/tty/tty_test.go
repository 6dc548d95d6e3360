package tty

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"gokern/drivers/char"
	"gokern/drivers/serial8250"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
)

// The tests drive ttyS0 as the 8250's receive interrupt will
// (Uart_insert_char) and read what the driver would send to the UART.

var (
	setupOnce sync.Once
	out       bytes.Buffer // what ttyS0 sent to the "UART"
)

func setup(t testing.TB) {
	t.Helper()
	fstest.Boot(t)
	setupOnce.Do(func() {
		local_irq_save = func() uint64 { return 0 }
		local_irq_restore = func(uint64) {}
		uart_tx = func(b []byte) { out.Write(b) }
		fs.Uaccess.Copy_to_user = func(to uintptr, from []byte) int {
			copy(unsafe.Slice((*byte)(unsafe.Add(nil, to)), len(from)), from)
			return 0
		}
		fs.Uaccess.Copy_from_user = func(to []byte, from uintptr) int {
			copy(to, unsafe.Slice((*byte)(unsafe.Add(nil, from)), len(to)))
			return 0
		}
		for _, err := range []int{Serial8250_init(), Tty_init(), char.Chr_dev_init(),
			fs.Do_mkdirat(uapi.AT_FDCWD, []byte("/dev"), 0o755),
			fs.Do_mknodat(uapi.AT_FDCWD, []byte("/dev/ttyS0"), uapi.S_IFCHR|0o620, uapi.MKDEV(4, 64)),
			fs.Do_mknodat(uapi.AT_FDCWD, []byte("/dev/console"), uapi.S_IFCHR|0o600, uapi.MKDEV(5, 1)),
			fs.Do_mknodat(uapi.AT_FDCWD, []byte("/dev/tty"), uapi.S_IFCHR|0o666, uapi.MKDEV(5, 0)),
			fs.Do_mknodat(uapi.AT_FDCWD, []byte("/dev/null"), uapi.S_IFCHR|0o666, uapi.MKDEV(1, 3)),
			fs.Do_mknodat(uapi.AT_FDCWD, []byte("/dev/zero"), uapi.S_IFCHR|0o666, uapi.MKDEV(1, 5)),
			fs.Do_mknodat(uapi.AT_FDCWD, []byte("/dev/full"), uapi.S_IFCHR|0o666, uapi.MKDEV(1, 7)),
		} {
			if err != 0 {
				t.Fatalf("setup: %d", err)
			}
		}
	})
}

// openTTY opens the console tty fresh: std termios, empty buffers.
func openTTY(t testing.TB, path string, flags uint32) (int, *Tty_struct) {
	t.Helper()
	fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte(path), flags, 0)
	if fd < 0 {
		t.Fatalf("open %s: %d", path, fd)
	}
	tty := Console_tty()
	Tty_set_termios(tty, &Serial8250_reg.Init_termios)
	n_tty_flush_input(tty)
	tty.Ldisc.column, tty.Ldisc.canon_column = 0, 0
	out.Reset()
	return fd, tty
}

func typeIn(s string) {
	for i := 0; i < len(s); i++ {
		Uart_insert_char(0, s[i], serial8250.TTY_NORMAL)
	}
}

func readTTY(fd int, n int) (string, int64) {
	buf := make([]byte, n)
	it := fs.Iov_iter_kvec(buf)
	r := fs.Ksys_read(fd, &it)
	if r < 0 {
		return "", r
	}
	return string(buf[:r]), r
}

func ioctl(fd int, cmd uint32, p unsafe.Pointer) int64 {
	return fs.Ksys_ioctl(fd, cmd, uintptr(p))
}

// TestCanonical: editing, echo, line-at-a-time reads, EOF.
func TestCanonical(t *testing.T) {
	setup(t)
	fd, _ := openTTY(t, "/dev/ttyS0", uapi.O_RDWR|uapi.O_NONBLOCK)
	defer fs.Ksys_close(fd)
	cases := []struct {
		in    string
		reads []string // successive reads; "" is a 0-byte read (EOF)
		echo  string
	}{
		{"hello\r", []string{"hello\n"}, "hello\r\n"},
		{"helx\x7fp\n", []string{"help\n"}, "helx\b \bp\r\n"},
		{"abc\x15def\n", []string{"def\n"}, "abc\b \b\b \b\b \bdef\r\n"},
		{"one two\x17three\n", []string{"one three\n"}, "one two\b \b\b \b\b \bthree\r\n"},
		{"a\x01b\x7f\x7f\n", []string{"a\n"}, "a^Ab\b \b\b \b\b \b\r\n"},
		{"abc\x04", []string{"abc"}, "abc"},
		{"\x04", []string{""}, ""},
		{"line1\nline2\n", []string{"line1\n", "line2\n"}, "line1\r\nline2\r\n"},
		{"x\x16\x7f\n", []string{"x\x7f\n"}, "x^\b^?\r\n"},
		{"\x7f\x15\n", []string{"\n"}, "\r\n"},
	}
	for _, c := range cases {
		out.Reset()
		typeIn(c.in)
		if out.String() != c.echo {
			t.Errorf("%q: echo %q, want %q", c.in, out.String(), c.echo)
		}
		for _, want := range c.reads {
			got, n := readTTY(fd, 100)
			if n < 0 || got != want {
				t.Errorf("%q: read %q (%d), want %q", c.in, got, n, want)
			}
		}
		if got, n := readTTY(fd, 100); n != -uapi.EAGAIN {
			t.Errorf("%q: extra read %q %d", c.in, got, n)
		}
	}
	// A partial line is not readable; a short read takes part of a line
	// and the rest comes next.
	typeIn("partial")
	if _, n := readTTY(fd, 100); n != -uapi.EAGAIN {
		t.Errorf("partial line readable: %d", n)
	}
	typeIn(" line\n")
	if got, _ := readTTY(fd, 5); got != "parti" {
		t.Errorf("short read %q", got)
	}
	if got, _ := readTTY(fd, 100); got != "al line\n" {
		t.Errorf("rest %q", got)
	}
}

// TestSignals: ^C, ^\ and ^Z go to the foreground process group, flush
// the input and echo; with NOFLSH the input stays.
func TestSignals(t *testing.T) {
	setup(t)
	fd, tty := openTTY(t, "/dev/ttyS0", uapi.O_RDWR|uapi.O_NONBLOCK)
	defer fs.Ksys_close(fd)
	var sent [][2]int
	Hooks.Kill_pgrp = func(pgrp, sig int) { sent = append(sent, [2]int{pgrp, sig}) }
	defer func() { Hooks.Kill_pgrp = nil }()
	tty.Pgrp = 42
	typeIn("typed\x03")
	if out.String() != "typed^C" || len(sent) != 1 || sent[0] != [2]int{42, uapi.SIGINT} {
		t.Fatalf("^C: echo %q, signals %v", out.String(), sent)
	}
	typeIn("x\n")
	if got, _ := readTTY(fd, 100); got != "x\n" {
		t.Errorf("after ^C the input was not flushed: %q", got)
	}
	typeIn("\x1c\x1a")
	if len(sent) != 3 || sent[1][1] != uapi.SIGQUIT || sent[2][1] != uapi.SIGTSTP {
		t.Errorf("^\\ ^Z: %v", sent)
	}
	tio := tty.Termios
	tio.C_lflag |= uapi.NOFLSH
	Tty_set_termios(tty, &tio)
	typeIn("kept\x03\n")
	if got, _ := readTTY(fd, 100); got != "kept\n" {
		t.Errorf("NOFLSH: %q", got)
	}
	tio.C_lflag &^= uapi.ISIG
	Tty_set_termios(tty, &tio)
	typeIn("\x03\n")
	if got, _ := readTTY(fd, 100); got != "\x03\n" || len(sent) != 4 {
		t.Errorf("without ISIG ^C is a character: %q, %d signals", got, len(sent))
	}
	tty.Pgrp = 0
}

// TestRawMode: TCSETS without ICANON and ECHO: bytes as they come, VMIN.
func TestRawMode(t *testing.T) {
	setup(t)
	fd, _ := openTTY(t, "/dev/console", uapi.O_RDWR|uapi.O_NONBLOCK)
	defer fs.Ksys_close(fd)
	var tio uapi.Termios
	if err := ioctl(fd, uapi.TCGETS, unsafe.Pointer(&tio)); err != 0 || tio.C_lflag&uapi.ICANON == 0 || tio.C_cflag&uapi.CBAUD != uapi.B115200 {
		t.Fatalf("TCGETS: %d %+v", err, tio)
	}
	raw := tio
	raw.C_lflag &^= uapi.ICANON | uapi.ECHO
	raw.C_cc[uapi.VMIN], raw.C_cc[uapi.VTIME] = 3, 0
	if err := ioctl(fd, uapi.TCSETSW, unsafe.Pointer(&raw)); err != 0 {
		t.Fatal(err)
	}
	typeIn("ab")
	if _, n := readTTY(fd, 10); n != -uapi.EAGAIN {
		t.Errorf("VMIN 3 with 2 bytes: %d", n)
	}
	var avail int32
	ioctl(fd, uapi.FIONREAD, unsafe.Pointer(&avail))
	typeIn("\x7fc")
	if got, _ := readTTY(fd, 10); got != "ab\x7fc" || out.Len() != 0 || avail != 2 {
		t.Errorf("raw read %q, echo %q, FIONREAD %d", got, out.String(), avail)
	}
	raw.C_cc[uapi.VMIN] = 0
	ioctl(fd, uapi.TCSETS, unsafe.Pointer(&raw))
	if _, n := readTTY(fd, 10); n != 0 {
		t.Errorf("VMIN 0: %d", n)
	}
	// Back to canonical with pending bytes: they become a line.
	typeIn("pend")
	ioctl(fd, uapi.TCSETS, unsafe.Pointer(&tio))
	if got, _ := readTTY(fd, 10); got != "pend" {
		t.Errorf("pending bytes after ICANON on: %q", got)
	}
	// TCSETSF flushes input.
	typeIn("gone\n")
	ioctl(fd, uapi.TCSETSF, unsafe.Pointer(&tio))
	if _, n := readTTY(fd, 10); n != -uapi.EAGAIN {
		t.Errorf("TCSETSF kept input")
	}
	// Output processing.
	out.Reset()
	write := func(s string) {
		it := fs.Iov_iter_kvec([]byte(s))
		fs.Ksys_write(fd, &it)
	}
	write("a\nb\tc\n")
	if out.String() != "a\r\nb\tc\r\n" {
		t.Errorf("OPOST: %q", out.String())
	}
	out.Reset()
	raw = tio
	raw.C_oflag &^= uapi.OPOST
	ioctl(fd, uapi.TCSETS, unsafe.Pointer(&raw))
	write("a\nb")
	if out.String() != "a\nb" {
		t.Errorf("without OPOST: %q", out.String())
	}
	ioctl(fd, uapi.TCSETS, unsafe.Pointer(&tio))
	// Window size.
	ws := uapi.Winsize{Ws_row: 24, Ws_col: 80}
	var got uapi.Winsize
	if ioctl(fd, uapi.TIOCSWINSZ, unsafe.Pointer(&ws)) != 0 || ioctl(fd, uapi.TIOCGWINSZ, unsafe.Pointer(&got)) != 0 || got != ws {
		t.Errorf("winsize %+v", got)
	}
	if ioctl(fd, 0x5499, nil) != -uapi.ENOTTY {
		t.Errorf("unknown ioctl")
	}
}

// TestJobControl: TIOCSCTTY, TIOCSPGRP/TIOCGPGRP, TIOCGSID with tasks
// the hooks describe.
func TestJobControl(t *testing.T) {
	setup(t)
	fd, tty := openTTY(t, "/dev/ttyS0", uapi.O_RDWR|uapi.O_NOCTTY)
	defer fs.Ksys_close(fd)
	var ctty *Tty_struct
	pgrp, sid, leader := 10, 10, true
	Hooks.Current_pgrp_session = func() (int, int, bool) { return pgrp, sid, leader }
	Hooks.Current_tty = func() *Tty_struct { return ctty }
	Hooks.Set_current_tty = func(t *Tty_struct) { ctty = t }
	Hooks.Session_of_pgrp = func(p int) int {
		switch p {
		case 10, 11:
			return 10
		case 20:
			return 20
		}
		return -1
	}
	saved := Hooks
	defer func() { Hooks = saved; tty.Session, tty.Pgrp = 0, 0 }()
	// The shell's way: SIGTTOU blocked while it hands the terminal to a
	// job.
	Hooks.Is_ignored = func(sig int) bool { return sig == uapi.SIGTTOU }
	var pg int32
	if ioctl(fd, uapi.TIOCGPGRP, unsafe.Pointer(&pg)) != -uapi.ENOTTY {
		t.Errorf("TIOCGPGRP on a tty that is not ours")
	}
	leader = false
	if ioctl(fd, uapi.TIOCSCTTY, nil) != -uapi.EPERM {
		t.Errorf("TIOCSCTTY by a non-leader")
	}
	leader = true
	if ioctl(fd, uapi.TIOCSCTTY, nil) != 0 || ctty != tty || tty.Session != 10 || tty.Pgrp != 10 {
		t.Fatalf("TIOCSCTTY: session %d pgrp %d", tty.Session, tty.Pgrp)
	}
	for _, c := range []struct {
		pg   int32
		want int64
	}{{11, 0}, {20, -uapi.EPERM}, {99, -uapi.ESRCH}, {-1, -uapi.EINVAL}} {
		p := c.pg
		if got := ioctl(fd, uapi.TIOCSPGRP, unsafe.Pointer(&p)); got != c.want {
			t.Errorf("TIOCSPGRP %d: %d, want %d", c.pg, got, c.want)
		}
	}
	if ioctl(fd, uapi.TIOCGPGRP, unsafe.Pointer(&pg)) != 0 || pg != 11 {
		t.Errorf("TIOCGPGRP %d", pg)
	}
	var s int32
	if ioctl(fd, uapi.TIOCGSID, unsafe.Pointer(&s)) != 0 || s != 10 {
		t.Errorf("TIOCGSID %d", s)
	}
	// A background reader (pgrp 10, foreground 11) gets SIGTTIN; one
	// that ignores it gets EIO.
	var sent []int
	Hooks.Is_ignored = func(sig int) bool { return sig == uapi.SIGTTIN && ignoreTTIN }
	Hooks.Kill_pgrp = func(p, sig int) { sent = append(sent, sig) }
	if _, n := readTTY(fd, 10); n != -uapi.ERESTARTSYS || len(sent) != 1 || sent[0] != uapi.SIGTTIN {
		t.Errorf("background read: %d %v", n, sent)
	}
	ignoreTTIN = true
	if _, n := readTTY(fd, 10); n != -uapi.EIO {
		t.Errorf("background read ignoring SIGTTIN: %d", n)
	}
	ignoreTTIN = false
	// /dev/tty is the controlling terminal.
	fd2 := fs.Do_sys_open(uapi.AT_FDCWD, []byte("/dev/tty"), uapi.O_RDWR, 0)
	if fd2 < 0 {
		t.Fatalf("/dev/tty: %d", fd2)
	}
	fs.Ksys_close(fd2)
	ctty = nil
	if fd2 := fs.Do_sys_open(uapi.AT_FDCWD, []byte("/dev/tty"), uapi.O_RDWR, 0); fd2 != -uapi.ENXIO {
		t.Errorf("/dev/tty without a controlling tty: %d", fd2)
	}
}

var ignoreTTIN bool

// TestFlowControl: with IXON, ^S and ^Q are not input; they stop and
// start output.
func TestFlowControl(t *testing.T) {
	setup(t)
	fd, tty := openTTY(t, "/dev/ttyS0", uapi.O_RDWR|uapi.O_NONBLOCK)
	defer fs.Ksys_close(fd)
	typeIn("a\x13b")
	if !tty.Stopped {
		t.Errorf("^S did not stop output")
	}
	typeIn("\x11c\n")
	if tty.Stopped {
		t.Errorf("^Q did not start output")
	}
	if got, _ := readTTY(fd, 10); got != "abc\n" {
		t.Errorf("read %q: ^S/^Q are not input", got)
	}
}

// TestMemDevices: /dev/null, /dev/zero, /dev/full.
func TestMemDevices(t *testing.T) {
	setup(t)
	buf := make([]byte, 10000)
	for i := range buf {
		buf[i] = 1
	}
	fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte("/dev/zero"), uapi.O_RDWR, 0)
	if n, _ := readTTY(fd, 0); n != "" {
		t.Fatal()
	}
	it := fs.Iov_iter_kvec(buf)
	if n := fs.Ksys_read(fd, &it); n != 10000 || bytes.Count(buf, []byte{0}) != 10000 {
		t.Errorf("/dev/zero read %d", n)
	}
	fs.Ksys_close(fd)
	fd = fs.Do_sys_open(uapi.AT_FDCWD, []byte("/dev/null"), uapi.O_RDWR, 0)
	it = fs.Iov_iter_kvec(buf)
	if n := fs.Ksys_write(fd, &it); n != 10000 {
		t.Errorf("/dev/null write %d", n)
	}
	it = fs.Iov_iter_kvec(buf)
	if n := fs.Ksys_read(fd, &it); n != 0 {
		t.Errorf("/dev/null read %d", n)
	}
	fs.Ksys_close(fd)
	fd = fs.Do_sys_open(uapi.AT_FDCWD, []byte("/dev/full"), uapi.O_WRONLY, 0)
	it = fs.Iov_iter_kvec(buf)
	if n := fs.Ksys_write(fd, &it); n != -uapi.ENOSPC {
		t.Errorf("/dev/full write %d", n)
	}
	fs.Ksys_close(fd)
	if fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte("/dev/null/x"), uapi.O_RDONLY, 0); fd != -uapi.ENOTDIR {
		t.Errorf("a path through a device: %d", fd)
	}
	fs.Do_mknodat(uapi.AT_FDCWD, []byte("/dev/nodriver"), uapi.S_IFCHR|0o600, uapi.MKDEV(200, 1))
	if fd := fs.Do_sys_open(uapi.AT_FDCWD, []byte("/dev/nodriver"), uapi.O_RDONLY, 0); fd != -uapi.ENXIO {
		t.Errorf("a node without a driver: %d", fd)
	}
	fs.Do_unlinkat(uapi.AT_FDCWD, []byte("/dev/nodriver"))
}

// TestAgainstHostNTTY: random typing, the same on our ttyS0 and on a
// host pty (Linux's n_tty is the specification): the same echo, the same
// reads, byte for byte.
func TestAgainstHostNTTY(t *testing.T) {
	setup(t)
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no host pty to compare with: %v", err)
	}
	defer ptmx.Close()
	unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0)
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("TIOCGPTN: %v", err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatalf("the pty's slave: %v", err)
	}
	defer slave.Close()
	// Fd() makes a file blocking: take the descriptors once, then set
	// them non-blocking.
	pfd, sfd := int(ptmx.Fd()), int(slave.Fd())
	syscall.SetNonblock(pfd, true)
	syscall.SetNonblock(sfd, true)
	fd, tty := openTTY(t, "/dev/ttyS0", uapi.O_RDWR|uapi.O_NONBLOCK)
	defer fs.Ksys_close(fd)
	// The same termios on both: the host pty's, as it comes.
	host, _ := unix.IoctlGetTermios(sfd, unix.TCGETS)
	var tio uapi.Termios
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&tio)), 36), unsafe.Slice((*byte)(unsafe.Pointer(host)), 36))
	tio.C_lflag &^= uapi.ISIG // no signals to anybody
	host.Lflag &^= uapi.ISIG
	unix.IoctlSetTermios(sfd, unix.TCSETS, host)
	Tty_set_termios(tty, &tio)
	pieces := []string{"a", "b", "word", " ", "\x7f", "\x15", "\x17", "\n", "\r", "\x04", "\x01", "\x16", "\x12", "xyz", "\x7f\x7f", "\t", "ab\tc", "\x1b[A"}
	r := rand.New(rand.NewSource(1))
	// drain reads the host's echo: until it is at least as long as ours
	// (then briefly for anything more), or two seconds.
	drain := func(f int, want int) string {
		var all []byte
		b := make([]byte, 4096)
		deadline := time.Now().Add(2 * time.Second)
		extra := 0
		for time.Now().Before(deadline) && extra < 2 {
			n, err := syscall.Read(f, b)
			if n > 0 {
				all = append(all, b[:n]...)
				continue
			}
			if err != nil && err != syscall.EAGAIN {
				break
			}
			if len(all) >= want {
				extra++
			}
			time.Sleep(2 * time.Millisecond)
		}
		return string(all)
	}
	readLines := func(read func() (string, bool)) []string {
		var got []string
		for {
			s, ok := read()
			if !ok {
				return got
			}
			got = append(got, s)
		}
	}
	for round := 0; round < 300; round++ {
		if round == 200 {
			// Raw mode with echo, VMIN 1: busybox's line editing.
			tio.C_lflag &^= uapi.ICANON
			host.Lflag &^= uapi.ICANON
			unix.IoctlSetTermios(sfd, unix.TCSETS, host)
			Tty_set_termios(tty, &tio)
		}
		var in strings.Builder
		for i := r.Intn(8) + 1; i > 0; i-- {
			in.WriteString(pieces[r.Intn(len(pieces))])
		}
		in.WriteString("\n")
		s := in.String()
		out.Reset()
		typeIn(s)
		syscall.Write(pfd, []byte(s))
		hostEcho := drain(pfd, out.Len())
		if out.String() != hostEcho {
			t.Fatalf("round %d, typed %q: echo %q, host Linux %q", round, s, out.String(), hostEcho)
		}
		ours := readLines(func() (string, bool) {
			got, n := readTTY(fd, 1000)
			return got, n >= 0
		})
		theirs := readLines(func() (string, bool) {
			b := make([]byte, 1000)
			n, err := syscall.Read(sfd, b)
			if err != nil || n < 0 {
				return "", false
			}
			return string(b[:n]), true
		})
		if strings.Join(ours, "|") != strings.Join(theirs, "|") {
			t.Fatalf("round %d, typed %q: reads %q, host Linux %q", round, s, ours, theirs)
		}
	}
}

// TestBreak: a BREAK the 8250 passes on (TTY_BREAK, Linux
// n_tty_receive_break): a NUL in the line by default, "\377\0\0" with
// PARMRK, nothing with IGNBRK, SIGINT to the foreground group with
// BRKINT; a typed-ahead line longer than the buffer is kept as
// N_TTY_BUF_SIZE-1 bytes and its newline.
func TestBreak(t *testing.T) {
	setup(t)
	fd, tty := openTTY(t, "/dev/ttyS0", uapi.O_RDWR|uapi.O_NONBLOCK)
	defer fs.Ksys_close(fd)
	brk := func() { Uart_insert_char(0, 0, serial8250.TTY_BREAK) }
	typeIn("a")
	brk()
	typeIn("b\r")
	if got, _ := readTTY(fd, 64); got != "a\x00b\n" {
		t.Fatalf("a break read as %q, want a NUL", got)
	}
	ts := tty.Termios
	ts.C_iflag |= uapi.PARMRK
	Tty_set_termios(tty, &ts)
	typeIn("a")
	brk()
	typeIn("b\r")
	if got, _ := readTTY(fd, 64); got != "a\377\x00\x00b\n" {
		t.Fatalf("PARMRK: a break read as %q", got)
	}
	ts.C_iflag = ts.C_iflag&^uapi.PARMRK | uapi.IGNBRK
	Tty_set_termios(tty, &ts)
	typeIn("a")
	brk()
	typeIn("b\r")
	if got, _ := readTTY(fd, 64); got != "ab\n" {
		t.Fatalf("IGNBRK: read %q", got)
	}
	ts.C_iflag = ts.C_iflag&^uapi.IGNBRK | uapi.BRKINT
	Tty_set_termios(tty, &ts)
	var sig int
	kill, pg := Hooks.Kill_pgrp, tty.Pgrp
	Hooks.Kill_pgrp, tty.Pgrp = func(pgrp, s int) { sig = s }, 7
	typeIn("lost")
	brk()
	Hooks.Kill_pgrp, tty.Pgrp = kill, pg
	typeIn("x\r")
	if got, _ := readTTY(fd, 64); sig != uapi.SIGINT || got != "x\n" {
		t.Fatalf("BRKINT: signal %d, read %q (want SIGINT and the input before it flushed)", sig, got)
	}
	Tty_set_termios(tty, &Serial8250_reg.Init_termios)
	typeIn(strings.Repeat("z", N_TTY_BUF_SIZE+100) + "\r")
	if got, _ := readTTY(fd, 2*N_TTY_BUF_SIZE); got != strings.Repeat("z", N_TTY_BUF_SIZE-1)+"\n" {
		t.Fatalf("a line longer than the buffer read as %d bytes", len(got))
	}
}
