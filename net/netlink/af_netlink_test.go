package netlink_test

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync/atomic"
	"testing"
	"unsafe"

	"gokern/fs"
	"gokern/include/uapi"
	"gokern/internal/fstest"
	"gokern/net"
	"gokern/net/ipv4"
	"gokern/net/netlink"
)

// The host tests drive NETLINK_ROUTE below the system calls, as net's
// Sys_* do, with kernel buffers and without waiting: the bytes of the
// replies (the values are what Linux 6.18 answered in a network
// namespace with lo alone, user/nltest/linux.out), the dump's replies
// one recvmsg at a time, MSG_PEEK and MSG_TRUNC, the acknowledgments
// and errors, the port ids, and every message freed.

var booted bool

func boot(t *testing.T) {
	t.Helper()
	fstest.Boot(t)
	if booted {
		return
	}
	booted = true
	net.Capable = func(int) bool { return true }
	net.Task_tgid_vnr = func() int32 { return 4242 }
	net.Current_ucred = func() uapi.Ucred { return uapi.Ucred{Pid: 4242} }
	if err := net.Sock_init(); err != 0 {
		t.Fatalf("sock_init: %d", err)
	}
	if err := net.Loopback_net_init(); err != 0 {
		t.Fatalf("loopback_net_init: %d", err)
	}
	if err := netlink.Netlink_proto_init(); err != 0 {
		t.Fatalf("netlink_proto_init: %d", err)
	}
	if err := ipv4.Inet_init(); err != 0 {
		t.Fatalf("inet_init: %d", err)
	}
}

func socket(t *testing.T, typ int) *net.Socket {
	t.Helper()
	s, err := net.Sock_create(netlink.AF_NETLINK, typ, netlink.NETLINK_ROUTE)
	if err != 0 {
		t.Fatalf("socket(AF_NETLINK, %d): %d", typ, err)
	}
	return s
}

func nladdr(pid uint32) []byte {
	b := make([]byte, 12)
	binary.LittleEndian.PutUint16(b, netlink.AF_NETLINK)
	binary.LittleEndian.PutUint32(b[4:], pid)
	return b
}

func request(typ, flags uint16, seq uint32, body []byte) []byte {
	b := make([]byte, 16+len(body))
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint16(b[4:], typ)
	binary.LittleEndian.PutUint16(b[6:], flags)
	binary.LittleEndian.PutUint32(b[8:], seq)
	copy(b[16:], body)
	return b
}

func send(s *net.Socket, b []byte) int64 {
	var ss uapi.Sockaddr_storage
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&ss)), 12), nladdr(0))
	m := net.Msghdr{Msg_iter: fs.Iov_iter_kvec(b), Msg_name: &ss, Msg_namelen: 12, Msg_flags_in: uapi.MSG_DONTWAIT}
	return net.Sock_sendmsg(s, &m)
}

// recv is one recvmsg: the result, the flags, the bytes.
func recv(s *net.Socket, n int, flags uint32) (int64, uint32, []byte) {
	buf := make([]byte, n)
	var ss uapi.Sockaddr_storage
	m := net.Msghdr{Msg_iter: fs.Iov_iter_kvec(buf), Msg_name: &ss}
	r := net.Sock_recvmsg(s, &m, flags|uapi.MSG_DONTWAIT)
	if r < 0 {
		return r, 0, nil
	}
	return r, m.Msg_flags, buf[:min(int(r), n)]
}

func portid(s *net.Socket) uint32 {
	var ss uapi.Sockaddr_storage
	s.Ops.Getname(s, &ss, false)
	return (*netlink.Sockaddr_nl)(unsafe.Pointer(&ss)).Nl_pid
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func le32(v uint32) string {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	return hex.EncodeToString(b[:])
}

func counts() [2]int64 {
	return [2]int64{atomic.LoadInt64(&netlink.Netlink_nr_socks), atomic.LoadInt64(&net.Nr_skbs)}
}

// TestRtnetlinkDump: RTM_GETLINK and RTM_GETADDR dumps, byte for byte:
// lo's RTM_NEWLINK (the attributes gokern gives, each as Linux's), then
// NLMSG_DONE in a reply of its own, made when the first was read; lo's
// RTM_NEWADDR whole, its IFA_CACHEINFO time stamps aside.
func TestRtnetlinkDump(t *testing.T) {
	boot(t)
	before := counts()
	s := socket(t, uapi.SOCK_RAW)
	if err := s.Ops.Bind(s, nladdr(0)); err != 0 {
		t.Fatalf("bind: %d", err)
	}
	pid := portid(s)
	if want := uint32(4242); pid != want {
		t.Errorf("autobind: port id %d, want the tgid %d", pid, want)
	}
	if r := send(s, request(netlink.RTM_GETLINK, netlink.NLM_F_REQUEST|netlink.NLM_F_DUMP, 1, make([]byte, 16))); r != 32 {
		t.Fatalf("send: %d", r)
	}
	if q := s.Sk.Sk_receive_queue.Qlen; q != 1 {
		t.Errorf("after the request, %d replies queued, want 1 (NLMSG_DONE comes after the first is read)", q)
	}
	r, _, b := recv(s, 32768, 0)
	hdr := "00000000 1000 0200 01000000" + le32(pid)
	want := hdr + "00000403010000004900010000000000" +
		"0700 0300 6c6f0000" + // IFLA_IFNAME "lo"
		"0800 0d00 e8030000" + // IFLA_TXQLEN 1000
		"0500 1000 00000000" + // IFLA_OPERSTATE UNKNOWN
		"0500 1100 00000000" + // IFLA_LINKMODE
		"0800 0400 00000100" + // IFLA_MTU 65536
		"0800 3200 00000000" + "0800 3300 00000000" + // IFLA_MIN_MTU, IFLA_MAX_MTU
		"0800 1b00 00000000" + "0800 1e00 00000000" + "0800 3d00 00000000" + // GROUP, PROMISCUITY, ALLMULTI
		"0800 1f00 01000000" + "0800 2000 01000000" + // NUM_TX_QUEUES, NUM_RX_QUEUES
		"0500 2100 01000000" + // IFLA_CARRIER
		"0800 2300 00000000" + "0800 2f00 00000000" + "0800 3000 00000000" + // CARRIER_CHANGES, _UP_COUNT, _DOWN_COUNT
		"0500 2700 00000000" + // IFLA_PROTO_DOWN
		"0a00 0100 000000000000 0000" + "0a00 0200 000000000000 0000" + // ADDRESS, BROADCAST
		"0c00 0600 6e6f717565756500" + // IFLA_QDISC "noqueue"
		"2400 0e00" + strings.Repeat("00", 32) // IFLA_MAP
	w := h(want)
	binary.LittleEndian.PutUint32(w, uint32(len(w)))
	if r != int64(len(w)) || hex.EncodeToString(b) != hex.EncodeToString(w) {
		t.Errorf("RTM_NEWLINK for lo: %d bytes\n%x\nwant %d\n%x", r, b, len(w), w)
	}
	done := h("14000000 0300 0200 01000000" + le32(pid) + "00000000")
	if _, _, b = recv(s, 32768, 0); hex.EncodeToString(b) != hex.EncodeToString(done) {
		t.Errorf("after the links: %x, want NLMSG_DONE %x", b, done)
	}
	if r, _, _ := recv(s, 100, 0); r != -uapi.EAGAIN {
		t.Errorf("after NLMSG_DONE: %d, want -EAGAIN", r)
	}

	// RTM_GETADDR, AF_INET: with MSG_PEEK|MSG_TRUNC and no buffer the
	// length; a 20-byte read truncates, and the rest is lost.
	send(s, request(netlink.RTM_GETADDR, netlink.NLM_F_REQUEST|netlink.NLM_F_DUMP, 2, []byte{uapi.AF_INET, 0, 0, 0, 0, 0, 0, 0}))
	if r, f, _ := recv(s, 0, uapi.MSG_PEEK|uapi.MSG_TRUNC); r != 76 || f != uapi.MSG_TRUNC {
		t.Errorf("recv(0, MSG_PEEK|MSG_TRUNC) = %d flags %#x, want 76 MSG_TRUNC", r, f)
	}
	r, _, b = recv(s, 200, uapi.MSG_PEEK)
	wantAddr := "4c000000 1400 0200 02000000" + le32(pid) + "020880fe01000000" +
		"0800 0100 7f000001" + "0800 0200 7f000001" + "0700 0300 6c6f0000" + "0800 0800 80000000" +
		"1400 0600 ffffffff ffffffff"
	if r != 76 || !strings.HasPrefix(hex.EncodeToString(b), hex.EncodeToString(h(wantAddr))) {
		t.Errorf("RTM_NEWADDR for lo: %d bytes\n%x\nwant 76, beginning\n%x", r, b, h(wantAddr))
	}
	if r, f, _ := recv(s, 20, 0); r != 20 || f != uapi.MSG_TRUNC {
		t.Errorf("recv(20) = %d flags %#x, want 20 MSG_TRUNC", r, f)
	}
	done = h("14000000 0300 0200 02000000" + le32(pid) + "00000000")
	if _, _, b = recv(s, 100, 0); hex.EncodeToString(b) != hex.EncodeToString(done) {
		t.Errorf("after the truncated reply: %x, want NLMSG_DONE %x", b, done)
	}
	s.Ops.Release(s)
	net.Sock_release(s)
	if after := counts(); after != before {
		t.Errorf("netlink socks and messages %v after, %v before", after, before)
	}
}

// TestRtnetlinkErrors: the acknowledgments and errors of Linux's
// netlink_rcv_skb and rtnetlink_rcv_msg, byte for byte.
func TestRtnetlinkErrors(t *testing.T) {
	boot(t)
	before := counts()
	s := socket(t, uapi.SOCK_DGRAM)
	s.Ops.Bind(s, nladdr(0))
	pid := le32(portid(s))
	for _, c := range []struct {
		what string
		req  []byte
		want string // "" for no reply
	}{
		{"a type past RTM_MAX", request(0x7fff, netlink.NLM_F_REQUEST, 6, []byte{0, 0, 0, 0}),
			"28000000 0200 0000 06000000" + pid + "a1ffffff 14000000ff7f0100060000000000000000000000"},
		{"not a request, NLM_F_ACK", request(netlink.RTM_GETLINK, netlink.NLM_F_ACK, 7, make([]byte, 16)),
			"24000000 0200 0001 07000000" + pid + "00000000 20000000120004000700000000000000"},
		{"NLMSG_NOOP, NLM_F_ACK", request(netlink.NLMSG_NOOP, netlink.NLM_F_REQUEST|netlink.NLM_F_ACK, 8, nil),
			"24000000 0200 0001 08000000" + pid + "00000000 10000000010005000800000000000000"},
		{"no family byte", request(netlink.RTM_GETLINK, netlink.NLM_F_REQUEST|netlink.NLM_F_ACK, 9, nil),
			"24000000 0200 0001 09000000" + pid + "00000000 10000000120005000900000000000000"},
		{"RTM_GETLINK of index 99", request(netlink.RTM_GETLINK, netlink.NLM_F_REQUEST, 4, []byte{0, 0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
			"34000000 0200 0000 04000000" + pid + "edffffff 2000000012000100040000000000000000000000630000000000000000000000"},
		{"RTM_GETADDR without NLM_F_DUMP", request(netlink.RTM_GETADDR, netlink.NLM_F_REQUEST, 5, []byte{uapi.AF_INET, 0, 0, 0, 0, 0, 0, 0}),
			"2c000000 0200 0000 05000000" + pid + "a1ffffff 18000000160001000500000000000000 0200000000000000"},
		{"RTM_NEWLINK of no device", request(netlink.RTM_NEWLINK, netlink.NLM_F_REQUEST, 10, make([]byte, 16)),
			"34000000 0200 0000 0a000000" + pid + "edffffff 20000000100001000a0000000000000000000000000000000000000000000000"},
		{"RTM_NEWLINK lo up", request(netlink.RTM_NEWLINK, netlink.NLM_F_REQUEST|netlink.NLM_F_ACK, 31, []byte{0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}),
			"24000000 0200 0001 1f000000" + pid + "00000000 20000000100005001f00000000000000"},
		{"RTM_NEWLINK lo down (gokern's answer: Linux takes lo down)", request(netlink.RTM_NEWLINK, netlink.NLM_F_REQUEST, 32, []byte{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}),
			"34000000 0200 0000 20000000" + pid + "a1ffffff 2000000010000100200000000000000000000000010000000000000001000000"},
		{"a header shorter than 16 bytes", func() []byte {
			b := request(netlink.RTM_GETLINK, netlink.NLM_F_REQUEST|netlink.NLM_F_ACK, 11, make([]byte, 16))
			binary.LittleEndian.PutUint32(b, 12)
			return b
		}(), ""},
	} {
		if r := send(s, c.req); r != int64(len(c.req)) {
			t.Errorf("%s: send %d", c.what, r)
		}
		r, _, b := recv(s, 200, 0)
		if c.want == "" {
			if r != -uapi.EAGAIN {
				t.Errorf("%s: %d %x, want no reply", c.what, r, b)
			}
			continue
		}
		if w := hex.EncodeToString(h(c.want)); hex.EncodeToString(b) != w {
			t.Errorf("%s:\n%x\nwant\n%s", c.what, b, w)
		}
	}
	// RTM_GETLINK of index 1: lo's RTM_NEWLINK, no NLM_F_MULTI, no DONE.
	send(s, request(netlink.RTM_GETLINK, netlink.NLM_F_REQUEST, 3, []byte{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
	if r, _, b := recv(s, 1000, 0); r < 32 || binary.LittleEndian.Uint16(b[4:]) != netlink.RTM_NEWLINK || binary.LittleEndian.Uint16(b[6:]) != 0 {
		t.Errorf("RTM_GETLINK of lo: %d %x", r, b)
	}
	if r, _, _ := recv(s, 100, 0); r != -uapi.EAGAIN {
		t.Errorf("after RTM_GETLINK's answer: %d, want -EAGAIN", r)
	}
	s.Ops.Release(s)
	net.Sock_release(s)
	if after := counts(); after != before {
		t.Errorf("netlink socks and messages %v after, %v before", after, before)
	}
}

// TestNetlinkPorts: bind's and autobind's port ids, as Linux's, and a
// message from one user socket to another.
func TestNetlinkPorts(t *testing.T) {
	boot(t)
	before := counts()
	if _, err := net.Sock_create(netlink.AF_NETLINK, uapi.SOCK_STREAM, 0); err != -uapi.ESOCKTNOSUPPORT {
		t.Errorf("SOCK_STREAM: %d, want -ESOCKTNOSUPPORT", err)
	}
	if _, err := net.Sock_create(netlink.AF_NETLINK, uapi.SOCK_RAW, 16); err != -uapi.EPROTONOSUPPORT {
		t.Errorf("NETLINK_GENERIC: %d, want -EPROTONOSUPPORT", err)
	}
	a, b, c := socket(t, uapi.SOCK_RAW), socket(t, uapi.SOCK_RAW), socket(t, uapi.SOCK_RAW)
	if err := a.Ops.Bind(a, nladdr(0)[:8]); err != -uapi.EINVAL {
		t.Errorf("bind(8 bytes): %d, want -EINVAL", err)
	}
	a.Ops.Bind(a, nladdr(0))
	tgid := uint32(4242)
	if err := a.Ops.Bind(a, nladdr(0)); err != -uapi.EINVAL {
		t.Errorf("bind again to 0: %d, want -EINVAL", err)
	}
	if err := b.Ops.Bind(b, nladdr(tgid)); err != -uapi.EADDRINUSE {
		t.Errorf("bind to a port id in use: %d, want -EADDRINUSE", err)
	}
	if err := b.Ops.Bind(b, nladdr(7777)); err != 0 || portid(b) != 7777 {
		t.Errorf("bind(7777): %d, port id %d", err, portid(b))
	}
	c.Ops.Bind(c, nladdr(0))
	if p := int32(portid(c)); p > -4097 {
		t.Errorf("autobind with the tgid taken: %d, want below -4096", p)
	}
	// a to b: queued with a's port id.
	var ss uapi.Sockaddr_storage
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&ss)), 12), nladdr(7777))
	msg := request(99, 0, 15, []byte("hi!!"))
	m := net.Msghdr{Msg_iter: fs.Iov_iter_kvec(msg), Msg_name: &ss, Msg_namelen: 12, Msg_flags_in: uapi.MSG_DONTWAIT}
	if r := net.Sock_sendmsg(a, &m); r != 20 {
		t.Errorf("sendto(7777): %d", r)
	}
	if r, _, got := recv(b, 100, 0); r != 20 || string(got[16:]) != "hi!!" {
		t.Errorf("b read %d %q", r, got)
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&ss)), 12), nladdr(7778))
	m = net.Msghdr{Msg_iter: fs.Iov_iter_kvec(msg), Msg_name: &ss, Msg_namelen: 12, Msg_flags_in: uapi.MSG_DONTWAIT}
	if r := net.Sock_sendmsg(a, &m); r != -uapi.ECONNREFUSED {
		t.Errorf("sendto(7778, nobody): %d, want -ECONNREFUSED", r)
	}
	// A dump abandoned by a close frees its replies.
	send(c, request(netlink.RTM_GETLINK, netlink.NLM_F_REQUEST|netlink.NLM_F_DUMP, 1, make([]byte, 16)))
	for _, s := range []*net.Socket{a, b, c} {
		s.Ops.Release(s)
		net.Sock_release(s)
	}
	if after := counts(); after != before {
		t.Errorf("netlink socks and messages %v after, %v before", after, before)
	}
}
