package printk

// Linux: lib/vsprintf.c vsnprintf, format_decode, number. A format is read
// in two parts, as in Linux: format_decode reads one piece of the format —
// a run of plain text or one "%..." conversion — into a printf_spec, and
// the loop in Vsnprintf prints that piece with the next argument.

// format_type is what one piece of the format is, Linux enum format_type.
// Linux has a type per C integer width (FORMAT_TYPE_LONG_LONG, _ULONG,
// _UBYTE, ...) chosen by the length qualifier; an Arg carries its own width,
// so only FORMAT_TYPE_UINT and FORMAT_TYPE_INT remain.
type format_type uint8

const (
	FORMAT_TYPE_NONE         format_type = iota // plain text up to the next '%'
	FORMAT_TYPE_CHAR                            // %c
	FORMAT_TYPE_STR                             // %s
	FORMAT_TYPE_PTR                             // %p
	FORMAT_TYPE_PERCENT_CHAR                    // %%
	FORMAT_TYPE_INVALID                         // the format ends inside a conversion
	FORMAT_TYPE_UINT                            // %u %x %X
	FORMAT_TYPE_INT                             // %d %i: FORMAT_TYPE_UINT + SIGN, as in Linux

	// formatTypeUnknown is an unknown conversion character (gokern only:
	// Linux calls it FORMAT_TYPE_INVALID, warns and stops the output there;
	// gokern has no warning to give yet and prints "%!c(BADTYPE)" instead).
	formatTypeUnknown
)

// Flags of a conversion, Linux's flags to number().
const (
	SIGN    = 1  // %d %i: the argument is signed (if its type is)
	LEFT    = 2  // '-': left justified
	PLUS    = 4  // '+': show a plus sign
	SPACE   = 8  // ' ': a space where the plus would be
	ZEROPAD = 16 // '0': pad with zeros
	SMALL   = 32 // lower-case hex digits
	SPECIAL = 64 // '#': prefix hex with "0x"
)

// printf_spec is one decoded conversion, Linux struct printf_spec.
type printf_spec struct {
	typ         format_type
	flags       uint8
	base        uint8
	field_width int // -1: none given
	precision   int // -1: none given
	// conv is the conversion character, for the "%!c" messages (gokern
	// only: Linux has no such messages).
	conv byte
}

// format_decode reads the piece of fmt that starts it into spec and
// returns its length in bytes: plain text up to the next '%' (spec.typ
// FORMAT_TYPE_NONE), or one conversion, flags, width, precision, length
// qualifiers and the conversion character, "%#018llx" as a whole.
func format_decode(fmt string, spec *printf_spec) int {
	i := 0
	for i < len(fmt) && fmt[i] != '%' {
		i++
	}
	if i > 0 || len(fmt) == 0 {
		spec.typ = FORMAT_TYPE_NONE
		return i
	}
	*spec = printf_spec{field_width: -1, precision: -1, base: 10}
	i++ // the '%'
	if i == len(fmt) {
		// A lone '%' at the very end prints itself (Linux prints nothing).
		spec.typ = FORMAT_TYPE_PERCENT_CHAR
		spec.conv = '%'
		return i
	}
	// flags
flags:
	for ; i < len(fmt); i++ {
		switch fmt[i] {
		case '-':
			spec.flags |= LEFT
		case '+':
			spec.flags |= PLUS
		case ' ':
			spec.flags |= SPACE
		case '#':
			spec.flags |= SPECIAL
		case '0':
			spec.flags |= ZEROPAD
		default:
			break flags
		}
	}
	// field width (Linux skip_atoi)
	if i < len(fmt) && isdigit(fmt[i]) {
		spec.field_width = 0
		for ; i < len(fmt) && isdigit(fmt[i]); i++ {
			spec.field_width = spec.field_width*10 + int(fmt[i]-'0')
		}
	}
	// precision: "." alone is precision 0
	if i < len(fmt) && fmt[i] == '.' {
		i++
		spec.precision = 0
		for ; i < len(fmt) && isdigit(fmt[i]); i++ {
			spec.precision = spec.precision*10 + int(fmt[i]-'0')
		}
	}
	// length qualifiers carry no information here: an Arg knows its type.
	for i < len(fmt) && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'z' || fmt[i] == 'L') {
		i++
	}
	if i == len(fmt) {
		// The format ends inside the conversion: Linux calls that invalid
		// and stops, and so does Vsnprintf.
		spec.typ = FORMAT_TYPE_INVALID
		return i
	}
	spec.conv = fmt[i]
	i++
	switch spec.conv {
	case 'c':
		spec.typ = FORMAT_TYPE_CHAR
	case 's':
		spec.typ = FORMAT_TYPE_STR
	case 'p':
		spec.typ = FORMAT_TYPE_PTR
	case '%':
		spec.typ = FORMAT_TYPE_PERCENT_CHAR
	case 'x':
		spec.flags |= SMALL
		spec.base = 16
		spec.typ = FORMAT_TYPE_UINT
	case 'X':
		spec.base = 16
		spec.typ = FORMAT_TYPE_UINT
	case 'd', 'i':
		spec.flags |= SIGN
		spec.typ = FORMAT_TYPE_INT
	case 'u':
		spec.typ = FORMAT_TYPE_UINT
	default:
		spec.typ = formatTypeUnknown
	}
	return i
}

func isdigit(c byte) bool { return c >= '0' && c <= '9' }

// Vsnprintf formats into buf and returns the number of bytes written,
// truncating at len(buf); the subset of Linux's lib/vsprintf.c vsnprintf
// that the kernel uses. A conversion without a matching argument prints
// "%!"+conversion, a mismatched or unknown one "%!"+conversion+"(BADTYPE)"
// — wrong output is better visible than silent.
func Vsnprintf(buf []byte, format string, args ...Arg) int {
	w := writer{buf: buf}
	ai := 0
	var spec printf_spec
	for len(format) > 0 {
		read := format_decode(format, &spec)
		piece := format[:read]
		format = format[read:]

		switch spec.typ {
		case FORMAT_TYPE_NONE:
			w.str(piece)
			continue
		case FORMAT_TYPE_PERCENT_CHAR:
			w.byte('%')
			continue
		case FORMAT_TYPE_INVALID:
			return w.n // the format ended inside a conversion
		}
		if ai >= len(args) {
			w.str("%!")
			w.byte(spec.conv)
			continue
		}
		a := args[ai]
		ai++
		switch spec.typ {
		case FORMAT_TYPE_CHAR:
			if a.kind != argInt {
				w.bad(spec.conv)
				continue
			}
			w.char(byte(a.u), spec)
		case FORMAT_TYPE_STR:
			if a.kind != argStr {
				w.bad(spec.conv)
				continue
			}
			if a.esc {
				w.escaped(a.s, spec)
			} else {
				w.string(a.s, spec)
			}
		case FORMAT_TYPE_PTR:
			if a.kind != argInt {
				w.bad(spec.conv)
				continue
			}
			// The raw address, as Linux's %px: "0x" and 16 digits.
			spec.flags |= SPECIAL | ZEROPAD | SMALL
			spec.field_width = 18
			spec.base = 16
			w.number(a.u, spec)
		case FORMAT_TYPE_UINT, FORMAT_TYPE_INT:
			if a.kind != argInt {
				w.bad(spec.conv)
				continue
			}
			if !a.signed {
				spec.flags &^= SIGN // %d of an unsigned type prints it unsigned
			}
			w.number(a.u, spec)
		default: // formatTypeUnknown
			w.bad(spec.conv)
		}
	}
	return w.n
}

// Snprintf is Vsnprintf with its arguments inline.
func Snprintf(buf []byte, format string, args ...Arg) int {
	return Vsnprintf(buf, format, args...)
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

func (w *writer) bad(conv byte) {
	w.str("%!")
	w.byte(conv)
	w.str("(BADTYPE)")
}

// pad writes n copies of c, or as many as fit: a width of 10^13 would
// otherwise spin for hours past the end of the buffer.
func (w *writer) pad(c byte, n int) {
	if room := len(w.buf) - w.n; n > room {
		n = room
	}
	for ; n > 0; n-- {
		w.byte(c)
	}
}

// char prints %c, Linux's FORMAT_TYPE_CHAR case.
func (w *writer) char(c byte, spec printf_spec) {
	if spec.flags&LEFT == 0 {
		w.pad(' ', spec.field_width-1)
	}
	w.byte(c)
	if spec.flags&LEFT != 0 {
		w.pad(' ', spec.field_width-1)
	}
}

// string prints %s, Linux's string(): at most precision bytes, padded with
// spaces to the field width.
func (w *writer) string(s string, spec printf_spec) {
	if spec.precision >= 0 && spec.precision < len(s) {
		s = s[:spec.precision]
	}
	if spec.flags&LEFT == 0 {
		w.pad(' ', spec.field_width-len(s))
	}
	w.str(s)
	if spec.flags&LEFT != 0 {
		w.pad(' ', spec.field_width-len(s))
	}
}

// escaped prints s as string does, each byte below ' ' or from 0x7f up as
// \xNN (printk.Escaped); the precision and width count output bytes.
func (w *writer) escaped(s string, spec printf_spec) {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c >= 0x7f {
			n += 4
		} else {
			n++
		}
	}
	if spec.flags&LEFT == 0 {
		w.pad(' ', spec.field_width-n)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= ' ' && c < 0x7f {
			w.str(s[i : i+1])
			continue
		}
		w.byte('\\')
		w.byte('x')
		w.byte(digitsLower[c>>4])
		w.byte(digitsLower[c&15])
	}
	if spec.flags&LEFT != 0 {
		w.pad(' ', spec.field_width-n)
	}
}

const digitsLower = "0123456789abcdef"
const digitsUpper = "0123456789ABCDEF"

// number prints num in spec.base (10 or 16), Linux's number(): negative
// when SIGN is set and num is negative as an int64, "0x" for SPECIAL hex
// (counted in the width, as C and Linux do), zero or space padding.
func (w *writer) number(num uint64, spec printf_spec) {
	neg := spec.flags&SIGN != 0 && int64(num) < 0
	if neg {
		num = uint64(-int64(num))
	}
	digits := digitsUpper
	if spec.flags&SMALL != 0 {
		digits = digitsLower
	}
	base := uint64(spec.base)
	var tmp [24]byte
	i := len(tmp)
	if num == 0 {
		i--
		tmp[i] = '0'
	}
	for num != 0 {
		i--
		tmp[i] = digits[num%base]
		num /= base
	}
	nd := len(tmp) - i
	for nd < spec.precision && i > 0 {
		i--
		tmp[i] = '0'
		nd++
	}
	var prefix [2]byte
	np := 0
	switch {
	case neg:
		prefix[0], np = '-', 1
	case spec.flags&PLUS != 0:
		prefix[0], np = '+', 1
	case spec.flags&SPACE != 0:
		prefix[0], np = ' ', 1
	}
	if spec.flags&SPECIAL != 0 && base == 16 {
		prefix[0], prefix[1], np = '0', 'X', 2
		if spec.flags&SMALL != 0 {
			prefix[1] = 'x'
		}
	}
	padding := spec.field_width - (np + nd)
	left := spec.flags&LEFT != 0
	zero := spec.flags&ZEROPAD != 0
	if !left && !zero {
		w.pad(' ', padding)
	}
	for k := 0; k < np; k++ {
		w.byte(prefix[k])
	}
	if !left && zero {
		w.pad('0', padding)
	}
	for ; i < len(tmp); i++ {
		w.byte(tmp[i])
	}
	if left {
		w.pad(' ', padding)
	}
}
