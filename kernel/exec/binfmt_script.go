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
	// MAX_SCRIPT_ARGS bounds the front of argv that scripts rewrite:
	// each level replaces argv[0] by at most three strings, so
	// BINPRM_MAX_RECURSION levels make at most this many; the caller's
	// argv[1:] stays where it is, however long (Linux rewrites bprm's
	// strings in place; its bound is the stack's size).
	MAX_SCRIPT_ARGS = 2*BINPRM_MAX_RECURSION + 1
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
// then the old argv[1:]. The new argv is head followed by rest: the
// rewritten front in bprm.Argv, and the caller's argv[1:] untouched. A
// file that is no script comes back unchanged (head is argv[:1]).
func script_interp(bprm *Linux_binprm, filename []byte, argv [][]byte) (_ []byte, head, rest [][]byte, _ int) {
	head, rest = argv, nil
	if len(argv) > 1 {
		head, rest = argv[:1], argv[1:]
	}
	for depth := 0; ; depth++ {
		f, r := fs.Open_exec(filename)
		if r != 0 {
			return filename, head, rest, r
		}
		buf := bprm.Buf[min(depth, BINPRM_MAX_RECURSION-1)][:]
		n := f.Read_at(buf, 0)
		fs.Fput(f)
		if n < 0 {
			return filename, head, rest, n
		}
		interp, arg, is, r := Load_script(buf[:n])
		if !is {
			return filename, head, rest, 0
		}
		if r != 0 {
			return filename, head, rest, r
		}
		if depth == BINPRM_MAX_RECURSION {
			return filename, head, rest, -uapi.ELOOP
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
		if len(head) > 1 {
			// head[1:] is at most 2*depth strings: room is left.
			k += copy(out[k:], head[1:])
		}
		filename, head = interp, out[:k]
	}
}
