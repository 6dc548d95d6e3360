package unix

import (
	"sync/atomic"
	"testing"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
	"gokern/kernel/sched"
	"gokern/net"
)

// The host tests drive AF_UNIX below the system calls, as
// net.Sys_sendmsg and net.Sys_recvmsg do, with kernel buffers and without
// waiting (MSG_DONTWAIT): the queues, the send-buffer accounting, the
// message boundaries, and the references of socks, messages and passed
// files, on the simulated machine of internal/fstest.

func boot(t *testing.T) {
	t.Helper()
	fstest.Boot(t)
	if unix_sock_cachep.Cachep == nil {
		if err := Af_unix_init(); err != 0 {
			t.Fatalf("af_unix_init: %d", err)
		}
	}
	net.Current_ucred = func() uapi.Ucred { return uapi.Ucred{Pid: 1} }
	net.Current_peercred = net.Current_ucred
}

// counts: socks, messages and files alive.
type counts struct{ socks, skbs int64 }

func snapshot() counts {
	return counts{atomic.LoadInt64(&Unix_nr_socks), atomic.LoadInt64(&net.Nr_skbs)}
}

func checkCounts(t *testing.T, before counts) {
	t.Helper()
	if after := snapshot(); after != before {
		t.Errorf("socks and messages %+v after, %+v before: a reference was lost or leaked", after, before)
	}
}

func socket(t *testing.T, typ int) *net.Socket {
	t.Helper()
	s, err := net.Sock_create(uapi.AF_UNIX, typ, 0)
	if err != 0 {
		t.Fatalf("socket(AF_UNIX, %d): %d", typ, err)
	}
	return s
}

func socketpair(t *testing.T, typ int) (*net.Socket, *net.Socket) {
	t.Helper()
	a, b := socket(t, typ), socket(t, typ)
	if err := a.Ops.Socketpair(a, b); err != 0 {
		t.Fatalf("socketpair: %d", err)
	}
	return a, b
}

func send(s *net.Socket, b []byte, flags uint32, ctl []byte) int64 {
	m := net.Msghdr{Msg_iter: fs.Iov_iter_kvec(b), Msg_flags_in: flags | uapi.MSG_DONTWAIT, Msg_control: ctl}
	return net.Sock_sendmsg(s, &m)
}

func recv(s *net.Socket, n int, flags uint32) (string, int64, uint32) {
	buf := make([]byte, n)
	m := net.Msghdr{Msg_iter: fs.Iov_iter_kvec(buf)}
	r := net.Sock_recvmsg(s, &m, flags|uapi.MSG_DONTWAIT)
	if r < 0 {
		return "", r, m.Msg_flags
	}
	return string(buf[:min(int(r), n)]), r, m.Msg_flags
}

// TestStreamQueue: a stream keeps the bytes in order across messages,
// a short read leaves the rest of a message (Consumed), MSG_PEEK walks
// the messages without taking them, and the sender's Sk_wmem_alloc goes
// back to 0 when all is read.
func TestStreamQueue(t *testing.T) {
	boot(t)
	before := snapshot()
	a, b := socketpair(t, uapi.SOCK_STREAM)
	for _, w := range []string{"hello, ", "world", "!"} {
		if n := send(a, []byte(w), 0, nil); n != int64(len(w)) {
			t.Fatalf("send(%q) = %d", w, n)
		}
	}
	if q := b.Sk.Sk_receive_queue.Qlen; q != 3 {
		t.Errorf("receive queue %d messages, want 3", q)
	}
	if got, _, _ := recv(b, 64, uapi.MSG_PEEK); got != "hello, world!" {
		t.Errorf("MSG_PEEK read %q, want all three messages", got)
	}
	if got, _, _ := recv(b, 3, 0); got != "hel" {
		t.Errorf("first read %q", got)
	}
	if got, _, _ := recv(b, 6, 0); got != "lo, wo" {
		t.Errorf("second read %q (across a message's end)", got)
	}
	if got, _, _ := recv(b, 64, 0); got != "rld!" {
		t.Errorf("third read %q", got)
	}
	if _, r, _ := recv(b, 64, 0); r != -uapi.EAGAIN {
		t.Errorf("read of an empty stream: %d, want -EAGAIN", r)
	}
	if w := a.Sk.Sk_wmem_alloc; w != 0 {
		t.Errorf("sender's Sk_wmem_alloc %d after everything was read, want 0", w)
	}
	// A full send buffer: the non-blocking send stops short, then
	// -EAGAIN; reading frees the room.
	big := make([]byte, 1<<20)
	n := send(a, big, 0, nil)
	if n <= 0 || n >= int64(len(big)) || n < int64(a.Sk.Sk_sndbuf)/2 {
		t.Errorf("send of 1 MiB into a %d-byte buffer sent %d", a.Sk.Sk_sndbuf, n)
	}
	if r := send(a, big, 0, nil); r != -uapi.EAGAIN {
		t.Errorf("send into a full buffer: %d, want -EAGAIN", r)
	}
	total := int64(0)
	for {
		_, r, _ := recv(b, 100000, 0)
		if r <= 0 {
			break
		}
		total += r
	}
	if total != n || a.Sk.Sk_wmem_alloc != 0 {
		t.Errorf("read back %d of %d, Sk_wmem_alloc %d", total, n, a.Sk.Sk_wmem_alloc)
	}
	// The peer gone: EPIPE for the writer (SIGPIPE is the hook's, nil
	// here), what it sent and then EOF for the reader.
	send(b, []byte("last"), 0, nil)
	net.Sock_release(b)
	if got, _, _ := recv(a, 64, 0); got != "last" {
		t.Errorf("read %q from a closed peer, want what it sent", got)
	}
	if _, r, _ := recv(a, 64, 0); r != 0 {
		t.Errorf("read after that: %d, want 0 (EOF)", r)
	}
	if r := send(a, []byte("x"), uapi.MSG_NOSIGNAL, nil); r != -uapi.EPIPE {
		t.Errorf("send to a closed peer: %d, want -EPIPE", r)
	}
	net.Sock_release(a)
	checkCounts(t, before)
}

// TestDgramQueue: datagrams keep their boundaries, a short buffer sets
// MSG_TRUNC, and a receiver's queue takes max_dgram_qlen+1 before
// -EAGAIN (Linux's unix_recvq_full: longer than the backlog is full).
func TestDgramQueue(t *testing.T) {
	boot(t)
	before := snapshot()
	a, b := socketpair(t, uapi.SOCK_DGRAM)
	send(a, []byte("one"), 0, nil)
	send(a, []byte("three"), 0, nil)
	if got, r, fl := recv(b, 2, 0); got != "on" || r != 2 || fl&uapi.MSG_TRUNC == 0 {
		t.Errorf("short read %q %d flags %#x, want \"on\" 2 MSG_TRUNC", got, r, fl)
	}
	if got, r, _ := recv(b, 2, uapi.MSG_TRUNC); got != "th" || r != 5 {
		t.Errorf("MSG_TRUNC read %q %d, want \"th\" and the datagram's length 5", got, r)
	}
	// A receiver connected back to its sender (a socketpair) is limited
	// by the send buffer alone (Linux: unix_peer(other) != sk).
	sent := 0
	for i := 0; i < 100; i++ {
		if send(a, []byte("x"), 0, nil) < 0 {
			break
		}
		sent++
	}
	if sent != 100 {
		t.Errorf("%d datagrams queued on a socketpair, want 100: only the send buffer limits it", sent)
	}
	// One that is not: max_dgram_qlen.
	r, o := socket(t, uapi.SOCK_DGRAM), socket(t, uapi.SOCK_DGRAM)
	raddr := append([]byte{uapi.AF_UNIX, 0, 0}, "dgram-qlen"...)
	r.Ops.Bind(r, raddr)
	sent = 0
	for i := 0; i < 20; i++ {
		m := net.Msghdr{Msg_iter: fs.Iov_iter_kvec([]byte("x")), Msg_flags_in: uapi.MSG_DONTWAIT}
		m.Msg_name = (*uapi.Sockaddr_storage)(unsafe.Pointer(&raddr[0]))
		m.Msg_namelen = len(raddr)
		if net.Sock_sendmsg(o, &m) < 0 {
			break
		}
		sent++
	}
	if sent != UNIX_MAX_DGRAM_QLEN+1 {
		t.Errorf("%d datagrams queued before -EAGAIN, want %d", sent, UNIX_MAX_DGRAM_QLEN+1)
	}
	net.Sock_release(r)
	net.Sock_release(o)
	if r := send(a, make([]byte, 300<<10), 0, nil); r != -uapi.EMSGSIZE {
		t.Errorf("a 300 KiB datagram: %d, want -EMSGSIZE", r)
	}
	// Released with datagrams queued: they are freed, their sender's
	// references dropped.
	net.Sock_release(b)
	if r := send(a, []byte("x"), 0, nil); r != -uapi.ECONNREFUSED {
		t.Errorf("send to a closed connected peer: %d, want -ECONNREFUSED", r)
	}
	net.Sock_release(a)
	checkCounts(t, before)
}

// TestUnreadRightsFreed: an SCM_RIGHTS message never read holds its
// files; releasing the receiving socket drops them (no leaked file, no
// double fput), and the pipe end passed is closed for good.
func TestUnreadRightsFreed(t *testing.T) {
	boot(t)
	before := snapshot()
	files := fs.Nr_files()
	var fds [2]int
	if err := fs.Do_pipe2(&fds, 0); err != 0 {
		t.Fatalf("pipe2: %d", err)
	}
	a, b := socketpair(t, uapi.SOCK_STREAM)
	ctl := make([]byte, uapi.CMSG_SPACE(8))
	c := (*uapi.Cmsghdr)(unsafe.Pointer(&ctl[0]))
	c.Cmsg_len, c.Cmsg_level, c.Cmsg_type = uapi.CMSG_LEN(8), uapi.SOL_SOCKET, uapi.SCM_RIGHTS
	*(*[2]int32)(unsafe.Pointer(&ctl[16])) = [2]int32{int32(fds[1]), int32(fds[1])}
	if n := send(a, []byte("f"), 0, ctl); n != 1 {
		t.Fatalf("sendmsg(SCM_RIGHTS): %d", n)
	}
	if got := atomic.LoadInt64(&net.Nr_inflight); got != 2 {
		t.Errorf("%d files in flight, want 2", got)
	}
	fs.Ksys_close(fds[1])
	// The write end lives on in the message: the read end sees no EOF.
	buf := make([]byte, 1)
	it := fs.Iov_iter_kvec(buf)
	rf := fs.Fget(fds[0])
	rf.F_flags |= uapi.O_NONBLOCK
	fs.Fput(rf)
	if r := fs.Ksys_read(fds[0], &it); r != -uapi.EAGAIN {
		t.Errorf("pipe read while its writer is in flight: %d, want -EAGAIN", r)
	}
	net.Sock_release(b)
	if got := atomic.LoadInt64(&net.Nr_inflight); got != 0 {
		t.Errorf("%d files in flight after the receiver closed, want 0", got)
	}
	it = fs.Iov_iter_kvec(buf)
	if r := fs.Ksys_read(fds[0], &it); r != 0 {
		t.Errorf("pipe read after the unread message was freed: %d, want 0 (EOF)", r)
	}
	net.Sock_release(a)
	fs.Ksys_close(fds[0])
	if got := fs.Nr_files(); got != files {
		t.Errorf("%d files open, %d before", got, files)
	}
	// A malformed control message and a closed descriptor.
	a, b = socketpair(t, uapi.SOCK_DGRAM)
	c.Cmsg_len = 200
	if r := send(a, []byte("x"), 0, ctl); r != -uapi.EINVAL {
		t.Errorf("cmsg_len past the buffer: %d, want -EINVAL", r)
	}
	c.Cmsg_len = uapi.CMSG_LEN(8)
	*(*[2]int32)(unsafe.Pointer(&ctl[16])) = [2]int32{999, 999}
	if r := send(a, []byte("x"), 0, ctl); r != -uapi.EBADF {
		t.Errorf("SCM_RIGHTS of a closed descriptor: %d, want -EBADF", r)
	}
	net.Sock_release(a)
	net.Sock_release(b)
	checkCounts(t, before)
}

// TestListenerBacklog: connections wait as embryos on the listener's
// queue; a closed listener releases them and their connectors see
// ECONNRESET; every sock is freed at the end.
func TestListenerBacklog(t *testing.T) {
	boot(t)
	before := snapshot()
	l := socket(t, uapi.SOCK_STREAM)
	addr := append([]byte{uapi.AF_UNIX, 0, 0}, "listener-test"...)
	if err := l.Ops.Bind(l, addr); err != 0 {
		t.Fatalf("bind: %d", err)
	}
	if err := l.Ops.Listen(l, 1); err != 0 {
		t.Fatalf("listen: %d", err)
	}
	c1, c2, c3 := socket(t, uapi.SOCK_STREAM), socket(t, uapi.SOCK_STREAM), socket(t, uapi.SOCK_STREAM)
	for i, c := range []*net.Socket{c1, c2} {
		if err := c.Ops.Connect(c, addr, uapi.O_NONBLOCK); err != 0 {
			t.Fatalf("connect %d: %d", i+1, err)
		}
	}
	if err := c3.Ops.Connect(c3, addr, uapi.O_NONBLOCK); err != -uapi.EAGAIN {
		t.Errorf("connect past the backlog: %d, want -EAGAIN", err)
	}
	// Accept one; the other stays queued.
	ns := net.Sock_alloc()
	ns.Type = uapi.SOCK_STREAM
	if err := l.Ops.Accept(l, ns, uapi.O_NONBLOCK); err != 0 {
		t.Fatalf("accept: %d", err)
	}
	ns.Ops = l.Ops
	send(c1, []byte("hi"), 0, nil)
	if got, _, _ := recv(ns, 8, 0); got != "hi" {
		t.Errorf("accepted socket read %q", got)
	}
	net.Sock_release(l)
	if _, r, _ := recv(c2, 8, 0); r != -uapi.ECONNRESET {
		t.Errorf("unaccepted connection after its listener closed: %d, want -ECONNRESET", r)
	}
	for _, s := range []*net.Socket{c1, c2, c3, ns} {
		net.Sock_release(s)
	}
	checkCounts(t, before)
}

// TestBlockingInterrupted: every call that sleeps — recv on an empty
// socket, accept with no connection, connect to a full backlog, send
// into a full buffer, a datagram to a full receiver — ends with
// -ERESTARTSYS when a signal is pending, as pipes do (the signal code
// restarts it or makes it -EINTR); none sleeps (Schedule fails the test).
func TestBlockingInterrupted(t *testing.T) {
	boot(t)
	before := snapshot()
	h := sched.Hooks
	t.Cleanup(func() { sched.Hooks = h })
	slept := false
	sched.Hooks.Current = func() uintptr { return 1 }
	sched.Hooks.Set_current_state = func(int) {}
	sched.Hooks.Wake_up_process = func(uintptr) {}
	sched.Hooks.Schedule = func() { slept = true }
	sched.Hooks.Signal_pending = func() bool { return true }

	blocking := func(s *net.Socket, b []byte) int64 {
		m := net.Msghdr{Msg_iter: fs.Iov_iter_kvec(b)}
		return net.Sock_sendmsg(s, &m)
	}
	a, b := socketpair(t, uapi.SOCK_STREAM)
	buf := make([]byte, 8)
	m := net.Msghdr{Msg_iter: fs.Iov_iter_kvec(buf)}
	if r := net.Sock_recvmsg(b, &m, 0); r != -uapi.ERESTARTSYS {
		t.Errorf("recv on an empty stream: %d, want -ERESTARTSYS", r)
	}
	for send(a, make([]byte, 64<<10), 0, nil) > 0 {
	}
	if r := blocking(a, []byte("x")); r != -uapi.ERESTARTSYS {
		t.Errorf("send into a full buffer: %d, want -ERESTARTSYS", r)
	}
	l := socket(t, uapi.SOCK_STREAM)
	addr := append([]byte{uapi.AF_UNIX, 0, 0}, "interrupted"...)
	l.Ops.Bind(l, addr)
	l.Ops.Listen(l, 0)
	ns := net.Sock_alloc()
	ns.Type = uapi.SOCK_STREAM
	if err := l.Ops.Accept(l, ns, 0); err != -uapi.ERESTARTSYS {
		t.Errorf("accept with no connection: %d, want -ERESTARTSYS", err)
	}
	c1, c2 := socket(t, uapi.SOCK_STREAM), socket(t, uapi.SOCK_STREAM)
	c1.Ops.Connect(c1, addr, 0) // backlog 0 holds one
	if err := c2.Ops.Connect(c2, addr, 0); err != -uapi.ERESTARTSYS {
		t.Errorf("connect to a full backlog: %d, want -ERESTARTSYS", err)
	}
	d1, d2 := socketpair(t, uapi.SOCK_DGRAM)
	for send(d1, []byte("x"), 0, nil) > 0 {
	}
	if r := blocking(d1, []byte("x")); r != -uapi.ERESTARTSYS {
		t.Errorf("datagram to a full receiver: %d, want -ERESTARTSYS", r)
	}
	if slept {
		t.Errorf("a call slept with a signal pending")
	}
	for _, s := range []*net.Socket{a, b, l, ns, c1, c2, d1, d2} {
		net.Sock_release(s)
	}
	checkCounts(t, before)
}

// TestGarbageCollector: a socket whose descriptor is in flight on its
// own queue is freed when its last descriptor is closed (unix_gc, run at
// the flush of that close); one whose descriptor is also held elsewhere
// is not. Without the collector the first stays for good, its message
// and its file too.
func TestGarbageCollector(t *testing.T) {
	boot(t)
	before := snapshot()
	files := fs.Nr_files()
	install := func(s *net.Socket) int {
		f, err := net.Sock_alloc_file(s, 0)
		if err != 0 {
			t.Fatalf("sock_alloc_file: %d", err)
		}
		fd := fs.Get_unused_fd_flags(0)
		fs.Fd_install(fd, f)
		return fd
	}
	rights := func(fd int) []byte {
		ctl := make([]byte, uapi.CMSG_SPACE(4))
		c := (*uapi.Cmsghdr)(unsafe.Pointer(&ctl[0]))
		c.Cmsg_len, c.Cmsg_level, c.Cmsg_type = uapi.CMSG_LEN(4), uapi.SOL_SOCKET, uapi.SCM_RIGHTS
		*(*int32)(unsafe.Pointer(&ctl[16])) = int32(fd)
		return ctl
	}
	// b in flight on its own queue, then its descriptor closed.
	a, b := socketpair(t, uapi.SOCK_STREAM)
	bfd := install(b)
	if n := send(a, []byte("x"), 0, rights(bfd)); n != 1 {
		t.Fatalf("sendmsg(SCM_RIGHTS b): %d", n)
	}
	// A second descriptor of b keeps it reachable through one close.
	bfd2 := fs.Ksys_dup(bfd)
	collected := atomic.LoadInt64(&Unix_gc_collected)
	fs.Ksys_close(bfd)
	if got := atomic.LoadInt64(&Unix_gc_collected) - collected; got != 0 {
		t.Errorf("the collector freed %d messages of a socket still open elsewhere", got)
	}
	fs.Ksys_close(bfd2)
	if got := atomic.LoadInt64(&Unix_gc_collected) - collected; got != 1 {
		t.Errorf("the collector freed %d messages after the last close, want 1", got)
	}
	if got := atomic.LoadInt64(&net.Nr_inflight); got != 0 {
		t.Errorf("%d files in flight after the collection, want 0", got)
	}
	net.Sock_release(a)
	if got := fs.Nr_files(); got != files {
		t.Errorf("%d files open, %d before", got, files)
	}
	checkCounts(t, before)
}

// TestTimeouts: with SO_RCVTIMEO or SO_SNDTIMEO set, a wait that runs
// out of time is -EAGAIN and one a signal ends is -EINTR (not
// -ERESTARTSYS: Linux's sock_intr_errno does not restart a timed wait).
func TestTimeouts(t *testing.T) {
	boot(t)
	before := snapshot()
	h := sched.Hooks
	t.Cleanup(func() { sched.Hooks = h })
	signal := false
	sched.Hooks.Current = func() uintptr { return 1 }
	sched.Hooks.Set_current_state = func(int) {}
	sched.Hooks.Wake_up_process = func(uintptr) {}
	sched.Hooks.Schedule = func() { t.Error("an untimed sleep") }
	sched.Hooks.Schedule_timeout = func(int64) int64 { return 0 } // the time runs out
	sched.Hooks.Signal_pending = func() bool { return signal }
	a, b := socketpair(t, uapi.SOCK_STREAM)
	b.Sk.Sk_rcvtimeo = 25
	a.Sk.Sk_sndtimeo = 25
	buf := make([]byte, 8)
	m := net.Msghdr{Msg_iter: fs.Iov_iter_kvec(buf)}
	if r := net.Sock_recvmsg(b, &m, 0); r != -uapi.EAGAIN {
		t.Errorf("recv past SO_RCVTIMEO: %d, want -EAGAIN", r)
	}
	for send(a, make([]byte, 64<<10), 0, nil) > 0 {
	}
	m = net.Msghdr{Msg_iter: fs.Iov_iter_kvec([]byte("x"))}
	if r := net.Sock_sendmsg(a, &m); r != -uapi.EAGAIN {
		t.Errorf("send past SO_SNDTIMEO: %d, want -EAGAIN", r)
	}
	signal = true
	m = net.Msghdr{Msg_iter: fs.Iov_iter_kvec(buf)}
	c, d := socketpair(t, uapi.SOCK_DGRAM)
	d.Sk.Sk_rcvtimeo = 25
	if r := net.Sock_recvmsg(d, &m, 0); r != -uapi.EINTR {
		t.Errorf("timed recv ended by a signal: %d, want -EINTR", r)
	}
	for _, s := range []*net.Socket{a, b, c, d} {
		net.Sock_release(s)
	}
	checkCounts(t, before)
}
