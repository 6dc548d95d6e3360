package kcheck

// Gokern is the policy for gokern's own kernel (build/vmlinux): which
// functions are kernel code and the few calls accepted although they can
// reach a forbidden function.
func Gokern() Options {
	return Options{
		KernelPrefixes: []string{"main.", "gokern/"},
		Allow: []Allow{
			// The runtime's pclntab readers print ("invalid runtime symbol
			// table", "invalid pc-encoded table") and throw only when the
			// symbol table is corrupt; they need an m for their cache,
			// which the oops path's g has (arch/amd64/g.go).
			{Func: "gokern/kallsyms.lookup", Callee: "runtime.funcline1",
				Why: "prints only on a corrupt pclntab, right before throw"},
			{Func: "gokern/kallsyms.lookup", Callee: "runtime.funcInfo.entry",
				Why: "prints only on a corrupt pclntab, right before throw"},
			{Func: "gokern/kallsyms.Pcdatavalue", Callee: "runtime.funcInfo.entry",
				Why: "prints only on a corrupt pclntab, right before throw"},
			{Func: "gokern/kallsyms.Funcspdelta", Callee: "runtime.funcInfo.entry",
				Why: "prints only on a corrupt pclntab, right before throw"},
		},
	}
}
