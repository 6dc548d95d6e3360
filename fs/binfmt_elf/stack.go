package binfmt_elf

import (
	"encoding/binary"

	"gokern/arch/amd64/asm"
)

// The initial user stack. Linux: fs/exec.c (copy_strings,
// copy_string_kernel, setup_arg_pages), fs/binfmt_elf.c
// (create_elf_tables), include/uapi/linux/auxvec.h and
// arch/x86/include/uapi/asm/auxvec.h (the AT_* numbers). What a program
// finds at its stack pointer when it starts (System V x86-64 ABI §3.4.1,
// Figure 3.9), from the top of the stack down:
//
//	the file name (AT_EXECFN points here), then the environment strings,
//	then the argument strings (copy_strings, last one first)
//	"x86_64" (AT_PLATFORM), 16 random bytes (AT_RANDOM)
//	padding to 16 bytes
//	auxv pairs, ending with AT_NULL
//	NULL, envp[envc-1] ... envp[0]
//	NULL, argv[argc-1] ... argv[0]
//	argc                      <- RSP, 16-byte aligned
//
// The image is built in a kernel buffer that stands for the top of the
// stack (Stack_image) and copied out to the new address space at once.

// Auxiliary vector entries (auxvec.h).
const (
	AT_NULL          = 0
	AT_IGNORE        = 1
	AT_EXECFD        = 2
	AT_PHDR          = 3
	AT_PHENT         = 4
	AT_PHNUM         = 5
	AT_PAGESZ        = 6
	AT_BASE          = 7
	AT_FLAGS         = 8
	AT_ENTRY         = 9
	AT_NOTELF        = 10
	AT_UID           = 11
	AT_EUID          = 12
	AT_GID           = 13
	AT_EGID          = 14
	AT_PLATFORM      = 15
	AT_HWCAP         = 16
	AT_CLKTCK        = 17
	AT_SECURE        = 23
	AT_BASE_PLATFORM = 24
	AT_RANDOM        = 25
	AT_HWCAP2        = 26
	AT_EXECFN        = 31
	AT_SYSINFO_EHDR  = 33
	AT_MINSIGSTKSZ   = 51
)

const (
	// ELF_PLATFORM is AT_PLATFORM's string (x86 ELF_PLATFORM,
	// utsname()->machine).
	ELF_PLATFORM = "x86_64"
	// USER_HZ: the clock ticks of times() and /proc (AT_CLKTCK).
	USER_HZ = 100
	// AT_VECTOR_SIZE bounds the auxv pairs (Linux: 2*(AT_VECTOR_SIZE_ARCH
	// + AT_VECTOR_SIZE_BASE + 1) words).
	AT_VECTOR_SIZE = 24
	// MINSIGSTKSZ for x86-64 with SSE only (Linux's AT_MINSIGSTKSZ is
	// the signal frame's size for the CPU's xstate; 2048 is the ABI floor).
	MINSIGSTKSZ = 2048
)

// elf_platform is ELF_PLATFORM's bytes (static data: no conversion at run
// time).
var elf_platform = [...]byte{'x', '8', '6', '_', '6', '4'}

// Exec_params is what the stack tells the program besides the ELF layout:
// its name, arguments, environment and credentials (Linux takes them from
// struct linux_binprm and current's cred).
type Exec_params struct {
	Filename []byte
	// The program's argv is Argv followed by Argv_rest: a "#!" script's
	// rewrite puts the interpreter, its argument and the script's name
	// in Argv and leaves the caller's argv[1:] where it is, in
	// Argv_rest (Linux's load_script rewrites only the front of bprm's
	// strings, in place).
	Argv, Argv_rest [][]byte
	Envp            [][]byte
	// Random is AT_RANDOM's 16 bytes (Linux get_random_bytes): the C
	// library seeds its stack protector and pointer guard from them.
	Random               [16]byte
	Uid, Euid, Gid, Egid uint32
	Hwcap                uint32 // AT_HWCAP: CPUID.1:EDX, as Linux's ELF_HWCAP
	// Sysinfo_ehdr is the vDSO's address (AT_SYSINFO_EHDR); 0: there is
	// none, and the entry is left out as Linux does without a vDSO.
	Sysinfo_ehdr uint64
}

// Stack_image is the top of a new stack, being built: Buf stands for the
// user memory [Top-len(Buf), Top), P is the stack pointer as it moves
// down (Linux bprm->p).
type Stack_image struct {
	Top uint64
	Buf []byte
	P   uint64
}

// New_stack_image starts an empty image whose last byte is at top-1.
// Linux leaves the top word of the stack unused (bprm->p = vm_end -
// sizeof(void *)).
func New_stack_image(top uint64, buf []byte) Stack_image {
	return Stack_image{Top: top, Buf: buf, P: top - 8}
}

// Base is the lowest user address the buffer stands for.
func (s *Stack_image) Base() uint64 { return s.Top - uint64(len(s.Buf)) }

// push_bytes puts b (and a NUL if nul) below P: -E2BIG when the buffer
// is full (Linux's limit is a quarter of RLIMIT_STACK; gokern's is the
// buffer the caller gives).
func (s *Stack_image) push_bytes(b []byte, nul bool) (uint64, int) {
	n := uint64(len(b))
	if nul {
		n++
	}
	if s.P-s.Base() < n {
		return 0, -asm.E2BIG
	}
	s.P -= n
	off := s.P - s.Base()
	copy(s.Buf[off:], b)
	if nul {
		s.Buf[off+n-1] = 0
	}
	return s.P, 0
}

// word writes one 8-byte word at user address a (inside the image).
func (s *Stack_image) word(a, v uint64) {
	binary.LittleEndian.PutUint64(s.Buf[a-s.Base():], v)
}

// Stack_image_size is how many bytes of image p's strings and tables
// need, alignment included: Write_stack sizes its buffer by it (Linux
// counts the same strings against its limit in bprm_stack_limits and
// copy_strings, in the stack itself).
func Stack_image_size(p *Exec_params) uint64 {
	n := uint64(8+len(p.Filename)+1) + 15 + uint64(len(elf_platform)+1) + 15 + 16 + 15
	for _, v := range [3][][]byte{p.Argv, p.Argv_rest, p.Envp} {
		for _, a := range v {
			n += uint64(len(a)) + 1 + 8
		}
	}
	return n + 3*8 + 2*8*AT_VECTOR_SIZE + 16
}

// Copy_strings pushes the file name, the environment and the arguments,
// last one first as Linux's copy_strings does, so argv[0] ends lowest
// and the strings lie one after the other from there: it returns
// argv[0]'s user address (Linux mm->arg_start, from which
// Create_elf_tables finds every string again) and AT_EXECFN's.
func (s *Stack_image) Copy_strings(p *Exec_params) (arg_start, execfn uint64, r int) {
	if execfn, r = s.push_bytes(p.Filename, true); r != 0 {
		return 0, 0, r
	}
	for _, v := range [3][][]byte{p.Envp, p.Argv_rest, p.Argv} {
		for i := len(v) - 1; i >= 0; i-- {
			if _, r = s.push_bytes(v[i], true); r != 0 {
				return 0, 0, r
			}
		}
	}
	return s.P, execfn, 0
}

// Create_elf_tables finishes the stack below the strings Copy_strings
// pushed: the platform string, AT_RANDOM's bytes, then argc, argv, envp
// and the auxiliary vector, and returns the program's initial RSP
// (16-byte aligned, pointing at argc) or -E2BIG. Linux:
// fs/binfmt_elf.c create_elf_tables (with arch_align_stack's 16-byte
// alignment, without its random offset).
func (s *Stack_image) Create_elf_tables(b *Elf_binary, p *Exec_params, arg_start, execfn uint64) (sp uint64, r int) {
	s.P &^= 15
	u_platform, r := s.push_bytes(elf_platform[:], true)
	if r != 0 {
		return 0, r
	}
	s.P &^= 15
	u_rand, r := s.push_bytes(p.Random[:], false)
	if r != 0 {
		return 0, r
	}
	// The auxiliary vector, in Linux's order (ARCH_DLINFO first).
	var aux [AT_VECTOR_SIZE][2]uint64
	n := 0
	add := func(t, v uint64) { aux[n] = [2]uint64{t, v}; n++ }
	if p.Sysinfo_ehdr != 0 {
		add(AT_SYSINFO_EHDR, p.Sysinfo_ehdr)
	}
	add(AT_MINSIGSTKSZ, MINSIGSTKSZ)
	add(AT_HWCAP, uint64(p.Hwcap))
	add(AT_PAGESZ, ELF_EXEC_PAGESIZE)
	add(AT_CLKTCK, USER_HZ)
	add(AT_PHDR, b.Phdr_addr)
	add(AT_PHENT, uint64(b.Ehdr.E_phentsize))
	add(AT_PHNUM, uint64(b.Ehdr.E_phnum))
	add(AT_BASE, 0) // no interpreter
	add(AT_FLAGS, 0)
	add(AT_ENTRY, b.Entry)
	add(AT_UID, uint64(p.Uid))
	add(AT_EUID, uint64(p.Euid))
	add(AT_GID, uint64(p.Gid))
	add(AT_EGID, uint64(p.Egid))
	add(AT_SECURE, 0)
	add(AT_RANDOM, u_rand)
	add(AT_EXECFN, execfn)
	add(AT_PLATFORM, u_platform)
	add(AT_NULL, 0)
	argc, envc := len(p.Argv)+len(p.Argv_rest), len(p.Envp)
	items := uint64(1+argc+1+envc+1) + uint64(2*n)
	if (s.P-s.Base())/8 < items+2 {
		return 0, -asm.E2BIG
	}
	// Linux: sp = STACK_ADD(p, ei_index); bprm->p = STACK_ROUND(sp, items).
	sp = (s.P - items*8) &^ 15
	a := sp
	put := func(v uint64) { s.word(a, v); a += 8 }
	put(uint64(argc))
	// Each pointer is the address of the string after the one before
	// (Linux walks them with strnlen_user from mm->arg_start).
	str := arg_start
	for _, v := range [2][][]byte{p.Argv, p.Argv_rest} {
		for _, arg := range v {
			put(str)
			str += uint64(len(arg)) + 1
		}
	}
	put(0)
	for _, env := range p.Envp {
		put(str)
		str += uint64(len(env)) + 1
	}
	put(0)
	for i := 0; i < n; i++ {
		put(aux[i][0])
		put(aux[i][1])
	}
	s.P = sp
	return sp, 0
}
