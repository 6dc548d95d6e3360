package boottest

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
	"gokern/internal/userprog"
)

// nltestInitrd: user/nltest, built by the stock toolchain, as /init.
var nltestInitramfs builtInitrd

func nltestInitrd(t *testing.T) string {
	return nltestInitramfs.get(t, "gokern-nltest", func(dir string) (string, error) {
		p := filepath.Join(dir, "nltest.cpio")
		return p, userprog.GoInitrd(filepath.Join(userprog.Root(), "user", "nltest"), p, nil)
	})
}

// nltestOmitted: the attributes of Linux's RTM_NEWLINK for lo that
// gokern leaves out (docs/sockets.md §13): IFLA_NETNS_IMMUTABLE (67),
// the offload sizes (GSO 40, 41, 63; GRO 58, 64; TSO 59, 60; pacing 66),
// HEADROOM and TAILROOM (68, 69), the statistics (STATS64 23, STATS 7),
// XDP (43), AF_SPEC (26), DEVLINK_PORT and DPLL_PIN (nested 62, 65).
var nltestOmitted = regexp.MustCompile(`^getlink (lo )?dgram 0 msg 0 attr (67|40|41|58|63|64|59|60|66|68|69|23|7|43|26|32830|32833) len=`)

// nltestDiffers: what gokern prints otherwise, and why.
var nltestDiffers = map[string]string{
	"getlink recv 0":    "240 flags=0x0 from=0", // the attributes above left out
	"getlink lo recv 0": "240 flags=0x0 from=0",
	"getroute recv 0":   "120 flags=0x0 from=0", // no broadcast route: gokern routes all of 127/8 as local
}

var nltestRouteOmitted = regexp.MustCompile(`^getroute dgram 0 msg 2 `)

// TestNetlink: NETLINK_ROUTE and the interface ioctls from user space
// (net/netlink, net/ipv4/devinet.go, net/dev_ioctl.go; docs/sockets.md
// §13). user/nltest makes each call and prints its result, a reply's
// bytes attribute by attribute; every line must be the one the same
// binary printed on the host's Linux 6.18 in a network namespace with lo
// alone (user/nltest/linux.out), except the attributes and the route
// gokern leaves out, each named above. It covers socket's types and
// protocols, bind and autobind (the thread-group id, then a negative
// port id), getsockname, SOL_NETLINK's options and the groups, the
// RTM_GETLINK and RTM_GETADDR dumps and
// NLMSG_DONE, RTM_GETLINK of one device and of none (-ENODEV), the
// RTM_GETROUTE dump, acknowledgments and errors, two requests in one
// datagram, MSG_PEEK and MSG_TRUNC, poll, SO_RCVTIMEO, a message between
// two user sockets,
// the SIOCGIF* ioctls on AF_INET and AF_UNIX sockets (-ENODEV for
// eth0), SIOCGIFCONF, and Go's net.Interfaces, InterfaceAddrs and
// InterfaceByName. At -smp 1 and -smp 2.
func TestNetlink(t *testing.T) {
	initrd := nltestInitrd(t)
	ref, err := os.ReadFile(filepath.Join(userprog.Root(), "user", "nltest", "linux.out"))
	if err != nil {
		t.Fatal(err)
	}
	lines := func(t *testing.T, s string) ([]string, map[string]string) {
		var keys []string
		m := map[string]string{}
		for _, l := range strings.Split(s, "\n") {
			l = strings.TrimRight(l, "\r")
			if !strings.HasPrefix(l, "nltest: ") {
				continue
			}
			l = strings.TrimPrefix(l, "nltest: ")
			k, v, _ := strings.Cut(l, " = ")
			if _, dup := m[k]; dup {
				t.Errorf("line printed twice: %q", k)
			}
			keys = append(keys, k)
			m[k] = v
		}
		return keys, m
	}
	wantKeys, want := lines(t, string(ref))
	for _, smp := range []int{1, 2} {
		t.Run("smp"+strconv.Itoa(smp), func(t *testing.T) {
			t.Parallel()
			nltestCompare(t, q.Boot(t, q.Config{Initrd: initrd, SMP: smp}), lines, wantKeys, want)
		})
	}
}

// nltestCompare checks one boot's lines against Linux's.
func nltestCompare(t *testing.T, r *q.Result, lines func(*testing.T, string) ([]string, map[string]string), wantKeys []string, want map[string]string) {
	gotKeys, got := lines(t, r.UserText())
	compared := 0
	for _, k := range wantKeys {
		v, ok := got[k]
		switch {
		case nltestOmitted.MatchString(k) || nltestRouteOmitted.MatchString(k):
			if ok {
				t.Errorf("%s = %s: gokern gives it, remove it from the omitted", k, v)
			}
		case !ok:
			t.Errorf("%s: not printed; Linux: %s", k, want[k])
		case nltestDiffers[k] != "":
			if v != nltestDiffers[k] {
				t.Errorf("%s = %s, want %s (Linux: %s)", k, v, nltestDiffers[k], want[k])
			}
		case v != want[k]:
			t.Errorf("%s = %s\n\twant (Linux) %s", k, v, want[k])
		default:
			compared++
		}
	}
	for _, k := range gotKeys {
		if _, ok := want[k]; !ok {
			t.Errorf("%s = %s: Linux printed no such line", k, got[k])
		}
	}
	t.Logf("%d lines as Linux's, %d of Linux's omitted or different by design", compared, len(wantKeys)-compared)
	if t.Failed() {
		t.Fatalf("\n%s", r.Describe())
	}
	mustExit(t, r, q.ExitSuccess)
}

// TestGDBNetlink: gk-sockets (tools/gdb/gokern.py) on user/nltest
// stopped in its first dump (netlink_dump_locked, from RTM_GETLINK's
// Netlink_dump_start): the SOCK_RAW socket bound to the tgid (1: nltest
// is init) with the dump of type 18 in progress, the SOCK_DGRAM one
// bound to 7777, read from net/netlink's Nl_table through DWARF. Then
// the program goes on and ends.
func TestGDBNetlink(t *testing.T) {
	t.Parallel()
	r := runGDBConfig(t, q.Config{Initrd: nltestInitrd(t)}, false,
		"break 'gokern/net/netlink.netlink_dump_locked'", "continue", "gk-sockets", "delete", "continue")
	for _, want := range []string{
		`(?m)^NETLINK_SOCK +REF TYPE +PROTO PORTID +GROUPS +DST +RQ +RMEM/RCVBUF +DUMP$`,
		`(?m)^0x[0-9a-f]+ +1 RAW +0 +1 +00000000 0 +0 +0/212992 +18$`,
		`(?m)^0x[0-9a-f]+ +1 DGRAM +0 +7777 +00000000 0 +0 +0/212992 +-$`,
		`(?m)^2 AF_NETLINK sockets \(2 allocated\)$`,
	} {
		if !regexp.MustCompile(want).MatchString(r.out) {
			t.Errorf("gk-sockets shows no match for %s\n--- gdb\n%s", want, r.all())
		}
	}
	if !strings.Contains(r.serial, "nltest: done") {
		t.Errorf("the program did not end after gdb let it go on\n--- serial\n%s", r.serial)
	}
}
