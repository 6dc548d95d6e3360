package proc

import (
	"gokern/arch/amd64/asm"
	"gokern/arch/amd64/tsc"
	"gokern/fs"
	"gokern/printk"
)

// /proc/cpuinfo. Linux: arch/x86/kernel/cpu/proc.c (show_cpuinfo) with
// the flag names of arch/x86/kernel/cpu/capflags.c (x86_cap_flags),
// words 0 (CPUID 1 EDX), 1 (0x80000001 EDX), 4 (1 ECX), 6 (0x80000001
// ECX) and 9 (7 EBX), in that order. One CPU: gokern runs on the boot CPU.

// cap_flags[word][bit] is Linux's name, "" for a bit Linux does not show.
var cap_flags = [5][32]string{
	{"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "", "sep", "mtrr", "pge", "mca", "cmov",
		"pat", "pse36", "pn", "clflush", "", "dts", "acpi", "mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe"},
	{"", "", "", "", "", "", "", "", "", "", "", "syscall", "", "", "", "",
		"", "", "", "mp", "nx", "", "mmxext", "", "", "fxsr_opt", "pdpe1gb", "rdtscp", "", "lm", "3dnowext", "3dnow"},
	{"pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2", "ssse3", "cid", "sdbg", "fma", "cx16", "xtpr", "pdcm",
		"", "pcid", "dca", "sse4_1", "sse4_2", "x2apic", "movbe", "popcnt", "tsc_deadline_timer", "aes", "xsave", "", "avx", "f16c", "rdrand", "hypervisor"},
	{"lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a", "misalignsse", "3dnowprefetch", "osvw", "ibs", "xop", "skinit", "wdt", "", "lwp",
		"fma4", "tce", "", "nodeid_msr", "", "tbm", "topoext", "perfctr_core", "perfctr_nb", "", "bpext", "ptsc", "perfctr_llc", "mwaitx", "", ""},
	{"fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", "", "smep", "bmi2", "erms", "invpcid", "rtm", "cqm", "", "mpx", "rdt_a",
		"avx512f", "avx512dq", "rdseed", "adx", "smap", "avx512ifma", "", "clflushopt", "clwb", "intel_pt", "avx512pf", "avx512er", "avx512cd", "sha_ni", "avx512bw", "avx512vl"},
}

// cpuid_regs reads the five capability words.
func cpuid_words() (w [5]uint32, level uint32) {
	level, _, _, _ = asm.Cpuid(0)
	_, _, ecx1, edx1 := asm.Cpuid(1)
	ext, _, _, _ := asm.Cpuid(0x80000000)
	var ecx8, edx8, ebx7 uint32
	if ext >= 0x80000001 {
		_, _, ecx8, edx8 = asm.Cpuid(0x80000001)
	}
	if level >= 7 {
		_, ebx7, _, _ = asm.Cpuid_count(7, 0)
	}
	return [5]uint32{edx1, edx8, ecx1, ecx8, ebx7}, level
}

// cpuinfo_show is /proc/cpuinfo (Linux show_cpuinfo).
func cpuinfo_show(m *fs.Seq_file, v uintptr) int {
	var vendor [12]byte
	_, ebx, ecx, edx := asm.Cpuid(0)
	for i, r := range [3]uint32{ebx, edx, ecx} {
		for k := 0; k < 4; k++ {
			vendor[4*i+k] = byte(r >> (8 * k))
		}
	}
	eax1, ebx1, _, _ := asm.Cpuid(1)
	family := eax1 >> 8 & 0xf
	model := eax1 >> 4 & 0xf
	if family == 0xf {
		family += eax1 >> 20 & 0xff
	}
	if family >= 6 {
		model |= eax1 >> 16 & 0xf << 4
	}
	var name [48]byte
	n := 0
	if ext, _, _, _ := asm.Cpuid(0x80000000); ext >= 0x80000004 {
		for i := uint32(0); i < 3; i++ {
			a, b, c, d := asm.Cpuid(0x80000002 + i)
			for _, r := range [4]uint32{a, b, c, d} {
				for k := 0; k < 4; k++ {
					name[n] = byte(r >> (8 * k))
					n++
				}
			}
		}
		for n > 0 && (name[n-1] == 0 || name[n-1] == ' ') {
			n--
		}
	}
	words, level := cpuid_words()
	khz := tsc.Tsc_khz
	fs.Seq_printf(m, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %d\nmodel\t\t: %d\nmodel name\t: %s\nstepping\t: %d\n",
		printk.Bytes(vendor[:]), printk.Int(family), printk.Int(model), printk.Bytes(name[:n]), printk.Int(eax1&0xf))
	fs.Seq_printf(m, "cpu MHz\t\t: %lu.%03lu\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: %d\ninitial apicid\t: %d\n",
		printk.Int(khz/1000), printk.Int(khz%1000), printk.Int(ebx1>>24), printk.Int(ebx1>>24))
	fs.Seq_printf(m, "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %d\nwp\t\t: yes\nflags\t\t:", printk.Int(level))
	for w := range cap_flags {
		for b := 0; b < 32; b++ {
			if words[w]&(1<<b) != 0 && cap_flags[w][b] != "" {
				fs.Seq_printf(m, " %s", printk.Str(cap_flags[w][b]))
			}
		}
	}
	clflush := (ebx1 >> 8 & 0xff) * 8
	phys, virt := uint32(36), uint32(48)
	if ext, _, _, _ := asm.Cpuid(0x80000000); ext >= 0x80000008 {
		a, _, _, _ := asm.Cpuid(0x80000008)
		phys, virt = a&0xff, a>>8&0xff
	}
	fs.Seq_printf(m, "\nbogomips\t: %lu.%02lu\nclflush size\t: %d\ncache_alignment\t: %d\naddress sizes\t: %d bits physical, %d bits virtual\npower management:\n\n",
		printk.Int(khz/500), printk.Int(khz/5%100), printk.Int(clflush), printk.Int(clflush), printk.Int(phys), printk.Int(virt))
	return 0
}
