package printk

// Vsnprintf formats into buf and returns the number of bytes written,
// truncating at len(buf); the subset of Linux's lib/vsprintf.c that the
// kernel uses. A conversion without a matching argument prints "%!"+verb, a
// mismatched one "%!"+verb+"(BADTYPE)" — wrong output is better visible
// than silent.
func Vsnprintf(buf []byte, format string, args ...Arg) int {
	w := writer{buf: buf}
	ai := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			w.byte(c)
			continue
		}
		i++
		if i >= len(format) {
			w.byte('%')
			break
		}
		var sp spec
		// flags
	flags:
		for ; i < len(format); i++ {
			switch format[i] {
			case '-':
				sp.left = true
			case '0':
				sp.zero = true
			case '#':
				sp.alt = true
			case '+':
				sp.plus = true
			case ' ':
				sp.space = true
			default:
				break flags
			}
		}
		for ; i < len(format) && format[i] >= '0' && format[i] <= '9'; i++ {
			sp.width = sp.width*10 + int(format[i]-'0')
		}
		if i < len(format) && format[i] == '.' {
			i++
			sp.hasPrec = true
			for ; i < len(format) && format[i] >= '0' && format[i] <= '9'; i++ {
				sp.prec = sp.prec*10 + int(format[i]-'0')
			}
		}
		// length modifiers carry no information here: Arg knows its type.
		for ; i < len(format) && (format[i] == 'h' || format[i] == 'l' || format[i] == 'z' || format[i] == 'L'); i++ {
		}
		if i >= len(format) {
			break
		}
		verb := format[i]
		if verb == '%' {
			w.byte('%')
			continue
		}
		if ai >= len(args) {
			w.str("%!")
			w.byte(verb)
			continue
		}
		a := args[ai]
		ai++
		switch verb {
		case 'd', 'i':
			if a.kind != argInt {
				w.bad(verb)
				continue
			}
			neg := a.signed && int64(a.u) < 0
			u := a.u
			if neg {
				u = uint64(-int64(a.u))
			}
			w.number(u, 10, neg, sp, false)
		case 'u':
			if a.kind != argInt {
				w.bad(verb)
				continue
			}
			w.number(a.u, 10, false, sp, false)
		case 'x', 'X':
			if a.kind != argInt {
				w.bad(verb)
				continue
			}
			w.number(a.u, 16, false, sp, verb == 'X')
		case 'p':
			if a.kind != argInt {
				w.bad(verb)
				continue
			}
			sp.alt, sp.zero, sp.width = true, true, 18
			w.number(a.u, 16, false, sp, false)
		case 'c':
			if a.kind != argInt {
				w.bad(verb)
				continue
			}
			if !sp.left {
				for k := 1; k < sp.width; k++ {
					w.byte(' ')
				}
			}
			w.byte(byte(a.u))
			if sp.left {
				for k := 1; k < sp.width; k++ {
					w.byte(' ')
				}
			}
		case 's':
			if a.kind != argStr {
				w.bad(verb)
				continue
			}
			s := a.s
			if sp.hasPrec && sp.prec < len(s) {
				s = s[:sp.prec]
			}
			if !sp.left {
				for k := len(s); k < sp.width; k++ {
					w.byte(' ')
				}
			}
			w.str(s)
			if sp.left {
				for k := len(s); k < sp.width; k++ {
					w.byte(' ')
				}
			}
		default:
			w.bad(verb)
		}
	}
	return w.n
}

// Snprintf is Vsnprintf with its arguments inline.
func Snprintf(buf []byte, format string, args ...Arg) int {
	return Vsnprintf(buf, format, args...)
}

type spec struct {
	left, zero, alt, plus, space, hasPrec bool
	width, prec                           int
}

type writer struct {
	buf []byte
	n   int
}

func (w *writer) byte(c byte) {
	if w.n < len(w.buf) {
		w.buf[w.n] = c
		w.n++
	}
}

func (w *writer) str(s string) {
	for i := 0; i < len(s); i++ {
		w.byte(s[i])
	}
}

func (w *writer) bad(verb byte) {
	w.str("%!")
	w.byte(verb)
	w.str("(BADTYPE)")
}

const digitsLower = "0123456789abcdef"
const digitsUpper = "0123456789ABCDEF"

// number prints u in base 10 or 16 with sign, "0x" prefix (the '#' flag,
// and Linux counts it in the width as C does), zero or space padding.
func (w *writer) number(u uint64, base uint64, neg bool, sp spec, upper bool) {
	var tmp [24]byte
	digits := digitsLower
	if upper {
		digits = digitsUpper
	}
	i := len(tmp)
	if u == 0 {
		i--
		tmp[i] = '0'
	}
	for u != 0 {
		i--
		tmp[i] = digits[u%base]
		u /= base
	}
	nd := len(tmp) - i
	if sp.hasPrec {
		for nd < sp.prec && i > 0 {
			i--
			tmp[i] = '0'
			nd++
		}
	}
	var prefix [2]byte
	np := 0
	switch {
	case neg:
		prefix[0], np = '-', 1
	case sp.plus:
		prefix[0], np = '+', 1
	case sp.space:
		prefix[0], np = ' ', 1
	}
	if sp.alt && base == 16 {
		prefix[0], prefix[1], np = '0', 'x', 2
		if upper {
			prefix[1] = 'X'
		}
	}
	total := np + nd
	if !sp.left && !sp.zero {
		for k := total; k < sp.width; k++ {
			w.byte(' ')
		}
	}
	for k := 0; k < np; k++ {
		w.byte(prefix[k])
	}
	if !sp.left && sp.zero {
		for k := total; k < sp.width; k++ {
			w.byte('0')
		}
	}
	for ; i < len(tmp); i++ {
		w.byte(tmp[i])
	}
	if sp.left {
		for k := total; k < sp.width; k++ {
			w.byte(' ')
		}
	}
}
