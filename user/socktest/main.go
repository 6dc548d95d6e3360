// socktest: gokern's sockets from user space, as /init. Each check
// prints "socktest: <what> = <value>" (a result or a negated errno) for
// the boot test (internal/boottest TestSockets) to compare with Linux's
// answers, then exits 0 if every check it can decide itself passed.
// The last part uses Go's own net package over AF_UNIX: the runtime's
// netpoller (epoll) drives the sockets.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

var failed bool

func say(what string, v int64) { fmt.Printf("socktest: %s = %d\n", what, v) }

func check(what string, ok bool, detail string) {
	if !ok {
		failed = true
		fmt.Printf("socktest: FAIL %s: %s\n", what, detail)
	}
}

// sc is a raw system call: its result, or the negated errno.
func sc(trap uintptr, a ...uintptr) int64 {
	var args [6]uintptr
	copy(args[:], a)
	r, _, e := syscall.Syscall6(trap, args[0], args[1], args[2], args[3], args[4], args[5])
	if e != 0 {
		return -int64(e)
	}
	return int64(r)
}

func sockaddr(path string) ([]byte, uintptr) {
	b := make([]byte, 2+len(path))
	b[0] = syscall.AF_UNIX
	copy(b[2:], path)
	return b, uintptr(len(b))
}

func p(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

func pair(typ int) (int, int) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, typ, 0)
	if err != nil {
		fmt.Printf("socktest: FAIL socketpair(%d): %v\n", typ, err)
		os.Exit(1)
	}
	return fds[0], fds[1]
}

func main() {
	fmt.Println("socktest: start")
	// The families and types Linux refuses.
	fd := sc(syscall.SYS_SOCKET, syscall.AF_INET, syscall.SOCK_STREAM, 0)
	say("socket(AF_INET, SOCK_STREAM) is a descriptor", b2i(fd >= 0))
	syscall.Close(int(fd))
	say("socket(AF_INET6, SOCK_DGRAM)", sc(syscall.SYS_SOCKET, syscall.AF_INET6, syscall.SOCK_DGRAM, 0))
	say("socket(AF_UNIX, 9)", sc(syscall.SYS_SOCKET, syscall.AF_UNIX, 9, 0))
	say("socket(AF_UNIX, SOCK_STREAM, 7)", sc(syscall.SYS_SOCKET, syscall.AF_UNIX, syscall.SOCK_STREAM, 7))
	say("socket(AF_UNIX, SOCK_STREAM|0x100000)", sc(syscall.SYS_SOCKET, syscall.AF_UNIX, syscall.SOCK_STREAM|0x100000, 0))
	say("socket(1000, SOCK_STREAM)", sc(syscall.SYS_SOCKET, 1000, syscall.SOCK_STREAM, 0))
	say("getsockopt(stdin, SO_TYPE)", sc(syscall.SYS_GETSOCKOPT, 0, syscall.SOL_SOCKET, syscall.SO_TYPE, 0, 0))

	streamPair()
	sigpipe()
	epollCheck()
	pathname()
	abstract()
	dgram()
	seqpacket()
	rights()
	creds()
	badInput()
	goNet()
	inetCheck()

	throughput()
	tcpThroughput()

	if failed {
		fmt.Println("socktest: FAILED")
		os.Exit(1)
	}
	fmt.Println("socktest: PASS")
}

func streamPair() {
	a, b := pair(syscall.SOCK_STREAM)
	n, _ := syscall.Write(a, []byte("hello"))
	say("write(stream, hello)", int64(n))
	buf := make([]byte, 16)
	n, _ = syscall.Read(b, buf)
	say("read(stream)", int64(n))
	check("stream data", string(buf[:n]) == "hello", fmt.Sprintf("%q", buf[:n]))
	var st syscall.Stat_t
	syscall.Fstat(a, &st)
	say("fstat S_IFMT is S_IFSOCK", b2i(st.Mode&syscall.S_IFMT == syscall.S_IFSOCK))
	say("getsockopt(SO_TYPE)", getint(a, syscall.SO_TYPE))
	// /proc/self/fd names a socket socket:[inode] and will not open it.
	if _, err := os.Stat("/proc/self"); err != nil {
		syscall.Mount("proc", "/proc", "proc", 0, "")
	}
	link, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", a))
	say("readlink(/proc/self/fd/N) is socket:[inode]", b2i(regexp.MustCompile(`^socket:\[[0-9]+\]$`).MatchString(link)))
	check("readlink(/proc/self/fd/N)", strings.HasPrefix(link, "socket:["), link)
	_, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", a))
	say("open(/proc/self/fd/N)", errno(unwrap(err)))
	say("getsockopt(SO_SNDBUF)", getint(a, syscall.SO_SNDBUF))
	syscall.SetsockoptInt(a, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 8192)
	say("getsockopt(SO_SNDBUF) after 8192", getint(a, syscall.SO_SNDBUF))
	// Non-blocking: an empty socket is -EAGAIN.
	say("recv(MSG_DONTWAIT) empty", sc(syscall.SYS_RECVFROM, uintptr(b), p(buf), 16, syscall.MSG_DONTWAIT, 0, 0))
	// MSG_PEEK leaves the bytes.
	syscall.Write(a, []byte("abc"))
	say("recv(MSG_PEEK)", sc(syscall.SYS_RECVFROM, uintptr(b), p(buf), 16, syscall.MSG_PEEK, 0, 0))
	say("recv after peek", sc(syscall.SYS_RECVFROM, uintptr(b), p(buf), 16, 0, 0, 0))
	// Fill the buffer: a non-blocking write stops short, then -EAGAIN.
	syscall.SetNonblock(a, true)
	big := make([]byte, 64<<10)
	total := 0
	for i := 0; i < 100; i++ {
		n, err := syscall.Write(a, big)
		if err != nil {
			say("write(full, O_NONBLOCK) errno", -int64(err.(syscall.Errno)))
			break
		}
		total += n
	}
	check("stream fills", total > 0 && total < 100*len(big), fmt.Sprint(total))
	// SO_SNDTIMEO: a blocking write to the full socket gives up.
	syscall.SetNonblock(a, false)
	syscall.SetsockoptTimeval(a, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &syscall.Timeval{Usec: 100000})
	t0 := time.Now()
	say("write(full, SO_SNDTIMEO 100 ms)", sc(syscall.SYS_WRITE, uintptr(a), p(big), uintptr(len(big))))
	// A timeout of N jiffies sleeps N-1 to N of them, the current one
	// being partly gone (Linux schedule_timeout too): 96-100 ms at HZ=250.
	say("it waited 100 ms", b2i(time.Since(t0) >= 90*time.Millisecond))
	syscall.SetsockoptTimeval(a, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &syscall.Timeval{})
	// Reading it all back in a goroutine while a blocking writer waits.
	syscall.SetNonblock(a, false)
	done := make(chan int)
	go func() {
		got := 0
		rb := make([]byte, 32<<10)
		for got < total+len(big) {
			n, err := syscall.Read(b, rb)
			if err != nil || n == 0 {
				break
			}
			got += n
		}
		done <- got
	}()
	n, _ = syscall.Write(a, big)
	got := <-done
	check("blocked writer completes", n == len(big) && got == total+len(big), fmt.Sprintf("wrote %d, read %d of %d", n, got, total+len(big)))
	// SO_RCVTIMEO: a blocking read of an empty socket gives up; the
	// option reads back as set; microseconds past a second are EDOM.
	syscall.SetsockoptTimeval(b, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &syscall.Timeval{Usec: 100000})
	tv := syscall.Timeval{}
	tvl := uint32(unsafe.Sizeof(tv))
	sc(syscall.SYS_GETSOCKOPT, uintptr(b), syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, uintptr(unsafe.Pointer(&tv)), uintptr(unsafe.Pointer(&tvl)))
	say("getsockopt(SO_RCVTIMEO) µs", tv.Usec)
	t0 = time.Now()
	say("read(empty, SO_RCVTIMEO 100 ms)", sc(syscall.SYS_READ, uintptr(b), p(buf), 16))
	say("it waited 100 ms too", b2i(time.Since(t0) >= 90*time.Millisecond))
	bad := syscall.Timeval{Usec: 2000000}
	say("setsockopt(SO_RCVTIMEO, 2000000 µs)", sc(syscall.SYS_SETSOCKOPT, uintptr(b), syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, uintptr(unsafe.Pointer(&bad)), 16))
	syscall.SetsockoptTimeval(b, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &syscall.Timeval{})
	// shutdown(SHUT_WR): the peer reads EOF; a write is -EPIPE.
	say("shutdown(a, SHUT_WR)", sc(syscall.SYS_SHUTDOWN, uintptr(a), syscall.SHUT_WR))
	say("read after peer's SHUT_WR", sc(syscall.SYS_READ, uintptr(b), p(buf), 16))
	say("send after SHUT_WR (MSG_NOSIGNAL)", sc(syscall.SYS_SENDTO, uintptr(a), p(buf), 1, syscall.MSG_NOSIGNAL, 0, 0))
	say("shutdown(a, 3)", sc(syscall.SYS_SHUTDOWN, uintptr(a), 3))
	// Closing with data unread: the peer's read is ECONNRESET, then EOF.
	syscall.Write(b, []byte("unread"))
	syscall.Close(a)
	say("write to a closed peer (MSG_NOSIGNAL)", sc(syscall.SYS_SENDTO, uintptr(b), p(buf), 1, syscall.MSG_NOSIGNAL, 0, 0))
	syscall.Close(b)

	a, b = pair(syscall.SOCK_STREAM)
	syscall.Write(b, []byte("x"))
	syscall.Close(b)
	say("read: the data the closed peer sent", sc(syscall.SYS_READ, uintptr(a), p(buf), 16))
	say("read: then EOF", sc(syscall.SYS_READ, uintptr(a), p(buf), 16))
	syscall.Close(a)

	a, b = pair(syscall.SOCK_STREAM)
	syscall.Write(a, []byte("never read"))
	syscall.Close(b)
	say("read after the peer closed with data unread", sc(syscall.SYS_READ, uintptr(a), p(buf), 16))
	say("read again", sc(syscall.SYS_READ, uintptr(a), p(buf), 16))
	syscall.Close(a)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func getint(fd, opt int) int64 {
	v, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, opt)
	if err != nil {
		return -int64(err.(syscall.Errno))
	}
	return int64(v)
}

func sigpipe() {
	c := make(chan os.Signal, 4)
	signal.Notify(c, syscall.SIGPIPE)
	defer signal.Stop(c)
	a, b := pair(syscall.SOCK_STREAM)
	syscall.Close(b)
	say("write to a closed peer", sc(syscall.SYS_WRITE, uintptr(a), p([]byte("x")), 1))
	select {
	case <-c:
		say("SIGPIPE delivered", 1)
	case <-time.After(2 * time.Second):
		say("SIGPIPE delivered", 0)
	}
	say("send(MSG_NOSIGNAL) to a closed peer", sc(syscall.SYS_SENDTO, uintptr(a), p([]byte("x")), 1, syscall.MSG_NOSIGNAL, 0, 0))
	select {
	case <-c:
		say("SIGPIPE with MSG_NOSIGNAL", 1)
	case <-time.After(200 * time.Millisecond):
		say("SIGPIPE with MSG_NOSIGNAL", 0)
	}
	syscall.Close(a)
}

func epollCheck() {
	a, b := pair(syscall.SOCK_STREAM)
	ep, _ := syscall.EpollCreate1(0)
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLOUT | syscall.EPOLLRDHUP, Fd: int32(a)}
	syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, a, &ev)
	evs := make([]syscall.EpollEvent, 4)
	wait := func(what string) {
		n, _ := syscall.EpollWait(ep, evs, 1000)
		if n != 1 {
			say(what, int64(-1000+n))
			return
		}
		say(what, int64(evs[0].Events))
	}
	wait("epoll: idle pair (EPOLLOUT)")
	syscall.Write(b, []byte("x"))
	wait("epoll: after the peer wrote (IN|OUT)")
	syscall.Close(b)
	wait("epoll: after the peer closed (IN|OUT|HUP|RDHUP)")
	syscall.Close(a)
	syscall.Close(ep)
	// poll(2) on a listening socket: readable when a connection waits.
	l, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	sa, n := sockaddr("\x00epoll-listener")
	sc(syscall.SYS_BIND, uintptr(l), p(sa), n)
	syscall.Listen(l, 4)
	c, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	// A blocking accept in a goroutine wakes when the connect comes.
	accepted := make(chan int64)
	go func() { accepted <- sc(syscall.SYS_ACCEPT4, uintptr(l), 0, 0, 0) }()
	time.Sleep(50 * time.Millisecond)
	say("connect to a listener with a blocked accept", sc(syscall.SYS_CONNECT, uintptr(c), p(sa), n))
	select {
	case fd := <-accepted:
		say("the blocked accept returned a descriptor", b2i(fd > 2))
		syscall.Close(int(fd))
	case <-time.After(3 * time.Second):
		say("the blocked accept returned a descriptor", 0)
	}
	syscall.Close(c)
	syscall.Close(l)
}

func pathname() {
	l, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	sa, n := sockaddr("/tmp/sock")
	say("bind(/tmp/sock)", sc(syscall.SYS_BIND, uintptr(l), p(sa), n))
	var st syscall.Stat_t
	syscall.Stat("/tmp/sock", &st)
	say("stat(/tmp/sock) is S_IFSOCK", b2i(st.Mode&syscall.S_IFMT == syscall.S_IFSOCK))
	say("bind again", sc(syscall.SYS_BIND, uintptr(l), p(sa), n))
	l2, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	say("bind(/tmp/sock) by another socket", sc(syscall.SYS_BIND, uintptr(l2), p(sa), n))
	c, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	say("connect before listen", sc(syscall.SYS_CONNECT, uintptr(c), p(sa), n))
	say("listen(unbound)", sc(syscall.SYS_LISTEN, uintptr(l2), 5))
	say("listen(/tmp/sock, 1)", sc(syscall.SYS_LISTEN, uintptr(l), 1))
	say("connect(/tmp/sock)", sc(syscall.SYS_CONNECT, uintptr(c), p(sa), n))
	say("connect again", sc(syscall.SYS_CONNECT, uintptr(c), p(sa), n))
	// The backlog of 1 holds two (Linux: qlen > backlog is full); the
	// third non-blocking connect is -EAGAIN.
	c2, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
	c3, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
	say("connect 2 (backlog 1)", sc(syscall.SYS_CONNECT, uintptr(c2), p(sa), n))
	say("connect 3 (backlog full, O_NONBLOCK)", sc(syscall.SYS_CONNECT, uintptr(c3), p(sa), n))
	var peer [128]byte
	plen := uint32(len(peer))
	fd := sc(syscall.SYS_ACCEPT4, uintptr(l), uintptr(unsafe.Pointer(&peer[0])), uintptr(unsafe.Pointer(&plen)), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
	say("accept4(NONBLOCK|CLOEXEC) addrlen", int64(plen))
	fl, _ := fcntl(int(fd), syscall.F_GETFL)
	say("accepted O_NONBLOCK", b2i(fl&syscall.O_NONBLOCK != 0))
	fdfl, _ := fcntl(int(fd), syscall.F_GETFD)
	say("accepted FD_CLOEXEC", int64(fdfl))
	var name [128]byte
	nlen := uint32(len(name))
	sc(syscall.SYS_GETSOCKNAME, uintptr(fd), uintptr(unsafe.Pointer(&name[0])), uintptr(unsafe.Pointer(&nlen)))
	say("getsockname(accepted) len", int64(nlen))
	check("getsockname(accepted)", string(name[2:nlen]) == "/tmp/sock\x00", fmt.Sprintf("%q", name[:nlen]))
	nlen = uint32(len(name))
	sc(syscall.SYS_GETPEERNAME, uintptr(c), uintptr(unsafe.Pointer(&name[0])), uintptr(unsafe.Pointer(&nlen)))
	check("getpeername(client)", string(name[2:nlen]) == "/tmp/sock\x00", fmt.Sprintf("%q", name[:nlen]))
	nlen = uint32(len(name))
	say("getsockname(unbound client) len", sc(syscall.SYS_GETSOCKNAME, uintptr(c), uintptr(unsafe.Pointer(&name[0])), uintptr(unsafe.Pointer(&nlen)))*1000+int64(nlen))
	say("getpeername(listener)", sc(syscall.SYS_GETPEERNAME, uintptr(l), uintptr(unsafe.Pointer(&name[0])), uintptr(unsafe.Pointer(&nlen))))
	// SO_PEERCRED on both ends: this process.
	cr, err := syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	check("SO_PEERCRED(accepted)", err == nil && int(cr.Pid) == os.Getpid() && cr.Uid == uint32(os.Geteuid()), fmt.Sprint(cr, err))
	cr, err = syscall.GetsockoptUcred(c, syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	check("SO_PEERCRED(client)", err == nil && int(cr.Pid) == os.Getpid(), fmt.Sprint(cr, err))
	say("SO_ACCEPTCONN(listener)", getint(l, syscall.SO_ACCEPTCONN))
	// An unconnected socket has no peer: pid 0, the overflow ids.
	cr, err = syscall.GetsockoptUcred(l2, syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	say("SO_PEERCRED(unconnected) pid", int64(cr.Pid))
	say("SO_PEERCRED(unconnected) uid", int64(cr.Uid))
	syscall.Write(c, []byte("ping"))
	buf := make([]byte, 8)
	k, _ := syscall.Read(int(fd), buf)
	check("data over the accepted connection", string(buf[:k]) == "ping", fmt.Sprintf("%q", buf[:k]))
	// A stream's recvfrom gives the sender's address: the accepted
	// socket's is its listener's.
	syscall.Write(int(fd), []byte("pong"))
	flen := uint32(len(name))
	sc(syscall.SYS_RECVFROM, uintptr(c), p(buf), 8, 0, uintptr(unsafe.Pointer(&name[0])), uintptr(unsafe.Pointer(&flen)))
	say("recvfrom(stream) address length", int64(flen))
	// Permission: a socket node needs write permission to connect; root
	// has it always, so check the node's mode and the rule after setuid
	// in a child is out of reach here: chmod and connect as root works.
	syscall.Chmod("/tmp/sock", 0)
	c4, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
	say("connect as root to a mode-0 node (backlog full)", sc(syscall.SYS_CONNECT, uintptr(c4), p(sa), n))
	// unlink removes the name: connect is -ENOENT, the listener lives on.
	say("unlink(/tmp/sock)", b2i(syscall.Unlink("/tmp/sock") == nil))
	c5, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	say("connect after unlink", sc(syscall.SYS_CONNECT, uintptr(c5), p(sa), n))
	// A regular file is no socket.
	os.WriteFile("/tmp/plain", []byte("x"), 0o666)
	pa, pn := sockaddr("/tmp/plain")
	say("connect(regular file)", sc(syscall.SYS_CONNECT, uintptr(c5), p(pa), pn))
	// A datagram socket connecting to a stream listener: -EPROTOTYPE.
	for _, f := range []int{l, l2, c, c2, c3, c4, c5, int(fd)} {
		syscall.Close(f)
	}
}

func fcntl(fd, cmd int) (int, error) {
	r := sc(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), 0)
	if r < 0 {
		return 0, syscall.Errno(-r)
	}
	return int(r), nil
}

func abstract() {
	l, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	sa, n := sockaddr("\x00gokern-abstract")
	say("bind(abstract)", sc(syscall.SYS_BIND, uintptr(l), p(sa), n))
	l2, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	say("bind(the same abstract name, dgram)", sc(syscall.SYS_BIND, uintptr(l2), p(sa), n))
	syscall.Listen(l, 5)
	d, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	say("connect(dgram to a stream listener)", sc(syscall.SYS_CONNECT, uintptr(d), p(sa), n))
	c, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	say("connect(abstract)", sc(syscall.SYS_CONNECT, uintptr(c), p(sa), n))
	nb, nn := sockaddr("\x00nobody-here")
	say("connect(unbound abstract name)", sc(syscall.SYS_CONNECT, uintptr(d), p(nb), nn))
	// Autobind: an address of the family alone.
	a, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	fam := []byte{syscall.AF_UNIX, 0}
	say("bind(family only): autobind", sc(syscall.SYS_BIND, uintptr(a), p(fam), 2))
	var name [128]byte
	nlen := uint32(len(name))
	sc(syscall.SYS_GETSOCKNAME, uintptr(a), uintptr(unsafe.Pointer(&name[0])), uintptr(unsafe.Pointer(&nlen)))
	say("autobind name length", int64(nlen))
	check("autobind name", nlen == 8 && name[2] == 0, fmt.Sprintf("%q", name[:nlen]))
	// The listener's close: its unaccepted connection is reset.
	syscall.Close(l)
	buf := make([]byte, 4)
	say("read on a connection its listener closed unaccepted", sc(syscall.SYS_READ, uintptr(c), p(buf), 4))
	for _, f := range []int{l2, d, c, a} {
		syscall.Close(f)
	}
}

func dgram() {
	s, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	sa, n := sockaddr("/tmp/dgram")
	say("bind(/tmp/dgram)", sc(syscall.SYS_BIND, uintptr(s), p(sa), n))
	c, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	ca, cn := sockaddr("/tmp/dgram-client")
	sc(syscall.SYS_BIND, uintptr(c), p(ca), cn)
	msg := []byte("datagram one")
	say("sendto(/tmp/dgram)", sc(syscall.SYS_SENDTO, uintptr(c), p(msg), uintptr(len(msg)), 0, p(sa), n))
	say("sendto(/tmp/dgram) 2", sc(syscall.SYS_SENDTO, uintptr(c), p([]byte("two")), 3, 0, p(sa), n))
	var from [128]byte
	flen := uint32(len(from))
	buf := make([]byte, 64)
	say("recvfrom", sc(syscall.SYS_RECVFROM, uintptr(s), p(buf), 64, 0, uintptr(unsafe.Pointer(&from[0])), uintptr(unsafe.Pointer(&flen))))
	check("recvfrom's address", string(from[2:flen]) == "/tmp/dgram-client\x00", fmt.Sprintf("%q", from[:flen]))
	// A short buffer: the rest of the datagram is lost, MSG_TRUNC says so.
	m := syscall.Msghdr{}
	iov := syscall.Iovec{Base: &buf[0], Len: 2}
	m.Iov, m.Iovlen = &iov, 1
	say("recvmsg(2-byte buffer, 3-byte datagram)", sc(syscall.SYS_RECVMSG, uintptr(s), uintptr(unsafe.Pointer(&m)), 0))
	say("recvmsg's msg_flags has MSG_TRUNC", b2i(m.Flags&syscall.MSG_TRUNC != 0))
	syscall.Sendto(c, []byte("abcdef"), 0, &syscall.SockaddrUnix{Name: "/tmp/dgram"})
	say("recv(MSG_TRUNC, 2 bytes) of 6", sc(syscall.SYS_RECVFROM, uintptr(s), p(buf), 2, syscall.MSG_TRUNC, 0, 0))
	// Connected: send without an address; the receiver connected
	// elsewhere refuses strangers.
	say("connect(dgram)", sc(syscall.SYS_CONNECT, uintptr(c), p(sa), n))
	say("send(connected dgram)", sc(syscall.SYS_SENDTO, uintptr(c), p(msg), uintptr(len(msg)), 0, 0, 0))
	sc(syscall.SYS_CONNECT, uintptr(s), p(ca), cn)
	o, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	say("sendto a socket connected elsewhere", sc(syscall.SYS_SENDTO, uintptr(o), p(msg), 1, 0, p(sa), n))
	// The queue holds 11 (max_dgram_qlen 10, full when longer); then
	// -EAGAIN.
	u, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	ua, un := sockaddr("\x00dgram-fill")
	sc(syscall.SYS_BIND, uintptr(u), p(ua), un)
	sent := 0
	var last int64
	for i := 0; i < 20; i++ {
		if last = sc(syscall.SYS_SENDTO, uintptr(o), p(msg), 1, syscall.MSG_DONTWAIT, p(ua), un); last < 0 {
			break
		}
		sent++
	}
	say("datagrams queued before a full receiver", int64(sent))
	say("then", last)
	// A receiver connected back to its sender (a socketpair) is limited
	// by the send buffer alone, not max_dgram_qlen.
	pa, pb := pair(syscall.SOCK_DGRAM)
	queued := 0
	for i := 0; i < 100; i++ {
		if sc(syscall.SYS_SENDTO, uintptr(pa), p(msg), 1, syscall.MSG_DONTWAIT, 0, 0) < 0 {
			break
		}
		queued++
	}
	say("datagrams queued on a socketpair (of 100)", int64(queued))
	syscall.Close(pa)
	syscall.Close(pb)
	// -EMSGSIZE beyond the send buffer.
	huge := make([]byte, 300<<10)
	say("sendto(300 KiB datagram)", sc(syscall.SYS_SENDTO, uintptr(o), p(huge), uintptr(len(huge)), 0, p(ua), un))
	// The peer closed: a connected sender gets -ECONNREFUSED.
	syscall.Close(s)
	say("send to a closed connected peer", sc(syscall.SYS_SENDTO, uintptr(c), p(msg), 1, 0, 0, 0))
	say("send again (now unconnected)", sc(syscall.SYS_SENDTO, uintptr(c), p(msg), 1, 0, 0, 0))
	for _, f := range []int{c, o, u} {
		syscall.Close(f)
	}
}

func seqpacket() {
	a, b := pair(syscall.SOCK_SEQPACKET)
	syscall.Write(a, []byte("first"))
	syscall.Write(a, []byte("second!"))
	buf := make([]byte, 64)
	n1, _ := syscall.Read(b, buf)
	n2, _ := syscall.Read(b, buf)
	say("seqpacket: record lengths", int64(n1*100+n2))
	syscall.Close(a)
	say("seqpacket: read after the peer closed", sc(syscall.SYS_READ, uintptr(b), p(buf), 64))
	say("seqpacket: send after the peer closed", sc(syscall.SYS_SENDTO, uintptr(b), p(buf), 1, syscall.MSG_NOSIGNAL, 0, 0))
	syscall.Close(b)
	s, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_SEQPACKET, 0)
	say("seqpacket: send unconnected", sc(syscall.SYS_SENDTO, uintptr(s), p(buf), 1, 0, 0, 0))
	syscall.Close(s)
}

func rights() {
	a, b := pair(syscall.SOCK_STREAM)
	var pfd [2]int
	syscall.Pipe(pfd[:])
	rights := syscall.UnixRights(pfd[1])
	say("sendmsg(SCM_RIGHTS pipe write end)", b2i(syscall.Sendmsg(a, []byte("f"), rights, nil, 0) == nil))
	syscall.Close(pfd[1])
	oob := make([]byte, syscall.CmsgSpace(4*4))
	buf := make([]byte, 4)
	n, oobn, flags, _, err := syscall.Recvmsg(b, buf, oob, 0)
	check("recvmsg(SCM_RIGHTS)", err == nil && n == 1, fmt.Sprint(n, err))
	msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
	var fds []int
	if len(msgs) == 1 {
		fds, _ = syscall.ParseUnixRights(&msgs[0])
	}
	say("SCM_RIGHTS descriptors received", int64(len(fds)))
	say("SCM_RIGHTS msg_flags", int64(flags))
	if len(fds) == 1 {
		syscall.Write(fds[0], []byte("through"))
		syscall.Close(fds[0])
		r := make([]byte, 16)
		k, _ := syscall.Read(pfd[0], r)
		check("write through the passed descriptor", string(r[:k]) == "through", fmt.Sprintf("%q", r[:k]))
		k, _ = syscall.Read(pfd[0], r)
		say("pipe EOF after the passed write end closed", int64(k))
	}
	syscall.Close(pfd[0])
	// A message with files never read: closing the receiving socket
	// drops them, so the pipe's reader sees EOF.
	syscall.Pipe(pfd[:])
	syscall.Sendmsg(a, []byte("g"), syscall.UnixRights(pfd[1], pfd[1]), nil, 0)
	syscall.Close(pfd[1])
	syscall.Close(b)
	syscall.Close(a)
	done := make(chan int, 1)
	go func() {
		r := make([]byte, 4)
		k, _ := syscall.Read(pfd[0], r)
		done <- k
	}()
	select {
	case k := <-done:
		say("pipe EOF after the unread message's socket closed", int64(k))
	case <-time.After(3 * time.Second):
		say("pipe EOF after the unread message's socket closed", -1)
	}
	syscall.Close(pfd[0])
	// A cycle: b's own descriptor, with a pipe's write end, in flight
	// on b's queue; once both ends are closed only the in-flight
	// references hold b, and the garbage collector of descriptors in
	// flight (Linux unix_gc) frees it, closing the pipe's writer.
	a, b = pair(syscall.SOCK_STREAM)
	syscall.Pipe(pfd[:])
	syscall.Sendmsg(a, []byte("c"), syscall.UnixRights(b, pfd[1]), nil, 0)
	syscall.Close(pfd[1])
	syscall.Close(a)
	syscall.Close(b)
	go func() {
		r := make([]byte, 4)
		k, _ := syscall.Read(pfd[0], r)
		done <- k
	}()
	select {
	case k := <-done:
		say("pipe EOF after a socket in flight on its own queue was closed", int64(k))
	case <-time.After(3 * time.Second):
		say("pipe EOF after a socket in flight on its own queue was closed", -1)
	}
	syscall.Close(pfd[0])
	// Too small a control buffer (room for two of three): MSG_CTRUNC,
	// the third closed.
	a, b = pair(syscall.SOCK_DGRAM)
	syscall.Pipe(pfd[:])
	syscall.Sendmsg(a, []byte("h"), syscall.UnixRights(pfd[0], pfd[1], pfd[1]), nil, 0)
	small := make([]byte, syscall.CmsgSpace(4))
	_, oobn, flags, _, _ = syscall.Recvmsg(b, buf, small, 0)
	say("recvmsg(room for 2 of 3 fds) MSG_CTRUNC", b2i(flags&syscall.MSG_CTRUNC != 0))
	msgs, _ = syscall.ParseSocketControlMessage(small[:oobn])
	if len(msgs) == 1 {
		fds, _ = syscall.ParseUnixRights(&msgs[0])
		say("descriptors in the cut message", int64(len(fds)))
		for _, f := range fds {
			syscall.Close(f)
		}
	}
	syscall.Close(pfd[0])
	syscall.Close(pfd[1])
	// A bad descriptor: -EBADF; a malformed control message: -EINVAL.
	bad := syscall.UnixRights(999)
	say("sendmsg(SCM_RIGHTS 999)", errno(syscall.Sendmsg(a, []byte("x"), bad, nil, 0)))
	mal := make([]byte, 24)
	mal[0] = 200 // cmsg_len past the buffer
	say("sendmsg(malformed cmsg)", errno(syscall.Sendmsg(a, []byte("x"), mal, nil, 0)))
	syscall.Close(a)
	syscall.Close(b)
}

// unwrap is the errno inside an *os.PathError.
func unwrap(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func errno(err error) int64 {
	if err == nil {
		return 0
	}
	return -int64(err.(syscall.Errno))
}

func creds() {
	a, b := pair(syscall.SOCK_DGRAM)
	syscall.SetsockoptInt(b, syscall.SOL_SOCKET, syscall.SO_PASSCRED, 1)
	say("SO_PASSCRED", getint(b, syscall.SO_PASSCRED))
	syscall.Write(a, []byte("c"))
	oob := make([]byte, syscall.CmsgSpace(syscall.SizeofUcred))
	buf := make([]byte, 4)
	_, oobn, _, _, _ := syscall.Recvmsg(b, buf, oob, 0)
	msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
	if len(msgs) == 1 {
		cr, err := syscall.ParseUnixCredentials(&msgs[0])
		check("SCM_CREDENTIALS", err == nil && int(cr.Pid) == os.Getpid() && int(cr.Uid) == os.Getuid(), fmt.Sprint(cr, err))
		say("SCM_CREDENTIALS pid is getpid", b2i(err == nil && int(cr.Pid) == os.Getpid()))
	} else {
		say("SCM_CREDENTIALS pid is getpid", 0)
	}
	// Root may claim another pid; an explicit ucred arrives as sent.
	uc := syscall.UnixCredentials(&syscall.Ucred{Pid: int32(os.Getpid()), Uid: 0, Gid: 0})
	say("sendmsg(SCM_CREDENTIALS own pid)", errno(syscall.Sendmsg(a, []byte("d"), uc, nil, 0)))
	syscall.Recvmsg(b, buf, oob, 0)
	syscall.Close(a)
	syscall.Close(b)
}

func badInput() {
	s, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	long := make([]byte, 200)
	long[0] = syscall.AF_UNIX
	say("bind(addrlen 200)", sc(syscall.SYS_BIND, uintptr(s), p(long), 200))
	say("bind(addrlen 1)", sc(syscall.SYS_BIND, uintptr(s), p(long), 1))
	say("bind(addrlen -1)", sc(syscall.SYS_BIND, uintptr(s), p(long), ^uintptr(0)))
	say("bind(bad pointer)", sc(syscall.SYS_BIND, uintptr(s), 8, 20))
	inet := []byte{syscall.AF_INET, 0, 1, 2, 3, 4}
	say("bind(AF_INET address)", sc(syscall.SYS_BIND, uintptr(s), p(inet), 6))
	say("connect(bad pointer)", sc(syscall.SYS_CONNECT, uintptr(s), 0xffff800000000000, 20))
	say("socketpair(bad pointer)", sc(syscall.SYS_SOCKETPAIR, syscall.AF_UNIX, syscall.SOCK_STREAM, 0, 8))
	say("socketpair(AF_INET)", sc(syscall.SYS_SOCKETPAIR, syscall.AF_INET, syscall.SOCK_STREAM, 0, p(long)))
	say("sendmsg(bad msghdr)", sc(syscall.SYS_SENDMSG, uintptr(s), 8, 0))
	many := syscall.Msghdr{Iovlen: 1025}
	say("sendmsg(1025 iovecs)", sc(syscall.SYS_SENDMSG, uintptr(s), uintptr(unsafe.Pointer(&many)), 0))
	say("recvfrom(bad buffer, nothing queued, MSG_DONTWAIT)", sc(syscall.SYS_RECVFROM, uintptr(s), 8, 10, syscall.MSG_DONTWAIT, 0, 0))
	say("accept(unlistened)", sc(syscall.SYS_ACCEPT, uintptr(s), 0, 0))
	say("accept4(bad flags)", sc(syscall.SYS_ACCEPT4, uintptr(s), 0, 0, 1))
	say("setsockopt(SOL_SOCKET, 9999)", sc(syscall.SYS_SETSOCKOPT, uintptr(s), syscall.SOL_SOCKET, 9999, p(long), 4))
	say("setsockopt(SO_REUSEPORT, 1) on AF_UNIX", sc(syscall.SYS_SETSOCKOPT, uintptr(s), syscall.SOL_SOCKET, 15, p([]byte{1, 0, 0, 0}), 4))
	say("setsockopt(SO_REUSEPORT, 0) on AF_UNIX", sc(syscall.SYS_SETSOCKOPT, uintptr(s), syscall.SOL_SOCKET, 15, p([]byte{0, 0, 0, 0}), 4))
	say("setsockopt(optlen 2)", sc(syscall.SYS_SETSOCKOPT, uintptr(s), syscall.SOL_SOCKET, syscall.SO_PASSCRED, p(long), 2))
	say("getsockopt(bad optlen pointer)", sc(syscall.SYS_GETSOCKOPT, uintptr(s), syscall.SOL_SOCKET, syscall.SO_TYPE, p(long), 8))
	say("send(unconnected stream)", sc(syscall.SYS_SENDTO, uintptr(s), p(long), 1, 0, 0, 0))
	say("listen(dgram)", func() int64 {
		d, _ := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
		defer syscall.Close(d)
		return sc(syscall.SYS_LISTEN, uintptr(d), 1)
	}())
	syscall.Close(s)
}

// goNet: Go's net package, over the runtime's netpoller.
func goNet() {
	l, err := net.Listen("unix", "/tmp/gonet.sock")
	if err != nil {
		check("net.Listen(unix)", false, err.Error())
		return
	}
	const rounds = 200
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
		c.Close()
	}()
	c, err := net.Dial("unix", "/tmp/gonet.sock")
	if err != nil {
		check("net.Dial(unix)", false, err.Error())
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
	say("net: unix echo round trips of 1 KiB", int64(ok))
	fmt.Printf("socktest: figure: net unix echo %d round trips of 1 KiB in %v (%v each)\n", rounds, el, el/rounds)
	c.Close()
	l.Close()
	_, err = os.Stat("/tmp/gonet.sock")
	say("net: Listener.Close removed the name", b2i(os.IsNotExist(err)))
	// Datagrams through net.UnixConn, with a deadline (the netpoller's
	// timers on a socket).
	pc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: "@gonet-dgram", Net: "unixgram"})
	if err != nil {
		check("net.ListenUnixgram", false, err.Error())
		return
	}
	pc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, _, err = pc.ReadFrom(got)
	say("net: unixgram read deadline", b2i(err != nil && strings.Contains(err.Error(), "timeout")))
	dc, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: "@gonet-dgram", Net: "unixgram"})
	if err == nil {
		dc.Write([]byte("over unixgram"))
		pc.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := pc.ReadFrom(got)
		check("net: unixgram", err == nil && string(got[:n]) == "over unixgram", fmt.Sprint(n, err))
		dc.Close()
	} else {
		check("net.DialUnix(unixgram)", false, err.Error())
	}
	pc.Close()
	// A unixgram writer whose receiver is full of another sender's
	// datagrams waits in the netpoller for EPOLLOUT; the receiver's
	// reads must wake it.
	raddr := &net.UnixAddr{Name: "@gonet-full", Net: "unixgram"}
	if recv, err := net.ListenUnixgram("unixgram", raddr); err == nil {
		filler, _ := net.DialUnix("unixgram", nil, raddr)
		for i := 0; i < 20; i++ {
			filler.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
			if _, err := filler.Write([]byte("f")); err != nil {
				break
			}
		}
		w, _ := net.DialUnix("unixgram", nil, raddr)
		res := make(chan error, 1)
		go func() {
			w.SetWriteDeadline(time.Now().Add(5 * time.Second))
			_, err := w.Write([]byte("mine"))
			res <- err
		}()
		time.Sleep(100 * time.Millisecond)
		for i := 0; i < 11; i++ {
			recv.SetReadDeadline(time.Now().Add(time.Second))
			recv.ReadFrom(got)
		}
		err := <-res
		say("net: unixgram writer woken when its full receiver reads another's datagrams", b2i(err == nil))
		filler.Close()
		w.Close()
		recv.Close()
	} else {
		check("net.ListenUnixgram(@gonet-full)", false, err.Error())
	}
}

// throughput prints how fast 16 MiB go through a stream socketpair and
// through a pipe, 64 KiB a write, read by another goroutine (a figure,
// not a check).
func throughput() {
	const total = 16 << 20
	run := func(r, w int) time.Duration {
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
		return time.Since(t0)
	}
	a, b := pair(syscall.SOCK_STREAM)
	ds := run(b, a)
	syscall.Close(a)
	syscall.Close(b)
	var pfd [2]int
	syscall.Pipe(pfd[:])
	dp := run(pfd[0], pfd[1])
	syscall.Close(pfd[0])
	syscall.Close(pfd[1])
	mb := func(d time.Duration) float64 { return float64(total) / d.Seconds() / (1 << 20) }
	fmt.Printf("socktest: figure: 16 MiB through a stream socketpair in %v (%.0f MiB/s), through a pipe in %v (%.0f MiB/s)\n", ds.Round(time.Millisecond), mb(ds), dp.Round(time.Millisecond), mb(dp))
}
