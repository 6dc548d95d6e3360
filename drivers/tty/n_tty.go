package tty

import (
	"gokern/drivers/serial8250"
	"gokern/fs"
	"gokern/include/uapi"
	"gokern/kernel/sched"
)

// N_TTY, the line discipline. Linux: drivers/tty/n_tty.c
// (n_tty_receive_buf, n_tty_receive_char, eraser, isig, echo_char,
// n_tty_read, canon_copy_from_read_buf, copy_from_read_buf,
// n_tty_write, do_output_char, n_tty_set_termios, input_available_p).
//
// Input goes into a 4 KiB ring. In canonical mode the bytes before
// canon_head are whole lines (each ends with a bit in read_flags: its
// newline, EOL or the EOF marker), the bytes after it the line being
// edited, which erase, werase and kill take back. The receive side (the
// interrupt) moves read_head and canon_head; the reader moves read_tail.

// N_TTY_BUF_SIZE: the input ring (Linux N_TTY_BUF_SIZE).
const N_TTY_BUF_SIZE = 4096

// __DISABLED_CHAR: the EOF marker stored at a line's end (Linux).
const X__DISABLED_CHAR = 0

// N_tty_data is struct n_tty_data.
type N_tty_data struct {
	Read_head, Read_tail, Canon_head uint32 // free-running; index with & (N_TTY_BUF_SIZE-1)
	Read_buf                         [N_TTY_BUF_SIZE]byte
	Read_flags                       [N_TTY_BUF_SIZE / 64]uint64 // line ends
	lnext                            bool                        // the next byte is literal (^V)
	// column is the output column, for tabs and erasing them; canon_column
	// the column the line being edited starts at.
	column, canon_column uint32
	// Erasing: with ECHOPRT, inside "\...".
	erasing bool
	// push: switching to canonical mode made the pending bytes a line.
	push bool
}

func mask(i uint32) uint32 { return i & (N_TTY_BUF_SIZE - 1) }

func (l *N_tty_data) read_cnt() uint32 { return l.Read_head - l.Read_tail }
func (l *N_tty_data) at(i uint32) byte { return l.Read_buf[mask(i)] }
func (l *N_tty_data) flag(i uint32) bool {
	i = mask(i)
	return l.Read_flags[i/64]&(1<<(i%64)) != 0
}
func (l *N_tty_data) set_flag(i uint32, on bool) {
	i = mask(i)
	if on {
		l.Read_flags[i/64] |= 1 << (i % 64)
	} else {
		l.Read_flags[i/64] &^= 1 << (i % 64)
	}
}

// put_tty_queue appends a byte (Linux put_tty_queue).
func (l *N_tty_data) put_tty_queue(c byte) {
	l.set_flag(l.Read_head, false)
	l.Read_buf[mask(l.Read_head)] = c
	l.Read_head++
}

func n_tty_open(tty *Tty_struct) { tty.Ldisc = N_tty_data{} }

// Termios tests (Linux's I_ICRNL(tty) and friends).
func (tty *Tty_struct) iflag(f uint32) bool { return tty.Termios.C_iflag&f != 0 }
func (tty *Tty_struct) oflag(f uint32) bool { return tty.Termios.C_oflag&f != 0 }
func (tty *Tty_struct) lflag(f uint32) bool { return tty.Termios.C_lflag&f != 0 }
func (tty *Tty_struct) cc(i int) byte       { return tty.Termios.C_cc[i] }

// is_cc: c is the control character at index i (and it is not disabled).
func (tty *Tty_struct) is_cc(c byte, i int) bool { return c != X__DISABLED_CHAR && c == tty.cc(i) }

// iscntrl is C's.
func iscntrl(c byte) bool { return c < 32 || c == 127 }

// --- output ---

// tty_put_char queues one byte for the driver.
func tty_put_char(tty *Tty_struct, c byte) {
	if tty.outLen == len(tty.Out) {
		flush_out(tty)
	}
	tty.Out[tty.outLen] = c
	tty.outLen++
}

// flush_out hands the queued bytes to the driver.
func flush_out(tty *Tty_struct) {
	if tty.outLen > 0 && tty.Driver.Ops.Write != nil {
		tty.Driver.Ops.Write(tty, tty.Out[:tty.outLen])
	}
	tty.outLen = 0
}

// do_output_char writes c with OPOST's processing (Linux
// do_output_char): NL → CR-NL (ONLCR), CR → NL (OCRNL), no CR at column
// 0 (ONOCR), lower → upper case (OLCUC), and the column kept for tabs.
func do_output_char(tty *Tty_struct, c byte) {
	l := &tty.Ldisc
	if !tty.oflag(uapi.OPOST) {
		tty_put_char(tty, c)
		return
	}
	switch c {
	case '\n':
		if tty.oflag(uapi.ONLRET) {
			l.column = 0
		}
		if tty.oflag(uapi.ONLCR) {
			l.column = 0
			tty_put_char(tty, '\r')
		}
		l.canon_column = l.column
	case '\r':
		if tty.oflag(uapi.ONOCR) && l.column == 0 {
			return
		}
		if tty.oflag(uapi.OCRNL) {
			c = '\n'
			if tty.oflag(uapi.ONLRET) {
				l.column, l.canon_column = 0, 0
			}
			break
		}
		l.column, l.canon_column = 0, 0
	case '\t':
		l.column = (l.column | 7) + 1
	case '\b':
		if l.column > 0 {
			l.column--
		}
	default:
		if !iscntrl(c) {
			if tty.oflag(uapi.OLCUC) && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			l.column++
		}
	}
	tty_put_char(tty, c)
}

// echo_char echoes a typed byte (Linux echo_char): control characters
// as ^X with ECHOCTL, except TAB (a newline that ends a line is echoed
// raw by its caller; a literal one, after ^V, shows as ^J).
func echo_char(tty *Tty_struct, c byte) {
	if tty.lflag(uapi.ECHOCTL) && iscntrl(c) && c != '\t' {
		do_output_char(tty, '^')
		do_output_char(tty, c^0o100)
		return
	}
	do_output_char(tty, c)
}

// --- input ---

// Tty_insert_flip_string takes bytes the device received (Linux
// tty_insert_flip_string + tty_flip_buffer_push, run at once: see the
// package comment). It runs in the receive interrupt.
func Tty_insert_flip_string(tty *Tty_struct, b []byte) {
	for _, c := range b {
		n_tty_receive_char(tty, c)
	}
	tty_flip_buffer_push(tty)
}

// Tty_insert_flip_char takes one byte and the flag the driver gave it
// (Linux tty_insert_flip_char + tty_flip_buffer_push; the flag as
// n_tty_receive_buf_standard dispatches it).
func Tty_insert_flip_char(tty *Tty_struct, c byte, flag byte) {
	if flag == serial8250.TTY_NORMAL {
		n_tty_receive_char(tty, c)
	} else {
		n_tty_receive_char_flagged(tty, c, flag)
	}
	tty_flip_buffer_push(tty)
}

// tty_flip_buffer_push: the echo goes out, readers wake (Linux
// tty_flip_buffer_push → flush_to_ldisc's end).
func tty_flip_buffer_push(tty *Tty_struct) {
	flush_out(tty)
	if input_available(tty) {
		sched.Wake_up_interruptible(&tty.Read_wait)
	}
}

// n_tty_receive_char_flagged handles a byte the UART marked (Linux
// n_tty_receive_char_flagged): a break, a parity or framing error; an
// overrun only counts (the byte is good, one before it was lost).
func n_tty_receive_char_flagged(tty *Tty_struct, c byte, flag byte) {
	switch flag {
	case serial8250.TTY_BREAK:
		n_tty_receive_break(tty)
	case serial8250.TTY_PARITY, serial8250.TTY_FRAME:
		n_tty_receive_parity_error(tty, c)
	default:
		Overruns++
		n_tty_receive_char(tty, c)
	}
}

// Overruns counts the bytes that arrived after lost ones (Linux logs
// "%s: %d input overrun(s)").
var Overruns uint64

// n_tty_receive_break (Linux's): IGNBRK drops a break, BRKINT makes it
// SIGINT for the foreground group (and flushes the input unless NOFLSH),
// otherwise it reads as a NUL, marked "\377\0" first with PARMRK.
func n_tty_receive_break(tty *Tty_struct) {
	if tty.iflag(uapi.IGNBRK) {
		return
	}
	if tty.iflag(uapi.BRKINT) {
		if !tty.lflag(uapi.NOFLSH) {
			n_tty_flush_input(tty)
		}
		if Hooks.Kill_pgrp != nil && tty.Pgrp != 0 {
			Hooks.Kill_pgrp(tty.Pgrp, uapi.SIGINT)
		}
		Signals_sent++
		Last_signal = uapi.SIGINT
		return
	}
	n_tty_put_marked(tty, 0)
}

// n_tty_receive_parity_error (Linux's): with INPCK the byte is dropped
// (IGNPAR), marked (PARMRK) or read as a NUL; without, it is input.
func n_tty_receive_parity_error(tty *Tty_struct, c byte) {
	if !tty.iflag(uapi.INPCK) {
		n_tty_receive_char(tty, c)
		return
	}
	if tty.iflag(uapi.IGNPAR) {
		return
	}
	if tty.iflag(uapi.PARMRK) {
		n_tty_put_marked(tty, c)
		return
	}
	n_tty_put_marked(tty, 0)
}

// n_tty_put_marked queues c, after "\377\0" with PARMRK, with room for
// the three bytes (Linux's put_tty_queue sequence in both callers).
func n_tty_put_marked(tty *Tty_struct, c byte) {
	l := &tty.Ldisc
	need := uint32(1)
	if tty.iflag(uapi.PARMRK) {
		need = 3
	}
	if l.read_cnt()+need > N_TTY_BUF_SIZE {
		return
	}
	if need == 3 {
		l.put_tty_queue(0o377)
		l.put_tty_queue(0)
	}
	l.put_tty_queue(c)
	if !tty.lflag(uapi.ICANON) {
		l.Canon_head = l.Read_head
	}
}

// isig handles INTR, QUIT and SUSP (Linux isig, n_tty_receive_signal_char):
// the input is flushed unless NOFLSH, the character echoed, the signal
// sent to the foreground process group.
func isig(tty *Tty_struct, sig int, c byte) {
	if !tty.lflag(uapi.NOFLSH) {
		n_tty_flush_input(tty)
	}
	if tty.lflag(uapi.ECHO) {
		echo_char(tty, c)
	}
	if Hooks.Kill_pgrp != nil && tty.Pgrp != 0 {
		Hooks.Kill_pgrp(tty.Pgrp, sig)
	}
	Signals_sent++
	Last_signal = sig
}

// Signals_sent and Last_signal count what isig did (for selftests and
// for reading in gdb while there are no tasks to receive them).
var (
	Signals_sent uint64
	Last_signal  int
)

// n_tty_receive_char processes one byte (Linux n_tty_receive_char and
// n_tty_receive_char_special).
func n_tty_receive_char(tty *Tty_struct, c byte) {
	l := &tty.Ldisc
	if tty.iflag(uapi.ISTRIP) {
		c &= 0x7f
	}
	if tty.iflag(uapi.IUCLC) && tty.lflag(uapi.IEXTEN) && c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	if l.lnext {
		l.lnext = false
		receive_literal(tty, c)
		return
	}
	// IXON: ^S stops output, ^Q starts it again; neither is input
	// (Linux n_tty_receive_char_flow_ctrl).
	if tty.iflag(uapi.IXON) {
		switch {
		case tty.is_cc(c, uapi.VSTOP):
			tty.Stopped = true
			return
		case tty.is_cc(c, uapi.VSTART):
			tty.Stopped = false
			sched.Wake_up_interruptible(&tty.Write_wait)
			return
		}
	}
	// special: the byte takes Linux's n_tty_receive_char_special path
	// (it is in char_map), where a newline echoes as a newline, not ^J.
	special := false
	switch {
	case c == '\r':
		if tty.iflag(uapi.IGNCR) {
			return
		}
		if tty.iflag(uapi.ICRNL) {
			c = '\n'
			special = true
		}
	case c == '\n' && tty.iflag(uapi.INLCR):
		c = '\r'
		special = true
	}
	if tty.lflag(uapi.ISIG) {
		switch {
		case tty.is_cc(c, uapi.VINTR):
			isig(tty, uapi.SIGINT, c)
			return
		case tty.is_cc(c, uapi.VQUIT):
			isig(tty, uapi.SIGQUIT, c)
			return
		case tty.is_cc(c, uapi.VSUSP):
			isig(tty, uapi.SIGTSTP, c)
			return
		}
	}
	if !tty.lflag(uapi.ICANON) {
		if l.read_cnt() >= N_TTY_BUF_SIZE {
			return // full: dropped (Linux: overrun)
		}
		if tty.lflag(uapi.ECHO) {
			if special && c == '\n' {
				do_output_char(tty, '\n')
			} else {
				if l.Canon_head == l.Read_head {
					l.canon_column = l.column
				}
				echo_char(tty, c)
			}
		}
		l.put_tty_queue(c)
		l.Canon_head = l.Read_head
		return
	}
	switch {
	case tty.is_cc(c, uapi.VERASE) || tty.is_cc(c, uapi.VKILL) || tty.is_cc(c, uapi.VWERASE) && tty.lflag(uapi.IEXTEN):
		eraser(tty, c)
		return
	case tty.is_cc(c, uapi.VLNEXT) && tty.lflag(uapi.IEXTEN):
		l.lnext = true
		if tty.lflag(uapi.ECHO) && tty.lflag(uapi.ECHOCTL) {
			do_output_char(tty, '^')
			do_output_char(tty, '\b')
		}
		return
	case tty.is_cc(c, uapi.VREPRINT) && tty.lflag(uapi.ECHO) && tty.lflag(uapi.IEXTEN):
		reprint(tty, c)
		return
	case c == '\n':
		if tty.lflag(uapi.ECHO) || tty.lflag(uapi.ECHONL) {
			do_output_char(tty, '\n')
		}
		end_line(tty, c)
		return
	case tty.is_cc(c, uapi.VEOF):
		// EOF ends the line without being part of it, and is not echoed.
		end_line(tty, X__DISABLED_CHAR)
		return
	case tty.is_cc(c, uapi.VEOL) || tty.is_cc(c, uapi.VEOL2) && tty.lflag(uapi.IEXTEN):
		if tty.lflag(uapi.ECHO) {
			echo_char(tty, c)
		}
		end_line(tty, c)
		return
	}
	receive_literal(tty, c)
}

// receive_literal queues an ordinary byte of the line being edited,
// keeping one place for its end (Linux: in canonical mode a full buffer
// takes only a newline).
func receive_literal(tty *Tty_struct, c byte) {
	l := &tty.Ldisc
	limit := uint32(N_TTY_BUF_SIZE)
	if tty.lflag(uapi.ICANON) {
		limit--
	}
	if l.read_cnt() >= limit {
		if tty.iflag(uapi.IMAXBEL) && tty.lflag(uapi.ECHO) {
			do_output_char(tty, '\a')
		}
		return
	}
	if tty.lflag(uapi.ECHO) {
		if l.erasing {
			do_output_char(tty, '/')
			l.erasing = false
		}
		// The first byte of a line: where its echo starts, for
		// erasing tabs (Linux echo_set_canon_col).
		if l.Canon_head == l.Read_head {
			l.canon_column = l.column
		}
		echo_char(tty, c)
	}
	l.put_tty_queue(c)
	if !tty.lflag(uapi.ICANON) {
		l.Canon_head = l.Read_head
	}
}

// end_line ends the line being edited with c (Linux
// n_tty_receive_handle_newline): the reader may take it.
func end_line(tty *Tty_struct, c byte) {
	l := &tty.Ldisc
	if l.read_cnt() >= N_TTY_BUF_SIZE {
		return
	}
	if l.erasing {
		l.erasing = false
	}
	l.set_flag(l.Read_head, true)
	l.Read_buf[mask(l.Read_head)] = c
	l.Read_head++
	l.Canon_head = l.Read_head
	l.canon_column = l.column
}

// Kill types of eraser.
const (
	ERASE = iota
	WERASE
	KILL
)

// eraser takes back the last character, word or the whole line being
// edited (Linux eraser), echoing "\b \b" per column with ECHOE, the kill
// character and a newline with ECHOK but not ECHOKE, or "\" and the
// erased characters with ECHOPRT.
func eraser(tty *Tty_struct, c byte) {
	l := &tty.Ldisc
	if l.Read_head == l.Canon_head {
		return // nothing to erase
	}
	kill_type := ERASE
	switch {
	case tty.is_cc(c, uapi.VERASE):
	case tty.is_cc(c, uapi.VWERASE):
		kill_type = WERASE
	default:
		if !tty.lflag(uapi.ECHO) {
			l.Read_head = l.Canon_head
			return
		}
		if !tty.lflag(uapi.ECHOK) || !tty.lflag(uapi.ECHOKE) || !tty.lflag(uapi.ECHOE) {
			l.Read_head = l.Canon_head
			l.erasing = false
			echo_char(tty, c)
			if tty.lflag(uapi.ECHOK) {
				do_output_char(tty, '\n')
			}
			return
		}
		kill_type = KILL
	}
	seen_alnums := false
	for l.Read_head != l.Canon_head {
		head := l.Read_head - 1
		ch := l.at(head)
		if kill_type == WERASE {
			alnum := ch == '_' || ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z'
			if alnum {
				seen_alnums = true
			} else if seen_alnums {
				break
			}
		}
		l.Read_head = head
		if tty.lflag(uapi.ECHO) {
			switch {
			case tty.lflag(uapi.ECHOPRT):
				if !l.erasing {
					do_output_char(tty, '\\')
					l.erasing = true
				}
				echo_char(tty, ch)
			case kill_type == ERASE && !tty.lflag(uapi.ECHOE):
				echo_char(tty, c)
			case ch == '\t':
				// Back up to where the tab started: count the columns
				// of what came since the line began or the tab before
				// (Linux eraser and process_echoes' ECHO_OP_ERASE_TAB).
				var num_chars uint32
				after_tab := false
				for i := l.Read_head; i != l.Canon_head; {
					i--
					x := l.at(i)
					if x == '\t' {
						after_tab = true
						break
					} else if iscntrl(x) {
						if tty.lflag(uapi.ECHOCTL) {
							num_chars += 2
						}
					} else {
						num_chars++
					}
				}
				if !after_tab {
					num_chars += l.canon_column
				}
				num_bs := min(8-num_chars&7, l.column)
				for ; num_bs > 0; num_bs-- {
					do_output_char(tty, '\b')
				}
			default:
				n := 1
				if iscntrl(ch) && tty.lflag(uapi.ECHOCTL) {
					n = 2
				}
				for ; n > 0; n-- {
					do_output_char(tty, '\b')
					do_output_char(tty, ' ')
					do_output_char(tty, '\b')
				}
			}
		}
		if kill_type == ERASE {
			break
		}
	}
	if l.Read_head == l.Canon_head && tty.lflag(uapi.ECHO) && l.erasing {
		do_output_char(tty, '/')
		l.erasing = false
	}
}

// reprint echoes the reprint character, a newline and the line so far
// (Linux: REPRINT_CHAR handling).
func reprint(tty *Tty_struct, c byte) {
	l := &tty.Ldisc
	echo_char(tty, c)
	do_output_char(tty, '\n')
	for i := l.Canon_head; i != l.Read_head; i++ {
		echo_char(tty, l.at(i))
	}
}

// input_available reports whether a read would take something now (Linux
// input_available_p): a whole line in canonical mode, VMIN bytes (at
// least one) otherwise. Called with interrupts off.
func input_available(tty *Tty_struct) bool {
	l := &tty.Ldisc
	if tty.lflag(uapi.ICANON) {
		return l.Canon_head != l.Read_tail
	}
	amt := uint32(tty.cc(uapi.VMIN))
	if amt == 0 {
		amt = 1
	}
	return l.read_cnt() >= amt
}

// canon_copy takes one line, or as much of it as fits (Linux
// canon_copy_from_read_buf): the EOF marker ends a line without being
// copied. It returns the bytes copied and whether a line end was taken.
func canon_copy(tty *Tty_struct, buf []byte) (int, bool) {
	l := &tty.Ldisc
	n := 0
	for l.Read_tail != l.Canon_head && n < len(buf) {
		i := l.Read_tail
		c := l.at(i)
		eol := l.flag(i)
		l.Read_tail++
		if eol {
			l.set_flag(i, false)
			if c == X__DISABLED_CHAR {
				return n, true
			}
			buf[n] = c
			return n + 1, true
		}
		buf[n] = c
		n++
	}
	return n, false
}

// n_tty_read reads (Linux n_tty_read): in canonical mode one line at
// most; otherwise what is there once VMIN bytes are (VTIME, a timeout in
// tenths of seconds, needs timers gokern does not have yet: it counts as
// 0). Blocking waits for input unless O_NONBLOCK; a hung-up line reads 0.
func n_tty_read(tty *Tty_struct, f *fs.File, to *fs.Iov_iter) int64 {
	var kbuf [256]byte
	var done int64
	for {
		if to.Count() == 0 {
			break
		}
		flags := local_irq_save()
		avail := input_available(tty)
		if !avail && !tty.lflag(uapi.ICANON) && done > 0 {
			// Raw mode: what arrived after VMIN bytes is a bonus.
			avail = tty.Ldisc.read_cnt() > 0
		}
		if !avail {
			local_irq_restore(flags)
			if done > 0 || tty.Hungup {
				break
			}
			if !tty.lflag(uapi.ICANON) && tty.cc(uapi.VMIN) == 0 {
				break // VMIN 0: never wait
			}
			if f.F_flags&uapi.O_NONBLOCK != 0 {
				return -fs.EAGAIN
			}
			if err := sched.Wait_event_interruptible(&tty.Read_wait, func() bool {
				fl := local_irq_save()
				ok := input_available(tty) || tty.Hungup
				local_irq_restore(fl)
				return ok
			}); err != 0 {
				return int64(err)
			}
			continue
		}
		chunk := kbuf[:min(len(kbuf), to.Count())]
		var n int
		var eol bool
		if tty.lflag(uapi.ICANON) {
			n, eol = canon_copy(tty, chunk)
		} else {
			l := &tty.Ldisc
			for n < len(chunk) && l.read_cnt() > 0 {
				chunk[n] = l.at(l.Read_tail)
				l.Read_tail++
				n++
			}
		}
		local_irq_restore(flags)
		if c := to.Copy_to_iter(chunk[:n]); c < n {
			if done+int64(c) == 0 {
				return -fs.EFAULT
			}
			return done + int64(c)
		}
		done += int64(n)
		if tty.lflag(uapi.ICANON) && (eol || n == 0) {
			break // one line per read; an EOF alone reads 0
		}
	}
	return done
}

// n_tty_write writes with output processing (Linux n_tty_write →
// process_output).
func n_tty_write(tty *Tty_struct, from *fs.Iov_iter, nonblock bool) int64 {
	var kbuf [256]byte
	var done int64
	for from.Count() > 0 {
		// Stopped by ^S: wait for ^Q (Linux: the driver stops
		// transmitting; writers wait for room). Without a scheduler
		// nobody could type ^Q while we wait: write anyway.
		if tty.Stopped && sched.Can_sleep() {
			if nonblock {
				if done == 0 {
					return -fs.EAGAIN
				}
				break
			}
			if err := sched.Wait_event_interruptible(&tty.Write_wait, func() bool { return !tty.Stopped || tty.Hungup }); err != 0 {
				if done == 0 {
					return int64(err)
				}
				break
			}
		}
		n := from.Copy_from_iter(kbuf[:min(len(kbuf), from.Count())])
		if n == 0 {
			if done == 0 {
				return -fs.EFAULT
			}
			break
		}
		flags := local_irq_save()
		for _, c := range kbuf[:n] {
			do_output_char(tty, c)
		}
		flush_out(tty)
		local_irq_restore(flags)
		done += int64(n)
	}
	return done
}

// n_tty_set_termios follows a termios change (Linux n_tty_set_termios):
// turning canonical mode on makes pending bytes a line, turning it off
// makes them readable.
func n_tty_set_termios(tty *Tty_struct, old *uapi.Termios) {
	l := &tty.Ldisc
	was, now := old.C_lflag&uapi.ICANON != 0, tty.lflag(uapi.ICANON)
	if was == now {
		return
	}
	if !now || l.read_cnt() == 0 {
		l.Canon_head = l.Read_head
		l.push = false
		if now {
			l.Canon_head = l.Read_tail
		}
		return
	}
	l.set_flag(l.Read_head-1, true)
	l.Canon_head = l.Read_head
	l.push = true
}

// n_tty_flush_input empties the input (Linux n_tty_flush_buffer).
func n_tty_flush_input(tty *Tty_struct) {
	l := &tty.Ldisc
	l.Read_head, l.Read_tail, l.Canon_head = 0, 0, 0
	l.Read_flags = [N_TTY_BUF_SIZE / 64]uint64{}
	l.lnext, l.erasing = false, false
}

// inq is FIONREAD's count (Linux n_tty_ioctl TIOCINQ): in canonical mode
// the bytes of whole lines, without EOF markers.
func inq(tty *Tty_struct) int {
	l := &tty.Ldisc
	if !tty.lflag(uapi.ICANON) {
		return int(l.read_cnt())
	}
	n := 0
	for i := l.Read_tail; i != l.Canon_head; i++ {
		if !(l.flag(i) && l.at(i) == X__DISABLED_CHAR) {
			n++
		}
	}
	return n
}
