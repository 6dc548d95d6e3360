package main

// AF_INET on the loopback: TCP and UDP on 127.0.0.0/8 (net/ipv4), each
// call's result or negated errno printed for TestSockets to compare with
// what the same binary printed on the host's Linux.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// sin is a sockaddr_in for a.b.c.d:port.
func sin(a, b, c, d byte, port int) []byte {
	s := make([]byte, 16)
	s[0] = syscall.AF_INET
	s[2], s[3] = byte(port>>8), byte(port)
	s[4], s[5], s[6], s[7] = a, b, c, d
	return s
}

func tcpSock() int {
	s, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		fmt.Printf("socktest: FAIL socket(AF_INET, SOCK_STREAM): %v\n", err)
		os.Exit(1)
	}
	return s
}

func udpSock() int {
	s, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		fmt.Printf("socktest: FAIL socket(AF_INET, SOCK_DGRAM): %v\n", err)
		os.Exit(1)
	}
	return s
}

// name is getsockname's or getpeername's answer: the address as
// "a.b.c.d:port" (or the errno) and the length.
func name(s int, peer bool) (string, int64) {
	b := make([]byte, 128)
	l := int32(len(b))
	trap := uintptr(syscall.SYS_GETSOCKNAME)
	if peer {
		trap = syscall.SYS_GETPEERNAME
	}
	if r := sc(trap, uintptr(s), p(b), uintptr(unsafe.Pointer(&l))); r < 0 {
		return fmt.Sprint(r), r
	}
	return fmt.Sprintf("%d.%d.%d.%d:%d", b[4], b[5], b[6], b[7], int(b[2])<<8|int(b[3])), int64(l)
}

func port(s int) int {
	b := make([]byte, 16)
	l := int32(16)
	sc(syscall.SYS_GETSOCKNAME, uintptr(s), p(b), uintptr(unsafe.Pointer(&l)))
	return int(b[2])<<8 | int(b[3])
}

func getopt(s, level, opt int) int64 {
	v, err := syscall.GetsockoptInt(s, level, opt)
	if err != nil {
		return errno(err)
	}
	return int64(v)
}

func setopt(s, level, opt, v int) int64 { return errno(syscall.SetsockoptInt(s, level, opt, v)) }

// pollOf is poll(2)'s revents for s, at once.
func pollOf(s int) int64 {
	fds := []struct {
		fd      int32
		ev, rev int16
	}{{int32(s), 0x7fff, 0}}
	sc(syscall.SYS_POLL, uintptr(unsafe.Pointer(&fds[0])), 1, 0)
	return int64(fds[0].rev)
}

// tcpPair connects a new socket to a listener on 127.0.0.1 and accepts
// it: the client, the accepted end and the listener.
func tcpPair() (int, int, int) {
	l := tcpSock()
	sa := sin(127, 0, 0, 1, 0)
	sc(syscall.SYS_BIND, uintptr(l), p(sa), 16)
	sc(syscall.SYS_LISTEN, uintptr(l), 8)
	c := tcpSock()
	sc(syscall.SYS_CONNECT, uintptr(c), p(sin(127, 0, 0, 1, port(l))), 16)
	a := int(sc(syscall.SYS_ACCEPT4, uintptr(l), 0, 0, 0))
	return c, a, l
}

func inetCheck() {
	buf := make([]byte, 256)
	// A new TCP socket: its options as Linux's defaults.
	s := tcpSock()
	say("inet: SO_TYPE", getint(s, syscall.SO_TYPE))
	say("inet: SO_PROTOCOL", getint(s, syscall.SO_PROTOCOL))
	say("inet: SO_DOMAIN", getint(s, syscall.SO_DOMAIN))
	say("inet: tcp SO_SNDBUF", getint(s, syscall.SO_SNDBUF))
	say("inet: tcp SO_RCVBUF", getint(s, syscall.SO_RCVBUF))
	say("inet: TCP_NODELAY", getopt(s, syscall.IPPROTO_TCP, syscall.TCP_NODELAY))
	say("inet: TCP_NODELAY after 1", func() int64 {
		setopt(s, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		return getopt(s, syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
	}())
	say("inet: TCP_KEEPIDLE", getopt(s, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE))
	say("inet: TCP_KEEPINTVL", getopt(s, syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL))
	say("inet: TCP_KEEPCNT", getopt(s, syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT))
	say("inet: setsockopt(TCP_KEEPIDLE, 15)", setopt(s, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, 15))
	say("inet: TCP_KEEPIDLE after 15", getopt(s, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE))
	say("inet: setsockopt(TCP_KEEPIDLE, 0)", setopt(s, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, 0))
	say("inet: setsockopt(TCP_KEEPCNT, 200)", setopt(s, syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, 200))
	say("inet: setsockopt(SO_KEEPALIVE, 1)", setopt(s, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1))
	say("inet: SO_KEEPALIVE", getint(s, syscall.SO_KEEPALIVE))
	say("inet: IP_TOS", getopt(s, syscall.IPPROTO_IP, syscall.IP_TOS))
	say("inet: IP_TOS after 0x2f (tcp keeps ECN bits)", func() int64 {
		setopt(s, syscall.IPPROTO_IP, syscall.IP_TOS, 0x2f)
		return getopt(s, syscall.IPPROTO_IP, syscall.IP_TOS)
	}())
	say("inet: IP_TTL", getopt(s, syscall.IPPROTO_IP, syscall.IP_TTL))
	say("inet: setsockopt(IP_TTL, 0)", setopt(s, syscall.IPPROTO_IP, syscall.IP_TTL, 0))
	say("inet: setsockopt(IPPROTO_TCP, 9999)", setopt(s, syscall.IPPROTO_TCP, 9999, 1))
	say("inet: setsockopt(IPPROTO_UDP on tcp)", setopt(s, syscall.IPPROTO_UDP, 1, 1))
	say("inet: setsockopt(TCP_NODELAY, optlen 2)", sc(syscall.SYS_SETSOCKOPT, uintptr(s), syscall.IPPROTO_TCP, syscall.TCP_NODELAY, p(buf), 2))
	lg := syscall.Linger{Onoff: 1, Linger: 7}
	say("inet: setsockopt(SO_LINGER 1 7)", errno(syscall.SetsockoptLinger(s, syscall.SOL_SOCKET, syscall.SO_LINGER, &lg)))
	var lgo [2]int32
	ll := int32(8)
	sc(syscall.SYS_GETSOCKOPT, uintptr(s), syscall.SOL_SOCKET, syscall.SO_LINGER, uintptr(unsafe.Pointer(&lgo)), uintptr(unsafe.Pointer(&ll)))
	say("inet: SO_LINGER l_linger", int64(lgo[1]))
	say("inet: poll(new tcp socket)", pollOf(s))
	say("inet: getsockname(unbound) len", func() int64 { _, l := name(s, false); return l }())
	nm, _ := name(s, false)
	say("inet: getsockname(unbound) is 0.0.0.0:0", b2i(nm == "0.0.0.0:0"))
	say("inet: getpeername(unconnected)", func() int64 { _, l := name(s, true); return l }())
	say("inet: read(unconnected)", sc(syscall.SYS_READ, uintptr(s), p(buf), 10))
	say("inet: send(unconnected, MSG_NOSIGNAL)", sc(syscall.SYS_SENDTO, uintptr(s), p(buf), 1, syscall.MSG_NOSIGNAL, 0, 0))
	say("inet: accept(unlistened)", sc(syscall.SYS_ACCEPT, uintptr(s), 0, 0))
	say("inet: shutdown(unconnected)", sc(syscall.SYS_SHUTDOWN, uintptr(s), syscall.SHUT_WR))
	syscall.Close(s)

	// bind.
	s = tcpSock()
	say("inet: bind(addrlen 8)", sc(syscall.SYS_BIND, uintptr(s), p(sin(127, 0, 0, 1, 0)), 8))
	b6 := sin(127, 0, 0, 1, 0)
	b6[0] = syscall.AF_INET6
	say("inet: bind(AF_INET6 family)", sc(syscall.SYS_BIND, uintptr(s), p(b6), 16))
	say("inet: bind(10.1.2.3)", sc(syscall.SYS_BIND, uintptr(s), p(sin(10, 1, 2, 3, 0)), 16))
	say("inet: bind(127.0.0.1:0)", sc(syscall.SYS_BIND, uintptr(s), p(sin(127, 0, 0, 1, 0)), 16))
	ep := port(s)
	say("inet: ephemeral port in 32768..60999", b2i(ep >= 32768 && ep <= 60999))
	say("inet: bind again", sc(syscall.SYS_BIND, uintptr(s), p(sin(127, 0, 0, 1, 0)), 16))
	s2 := tcpSock()
	say("inet: bind(the same port)", sc(syscall.SYS_BIND, uintptr(s2), p(sin(127, 0, 0, 1, ep)), 16))
	say("inet: bind(the same port, 0.0.0.0)", sc(syscall.SYS_BIND, uintptr(s2), p(sin(0, 0, 0, 0, ep)), 16))
	say("inet: bind(the same port, 127.0.0.2)", sc(syscall.SYS_BIND, uintptr(s2), p(sin(127, 0, 0, 2, ep)), 16))
	syscall.Close(s2)
	s2 = tcpSock()
	setopt(s, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	setopt(s2, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	say("inet: bind(the same port, both SO_REUSEADDR)", sc(syscall.SYS_BIND, uintptr(s2), p(sin(127, 0, 0, 1, ep)), 16))
	say("inet: listen(first)", sc(syscall.SYS_LISTEN, uintptr(s), 5))
	say("inet: listen(second on its port)", sc(syscall.SYS_LISTEN, uintptr(s2), 5))
	syscall.Close(s2)
	syscall.Close(s)
	s = tcpSock()
	say("inet: listen(unbound)", sc(syscall.SYS_LISTEN, uintptr(s), 5))
	nm, _ = name(s, false)
	say("inet: listen(unbound) bound 0.0.0.0:ephemeral", b2i(strings.HasPrefix(nm, "0.0.0.0:") && port(s) >= 32768))
	say("inet: SO_ACCEPTCONN", getint(s, syscall.SO_ACCEPTCONN))
	say("inet: poll(listener)", pollOf(s))
	say("inet: read(listener)", sc(syscall.SYS_READ, uintptr(s), p(buf), 10))
	say("inet: connect(listener)", sc(syscall.SYS_CONNECT, uintptr(s), p(sin(127, 0, 0, 1, 9)), 16))
	syscall.SetNonblock(s, true)
	say("inet: accept(O_NONBLOCK, empty)", sc(syscall.SYS_ACCEPT, uintptr(s), 0, 0))
	syscall.Close(s)

	// connect.
	s = tcpSock()
	l := tcpSock()
	sc(syscall.SYS_BIND, uintptr(l), p(sin(127, 0, 0, 1, 0)), 16)
	dead := port(l)
	syscall.Close(l) // its port, now nobody's
	say("inet: connect(nobody listens)", sc(syscall.SYS_CONNECT, uintptr(s), p(sin(127, 0, 0, 1, dead)), 16))
	say("inet: connect(10.1.2.3)", sc(syscall.SYS_CONNECT, uintptr(s), p(sin(10, 1, 2, 3, 80)), 16))
	say("inet: connect(addrlen 8)", sc(syscall.SYS_CONNECT, uintptr(s), p(sin(127, 0, 0, 1, 80)), 8))
	syscall.Close(s)
	s = tcpSock()
	syscall.SetNonblock(s, true)
	say("inet: connect(O_NONBLOCK, nobody listens)", sc(syscall.SYS_CONNECT, uintptr(s), p(sin(127, 0, 0, 1, dead)), 16))
	time.Sleep(10 * time.Millisecond)
	say("inet: poll(refused)", pollOf(s))
	say("inet: SO_ERROR(refused)", getint(s, syscall.SO_ERROR))
	say("inet: SO_ERROR again", getint(s, syscall.SO_ERROR))
	say("inet: connect again (refused)", sc(syscall.SYS_CONNECT, uintptr(s), p(sin(127, 0, 0, 1, dead)), 16))
	syscall.Close(s)

	// A listener on 0.0.0.0, a non-blocking connect to it as Go's net
	// makes, and accept4.
	l = tcpSock()
	setopt(l, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	sc(syscall.SYS_BIND, uintptr(l), p(sin(0, 0, 0, 0, 0)), 16)
	say("inet: listen(0.0.0.0, backlog 1)", sc(syscall.SYS_LISTEN, uintptr(l), 1))
	lp := port(l)
	s = tcpSock()
	syscall.SetNonblock(s, true)
	say("inet: connect(O_NONBLOCK)", sc(syscall.SYS_CONNECT, uintptr(s), p(sin(127, 0, 0, 1, lp)), 16))
	time.Sleep(10 * time.Millisecond)
	say("inet: poll(connected)", pollOf(s))
	say("inet: SO_ERROR(connected)", getint(s, syscall.SO_ERROR))
	say("inet: connect again (done)", sc(syscall.SYS_CONNECT, uintptr(s), p(sin(127, 0, 0, 1, lp)), 16))
	say("inet: connect a third time", sc(syscall.SYS_CONNECT, uintptr(s), p(sin(127, 0, 0, 1, lp)), 16))
	say("inet: poll(listener with a connection)", pollOf(l))
	sa := make([]byte, 32)
	sal := int32(32)
	a := int(sc(syscall.SYS_ACCEPT4, uintptr(l), p(sa), uintptr(unsafe.Pointer(&sal)), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC))
	say("inet: accept4 addrlen", int64(sal))
	cn, _ := name(s, false)
	an, _ := name(a, true)
	say("inet: accept's address is the client's", b2i(fmt.Sprintf("%d.%d.%d.%d:%d", sa[4], sa[5], sa[6], sa[7], int(sa[2])<<8|int(sa[3])) == cn))
	say("inet: getpeername(accepted) is the client's name", b2i(an == cn))
	say("inet: client port is ephemeral", b2i(port(s) >= 32768 && port(s) <= 60999))
	an, _ = name(a, false)
	say("inet: getsockname(accepted) is 127.0.0.1:listener's", b2i(an == fmt.Sprintf("127.0.0.1:%d", lp)))
	cn, _ = name(s, true)
	say("inet: getpeername(client) is the same", b2i(cn == an))
	say("inet: accepted inherits SO_REUSEADDR", getint(a, syscall.SO_REUSEADDR))
	// Connections to 127.0.0.2 come from 127.0.0.1.
	c2 := tcpSock()
	say("inet: connect(127.0.0.2)", sc(syscall.SYS_CONNECT, uintptr(c2), p(sin(127, 0, 0, 2, lp)), 16))
	cn, _ = name(c2, false)
	say("inet: connect(127.0.0.2) source is 127.0.0.1", b2i(strings.HasPrefix(cn, "127.0.0.1:")))
	c3 := tcpSock()
	syscall.SetNonblock(c3, true)
	say("inet: connect 3 (O_NONBLOCK, backlog 1 holds 2)", sc(syscall.SYS_CONNECT, uintptr(c3), p(sin(127, 0, 0, 1, lp)), 16))
	a2 := int(sc(syscall.SYS_ACCEPT4, uintptr(l), 0, 0, 0))
	a3 := int(sc(syscall.SYS_ACCEPT4, uintptr(l), 0, 0, 0))
	syscall.Close(c3)
	syscall.Close(a3)
	an, _ = name(a2, false)
	say("inet: getsockname(accepted from 127.0.0.2)", b2i(an == fmt.Sprintf("127.0.0.2:%d", lp)))
	syscall.Close(c2)
	syscall.Close(a2)

	// Data: write, FIONREAD, MSG_PEEK, MSG_DONTWAIT, SHUT_WR, EOF.
	syscall.SetNonblock(s, false)
	syscall.SetNonblock(a, false)
	say("inet: write(hello)", sc(syscall.SYS_WRITE, uintptr(s), p([]byte("hello world")), 11))
	time.Sleep(10 * time.Millisecond)
	var nread int32
	sc(syscall.SYS_IOCTL, uintptr(a), 0x541B, uintptr(unsafe.Pointer(&nread)))
	say("inet: FIONREAD", int64(nread))
	var nout int32 = -1
	sc(syscall.SYS_IOCTL, uintptr(s), 0x5411, uintptr(unsafe.Pointer(&nout)))
	say("inet: SIOCOUTQ (acknowledged)", int64(nout))
	say("inet: poll(readable)", pollOf(a))
	say("inet: recv(MSG_PEEK, 5)", sc(syscall.SYS_RECVFROM, uintptr(a), p(buf), 5, syscall.MSG_PEEK, 0, 0))
	say("inet: recv(MSG_PEEK) whole", sc(syscall.SYS_RECVFROM, uintptr(a), p(buf), 100, syscall.MSG_PEEK, 0, 0))
	say("inet: read", sc(syscall.SYS_READ, uintptr(a), p(buf), 100))
	check("inet: tcp data", string(buf[:11]) == "hello world", fmt.Sprintf("%q", buf[:11]))
	say("inet: recv(MSG_DONTWAIT) empty", sc(syscall.SYS_RECVFROM, uintptr(a), p(buf), 100, syscall.MSG_DONTWAIT, 0, 0))
	fl := make([]byte, 16)
	fll := int32(16)
	syscall.Write(s, []byte("x"))
	time.Sleep(10 * time.Millisecond)
	say("inet: recvfrom(stream) address length", func() int64 {
		sc(syscall.SYS_RECVFROM, uintptr(a), p(buf), 100, 0, p(fl), uintptr(unsafe.Pointer(&fll)))
		return int64(fll)
	}())
	say("inet: shutdown(SHUT_WR)", sc(syscall.SYS_SHUTDOWN, uintptr(s), syscall.SHUT_WR))
	time.Sleep(10 * time.Millisecond)
	say("inet: poll(peer's SHUT_WR)", pollOf(a))
	say("inet: read after peer's SHUT_WR", sc(syscall.SYS_READ, uintptr(a), p(buf), 100))
	say("inet: send after SHUT_WR (MSG_NOSIGNAL)", sc(syscall.SYS_SENDTO, uintptr(s), p(buf), 1, syscall.MSG_NOSIGNAL, 0, 0))
	say("inet: poll(own SHUT_WR)", pollOf(s))
	say("inet: write the other way", sc(syscall.SYS_WRITE, uintptr(a), p([]byte("back")), 4))
	say("inet: read the other way", sc(syscall.SYS_READ, uintptr(s), p(buf), 100))
	syscall.Close(a)
	time.Sleep(10 * time.Millisecond)
	say("inet: poll(both shut)", pollOf(s))
	say("inet: read after both shut", sc(syscall.SYS_READ, uintptr(s), p(buf), 100))
	say("inet: getpeername after both shut", func() int64 { _, l := name(s, true); return l }())
	syscall.Close(s)

	// The peer closes: EOF; a write reaches a closed socket and is
	// reset: the next one is EPIPE and SIGPIPE.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGPIPE)
	c, a, _ := tcpPairOn(l)
	syscall.Close(a)
	time.Sleep(10 * time.Millisecond)
	say("inet: poll(peer closed)", pollOf(c))
	say("inet: read after the peer closed", sc(syscall.SYS_READ, uintptr(c), p(buf), 100))
	say("inet: write to a closed peer (MSG_NOSIGNAL)", sc(syscall.SYS_SENDTO, uintptr(c), p(buf), 3, syscall.MSG_NOSIGNAL, 0, 0))
	time.Sleep(10 * time.Millisecond)
	say("inet: poll(after the reset)", pollOf(c))
	say("inet: write after the reset", sc(syscall.SYS_WRITE, uintptr(c), p(buf), 3))
	select {
	case <-sigs:
		say("inet: SIGPIPE delivered", 1)
	case <-time.After(time.Second):
		say("inet: SIGPIPE delivered", 0)
	}
	say("inet: read after the reset", sc(syscall.SYS_READ, uintptr(c), p(buf), 100))
	syscall.Close(c)
	// Closed with data unread: the peer reads the reset.
	c, a, _ = tcpPairOn(l)
	syscall.Write(c, []byte("unread"))
	syscall.Write(a, []byte("for c"))
	time.Sleep(10 * time.Millisecond)
	syscall.Close(a)
	time.Sleep(10 * time.Millisecond)
	say("inet: poll(reset by a close with data unread)", pollOf(c))
	say("inet: read: the data before the reset", sc(syscall.SYS_READ, uintptr(c), p(buf), 100))
	say("inet: read: then ECONNRESET", sc(syscall.SYS_READ, uintptr(c), p(buf), 100))
	say("inet: read again", sc(syscall.SYS_READ, uintptr(c), p(buf), 100))
	say("inet: write after ECONNRESET (MSG_NOSIGNAL)", sc(syscall.SYS_SENDTO, uintptr(c), p(buf), 3, syscall.MSG_NOSIGNAL, 0, 0))
	syscall.Close(c)
	// SO_LINGER 0: a close resets.
	c, a, _ = tcpPairOn(l)
	lg = syscall.Linger{Onoff: 1, Linger: 0}
	syscall.SetsockoptLinger(a, syscall.SOL_SOCKET, syscall.SO_LINGER, &lg)
	syscall.Close(a)
	time.Sleep(10 * time.Millisecond)
	say("inet: write after SO_LINGER 0 close (MSG_NOSIGNAL)", sc(syscall.SYS_SENDTO, uintptr(c), p(buf), 3, syscall.MSG_NOSIGNAL, 0, 0))
	syscall.Close(c)
	// A full connection: a non-blocking writer stops, then -EAGAIN.
	c, a, _ = tcpPairOn(l)
	syscall.SetNonblock(c, true)
	big := make([]byte, 64<<10)
	total := 0
	var werr error
	for i := 0; i < 1000; i++ {
		n, err := syscall.Write(c, big)
		if err != nil {
			werr = err
			break
		}
		total += n
	}
	say("inet: write(full, O_NONBLOCK) errno", errno(werr))
	check("inet: stream fills", total > 0 && total < 1000*len(big), fmt.Sprint(total))
	say("inet: poll(full writer) has no EPOLLOUT", b2i(pollOf(c)&syscall.EPOLLOUT == 0))
	syscall.SetNonblock(c, false)
	syscall.SetsockoptTimeval(c, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &syscall.Timeval{Usec: 100000})
	t0 := time.Now()
	say("inet: write(full, SO_SNDTIMEO 100 ms)", sc(syscall.SYS_WRITE, uintptr(c), p(big), uintptr(len(big))))
	say("inet: it waited 100 ms", b2i(time.Since(t0) >= 90*time.Millisecond))
	// The reader drains it all.
	got := 0
	for got < total {
		n, err := syscall.Read(a, big)
		if err != nil || n == 0 {
			break
		}
		got += n
	}
	check("inet: everything written is read", got == total, fmt.Sprint(got, total))
	say("inet: poll(drained writer) has EPOLLOUT", b2i(pollOf(c)&syscall.EPOLLOUT != 0))
	syscall.SetsockoptTimeval(a, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &syscall.Timeval{Usec: 100000})
	say("inet: read(empty, SO_RCVTIMEO 100 ms)", sc(syscall.SYS_READ, uintptr(a), p(buf), 10))
	syscall.Close(c)
	syscall.Close(a)
	// A listener closed with a connection never accepted: it is reset.
	c, _, _ = connectOnly(l)
	syscall.Close(l)
	time.Sleep(10 * time.Millisecond)
	say("inet: read on a connection its listener closed unaccepted", sc(syscall.SYS_READ, uintptr(c), p(buf), 10))
	syscall.Close(c)
	say("inet: socketpair(AF_INET)", sc(syscall.SYS_SOCKETPAIR, syscall.AF_INET, syscall.SOCK_STREAM, 0, p(buf)))
	say("inet: socket(AF_INET, SOCK_SEQPACKET)", sc(syscall.SYS_SOCKET, syscall.AF_INET, syscall.SOCK_SEQPACKET, 0))
	say("inet: socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)", sc(syscall.SYS_SOCKET, syscall.AF_INET, syscall.SOCK_STREAM, syscall.IPPROTO_UDP))

	udpCheck()
	inetGoNet()
}

// tcpPairOn connects to the listener l and accepts: client and accepted.
func tcpPairOn(l int) (int, int, int) {
	c, _, _ := connectOnly(l)
	a := int(sc(syscall.SYS_ACCEPT4, uintptr(l), 0, 0, 0))
	return c, a, l
}

func connectOnly(l int) (int, int, int) {
	c := tcpSock()
	if r := sc(syscall.SYS_CONNECT, uintptr(c), p(sin(127, 0, 0, 1, port(l))), 16); r != 0 {
		check("inet: connect", false, fmt.Sprint(r))
	}
	return c, 0, l
}

func udpCheck() {
	buf := make([]byte, 256)
	u := udpSock()
	say("inet: udp SO_PROTOCOL", getint(u, syscall.SO_PROTOCOL))
	say("inet: udp SO_BROADCAST", getint(u, syscall.SO_BROADCAST))
	say("inet: udp SO_BROADCAST after 1", func() int64 {
		setopt(u, syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
		return getint(u, syscall.SO_BROADCAST)
	}())
	say("inet: udp IP_MULTICAST_TTL", getopt(u, syscall.IPPROTO_IP, syscall.IP_MULTICAST_TTL))
	say("inet: udp IP_TOS after 0x2f", func() int64 {
		setopt(u, syscall.IPPROTO_IP, syscall.IP_TOS, 0x2f)
		return getopt(u, syscall.IPPROTO_IP, syscall.IP_TOS)
	}())
	say("inet: udp setsockopt(IPPROTO_TCP)", setopt(u, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1))
	say("inet: poll(new udp socket)", pollOf(u))
	say("inet: udp listen", sc(syscall.SYS_LISTEN, uintptr(u), 1))
	say("inet: udp accept", sc(syscall.SYS_ACCEPT, uintptr(u), 0, 0))
	say("inet: udp send(unconnected)", sc(syscall.SYS_SENDTO, uintptr(u), p(buf), 1, 0, 0, 0))
	say("inet: udp getpeername(unconnected)", func() int64 { _, l := name(u, true); return l }())
	say("inet: udp recv(MSG_DONTWAIT) empty", sc(syscall.SYS_RECVFROM, uintptr(u), p(buf), 10, syscall.MSG_DONTWAIT, 0, 0))
	say("inet: udp shutdown(unconnected)", sc(syscall.SYS_SHUTDOWN, uintptr(u), syscall.SHUT_RD))
	syscall.Close(u)

	r := udpSock()
	sc(syscall.SYS_BIND, uintptr(r), p(sin(127, 0, 0, 1, 0)), 16)
	rp := port(r)
	u = udpSock()
	say("inet: udp bind(the same port)", sc(syscall.SYS_BIND, uintptr(u), p(sin(0, 0, 0, 0, rp)), 16))
	say("inet: udp sendto(port 0)", sc(syscall.SYS_SENDTO, uintptr(u), p(buf), 3, 0, p(sin(127, 0, 0, 1, 0)), 16))
	say("inet: udp sendto(10.1.2.3)", sc(syscall.SYS_SENDTO, uintptr(u), p(buf), 3, 0, p(sin(10, 1, 2, 3, 53)), 16))
	say("inet: udp sendto(addrlen 8)", sc(syscall.SYS_SENDTO, uintptr(u), p(buf), 3, 0, p(sin(127, 0, 0, 1, rp)), 8))
	say("inet: udp sendto(255.255.255.255) without SO_BROADCAST", sc(syscall.SYS_SENDTO, uintptr(u), p(buf), 3, 0, p(sin(255, 255, 255, 255, rp)), 16))
	say("inet: udp sendto(65508 bytes)", sc(syscall.SYS_SENDTO, uintptr(u), p(make([]byte, 65508)), 65508, 0, p(sin(127, 0, 0, 1, rp)), 16))
	say("inet: udp sendto", sc(syscall.SYS_SENDTO, uintptr(u), p([]byte("datagram one")), 12, 0, p(sin(127, 0, 0, 1, rp)), 16))
	say("inet: udp sendto(0 bytes)", sc(syscall.SYS_SENDTO, uintptr(u), p(buf), 0, 0, p(sin(127, 0, 0, 1, rp)), 16))
	say("inet: udp sendto(3 bytes)", sc(syscall.SYS_SENDTO, uintptr(u), p([]byte("abc")), 3, 0, p(sin(127, 0, 0, 1, rp)), 16))
	say("inet: udp sender autobound to an ephemeral port", b2i(port(u) >= 32768 && port(u) <= 60999))
	nm, _ := name(u, false)
	say("inet: udp sender's name is 0.0.0.0:port", b2i(strings.HasPrefix(nm, "0.0.0.0:")))
	time.Sleep(10 * time.Millisecond)
	var nread int32
	sc(syscall.SYS_IOCTL, uintptr(r), 0x541B, uintptr(unsafe.Pointer(&nread)))
	say("inet: udp FIONREAD (first datagram)", int64(nread))
	say("inet: poll(udp with a datagram)", pollOf(r))
	say("inet: udp recv(MSG_PEEK)", sc(syscall.SYS_RECVFROM, uintptr(r), p(buf), 100, syscall.MSG_PEEK, 0, 0))
	from := make([]byte, 32)
	froml := int32(32)
	say("inet: udp recvfrom", sc(syscall.SYS_RECVFROM, uintptr(r), p(buf), 100, 0, p(from), uintptr(unsafe.Pointer(&froml))))
	say("inet: udp recvfrom address length", int64(froml))
	say("inet: udp recvfrom source is the sender", b2i(fmt.Sprintf("%d.%d.%d.%d:%d", from[4], from[5], from[6], from[7], int(from[2])<<8|int(from[3])) == fmt.Sprintf("127.0.0.1:%d", port(u))))
	say("inet: udp recv(0-byte datagram)", sc(syscall.SYS_RECVFROM, uintptr(r), p(buf), 100, 0, 0, 0))
	say("inet: udp recv(MSG_TRUNC, 2 bytes) of 3", sc(syscall.SYS_RECVFROM, uintptr(r), p(buf), 2, syscall.MSG_TRUNC, 0, 0))
	// Connected UDP: only the peer's datagrams; to a port nobody has:
	// ECONNREFUSED on the next call.
	say("inet: udp connect", sc(syscall.SYS_CONNECT, uintptr(r), p(sin(127, 0, 0, 1, port(u))), 16))
	nm, _ = name(r, true)
	say("inet: udp getpeername(connected)", b2i(nm == fmt.Sprintf("127.0.0.1:%d", port(u))))
	o := udpSock()
	sc(syscall.SYS_SENDTO, uintptr(o), p([]byte("other")), 5, 0, p(sin(127, 0, 0, 1, rp)), 16)
	sc(syscall.SYS_SENDTO, uintptr(u), p([]byte("peer")), 4, 0, p(sin(127, 0, 0, 1, rp)), 16)
	time.Sleep(10 * time.Millisecond)
	say("inet: connected udp reads its peer's datagram only", sc(syscall.SYS_RECVFROM, uintptr(r), p(buf), 100, syscall.MSG_DONTWAIT, 0, 0))
	say("inet: and nothing else", sc(syscall.SYS_RECVFROM, uintptr(r), p(buf), 100, syscall.MSG_DONTWAIT, 0, 0))
	syscall.Close(o)
	us := udpSock()
	sc(syscall.SYS_BIND, uintptr(us), p(sin(127, 0, 0, 1, 0)), 16)
	gone := port(us)
	syscall.Close(us)
	say("inet: udp connect(a port nobody has)", sc(syscall.SYS_CONNECT, uintptr(u), p(sin(127, 0, 0, 1, gone)), 16))
	nm, _ = name(u, false)
	say("inet: udp connect sets the source address", b2i(strings.HasPrefix(nm, "127.0.0.1:")))
	say("inet: udp send to it", sc(syscall.SYS_SENDTO, uintptr(u), p(buf), 5, 0, 0, 0))
	time.Sleep(10 * time.Millisecond)
	say("inet: poll(udp port unreachable)", pollOf(u))
	say("inet: udp recv after port unreachable", sc(syscall.SYS_RECVFROM, uintptr(u), p(buf), 100, syscall.MSG_DONTWAIT, 0, 0))
	say("inet: udp recv again", sc(syscall.SYS_RECVFROM, uintptr(u), p(buf), 100, syscall.MSG_DONTWAIT, 0, 0))
	sc(syscall.SYS_SENDTO, uintptr(u), p(buf), 5, 0, 0, 0)
	say("inet: udp send after port unreachable", sc(syscall.SYS_SENDTO, uintptr(u), p(buf), 5, 0, 0, 0))
	say("inet: udp sendto unconnected to nobody", func() int64 {
		x := udpSock()
		defer syscall.Close(x)
		sc(syscall.SYS_SENDTO, uintptr(x), p(buf), 5, 0, p(sin(127, 0, 0, 1, gone)), 16)
		return sc(syscall.SYS_SENDTO, uintptr(x), p(buf), 5, 0, p(sin(127, 0, 0, 1, gone)), 16)
	}())
	un := make([]byte, 16)
	say("inet: udp connect(AF_UNSPEC)", sc(syscall.SYS_CONNECT, uintptr(u), p(un), 16))
	say("inet: udp getpeername after AF_UNSPEC", func() int64 { _, l := name(u, true); return l }())
	syscall.Close(u)
	syscall.Close(r)
}

// inetGoNet: Go's net over TCP and UDP on the loopback, as programs use
// it (the netpoller's non-blocking connect, accept4, deadlines), and
// the resolver's fast failure with no DNS server.
func inetGoNet() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		check("net.Listen(tcp)", false, err.Error())
		return
	}
	say("net: Listen(tcp)", 0)
	const rounds = 200
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		// TCPConn.ReadFrom from a TCPConn: splice(2) through a pipe.
		io.Copy(c, c)
		c.Close()
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		check("net.Dial(tcp)", false, err.Error())
		return
	}
	t0 := time.Now()
	msg := bytes.Repeat([]byte("0123456789abcdef"), 64)
	got := make([]byte, len(msg))
	ok := 0
	for i := 0; i < rounds; i++ {
		c.Write(msg)
		if _, err := io.ReadFull(c, got); err == nil && bytes.Equal(got, msg) {
			ok++
		}
	}
	el := time.Since(t0)
	say("net: tcp echo round trips of 1 KiB", int64(ok))
	fmt.Printf("socktest: figure: net tcp echo %d round trips of 1 KiB in %v (%v each)\n", rounds, el, el/rounds)
	c.Close()
	l.Close()
	_, err = net.Dial("tcp", l.Addr().String())
	say("net: Dial(tcp) to a closed listener is refused", b2i(err != nil && strings.Contains(err.Error(), "connection refused")))
	// UDP with a read deadline.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		check("net.ListenPacket(udp)", false, err.Error())
		return
	}
	pc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, _, err = pc.ReadFrom(got)
	say("net: udp read deadline", b2i(err != nil && strings.Contains(err.Error(), "timeout")))
	dc, err := net.Dial("udp", pc.LocalAddr().String())
	if err == nil {
		dc.Write([]byte("over udp"))
		pc.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, addr, err := pc.ReadFrom(got)
		say("net: udp datagram", b2i(err == nil && string(got[:n]) == "over udp" && addr.String() == dc.LocalAddr().String()))
		dc.Close()
	} else {
		check("net.Dial(udp)", false, err.Error())
	}
	pc.Close()
	// No /etc/resolv.conf: the resolver asks 127.0.0.1:53, where nobody
	// is; the port unreachable makes it fail at once.
	t0 = time.Now()
	r := &net.Resolver{PreferGo: true}
	_, err = r.LookupHost(context.Background(), "gokern.invalid")
	say("net: DNS lookup without a server fails", b2i(err != nil))
	say("net: and fails in under 2 s", b2i(time.Since(t0) < 2*time.Second))
	fmt.Printf("socktest: figure: DNS lookup without a server failed in %v: %v\n", time.Since(t0).Round(time.Millisecond), err)
}

// tcpThroughput prints how fast 16 MiB go through a loopback TCP
// connection, 64 KiB a write (a figure, not a check).
func tcpThroughput() {
	const total = 16 << 20
	l := tcpSock()
	sc(syscall.SYS_BIND, uintptr(l), p(sin(127, 0, 0, 1, 0)), 16)
	sc(syscall.SYS_LISTEN, uintptr(l), 1)
	w, r, _ := tcpPairOn(l)
	buf := make([]byte, 64<<10)
	done := make(chan struct{})
	go func() {
		rb := make([]byte, 64<<10)
		for got := 0; got < total; {
			n, err := syscall.Read(r, rb)
			if err != nil || n == 0 {
				break
			}
			got += n
		}
		close(done)
	}()
	t0 := time.Now()
	for sent := 0; sent < total; {
		n, err := syscall.Write(w, buf)
		if err != nil {
			break
		}
		sent += n
	}
	<-done
	d := time.Since(t0)
	fmt.Printf("socktest: figure: 16 MiB through loopback TCP in %v (%.0f MiB/s)\n", d.Round(time.Millisecond), float64(total)/d.Seconds()/(1<<20))
	syscall.Close(w)
	syscall.Close(r)
	syscall.Close(l)
}
