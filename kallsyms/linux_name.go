package kallsyms

// The Linux form of "%pS": "mm_init+0x0/0x61", the Linux name of the
// function, the offset and the function's size (Linux sprint_symbol).
// Sprint_symbol prints the Go name, which names the package and which
// the oops and memblock=debug output keep; this is for output that is
// compared line by line with Linux's, such as initcall_debug's.

// Linux_name writes the Linux name of a kernel function's Go name into buf
// and returns its length: the naming rule of DESIGN.md §8 read backwards,
// as the build's aliases in vmlinux (internal/kbuild.LinuxName) —
// "gokern/mm.Mm_init" → "mm_init", "main.start_kernel" → "start_kernel",
// "gokern/arch/amd64.X__flush_tlb_all" → "__flush_tlb_all". A name the
// rule does not cover (a Go-style helper, the runtime) is copied whole.
func Linux_name(buf []byte, goname string) int {
	id := goname
	if hasPrefix(goname, "main.") || hasPrefix(goname, "gokern/") {
		last := 0
		for i := 0; i < len(goname); i++ {
			if goname[i] == '/' {
				last = i
			}
		}
		for i := last; i < len(goname); i++ {
			if goname[i] == '.' {
				id = goname[i+1:]
				break
			}
		}
	}
	switch {
	case id == goname || !contains(id, '_') || contains(id, '.'):
		return copy(buf, goname)
	case hasPrefix(id, "X_"):
		return copy(buf, id[1:])
	}
	n := copy(buf, id)
	if n > 0 && !allUpper(id) && buf[0] >= 'A' && buf[0] <= 'Z' {
		buf[0] += 'a' - 'A'
	}
	return n
}

func contains(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func allUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			return false
		}
	}
	return true
}

// Symbol_size is the size of the function holding pc: the first address
// past it that belongs to another function or none, found by bisection
// (functions are contiguous in the text), at most 1 MiB on.
func Symbol_size(pc uintptr) uintptr {
	sym, ok := Lookup(pc)
	if !ok {
		return 0
	}
	lo, hi := pc, sym.Entry+1<<20 // lo is inside, hi is not (assumed)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if s, ok := Lookup(mid); ok && s.Entry == sym.Entry {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi - sym.Entry
}

// Sprint_symbol_linux writes "name+0xoff/0xsize" for pc with the Linux
// name, as Linux's %pS prints it, and returns the length.
func Sprint_symbol_linux(buf []byte, pc uintptr) int {
	sym, ok := Lookup(pc)
	if !ok {
		n := copy(buf, "0x")
		return n + hex(buf[n:], uint64(pc))
	}
	n := Linux_name(buf, sym.Name)
	n += copy(buf[n:], "+0x")
	n += hex(buf[n:], uint64(pc-sym.Entry))
	n += copy(buf[n:], "/0x")
	n += hex(buf[n:], uint64(Symbol_size(pc)))
	return n
}
