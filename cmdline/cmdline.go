// Package cmdline finds options in the kernel command line, Linux's
// arch/x86/lib/cmdline.c (cmdline_find_option_bool, cmdline_find_option)
// and lib/cmdline.c (memparse, get_option). It works on the boot command
// line in place and never allocates: values are sub-slices of it.
//
// Words are separated by white space; "name" matches the word "name" and
// "name=value" matches a word beginning with "name=". As in Linux, a value
// may be quoted ("a b") and the last occurrence of an option wins for
// Cmdline_find_option, while Cmdline_find_option_bool reports whether any occurrence exists.
package cmdline

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0 }

// Len returns the length of a NUL-terminated command line held in b.
func Len(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
}

// nextWord returns the word starting at or after i and the index after it.
// A double-quoted stretch does not end the word (Linux next_arg).
func nextWord(cmd []byte, i int) (start, end int) {
	for i < len(cmd) && isSpace(cmd[i]) {
		if cmd[i] == 0 {
			return len(cmd), len(cmd)
		}
		i++
	}
	start = i
	quoted := false
	for i < len(cmd) && cmd[i] != 0 && (quoted || !isSpace(cmd[i])) {
		if cmd[i] == '"' {
			quoted = !quoted
		}
		i++
	}
	return start, i
}

// Cmdline_find_option_bool reports whether the bare word opt appears (Linux
// cmdline_find_option_bool, which returns its position; true here).
func Cmdline_find_option_bool(cmd []byte, opt string) bool {
	for i := 0; i < len(cmd); {
		s, e := nextWord(cmd, i)
		if s >= e {
			break
		}
		if string(cmd[s:e]) == opt {
			return true
		}
		i = e
	}
	return false
}

// Cmdline_find_option returns the value of the last "opt=value" word (Linux
// cmdline_find_option), with surrounding quotes removed.
func Cmdline_find_option(cmd []byte, opt string) (val []byte, ok bool) {
	for i := 0; i < len(cmd); {
		s, e := nextWord(cmd, i)
		if s >= e {
			break
		}
		w := cmd[s:e]
		if len(w) > len(opt) && w[len(opt)] == '=' && string(w[:len(opt)]) == opt {
			val, ok = w[len(opt)+1:], true
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
		}
		i = e
	}
	return val, ok
}

// Each calls fn for every word of the command line, split into name and
// value (value empty and hasVal false for a bare word); Linux parse_args.
func Each(cmd []byte, fn func(name, val []byte, hasVal bool)) {
	for i := 0; i < len(cmd); {
		s, e := nextWord(cmd, i)
		if s >= e {
			break
		}
		w := cmd[s:e]
		eq := -1
		for k, c := range w {
			if c == '=' {
				eq = k
				break
			}
		}
		if eq < 0 {
			fn(w, nil, false)
		} else {
			v := w[eq+1:]
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			fn(w[:eq], v, true)
		}
		i = e
	}
}

// Strsep returns the part of *s before the first sep and moves *s past
// that sep (to the end when there is none), as Linux's strsep walks an
// option's comma-separated list (lib/string.c).
func Strsep(s *[]byte, sep byte) []byte {
	b := *s
	for i := range b {
		if b[i] == sep {
			*s = b[i+1:]
			return b[:i]
		}
	}
	*s = b[len(b):]
	return b
}
