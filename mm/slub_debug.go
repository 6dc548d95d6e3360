package mm

import (
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/cmdline"
	"gokern/kallsyms"
	ktime "gokern/kernel/time"
	"gokern/printk"
)

// slub_debug: red zones, poisoning, alloc/free tracking and consistency
// checks on every object, reported in SLUB's format. Linux: mm/slub.c, the
// CONFIG_SLUB_DEBUG half (setup_slub_debug, parse_slub_debug_flags,
// kmem_cache_flags, init_object, check_object, check_bytes_and_report,
// check_pad_bytes, on_freelist, alloc_debug_processing,
// free_debug_processing, set_track, print_track, print_page_info,
// print_trailer, slab_bug, slab_fix, object_err, slab_err, restore_bytes,
// print_section, list_slab_objects), include/linux/poison.h,
// lib/hexdump.c (print_hex_dump), Documentation/mm/slub.rst.
//
// With slub_debug every object of a cache carries (calculate_sizes):
//
//	| left red zone | object | right red zone | alloc track | free track | padding |
//
// The red zones hold SLUB_RED_ACTIVE (0xcc) while the object is
// allocated and SLUB_RED_INACTIVE (0xbb) while it is free; a free object
// is POISON_FREE (0x6b) with a POISON_END (0xa5) last byte; padding is
// POISON_INUSE (0x5a). A write past either end of an object, a write to a
// freed object, a double free or a pointer that is not an object is found
// at the next free or allocation of that object, reported naming the
// cache, the object and who allocated and freed it, repaired ("FIX ...:
// Restoring ..."), and the kernel goes on.
//
// gokern keeps SLAB's free lists (indices, not a free pointer inside the
// object), so there is no "fp" per object; the reports give the object's
// index instead, and the slab's next free object as its fp.

// Poison values, Linux include/linux/poison.h.
const (
	POISON_INUSE      = 0x5a // padding, and an object's bytes Linux has not initialised
	POISON_FREE       = 0x6b // a free object
	POISON_END        = 0xa5 // the last byte of a free object
	SLUB_RED_INACTIVE = 0xbb // red zones of a free object
	SLUB_RED_ACTIVE   = 0xcc // red zones of an allocated object
)

// DEBUG_DEFAULT_FLAGS: what "slub_debug" alone switches on (F, Z, P, U).
const DEBUG_DEFAULT_FLAGS = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER

// Track indices, Linux enum track_item.
const (
	TRACK_ALLOC = 0
	TRACK_FREE  = 1
)

var (
	// Slub_debug: the debug flags for every cache slub_debug does not
	// name (Linux slub_debug).
	Slub_debug SlabFlags
	// slub_debug_string: the option's per-cache blocks, kept to match
	// cache names against when the caches are created (Linux
	// slub_debug_string); it points into boot_command_line, which stays.
	slub_debug_string []byte
	// Slab_bugs counts reports of corrupted objects and bad frees (Linux
	// taints the kernel with TAINT_BAD_PAGE instead); the selftests check
	// it.
	Slab_bugs uint64
)

// Setup_slub_debug takes "slub_debug[=options[,slabs][;[options[,slabs]]...]]"
// (Linux setup_slub_debug, Documentation/mm/slub.rst): no options means
// F, Z, P and U on every cache; options are letters (F sanity checks, Z
// red zones, P poison, U user tracking, T trace, '-' none); a block with a
// list of cache names applies to those caches only (a trailing '*'
// matches a prefix), a block without one to all the others.
func Setup_slub_debug(val []byte) {
	global := DEBUG_DEFAULT_FLAGS
	slub_debug_string = nil
	if len(val) == 0 {
		Slub_debug = global
		return
	}
	changed, listed := false, false
	for str := val; str != nil; {
		var flags SlabFlags
		var slabs []byte
		str, flags, slabs = parse_slub_debug_flags(str, true)
		if slabs == nil {
			global, changed = flags, true
		} else {
			listed = true
		}
	}
	// A list of flags with a list of caches changes only those caches
	// (Linux: "for backwards compatibility").
	if listed {
		if !changed {
			global = 0
		}
		slub_debug_string = val
	}
	Slub_debug = global
}

// parse_slub_debug_flags reads one block: the flags (default F, Z, P, U
// when none are given), the cache list after a ',' (nil if none), and
// returns the rest after ';', or nil (Linux parse_slub_debug_flags).
// Unknown letters are reported at boot (init) and skipped.
func parse_slub_debug_flags(str []byte, init bool) (rest []byte, flags SlabFlags, slabs []byte) {
	for len(str) > 0 && str[0] == ' ' {
		str = str[1:]
	}
	i := 0
	if len(str) == 0 || str[0] == ',' || str[0] == ';' {
		flags = DEBUG_DEFAULT_FLAGS
	} else {
		for ; i < len(str) && str[i] != ',' && str[i] != ';'; i++ {
			switch str[i] | 0x20 {
			case '-' | 0x20:
				flags = 0
			case 'f':
				flags |= SLAB_CONSISTENCY_CHECKS
			case 'z':
				flags |= SLAB_RED_ZONE
			case 'p':
				flags |= SLAB_POISON
			case 'u':
				flags |= SLAB_STORE_USER
			case 't':
				flags |= SLAB_TRACE
			default:
				if init {
					printk.Pr_err("slub_debug option '%c' unknown. skipped\n", printk.Int(str[i]))
				}
			}
		}
	}
	if i < len(str) && str[i] == ',' {
		j := i + 1
		for j < len(str) && str[j] != ';' {
			j++
		}
		slabs = str[i+1 : j]
		i = j
	}
	for i < len(str) && str[i] != ';' {
		i++
	}
	for i < len(str) && str[i] == ';' {
		i++
	}
	if i < len(str) {
		return str[i:], flags, slabs
	}
	return nil, flags, slabs
}

// kmem_cache_flags adds the debug flags slub_debug gives the cache name
// (Linux kmem_cache_flags).
func kmem_cache_flags(name string, flags SlabFlags) SlabFlags {
	for str := slub_debug_string; str != nil; {
		var block SlabFlags
		var list []byte
		str, block, list = parse_slub_debug_flags(str, false)
		for len(list) > 0 {
			if nameMatches(name, cmdline.Strsep(&list, ',')) {
				return flags | block
			}
		}
	}
	return flags | Slub_debug
}

// nameMatches: name equals pat, or starts with pat less its trailing '*'.
func nameMatches(name string, pat []byte) bool {
	for len(pat) > 0 && pat[0] == ' ' {
		pat = pat[1:]
	}
	if len(pat) > 0 && pat[len(pat)-1] == '*' {
		pat = pat[:len(pat)-1]
		return len(name) >= len(pat) && name[:len(pat)] == string(pat)
	}
	return name == string(pat)
}

// get_track returns the object's alloc or free track (Linux get_track).
func get_track(c *KmemCache, obj uintptr, alloc int) *Track {
	return (*Track)(kptr(obj + uintptr(c.Inuse) + uintptr(alloc)*uintptr(trackSize)))
}

// set_track records the caller and the time (Linux set_track; gokern
// stamps with the TSC, and it is pid 0 on CPU 0: the boot task).
func set_track(c *KmemCache, obj uintptr, alloc int, ip uintptr) {
	*get_track(c, obj, alloc) = Track{Addr: ip, When: asm.Rdtsc()}
}

// init_tracking clears both tracks of a new object (Linux init_tracking).
func init_tracking(c *KmemCache, obj uintptr) {
	if c.Flags&SLAB_STORE_USER == 0 {
		return
	}
	*get_track(c, obj, TRACK_ALLOC) = Track{}
	*get_track(c, obj, TRACK_FREE) = Track{}
}

// memset fills n bytes at a with v.
func memset(a uintptr, v byte, n uint32) {
	b := kmem_bytes(a, n)
	for i := range b {
		b[i] = v
	}
}

// init_object sets the red zones to val and, for a free object of a
// poisoned cache, the poison (Linux init_object).
func init_object(c *KmemCache, obj uintptr, val byte) {
	if c.Flags&SLAB_RED_ZONE != 0 {
		memset(obj-uintptr(c.Red_left_pad), val, c.Red_left_pad)
	}
	if c.Flags&X__OBJECT_POISON != 0 && val == SLUB_RED_INACTIVE {
		memset(obj, POISON_FREE, c.Object_size-1)
		kmem_bytes(obj, c.Object_size)[c.Object_size-1] = POISON_END
	}
	if c.Flags&SLAB_RED_ZONE != 0 {
		memset(obj+uintptr(c.Object_size), val, c.Inuse-c.Object_size)
	}
}

// setup_slab_debug fills a new slab with POISON_INUSE before its objects
// are laid out, so that the padding between them holds it (Linux
// setup_slab_debug / allocate_slab's memset). An on-slab descriptor, at
// the end, is left alone.
func setup_slab_debug(c *KmemCache, addr uintptr) {
	if c.Flags&SLAB_POISON == 0 {
		return
	}
	n := uint32(asm.PAGE_SIZE) << c.Gfporder
	if c.Flags&CFLGS_OFF_SLAB == 0 {
		n -= c.Freelist_size
	}
	memset(addr, POISON_INUSE, n)
}

// setup_object_debug readies one object of a new slab (Linux
// setup_object_debug): free red zones and poison, empty tracks.
func setup_object_debug(c *KmemCache, obj uintptr) {
	init_object(c, obj, SLUB_RED_INACTIVE)
	init_tracking(c, obj)
}

// on_freelist reports whether obj is free already: on its slab's free
// list or in the per-CPU array (Linux on_freelist walks the slab's
// freelist).
func on_freelist(c *KmemCache, s *Slab, obj uintptr) bool {
	if idx, ok := obj_to_index(c, s, obj); ok && slab_index_free(c, s, idx) {
		return true
	}
	for _, ac := range c.Cpu_cache {
		if ac == nil {
			continue
		}
		for _, e := range ac.Entry[:ac.Avail] {
			if e == obj {
				return true
			}
		}
	}
	return false
}

// size_from_object: the slot's bytes from the object on (Linux
// size_from_object).
func size_from_object(c *KmemCache) uint32 { return c.Size - c.Red_left_pad }

// check_object checks the red zones, the poison of a free object and the
// padding, reporting and repairing the first damage found (Linux
// check_object). val says what the red zones should hold: ACTIVE for an
// object being freed, INACTIVE for one being allocated.
func check_object(c *KmemCache, s *Slab, obj uintptr, val byte, ip uintptr) bool {
	end := obj + uintptr(c.Object_size)
	if c.Flags&SLAB_RED_ZONE != 0 {
		if !check_bytes_and_report(c, s, obj, "Left Redzone", obj-uintptr(c.Red_left_pad), val, c.Red_left_pad, ip) {
			return false
		}
		if !check_bytes_and_report(c, s, obj, "Right Redzone", end, val, c.Inuse-c.Object_size, ip) {
			return false
		}
	}
	if c.Flags&SLAB_POISON != 0 {
		if val != SLUB_RED_ACTIVE && c.Flags&X__OBJECT_POISON != 0 &&
			(!check_bytes_and_report(c, s, obj, "Poison", obj, POISON_FREE, c.Object_size-1, ip) ||
				!check_bytes_and_report(c, s, obj, "End Poison", end-1, POISON_END, 1, ip)) {
			return false
		}
		check_pad_bytes(c, s, obj, ip)
	}
	return true
}

// check_pad_bytes checks the padding after the tracks (Linux
// check_pad_bytes).
func check_pad_bytes(c *KmemCache, s *Slab, obj uintptr, ip uintptr) bool {
	off := c.Inuse
	if c.Flags&SLAB_STORE_USER != 0 {
		off += 2 * trackSize
	}
	if size_from_object(c) == off {
		return true
	}
	return check_bytes_and_report(c, s, obj, "Object padding", obj+uintptr(off), POISON_INUSE, size_from_object(c)-off, ip)
}

// check_bytes_and_report checks that bytes bytes at start all hold value;
// if not, it reports the damaged range with the object's trailer,
// restores the bytes and returns false (Linux check_bytes_and_report).
func check_bytes_and_report(c *KmemCache, s *Slab, obj uintptr, what string, start uintptr, value byte, bytes uint32, ip uintptr) bool {
	b := kmem_bytes(start, bytes)
	first := -1
	for i := range b {
		if b[i] != value {
			first = i
			break
		}
	}
	if first < 0 {
		return true
	}
	last := first
	for i := len(b) - 1; i > first; i-- {
		if b[i] != value {
			last = i
			break
		}
	}
	fault, end := start+uintptr(first), start+uintptr(last)+1
	var msg [64]byte
	n := printk.Snprintf(msg[:], "%s overwritten", printk.Str(what))
	slab_bug(c, stringOf(msg[:n]))
	printk.Pr_err("INFO: %p-%p @offset=%lu. First byte %#x instead of %#x\n", printk.Int(fault), printk.Int(end-1),
		printk.Int(fault-slab_address(s)), printk.Int(b[first]), printk.Int(value))
	print_trailer(c, s, obj, ip)
	Slab_bugs++
	restore_bytes(c, what, value, fault, end)
	return false
}

// restore_bytes repairs a damaged range (Linux restore_bytes).
func restore_bytes(c *KmemCache, what string, value byte, from, to uintptr) {
	printk.Pr_err("FIX %s: Restoring %s %p-%p=%#x\n", printk.Str(Kmem_cache_name(c)), printk.Str(what),
		printk.Int(from), printk.Int(to-1), printk.Int(value))
	memset(from, value, uint32(to-from))
}

// slab_fix prints what was done about a problem (Linux slab_fix).
func slab_fix(c *KmemCache, what string, obj uintptr) {
	printk.Pr_err("FIX %s: %s %p not freed\n", printk.Str(Kmem_cache_name(c)), printk.Str(what), printk.Int(obj))
}

// print_tainted is Linux's print_tainted for the one flag gokern raises:
// B, TAINT_BAD_PAGE, after a slab report or a bad page.
func print_tainted() string {
	if Slab_bugs == 0 && BadPages == 0 {
		return "Not tainted"
	}
	return "Tainted: G    B"
}

// slab_bug prints a report's heading (Linux slab_bug).
func slab_bug(c *KmemCache, msg string) {
	printk.Pr_err("=============================================================================\n")
	printk.Pr_err("BUG %s (%s): %s\n", printk.Str(Kmem_cache_name(c)), printk.Str(print_tainted()), printk.Str(msg))
	printk.Pr_err("-----------------------------------------------------------------------------\n")
	printk.Pr_err("\n")
}

// object_err reports a problem with an object (Linux object_err).
func object_err(c *KmemCache, s *Slab, obj uintptr, reason string, ip uintptr) {
	slab_bug(c, reason)
	print_trailer(c, s, obj, ip)
	Slab_bugs++
}

// slab_err reports a problem with a slab (Linux slab_err): the slab and
// the call trace.
func slab_err(c *KmemCache, s *Slab, msg string, ip uintptr) {
	slab_bug(c, msg)
	print_page_info(c, s)
	dump_stack(ip)
	Slab_bugs++
}

// ageJiffies converts a TSC interval to jiffies, the unit of Linux's
// "age=".
func ageJiffies(when uint64) uint64 {
	if when == 0 || tsc.Tsc_khz == 0 {
		return 0
	}
	cycles := asm.Rdtsc() - when
	return cycles / (tsc.Tsc_khz * 1000 / ktime.HZ)
}

// print_track prints one track (Linux print_track), if there is one.
func print_track(what string, t *Track) {
	if t.Addr == 0 {
		return
	}
	var b [160]byte
	n := kallsyms.Sprint_symbol_linux(b[:], t.Addr)
	printk.Pr_err("INFO: %s in %s age=%lu cpu=%u pid=%d\n", printk.Str(what), printk.Bytes(b[:n]),
		printk.Int(ageJiffies(t.When)), printk.Int(t.Cpu), printk.Int(t.Pid))
}

// print_tracking prints both tracks of an object (Linux print_tracking).
func print_tracking(c *KmemCache, obj uintptr) {
	if c.Flags&SLAB_STORE_USER == 0 {
		return
	}
	print_track("Allocated", get_track(c, obj, TRACK_ALLOC))
	print_track("Freed", get_track(c, obj, TRACK_FREE))
}

// slab_fp is the slab's next free object, SLUB's slab->freelist.
func slab_fp(c *KmemCache, s *Slab) uintptr {
	if s.Active >= c.Num {
		return 0
	}
	return index_to_obj(c, s, uint32(s.Freelist[s.Active]))
}

// print_page_info describes the slab (Linux print_page_info / print_slab_info).
func print_page_info(c *KmemCache, s *Slab) {
	var b [128]byte
	n := SprintPageflags(b[:], s.Page.Flags)
	printk.Pr_err("INFO: Slab %p objects=%u used=%u fp=%p flags=%#lx(%s)\n", printk.Int(uintptrOf(s)), printk.Int(c.Num),
		printk.Int(s.Active), printk.Int(slab_fp(c, s)), printk.Int(s.Page.Flags), printk.Bytes(b[:n]))
}

// print_trailer prints everything known about an object: its tracks, its
// slab, and a hex dump of its red zones, bytes and padding, then the call
// trace (Linux print_trailer).
func print_trailer(c *KmemCache, s *Slab, obj uintptr, ip uintptr) {
	addr := slab_address(s)
	print_tracking(c, obj)
	print_page_info(c, s)
	idx, _ := obj_to_index(c, s, obj)
	printk.Pr_err("INFO: Object %p @offset=%lu index=%u\n", printk.Int(obj), printk.Int(obj-addr), printk.Int(idx))
	printk.Pr_err("\n")
	if c.Flags&SLAB_RED_ZONE != 0 {
		print_section("Redzone  ", obj-uintptr(c.Red_left_pad), c.Red_left_pad)
	} else if obj > addr+16 {
		print_section("Bytes b4 ", obj-16, 16)
	}
	// Linux dumps up to a page of the object; 2.6 dumped 128 bytes,
	// enough to see the damage in the console.
	print_section("Object   ", obj, min(c.Object_size, 128))
	if c.Flags&SLAB_RED_ZONE != 0 {
		print_section("Redzone  ", obj+uintptr(c.Object_size), c.Inuse-c.Object_size)
	}
	off := c.Inuse
	if c.Flags&SLAB_STORE_USER != 0 {
		off += 2 * trackSize
	}
	if off != size_from_object(c) {
		print_section("Padding  ", obj+uintptr(off), size_from_object(c)-off)
	}
	dump_stack(ip)
}

// dump_stack prints the task line and the caller (Linux dump_stack; the
// full trace needs the unwinder of traps/, above mm).
func dump_stack(ip uintptr) {
	printk.Pr_err("CPU: 0 PID: 0 Comm: swapper %s\n", printk.Str(print_tainted()))
	var b [160]byte
	n := kallsyms.Sprint_symbol_linux(b[:], ip)
	printk.Pr_err("Call Trace:\n")
	printk.Pr_err(" %s\n", printk.Bytes(b[:n]))
}

// print_section hex-dumps length bytes at addr, 16 a line, with the
// ASCII beside (Linux print_section → print_hex_dump(KERN_ERR, text,
// DUMP_PREFIX_ADDRESS, 16, 1, addr, length, 1)):
//
//	Object   ffff888003c0e040: 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkkkkkkkkkkkkk
func print_section(text string, addr uintptr, length uint32) {
	const hexd = "0123456789abcdef"
	b := kmem_bytes(addr, length)
	for off := 0; off < len(b); off += 16 {
		row := b[off:min(off+16, len(b))]
		var line [16*3 + 1 + 16]byte
		n := 0
		for i, v := range row {
			if i > 0 {
				line[n] = ' '
				n++
			}
			line[n], line[n+1] = hexd[v>>4], hexd[v&15]
			n += 2
		}
		for n < 16*3+1 { // the ASCII column: rowsize*2 + rowsize/groupsize + 1
			line[n] = ' '
			n++
		}
		for _, v := range row {
			if v >= 0x20 && v < 0x7f {
				line[n] = v
			} else {
				line[n] = '.'
			}
			n++
		}
		printk.Pr_err("%s%016lx: %s\n", printk.Str(text), printk.Int(addr+uintptr(off)), printk.Bytes(line[:n]))
	}
}

// trace prints an allocation or free of a SLAB_TRACE cache (Linux trace).
func trace(c *KmemCache, s *Slab, obj uintptr, alloc bool, ip uintptr) {
	what := "free"
	if alloc {
		what = "alloc"
	}
	printk.Pr_info("TRACE %s %s %p inuse=%d fp=%p\n", printk.Str(Kmem_cache_name(c)), printk.Str(what),
		printk.Int(obj), printk.Int(s.Active), printk.Int(slab_fp(c, s)))
	if !alloc {
		print_section("Object   ", obj, c.Object_size)
	}
	var b [160]byte
	n := kallsyms.Sprint_symbol_linux(b[:], ip)
	printk.Pr_info(" %s\n", printk.Bytes(b[:n]))
}

// alloc_debug_processing checks an object on its way out and marks it
// allocated (Linux alloc_debug_processing, alloc_consistency_checks): a
// damaged free object — a write after free, a red zone hit while it was
// free — is reported and repaired first.
func alloc_debug_processing(c *KmemCache, obj uintptr, ip uintptr) {
	s := page_slab(Virt_to_page(obj))
	if c.Flags&SLAB_CONSISTENCY_CHECKS != 0 {
		check_object(c, s, obj, SLUB_RED_INACTIVE, ip)
	}
	if c.Flags&SLAB_STORE_USER != 0 {
		set_track(c, obj, TRACK_ALLOC, ip)
	}
	if c.Flags&SLAB_TRACE != 0 {
		trace(c, s, obj, true, ip)
	}
	init_object(c, obj, SLUB_RED_ACTIVE)
}

// free_debug_processing checks an object being freed (Linux
// free_debug_processing, free_consistency_checks): already free, or
// damaged red zones, is reported and the object is not freed (after the
// red zones are restored, as Linux does: an object that was corrupted
// stays out of circulation). true if the free may go on.
func free_debug_processing(c *KmemCache, s *Slab, obj uintptr, ip uintptr) bool {
	if c.Flags&SLAB_CONSISTENCY_CHECKS != 0 {
		if on_freelist(c, s, obj) {
			object_err(c, s, obj, "Object already free", ip)
			slab_fix(c, "Object at", obj)
			return false
		}
		if !check_object(c, s, obj, SLUB_RED_ACTIVE, ip) {
			slab_fix(c, "Object at", obj)
			return false
		}
	}
	if c.Flags&SLAB_STORE_USER != 0 {
		set_track(c, obj, TRACK_FREE, ip)
	}
	if c.Flags&SLAB_TRACE != 0 {
		trace(c, s, obj, false, ip)
	}
	init_object(c, obj, SLUB_RED_INACTIVE)
	return true
}

// slab_destroy_debugcheck checks every object of a slab about to be given
// back: all are free, so each must still be poisoned and inactive.
func slab_destroy_debugcheck(c *KmemCache, s *Slab) {
	if c.Flags&SLAB_CONSISTENCY_CHECKS == 0 {
		return
	}
	for i := uint32(0); i < c.Num; i++ {
		check_object(c, s, index_to_obj(c, s, i), SLUB_RED_INACTIVE, 0)
	}
}

// list_slab_objects names the objects still allocated in a cache that is
// being destroyed, with who allocated them (Linux list_slab_objects).
func list_slab_objects(c *KmemCache) {
	n := &c.Node[0]
	for _, head := range [2]*ListHead{&n.Slabs_partial, &n.Slabs_full} {
		for e := head.Next; e != head; e = e.Next {
			s := slabOf(e)
			for i := uint32(0); i < c.Num; i++ {
				if slab_index_free(c, s, i) {
					continue
				}
				obj := index_to_obj(c, s, i)
				printk.Pr_err("INFO: Object %p @offset=%lu\n", printk.Int(obj), printk.Int(obj-slab_address(s)))
				print_tracking(c, obj)
			}
		}
	}
}

// slab_index_free reports whether object idx is on its slab's free list.
func slab_index_free(c *KmemCache, s *Slab, idx uint32) bool {
	for _, f := range s.Freelist[s.Active:c.Num] {
		if uint32(f) == idx {
			return true
		}
	}
	return false
}
