// Command vectors generates interrupt-vector entry stubs in Go assembly,
// as xv6's vectors.pl does for its 256 vectors: one stub per vector that
// pushes a zero error code when the CPU does not push one (so every frame
// has the same layout, asm.PtRegs), pushes the vector number and jumps to
// a common handler; a table of the stubs' addresses for the IDT; and the
// Go declarations go vet wants. Which exceptions push an error code comes
// from one place, asm.EXCEPTION_ERRCODE_MASK (SDM Vol. 3A Table 6-1).
//
// Linux builds the same stubs with assembler macros: head_64.S
// early_idt_handler_array (.rept NUM_EXCEPTION_VECTORS) and
// idtentry.h/entry_64.S for the full IDT. Go assembly has no loops, so
// gokern generates them:
//
//	go generate ./arch/amd64          # early_idt_handler_array (32 vectors)
//	go generate ./arch/amd64/entry    # idt_entries: all 256 vectors, for trap_init
//
// and a host test (TestGeneratedFilesUpToDate) fails when a checked-in
// file differs from what this program writes.
//
// With -linux the stubs carry the names of Linux 4.x's entry_64.S (the
// names the seeds' trap_init slide uses): divide_error, page_fault, ...
// for the exceptions, entry_INT80_compat for the int $0x80 system call,
// irq_entries_start_N for device interrupts; with -irqcommon the stubs of
// external interrupts (vectors 32 and up, but the system call) jump to
// their own common path, as Linux's irq_entries_start jump to
// common_interrupt.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"

	"gokern/arch/amd64/asm"
)

// Config names what to generate.
type Config struct {
	Pkg    string // Go package of the output
	Prefix string // stub name prefix: Prefix + "_" + vector
	Common string // the handler every stub jumps to
	Array  string // the table of stub addresses
	N      int    // number of vectors, from 0
	Out    string // output path without extension (.s and .go are written)
	Doc    string // what the stubs are for, for the comments
	// IrqCommon, if set, is the handler the stubs of external interrupts
	// (FIRST_EXTERNAL_VECTOR and up, except IA32_SYSCALL_VECTOR) jump to.
	IrqCommon string
	// Linux names the stubs after Linux (linuxNames) instead of Prefix_N.
	Linux bool
	// Paranoid, if set, is the handler the stubs of paranoidVectors jump
	// to: the exceptions that can arrive where the saved CS does not tell
	// whose GS and FS bases are loaded (Linux's paranoid idtentries).
	Paranoid string
}

// paranoidVectors: NMI, #MC and #DB can arrive at any instruction, also
// between the switch to the user's bases and the IRETQ, and #DF comes
// from anywhere (Linux: asm_exc_nmi, idtentry_mce_db, idtentry_df; all
// four on IST stacks).
var paranoidVectors = []int{asm.X86_TRAP_DB, asm.X86_TRAP_NMI, asm.X86_TRAP_DF, asm.X86_TRAP_MC}

// linuxExceptionNames are Linux 4.x's entry_64.S idtentry names (the
// symbols 2.6-4.x trap_init installs; Linux 5.8 renamed them
// asm_exc_divide_error, ...). Vectors Linux has no entry for are
// reserved_N.
var linuxExceptionNames = map[int]string{
	asm.X86_TRAP_DE: "divide_error", asm.X86_TRAP_DB: "debug", asm.X86_TRAP_NMI: "nmi",
	asm.X86_TRAP_BP: "int3", asm.X86_TRAP_OF: "overflow", asm.X86_TRAP_BR: "bounds",
	asm.X86_TRAP_UD: "invalid_op", asm.X86_TRAP_NM: "device_not_available",
	asm.X86_TRAP_DF: "double_fault", asm.X86_TRAP_OLD_MF: "coprocessor_segment_overrun",
	asm.X86_TRAP_TS: "invalid_TSS", asm.X86_TRAP_NP: "segment_not_present",
	asm.X86_TRAP_SS: "stack_segment", asm.X86_TRAP_GP: "general_protection",
	asm.X86_TRAP_PF: "page_fault", asm.X86_TRAP_SPURIOUS: "spurious_interrupt_bug",
	asm.X86_TRAP_MF: "coprocessor_error", asm.X86_TRAP_AC: "alignment_check",
	asm.X86_TRAP_MC: "machine_check", asm.X86_TRAP_XF: "simd_coprocessor_error",
	asm.X86_TRAP_VE: "virtualization_exception", asm.X86_TRAP_CP: "control_protection",
	asm.X86_TRAP_HV: "hypervisor_injection", asm.X86_TRAP_VC: "vmm_communication",
	asm.X86_TRAP_SX: "security_exception",
}

// name is the stub of vector v.
func (c Config) name(v int) string {
	if !c.Linux {
		return fmt.Sprintf("%s_%d", c.Prefix, v)
	}
	switch {
	case v < asm.NUM_EXCEPTION_VECTORS && linuxExceptionNames[v] != "":
		return linuxExceptionNames[v]
	case v < asm.NUM_EXCEPTION_VECTORS:
		return fmt.Sprintf("reserved_%d", v)
	case v == asm.IA32_SYSCALL_VECTOR:
		return "entry_INT80_compat"
	}
	return fmt.Sprintf("irq_entries_start_%d", v)
}

// common is the handler the stub of vector v jumps to.
func (c Config) common(v int) string {
	if c.Paranoid != "" && slices.Contains(paranoidVectors, v) {
		return c.Paranoid
	}
	if c.IrqCommon != "" && v >= asm.FIRST_EXTERNAL_VECTOR && v != asm.IA32_SYSCALL_VECTOR {
		return c.IrqCommon
	}
	return c.Common
}

// hasErrorCode reports whether the CPU pushes an error code for vector v.
func hasErrorCode(v int) bool {
	return v < asm.NUM_EXCEPTION_VECTORS && asm.EXCEPTION_ERRCODE_MASK&(1<<v) != 0
}

func header(b *bytes.Buffer, c Config, comment string) {
	fmt.Fprintf(b, "%s Code generated by cmd/vectors (go generate); DO NOT EDIT.\n", comment)
	extra := ""
	if c.IrqCommon != "" {
		extra += " -irqcommon " + c.IrqCommon
	}
	if c.Linux {
		extra += " -linux"
	}
	if c.Paranoid != "" {
		extra += " -paranoid " + c.Paranoid
	}
	fmt.Fprintf(b, "%s vectors -pkg %s -prefix %s -common %s%s -array %s -n %d -o %s\n\n",
		comment, c.Pkg, c.Prefix, c.Common, extra, c.Array, c.N, filepath.Base(c.Out))
}

// Generate returns the assembly and the Go file for c.
func Generate(c Config) (s, g []byte) {
	var b bytes.Buffer
	header(&b, c, "//")
	fmt.Fprintf(&b, "#include \"textflag.h\"\n\n")
	fmt.Fprintf(&b, "// %s, one per vector 0-%d (SDM Vol. 3A §6.3.1\n", c.Doc, c.N-1)
	fmt.Fprintf(&b, "// Table 6-1). Each pushes 0 where the CPU pushes no error code, then\n")
	if c.IrqCommon != "" {
		fmt.Fprintf(&b, "// the vector, and jumps to %s (exceptions and the system call)\n", c.Common)
		fmt.Fprintf(&b, "// or %s (external interrupts)", c.IrqCommon)
		if c.Paranoid != "" {
			fmt.Fprintf(&b, ", or %s (#DB, NMI,\n// #DF, #MC)", c.Paranoid)
		}
		fmt.Fprintf(&b, ": the frame is\n")
	} else {
		fmt.Fprintf(&b, "// the vector, and jumps to %s: the frame is\n", c.Common)
	}
	fmt.Fprintf(&b, "// asm.PtRegs whatever the vector.\n\n")
	for v := 0; v < c.N; v++ {
		fmt.Fprintf(&b, "TEXT ·%s(SB),NOSPLIT|NOFRAME,$0\n", c.name(v))
		if hasErrorCode(v) {
			fmt.Fprintf(&b, "\t// the CPU pushed an error code\n")
		} else {
			fmt.Fprintf(&b, "\tPUSHQ\t$0\t\t\t// no error code from the CPU\n")
		}
		fmt.Fprintf(&b, "\tPUSHQ\t$%d\n", v)
		fmt.Fprintf(&b, "\tJMP\t·%s(SB)\n\n", c.common(v))
	}
	fmt.Fprintf(&b, "// %s: the stubs' addresses, for the IDT (Linux has one array of\n", c.Array)
	fmt.Fprintf(&b, "// fixed-size stubs; Go assembly cannot pad code to a size, so gokern\n")
	fmt.Fprintf(&b, "// keeps a table of pointers instead).\n")
	for v := 0; v < c.N; v++ {
		fmt.Fprintf(&b, "DATA ·%s+%d(SB)/8, $·%s(SB)\n", c.Array, 8*v, c.name(v))
	}
	fmt.Fprintf(&b, "GLOBL ·%s(SB), NOPTR|RODATA, $%d\n", c.Array, 8*c.N)
	s = bytes.Clone(b.Bytes())

	b.Reset()
	header(&b, c, "//")
	fmt.Fprintf(&b, "package %s\n\n", c.Pkg)
	fmt.Fprintf(&b, "// Go declarations of the stubs in %s.s (go vet's asmdecl wants one\n", filepath.Base(c.Out))
	fmt.Fprintf(&b, "// for every TEXT symbol). None of these is called from Go.\n\n")
	for v := 0; v < c.N; v++ {
		fmt.Fprintf(&b, "func %s()\n", c.name(v))
	}
	fmt.Fprintf(&b, "\n// %s holds the addresses of the %d stubs.\n", c.Array, c.N)
	fmt.Fprintf(&b, "var %s [%d]uintptr\n", c.Array, c.N)
	g = bytes.Clone(b.Bytes())
	return s, g
}

// Early is the early IDT's stubs (arch/amd64, Linux head_64.S).
var Early = Config{
	Pkg: "amd64", Prefix: "early_idt_handler", Common: "early_idt_handler_common",
	Array: "early_idt_handler_array", N: asm.NUM_EXCEPTION_VECTORS,
	Out: "early_idt_handler_array", Doc: "The early exception stubs",
}

// Entry is the final IDT's stubs, all 256 vectors (arch/amd64/entry,
// Linux entry_64.S idtentry and irq_entries_start), for trap_init.
var Entry = Config{
	Pkg: "entry", Prefix: "idtentry", Common: "error_entry", IrqCommon: "common_interrupt", Paranoid: "paranoid_entry",
	Array: "Idt_entries", N: asm.IDT_ENTRIES, Out: "idt_entries", Linux: true,
	Doc: "The entry stubs of the final IDT",
}

func main() {
	c := Early
	flag.StringVar(&c.Pkg, "pkg", c.Pkg, "Go package of the output")
	flag.StringVar(&c.Prefix, "prefix", c.Prefix, "stub name prefix")
	flag.StringVar(&c.Common, "common", c.Common, "the common handler the stubs jump to")
	flag.StringVar(&c.Array, "array", c.Array, "the table of stub addresses")
	flag.IntVar(&c.N, "n", c.N, "number of vectors")
	flag.StringVar(&c.Out, "o", c.Out, "output path without extension")
	flag.StringVar(&c.Doc, "doc", c.Doc, "what the stubs are, for the comments")
	flag.StringVar(&c.IrqCommon, "irqcommon", c.IrqCommon, "the common handler of external interrupts (vectors 32 and up)")
	flag.BoolVar(&c.Linux, "linux", c.Linux, "name the stubs after Linux's entry_64.S")
	flag.StringVar(&c.Paranoid, "paranoid", c.Paranoid, "the common handler of #DB, NMI, #DF and #MC")
	entry := flag.Bool("entry", false, "generate the final IDT's stubs (Entry's settings; other flags override)")
	flag.Parse()
	if *entry {
		// The flags given override Entry's settings.
		e := Entry
		flag.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "pkg":
				e.Pkg = c.Pkg
			case "prefix":
				e.Prefix = c.Prefix
			case "common":
				e.Common = c.Common
			case "array":
				e.Array = c.Array
			case "n":
				e.N = c.N
			case "o":
				e.Out = c.Out
			case "doc":
				e.Doc = c.Doc
			case "irqcommon":
				e.IrqCommon = c.IrqCommon
			case "linux":
				e.Linux = c.Linux
			case "paranoid":
				e.Paranoid = c.Paranoid
			}
		})
		c = e
	}
	if c.N < 1 || c.N > asm.IDT_ENTRIES {
		log.Fatalf("vectors: -n %d: want 1..%d", c.N, asm.IDT_ENTRIES)
	}
	s, g := Generate(c)
	if err := os.WriteFile(c.Out+".s", s, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(c.Out+".go", g, 0o644); err != nil {
		log.Fatal(err)
	}
}
