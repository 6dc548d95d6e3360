package layout

// Fact is one number or variable of the kernel's layout and the package
// that defines it. Everyone else refers to it by name: a Go constant of
// another package may be defined as a reference (paging:
// PAGE_OFFSET VirtAddr = asm.PAGE_OFFSET), Go assembly reads it through
// go_asm.h (arch/amd64/asm_offsets.go), the GNU as sources through
// build/include/generated/consts.inc (internal/kbuild), and the host
// tools import the owner.
type Fact struct {
	Name  string // the Go name
	Owner string // the one package that gives it a value
	Var   bool   // a variable: nobody else may declare one of this name
	// Linux is the name in assembly and linker scripts, when it differs
	// (Go's X__name is Linux's __name).
	Linux string
}

// Owners lists the facts TestSingleDefinition watches.
var Owners = []Fact{
	{Name: "PAGE_SHIFT", Owner: asm},
	{Name: "PAGE_SIZE", Owner: asm},
	{Name: "PAGE_MASK", Owner: asm},
	{Name: "PAGE_OFFSET", Owner: asm},
	{Name: "X__START_KERNEL_map", Owner: asm, Linux: "__START_KERNEL_map"},
	{Name: "START_KERNEL_map", Owner: asm}, // the old spelling, that nobody may bring back
	{Name: "X__START_KERNEL", Owner: asm, Linux: "__START_KERNEL"},
	{Name: "LOAD_PHYSICAL_ADDR", Owner: asm},
	{Name: "KERNEL_IMAGE_SIZE", Owner: asm},
	{Name: "MODULES_VADDR", Owner: asm},
	{Name: "MODULES_END", Owner: asm},
	{Name: "VMALLOC_START", Owner: asm},
	{Name: "VMALLOC_END", Owner: asm},
	{Name: "VMEMMAP_START", Owner: asm},
	{Name: "MAX_PHYSMEM_BITS", Owner: asm},
	{Name: "X__PHYSICAL_MASK_SHIFT", Owner: asm, Linux: "__PHYSICAL_MASK_SHIFT"},
	{Name: "COMMAND_LINE_SIZE", Owner: asm},
	{Name: "E820_MAX_ENTRIES_ZEROPAGE", Owner: asm},
	{Name: "MAX_NUMNODES", Owner: asm},
	{Name: "SMP_CACHE_BYTES", Owner: asm},
	{Name: "MSR_EFER", Owner: asm},
	{Name: "MSR_FS_BASE", Owner: asm},
	{Name: "X__KERNEL_CS", Owner: asm, Linux: "__KERNEL_CS"},
	{Name: "X__KERNEL_DS", Owner: asm, Linux: "__KERNEL_DS"},
	{Name: "X__KERNEL32_CS", Owner: asm, Linux: "__KERNEL32_CS"},
	{Name: "PGDIR_SHIFT", Owner: "gokern/paging"},
	{Name: "PUD_SHIFT", Owner: "gokern/paging"},
	{Name: "PMD_SHIFT", Owner: "gokern/paging"},
	{Name: "ISA_END_ADDRESS", Owner: e820},
	{Name: "BIOS_BEGIN", Owner: e820},
	{Name: "BIOS_END", Owner: e820},
	{Name: "HIGH_MEMORY", Owner: e820},
	{Name: "DEBUG_EXIT_PORT", Owner: "gokern/drivers/debugexit"},
	// The kernel's one copy of each (Linux: max_pfn and max_low_pfn in
	// mm/memblock.c, e820_table in arch/x86/kernel/e820.c,
	// boot_command_line in init/main.c, boot_params in
	// arch/x86/kernel/setup.c, phys_base in head_64.S).
	{Name: "Max_pfn", Owner: memblock, Var: true},
	{Name: "Max_low_pfn", Owner: memblock, Var: true},
	{Name: "Min_low_pfn", Owner: memblock, Var: true},
	{Name: "E820_table", Owner: e820, Var: true},
	{Name: "E820_table_firmware", Owner: e820, Var: true},
	{Name: "Boot_command_line", Owner: cmdline, Var: true},
	{Name: "Boot_params", Owner: "gokern/arch/amd64", Var: true},
	{Name: "Phys_base", Owner: asm, Var: true},
}

// Literals are the numbers distinctive enough to catch when written out
// instead of named: the kernel's virtual layout. Only their owner's
// source may hold them (comments aside).
var Literals = map[string]string{
	"0xffffffff80000000": "X__START_KERNEL_map",
	"0xffffffff81000000": "X__START_KERNEL",
	"0xffff888000000000": "PAGE_OFFSET",
	"0xffffc90000000000": "VMALLOC_START",
	"0xffffea0000000000": "VMEMMAP_START",
}

// AsmAllowed lists the assembly or linker-script files that may still
// define a watched fact themselves, with the reason. The GNU as sources of
// boot/ take their constants from consts.inc since issue 6 item 4; keep
// this list empty.
var AsmAllowed = map[string]string{}
