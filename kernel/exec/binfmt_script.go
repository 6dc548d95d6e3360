package exec

import (
	"gokern/arch/amd64/asm"
	"gokern/fs"
	"gokern/include/uapi"
)

// "#!" scripts: a file that starts with "#!interpreter [arg]" is run as
// interpreter [arg] file argv[1:]... Linux: fs/binfmt_script.c
// (load_script), fs/exec.c (search_binary_handler's rewrite of bprm, the
// recursion limit). busybox's /init is such a script.

const (
	// BINPRM_BUF_SIZE: how much of the file the "#!" line may take
	// (Linux's).
	BINPRM_BUF_SIZE = 256
	// BINPRM_MAX_RECURSION: scripts naming scripts, at most this deep
	// (Linux's; deeper: -ELOOP).
	BINPRM_MAX_RECURSION = 4
	// MAX_SCRIPT_ARGS bounds a script's argv after the rewrite (gokern
	// keeps argv in fixed arrays of the Linux_binprm; Linux's bound is
	// the stack's size).
	MAX_SCRIPT_ARGS = 64
)

// Load_script parses the start of a file (Linux load_script): is is
// false when it does not start with "#!"; otherwise the interpreter and
// its one optional argument (everything after the interpreter's name up
// to the line's end, blanks at both ends trimmed, as Linux takes it), or
// -ENOEXEC when no interpreter is named or its name does not end inside
// the first BINPRM_BUF_SIZE bytes.
func Load_script(buf []byte) (interp, arg []byte, is bool, r int) {
	if len(buf) < 2 || buf[0] != '#' || buf[1] != '!' {
		return nil, nil, false, 0
	}
	line := buf[2:]
	end := len(line)
	complete := false
	for i, c := range line {
		if c == '\n' {
			end, complete = i, true
			break
		}
	}
	line = line[:end]
	blank := func(c byte) bool { return c == ' ' || c == '\t' }
	i := 0
	for i < len(line) && blank(line[i]) {
		i++
	}
	j := i
	for j < len(line) && !blank(line[j]) && line[j] != 0 {
		j++
	}
	interp = line[i:j]
	// The name must end before the buffer does (Linux: "the interpreter
	// name was truncated"), unless the line ended.
	if len(interp) == 0 || (!complete && j == len(line)) {
		return nil, nil, true, -asm.ENOEXEC
	}
	k := len(line)
	for k > j && (blank(line[k-1]) || line[k-1] == 0) {
		k--
	}
	for j < k && blank(line[j]) {
		j++
	}
	if j < k {
		arg = line[j:k]
	}
	return interp, arg, true, 0
}

// script_interp follows "#!" lines from filename to the binary that runs
// them, rewriting argv on the way as load_script does: argv[0] becomes
// the interpreter, then its argument if any, then the script's name,
// then the old argv[1:]. A file that is no script comes back unchanged.
func script_interp(bprm *Linux_binprm, filename []byte, argv [][]byte) ([]byte, [][]byte, int) {
	for depth := 0; ; depth++ {
		f, r := fs.Open_exec(filename)
		if r != 0 {
			return filename, argv, r
		}
		buf := bprm.Buf[min(depth, BINPRM_MAX_RECURSION-1)][:]
		n := f.Read_at(buf, 0)
		fs.Fput(f)
		if n < 0 {
			return filename, argv, n
		}
		interp, arg, is, r := Load_script(buf[:n])
		if !is {
			return filename, argv, 0
		}
		if r != 0 {
			return filename, argv, r
		}
		if depth == BINPRM_MAX_RECURSION {
			return filename, argv, -uapi.ELOOP
		}
		out := &bprm.Argv[depth]
		k := 0
		out[k] = interp
		k++
		if arg != nil {
			out[k] = arg
			k++
		}
		out[k] = filename
		k++
		if len(argv) > 1 {
			if k+len(argv)-1 > MAX_SCRIPT_ARGS {
				return filename, argv, -asm.E2BIG
			}
			k += copy(out[k:], argv[1:])
		}
		filename, argv = interp, out[:k]
	}
}
