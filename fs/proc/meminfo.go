package proc

import (
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/cmdline"
	"gokern/fs"
	"gokern/kernel/irq"
	"gokern/kernel/sched"
	"gokern/mm"
	"gokern/printk"
)

// The files of /proc itself, each after its Linux show function.

// show_val_kb writes one meminfo line: the name padded to 16 columns,
// the value in kB in 8 (Linux show_val_kb).
func show_val_kb(m *fs.Seq_file, name string, pages uint64) {
	fs.Seq_printf(m, "%-16s%8lu kB\n", printk.Str(name), printk.Int(mm.K(pages)))
}

// meminfo_proc_show is /proc/meminfo (Linux fs/proc/meminfo.c), the
// lines free and top read, in Linux's order. gokern has no swap, no LRU
// lists and no block devices: those lines are 0, as on a Linux without
// them. Cached is the page cache, which for ramfs is the files themselves
// (unevictable: Linux counts ramfs pages there too).
func meminfo_proc_show(m *fs.Seq_file, v uintptr) int {
	total, free := mm.Totalram_pages, mm.Nr_free_pages()
	cached := fs.Nr_file_pages
	show_val_kb(m, "MemTotal:", total)
	show_val_kb(m, "MemFree:", free)
	// Linux si_mem_available: free pages above the low watermarks plus
	// reclaimable caches; ramfs pages cannot be reclaimed, slab
	// here neither.
	show_val_kb(m, "MemAvailable:", free)
	show_val_kb(m, "Buffers:", 0)
	show_val_kb(m, "Cached:", cached)
	show_val_kb(m, "SwapCached:", 0)
	show_val_kb(m, "Active:", 0)
	show_val_kb(m, "Inactive:", 0)
	show_val_kb(m, "Unevictable:", cached)
	show_val_kb(m, "Mlocked:", 0)
	show_val_kb(m, "SwapTotal:", 0)
	show_val_kb(m, "SwapFree:", 0)
	show_val_kb(m, "Dirty:", 0)
	show_val_kb(m, "Writeback:", 0)
	show_val_kb(m, "AnonPages:", 0)
	show_val_kb(m, "Mapped:", 0)
	show_val_kb(m, "Shmem:", 0)
	show_val_kb(m, "KReclaimable:", 0)
	show_val_kb(m, "Slab:", mm.Nr_slab_pages)
	show_val_kb(m, "SReclaimable:", 0)
	show_val_kb(m, "SUnreclaim:", mm.Nr_slab_pages)
	show_val_kb(m, "KernelStack:", 0)
	show_val_kb(m, "PageTables:", 0)
	// The page-table pages the quicklists keep for reuse, free but not
	// in MemFree (Linux 2.6.25-4.13 with CONFIG_QUICKLIST).
	show_val_kb(m, "Quicklists:", mm.Quicklist_total_size())
	show_val_kb(m, "CommitLimit:", total/2)
	show_val_kb(m, "Committed_AS:", 0)
	// In kB from bytes, as Linux (VMALLOC_TOTAL >> 10): 34359738367.
	fs.Seq_printf(m, "%-16s%8lu kB\n", printk.Str("VmallocTotal:"), printk.Int(uint64(asm.VMALLOC_END-asm.VMALLOC_START)>>10))
	show_val_kb(m, "VmallocUsed:", mm.Nr_vmalloc_pages)
	show_val_kb(m, "VmallocChunk:", 0)
	return 0
}

// uptime_proc_show is /proc/uptime: seconds since boot and the CPUs' idle
// seconds (Linux uptime_proc_show). The boot clock is printk's, the TSC
// from startup_32; idle time is not accounted yet (no scheduler): 0.
func uptime_proc_show(m *fs.Seq_file, v uintptr) int {
	ns := tsc.Local_clock()
	fs.Seq_printf(m, "%lu.%02lu 0.00\n", printk.Int(ns/1000000000), printk.Int(ns/10000000%100))
	return 0
}

// loadavg_proc_show is /proc/loadavg (Linux fs/proc/loadavg.c): the
// three load averages to two decimals, the runnable tasks over all
// tasks, and the last pid handed out.
func loadavg_proc_show(m *fs.Seq_file, v uintptr) int {
	const FSHIFT, FIXED_1 = 11, 1 << 11
	var a [3]uint64
	sched.Get_avenrun(&a, FIXED_1/200)
	for i := range a {
		sep := " "
		if i == len(a)-1 {
			sep = ""
		}
		fs.Seq_printf(m, "%lu.%02lu%s", printk.Int(a[i]>>FSHIFT), printk.Int((a[i]&(FIXED_1-1))*100>>FSHIFT), printk.Str(sep))
	}
	fs.Seq_printf(m, " %u/%d %d\n", printk.Int(sched.Nr_running()), printk.Int(sched.Nr_threads), printk.Int(sched.Idr_get_cursor()))
	return 0
}

// cmdline_proc_show is /proc/cmdline (Linux cmdline_proc_show).
func cmdline_proc_show(m *fs.Seq_file, v uintptr) int {
	fs.Seq_write(m, cmdline.BootCommandLine())
	fs.Seq_putc(m, '\n')
	return 0
}

// Linux_proc_banner is /proc/version's text; the kernel's main sets it
// from its version strings (Linux linux_proc_banner).
var Linux_proc_banner string

func version_proc_show(m *fs.Seq_file, v uintptr) int {
	fs.Seq_puts(m, Linux_proc_banner)
	fs.Seq_putc(m, '\n')
	return 0
}

// show_stat is /proc/stat's lines that uptime-less tools read (Linux
// show_stat): CPU times (not accounted yet: 0), interrupts, boot time,
// processes.
func show_stat(m *fs.Seq_file, v uintptr) int {
	fs.Seq_puts(m, "cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n")
	var total uint64
	for i := 0; i < irq.NR_IRQS; i++ {
		total += irq.Kstat_irqs(i)
	}
	fs.Seq_printf(m, "intr %llu\nctxt 0\nbtime 0\nprocesses 0\nprocs_running 1\nprocs_blocked 0\n", printk.Int(total))
	return 0
}

// emitter writes a show function's lines into a seq_file.
type emitter struct{ m *fs.Seq_file }

func (e *emitter) line(b []byte) {
	fs.Seq_write(e.m, b)
	fs.Seq_putc(e.m, '\n')
}

// buddyinfo_show is /proc/buddyinfo (Linux frag_show: mm's lines).
func buddyinfo_show(m *fs.Seq_file, v uintptr) int {
	e := emitter{m}
	mm.Frag_show_lines(e.line)
	return 0
}

// slabinfo_show is /proc/slabinfo (Linux slab_show).
func slabinfo_show(m *fs.Seq_file, v uintptr) int {
	e := emitter{m}
	mm.Slab_show_lines(e.line)
	return 0
}

// vmallocinfo_show is /proc/vmallocinfo (Linux vmalloc_info_show).
func vmallocinfo_show(m *fs.Seq_file, v uintptr) int {
	e := emitter{m}
	mm.Vmallocinfo_lines(e.line)
	return 0
}

// show_interrupts is /proc/interrupts (Linux show_interrupts).
func show_interrupts(m *fs.Seq_file, v uintptr) int {
	e := emitter{m}
	irq.Show_interrupts_lines(e.line)
	return 0
}

// mounts_show is /proc/mounts (Linux show_vfsmnt, via /proc/self/mounts).
func mounts_show(m *fs.Seq_file, v uintptr) int {
	fs.Show_mounts(m)
	return 0
}

// filesystems_proc_show is /proc/filesystems.
func filesystems_proc_show(m *fs.Seq_file, v uintptr) int {
	fs.Filesystems_show(m)
	return 0
}

// devinfo_show is /proc/devices: character devices, then (none) block
// devices (Linux devinfo_show).
func devinfo_show(m *fs.Seq_file, v uintptr) int {
	fs.Chrdev_show(m)
	fs.Seq_puts(m, "\nBlock devices:\n")
	return 0
}
