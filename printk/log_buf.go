package printk

// __log_buf: every message ever printed, whatever the console level, kept in
// a ring as Linux's kernel/printk/printk.c keeps it (there as records; here,
// for simplicity, as the text lines themselves, each line prefixed with its
// level as "<6>", the format /dev/kmsg and `dmesg -r` show).

// LOG_BUF_LEN is the ring's size (Linux CONFIG_LOG_BUF_SHIFT=16 → 64 KiB).
const LOG_BUF_LEN = 1 << 16

var (
	__log_buf [LOG_BUF_LEN]byte
	log_next  uint64 // total bytes ever stored; the ring holds the last LOG_BUF_LEN
	log_start = true // the next byte stored begins a line
)

func log_put(c byte) {
	__log_buf[log_next%LOG_BUF_LEN] = c
	log_next++
}

func log_store(level int, text []byte) {
	for _, c := range text {
		if log_start {
			log_put('<')
			log_put(byte('0' + level))
			log_put('>')
		}
		log_put(c)
		log_start = c == '\n'
	}
}

// LogRead copies the retained log (oldest first) into dst and returns the
// number of bytes copied; Linux's syslog(SYSLOG_ACTION_READ_ALL).
func LogRead(dst []byte) int {
	first := uint64(0)
	if log_next > LOG_BUF_LEN {
		first = log_next - LOG_BUF_LEN
	}
	n := 0
	for i := first; i < log_next && n < len(dst); i++ {
		dst[n] = __log_buf[i%LOG_BUF_LEN]
		n++
	}
	return n
}

// LogNext is the count of bytes ever stored: a position in the log
// (Linux log_next_seq, which counts records).
func LogNext() uint64 { return log_next }

// LogReadAt copies the log from position from into dst: the bytes
// copied, 0 if from is no longer (or not yet) in the ring. syslog reads
// the newest lines with it.
func LogReadAt(from uint64, dst []byte) int {
	if from >= log_next || log_next-from > LOG_BUF_LEN {
		return 0
	}
	n := 0
	for i := from; i < log_next && n < len(dst); i++ {
		dst[n] = __log_buf[i%LOG_BUF_LEN]
		n++
	}
	return n
}

// LogContains reports whether the retained log holds s (for selftests that
// check a message was logged even when the console level hid it).
func LogContains(s string) bool {
	if len(s) == 0 {
		return true
	}
	first := uint64(0)
	if log_next > LOG_BUF_LEN {
		first = log_next - LOG_BUF_LEN
	}
	for i := first; i+uint64(len(s)) <= log_next; i++ {
		j := 0
		for j < len(s) && __log_buf[(i+uint64(j))%LOG_BUF_LEN] == s[j] {
			j++
		}
		if j == len(s) {
			return true
		}
	}
	return false
}
