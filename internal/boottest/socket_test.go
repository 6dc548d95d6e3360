package boottest

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// socktestInitrd: user/socktest, built by the stock toolchain, as /init.
var socktestInitramfs builtInitrd

func socktestInitrd(t *testing.T) string {
	return socktestInitramfs.get(t, "gokern-socktest", func(dir string) (string, error) {
		p := filepath.Join(dir, "socktest.cpio")
		return p, userprog.GoInitrd(filepath.Join(userprog.Root(), "user", "socktest"), p, nil)
	})
}

// TestSockets: sockets from user space (net, net/unix; docs/sockets.md).
// user/socktest, an unmodified static Go binary, makes each socket call
// and prints its result or negated errno; each must be Linux's: the
// values below are what the same binary printed on the host's Linux 6.x
// (as root), except where gokern has no AF_INET and answers as a Linux
// built without it. It covers socketpair, read/write, MSG_PEEK,
// MSG_DONTWAIT, O_NONBLOCK, SO_RCVTIMEO and SO_SNDTIMEO, a writer blocked
// on a full buffer, shutdown,
// EOF and ECONNRESET, /proc/self/fd's socket:[inode] (and ENXIO to an
// open), SIGPIPE and MSG_NOSIGNAL, epoll readiness, bind to
// a path (an S_IFSOCK node, EADDRINUSE, unlink), listen's backlog,
// accept4's flags, getsockname/getpeername, SO_PEERCRED, abstract names
// and autobind, datagrams with addresses, MSG_TRUNC, a full receiver,
// seqpacket records, SCM_RIGHTS (a passed pipe end works; an unread
// message's files are dropped when its socket closes; a socket in flight
// on its own queue is collected when closed; MSG_CTRUNC),
// SCM_CREDENTIALS, bad addresses and lengths, and Go's net package
// (an echo server over the netpoller, unixgram with a read deadline, a
// unixgram writer parked for EPOLLOUT on a full receiver). At
// -smp 1 and -smp 2.
func TestSockets(t *testing.T) {
	initrd := socktestInitrd(t)
	want := []struct {
		what string
		v    int64
	}{
		{"socket(AF_INET, SOCK_STREAM) is a descriptor", 1},
		{"socket(AF_INET6, SOCK_DGRAM)", -97}, // Linux with AF_INET6: a descriptor
		{"socket(AF_UNIX, 9)", -94},
		{"socket(AF_UNIX, SOCK_STREAM, 7)", -93},
		{"socket(AF_UNIX, SOCK_STREAM|0x100000)", -22},
		{"socket(1000, SOCK_STREAM)", -97},
		{"getsockopt(stdin, SO_TYPE)", -88},
		{"write(stream, hello)", 5},
		{"read(stream)", 5},
		{"fstat S_IFMT is S_IFSOCK", 1},
		{"getsockopt(SO_TYPE)", 1},
		{"readlink(/proc/self/fd/N) is socket:[inode]", 1},
		{"open(/proc/self/fd/N)", -6},
		{"getsockopt(SO_SNDBUF)", 212992},
		{"getsockopt(SO_SNDBUF) after 8192", 16384},
		{"recv(MSG_DONTWAIT) empty", -11},
		{"recv(MSG_PEEK)", 3},
		{"recv after peek", 3},
		{"write(full, O_NONBLOCK) errno", -11},
		{"write(full, SO_SNDTIMEO 100 ms)", -11},
		{"it waited 100 ms", 1},
		{"getsockopt(SO_RCVTIMEO) µs", 100000},
		{"read(empty, SO_RCVTIMEO 100 ms)", -11},
		{"it waited 100 ms too", 1},
		{"setsockopt(SO_RCVTIMEO, 2000000 µs)", -33},
		{"shutdown(a, SHUT_WR)", 0},
		{"read after peer's SHUT_WR", 0},
		{"send after SHUT_WR (MSG_NOSIGNAL)", -32},
		{"shutdown(a, 3)", -22},
		{"write to a closed peer (MSG_NOSIGNAL)", -32},
		{"read: the data the closed peer sent", 1},
		{"read: then EOF", 0},
		{"read after the peer closed with data unread", -104},
		{"read again", 0},
		{"write to a closed peer", -32},
		{"SIGPIPE delivered", 1},
		{"send(MSG_NOSIGNAL) to a closed peer", -32},
		{"SIGPIPE with MSG_NOSIGNAL", 0},
		{"epoll: idle pair (EPOLLOUT)", 4},
		{"epoll: after the peer wrote (IN|OUT)", 5},
		{"epoll: after the peer closed (IN|OUT|HUP|RDHUP)", 8213},
		{"connect to a listener with a blocked accept", 0},
		{"the blocked accept returned a descriptor", 1},
		{"bind(/tmp/sock)", 0},
		{"stat(/tmp/sock) is S_IFSOCK", 1},
		{"bind again", -98},
		{"bind(/tmp/sock) by another socket", -98},
		{"connect before listen", -111},
		{"listen(unbound)", -22},
		{"listen(/tmp/sock, 1)", 0},
		{"connect(/tmp/sock)", 0},
		{"connect again", -106},
		{"connect 2 (backlog 1)", 0},
		{"connect 3 (backlog full, O_NONBLOCK)", -11},
		{"accept4(NONBLOCK|CLOEXEC) addrlen", 2},
		{"accepted O_NONBLOCK", 1},
		{"accepted FD_CLOEXEC", 1},
		{"getsockname(accepted) len", 12},
		{"getsockname(unbound client) len", 2},
		{"getpeername(listener)", -107},
		{"recvfrom(stream) address length", 12},
		{"SO_ACCEPTCONN(listener)", 1},
		{"SO_PEERCRED(unconnected) pid", 0},
		{"SO_PEERCRED(unconnected) uid", 4294967295},
		{"connect as root to a mode-0 node (backlog full)", 0},
		{"unlink(/tmp/sock)", 1},
		{"connect after unlink", -2},
		{"connect(regular file)", -111},
		{"bind(abstract)", 0},
		{"bind(the same abstract name, dgram)", 0},
		{"connect(dgram to a stream listener)", 0},
		{"connect(abstract)", 0},
		{"connect(unbound abstract name)", -111},
		{"bind(family only): autobind", 0},
		{"autobind name length", 8},
		{"read on a connection its listener closed unaccepted", -104},
		{"bind(/tmp/dgram)", 0},
		{"sendto(/tmp/dgram)", 12},
		{"sendto(/tmp/dgram) 2", 3},
		{"recvfrom", 12},
		{"recvmsg(2-byte buffer, 3-byte datagram)", 2},
		{"recvmsg's msg_flags has MSG_TRUNC", 1},
		{"recv(MSG_TRUNC, 2 bytes) of 6", 6},
		{"connect(dgram)", 0},
		{"send(connected dgram)", 12},
		{"sendto a socket connected elsewhere", -1},
		{"datagrams queued before a full receiver", 11},
		{"then", -11},
		{"datagrams queued on a socketpair (of 100)", 100},
		{"sendto(300 KiB datagram)", -90},
		{"send to a closed connected peer", -111},
		{"send again (now unconnected)", -107},
		{"seqpacket: record lengths", 507},
		{"seqpacket: read after the peer closed", 0},
		{"seqpacket: send after the peer closed", -32},
		{"seqpacket: send unconnected", -107},
		{"sendmsg(SCM_RIGHTS pipe write end)", 1},
		{"SCM_RIGHTS descriptors received", 1},
		{"SCM_RIGHTS msg_flags", 0},
		{"pipe EOF after the passed write end closed", 0},
		{"pipe EOF after the unread message's socket closed", 0},
		{"pipe EOF after a socket in flight on its own queue was closed", 0},
		{"descriptors in the cut message", 2},
		{"sendmsg(SCM_RIGHTS 999)", -9},
		{"sendmsg(malformed cmsg)", -22},
		{"SO_PASSCRED", 1},
		{"SCM_CREDENTIALS pid is getpid", 1},
		{"sendmsg(SCM_CREDENTIALS own pid)", 0},
		{"bind(addrlen 200)", -22},
		{"bind(addrlen 1)", -22},
		{"bind(addrlen -1)", -22},
		{"bind(bad pointer)", -14},
		{"bind(AF_INET address)", -22},
		{"connect(bad pointer)", -14},
		{"socketpair(bad pointer)", -14},
		{"socketpair(AF_INET)", -95},
		{"sendmsg(bad msghdr)", -14},
		{"sendmsg(1025 iovecs)", -90},
		{"recvfrom(bad buffer, nothing queued, MSG_DONTWAIT)", -22},
		{"accept(unlistened)", -22},
		{"accept4(bad flags)", -22},
		{"setsockopt(SOL_SOCKET, 9999)", -92},
		{"setsockopt(SO_REUSEPORT, 1) on AF_UNIX", -95},
		{"setsockopt(SO_REUSEPORT, 0) on AF_UNIX", 0},
		{"setsockopt(optlen 2)", -22},
		{"getsockopt(bad optlen pointer)", -14},
		{"send(unconnected stream)", -107},
		{"listen(dgram)", -95},
		{"net: unix echo round trips of 1 KiB", 200},
		{"net: Listener.Close removed the name", 1},
		{"net: unixgram read deadline", 1},
		{"net: unixgram writer woken when its full receiver reads another's datagrams", 1},
		{"recvmsg(room for 2 of 3 fds) MSG_CTRUNC", 1},
		// AF_INET on the loopback (net/ipv4): Linux's answers in a
		// network namespace with lo alone (unshare -n; ip link set lo
		// up), where 10.1.2.3 and 255.255.255.255 have no route.
		{"inet: SO_TYPE", 1},
		{"inet: SO_PROTOCOL", 6},
		{"inet: SO_DOMAIN", 2},
		{"inet: tcp SO_SNDBUF", 16384},
		{"inet: tcp SO_RCVBUF", 131072},
		{"inet: TCP_NODELAY", 0},
		{"inet: TCP_NODELAY after 1", 1},
		{"inet: TCP_KEEPIDLE", 7200},
		{"inet: TCP_KEEPINTVL", 75},
		{"inet: TCP_KEEPCNT", 9},
		{"inet: setsockopt(TCP_KEEPIDLE, 15)", 0},
		{"inet: TCP_KEEPIDLE after 15", 15},
		{"inet: setsockopt(TCP_KEEPIDLE, 0)", -22},
		{"inet: setsockopt(TCP_KEEPCNT, 200)", -22},
		{"inet: setsockopt(SO_KEEPALIVE, 1)", 0},
		{"inet: SO_KEEPALIVE", 1},
		{"inet: IP_TOS", 0},
		{"inet: IP_TOS after 0x2f (tcp keeps ECN bits)", 44},
		{"inet: IP_TTL", 64},
		{"inet: setsockopt(IP_TTL, 0)", -22},
		{"inet: setsockopt(IPPROTO_TCP, 9999)", -92},
		{"inet: setsockopt(IPPROTO_UDP on tcp)", -92},
		{"inet: setsockopt(TCP_NODELAY, optlen 2)", -22},
		{"inet: setsockopt(SO_LINGER 1 7)", 0},
		{"inet: SO_LINGER l_linger", 7},
		{"inet: poll(new tcp socket)", 276},
		{"inet: getsockname(unbound) len", 16},
		{"inet: getsockname(unbound) is 0.0.0.0:0", 1},
		{"inet: getpeername(unconnected)", -107},
		{"inet: read(unconnected)", -107},
		{"inet: send(unconnected, MSG_NOSIGNAL)", -32},
		{"inet: accept(unlistened)", -22},
		{"inet: shutdown(unconnected)", -107},
		{"inet: bind(addrlen 8)", -22},
		{"inet: bind(AF_INET6 family)", -97},
		{"inet: bind(10.1.2.3)", -99},
		{"inet: bind(127.0.0.1:0)", 0},
		{"inet: ephemeral port in 32768..60999", 1},
		{"inet: bind again", -22},
		{"inet: bind(the same port)", -98},
		{"inet: bind(the same port, 0.0.0.0)", -98},
		{"inet: bind(the same port, 127.0.0.2)", 0},
		{"inet: bind(the same port, both SO_REUSEADDR)", 0},
		{"inet: listen(first)", 0},
		{"inet: listen(second on its port)", -98},
		{"inet: listen(unbound)", 0},
		{"inet: listen(unbound) bound 0.0.0.0:ephemeral", 1},
		{"inet: SO_ACCEPTCONN", 1},
		{"inet: poll(listener)", 0},
		{"inet: read(listener)", -107},
		{"inet: connect(listener)", -106},
		{"inet: accept(O_NONBLOCK, empty)", -11},
		{"inet: connect(nobody listens)", -111},
		{"inet: connect(10.1.2.3)", -101},
		{"inet: connect(addrlen 8)", -22},
		{"inet: connect(O_NONBLOCK, nobody listens)", -115},
		{"inet: poll(refused)", 8541},
		{"inet: SO_ERROR(refused)", 111},
		{"inet: SO_ERROR again", 0},
		{"inet: connect again (refused)", -103},
		{"inet: listen(0.0.0.0, backlog 1)", 0},
		{"inet: connect(O_NONBLOCK)", -115},
		{"inet: poll(connected)", 260},
		{"inet: SO_ERROR(connected)", 0},
		{"inet: connect again (done)", 0},
		{"inet: connect a third time", -106},
		{"inet: poll(listener with a connection)", 65},
		{"inet: accept4 addrlen", 16},
		{"inet: accept's address is the client's", 1},
		{"inet: getpeername(accepted) is the client's name", 1},
		{"inet: client port is ephemeral", 1},
		{"inet: getsockname(accepted) is 127.0.0.1:listener's", 1},
		{"inet: getpeername(client) is the same", 1},
		{"inet: accepted inherits SO_REUSEADDR", 1},
		{"inet: connect(127.0.0.2)", 0},
		{"inet: connect(127.0.0.2) source is 127.0.0.1", 1},
		{"inet: connect 3 (O_NONBLOCK, backlog 1 holds 2)", -115},
		{"inet: getsockname(accepted from 127.0.0.2)", 1},
		{"inet: write(hello)", 11},
		{"inet: FIONREAD", 11},
		{"inet: SIOCOUTQ (acknowledged)", 0},
		{"inet: poll(readable)", 325},
		{"inet: recv(MSG_PEEK, 5)", 5},
		{"inet: recv(MSG_PEEK) whole", 11},
		{"inet: read", 11},
		{"inet: recv(MSG_DONTWAIT) empty", -11},
		{"inet: recvfrom(stream) address length", 0},
		{"inet: shutdown(SHUT_WR)", 0},
		{"inet: poll(peer's SHUT_WR)", 8517},
		{"inet: read after peer's SHUT_WR", 0},
		{"inet: send after SHUT_WR (MSG_NOSIGNAL)", -32},
		{"inet: poll(own SHUT_WR)", 260},
		{"inet: write the other way", 4},
		{"inet: read the other way", 4},
		{"inet: poll(both shut)", 8533},
		{"inet: read after both shut", 0},
		{"inet: getpeername after both shut", -107},
		{"inet: poll(peer closed)", 8517},
		{"inet: read after the peer closed", 0},
		{"inet: write to a closed peer (MSG_NOSIGNAL)", 3},
		{"inet: poll(after the reset)", 8541},
		{"inet: write after the reset", -32},
		{"inet: SIGPIPE delivered", 1},
		{"inet: read after the reset", 0},
		{"inet: poll(reset by a close with data unread)", 8541},
		{"inet: read: the data before the reset", 5},
		{"inet: read: then ECONNRESET", -104},
		{"inet: read again", 0},
		{"inet: write after ECONNRESET (MSG_NOSIGNAL)", -32},
		{"inet: write after SO_LINGER 0 close (MSG_NOSIGNAL)", -104},
		{"inet: write(full, O_NONBLOCK) errno", -11},
		{"inet: poll(full writer) has no EPOLLOUT", 1},
		{"inet: write(full, SO_SNDTIMEO 100 ms)", -11},
		{"inet: it waited 100 ms", 1},
		{"inet: poll(drained writer) has EPOLLOUT", 1},
		{"inet: read(empty, SO_RCVTIMEO 100 ms)", -11},
		{"inet: read on a connection its listener closed unaccepted", -104},
		{"inet: socketpair(AF_INET)", -95},
		{"inet: socket(AF_INET, SOCK_SEQPACKET)", -94},
		{"inet: socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)", -93},
		{"inet: udp SO_PROTOCOL", 17},
		{"inet: udp SO_BROADCAST", 0},
		{"inet: udp SO_BROADCAST after 1", 1},
		{"inet: udp IP_MULTICAST_TTL", 1},
		{"inet: udp IP_TOS after 0x2f", 47},
		{"inet: udp setsockopt(IPPROTO_TCP)", -92},
		{"inet: poll(new udp socket)", 772},
		{"inet: udp listen", -95},
		{"inet: udp accept", -95},
		{"inet: udp send(unconnected)", -89},
		{"inet: udp getpeername(unconnected)", -107},
		{"inet: udp recv(MSG_DONTWAIT) empty", -11},
		{"inet: udp shutdown(unconnected)", -107},
		{"inet: udp bind(the same port)", -98},
		{"inet: udp sendto(port 0)", -22},
		{"inet: udp sendto(10.1.2.3)", -101},
		{"inet: udp sendto(addrlen 8)", -22},
		{"inet: udp sendto(255.255.255.255) without SO_BROADCAST", -101},
		{"inet: udp sendto(65508 bytes)", -90},
		{"inet: udp sendto", 12},
		{"inet: udp sendto(0 bytes)", 0},
		{"inet: udp sendto(3 bytes)", 3},
		{"inet: udp sender autobound to an ephemeral port", 1},
		{"inet: udp sender's name is 0.0.0.0:port", 1},
		{"inet: udp FIONREAD (first datagram)", 12},
		{"inet: poll(udp with a datagram)", 837},
		{"inet: udp recv(MSG_PEEK)", 12},
		{"inet: udp recvfrom", 12},
		{"inet: udp recvfrom address length", 16},
		{"inet: udp recvfrom source is the sender", 1},
		{"inet: udp recv(0-byte datagram)", 0},
		{"inet: udp recv(MSG_TRUNC, 2 bytes) of 3", 3},
		{"inet: udp connect", 0},
		{"inet: udp getpeername(connected)", 1},
		{"inet: connected udp reads its peer's datagram only", 4},
		{"inet: and nothing else", -11},
		{"inet: udp connect(a port nobody has)", 0},
		{"inet: udp connect sets the source address", 1},
		{"inet: udp send to it", 5},
		{"inet: poll(udp port unreachable)", 780},
		{"inet: udp recv after port unreachable", -111},
		{"inet: udp recv again", -11},
		{"inet: udp send after port unreachable", -111},
		{"inet: udp sendto unconnected to nobody", 5},
		{"inet: udp connect(AF_UNSPEC)", 0},
		{"inet: udp getpeername after AF_UNSPEC", -107},
		{"net: Listen(tcp)", 0},
		{"net: tcp echo round trips of 1 KiB", 200},
		{"net: Dial(tcp) to a closed listener is refused", 1},
		{"net: udp read deadline", 1},
		{"net: udp datagram", 1},
		{"net: DNS lookup without a server fails", 1},
		{"net: and fails in under 2 s", 1},
	}
	for _, smp := range []int{1, 2} {
		smp := smp
		t.Run("smp"+strconv.Itoa(smp), func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Initrd: initrd, SMP: smp})
			user := r.UserText()
			got := map[string]int64{}
			for _, l := range strings.Split(user, "\n") {
				m := regexp.MustCompile(`^socktest: (.*) = (-?\d+)$`).FindStringSubmatch(l)
				if m == nil {
					continue
				}
				v, _ := strconv.ParseInt(m[2], 10, 64)
				got[m[1]] = v
			}
			for _, w := range want {
				if v, ok := got[w.what]; !ok || v != w.v {
					t.Errorf("%s = %d (printed: %v), want %d", w.what, v, ok, w.v)
				}
			}
			for _, l := range strings.Split(user, "\n") {
				if strings.Contains(l, "socktest: FAIL") || strings.Contains(l, "socktest: figure") {
					t.Log(l)
				}
			}
			if t.Failed() {
				t.Fatalf("\n%s", r.Describe())
			}
			mustExit(t, r, q.ExitSuccess)
			if !strings.Contains(user, "socktest: PASS") {
				t.Fatalf("no PASS line\n%s", r.Describe())
			}
		})
	}
}

// TestGDBSockets: gk-sockets (tools/gdb/gokern.py) on user/socktest
// stopped in its first accept: the listener it bound to the abstract
// name "\0epoll-listener" and the unconnected socket that will connect
// to it, read from net/unix's unix_table through DWARF, and the socket
// layer's counts (accept's new socket, still without a sock, among
// them); then stopped in its first TCP connection made
// (tcp_v4_connect_to): the listener and the connecting client, read from
// net/ipv4's inet_table. Then the program goes on and passes.
func TestGDBSockets(t *testing.T) {
	t.Parallel()
	r := runGDBConfig(t, q.Config{Initrd: socktestInitrd(t)}, false,
		"break 'gokern/net/unix.unix_accept'", "continue", "gk-sockets", "delete",
		"break 'gokern/net/ipv4.tcp_v4_connect_to'", "continue", "gk-sockets", "delete", "continue")
	for _, want := range []string{
		`(?m)^0x[0-9a-f]+ +1 STREAM +CLOSE +-- +0 +0 +0/212992 +- *$`,
		`(?m)^0x[0-9a-f]+ +1 STREAM +LISTEN +-- +0 +0 +0/212992 +- +@epoll-listener$`,
		// Three sockets: accept's new one is made before unix_accept.
		`(?m)^2 AF_UNIX sockets; 3 sockets, 0 messages, 0 passed files in flight$`,
		// At the first connection made: socktest's listener on 0.0.0.0
		// and its client, in SYN_SENT from 127.0.0.1's ephemeral port
		// to the listener's port.
		`(?m)^0x[0-9a-f]+ +1 TCP +LISTEN +-- +0\.0\.0\.0:(\d+) +0\.0\.0\.0:0 +0 +0 +0/16384 +0 +-$`,
		`(?m)^0x[0-9a-f]+ +1 TCP +SYN_SENT +-- +127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+ +0 +0 +0/16384 +0 +-$`,
		`(?m)^2 AF_INET sockets \(2 allocated\)$`,
	} {
		if !regexp.MustCompile(want).MatchString(r.out) {
			t.Errorf("gk-sockets shows no match for %s\n--- gdb\n%s", want, r.all())
		}
	}
	if !strings.Contains(r.serial, "socktest: PASS") {
		t.Errorf("the program did not pass after gdb let it go on\n--- serial\n%s", r.serial)
	}
}
