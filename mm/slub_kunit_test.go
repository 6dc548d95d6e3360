package mm

import (
	"regexp"
	"strings"
	"testing"

	"gokern/internal/ktest"
	"gokern/kunit"
)

// The boot selftests of slub_kunit.go run on the host too, over the
// simulated machine, with and without slub_debug; here their output is
// checked line by line against SLUB's report format.

var slabSelftests = []struct {
	name string
	fn   func(*kunit.Kunit)
}{
	{"slab_cache", Test_slab_cache},
	{"slab_colour", Test_slab_colour},
	{"slab_ctor", Test_slab_ctor},
	{"slab_lifo", Test_slab_lifo},
	{"slab_destroy_busy", Test_slab_destroy_busy},
	{"slab_debug_right_redzone", Test_slab_debug_right_redzone},
	{"slab_debug_left_redzone", Test_slab_debug_left_redzone},
	{"slab_debug_use_after_free", Test_slab_debug_use_after_free},
	{"slab_debug_double_free", Test_slab_debug_double_free},
	{"slab_bad_pointer", Test_slab_bad_pointer},
	{"kmalloc_sizes", Test_kmalloc_sizes},
	{"kmalloc_large", Test_kmalloc_large},
	{"kmalloc_dma", Test_kmalloc_dma},
	{"kmalloc_bad_input", Test_kmalloc_bad_input},
	{"slab_bad_input", Test_slab_bad_input},
	{"slab_invariants", Test_slab_invariants},
}

func TestSlabSelftests(t *testing.T) {
	for _, debug := range []string{"", "slub_debug"} {
		t.Run("debug="+debug, func(t *testing.T) {
			m := slabBoot(t, debug)
			for _, st := range slabSelftests {
				var kt kunit.Kunit
				st.fn(&kt)
				out := strings.Join(m.log.Lines(), "\n")
				if kt.Failed() {
					t.Fatalf("%s failed:\n%s", st.name, out)
				}
				if testing.Verbose() {
					t.Logf("%s:\n%s", st.name, out)
				}
			}
			m.checkSlab()
		})
	}
}

// reportRE is one slub_debug report, as Linux prints it (mm/slub.c
// slab_bug, check_bytes_and_report, print_trailer, restore_bytes).
var reportRE = regexp.MustCompile(`(?s)` +
	`=============================================================================\n` +
	`BUG kmalloc-64 \((Not tainted|Tainted: G    B)\): (Right Redzone overwritten)\n` +
	`-----------------------------------------------------------------------------\n` +
	`\n` +
	`INFO: 0x([0-9a-f]{16})-0x([0-9a-f]{16}) @offset=(\d+)\. First byte 0x0 instead of 0xcc\n` +
	`INFO: Allocated in test_slab_debug_right_redzone\+0x[0-9a-f]+/0x[0-9a-f]+ age=\d+ cpu=0 pid=0\n` +
	`INFO: Slab 0x[0-9a-f]{16} objects=\d+ used=\d+ fp=0x[0-9a-f]{16} flags=0x[0-9a-f]+\(slab\|zone=\d\)\n` +
	`INFO: Object 0x([0-9a-f]{16}) @offset=\d+ index=\d+\n` +
	`\n` +
	`Redzone  ([0-9a-f]{16}): cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc  ................\n` +
	`(?:Redzone  [0-9a-f]{16}: (?:cc ){15}cc  .{16}\n)*` +
	`Object   ([0-9a-f]{16}): (?:[0-9a-f]{2} ){15}[0-9a-f]{2}  .{16}\n` +
	`(?:Object   [0-9a-f]{16}: .*\n){3}` +
	`Redzone  ([0-9a-f]{16}): 00 cc cc cc cc cc cc cc                          \.\.\.\.\.\.\.\.\n` +
	`Padding  [0-9a-f]{16}: (?:5a ?)+ +Z+\n` +
	`(?:Padding  .*\n)*` +
	`CPU: 0 PID: 0 Comm: swapper (?:Not tainted|Tainted: G    B)\n` +
	`Call Trace:\n` +
	` test_slab_debug_right_redzone\+0x[0-9a-f]+/0x[0-9a-f]+\n` +
	`FIX kmalloc-64: Restoring Right Redzone 0x([0-9a-f]{16})-0x([0-9a-f]{16})=0xcc\n` +
	`FIX kmalloc-64: Object at 0x([0-9a-f]{16}) not freed`)

// TestSlubDebugReport: a right red zone overwrite in kmalloc-64 under
// slub_debug prints SLUB's report: the heading naming the cache and the
// problem, the damaged bytes, who allocated the object, the slab, the
// object and a hex dump of its red zones, bytes and padding, the caller,
// and what was repaired — every address consistent with the object.
func TestSlubDebugReport(t *testing.T) {
	m := slabBoot(t, "slub_debug")
	var kt kunit.Kunit
	Test_slab_debug_right_redzone(&kt)
	out := strings.Join(m.log.Lines(), "\n")
	if kt.Failed() {
		t.Fatalf("selftest failed:\n%s", out)
	}
	r := reportRE.FindStringSubmatch(out)
	if r == nil {
		t.Fatalf("no report in SLUB's format:\n%s", out)
	}
	if r[1] != "Not tainted" {
		t.Fatalf("the first report says %q", r[1])
	}
	// The damaged byte is the first of the right red zone, right after the
	// 64-byte object; the FIX lines name the same byte and object.
	obj, fault := hexv(r[6]), hexv(r[3])
	if fault != obj+64 || hexv(r[4]) != fault || hexv(r[8]) != obj || hexv(r[9]) != obj+64 ||
		hexv(r[10]) != fault || hexv(r[11]) != fault || hexv(r[12]) != obj || hexv(r[7]) != obj-64 {
		t.Fatalf("addresses disagree: %q", r[1:])
	}
	t.Logf("%s", out)
}

func hexv(s string) uint64 {
	var v uint64
	for _, c := range s {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= uint64(c - '0')
		default:
			v |= uint64(c-'a') + 10
		}
	}
	return v
}

// TestSlubDebugOption: slub_debug's option string, as Linux parses it.
func TestSlubDebugOption(t *testing.T) {
	t.Cleanup(func() { Slub_debug, slub_debug_string = 0, nil })
	for _, c := range []struct {
		opt        string
		global     SlabFlags
		kmalloc64  SlabFlags
		dentryLike SlabFlags
	}{
		{"", DEBUG_DEFAULT_FLAGS, DEBUG_DEFAULT_FLAGS, DEBUG_DEFAULT_FLAGS},
		{"FZ", SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE, SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE, SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE},
		{"-", 0, 0, 0},
		{"P,kmalloc-64", 0, SLAB_POISON, 0},
		{",kmalloc-*", 0, DEBUG_DEFAULT_FLAGS, 0},
		{"FZ;U,kmalloc-64,kmalloc-8", SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE, SLAB_STORE_USER, SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE},
		{"fzput", DEBUG_DEFAULT_FLAGS | SLAB_TRACE, DEBUG_DEFAULT_FLAGS | SLAB_TRACE, DEBUG_DEFAULT_FLAGS | SLAB_TRACE},
	} {
		Setup_slub_debug([]byte(c.opt))
		if Slub_debug != c.global || kmem_cache_flags("kmalloc-64", 0) != c.kmalloc64 || kmem_cache_flags("dentry", 0) != c.dentryLike {
			t.Fatalf("slub_debug=%s: global %#x, kmalloc-64 %#x, dentry %#x", c.opt, Slub_debug,
				kmem_cache_flags("kmalloc-64", 0), kmem_cache_flags("dentry", 0))
		}
	}
	log := startLog(t)
	Setup_slub_debug([]byte("FQ"))
	if Slub_debug != SLAB_CONSISTENCY_CHECKS || !strings.Contains(strings.Join(log.Lines(), "\n"), "slub_debug option 'Q' unknown. skipped") {
		t.Fatalf("unknown option: %#x", Slub_debug)
	}
}

func startLog(t *testing.T) *ktest.Capture { return ktest.StartCapture(t) }
