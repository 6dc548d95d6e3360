package asm

import "unsafe"

// The exception table: the kernel instructions that may fault on
// purpose, each with the address to resume at when it does. Linux:
// arch/x86/include/asm/extable.h (struct exception_table_entry,
// ex_to_insn), asm/extable_fixup_types.h, scripts/sorttable.c. Seeds:
// 002 "Kernel Fixups" ... "Fixup in 64-bit Kernels".
//
// In the seeds' 2.4 kernel an entry is two absolute addresses (.long 1b,
// 3b); a 64-bit kernel would need two 8-byte words, so Linux stores each
// address as a 32-bit offset from the field that holds it (.long (from) -
// .), and its build sorts the table by instruction address
// (scripts/sorttable) so that the fault handler can binary-search it.
//
// Go's assembler can write absolute addresses into data (DATA
// $sym(SB)) but no "sym - .", so gokern does in two steps what Linux's
// assembler and sorttable do: uaccess_64.s writes the table in its raw
// form, a header word of 0 and entries of three 8-byte words (instruction,
// fixup, type); after the link, kbuild (internal/kbuild: sorttable)
// rewrites it in place into Linux's form, entries of three int32 (the
// two relative offsets and the type) sorted by instruction address, and
// sets the header to EX_TABLE_SORTED. The kernel refuses a table still in
// the raw form (trap_init says so).
type Exception_table_entry struct {
	Insn, Fixup, Data int32
}

// Fixup types (Linux extable_fixup_types.h; gokern uses two).
const (
	EX_TYPE_DEFAULT = 1 // resume at the fixup
	EX_TYPE_UACCESS = 3 // the same, for an access to a user address
)

const (
	// NR_EX_TABLE_ENTRIES: the instructions uaccess_64.s lists.
	NR_EX_TABLE_ENTRIES = 9
	// EX_TABLE_RAW_ENTRY_SIZE: an entry as the assembler writes it.
	EX_TABLE_RAW_ENTRY_SIZE = 24
	// EX_TABLE_SIZE: the header and the raw entries; the sorted ones
	// (12 bytes each) fill the front of the same room.
	EX_TABLE_SIZE = 8 + NR_EX_TABLE_ENTRIES*EX_TABLE_RAW_ENTRY_SIZE
	// EX_TABLE_SORTED: the header once kbuild has sorted the table:
	// "extable\x01", little-endian.
	EX_TABLE_SORTED = 0x01656c6261747865
)

// X__ex_table is the exception table (Linux __start___ex_table ..
// __stop___ex_table), defined in uaccess_64.s.
var X__ex_table [EX_TABLE_SIZE]byte

// Ex_table returns the sorted entries, or ok=false if the table is still
// in the assembler's raw form (a vmlinux kbuild did not finish).
func Ex_table() (entries []Exception_table_entry, ok bool) {
	return Ex_table_of(X__ex_table[:])
}

// Ex_table_of reads a table laid out as X__ex_table (host tests build
// their own).
func Ex_table_of(t []byte) (entries []Exception_table_entry, ok bool) {
	if len(t) < 8 || *(*uint64)(unsafe.Pointer(&t[0])) != EX_TABLE_SORTED {
		return nil, false
	}
	n := (len(t) - 8) / EX_TABLE_RAW_ENTRY_SIZE
	return unsafe.Slice((*Exception_table_entry)(unsafe.Pointer(&t[8])), n), true
}

// Ex_to_insn is the address of e's instruction (Linux ex_to_insn:
// &e->insn + e->insn).
func Ex_to_insn(e *Exception_table_entry) uintptr {
	return uintptr(unsafe.Pointer(&e.Insn)) + uintptr(int64(e.Insn))
}

// Ex_to_fixup is the address to resume at (Linux ex_fixup_addr).
func Ex_to_fixup(e *Exception_table_entry) uintptr {
	return uintptr(unsafe.Pointer(&e.Fixup)) + uintptr(int64(e.Fixup))
}
