// nltest: NETLINK_ROUTE sockets and the interface ioctls from user
// space, as /init. Each check prints "nltest: <what> = <value>" (a
// result, a negated errno, or a message's bytes in hex) for the boot
// test (internal/boottest TestNetlink) to compare with what the same
// binary printed on the host's Linux in a network namespace with lo
// alone (user/nltest/linux.out: `unshare -rn sh -c 'ip link set lo up;
// ./nltest'`). A reply's attributes are printed one a line, so that the
// test can tell the attributes gokern leaves out (named in
// docs/sockets.md) from a difference in one it gives.
package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func say(what string, v any) { fmt.Printf("nltest: %s = %v\n", what, v) }

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

func p(b []byte) uintptr {
	if len(b) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&b[0]))
}

func sockaddrNl(pid uint32, groups uint32) []byte {
	b := make([]byte, 12)
	binary.LittleEndian.PutUint16(b, syscall.AF_NETLINK)
	binary.LittleEndian.PutUint32(b[4:], pid)
	binary.LittleEndian.PutUint32(b[8:], groups)
	return b
}

func nlSock(typ int) int {
	fd := sc(syscall.SYS_SOCKET, syscall.AF_NETLINK, uintptr(typ), syscall.NETLINK_ROUTE)
	if fd < 0 {
		say("FAIL socket(AF_NETLINK)", fd)
		os.Exit(1)
	}
	return int(fd)
}

// getname is getsockname's answer: family, pid, groups, length.
func getname(fd int) (uint16, int32, uint32, int64) {
	b := make([]byte, 64)
	l := int32(len(b))
	if r := sc(syscall.SYS_GETSOCKNAME, uintptr(fd), p(b), uintptr(unsafe.Pointer(&l))); r < 0 {
		return 0, 0, 0, r
	}
	return binary.LittleEndian.Uint16(b), int32(binary.LittleEndian.Uint32(b[4:])), binary.LittleEndian.Uint32(b[8:]), int64(l)
}

// request is one netlink message: header, then body.
func request(typ, flags uint16, seq uint32, body []byte) []byte {
	b := make([]byte, 16+len(body))
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint16(b[4:], typ)
	binary.LittleEndian.PutUint16(b[6:], flags)
	binary.LittleEndian.PutUint32(b[8:], seq)
	copy(b[16:], body)
	return b
}

func send(fd int, b []byte) int64 {
	dst := sockaddrNl(0, 0)
	return sc(syscall.SYS_SENDTO, uintptr(fd), p(b), uintptr(len(b)), 0, p(dst), uintptr(len(dst)))
}

// recv is one recvfrom: the result, the message flags (recvmsg's), the
// bytes and the sender's pid.
func recv(fd int, n int, flags int) (int64, uint32, []byte, int32) {
	buf := make([]byte, n)
	from := make([]byte, 16)
	var iov syscall.Iovec
	if n > 0 {
		iov.Base = &buf[0]
	}
	iov.SetLen(n)
	var msg syscall.Msghdr
	msg.Name = &from[0]
	msg.Namelen = uint32(len(from))
	msg.Iov = &iov
	msg.Iovlen = 1
	r := sc(syscall.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if r < 0 {
		return r, 0, nil, 0
	}
	return r, uint32(msg.Flags), buf[:min(int(r), n)], int32(binary.LittleEndian.Uint32(from[4:]))
}

var mypid int32

// dump prints each message of one reply datagram: the header (the pid
// as "self" when it is the socket's own), the family's header, and the
// attributes one a line.
func dump(what string, b []byte, self int32) (done bool) {
	for i := 0; len(b) >= 16; i++ {
		l := int(binary.LittleEndian.Uint32(b))
		typ := binary.LittleEndian.Uint16(b[4:])
		flags := binary.LittleEndian.Uint16(b[6:])
		seq := binary.LittleEndian.Uint32(b[8:])
		pid := int32(binary.LittleEndian.Uint32(b[12:]))
		ps := fmt.Sprint(pid)
		if pid == self {
			ps = "self"
		}
		m := fmt.Sprintf("%s msg %d", what, i)
		if l < 16 || l > len(b) {
			say(m+" bad length", l)
			return true
		}
		say(m+" header", fmt.Sprintf("type=%d flags=%#x seq=%d pid=%s", typ, flags, seq, ps))
		body := b[16:l]
		switch typ {
		case syscall.NLMSG_DONE:
			say(m+" DONE", fmt.Sprintf("len=%d %x", l, body))
			done = true
		case syscall.NLMSG_ERROR:
			say(m+" ERROR", fmt.Sprintf("len=%d %x", l, body))
			done = true
		case syscall.RTM_NEWLINK:
			say(m+" ifinfomsg", fmt.Sprintf("%x", body[:16]))
			attrs(m, body[16:], map[uint16]string{syscall.IFLA_IFNAME: "IFNAME", syscall.IFLA_MTU: "MTU", syscall.IFLA_ADDRESS: "ADDRESS", syscall.IFLA_BROADCAST: "BROADCAST", syscall.IFLA_TXQLEN: "TXQLEN", syscall.IFLA_OPERSTATE: "OPERSTATE"})
		case syscall.RTM_NEWADDR:
			say(m+" len", l)
			say(m+" ifaddrmsg", fmt.Sprintf("%x", body[:8]))
			attrs(m, body[8:], map[uint16]string{syscall.IFA_ADDRESS: "ADDRESS", syscall.IFA_LOCAL: "LOCAL", syscall.IFA_LABEL: "LABEL"})
		case syscall.RTM_NEWROUTE:
			say(m+" len", l)
			say(m+" rtmsg", fmt.Sprintf("%x", body[:12]))
			attrs(m, body[12:], nil)
		default:
			say(m+" body", fmt.Sprintf("%x", body))
		}
		b = b[min(len(b), (l+3)&^3):]
	}
	return done
}

// attrs prints each attribute: its type (and name where the test
// requires it), length and bytes. IFA_CACHEINFO's time stamps are
// masked: they count from boot.
func attrs(m string, b []byte, names map[uint16]string) {
	for len(b) >= 4 {
		l := int(binary.LittleEndian.Uint16(b))
		t := binary.LittleEndian.Uint16(b[2:])
		if l < 4 || l > len(b) {
			say(m+" bad attr", fmt.Sprintf("%x", b))
			return
		}
		v := b[4:l]
		name := names[t&^syscall.NLA_F_NESTED]
		if name == "" {
			name = fmt.Sprint(t)
		}
		if strings.HasPrefix(m, "getaddr") && t == syscall.IFA_CACHEINFO && len(v) == 16 {
			say(fmt.Sprintf("%s attr %s len=%d", m, "CACHEINFO", l), fmt.Sprintf("%x stamps", v[:8]))
		} else {
			say(fmt.Sprintf("%s attr %s len=%d", m, name, l), fmt.Sprintf("%x", v))
		}
		b = b[min(len(b), (l+3)&^3):]
	}
}

// exchange sends one request and prints every datagram up to NLMSG_DONE
// or NLMSG_ERROR (at most 8), each datagram's length and flags first.
func exchange(fd int, what string, req []byte, self int32) {
	say(what+" send", send(fd, req))
	for i := 0; i < 8; i++ {
		r, flags, b, from := recv(fd, 32768, syscall.MSG_DONTWAIT)
		if r < 0 {
			say(fmt.Sprintf("%s recv %d", what, i), r)
			return
		}
		say(fmt.Sprintf("%s recv %d", what, i), fmt.Sprintf("%d flags=%#x from=%d", r, flags, from))
		if dump(fmt.Sprintf("%s dgram %d", what, i), b, self) {
			return
		}
	}
}

func ifinfomsg(family byte, index int32) []byte {
	b := make([]byte, 16)
	b[0] = family
	binary.LittleEndian.PutUint32(b[4:], uint32(index))
	return b
}

func main() {
	fmt.Println("nltest: start")
	mypid = int32(os.Getpid())
	say("socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE)", sc(syscall.SYS_SOCKET, syscall.AF_NETLINK, syscall.SOCK_STREAM, syscall.NETLINK_ROUTE))
	say("socket(AF_NETLINK, SOCK_RAW, 32)", sc(syscall.SYS_SOCKET, syscall.AF_NETLINK, syscall.SOCK_RAW, 32))
	say("socket(AF_NETLINK, SOCK_RAW, -1)", sc(syscall.SYS_SOCKET, syscall.AF_NETLINK, syscall.SOCK_RAW, ^uintptr(0)))

	fd := nlSock(syscall.SOCK_RAW)
	fam, pid, groups, l := getname(fd)
	say("getsockname unbound", fmt.Sprintf("family=%d pid=%d groups=%d len=%d", fam, pid, groups, l))
	say("bind(short)", sc(syscall.SYS_BIND, uintptr(fd), p(sockaddrNl(0, 0)), 8))
	bad := sockaddrNl(0, 0)
	bad[0] = syscall.AF_INET
	say("bind(AF_INET)", sc(syscall.SYS_BIND, uintptr(fd), p(bad), 12))
	say("bind(pid 0)", sc(syscall.SYS_BIND, uintptr(fd), p(sockaddrNl(0, 0)), 12))
	fam, pid, groups, l = getname(fd)
	say("getsockname bound: pid is the tgid", pid == mypid)
	say("getsockname bound", fmt.Sprintf("family=%d groups=%d len=%d", fam, groups, l))
	say("bind(again, pid 0)", sc(syscall.SYS_BIND, uintptr(fd), p(sockaddrNl(0, 0)), 12))
	say("bind(again, other pid)", sc(syscall.SYS_BIND, uintptr(fd), p(sockaddrNl(12345, 0)), 12))
	fd2 := nlSock(syscall.SOCK_DGRAM)
	say("bind(a pid in use)", sc(syscall.SYS_BIND, uintptr(fd2), p(sockaddrNl(uint32(mypid), 0)), 12))
	say("bind(pid 7777)", sc(syscall.SYS_BIND, uintptr(fd2), p(sockaddrNl(7777, 0)), 12))
	_, pid2, _, _ := getname(fd2)
	say("getsockname(pid 7777)", pid2)
	fd3 := nlSock(syscall.SOCK_RAW)
	say("connect(kernel)", sc(syscall.SYS_CONNECT, uintptr(fd3), p(sockaddrNl(0, 0)), 12))
	_, pid3, _, _ := getname(fd3)
	say("autobind after the tgid is taken: negative", pid3 < 0)
	syscall.Close(fd3)

	var v int32
	vl := int32(4)
	sc(syscall.SYS_GETSOCKOPT, uintptr(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&vl)))
	say("SO_RCVBUF", v)
	sc(syscall.SYS_GETSOCKOPT, uintptr(fd), syscall.SOL_SOCKET, syscall.SO_PROTOCOL, uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&vl)))
	say("SO_PROTOCOL", v)

	sockopts(fd2)

	// The dumps Go's net.Interfaces and InterfaceAddrs ask for.
	exchange(fd, "getlink", request(syscall.RTM_GETLINK, syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP, 1, ifinfomsg(syscall.AF_UNSPEC, 0)), mypid)
	exchange(fd, "getaddr", request(syscall.RTM_GETADDR, syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP, 2, []byte{syscall.AF_INET, 0, 0, 0, 0, 0, 0, 0}), mypid)
	exchange(fd, "getlink lo", request(syscall.RTM_GETLINK, syscall.NLM_F_REQUEST, 3, ifinfomsg(syscall.AF_UNSPEC, 1)), mypid)
	exchange(fd, "getlink 99", request(syscall.RTM_GETLINK, syscall.NLM_F_REQUEST, 4, ifinfomsg(syscall.AF_UNSPEC, 99)), mypid)
	exchange(fd, "getroute", request(syscall.RTM_GETROUTE, syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP, 5, []byte{syscall.AF_INET, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), mypid)
	exchange(fd, "type 0x7fff", request(0x7fff, syscall.NLM_F_REQUEST, 6, []byte{0, 0, 0, 0}), mypid)
	exchange(fd, "ack only", request(syscall.RTM_GETLINK, syscall.NLM_F_ACK, 7, ifinfomsg(0, 0)), mypid)
	exchange(fd, "NLMSG_NOOP ack", request(syscall.NLMSG_NOOP, syscall.NLM_F_REQUEST|syscall.NLM_F_ACK, 8, nil), mypid)
	exchange(fd, "no body", request(syscall.RTM_GETLINK, syscall.NLM_F_REQUEST|syscall.NLM_F_ACK, 9, nil), mypid)
	exchange(fd, "RTM_GETNEIGH dump", request(syscall.RTM_GETNEIGH, syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP, 10, ifinfomsg(syscall.AF_INET, 0)[:12]), mypid)
	setlinks(fd)
	exchange(fd, "RTM_GETADDR without NLM_F_DUMP", request(syscall.RTM_GETADDR, syscall.NLM_F_REQUEST, 20, []byte{syscall.AF_INET, 0, 0, 0, 0, 0, 0, 0}), mypid)
	short := request(syscall.RTM_GETLINK, syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP, 11, ifinfomsg(0, 0))
	binary.LittleEndian.PutUint32(short, 12)
	say("short header send", send(fd, short))
	r, _, _, _ := recv(fd, 100, syscall.MSG_DONTWAIT)
	say("short header recv", r)

	// Two requests in one datagram: two replies.
	two := append(request(syscall.NLMSG_NOOP, syscall.NLM_F_REQUEST|syscall.NLM_F_ACK, 12, nil), request(syscall.NLMSG_NOOP, syscall.NLM_F_REQUEST|syscall.NLM_F_ACK, 13, nil)...)
	exchange(fd, "two in one", two, mypid)
	r, _, b, _ := recv(fd, 100, syscall.MSG_DONTWAIT)
	say("two in one second", r)
	dump("two in one second", b, mypid)

	// MSG_PEEK and MSG_TRUNC.
	say("peek send", send(fd, request(syscall.RTM_GETADDR, syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP, 14, []byte{syscall.AF_INET, 0, 0, 0, 0, 0, 0, 0})))
	r, f, _, _ := recv(fd, 0, syscall.MSG_PEEK|syscall.MSG_TRUNC|syscall.MSG_DONTWAIT)
	say("recv(0, MSG_PEEK|MSG_TRUNC)", fmt.Sprintf("%d flags=%#x", r, f))
	r, f, _, _ = recv(fd, 20, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	say("recv(20, MSG_PEEK)", fmt.Sprintf("%d flags=%#x", r, f))
	r, f, _, _ = recv(fd, 20, syscall.MSG_DONTWAIT)
	say("recv(20)", fmt.Sprintf("%d flags=%#x", r, f))
	r, f, b, _ = recv(fd, 100, syscall.MSG_DONTWAIT)
	say("recv after the truncated one", fmt.Sprintf("%d flags=%#x", r, f))
	dump("after truncated", b, mypid)
	r, _, _, _ = recv(fd, 100, syscall.MSG_DONTWAIT)
	say("recv(empty)", r)

	// poll: writable always, readable with a reply queued; a read
	// with SO_RCVTIMEO and nothing queued times out.
	pfd := []pollFd{{fd: int32(fd), events: 1 | 4}} // POLLIN|POLLOUT
	say("poll(empty)", fmt.Sprintf("%d revents=%#x", sc(syscall.SYS_POLL, uintptr(unsafe.Pointer(&pfd[0])), 1, 0), pfd[0].revents))
	send(fd, request(syscall.NLMSG_NOOP, syscall.NLM_F_REQUEST|syscall.NLM_F_ACK, 16, nil))
	say("poll(an ack queued)", fmt.Sprintf("%d revents=%#x", sc(syscall.SYS_POLL, uintptr(unsafe.Pointer(&pfd[0])), 1, 0), pfd[0].revents))
	r, _, _, _ = recv(fd, 100, 0)
	say("blocking recv(an ack queued)", r)
	tv := syscall.Timeval{Usec: 100000}
	say("SO_RCVTIMEO", sc(syscall.SYS_SETSOCKOPT, uintptr(fd), syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, uintptr(unsafe.Pointer(&tv)), unsafe.Sizeof(tv)))
	r, _, _, _ = recv(fd, 100, 0)
	say("recv(nothing, SO_RCVTIMEO 100 ms)", r)

	// One user socket to another.
	msg := request(99, 0, 15, []byte("hi!!"))
	to := sockaddrNl(7777, 0)
	say("sendto(pid 7777)", sc(syscall.SYS_SENDTO, uintptr(fd), p(msg), uintptr(len(msg)), 0, p(to), 12))
	r, _, b, from := recv(fd2, 100, syscall.MSG_DONTWAIT)
	say("recv from a user socket", fmt.Sprintf("%d from self %v %x", r, from == mypid, b))
	to = sockaddrNl(7778, 0)
	say("sendto(pid 7778, nobody)", sc(syscall.SYS_SENDTO, uintptr(fd), p(msg), uintptr(len(msg)), 0, p(to), 12))
	bad = sockaddrNl(0, 0)
	bad[0] = syscall.AF_INET
	say("sendto(AF_INET address)", sc(syscall.SYS_SENDTO, uintptr(fd), p(msg), uintptr(len(msg)), 0, p(bad), 12))
	say("sendto(short address)", sc(syscall.SYS_SENDTO, uintptr(fd), p(msg), uintptr(len(msg)), 0, p(to), 8))
	say("sendto(MSG_OOB)", sc(syscall.SYS_SENDTO, uintptr(fd), p(msg), uintptr(len(msg)), syscall.MSG_OOB, 0, 0))
	syscall.Close(fd)
	syscall.Close(fd2)
	blockedSender()

	ioctls()
	goNet()
	fmt.Println("nltest: done")
}

// ifinfo is an ifinfomsg of index, flags and change, then attributes.
func ifinfo(index int32, flags, change uint32, attrs ...[]byte) []byte {
	b := ifinfomsg(syscall.AF_UNSPEC, index)
	binary.LittleEndian.PutUint32(b[8:], flags)
	binary.LittleEndian.PutUint32(b[12:], change)
	for _, a := range attrs {
		b = append(b, a...)
	}
	return b
}

// nlattr is one attribute, padded.
func nlattr(typ uint16, v []byte) []byte {
	b := make([]byte, (4+len(v)+3)&^3)
	binary.LittleEndian.PutUint16(b, uint16(4+len(v)))
	binary.LittleEndian.PutUint16(b[2:], typ)
	copy(b[4:], v)
	return b
}

// setlinks: RTM_NEWLINK and RTM_SETLINK that leave lo as it is, and
// those Linux refuses (`ip link set lo up`, `ip link add`).
func setlinks(fd int) {
	const ack = syscall.NLM_F_REQUEST | syscall.NLM_F_ACK
	up := uint32(syscall.IFF_UP)
	exchange(fd, "RTM_NEWLINK of no device", request(syscall.RTM_NEWLINK, ack, 30, ifinfo(0, 0, 0)), mypid)
	exchange(fd, "RTM_NEWLINK lo up", request(syscall.RTM_NEWLINK, ack, 31, ifinfo(1, up, up)), mypid)
	exchange(fd, "RTM_NEWLINK lo up, change 0", request(syscall.RTM_NEWLINK, ack, 32, ifinfo(1, up, 0)), mypid)
	exchange(fd, "RTM_NEWLINK lo by name", request(syscall.RTM_NEWLINK, ack, 33, ifinfo(0, up, up, nlattr(syscall.IFLA_IFNAME, []byte("lo\x00")))), mypid)
	exchange(fd, "RTM_NEWLINK index 99", request(syscall.RTM_NEWLINK, ack, 34, ifinfo(99, up, up)), mypid)
	exchange(fd, "RTM_NEWLINK lo, NLM_F_EXCL", request(syscall.RTM_NEWLINK, ack|syscall.NLM_F_CREATE|syscall.NLM_F_EXCL, 35, ifinfo(1, up, up)), mypid)
	exchange(fd, "RTM_NEWLINK create dummy0 of no kind", request(syscall.RTM_NEWLINK, ack|syscall.NLM_F_CREATE|syscall.NLM_F_EXCL, 36, ifinfo(0, 0, 0, nlattr(syscall.IFLA_IFNAME, []byte("dummy0\x00")))), mypid)
	exchange(fd, "RTM_NEWLINK short", request(syscall.RTM_NEWLINK, ack, 37, []byte{0, 0, 0, 0}), mypid)
	exchange(fd, "RTM_SETLINK lo up", request(syscall.RTM_SETLINK, ack, 38, ifinfo(1, up, up)), mypid)
	exchange(fd, "RTM_SETLINK index 99", request(syscall.RTM_SETLINK, ack, 39, ifinfo(99, up, up)), mypid)
	exchange(fd, "RTM_SETLINK no device", request(syscall.RTM_SETLINK, ack, 40, ifinfo(0, up, up)), mypid)
}

// solNetlink: SOL_NETLINK (include/linux/socket.h).
const solNetlink = 270

// sockopts: SOL_NETLINK's options on fd, and the groups getsockname
// shows after bind and NETLINK_ADD_MEMBERSHIP.
func sockopts(fd int) {
	set := func(opt int, v int32) int64 {
		return sc(syscall.SYS_SETSOCKOPT, uintptr(fd), solNetlink, uintptr(opt), uintptr(unsafe.Pointer(&v)), 4)
	}
	get := func(opt int) string {
		var v int32
		l := int32(4)
		r := sc(syscall.SYS_GETSOCKOPT, uintptr(fd), solNetlink, uintptr(opt), uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&l)))
		return fmt.Sprintf("%d v=%d len=%d", r, v, l)
	}
	groups := func() uint32 { _, _, g, _ := getname(fd); return g }
	say("NETLINK_ADD_MEMBERSHIP(1)", set(syscall.NETLINK_ADD_MEMBERSHIP, 1))
	say("groups after it", groups())
	say("NETLINK_ADD_MEMBERSHIP(39)", set(syscall.NETLINK_ADD_MEMBERSHIP, 39))
	say("NETLINK_ADD_MEMBERSHIP(40)", set(syscall.NETLINK_ADD_MEMBERSHIP, 40))
	say("NETLINK_ADD_MEMBERSHIP(0)", set(syscall.NETLINK_ADD_MEMBERSHIP, 0))
	say("groups after 39", groups())
	say("NETLINK_DROP_MEMBERSHIP(1)", set(syscall.NETLINK_DROP_MEMBERSHIP, 1))
	say("groups after the drop", groups())
	say("bind(groups 0x10)", sc(syscall.SYS_BIND, uintptr(fd), p(sockaddrNl(7777, 0x10)), 12))
	say("groups after bind", groups())
	say("bind(groups 0)", sc(syscall.SYS_BIND, uintptr(fd), p(sockaddrNl(7777, 0)), 12))
	say("groups after bind 0", groups())
	say("getsockopt(NETLINK_EXT_ACK)", get(11))
	say("setsockopt(NETLINK_EXT_ACK, 1)", set(11, 1))
	say("getsockopt(NETLINK_EXT_ACK) after", get(11))
	say("setsockopt(NETLINK_EXT_ACK, 0)", set(11, 0))
	say("getsockopt(99)", get(99))
	say("setsockopt(99)", set(99, 1))
	var v int32 = 1
	say("setsockopt(SOL_IP, IP_TOS)", sc(syscall.SYS_SETSOCKOPT, uintptr(fd), syscall.SOL_IP, syscall.IP_TOS, uintptr(unsafe.Pointer(&v)), 4))
}

// pollFd is struct pollfd.
type pollFd struct {
	fd              int32
	events, revents int16
}

// blockedSender: a sender waits while its receiver's buffer is full,
// and learns what happened when the receiver closes (SO_SNDTIMEO of 2 s
// bounds the wait either way).
func blockedSender() {
	a, b := nlSock(syscall.SOCK_RAW), nlSock(syscall.SOCK_RAW)
	sc(syscall.SYS_BIND, uintptr(a), p(sockaddrNl(8888, 0)), 12)
	small := int32(1)
	sc(syscall.SYS_SETSOCKOPT, uintptr(a), syscall.SOL_SOCKET, syscall.SO_RCVBUF, uintptr(unsafe.Pointer(&small)), 4)
	tv := syscall.Timeval{Sec: 2}
	sc(syscall.SYS_SETSOCKOPT, uintptr(b), syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, uintptr(unsafe.Pointer(&tv)), unsafe.Sizeof(tv))
	msg := request(99, 0, 1, make([]byte, 100))
	to := sockaddrNl(8888, 0)
	var sent int
	var last int64
	for sent = 0; sent < 1000; sent++ {
		if last = sc(syscall.SYS_SENDTO, uintptr(b), p(msg), uintptr(len(msg)), syscall.MSG_DONTWAIT, p(to), 12); last < 0 {
			break
		}
	}
	// How many fit depends on each message's truesize (its sk_buff's
	// overhead): not compared.
	say("sends until the receiver is full", fmt.Sprintf("some (%v), then %d", sent > 0, last))
	done := make(chan int64)
	go func() {
		done <- sc(syscall.SYS_SENDTO, uintptr(b), p(msg), uintptr(len(msg)), 0, p(to), 12)
	}()
	time.Sleep(300 * time.Millisecond)
	syscall.Close(a)
	say("blocked send, then the receiver closed", <-done)
	syscall.Close(b)
}

// ifreq is struct ifreq: a name, then a union of 24 bytes.
func ifreq(name string) []byte {
	b := make([]byte, 40)
	copy(b, name)
	return b
}

// ioctls: the classic interface ioctls busybox's ifconfig makes.
func ioctls() {
	s := int(sc(syscall.SYS_SOCKET, syscall.AF_INET, syscall.SOCK_DGRAM, 0))
	u := int(sc(syscall.SYS_SOCKET, syscall.AF_UNIX, syscall.SOCK_DGRAM, 0))
	for _, c := range []struct {
		name string
		cmd  uintptr
	}{
		{"SIOCGIFFLAGS", syscall.SIOCGIFFLAGS}, {"SIOCGIFADDR", syscall.SIOCGIFADDR},
		{"SIOCGIFNETMASK", syscall.SIOCGIFNETMASK}, {"SIOCGIFBRDADDR", syscall.SIOCGIFBRDADDR},
		{"SIOCGIFDSTADDR", syscall.SIOCGIFDSTADDR},
		{"SIOCGIFMTU", syscall.SIOCGIFMTU}, {"SIOCGIFINDEX", syscall.SIOCGIFINDEX},
		{"SIOCGIFHWADDR", syscall.SIOCGIFHWADDR}, {"SIOCGIFMETRIC", syscall.SIOCGIFMETRIC},
		{"SIOCGIFTXQLEN", syscall.SIOCGIFTXQLEN}, {"SIOCGIFMAP", syscall.SIOCGIFMAP},
	} {
		for _, dev := range []string{"lo", "eth0"} {
			b := ifreq(dev)
			r := sc(syscall.SYS_IOCTL, uintptr(s), c.cmd, p(b))
			say(fmt.Sprintf("ioctl(%s, %s)", dev, c.name), fmt.Sprintf("%d %x", r, b[16:]))
		}
		b := ifreq("lo")
		r := sc(syscall.SYS_IOCTL, uintptr(u), c.cmd, p(b))
		say(fmt.Sprintf("ioctl(AF_UNIX, lo, %s)", c.name), fmt.Sprintf("%d %x", r, b[16:]))
	}
	b := ifreq("")
	binary.LittleEndian.PutUint32(b[16:], 1)
	say("ioctl(SIOCGIFNAME, 1)", fmt.Sprintf("%d %q", sc(syscall.SYS_IOCTL, uintptr(s), syscall.SIOCGIFNAME, p(b)), strings.TrimRight(string(b[:16]), "\x00")))
	b = ifreq("")
	binary.LittleEndian.PutUint32(b[16:], 2)
	say("ioctl(SIOCGIFNAME, 2)", sc(syscall.SYS_IOCTL, uintptr(s), syscall.SIOCGIFNAME, p(b)))

	// SIOCGIFCONF: first the length alone (a NULL buffer), then the list.
	conf := make([]byte, 16)
	say("SIOCGIFCONF(NULL)", fmt.Sprintf("%d len=%d", sc(syscall.SYS_IOCTL, uintptr(s), syscall.SIOCGIFCONF, p(conf)), binary.LittleEndian.Uint32(conf)))
	buf := make([]byte, 200)
	binary.LittleEndian.PutUint32(conf, uint32(len(buf)))
	binary.LittleEndian.PutUint64(conf[8:], uint64(p(buf)))
	r := sc(syscall.SYS_IOCTL, uintptr(s), syscall.SIOCGIFCONF, p(conf))
	n := binary.LittleEndian.Uint32(conf)
	say("SIOCGIFCONF", fmt.Sprintf("%d len=%d %x", r, n, buf[:min(n, 200)]))
	binary.LittleEndian.PutUint32(conf, 20)
	r = sc(syscall.SYS_IOCTL, uintptr(s), syscall.SIOCGIFCONF, p(conf))
	say("SIOCGIFCONF(20 bytes)", fmt.Sprintf("%d len=%d", r, binary.LittleEndian.Uint32(conf)))

	// Setting: lo is up already; the name of a device that is not there.
	b = ifreq("eth0")
	say("ioctl(eth0, SIOCSIFFLAGS)", sc(syscall.SYS_IOCTL, uintptr(s), syscall.SIOCSIFFLAGS, p(b)))
	b = ifreq("lo")
	say("ioctl(lo, 0x89ff)", sc(syscall.SYS_IOCTL, uintptr(s), 0x89ff, p(b)))
	syscall.Close(s)
	syscall.Close(u)
}

// goNet: what Go's net package makes of it.
func goNet() {
	ift, err := net.Interfaces()
	if err != nil {
		say("net.Interfaces", err)
		return
	}
	for _, ifi := range ift {
		say("net.Interfaces", fmt.Sprintf("%d %s mtu=%d hw=%q flags=%v", ifi.Index, ifi.Name, ifi.MTU, ifi.HardwareAddr.String(), ifi.Flags))
	}
	addrs, err := net.InterfaceAddrs()
	var s []string
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && ip.IP.To4() == nil {
			continue // the host's ::1: gokern has no AF_INET6
		}
		s = append(s, a.String())
	}
	sort.Strings(s)
	say("net.InterfaceAddrs (IPv4)", fmt.Sprint(s, err))
	lo, err := net.InterfaceByName("lo")
	if err == nil {
		say("net.InterfaceByName(lo).Index", lo.Index)
	} else {
		say("net.InterfaceByName(lo)", err)
	}
	_, err = net.InterfaceByName("eth0")
	say("net.InterfaceByName(eth0)", err)
}
