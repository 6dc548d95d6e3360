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
		{"socket(AF_INET, SOCK_STREAM)", -97}, // Linux with AF_INET: a descriptor
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
		{"socketpair(AF_INET)", -97}, // Linux with AF_INET: -EOPNOTSUPP
		{"sendmsg(bad msghdr)", -14},
		{"sendmsg(1025 iovecs)", -90},
		{"recvfrom(bad buffer, nothing queued, MSG_DONTWAIT)", -22},
		{"accept(unlistened)", -22},
		{"accept4(bad flags)", -22},
		{"setsockopt(SOL_SOCKET, 9999)", -92},
		{"setsockopt(optlen 2)", -22},
		{"getsockopt(bad optlen pointer)", -14},
		{"send(unconnected stream)", -107},
		{"listen(dgram)", -95},
		{"net: unix echo round trips of 1 KiB", 200},
		{"net: Listener.Close removed the name", 1},
		{"net: unixgram read deadline", 1},
		{"net: unixgram writer woken when its full receiver reads another's datagrams", 1},
		{"net: Listen(tcp) fails with EAFNOSUPPORT", 1}, // Linux with AF_INET: 0, it listens
		{"recvmsg(room for 2 of 3 fds) MSG_CTRUNC", 1},
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
// them). Then the program goes on and passes.
func TestGDBSockets(t *testing.T) {
	t.Parallel()
	r := runGDBConfig(t, q.Config{Initrd: socktestInitrd(t)}, false,
		"break 'gokern/net/unix.unix_accept'", "continue", "gk-sockets", "delete", "continue")
	for _, want := range []string{
		`(?m)^0x[0-9a-f]+ +1 STREAM +CLOSE +-- +0 +0 +0/212992 +- *$`,
		`(?m)^0x[0-9a-f]+ +1 STREAM +LISTEN +-- +0 +0 +0/212992 +- +@epoll-listener$`,
		// Three sockets: accept's new one is made before unix_accept.
		`(?m)^2 AF_UNIX sockets; 3 sockets, 0 messages, 0 passed files in flight$`,
	} {
		if !regexp.MustCompile(want).MatchString(r.out) {
			t.Errorf("gk-sockets shows no match for %s\n--- gdb\n%s", want, r.all())
		}
	}
	if !strings.Contains(r.serial, "socktest: PASS") {
		t.Errorf("the program did not pass after gdb let it go on\n--- serial\n%s", r.serial)
	}
}
