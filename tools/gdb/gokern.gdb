# tools/gdb/gokern.gdb — gdb support for gokern. From the repository root:
#
#   ./qemu.sh debug            # QEMU waits at the first instruction
#   gdb -x tools/gdb/gokern.gdb -ex 'gk-connect 127.0.0.1:1234'
#
# or ./qemu.sh debug gdb, which does both. Everything is in gokern.py (gdb's
# Python API, as Linux's scripts/gdb/vmlinux-gdb.py); `gk-help` lists the
# commands, docs/debugging.md is the tutorial.
source tools/gdb/gokern.py
