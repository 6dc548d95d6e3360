package boottest

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	q "gokern/internal/qemutest"
)

// The course labs' boot tests (labs/*/grade.txt names them with their
// points; ./qemu.sh grade runs them). Each fails with the boot's verdict
// first ("hang", "reset", the kernel's panic line), which is the line the
// grader prints.

// labTimeout bounds one lab boot: a skeleton that hangs costs this, not
// qemutest.DefaultTimeout. A reference boot takes a few seconds under TCG.
const labTimeout = 60 * time.Second

// labBoot boots cfg and fails unless the kernel exits with code.
func labBoot(t *testing.T, cfg q.Config, code int) *q.Result {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = labTimeout
	}
	r := q.Boot(t, cfg)
	if r.TimedOut || r.ExitCode != code {
		t.Fatalf("%s (want exit %d)\n%s", r.Verdict(), code, r.Describe())
	}
	return r
}

// labSelftests boots with the named KTAP selftests and fails unless each
// ran and passed.
func labSelftests(t *testing.T, cfg q.Config, names ...string) *q.Result {
	t.Helper()
	cfg.Append = strings.TrimSpace(cfg.Append + " selftest=" + strings.Join(names, ","))
	r := labBoot(t, cfg, q.ExitSuccess)
	res, _ := r.KTAP()
	ok := map[string]bool{}
	for _, k := range res {
		ok[k.Name] = k.OK
	}
	for _, n := range names {
		if !ok[n] {
			t.Fatalf("selftest %s did not run and pass\n%s", n, r.Describe())
		}
	}
	return r
}

// span is [Start, End] inclusive, as the kernel prints ranges.
type span struct{ Start, End uint64 }

var (
	userRAMRE  = regexp.MustCompile(`user: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] usable`)
	memblockRE = regexp.MustCompile(` (memory|reserved)\[0x[0-9a-f]+\]\s+\[(0x[0-9a-f]+)-(0x[0-9a-f]+)\], (0x[0-9a-f]+) bytes`)
)

// merged sorts spans and joins those that touch or overlap.
func merged(s []span) []span {
	sort.Slice(s, func(i, j int) bool { return s[i].Start < s[j].Start })
	var out []span
	for _, x := range s {
		if n := len(out); n > 0 && x.Start <= out[n-1].End+1 {
			out[n-1].End = max(out[n-1].End, x.End)
			continue
		}
		out = append(out, x)
	}
	return out
}

// TestLabMemblock (lab memblock): a boot with 40 memmap= holes, which
// gives memblock more regions than its static array holds at first.
// memblock.memory, as memblock=debug dumps it, must be exactly the usable
// RAM of the e820 map, merged (above 1 MiB, where trim_bios_range changes
// nothing), with every hole left out; both arrays sorted, disjoint, and
// with no two neighbours that should have merged; and what was allocated
// from it (the reservations, the direct map's page tables) passes the
// selftests that check it.
func TestLabMemblock(t *testing.T) {
	var holes []string
	var want []span
	for i := 0; i < 40; i++ {
		base := uint64(0x2000000 + i*0x100000) // from 32 MiB, 1 MiB apart
		holes = append(holes, fmt.Sprintf("memmap=%dK$%#x", 4*(1+i%3), base))
	}
	r := labSelftests(t, q.Config{Mem: "256M", Append: "memblock=debug loglevel=8 " + strings.Join(holes, " ")}, "early_reservations", "direct_map", "buddy_invariant")
	for _, m := range userRAMRE.FindAllStringSubmatch(r.Output, -1) {
		if s := (span{atoi(m[1]), atoi(m[2])}); s.Start >= 0x100000 {
			want = append(want, s)
		}
	}
	want = merged(want)
	if len(want) < 40 {
		t.Fatalf("the e820 map has %d usable ranges above 1 MiB, want at least 40 (the holes)\n%s", len(want), r.Describe())
	}
	dump := r.Output[strings.Index(r.Output, "MEMBLOCK configuration:"):]
	arrays := map[string][]span{}
	for _, m := range memblockRE.FindAllStringSubmatch(dump, -1) {
		s := span{atoi(m[2]), atoi(m[3])}
		if s.End+1-s.Start != atoi(m[4]) {
			t.Fatalf("%s region [%#x-%#x] claims %s bytes", m[1], s.Start, s.End, m[4])
		}
		arrays[m[1]] = append(arrays[m[1]], s)
	}
	for name, a := range arrays {
		for i := 1; i < len(a); i++ {
			if a[i].Start <= a[i-1].End {
				t.Fatalf("memblock.%s: region %d [%#x-%#x] overlaps or is out of order after [%#x-%#x]", name, i, a[i].Start, a[i].End, a[i-1].Start, a[i-1].End)
			}
			if name == "memory" && a[i].Start == a[i-1].End+1 {
				t.Fatalf("memblock.memory: regions [%#x-%#x] and [%#x-%#x] touch but were not merged", a[i-1].Start, a[i-1].End, a[i].Start, a[i].End)
			}
		}
	}
	var got []span
	for _, s := range arrays["memory"] {
		if s.Start >= 0x100000 {
			got = append(got, s)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("memblock.memory above 1 MiB is\n%x\nthe e820 map's usable RAM is\n%x\n%s", got, want, r.Describe())
	}
}

// TestLabBuddy (lab buddy): the page allocator's invariant (free +
// allocated + reserved == present, per zone) and "allocate every page,
// give every page back, and the free lists are MAX_ORDER blocks again" at
// three RAM sizes, and with the 2.4 allocator and its fragmentation bits
// (buddy=bitmap).
func TestLabBuddy(t *testing.T) {
	for _, c := range []struct{ mem, opt string }{{"64M", ""}, {"1G", ""}, {"48M", "buddy=bitmap"}, {"512M", "buddy=bitmap"}} {
		t.Run(c.mem+"/"+c.opt, func(t *testing.T) {
			t.Parallel()
			labSelftests(t, q.Config{Mem: c.mem, Append: c.opt}, "buddy_invariant", "buddy_alloc_all")
		})
	}
}
