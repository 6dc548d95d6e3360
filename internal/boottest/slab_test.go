package boottest

import (
	"regexp"
	"strings"
	"testing"

	q "gokern/internal/qemutest"
)

// Boot tests of the slab allocator, kmalloc and vmalloc (mm/slab*.go,
// mm/slub_debug.go, mm/vmalloc.go): their selftests with slub_debug, the
// slabinfo and vmallocinfo reports, and the gdb helpers.

// slabSelftestNames: every selftest of slab, kmalloc and vmalloc.
var slabSelftestNames = []string{"slab_cache", "slab_colour", "slab_ctor", "slab_lifo", "slab_typed", "slab_destroy_busy",
	"slab_debug_right_redzone", "slab_debug_left_redzone", "slab_debug_use_after_free", "slab_debug_double_free",
	"slab_bad_pointer", "kmalloc_sizes", "kmalloc_large", "kmalloc_dma", "kmalloc_bad_input", "slab_bad_input", "slab_invariants",
	"vmalloc_basic", "vmalloc_guard", "vmalloc_vmap", "vmalloc_fragmented", "vmalloc_bad_input", "vmalloc_stack"}

// ranAndPassed fails unless every named selftest ran and passed.
func ranAndPassed(t *testing.T, r *q.Result, names []string) {
	t.Helper()
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
}

// TestSlabSelftests: selftest=all with slub_debug on every cache, at 64M,
// 512M and 8G and with the 2.4 buddy allocator: every slab_*, kmalloc_*
// and vmalloc_* test passes, each slub_debug detection printed its report
// in SLUB's format — naming the cache, the object, who allocated and who
// freed it, what was repaired — and the kernel went on to the end.
func TestSlabSelftests(t *testing.T) {
	for _, c := range []struct{ mem, opt string }{{"64M", ""}, {"512M", ""}, {"8G", ""}, {"512M", "buddy=bitmap"}} {
		c := c
		t.Run(c.mem+"/"+c.opt, func(t *testing.T) {
			t.Parallel()
			r := q.Boot(t, q.Config{Mem: c.mem, Append: strings.TrimSpace("selftest=all slub_debug " + c.opt)})
			allPassed(t, r)
			ranAndPassed(t, r, slabSelftestNames)
			for _, what := range []string{"Right Redzone overwritten", "Left Redzone overwritten", "Poison overwritten",
				"Object already free", "Invalid object pointer 0x"} {
				re := regexp.MustCompile(`(?m)^\[[ .0-9]+\] BUG kmalloc-64 \((Not tainted|Tainted: G    B)\): ` + regexp.QuoteMeta(what))
				if !re.MatchString(r.Output) {
					t.Fatalf("no report %q\n%s", what, r.Describe())
				}
			}
			mustContain(t, r, "INFO: Allocated in ", "INFO: Freed in ", "FIX kmalloc-64: Restoring Right Redzone 0x",
				"FIX kmalloc-64: Restoring Poison 0x", "kmem_cache_destroy busy_test: Slab cache still has objects when called from ",
				"WARNING: kmem_cache_free: Wrong slab cache. wrong_cache_test but object is from kmalloc-64",
				"Trying to vfree() nonexistent vm area", "vmalloc error: size ")
		})
	}
}

var (
	slabinfoRE = regexp.MustCompile(`^([\w-]+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) : tunables +(\d+) +(\d+) +(\d+) : slabdata +(\d+) +(\d+) +(\d+)$`)
	vmallocRE  = regexp.MustCompile(`^0x([0-9a-f]{16})-0x([0-9a-f]{16}) +(\d+)(?: \S+\+0x[0-9a-f]+/0x[0-9a-f]+)?(?: pages=(\d+))?(?: \w+)*$`)
)

type slabinfoLine struct {
	name                                               string
	active, num, objsize, perslab, pages, limit, batch uint64
	activeSlabs, numSlabs                              uint64
}

// slabinfo parses the kernel's slabinfo table (the lines after its
// header).
func slabinfo(t *testing.T, r *q.Result) []slabinfoLine {
	t.Helper()
	var out []slabinfoLine
	in := false
	for _, l := range r.Lines() {
		l = strings.TrimRight(l, "\r")
		if i := strings.Index(l, "] "); strings.HasPrefix(l, "[") && i > 0 {
			l = l[i+2:]
		}
		if l == "slabinfo - version: 2.1" {
			in = true
			continue
		}
		if !in || strings.HasPrefix(l, "# name") {
			continue
		}
		m := slabinfoRE.FindStringSubmatch(l)
		if m == nil {
			break
		}
		out = append(out, slabinfoLine{m[1], atoi(m[2]), atoi(m[3]), atoi(m[4]), atoi(m[5]), atoi(m[6]), atoi(m[7]), atoi(m[8]), atoi(m[10]), atoi(m[11])})
	}
	return out
}

// TestSlabinfo: "slabinfo" prints /proc/slabinfo 2.1 at the end of boot:
// the header, kmem_cache, vmap_area and every kmalloc and dma-kmalloc
// class, each line self-consistent (objects = slabs × objects a slab,
// active ≤ total, the full per-CPU arrays of kmem_cache_init_late); and
// the Memory: line still adds up: what it called available is now the
// buddy allocator's free pages plus the slabs' pages.
func TestSlabinfo(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Mem: "256M", Append: "slabinfo buddyinfo vmallocinfo exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	mustContain(t, r, "SLAB: HWalign=64, Order=0-3, MinObjects=8, CPUs=1, Nodes=1", "slabinfo - version: 2.1\n",
		"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>")
	if strings.Contains(r.Output, "Unknown kernel command line parameters") {
		t.Fatalf("slabinfo or vmallocinfo is unknown\n%s", r.Describe())
	}
	lines := slabinfo(t, r)
	names := map[string]slabinfoLine{}
	var slabPages uint64
	for _, l := range lines {
		names[l.name] = l
		if l.num != l.numSlabs*l.perslab || l.active > l.num || l.activeSlabs > l.numSlabs || l.limit == 0 || l.batch == 0 || l.batch > l.limit {
			t.Fatalf("inconsistent line %+v\n%s", l, r.Describe())
		}
		slabPages += l.numSlabs * l.pages
	}
	for _, n := range []string{"kmem_cache", "vmap_area", "kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-96",
		"kmalloc-128", "kmalloc-192", "kmalloc-256", "kmalloc-512", "kmalloc-1k", "kmalloc-2k", "kmalloc-4k", "kmalloc-8k",
		"dma-kmalloc-8", "dma-kmalloc-64", "dma-kmalloc-8k"} {
		if _, ok := names[n]; !ok {
			t.Fatalf("slabinfo lacks %s\n%s", n, r.Describe())
		}
	}
	if l := names["kmalloc-1k"]; l.limit != 54 || l.objsize != 1024 || l.active == 0 {
		t.Fatalf("kmalloc-1k (which holds the per-CPU arrays): %+v", l)
	}
	avail, _ := memoryLine(t, r)
	var free, vmallocPages uint64
	for _, l := range r.Lines() {
		if m := buddyRE.FindStringSubmatch(l); m != nil {
			for o, n := range strings.Fields(m[2]) {
				free += atoi(n) << o
			}
		}
		if i := strings.Index(l, "] 0x"); i > 0 {
			if m := vmallocRE.FindStringSubmatch(strings.TrimRight(l[i+2:], "\r")); m != nil {
				vmallocPages += atoi(m[4])
			}
		}
	}
	// vmalloc holds the stacks of rest_init's two kernel threads, and the
	// vmalloc area's page tables map them.
	stacks := threadStackPages(t, r)
	vdso := vdsoPages(t, r) // the vDSO's image and vvar pages
	if vmallocPages != stacks || (free+slabPages+stacks+VMALLOC_STACK_TABLES+vdso)*4 != avail {
		t.Fatalf("%dK free + %dK in slabs + %dK vmalloc'd (%dK of it kernel stacks) + %dK of page tables + %dK vDSO, Memory: said %dK available\n%s",
			free*4, slabPages*4, vmallocPages*4, stacks*4, VMALLOC_STACK_TABLES*4, vdso*4, avail, r.Describe())
	}
	t.Logf("%d caches, %d pages in slabs; %dK free + %dK slabs = the Memory: line's %dK", len(lines), slabPages, free*4, slabPages*4, avail)
}

// TestBenchSlab: bench=slab prints the kmalloc, typed cache and vmalloc
// figures (the numbers are for docs/slab.md; none is asserted).
func TestBenchSlab(t *testing.T) {
	t.Parallel()
	r := q.Boot(t, q.Config{Append: "bench=slab exit_at_idle"})
	mustExit(t, r, q.ExitSuccess)
	var lines []string
	for _, l := range r.Lines() {
		if i := strings.Index(l, "bench slab: "); i > 0 {
			lines = append(lines, strings.TrimRight(l[i:], "\r"))
		}
	}
	if len(lines) != 5 || !strings.Contains(lines[0], "per-CPU array (limit 120)") || !strings.Contains(lines[1], "no array (limit 0)") ||
		!strings.Contains(lines[2], "1 MiB: vmalloc+vfree") || !strings.Contains(lines[3], "typed Cache[64-byte struct]") {
		t.Fatalf("bench lines %q\n%s", lines, r.Describe())
	}
	for _, l := range lines {
		t.Log(l)
	}
}

// TestGDBSlab: gk-slabinfo says the slab allocator is not there before
// mm_init, and at the idle loop prints exactly the table the kernel
// printed ("slabinfo"); gk-slabinfo CACHE lists a cache's slabs and
// per-CPU array; gk-vmallocinfo, stopped inside the vmalloc_basic
// selftest, prints exactly the /proc/vmallocinfo line the kernel printed
// for its area.
func TestGDBSlab(t *testing.T) {
	t.Parallel()
	r := runGDB(t, "slabinfo", false, "break start_kernel", "continue", "gk-slabinfo", "gk-vmallocinfo",
		"break cpu_startup_entry", "continue", "gk-slabinfo", "gk-slabinfo kmalloc-1k", "gk-slabinfo kmalloc-96",
		"gk-slabinfo nosuchcache")
	inOrder(t, r.stderr,
		`(?m)^gk-slabinfo: the slab allocator is not initialised yet: kmem_cache_init \(in start_kernel's mm_init\) has not run$`,
		`(?m)^gk-vmallocinfo: the slab allocator is not initialised yet`,
		`(?m)^gk-slabinfo: no cache named nosuchcache \(gk-slabinfo lists them\)$`)
	var kernel []string
	in := false
	for _, l := range strings.Split(r.serial, "\n") {
		l = strings.TrimRight(l, "\r")
		i := strings.Index(l, "] ")
		if i < 0 {
			continue
		}
		l = l[i+2:]
		if l == "slabinfo - version: 2.1" {
			in = true
		}
		if in && (strings.HasPrefix(l, "slabinfo") || strings.HasPrefix(l, "#") || slabinfoRE.MatchString(l)) {
			kernel = append(kernel, l)
		} else if in {
			break
		}
	}
	if len(kernel) < 20 || !strings.Contains(r.out, strings.Join(kernel, "\n")+"\n") {
		t.Fatalf("gk-slabinfo differs from the kernel's slabinfo:\n%s\n--- gdb\n%s", strings.Join(kernel, "\n"), r.out)
	}
	inOrder(t, r.out,
		`(?m)^kmalloc-1k: 1024-byte objects, 1024-byte stride, \d+ a slab of \d+ page\(s\), \d+ colours of 1024 bytes, descriptor o[nf]+-slab$`,
		`(?m)^slabs_full: \d+ slabs$`, `(?m)^  slab 0x[0-9a-f]+ at 0xffff888[0-9a-f]+ colour offset 0: 8/8 in use; next free: none$`,
		`(?m)^slabs_partial: \d+ slabs$`, `(?m)^slabs_free: \d+ slabs$`, `(?m)^per-CPU array: \d+ of 54 objects \(batch 27\)(: 0xffff888|$)`,
		// kmalloc-96 holds kmalloc-1k's off-slab descriptors: a partial slab.
		`(?m)^kmalloc-96: 96-byte objects`, `(?m)^slabs_partial: 1 slabs$`,
		`(?m)^  slab 0x[0-9a-f]+ at 0xffff888[0-9a-f]+ colour offset \d+: \d+/41 in use; next free: 0xffff888[0-9a-f]+ 0xffff888`)

	v := runGDB(t, "selftest=vmalloc_basic", false, "break 'gokern/mm.vmallocInvariants'", "continue", "gk-vmallocinfo")
	var line string
	for _, l := range strings.Split(v.serial, "\n") {
		// The selftest's area, not a kernel thread's stack.
		if i := strings.Index(l, "] 0xffffc9"); i > 0 && !strings.Contains(l, "alloc_thread_stack_node") {
			line = strings.TrimRight(l[i+2:], "\r")
			break
		}
	}
	if !vmallocRE.MatchString(line) || !strings.HasSuffix(line, " pages=5 vmalloc") || !strings.Contains(v.out, line+"\n") {
		t.Fatalf("the kernel printed %q; gdb:\n%s\n%s", line, v.out, v.stderr)
	}
}
