package uapi

// The terminal interface (include/uapi/asm-generic/termbits.h,
// termbits-common.h, ioctls.h; arch/x86 uses the generic ones).

// NCCS: control characters in the kernel's struct termios.
const NCCS = 19

// Termios is the kernel's struct termios, 36 bytes: what TCGETS and
// TCSETS copy. (glibc's struct termios is larger, with speeds; glibc
// converts.)
type Termios struct {
	C_iflag uint32
	C_oflag uint32
	C_cflag uint32
	C_lflag uint32
	C_line  uint8
	C_cc    [NCCS]uint8
}

// Winsize is struct winsize (TIOCGWINSZ, TIOCSWINSZ).
type Winsize struct {
	Ws_row    uint16
	Ws_col    uint16
	Ws_xpixel uint16
	Ws_ypixel uint16
}

// c_cc indices.
const (
	VINTR    = 0
	VQUIT    = 1
	VERASE   = 2
	VKILL    = 3
	VEOF     = 4
	VTIME    = 5
	VMIN     = 6
	VSWTC    = 7
	VSTART   = 8
	VSTOP    = 9
	VSUSP    = 10
	VEOL     = 11
	VREPRINT = 12
	VDISCARD = 13
	VWERASE  = 14
	VLNEXT   = 15
	VEOL2    = 16
)

// c_iflag.
const (
	IGNBRK  = 0o1
	BRKINT  = 0o2
	IGNPAR  = 0o4
	PARMRK  = 0o10
	INPCK   = 0o20
	ISTRIP  = 0o40
	INLCR   = 0o100
	IGNCR   = 0o200
	ICRNL   = 0o400
	IUCLC   = 0o1000
	IXON    = 0o2000
	IXANY   = 0o4000
	IXOFF   = 0o10000
	IMAXBEL = 0o20000
	IUTF8   = 0o40000
)

// c_oflag.
const (
	OPOST  = 0o1
	OLCUC  = 0o2
	ONLCR  = 0o4
	OCRNL  = 0o10
	ONOCR  = 0o20
	ONLRET = 0o40
)

// c_cflag.
const (
	CBAUD   = 0o10017
	B9600   = 0o15
	B38400  = 0o17
	B115200 = 0o10002
	CSIZE   = 0o60
	CS8     = 0o60
	CSTOPB  = 0o100
	CREAD   = 0o200
	PARENB  = 0o400
	HUPCL   = 0o2000
	CLOCAL  = 0o4000
)

// c_lflag.
const (
	ISIG    = 0o1
	ICANON  = 0o2
	XCASE   = 0o4
	ECHO    = 0o10
	ECHOE   = 0o20
	ECHOK   = 0o40
	ECHONL  = 0o100
	NOFLSH  = 0o200
	TOSTOP  = 0o400
	ECHOCTL = 0o1000
	ECHOPRT = 0o2000
	ECHOKE  = 0o4000
	FLUSHO  = 0o10000
	PENDIN  = 0o40000
	IEXTEN  = 0o100000
)

// ioctl numbers (include/uapi/asm-generic/ioctls.h).
const (
	TCGETS      = 0x5401
	TCSETS      = 0x5402
	TCSETSW     = 0x5403
	TCSETSF     = 0x5404
	TCFLSH      = 0x540B
	TIOCSCTTY   = 0x540E
	TIOCGSERIAL = 0x541E
	TIOCGPGRP   = 0x540F
	TIOCSPGRP   = 0x5410
	TIOCOUTQ    = 0x5411
	TIOCGWINSZ  = 0x5413
	TIOCSWINSZ  = 0x5414
	FIONREAD    = 0x541B
	TIOCNOTTY   = 0x5422
	FIONBIO     = 0x5421
	TIOCGSID    = 0x5429
	FIONCLEX    = 0x5450
	FIOCLEX     = 0x5451
	FIOASYNC    = 0x5452

	// TCFLSH arguments.
	TCIFLUSH  = 0
	TCOFLUSH  = 1
	TCIOFLUSH = 2
)

// poll(2) events (include/uapi/asm-generic/poll.h).
const (
	POLLIN     = 0x0001
	POLLPRI    = 0x0002
	POLLOUT    = 0x0004
	POLLERR    = 0x0008
	POLLHUP    = 0x0010
	POLLNVAL   = 0x0020
	POLLRDNORM = 0x0040
	POLLRDBAND = 0x0080
	POLLWRNORM = 0x0100
	POLLWRBAND = 0x0200
	POLLRDHUP  = 0x2000
)
