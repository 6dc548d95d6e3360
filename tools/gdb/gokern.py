# tools/gdb/gokern.py — gdb support for gokern, in gdb's Python API.
#
# The counterpart of Linux's scripts/gdb (vmlinux-gdb.py and the lx-*
# commands), plus what Linux's scripts leave out: the real-mode and 32-bit
# stages. Loaded by tools/gdb/gokern.gdb; run gdb from the repository root:
#
#     ./qemu.sh debug gdb          (or: ./qemu.sh debug, then in another terminal)
#     gdb -x tools/gdb/gokern.gdb -ex 'gk-connect 127.0.0.1:1234'
#
# What it does (docs/debugging.md walks through all of it):
#   - loads build/vmlinux (the Go kernel, with the Linux-name aliases the
#     build adds: `break start_kernel`, `print max_pfn`, `x/s __log_buf`),
#     build/setup.elf where the loader put the setup (QEMU -kernel:
#     0x10000; found again at a real-mode stop, as GRUB linux16 puts it at
#     0x90000) and build/compressed/vmlinux at code32_start;
#   - knows the CPU mode at every stop (QEMU reports 64-bit registers in
#     every mode, so gdb alone cannot tell) and prints it, with the
#     real-mode CS:IP, the linear address, its symbol, and a disassembly in
#     the CPU's own mode;
#   - lets continue/next/stepi go on from a hardware breakpoint hit in real
#     mode, where gdb does not recognise IP as its breakpoint's address;
#   - adds gk-* commands in the style of Linux's lx-*: gk-dmesg, gk-e820,
#     gk-memblock, gk-buddyinfo, gk-page, gk-slabinfo, gk-vmallocinfo, gk-ps,
#     gk-sockets, gk-timers, gk-vmas, gk-pgtable, gk-ptdump, gk-gdt,
#     gk-idt, gk-cr, ... They
#     read the kernel's own variables by their Linux names through DWARF,
#     so a changed struct layout is followed, never a hard-coded offset;
#   - makes `bt` stop at the bottom of the kernel stack, leave out Go's ABI
#     wrappers and result pseudo-arguments, and unwind through an early
#     exception into the interrupted code (as Linux's unwinder does
#     through pt_regs).
#
# Adding a helper for a new subsystem (gk-ps, ...; gk-buddyinfo and gk-page
# are the page allocator's, gk-slabinfo and gk-vmallocinfo slab's and
# vmalloc's): subclass GkCommand, give it a name and
# a docstring (its `help`), fetch the kernel's variables with
# kvar("linux_name", what="the buddy allocator", made_by="mm_init"), which
# turns "not there yet" (wrong CPU mode, not mapped yet, not a symbol of
# this kernel) into one line, and decorate it with @register.

import bisect
import os
import re
import struct

import gdb
import gdb.unwinder

try:
    from gdb.FrameDecorator import FrameDecorator
except ImportError:  # very old gdb
    FrameDecorator = object

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")

# Addresses fixed by the x86-64 layout and QEMU's boot protocol
# implementation (DESIGN.md §3, §6).
START_KERNEL_map = 0xFFFFFFFF80000000  # Linux __START_KERNEL_map: virtual = physical + this
SETUP_BASE = 0x10000  # where QEMU -kernel puts the real-mode setup, and gdb loads setup.elf first
# Where each loader puts the setup (DESIGN.md §6): the setup runs wherever it
# is, and gokern.py finds it again at a real-mode stop (locate_setup).
SETUP_BASES = ((0x10000, "QEMU -kernel"), (0x90000, "GRUB linux16"))
CODE32_START_DEFAULT = 0x100000


class GkError(Exception):
    """A one-line explanation for the user (never a traceback)."""


# ---------------------------------------------------------------------------
# ELF files, read directly (symbols and header fields gdb does not expose).


class Elf:
    """The symbols and a few header fields of an ELF32/64 little-endian file."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            data = f.read()
        if data[:4] != b"\x7fELF":
            raise GkError("%s is not an ELF file" % path)
        self.is64 = data[4] == 2
        if self.is64:
            self.entry, _, shoff = struct.unpack_from("<QQQ", data, 0x18)  # e_entry, e_phoff, e_shoff
            shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        else:
            self.entry, _, shoff = struct.unpack_from("<III", data, 0x18)
            shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
        secs = []
        for i in range(shnum):
            o = shoff + i * shentsize
            if self.is64:
                name, typ, flags, addr, off, size, link, info, align, entsize = struct.unpack_from("<IIQQQQIIQQ", data, o)
            else:
                name, typ, flags, addr, off, size, link, info, align, entsize = struct.unpack_from("<IIIIIIIIII", data, o)
            secs.append(dict(name=name, type=typ, flags=flags, addr=addr, off=off, size=size, link=link, entsize=entsize))
        shstr = secs[shstrndx]
        for s in secs:
            s["name"] = _cstr(data, shstr["off"] + s["name"])
        self.sections = secs
        self.data = data
        self.symbols = []  # (name, value, size, type, shndx, bind)
        for s in secs:
            if s["type"] != 2:  # SHT_SYMTAB
                continue
            strs = secs[s["link"]]
            for o in range(s["off"], s["off"] + s["size"], s["entsize"]):
                if self.is64:
                    name, info, other, shndx, value, size = struct.unpack_from("<IBBHQQ", data, o)
                else:
                    name, value, size, info, other, shndx = struct.unpack_from("<IIIBBH", data, o)
                if name == 0 or shndx == 0 or info & 0xF == 4:  # unnamed, undefined, STT_FILE
                    continue
                self.symbols.append((_cstr(data, strs["off"] + name), value, size, info & 0xF, shndx, info >> 4))

    def read_vaddr(self, addr, n):
        """Up to n bytes the file loads at link address addr (a PROGBITS,
        SHF_ALLOC section), or b"" outside them."""
        for s in self.sections:
            if s["type"] == 1 and s["flags"] & 2 and s["addr"] <= addr < s["addr"] + s["size"]:
                o = s["off"] + addr - s["addr"]
                return self.data[o:o + min(n, s["addr"] + s["size"] - addr)]
        return b""


def _cstr(data, off):
    end = data.index(b"\0", off)
    return data[off:end].decode("utf-8", "replace")


class Symbols:
    """Address → name for the three symbol files, in linear addresses (real
    mode and 32-bit) and kernel virtual addresses; Linux names first."""

    def __init__(self):
        self.kernel = Elf(os.path.join(BUILD, "vmlinux"))
        self.setup = Elf(os.path.join(BUILD, "setup.elf"))
        self.boot = Elf(os.path.join(BUILD, "compressed", "vmlinux"))
        self.code32_start = code32_start()
        self.setup_base = SETUP_BASE
        self.linux = {}  # Linux name → (address, size, is_function)
        self.kernel_entries = []
        # Among symbols at one address the first by rank is shown: a Linux
        # name, then a function, then a global label, then a local one.
        for name, value, size, typ, shndx, bind in self.kernel.symbols:
            if shndx >= 0xFF00 or typ not in (1, 2):  # OBJECT, FUNC
                continue
            alias = "." not in name and "/" not in name and ":" not in name
            if alias:
                self.linux[name] = (value, size, typ == 2)
            self.kernel_entries.append((value, 0 if alias else 10, name, size))
        self.index()

    def index(self):
        """The sorted address table, with the setup at setup_base."""
        entries = list(self.kernel_entries)
        for elf, base in ((self.setup, self.setup_base), (self.boot, self.code32_start)):
            for name, value, size, typ, shndx, bind in elf.symbols:
                if shndx >= 0xFF00 or name.startswith(".") or typ not in (0, 1, 2):
                    continue
                rank = (1 if typ == 2 else 2 if bind == 1 else 3) * 10 + len(name) - len(name.lstrip("_"))
                entries.append((value + base, rank, name, size))
        entries.sort()
        self.addrs = [e[0] for e in entries]
        self.entries = entries

    def lookup(self, addr):
        """'name' or 'name+0x12' for addr, or None."""
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0:
            return None
        # Among symbols at the same address, the Linux name sorts first.
        j = i
        while j > 0 and self.addrs[j - 1] == self.addrs[i]:
            j -= 1
        value, _, name, size = self.entries[j]
        off = addr - value
        if size and off >= size:
            return None
        if off > 0x10000:
            return None
        return name if off == 0 else "%s+%#x" % (name, off)

    def kernel_startup_64(self):
        """The kernel's startup_64: the ELF entry point (physical = virtual -
        __START_KERNEL_map until it switches to its own page tables)."""
        return self.kernel.entry

    def setup_symbol(self, name):
        for n, value, size, typ, shndx, bind in self.setup.symbols:
            if n == name:
                return value + self.setup_base
        raise GkError("no symbol %s in build/setup.elf" % name)

    def setup_const(self, name):
        """An absolute symbol of the setup: its assembler constants (.set),
        such as the boot_params layout BP_e820_table."""
        for n, value, size, typ, shndx, bind in self.setup.symbols:
            if n == name and shndx == 0xFFF1:  # SHN_ABS
                return value
        raise GkError("no constant %s in build/setup.elf" % name)

    def boot_symbol(self, name):
        for n, value, size, typ, shndx, bind in self.boot.symbols:
            if n == name:
                return value + self.code32_start
        raise GkError("no symbol %s in build/compressed/vmlinux" % name)


def code32_start():
    """code32_start from build/bzImage's setup header (boot protocol offset
    0x214): where the loader put the protected-mode payload."""
    try:
        with open(os.path.join(BUILD, "bzImage"), "rb") as f:
            hdr = f.read(0x220)
        if hdr[0x202:0x206] == b"HdrS":
            return struct.unpack_from("<I", hdr, 0x214)[0]
    except OSError:
        pass
    return CODE32_START_DEFAULT


_syms = None


def syms():
    global _syms
    if _syms is None:
        _syms = Symbols()
    return _syms


def symbolize(addr):
    s = syms().lookup(addr)
    return " <%s>" % s if s else ""


# ---------------------------------------------------------------------------
# The CPU as QEMU sees it. QEMU's gdb stub reports 64-bit registers in every
# mode; `monitor info registers` shows the segment caches, CR0, EFER and the
# descriptor-table registers, decoded in the current mode (DESIGN.md §6).


def monitor(cmd):
    try:
        return gdb.execute("monitor " + cmd, to_string=True)
    except gdb.error as e:
        if "not being run" in str(e) or "remote target" in str(e) or "monitor" in str(e):
            raise GkError("no running target: gk-connect HOST:PORT first")
        raise


class Cpu:
    """One snapshot of the CPU state."""

    def __init__(self):
        if not gdb.selected_inferior().pid:
            raise GkError("no running target: gk-connect HOST:PORT first")
        text = monitor("info registers")

        def hexval(name):
            m = re.search(r"\b%s=([0-9a-f]+)" % re.escape(name), text)
            if not m:
                raise GkError("cannot read %s from `monitor info registers`" % name)
            return int(m.group(1), 16)

        self.text = text
        self.ip = hexval("RIP") if "RIP=" in text else hexval("EIP")
        self.cr0, self.cr2, self.cr3, self.cr4 = hexval("CR0"), hexval("CR2"), hexval("CR3"), hexval("CR4")
        self.efer = hexval("EFER")
        self.cpl = int(re.search(r"CPL=(\d)", text).group(1))
        self.seg = {}
        for m in re.finditer(r"^(ES|CS|SS|DS|FS|GS|LDT|TR) ?=([0-9a-f]{4}) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)", text, re.M):
            self.seg[m.group(1)] = tuple(int(m.group(i), 16) for i in range(2, 6))  # selector, base, limit, flags
        for t in ("GDT", "IDT"):
            m = re.search(r"^%s=\s+([0-9a-f]+) ([0-9a-f]+)" % t, text, re.M)
            setattr(self, t.lower(), (int(m.group(1), 16), int(m.group(2), 16)))
        self.cs, self.cs_base, _, cs_flags = self.seg["CS"]
        self.ds_base = self.seg["DS"][1]
        self.cs_l = bool(cs_flags & (1 << 21))  # CS.L (SDM Vol. 3A §3.4.5)
        self.cs_d = bool(cs_flags & (1 << 22))  # CS.D
        pe, lma = self.cr0 & 1, self.efer & (1 << 10)
        if not pe:
            self.mode = "real"
        elif lma and self.cs_l:
            self.mode = "long"
        elif lma:
            self.mode = "compat"
        elif self.cs_d:
            self.mode = "protected32"
        else:
            self.mode = "protected16"
        if self.mode == "long":
            self.linear = self.ip
        else:
            self.linear = (self.cs_base + self.ip) & 0xFFFFFFFF
        self.paging = bool(self.cr0 & (1 << 31))

    def mode_name(self):
        return {
            "real": "real mode",
            "protected16": "16-bit protected mode",
            "protected32": "32-bit protected mode",
            "compat": "compatibility mode",
            "long": "64-bit mode",
        }[self.mode]

    def bits(self):
        return {"real": 16, "protected16": 16, "protected32": 32, "compat": 32, "long": 64}[self.mode]

    def describe(self, names=True):
        """The one-line mode report printed at stops (names: with the
        symbol of a real-mode or 32-bit address)."""
        if self.mode == "long":
            where = "RIP %#x" % self.ip
            sym = syms().lookup(self.ip)
            if sym is None and self.ip < START_KERNEL_map and syms().lookup(self.ip + START_KERNEL_map):
                # The kernel's startup_64 runs at its physical address first.
                sym = "%s, the kernel at its physical address: linked at %#x" % (
                    syms().lookup(self.ip + START_KERNEL_map), self.ip + START_KERNEL_map)
            return "64-bit mode %s%s, CR3 %#x" % (where, " <%s>" % sym if sym else "", self.cr3)
        width = 4 if self.bits() == 16 else 8
        cs_ip = "CS:%s %04x:%0*x" % ("IP" if self.bits() == 16 else "EIP", self.cs, width, self.ip)
        extra = ""
        if self.mode in ("protected32", "compat", "protected16"):
            extra = ", paging %s" % ("on" if self.paging else "off")
        return "%s %s (linear %#x)%s%s" % (self.mode_name(), cs_ip, self.linear, symbolize(self.linear) if names else "", extra)


def instructions(cpu, count=3, at=None):
    """count instructions from linear address `at` (the next one), decoded
    by QEMU in the CPU's mode (gdb's x/i decodes every mode as 64-bit
    code): a list of (linear address, length, text with symbols)."""
    out = []
    at = cpu.linear if at is None else at
    for line in monitor("x /%di %#x" % (count, at)).splitlines():
        m = re.match(r"\s*(0x[0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(.*)$", line)
        if not m:
            continue
        addr, insn = int(m.group(1), 16), re.sub(r"\s+", " ", m.group(3).strip())
        t = re.search(r"^(j\w+|call\w*|loop\w*|jcxz|jecxz)\s+(0x[0-9a-f]+)$", insn)
        if t:
            target = int(t.group(2), 16)
            if cpu.bits() == 16:
                # QEMU prints a 16-bit target wrapped to 64 KiB: put it back
                # next to the current linear address.
                base = addr & ~0xFFFF
                target = min((base + target + k * 0x10000 for k in (-1, 0, 1)), key=lambda x: abs(x - addr))
            insn += symbolize(target)
        out.append((addr, len(m.group(2).split()), insn))
    return out


def disassemble(cpu, count=3, names=True):
    return ["%s %#x%s:\t%s" % ("=>" if n == 0 else "  ", addr, symbolize(addr) if names else "", insn)
            for n, (addr, _, insn) in enumerate(instructions(cpu, count))]


# ---------------------------------------------------------------------------
# Where the real-mode setup is. QEMU -kernel puts it at 0x10000 and GRUB
# linux16 at 0x90000 (DESIGN.md §6); another loader may choose otherwise, and
# the setup runs wherever it was put (its code is relative to CS). So at a
# real-mode stop the setup is looked for where CS or DS say it is, and when
# it is found elsewhere than gdb has it, setup.elf is loaded again there.


def locate_setup(cpu):
    """The linear address of the setup's first byte if the CPU is in it, by
    CS (0x1020 at _start, 0x1000 after start_of_setup under QEMU) or DS, and
    found there: the boot protocol's "HdrS" at 0x202 and start_of_setup's
    bytes as build/setup.elf has them. None otherwise (the BIOS, the loader)."""
    if cpu.mode != "real":
        return None
    s = syms()
    sos = s.setup_symbol("start_of_setup") - s.setup_base
    want = s.setup.read_vaddr(sos, 16)
    for base in (cpu.cs_base, cpu.cs_base - 0x200, cpu.ds_base):
        if base < 0 or base & 0xF or base + sos + 16 > 0x100000:
            continue
        try:
            if read(base + 0x202, 4) == b"HdrS" and read(base + sos, 16) == want:
                return base
        except GkError:
            continue
    return None


def relocate_setup(base):
    """Load build/setup.elf at base instead: line tables, `break main`,
    $setup(), the stop report and gk-e820 follow."""
    s = syms()
    old = s.setup_base
    path = os.path.join(BUILD, "setup.elf")
    gdb.execute("remove-symbol-file -a %#x" % s.setup_symbol("_start"), to_string=True)
    gdb.execute("add-symbol-file %s -o %#x" % (path, base), to_string=True)
    s.setup_base = base
    s.index()
    who = dict(SETUP_BASES).get(base, "the loader")
    gdb.write("gokern: the real-mode setup runs at %#x (%s), not at %#x: build/setup.elf now loaded there\n" % (base, who, old))


def foreign_code(linear):
    """At a stop that names a boot-stage symbol: "build/compressed/vmlinux"
    if the bytes in memory are not that file's (a loader's own code runs at
    code32_start before it puts the payload there: GRUB's relocator). Only
    the boot stage is compared: the setup is found by its bytes already
    (locate_setup), and protected_mode_jump rewrites its own far jump."""
    s = syms()
    if linear < s.code32_start:
        return None
    want = s.boot.read_vaddr(linear - s.code32_start, 8)
    if not want:
        return None
    try:
        if read(linear, len(want)) == want:
            return None
    except GkError:
        return None
    return "build/compressed/vmlinux"


def source_line(addr):
    """'boot/main.S:45: calll console_init' for a linear address with line
    information (the setup and the boot stage are built with as -g)."""
    sal = gdb.find_pc_line(addr)
    if sal.symtab is None or sal.line == 0:
        return None
    text = ""
    try:
        with open(sal.symtab.fullname()) as f:
            for i, l in enumerate(f, 1):
                if i == sal.line:
                    text = l.strip()
                    break
    except OSError:
        pass
    name = sal.symtab.filename
    if os.path.isabs(name) and name.startswith(ROOT + os.sep):
        name = name[len(ROOT) + 1:]
    return "%s:%d: %s" % (name, sal.line, text)


# ---------------------------------------------------------------------------
# Stops, and going on from a breakpoint gdb does not recognise.
#
# QEMU checks breakpoints against the linear address (CS base + IP). In real
# mode gdb's $pc is IP, so after a hit gdb sees no breakpoint at $pc, does
# not step over it, and `continue` stops on it again at once. Before every
# resume (hook-continue, hook-stepi, ...) the breakpoint at the linear
# address is lifted for one instruction.


class _State:
    last_mode = None
    at_linear = []  # breakpoint locations at the stop's linear address, not at $pc
    mismatch = None  # the last stop's Cpu when gdb's $pc is not the linear address
    lifted = []  # locations disabled for a resume, enabled again at the next stop
    internal = False  # our own single step is running
    report = True


state = _State()
_internal_bps = []  # gk-next's own breakpoints (gdb.breakpoints() omits internal ones)
# gk-break-setup's breakpoint at _start has a twin where each other loader
# puts the setup: internal breakpoints that stand for the user's one (its
# number, its enabled state), deleted with it.
_twins = {}  # user breakpoint number → [internal breakpoints]


def _owner(b):
    """The user breakpoint a twin stands for, or b itself."""
    for number, twins in _twins.items():
        if b in twins:
            for u in gdb.breakpoints():
                if u.number == number:
                    return u
    return b


def _twin_sync(b):
    for t in _twins.get(b.number, []):
        if t.is_valid():
            t.enabled = b.enabled


def _twin_delete(b):
    for t in _twins.pop(b.number, []):
        if t.is_valid():
            t.delete()


class StopReport(gdb.Parameter):
    """Print the CPU mode at stops (real-mode CS:IP, linear address, symbol, and
    a disassembly in the CPU's mode). On by default."""

    set_doc = "Set whether gokern prints the CPU mode at stops."
    show_doc = "Show whether gokern prints the CPU mode at stops."

    def __init__(self):
        super().__init__("gk-stop-report", gdb.COMMAND_RUNNING, gdb.PARAM_BOOLEAN)
        self.value = True

    def get_set_string(self):
        state.report = self.value
        return ""

    def get_show_string(self, svalue):
        return "gokern prints the CPU mode at stops: %s" % svalue


def _locations_at(addr):
    found = []
    twins = [t for ts in _twins.values() for t in ts if t.is_valid()]
    for b in list(gdb.breakpoints()) + [b for b in _internal_bps + twins if b.is_valid()]:
        if not b.is_valid() or not b.enabled or b.type not in (gdb.BP_BREAKPOINT, gdb.BP_HARDWARE_BREAKPOINT):
            continue
        for loc in b.locations:
            if loc.enabled and loc.address == addr:
                found.append((b, loc))
    return found


def on_stop(event):
    try:
        _on_stop(event)
    except Exception as e:  # a bug here must not become a traceback at every stop
        gdb.write("gokern: stop report failed: %s: %s\n" % (type(e).__name__, e))


def _on_stop(event):
    if state.internal:
        return
    for loc in state.lifted:
        try:
            loc.enabled = True
        except (gdb.error, RuntimeError):
            pass  # deleted meanwhile
    state.lifted = []
    state.at_linear = []
    state.mismatch = None
    try:
        cpu = Cpu()
        pc = int(gdb.selected_frame().pc())
    except (GkError, gdb.error):
        return
    base = locate_setup(cpu)
    if base is not None and base != syms().setup_base:
        relocate_setup(base)
    hits = []
    if cpu.linear != pc:
        state.mismatch = cpu
        hits = _locations_at(cpu.linear)
        state.at_linear = hits
    report = (
        cpu.mode != "long"
        or cpu.mode != state.last_mode
        or isinstance(event, (gdb.BreakpointEvent, gdb.SignalEvent))
        or syms().lookup(pc) is None
    )
    state.last_mode = cpu.mode
    if not (report and state.report):
        return
    foreign = foreign_code(cpu.linear) if cpu.mode != "long" and syms().lookup(cpu.linear) else None
    line = cpu.describe(names=not foreign)
    user = sorted({str(_owner(b).number) for b, _ in hits if _owner(b).number > 0})
    if user:
        line += ", breakpoint %s" % ", ".join(user)
    gdb.write(line + "\n")
    if foreign:
        gdb.write("gokern: not gokern's code yet: the bytes here are not %s's (the loader runs its own code here before it loads the kernel)\n" % foreign)
    if cpu.mode != "long":
        try:
            src = source_line(cpu.linear) if cpu.linear != pc and not foreign else None
            if src:
                gdb.write(src + "\n")
            for l in disassemble(cpu, names=not foreign):
                gdb.write(l + "\n")
        except (GkError, gdb.error):
            pass


def before_resume(command):
    """Run before continue/next/step/stepi/... (hooks defined below)."""
    if state.internal:
        return
    cpu = state.mismatch
    if cpu is not None and command in ("next", "step", "nexti", "finish", "until", "advance"):
        # gdb looks $pc (IP here) up in line tables of linear addresses, and
        # decodes the instruction at IP for nexti: neither can work while
        # the two differ.
        raise gdb.GdbError(
            "gokern: `%s` cannot work in %s: gdb sees IP %#x, but code and line tables are at linear addresses (%#x here); "
            "use gk-next (an instruction, over calls) or stepi" % (command, cpu.mode_name(), cpu.ip, cpu.linear))
    if command == "finish" and state.last_mode not in (None, "long"):
        raise gdb.GdbError(
            "gokern: `finish` cannot work outside 64-bit mode: gdb unwinds 64-bit frames only; break after the call instead")
    if not state.at_linear:
        return
    locs = [loc for b, loc in state.at_linear if b.is_valid()]
    state.at_linear = []
    for loc in locs:
        loc.enabled = False
    if command in ("stepi", "nexti"):
        # The user's own single step goes over it; on_stop re-enables it.
        state.lifted = locs
        return
    state.internal = True
    try:
        gdb.execute("set suppress-cli-notifications on")
        gdb.execute("stepi", to_string=True)
    finally:
        gdb.execute("set suppress-cli-notifications off")
        state.internal = False
        for loc in locs:
            try:
                loc.enabled = True
            except (gdb.error, RuntimeError):
                pass


_HOOKED = ("continue", "next", "step", "stepi", "nexti", "finish", "until", "advance")


class GkResumeHook(gdb.Command):
    """Internal: run by hook-continue, hook-stepi, ... before gdb resumes the CPU.
Usage: gk-resume-hook COMMAND
Steps over a breakpoint hit that gdb did not recognise (real mode: $pc is IP,
the breakpoint is at the linear address), or refuses line stepping where gdb
cannot do it."""

    def __init__(self):
        super().__init__("gk-resume-hook", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        try:
            before_resume(arg.strip())
        except gdb.GdbError:
            raise
        except Exception as e:
            raise gdb.GdbError("gokern: %s" % e)


def install_hooks():
    GkResumeHook()
    for c in _HOOKED:
        gdb.execute("define hook-%s\ngk-resume-hook %s\nend" % (c, c))


# ---------------------------------------------------------------------------
# Memory and kernel variables.


def read(addr, size):
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, size))
    except gdb.MemoryError:
        raise GkError("cannot read %d bytes at %#x (not mapped in the current address space)" % (size, addr))


def read_phys(addr, size):
    """Physical memory, whatever CR3 maps: QEMU's gdb stub switches its
    memory accesses to physical with the Qqemu.PhyMemMode packet."""
    out = gdb.execute("maint packet Qqemu.PhyMemMode:1", to_string=True)
    if '"OK"' not in out:
        raise GkError("this QEMU cannot read physical memory over gdb (Qqemu.PhyMemMode)")
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, size))
    except gdb.MemoryError:
        raise GkError("cannot read physical memory at %#x (beyond RAM?)" % addr)
    finally:
        gdb.execute("maint packet Qqemu.PhyMemMode:0", to_string=True)


def u64(b, off=0):
    return struct.unpack_from("<Q", b, off)[0]


def kvar(name, what=None, made_by=None):
    """The kernel variable whose Linux name is `name`, as a gdb.Value read
    through its DWARF type. Raises GkError with one line when it cannot be
    there yet: the CPU is not running the kernel, the kernel's mapping is
    not loaded yet, or this kernel has no such variable."""
    what = what or name
    sym = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    if sym is None:
        sym = _go_symbol(name)
    if sym is None:
        raise GkError("%s: this kernel has no variable %s (not built yet?)" % (what, name))
    cpu = Cpu()
    if cpu.mode != "long":
        raise GkError(
            "%s is not there yet: the CPU is in %s (CS:IP %04x:%04x); the Go kernel starts in 64-bit mode at startup_64%s"
            % (what, cpu.mode_name(), cpu.cs, cpu.ip, (", and %s fills it" % made_by) if made_by else "")
        )
    value = sym.value()
    try:
        read(int(value.address), 1)
    except GkError:
        raise GkError(
            "%s is not there yet: the kernel's addresses are not mapped (RIP %#x: startup_64 still runs at its physical address)"
            % (what, cpu.ip)
        )
    return value


def per_cpu_u64(var, cpu, what=None):
    """cpu's copy of the per-CPU uint64 var (an asm.Ptr[uint64]: an offset
    into each CPU's area at __per_cpu_offset[cpu]; arch/amd64/asm/percpu_defs.go)."""
    off = int(field(kvar(var, what), "off", var))
    base = int(kvar("X__per_cpu_offset", "__per_cpu_offset", "setup_per_cpu_areas")[cpu])
    if base == 0:
        raise GkError("%s: CPU %d has no per-CPU area" % (what or var, cpu))
    return u64(read(base + off, 8))


def _go_symbol(name):
    """A kernel variable without an alias (a single-word name), found by
    searching the symbol table for a package-qualified Go name."""
    for n, value, size, typ, shndx, bind in syms().kernel.symbols:
        if typ == 1 and (n.startswith("gokern/") or n.startswith("main.")):
            short = n[n.rfind("/") + 1:].split(".", 1)[-1]
            if short.lower() == name.lower():
                s = gdb.lookup_global_symbol(n) or gdb.lookup_static_symbol(n)
                if s is not None:
                    return s
    return None


def field(value, name, what):
    try:
        return value[name]
    except gdb.error:
        raise GkError("%s has no field %s: the kernel's type changed; update tools/gdb/gokern.py" % (what, name))


def go_string(v):
    """A Go string value (DWARF: {str, len}) as text."""
    n = int(v["len"])
    return read(int(v["str"]), n).decode("utf-8", "replace") if n else ""


def slice_elems(s, n=None):
    """The first n elements of a Go slice value (DWARF: {array, len, cap})."""
    length = int(s["len"])
    n = length if n is None else min(n, length)
    arr = s["array"]
    return [arr[i] for i in range(n)]


# ---------------------------------------------------------------------------
# Commands. Each is a gdb command with help text; errors become one line.

COMMANDS = []


def register(cls):
    COMMANDS.append(cls)
    return cls


class GkCommand(gdb.Command):
    """Base of the gk-* commands: `name` and a docstring; run(arg)."""

    name = None
    completer = gdb.COMPLETE_NONE

    def __init__(self):
        super().__init__(self.name, gdb.COMMAND_USER, self.completer)

    def invoke(self, arg, from_tty):
        try:
            self.run(arg.strip(), from_tty)
        except GkError as e:
            raise gdb.GdbError("%s: %s" % (self.name, e))
        except gdb.GdbError:
            raise
        except gdb.error as e:
            raise gdb.GdbError("%s: %s" % (self.name, e))
        except Exception as e:  # a bug here: still one line
            raise gdb.GdbError("%s: internal error %s: %s (please report)" % (self.name, type(e).__name__, e))

    def run(self, arg, from_tty):
        raise NotImplementedError


def parse_addr(arg, cmd):
    """An address from an expression: a number, $pc, a variable (its
    address), a function name (its entry)."""
    if not arg:
        raise GkError("usage: %s ADDRESS" % cmd)
    try:
        return int(arg, 0) & 0xFFFFFFFFFFFFFFFF
    except ValueError:
        pass
    m = re.fullmatch(r"\$cr([0234])", arg)
    if m:
        # The CPU's own, whatever frame is selected (gdb does not unwind
        # control registers into outer frames).
        return getattr(Cpu(), "cr" + m.group(1))
    try:
        v = gdb.parse_and_eval(arg)
        if v.type.strip_typedefs().code in (gdb.TYPE_CODE_FUNC, gdb.TYPE_CODE_ARRAY, gdb.TYPE_CODE_STRUCT) and v.address is not None:
            v = v.address
        return int(v) & 0xFFFFFFFFFFFFFFFF
    except gdb.error as e:
        raise GkError("cannot evaluate %r: %s" % (arg, e))


@register
class GkConnect(GkCommand):
    """Attach to QEMU's gdb stub.
Usage: gk-connect [HOST:]PORT   (default localhost:1234; ./qemu.sh debug prints the port)
QEMU -S waits at the reset vector: real mode, CS:IP f000:fff0, linear 0xfffffff0."""

    name = "gk-connect"

    def run(self, arg, from_tty):
        target = arg or "localhost:1234"
        if ":" not in target:
            target = "localhost:" + target
        gdb.execute("target remote " + target)  # the stop it reports prints the mode


@register
class GkMode(GkCommand):
    """Print the CPU mode, where it is, and the next instructions decoded in that mode.
Usage: gk-mode [COUNT]
The mode comes from CR0.PE, EFER.LMA and the CS descriptor's L and D bits (QEMU
reports 64-bit registers in every mode, so gdb cannot tell). Prints CS:IP, the
linear address and its symbol, and COUNT (3) instructions decoded by QEMU in the
CPU's mode (gdb's x/i decodes everything as 64-bit code). gokern prints the
same line at every stop (set gk-stop-report off to silence it)."""

    name = "gk-mode"

    def run(self, arg, from_tty):
        cpu = Cpu()
        gdb.write(cpu.describe() + "\n")
        for l in disassemble(cpu, int(arg or 3)):
            gdb.write(l + "\n")


@register
class GkLinear(GkCommand):
    """Print the linear address of the next instruction: CS base + IP.
Usage: gk-linear
In real mode the CS base is CS*16, except right after reset (0xffff0000)."""

    name = "gk-linear"

    def run(self, arg, from_tty):
        cpu = Cpu()
        gdb.write("CS:IP %04x:%04x = linear %#x%s\n" % (cpu.cs, cpu.ip, cpu.linear, symbolize(cpu.linear)))


@register
class GkRegs(GkCommand):
    """Print QEMU's view of the CPU (monitor info registers).
Usage: gk-regs
Segment registers with their cached base, limit and flags, CR0..CR4, EFER, GDTR
and IDTR, decoded in the current mode."""

    name = "gk-regs"

    def run(self, arg, from_tty):
        gdb.write(monitor("info registers"))


def hbreak(addr):
    gdb.Breakpoint("*%#x" % addr, type=gdb.BP_HARDWARE_BREAKPOINT)


@register
class GkBreakSetup(GkCommand):
    """Hardware breakpoint at _start of the real-mode setup (boot/header.S).
Usage: gk-break-setup
Linear 0x10200 under QEMU -kernel (CS=0x1020, IP=0), and, as the same
breakpoint, 0x90200 under GRUB linux16 (CS=0x9020): the setup runs where the
loader put it, and the stop there loads its symbols there."""

    name = "gk-break-setup"

    def run(self, arg, from_tty):
        s = syms()
        off = s.setup_symbol("_start") - s.setup_base
        b = gdb.Breakpoint("*%#x" % (s.setup_base + off), type=gdb.BP_HARDWARE_BREAKPOINT)
        for base, who in SETUP_BASES:
            if base != s.setup_base:
                t = gdb.Breakpoint("*%#x" % (base + off), type=gdb.BP_HARDWARE_BREAKPOINT, internal=True)
                _twins.setdefault(b.number, []).append(t)
                gdb.write("gokern: breakpoint %d also at %#x, for %s\n" % (b.number, base + off, who))


@register
class GkBreakStartup32(GkCommand):
    """Hardware breakpoint at startup_32 (boot/compressed/head_64.S).
Usage: gk-break-startup_32
At code32_start (0x100000), entered in 32-bit protected mode, paging off."""

    name = "gk-break-startup_32"

    def run(self, arg, from_tty):
        hbreak(syms().boot_symbol("startup_32"))


@register
class GkBreakStartup64(GkCommand):
    """Hardware breakpoint at the kernel's startup_64 (arch/amd64/head_64.s), where it first runs.
Usage: gk-break-startup_64
That is its physical address (virtual - __START_KERNEL_map): the boot stage
jumps there before the kernel's own page tables exist. `break startup_64` would
also match the boot stage's startup_64 and the kernel's virtual address, which
never executes."""

    name = "gk-break-startup_64"

    def run(self, arg, from_tty):
        hbreak(syms().kernel_startup_64() - START_KERNEL_map)


@register
class GkBreakStartKernel(GkCommand):
    """Hardware breakpoint at start_kernel (kmain.go).
Usage: gk-break-start_kernel"""

    name = "gk-break-start_kernel"

    def run(self, arg, from_tty):
        gdb.Breakpoint("start_kernel", type=gdb.BP_HARDWARE_BREAKPOINT)


@register
class GkStages(GkCommand):
    """Hardware breakpoints at every boot stage: _start, startup_32, startup_64, start_kernel.
Usage: gk-stages
Then `continue` four times stops in real mode, 32-bit protected mode, 64-bit
mode at the kernel's physical address, and in Go; gokern steps over each hit."""

    name = "gk-stages"

    def run(self, arg, from_tty):
        for c in ("gk-break-setup", "gk-break-startup_32", "gk-break-startup_64", "gk-break-start_kernel"):
            gdb.execute(c)


@register
class GkDmesg(GkCommand):
    """Print the kernel log (__log_buf), oldest line first, as dmesg does.
Usage: gk-dmesg [-r]     (-r: keep the <level> prefixes, as dmesg -r)
Linux: scripts/gdb lx-dmesg. The log is printk's ring; it holds the lines the
console level hid too. Before the Go kernel runs there is no log: the real-mode
setup and the boot stage write straight to the serial console."""

    name = "gk-dmesg"

    def run(self, arg, from_tty):
        raw = arg == "-r"
        if arg not in ("", "-r"):
            raise GkError("usage: gk-dmesg [-r]")
        buf = kvar("__log_buf", "the kernel log (__log_buf)", "printk")
        nxt = int(kvar("log_next", "the kernel log (log_next)"))
        size = buf.type.sizeof
        first = max(0, nxt - size)
        base = int(buf.address)
        data = b""
        # The ring, oldest byte first.
        for start in range(first, nxt, 4096):
            n = min(4096, nxt - start)
            off = start % size
            if off + n > size:
                data += read(base + off, size - off) + read(base, n - (size - off))
            else:
                data += read(base + off, n)
        if not data:
            gdb.write("gk-dmesg: the log is empty: the kernel has not printed anything yet\n")
            return
        text = data.decode("utf-8", "replace")
        if first > 0:
            text = text[text.find("\n") + 1:]  # the oldest line was partly overwritten
        if not raw:
            text = re.sub(r"(?m)^<[0-7]>", "", text)
        gdb.write(text if text.endswith("\n") else text + "\n")


@register
class GkInterruptlist(GkCommand):
    """Print the interrupt lines and counts, as /proc/interrupts shows them.
Usage: gk-interruptlist
Linux: scripts/gdb lx-interruptlist. One row per irq_desc that has a handler or
has had interrupts (count, controller, pin-flow, handlers), then the local APIC
timer, spurious and error counts, every vector taken, and jiffies. The kernel
prints the same on its serial line for the SysRq key 't'."""

    name = "gk-interruptlist"

    def run(self, arg, from_tty):
        descs = kvar("irq_desc", "the interrupt descriptors (irq_desc)", "init_IRQ")
        out = ["           CPU0"]
        n = descs.type.strip_typedefs().range()[1] + 1
        for i in range(n):
            d = descs[i]
            if d.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
                if int(d) == 0:
                    continue  # no descriptor yet (allocated as lines are set up)
                d = d.dereference()
            count = int(field(d, "Kstat_irqs", "irq_desc"))
            action = field(d, "Action", "irq_desc")
            if int(action) == 0 and count == 0:
                continue
            data = field(d, "Irq_data", "irq_desc")
            chip = field(data, "Chip", "irq_data")
            chip_name = go_string(chip.dereference()["Name"]) if int(chip) else "None"
            names = []
            a = action
            while int(a):
                names.append(go_string(a.dereference()["Name"]))
                a = a.dereference()["Next"]
            row = "%3d: %10d   %-8s %3d-%-8s %s" % (i, count, chip_name, int(field(data, "Hwirq", "irq_data")),
                                                   go_string(field(d, "Name", "irq_desc")), ", ".join(names) or "-")
            unhandled = int(field(d, "Unhandled", "irq_desc"))
            if unhandled:
                row += "  (%d unhandled)" % unhandled
            out.append(row)
        out.append("LOC: %10d   Local timer interrupts" % per_cpu_u64("Irq_stat_loc", 0, "the local APIC timer's count"))
        out.append("SPU: %10d   Spurious interrupts" % int(kvar("irq_spurious_count", "the spurious interrupt count")))
        vc = kvar("vector_count", "the per-vector counts", "dispatchInterrupt")
        taken = ["0x%02x:%d" % (v, int(vc[v])) for v in range(256) if int(vc[v])]
        out.append("Vectors taken: " + (" ".join(taken) or "none"))
        out.append("jiffies: %d" % int(kvar("jiffies_64", "jiffies", "the tick")))
        gdb.write("\n".join(out) + "\n")


E820_TYPES = {1: "usable", 2: "reserved", 3: "ACPI data", 4: "ACPI NVS", 5: "unusable", 7: "persistent (type 7)", 12: "persistent (type 12)", 0xEFFFFFFF: "soft reserved"}


@register
class GkE820(GkCommand):
    """Print the kernel's e820 table as the kernel prints it.
Usage: gk-e820 [firmware]
e820_table is the map sanitised by e820__memory_setup in setup_arch (seeds/004);
`firmware` prints e820_table_firmware, the map as the BIOS gave it. Before the
kernel runs (real mode, the boot stage) it prints the map detect_memory wrote
into the setup's boot_params (the zeropage)."""

    name = "gk-e820"

    def run(self, arg, from_tty):
        name = {"": "e820_table", "firmware": "e820_table_firmware"}.get(arg)
        if name is None:
            raise GkError("usage: gk-e820 [firmware]")
        cpu = Cpu()
        if arg == "" and (cpu.mode != "long" or cpu.ip < 0xFFFF800000000000):
            return self.zeropage()
        t = kvar(name, "the e820 table (%s)" % name, "e820__memory_setup in setup_arch")
        n = int(field(t, "Nr_entries", name))
        if n == 0:
            raise GkError("%s is empty: e820__memory_setup (in setup_arch) has not filled it yet" % name)
        entries = field(t, "Entries", name)
        for i in range(n):
            e = entries[i]
            self.line(name, int(e["Addr"]), int(e["Size"]), int(e["Type"]))

    def line(self, name, addr, size, typ):
        gdb.write("%s: [mem %#018x-%#018x] %s\n" % (name, addr, addr + size - 1, E820_TYPES.get(typ, "type %d" % typ)))

    def zeropage(self):
        """Before the kernel: the map detect_memory wrote into the setup's
        boot_params, read with the setup's own layout constants."""
        s = syms()
        bp = s.setup_symbol("boot_params")
        n = read(bp + s.setup_const("BP_e820_entries"), 1)[0]
        if n == 0:
            raise GkError("boot_params.e820_entries is 0: detect_memory (in the real-mode main) has not run yet")
        size = s.setup_const("E820_ENTRY_SIZE")
        table = read(bp + s.setup_const("BP_e820_table"), n * size)
        a, z, t = s.setup_const("E820_addr"), s.setup_const("E820_size"), s.setup_const("E820_type")
        for i in range(n):
            e = table[i * size:(i + 1) * size]
            self.line("boot_params.e820_table", u64(e, a), u64(e, z), struct.unpack_from("<I", e, t)[0])


@register
class GkMemblock(GkCommand):
    """Print memblock's memory and reserved regions, as Linux's memblock_dump_all.
Usage: gk-memblock
(memblock=debug at boot prints the same from the kernel.)"""

    name = "gk-memblock"

    def run(self, arg, from_tty):
        mb = kvar("memblock", "memblock", "e820__memblock_setup in setup_arch")
        out = ["MEMBLOCK configuration:"]
        types = []
        for t in ("Memory", "Reserved"):
            types.append((t.lower(), field(mb, t, "memblock")))
        out.append(" memory size = %#x reserved size = %#x" % tuple(int(field(v, "Total_size", "memblock_type")) for _, v in types))
        for name, v in types:
            cnt = int(field(v, "Cnt", "memblock_type"))
            regions = slice_elems(field(v, "Regions", "memblock_type"), cnt)
            if cnt == 1 and int(regions[0]["Size"]) == 0:
                out.append(" %s.cnt  = 0x0 (empty)" % name)
                continue
            out.append(" %s.cnt  = %#x" % (name, cnt))
            for i, r in enumerate(regions):
                base, size = int(r["Base"]), int(r["Size"])
                out.append(" %s[%#x]\t[%#018x-%#018x], %#018x bytes flags: %#x" % (name, i, base, base + size - 1, size, int(r["Flags"])))
        gdb.write("\n".join(out) + "\n")


# ---------------------------------------------------------------------------
# The page allocator (mm/): zones, free areas, struct page. Field names and
# sizes come from DWARF (mm.Zone, mm.Page); the flag bits and the top-bit
# layout of page->flags are mm/page.go's (PG_*, NODES/ZONES/ORDER_PGSHIFT),
# as Linux's page-flags.h is for its lx-* helpers.

PG_BITS = ((0, "locked"), (3, "dirty"), (4, "lru"), (9, "slab"), (12, "reserved"), (16, "head"), (19, "buddy"))
PG_RESERVED, PG_BUDDY = 12, 19
ZONES_PGSHIFT, ORDER_PGSHIFT = 56, 48
MAX_ORDER = 11
MAX_ORDER_NR_PAGES = 1 << (MAX_ORDER - 1)
MEMMAP_STATES = ("hole: no RAM, no struct page", "uninitialised (before mem_init)",
                 "deferred: in a free MAX_ORDER block whose struct pages are not initialised yet", "initialised")


def mm_node():
    """Node 0 (contig_page_data), once mem_init has run; else one line."""
    if not int(kvar("after_bootmem", "the buddy allocator", "mem_init in mm_init")):
        raise GkError("the buddy allocator is not initialised yet: mem_init (in start_kernel's mm_init) has not run")
    return kvar("contig_page_data", "node 0")


def mm_zones(node):
    zones = field(node, "Node_zones", "pg_data_t")
    n = zones.type.range()[1] + 1
    return [zones[i] for i in range(n)]


class CoreMap:
    """mem_map: a Go slice of struct page, and its per-block states."""

    def __init__(self):
        mm = kvar("mem_map", "the core map", "free_area_init")
        self.base = int(mm["array"])
        self.n = int(mm["len"])
        self.page_type = mm["array"].type.target()
        self.size = self.page_type.sizeof
        lru = [f for f in self.page_type.fields() if f.name == "Lru"]
        if not lru:
            raise GkError("struct page has no field Lru: the kernel's type changed; update tools/gdb/gokern.py")
        self.lru_off = lru[0].bitpos // 8
        st = kvar("memmapState", "the core map's block states", "free_area_init")
        self.states = read(int(st["array"]), int(st["len"])) if int(st["len"]) else b""

    def state(self, pfn):
        b = pfn // MAX_ORDER_NR_PAGES
        return self.states[b] if pfn < self.n and b < len(self.states) else 0

    def page(self, pfn):
        return gdb.Value(self.base + pfn * self.size).cast(self.page_type.pointer()).dereference()

    def pfn(self, addr):
        return (addr - self.base) // self.size


def page_flags_text(flags):
    names = [n for bit, n in PG_BITS if flags & (1 << bit)]
    names.append("zone=%d" % ((flags >> ZONES_PGSHIFT) & 3))
    return "|".join(names)


@register
class GkBuddyinfo(GkCommand):
    """Print /proc/buddyinfo: the free blocks of each order in each zone.
Usage: gk-buddyinfo [ORDER]
With ORDER, list that order's free blocks, zone by zone, from the free lists
(Linux mm/vmstat.c frag_show). Break in __free_one_page and run it after each
`finish` to watch a freed block merge up the orders."""

    name = "gk-buddyinfo"

    def run(self, arg, from_tty):
        node = mm_node()
        order = None
        if arg:
            try:
                order = int(arg, 0)
            except ValueError:
                order = -1
            if not 0 <= order < MAX_ORDER:
                raise GkError("usage: gk-buddyinfo [ORDER], ORDER 0..%d" % (MAX_ORDER - 1))
        out = []
        core = CoreMap() if order is not None else None
        for z in mm_zones(node):
            if int(field(z, "Present_pages", "struct zone")) == 0:
                continue
            name = go_string(field(z, "Name", "struct zone"))
            areas = field(z, "Free_area", "struct zone")
            if order is None:
                counts = "".join("%6d " % int(areas[o]["Nr_free"]) for o in range(MAX_ORDER))
                out.append("Node %d, zone %8s %s" % (int(node["Node_id"]), name, counts))
                continue
            area = areas[order]
            head = int(area["Free_list"].address)
            e = area["Free_list"]["Next"]
            pfns = []
            while int(e) != head and len(pfns) < 4096:
                pfns.append(core.pfn(int(e) - core.lru_off))  # list_entry(e, struct page, lru)
                e = e.dereference()["Next"]
            deferred = int(field(z, "Nr_deferred", "struct zone")) if order == MAX_ORDER - 1 else 0
            out.append("zone %s order %d: %d free blocks%s" % (name, order, int(area["Nr_free"]),
                                                              (" (%d of them deferred, not on the list)" % deferred) if deferred else ""))
            for pfn in pfns:
                out.append("  pfn %#x-%#x  [mem %#018x-%#018x]" % (pfn, pfn + (1 << order) - 1, pfn << 12, ((pfn + (1 << order)) << 12) - 1))
        gdb.write("\n".join(out) + "\n")


@register
class GkPage(GkCommand):
    """Print the struct page of a page frame, decoded.
Usage: gk-page PFN
Flags, zone, reference count, the order of a free block (buddy) or of an
allocated one, the lru links, and whether the frame is free, allocated or
reserved (Linux's dump_page)."""

    name = "gk-page"

    def run(self, arg, from_tty):
        mm_node()
        if not arg:
            raise GkError("usage: gk-page PFN")
        pfn = int(gdb.parse_and_eval(arg))
        core = CoreMap()
        if pfn >= core.n:
            raise GkError("pfn %#x is beyond the core map (%#x frames)" % (pfn, core.n))
        st = core.state(pfn)
        if st != 3:
            gdb.write("pfn %#x: %s\n" % (pfn, MEMMAP_STATES[st]))
            return
        p = core.page(pfn)
        flags = int(field(p, "Flags", "struct page")) & ((1 << 64) - 1)
        ref = int(field(p, "Refcount", "struct page"))
        priv = int(field(p, "Private", "struct page"))
        lru = field(p, "Lru", "struct page")
        alloc = (flags >> ORDER_PGSHIFT) & 0xF
        if flags & (1 << PG_BUDDY):
            what = "free: heads a free block of order %d" % priv
        elif flags & (1 << PG_RESERVED):
            what = "reserved"
        elif alloc:
            what = "allocated: heads a block of order %d" % (alloc - 1)
        else:
            what = "allocated" if ref else "in no block: a tail page of none?"
            for o in range(1, MAX_ORDER):  # is_free_buddy_page, and its allocated twin
                h = pfn & ~((1 << o) - 1)
                if core.state(h) != 3:
                    break
                hf = int(field(core.page(h), "Flags", "struct page")) & ((1 << 64) - 1)
                ho = int(field(core.page(h), "Private", "struct page"))
                if hf & (1 << PG_BUDDY) and ho >= o:
                    what = "free: inside the order-%d free block at pfn %#x" % (ho, h)
                    break
                if (hf >> ORDER_PGSHIFT) & 0xF > o:
                    what = "allocated: inside the order-%d block at pfn %#x" % (((hf >> ORDER_PGSHIFT) & 0xF) - 1, h)
                    break
        gdb.write("page %#x pfn %#x [mem %#018x-%#018x]: %s\n" % (core.base + pfn * core.size, pfn, pfn << 12, ((pfn + 1) << 12) - 1, what))
        gdb.write("  flags %#x(%s) refcount %d private %d lru {next %#x, prev %#x}\n"
                  % (flags, page_flags_text(flags), ref, priv, int(lru["Next"]), int(lru["Prev"])))


# ---------------------------------------------------------------------------
# The slab allocator and vmalloc (mm/slab.go, slab_common.go, vmalloc.go).
# Field names and types come from DWARF (mm.KmemCache, mm.Slab,
# mm.VmapArea, mm.VmStruct); the slab_state values are mm/slab.go's.

SLAB_UP = 2  # enum slab_state: DOWN, PARTIAL, UP, FULL


def go_type(name, what):
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        raise GkError("this kernel has no type %s (%s): not built yet, or renamed; update tools/gdb/gokern.py" % (name, what))


def cstr(arr):
    """A NUL-terminated byte array value as text."""
    n = arr.type.range()[1] + 1
    b = read(int(arr.address), n)
    return b.split(b"\0", 1)[0].decode("utf-8", "replace")


def list_entries(head, typ, member):
    """The entries of a ListHead list, as values of typ (container_of)."""
    off = [f for f in typ.fields() if f.name == member]
    if not off:
        raise GkError("%s has no field %s: update tools/gdb/gokern.py" % (typ, member))
    off = off[0].bitpos // 8
    out, e, stop = [], head["Next"], int(head.address)
    while int(e) != stop:
        if int(e) == 0 or len(out) > 100000:
            raise GkError("a list at %#x is broken (nil or looping)" % stop)
        out.append(gdb.Value(int(e) - off).cast(typ.pointer()).dereference())
        e = e.dereference()["Next"]
    return out


def chain_entries(p):
    """The (pointer, value) pairs of a chain of structs linked by their
    Next pointers from p to nil, as the socket tables (unix_table,
    inet_table, Nl_table) link theirs; at most 100000, against a loop."""
    out = []
    while int(p) != 0 and len(out) < 100000:
        v = p.dereference()
        out.append((p, v))
        p = v["Next"]
    return out


def slab_caches():
    """The caches on slab_caches, newest first, once kmem_cache_init ran."""
    if int(kvar("slab_state", "the slab allocator", "kmem_cache_init in mm_init")) < SLAB_UP:
        raise GkError("the slab allocator is not initialised yet: kmem_cache_init (in start_kernel's mm_init) has not run")
    return list_entries(kvar("slab_caches", "the list of caches"), go_type("gokern/mm.KmemCache", "struct kmem_cache"), "List")


def symbol_sized(addr):
    """'name+0xoff/0xsize' as the kernel's %pS prints it (kallsyms'
    Sprint_symbol_linux): Linux names first, the size running to the next
    symbol, as Linux's kallsyms sizes a symbol."""
    st = syms()
    i = bisect.bisect_right(st.addrs, addr) - 1
    if i < 0:
        return "%#x" % addr
    j = i
    while j > 0 and st.addrs[j - 1] == st.addrs[i]:
        j -= 1
    value, _, name, size = st.entries[j]
    if size and addr - value >= size:
        return "%#x" % addr
    k = i + 1
    while k < len(st.addrs) and st.addrs[k] == value:
        k += 1
    if k < len(st.addrs):
        size = st.addrs[k] - value
    return "%s+%#x/%#x" % (name, addr - value, size)


@register
class GkSlabinfo(GkCommand):
    """Print /proc/slabinfo (version 2.1): one line per slab cache.
Usage: gk-slabinfo [CACHE]
With a cache name (kmalloc-64, kmem_cache, ...), list its slabs, list by
list (full, partial, free): address, colour offset, objects in use, and the
free list's next objects; then the per-CPU array's objects (Linux's
mm/slab_common.c slab_show; the kernel prints the same with "slabinfo")."""

    name = "gk-slabinfo"

    def run(self, arg, from_tty):
        caches = slab_caches()
        if arg:
            for c in caches:
                if cstr(c["Name"]) == arg:
                    self.show_cache(c)
                    return
            raise GkError("no cache named %s (gk-slabinfo lists them)" % arg)
        out = ["slabinfo - version: 2.1",
               "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> "
               "<batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>"]
        for c in caches:
            n = c["Node"][0]
            num_slabs, free_slabs = int(n["Total_slabs"]), int(n["Free_slabs"])
            num_objs = num_slabs * int(c["Num"])
            out.append("%-17s %6d %6d %6d %4d %4d : tunables %4d %4d %4d : slabdata %6d %6d %6d" % (
                cstr(c["Name"]), num_objs - int(n["Free_objects"]), num_objs, int(c["Size"]), int(c["Num"]),
                1 << int(c["Gfporder"]), int(c["Limit"]), int(c["Batchcount"]), int(c["Shared"]),
                num_slabs - free_slabs, num_slabs, 0))
        gdb.write("\n".join(out) + "\n")

    def show_cache(self, c):
        size, num, pad = int(c["Size"]), int(c["Num"]), int(c["Red_left_pad"])
        out = ["%s: %d-byte objects, %d-byte stride, %d a slab of %d page(s), %d colours of %d bytes, descriptor %s" % (
            cstr(c["Name"]), int(c["Object_size"]), size, num, 1 << int(c["Gfporder"]), int(c["Colour"]),
            int(c["Colour_off"]), "off-slab" if int(c["Flags"]) & 0x80000000 else "on-slab")]
        slab_t = go_type("gokern/mm.Slab", "struct slab")
        n = c["Node"][0]
        for lst in ("Slabs_full", "Slabs_partial", "Slabs_free"):
            slabs = list_entries(n[lst], slab_t, "Slab_list")
            out.append("%s: %d slabs" % (lst.lower(), len(slabs)))
            for sl in slabs:
                active, smem = int(sl["Active"]), int(sl["S_mem"])
                fl = slice_elems(sl["Freelist"])
                free = [int(i) for i in fl[active:num]]
                objs = " ".join("%#x" % (smem + i * size + pad) for i in free[:4])
                out.append("  slab %#x at %#x colour offset %d: %d/%d in use; next free: %s%s" % (
                    int(sl.address), smem - int(sl["Colouroff"]), int(sl["Colouroff"]), active, num,
                    objs or "none", " ..." if len(free) > 4 else ""))
        ac = c["Cpu_cache"].dereference()
        avail = int(ac["Avail"])
        entries = [int(e) for e in slice_elems(ac["Entry"], avail)]
        out.append("per-CPU array: %d of %d objects (batch %d)%s" % (avail, int(ac["Limit"]), int(ac["Batchcount"]),
                                                                    (": " + " ".join("%#x" % e for e in reversed(entries[-4:])) + (" ..." if avail > 4 else "")) if avail else ""))
        gdb.write("\n".join(out) + "\n")


# The scheduler's own functions, which wchan looks past (kernel/sched
# In_sched_functions: the two lists must agree).
SCHED_FUNCTIONS = {
    "gokern/kernel/sched.Schedule", "gokern/kernel/sched.__schedule", "gokern/kernel/sched.context_switch",
    "gokern/kernel/sched.X__switch_to", "gokern/arch/amd64/entry.X__switch_to_asm",
    "gokern/kernel/sched.Schedule_timeout", "gokern/kernel/sched.Schedule_timeout_uninterruptible",
    "gokern/kernel/sched.Wait_for_completion", "gokern/kernel/sched.Wait_event",
    "gokern/kernel/sched.Wait_event_interruptible", "gokern/kernel/sched.Yield",
    "gokern/kernel/sched.preempt_schedule_irq", "gokern/kernel/sched.preempt_schedule",
    "gokern/kernel/sched.Schedule_preempt_disabled", "gokern/kernel/sched.Schedule_idle",
    "gokern/kernel/sched.Irqentry_exit_cond_resched", "gokern/arch/amd64/entry.irqentry_exit_call",
    "gokern/arch/amd64/entry.common_interrupt",
}
TASK_STATES = [(0x20, "Z"), (0x1, "S"), (0x2, "D"), (0x4, "T"), (0x80, "X"), (0x800, "N")]


def task_state_char(t):
    """Linux task_state_to_char, as kernel/sched State_char."""
    if int(t["Exit_state"]) & 0x20:
        return "Z"
    state = int(t["State"])
    if state == 0:
        return "R"
    for bit, c in TASK_STATES[1:]:
        if state & bit:
            return c
    return "?"


def func_name(pc):
    try:
        b = gdb.block_for_pc(pc)
    except RuntimeError:
        return None
    while b is not None and b.function is None:
        b = b.superblock
    return b.function.name if b is not None else None


def task_frames(t):
    """The return addresses on a switched-out task's stack, innermost
    first, by the frame pointers from the BP __switch_to_asm saved; ends at
    the BP of 0 copy_thread put in a new task's first frame."""
    lo = int(t["Stack"])
    hi = lo + int(t["Stack_size"])
    bp = int.from_bytes(read(int(t["Thread"]["Sp"]) + 5 * 8, 8), "little")
    frames = [int.from_bytes(read(int(t["Thread"]["Sp"]) + 6 * 8, 8), "little")]
    while lo <= bp and bp + 16 <= hi and len(frames) < 64:
        frames.append(int.from_bytes(read(bp + 8, 8), "little"))
        bp = int.from_bytes(read(bp, 8), "little")
    return frames


def task_wchan(t):
    """Where a sleeping task waits (kernel/sched Get_wchan): the first
    caller outside the scheduler, by the frame pointers from the BP that
    __switch_to_asm saved."""
    if int(t["On_cpu"]) or int(t["Stack"]) == 0 or int(t["State"]) & 0x800 or int(t["Thread"]["Sp"]) == 0:
        return None
    lo = int(t["Stack"])
    hi = lo + int(t["Stack_size"])
    bp = int.from_bytes(read(int(t["Thread"]["Sp"]) + 5 * 8, 8), "little")
    for _ in range(32):
        if bp < lo or bp + 16 > hi:
            return None
        ret = int.from_bytes(read(bp + 8, 8), "little")
        name = func_name(ret - 1)
        if name not in SCHED_FUNCTIONS:
            return name
        bp = int.from_bytes(read(bp, 8), "little")
    return None


def all_tasks():
    """init_task, then every task on its Tasks list (kernel/sched
    For_each_process)."""
    init = kvar("init_task", "the task list", "sched_init in start_kernel")
    if int(init["Tasks"]["Next"]) == 0:
        raise GkError("the scheduler is not initialised yet: sched_init (in start_kernel, after trap_init) has not run")
    typ = go_type("gokern/kernel/sched.Task_struct", "struct task_struct")
    return [init] + list_entries(init["Tasks"], typ, "Tasks")


@register
class GkPs(GkCommand):
    """List the tasks as ps does: pid, parent, state, name, kernel stack, switches, wchan.
Usage: gk-ps [PID]
One line per task, init_task (pid 0, the idle task) first, in the columns
the kernel prints with "ps" on its command line (kernel/sched Show_state;
Linux's SysRq-T, show_state): the state letter is Linux's (R running or
runnable, S sleeping, D uninterruptible, Z zombie, N new); WCHAN is where
a sleeping task waits, found by walking its frame pointers from the frame
__switch_to_asm saved. The running task is marked with a '>'.
With a pid, the switched-out task's call chain, innermost first: what bt
would show if that task were running (gdb only unwinds the running one)."""

    name = "gk-ps"

    def run(self, arg, from_tty):
        tasks = all_tasks()
        if arg:
            self.show_task(tasks, arg)
            return
        out = ["  PID  PPID S COMM             STACK                                  NVCSW NIVCSW WCHAN"]
        for t in tasks:
            parent = t["Real_parent"]
            ppid = int(parent.dereference()["Pid"]) if int(parent) else 0
            lo = int(t["Stack"])
            end = lo + int(t["Stack_size"]) - 1 if lo else -1
            out.append("%5d %5d %s %-16s %016x-%016x %6d %6d %s%s" % (
                int(t["Pid"]), ppid, task_state_char(t), cstr(t["Comm"]), lo, end & 0xffffffffffffffff,
                int(t["Nvcsw"]), int(t["Nivcsw"]), task_wchan(t) or "-", "  >" if int(t["On_cpu"]) else ""))
        gdb.write("\n".join(out) + "\n")

    def show_task(self, tasks, arg):
        try:
            pid = int(arg, 0)
        except ValueError:
            raise GkError("gk-ps takes a pid, not %r" % arg)
        for t in tasks:
            if int(t["Pid"]) == pid:
                break
        else:
            raise GkError("no task with pid %d (gk-ps lists them)" % pid)
        name = cstr(t["Comm"])
        if int(t["On_cpu"]):
            raise GkError("pid %d (%s) is running on the CPU: bt shows its frames" % (pid, name))
        if int(t["Stack"]) == 0:
            raise GkError("pid %d (%s) has no stack (it died)" % (pid, name))
        out = ["pid %d (%s), state %s, switched out with SP %#x:" % (pid, name, task_state_char(t), int(t["Thread"]["Sp"]))]
        for i, pc in enumerate(task_frames(t)):
            where = func_name(pc - 1) or "??"
            sal = gdb.find_pc_line(pc - 1)
            loc = " (%s:%d)" % (sal.symtab.filename, sal.line) if sal.symtab else ""
            out.append("#%-2d %#018x in %s%s" % (i, pc, where, loc))
        gdb.write("\n".join(out) + "\n")


# The user registers of a task: the pt_regs at the top of its kernel
# stack (kernel/sched Task_pt_regs); the vector slot says what entered the
# kernel last (arch/amd64/entry: SYSCALL64_VECTOR for a system call).
PTREGS_NAMES = ("R15", "R14", "R13", "R12", "BP", "BX", "R11", "R10", "R9", "R8", "AX", "CX", "DX", "SI", "DI",
                "Vector", "Orig_ax", "IP", "CS", "Flags", "SP", "SS")
SYSCALL64_VECTOR = 0x100
SYSCALL_ARGS = ("DI", "SI", "DX", "R10", "R8", "R9")
FUTEX_OPS = {0: "FUTEX_WAIT", 1: "FUTEX_WAKE", 9: "FUTEX_WAIT_BITSET", 10: "FUTEX_WAKE_BITSET"}
NR_FUTEX, NR_EPOLL_WAIT, NR_EPOLL_PWAIT, NR_WAITID = 202, 232, 281, 247
P_PIDFD = 3
# kernel/sched's SIGNAL_* flags of a thread group.
SIGNAL_FLAGS = ((0x1, "STOP_STOPPED"), (0x2, "STOP_CONTINUED"), (0x4, "GROUP_EXIT"), (0x20, "CLD_CONTINUED"), (0x40, "UNKILLABLE"))


def task_user_regs(t):
    sp0 = int(t["Thread"]["Sp0"])
    return dict(zip(PTREGS_NAMES, struct.unpack("<22Q", read(sp0 - 22 * 8, 22 * 8))))


def user_phys(pgd, va):
    """va's physical address in the address space whose top table is at
    physical pgd (an mm's Pgd), or None where nothing is mapped."""
    if not canonical(va):
        return None
    table = pgd & PFN_MASK
    for _, shift, _ in LEVELS:
        e = read_table(table)[(va >> shift) & 511]
        if not e & PAGE_P:
            return None
        if shift == 12 or (shift in (30, 21) and e & PAGE_PS):
            return (e & PFN_MASK & ~((1 << shift) - 1)) | (va & ((1 << shift) - 1))
        table = e & PFN_MASK
    return None


def user_read(pgd, va, size):
    """size bytes of user memory (within one page), or None if unmapped."""
    pa = user_phys(pgd, va)
    return None if pa is None else read_phys(pa, size)


def syscall_name(nr):
    """The handler Sys_call_table has for nr, without its package and sys_."""
    tab = gdb.lookup_global_symbol("gokern/traps.Sys_call_table")
    if tab is None or nr >= 512:
        return "syscall_%d" % nr
    lo, hi = tab.type.strip_typedefs().range()
    if nr > hi:
        return "syscall_%d" % nr
    fv = u64(read(int(tab.value().address) + 8 * nr, 8))
    if fv == 0:
        return "syscall_%d (none)" % nr
    name = func_name(u64(read(fv, 8))) or "syscall_%d" % nr
    name = name[name.rfind(".") + 1:]
    return name[4:] if name.lower().startswith("sys_") else name


def sigset_text(v):
    return "%#x" % v if v else "0"


CLOCK_NAMES = {0: "CLOCK_REALTIME", 1: "CLOCK_MONOTONIC", 2: "CLOCK_PROCESS_CPUTIME_ID", 3: "CLOCK_THREAD_CPUTIME_ID",
               7: "CLOCK_BOOTTIME", 11: "CLOCK_TAI"}
SIGEV_NAMES = {0: "SIGEV_SIGNAL", 1: "SIGEV_NONE", 4: "SIGEV_SIGNAL|SIGEV_THREAD_ID"}


def ns_text(ns):
    return "%d.%09d s" % (ns // 1000000000, ns % 1000000000)


@register
class GkTimers(GkCommand):
    """Each process's timers: ITIMER_REAL, ITIMER_PROF, ITIMER_VIRTUAL and its POSIX timers.
Usage: gk-timers [PID]
For every process (a thread group leader with a user address space; or the
one with PID): ITIMER_REAL's hrtimer (Signal_struct.Real_timer: its
CLOCK_MONOTONIC expiry, the jiffy it is queued for, its period), the CPU
itimers (It[]: expiry and period on the process's CPU clock, with the clock
now), and every timer_create timer (Posix_timers, kernel/signal k_itimer):
id, clock, notification and signal, armed or not, its expiry (the jiffy it
is queued for, or the CPU time), period, and overruns counted and last
delivered. The clock now is given as jiffies and the CLOCK_MONOTONIC time of
the last tick (last_jiffies_update). Read with every CPU stopped, no lock."""

    name = "gk-timers"

    def run(self, arg, from_tty):
        want = None
        if arg:
            try:
                want = int(arg, 0)
            except ValueError:
                raise GkError("gk-timers takes a pid, not %r" % arg)
        jiffies = int(kvar("jiffies_64", "jiffies"))
        last = int(kvar("last_jiffies_update", "last_jiffies_update"))
        out = ["now: jiffies %d, CLOCK_MONOTONIC %s at the last tick" % (jiffies, ns_text(last))]
        found = False
        for t in all_tasks():
            if not int(t["Mm"]) or (want is not None and int(t["Pid"]) != want):
                continue
            ss = t["Task_sigstate"]
            sig = ss["Signal"]
            if not int(sig) or int(sig) != int(ss["Sig_storage"]["Signal"].address):
                continue  # a thread: its process's leader shows the timers
            found = True
            out.extend(self.process(t, sig.dereference()))
        if want is not None and not found:
            raise GkError("no process with pid %d (gk-ps lists them)" % want)
        gdb.write("\n".join(out) + "\n")

    @staticmethod
    def hrtimer_text(h):
        node = h["node"]
        if not int(node["pending"]):
            return None
        return "fires at %s (queued for jiffy %d)" % (ns_text(int(h["Expires"])), int(node["Expires"]))

    def process(self, t, s):
        lines = ["%5d %-16s" % (int(t["Pid"]), cstr(t["Comm"]))]
        real = self.hrtimer_text(s["Real_timer"])
        lines.append("      ITIMER_REAL: %s, period %s" % (real or "off", ns_text(int(s["It_real_incr"]))))
        for i, (name, clock) in enumerate((("ITIMER_PROF", "Cputime_prof"), ("ITIMER_VIRTUAL", "Cputime_virt"))):
            it = s["It"][i]
            exp = int(it["Expires"])
            lines.append("      %s: %s, period %s; the clock now %s" % (
                name, ("fires at CPU time %s" % ns_text(exp)) if exp else "off", ns_text(int(it["Incr"])), ns_text(int(s[clock]))))
        typ = go_type("gokern/kernel/signal.k_itimer", "POSIX timers").pointer()
        timr = s["Posix_timers"].cast(typ)
        n = 0
        while int(timr) and n < 1000:
            k = timr.dereference()
            clock = int(k["it_clock"])
            notify = int(k["it_sigev_notify"])
            what = SIGEV_NAMES.get(notify, "notify %d" % notify)
            if notify != 1:
                what += " signal %d" % int(k["it_sigev_signo"])
            if not int(k["it_active"]):
                state = "disarmed"
            elif clock in (2, 3):
                state = "fires at CPU time %s" % ns_text(int(k["it_cpu_expires"]))
            else:
                state = self.hrtimer_text(k["it"]) or ("expires at %s, not queued" % ns_text(int(k["it"]["Expires"])))
            lines.append("      timer %d: %s, %s, %s, period %s, overrun %d (last delivered %d)" % (
                int(k["it_id"]), CLOCK_NAMES.get(clock, "clock %d" % clock), what, state, ns_text(int(k["it_interval"])),
                int(k["it_overrun"]), int(k["it_overrun_last"])))
            timr = k["next"]
            n += 1
        if n == 0:
            lines.append("      no POSIX timers")
        return lines


@register
class GkThreads(GkCommand):
    """Each user thread's system call and what it waits on: for a hang with every CPU idle.
Usage: gk-threads [PID]
For every task with a user address space (or the one with PID): pid, thread
group, state, name and wchan as gk-ps; the system call it is in, from the
pt_regs at the top of its kernel stack (the number's handler in
Sys_call_table, and its six arguments), or the vector that entered the
kernel last; its pending, group-pending and blocked signals, TIF_SIGPENDING
and the group's stop/exit flags. For FUTEX_WAIT: the futex word's value now
(read through the task's page tables) and the timeout asked for; for
epoll_wait/epoll_pwait: the epoll set's items and how many are on its ready
list; for waitid(P_PIDFD): the process the pidfd names (its leader now, after
an exec from another thread), its state, and the references its task_struct
holds. It reads memory with every CPU stopped, so it takes no lock (the
kernel's own SysRq dumps must); what a CPU was in the middle of changing may
be half done: a running task is marked, and its registers are not its
pt_regs."""

    name = "gk-threads"

    def run(self, arg, from_tty):
        want = None
        if arg:
            try:
                want = int(arg, 0)
            except ValueError:
                raise GkError("gk-threads takes a pid, not %r" % arg)
        tasks = [t for t in all_tasks() if int(t["Mm"]) and (want is None or int(t["Pid"]) == want)]
        if want is not None and not tasks:
            raise GkError("no user task with pid %d (gk-ps lists them)" % want)
        out = []
        for t in tasks:
            out.extend(self.thread(t))
        gdb.write("\n".join(out) + "\n")

    def thread(self, t):
        pid, tgid = int(t["Pid"]), int(t["Tgid"])
        running = int(t["On_cpu"]) != 0
        where = ("running on CPU %d" % int(t["Cpu"])) if running else (task_wchan(t) or "-")
        lines = ["%5d %5d %s %-16s %s" % (pid, tgid, task_state_char(t), cstr(t["Comm"]), where)]
        r = task_user_regs(t)
        pgd = int(t["Mm"].dereference()["Pgd"])
        if r["Vector"] == SYSCALL64_VECTOR:
            nr = r["Orig_ax"]
            args = [r[a] for a in SYSCALL_ARGS]
            lines.append("      syscall %d %s(%s) from ip %#x" % (nr, syscall_name(nr), ", ".join("%#x" % a for a in args), r["IP"]))
            if nr == NR_FUTEX:
                lines.append("      " + self.futex(pgd, args))
            elif nr in (NR_EPOLL_WAIT, NR_EPOLL_PWAIT):
                lines.append("      " + self.epoll(t, args))
            elif nr == NR_WAITID and args[0] == P_PIDFD:
                lines.append("      " + self.pidfd(t, args[1] & 0xFFFFFFFF))
        else:
            lines.append("      entered by vector %d (%s), user ip %#x" % (r["Vector"], vector_name(r["Vector"]), r["IP"]))
        ss = t["Task_sigstate"]
        sig = ss["Signal"]
        group, gflags = 0, 0
        if int(sig):
            group = int(sig.dereference()["Shared_pending"]["Signal"])
            gflags = int(sig.dereference()["Flags"])
        tif = int(t["Thread_info"]["Flags"]) >> 2 & 1
        names = [n for b, n in SIGNAL_FLAGS if gflags & b]
        lines.append("      signals pending %s, group %s, blocked %s; TIF_SIGPENDING %d; group flags %#x%s" % (
            sigset_text(int(ss["Pending"]["Signal"])), sigset_text(group), sigset_text(int(ss["Blocked"])), tif, gflags,
            (" (" + "|".join(names) + ")") if names else ""))
        return lines

    def futex(self, pgd, args):
        uaddr, op, val, timeout = args[0], args[1], args[2] & 0xFFFFFFFF, args[3]
        cmd = op & 0x7F
        text = "%s%s%s" % (FUTEX_OPS.get(cmd, "op %d" % cmd), "_PRIVATE" if op & 128 else "", "|CLOCK_REALTIME" if op & 256 else "")
        word = user_read(pgd, uaddr, 4) if uaddr % 4 == 0 else None
        now = "unmapped" if word is None else "%#x" % struct.unpack("<I", word)[0]
        if cmd not in (0, 9):
            return "futex %#x: %s, word now %s" % (uaddr, text, now)
        if timeout == 0:
            tmo = "no timeout"
        else:
            ts = user_read(pgd, timeout, 16) if timeout % 8 == 0 else None
            tmo = "timeout at %#x unreadable" % timeout if ts is None else \
                "timeout %d.%09d s%s" % (struct.unpack("<qq", ts) + (" (absolute)" if cmd == 9 else "",))
        return "futex %#x: %s while it is %#x, word now %s, %s" % (uaddr, text, val, now, tmo)

    @staticmethod
    def file_of(t, fd, fops_name):
        """t's open file fd if its f_op is the global fops_name, else a
        reason it is not."""
        files = t["Files"]
        if int(files):
            ft = files.cast(go_type("gokern/fs.Files_struct", "struct files_struct").pointer()).dereference()
        else:
            # No table of its own: init's, fs.Init_files (kernel/exec
            # Task_files).
            init = gdb.lookup_global_symbol("gokern/fs.Init_files")
            if init is None:
                return None, "no file table"
            ft = init.value()
        fds = ft["Fd"]
        if fd >= int(fds["len"]) or not int(fds["array"][fd]):
            return None, "not open"
        f = fds["array"][fd]
        fops = gdb.lookup_global_symbol(fops_name)
        if fops is None or int(f.dereference()["F_op"]) != int(fops.value().address):
            return None, "not a file of %s" % fops_name.split(".")[-1]
        return f, None

    def epoll(self, t, args):
        fd, timeout = args[0], args[3] & 0xFFFFFFFF
        tmo = "no timeout" if timeout == 0xFFFFFFFF else "timeout %d ms" % timeout
        f, why = self.file_of(t, fd, "gokern/fs.Eventpoll_fops")
        if f is None:
            return "epoll fd %d: %s, %s" % (fd, why, tmo)
        ep = gdb.Value(int(f.dereference()["Private_data"])).cast(go_type("gokern/fs.Eventpoll", "struct eventpoll").pointer()).dereference()
        head = int(ep["rdllist"].address)
        ready, n = 0, int(ep["rdllist"]["Next"])
        while n and n != head and ready < 1024:
            ready += 1
            n = u64(read(n, 8))
        return "epoll fd %d: %d items, %d on the ready list, %s" % (fd, int(ep["Nr"]), ready, tmo)

    def pidfd(self, t, fd):
        """A pidfd's process (kernel/exec/pid.go: the file's Private_data is
        the leader's task_struct, with a reference; Pid_successor leads to
        the thread that took its place in an exec)."""
        f, why = self.file_of(t, fd, "gokern/kernel/exec.Pidfd_fops")
        if f is None:
            return "pidfd %d: %s" % (fd, why)
        a = int(f.dereference()["Private_data"])
        if not a:
            return "pidfd %d: no process yet (its clone has not finished)" % fd
        typ = go_type("gokern/kernel/sched.Task_struct", "struct task_struct").pointer()
        p = gdb.Value(a).cast(typ).dereference()
        hops = 0
        while int(p["Pid_successor"]) and hops < 64:
            p = p["Pid_successor"].dereference()
            hops += 1
        if bool(p["Unhashed"]):
            life = "reaped"
        elif int(p["Exit_state"]):
            life = "exited, not yet reaped"
        else:
            life = "alive"
        return "pidfd %d: process %d (%s) %s, %s%s; its task_struct has %d references" % (
            fd, int(p["Pid"]), cstr(p["Comm"]), task_state_char(p), life,
            " (leader since %d exec%s)" % (hops, "s" if hops > 1 else "") if hops else "", int(p["Usage"]))


# Address spaces (mm/mmap.go, mm/filemap.go): the VMAs of a process.
VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_MAYSHARE = 0x1, 0x2, 0x4, 0x8, 0x80


def iface_data(v):
    """The data pointer of a Go interface value (runtime.iface's data), 0
    for nil."""
    return int(v["data"])


@register
class GkVmas(GkCommand):
    """List a process's VMAs as /proc/PID/maps does, with what backs each and what is mapped.
Usage: gk-vmas PID
One line per VMA of the task's mm, in address order (its Mm_rb tree):
the range, the permissions with s for a MAP_SHARED mapping (VM_MAYSHARE)
and p otherwise, the file offset, the pages present in its page tables
(walked through the mm's Pgd; "-" past 4096 pages), and the backing: anon,
a special mapping's name ([vdso]), the ELF loader's file, or the open file
mmap(2) mapped, by name. A shared mapping also shows its file's page cache
(pages cached) and how many VMAs map that file shared (its I_mmap list):
shmem for the file of MAP_SHARED|MAP_ANONYMOUS or /dev/zero, named
/dev/zero (deleted) as Linux does. Then the mm's totals: VMAs, Total_vm,
Rss, its users."""

    name = "gk-vmas"

    def run(self, arg, from_tty):
        try:
            pid = int(arg, 0)
        except ValueError:
            raise GkError("gk-vmas takes a pid, not %r" % arg)
        for t in all_tasks():
            if int(t["Pid"]) == pid and int(t["Mm"]):
                break
        else:
            raise GkError("no user task with pid %d (gk-ps lists them)" % pid)
        m = t["Mm"].dereference()
        pgd = int(m["Pgd"])
        vt = go_type("gokern/mm.Vm_area_struct", "struct vm_area_struct")
        ft = go_type("gokern/fs.File", "struct file")
        off = [f for f in vt.fields() if f.name == "Vm_rb"][0].bitpos // 8
        shm = gdb.lookup_global_symbol("gokern/fs.Shm_mnt")
        shm_mnt = int(shm.value()) if shm is not None else 0
        out = ["pid %d (%s): mm %#x, PGD %#x" % (pid, cstr(t["Comm"]), int(t["Mm"]), pgd)]
        node, stack = m["Mm_rb"]["Rb_node"], []
        while stack or int(node):
            while int(node):
                stack.append(node)
                node = node.dereference()["Rb_left"]
            node = stack.pop()
            v = gdb.Value(int(node) - off).cast(vt.pointer()).dereference()
            out.append(self.vma(v, pgd, ft, shm_mnt))
            node = node.dereference()["Rb_right"]
        out.append("%d VMAs, total_vm %d pages, rss %d pages, %d users" % (
            int(m["Map_count"]), int(m["Total_vm"]), int(m["Rss"]), int(m["Mm_users"])))
        gdb.write("\n".join(out) + "\n")

    def vma(self, v, pgd, ft, shm_mnt):
        start, end, flags = int(v["Vm_start"]), int(v["Vm_end"]), int(v["Vm_flags"])
        perms = "".join(c if flags & b else "-" for b, c in ((VM_READ, "r"), (VM_WRITE, "w"), (VM_EXEC, "x")))
        perms += "s" if flags & VM_MAYSHARE else "p"
        npages = (end - start) >> 12
        present = "-"
        if npages <= 4096:
            present = str(sum(1 for a in range(start, end, 4096) if user_phys(pgd, a) is not None))
        line = "%016x-%016x %s %08x %5s/%-5d " % (start, end, perms, int(v["Vm_pgoff"]) << 12, present, npages)
        if int(v["Vm_special"]):
            return line + cstr_go(v["Vm_special"].dereference()["Name"])
        data = iface_data(v["Vm_mmap"])
        if data:
            f = gdb.Value(data).cast(ft.pointer()).dereference()
            inode = f["F_inode"].dereference()
            if int(f["F_path"]["Mnt"]) == shm_mnt:
                name = "/dev/zero (deleted) shmem"
            else:
                name = dentry_name(f["F_path"]["Dentry"])
            line += "%s, ino %d, %d bytes" % (name, int(inode["I_ino"]), int(inode["I_size"]))
            if flags & VM_MAYSHARE:
                line += "; shared: %d cached pages, %d shared VMAs of the file" % (
                    int(inode["I_data"]["Nrpages"]), int(inode["I_data"]["I_mmap"]["Nr"]))
            return line
        if iface_data(v["Vm_file"]):
            return line + "file (the ELF loader's)"
        return line + "anon"


def cstr_go(s):
    """A Go string value as text."""
    n = int(s["len"])
    return read(int(s["str"]), n).decode("utf-8", "replace") if n else ""


def dentry_name(d):
    """A dentry's name (its D_name Qstr), "?" for nil."""
    if not int(d):
        return "?"
    q = d.dereference()["D_name"]
    n = int(q["Len"])
    return read(int(q["Name"]), n).decode("utf-8", "replace") if n else ""


# net/unix: socket types and the TCP states Linux reuses for AF_UNIX.
SOCK_TYPES = {1: "STREAM", 2: "DGRAM", 5: "SEQPACKET"}
SK_STATES = {1: "ESTABLISHED", 7: "CLOSE", 10: "LISTEN"}


def unix_addr(u):
    """A Unix_sock's bound address as /proc/net/unix shows it: the path, or
    @name for an abstract one (its NULs as @), or '' while unbound."""
    n = int(u["Addr_len"])
    if n <= 2:
        return ""
    b = read(int(u["Addr"]["Sun_path"].address), n - 2)
    if b[:1] == b"\0":
        return "@" + b[1:].replace(b"\0", b"@").decode("utf-8", "replace")
    return b.split(b"\0", 1)[0].decode("utf-8", "replace")


@register
class GkSockets(GkCommand):
    """List the AF_UNIX and AF_INET sockets, as /proc/net/unix and
/proc/net/tcp, /proc/net/udp would, with their queues.
Usage: gk-sockets
One line per socket of net/unix's unix_table (every AF_UNIX socket not yet
released, accepted and embryo ones included): the Unix_sock's address, its
references, type, state, shutdown bits (R: no more reading, W: no more
writing), the messages on its receive queue and their unread bytes, the
bytes it sent that its peer has not read (Sk_wmem_alloc) against its send
buffer, its peer's address, and its name (@ for the abstract namespace).
Then the socket layer's counts: sockets, messages and passed files in
flight (net's Nr_sockets, Nr_skbs, Nr_inflight). Then one line per socket of
net/ipv4's inet_table (TCP and UDP, accepted ones and those not yet
accepted included): its address, references, protocol, state, shutdown
bits, local and remote address:port, receive queue, unread bytes sent to
its peer against its send buffer, a listener's connections waiting for
accept, and its peer. Then one line per socket of net/netlink's Nl_table,
as /proc/net/netlink would: type, protocol (0: NETLINK_ROUTE), port id
(- while unbound), groups (the first 32, as /proc/net/netlink), the destination connect set, the replies
queued and their bytes (Sk_rmem_alloc) against the receive buffer, and
the message type of a dump in progress."""

    name = "gk-sockets"

    def run(self, arg, from_tty):
        u = kvar("unix_table", "the AF_UNIX sockets", "af_unix_init at boot")
        out = ["UNIX_SOCK          REF TYPE      STATE       SHUT RQ  RBYTES WMEM/SNDBUF     PEER               NAME"]
        socks = chain_entries(u)
        for u, us in socks:
            sk = us["Sk"]
            q = sk["Sk_receive_queue"]
            nbytes = sk_queued_bytes(q)
            shut = int(sk["Sk_shutdown"])
            out.append("%#018x %3d %-9s %-11s %-4s %-3d %-6d %-15s %-18s %s" % (
                int(u), int(sk["Sk_refcnt"]), SOCK_TYPES.get(int(sk["Sk_type"]), str(int(sk["Sk_type"]))),
                SK_STATES.get(int(sk["Sk_state"]), str(int(sk["Sk_state"]))),
                ("R" if shut & 1 else "-") + ("W" if shut & 2 else "-"), int(q["Qlen"]), nbytes,
                "%d/%d" % (int(sk["Sk_wmem_alloc"]), int(sk["Sk_sndbuf"])),
                "%#x" % int(us["Peer"]) if int(us["Peer"]) else "-", unix_addr(us)))
        out.append("%d AF_UNIX sockets; %d sockets, %d messages, %d passed files in flight" % (
            len(socks), int(kvar("Nr_sockets")), int(kvar("Nr_skbs")), int(kvar("Nr_inflight"))))
        out.extend(inet_sockets())
        out.extend(netlink_sockets())
        gdb.write("\n".join(out) + "\n")


def sk_queued_bytes(q):
    """The bytes not yet read in a sock's receive queue (net's
    Sk_buff_head): each message's Len less what was Consumed."""
    nbytes, skb, nq = 0, q["Head"], 0
    while int(skb) != 0 and nq < 100000:
        m = skb.dereference()
        nbytes += int(m["Len"]) - int(m["Consumed"])
        skb = m["Next"]
        nq += 1
    return nbytes


# net/ipv4: TCP's states (include/net/tcp_states.h) and the protocols.
TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
              6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}
INET_PROTOS = {6: "TCP", 17: "UDP"}


def inet_addr(a, port):
    """An address and port kept in host byte order, as a.b.c.d:port."""
    a = int(a)
    return "%d.%d.%d.%d:%d" % (a >> 24 & 255, a >> 16 & 255, a >> 8 & 255, a & 255, int(port))


def inet_sockets():
    """gk-sockets' AF_INET part: one line per socket of net/ipv4's
    inet_table, as /proc/net/tcp and /proc/net/udp would show it, with its
    queues; an empty list for a kernel without AF_INET."""
    try:
        s = kvar("inet_table", "the AF_INET sockets", "inet_init at boot")
    except GkError:
        return []
    out = ["INET_SOCK          REF PROTO STATE       SHUT LOCAL                 REMOTE                RQ  RBYTES WMEM/SNDBUF     ACCEPTQ PEER"]
    socks = chain_entries(s)
    for s, inet in socks:
        sk = inet["Sk"]
        q = sk["Sk_receive_queue"]
        nbytes = sk_queued_bytes(q)
        shut = int(sk["Sk_shutdown"])
        local = inet["Inet_rcv_saddr"] if int(inet["Inet_rcv_saddr"]) else inet["Inet_saddr"]
        out.append("%#018x %3d %-5s %-11s %-4s %-21s %-21s %-3d %-6d %-15s %-7d %s" % (
            int(s), int(sk["Sk_refcnt"]), INET_PROTOS.get(int(sk["Sk_protocol"]), str(int(sk["Sk_protocol"]))),
            TCP_STATES.get(int(sk["Sk_state"]), str(int(sk["Sk_state"]))),
            ("R" if shut & 1 else "-") + ("W" if shut & 2 else "-"),
            inet_addr(local, inet["Inet_num"]), inet_addr(inet["Inet_daddr"], inet["Inet_dport"]),
            int(q["Qlen"]), nbytes, "%d/%d" % (int(sk["Sk_wmem_alloc"]), int(sk["Sk_sndbuf"])),
            int(inet["Acceptq_len"]), "%#x" % int(inet["Peer"]) if int(inet["Peer"]) else "-"))
    out.append("%d AF_INET sockets (%d allocated)" % (len(socks), int(kvar("Inet_nr_socks"))))
    return out


NETLINK_TYPES = {2: "DGRAM", 3: "RAW"}


def netlink_sockets():
    """gk-sockets' AF_NETLINK part: one line per socket of net/netlink's
    Nl_table, as /proc/net/netlink would show it; an empty list for a
    kernel without AF_NETLINK."""
    try:
        s = kvar("Nl_table", "the AF_NETLINK sockets", "netlink_proto_init at boot")
    except GkError:
        return []
    out = ["NETLINK_SOCK       REF TYPE  PROTO PORTID      GROUPS   DST         RQ  RMEM/RCVBUF     DUMP"]
    socks = chain_entries(s)
    for s, nlk in socks:
        sk = nlk["Sk"]
        q = sk["Sk_receive_queue"]
        portid = "%d" % ctypes_i32(int(nlk["Portid"])) if bool(nlk["Bound"]) else "-"
        dump = "%d" % int(nlk["Cb"]["Type"]) if bool(nlk["Cb_running"]) else "-"
        out.append("%#018x %3d %-5s %-5d %-11s %08x %-11d %-3d %-15s %s" % (
            int(s), int(sk["Sk_refcnt"]), NETLINK_TYPES.get(int(sk["Sk_type"]), str(int(sk["Sk_type"]))),
            int(sk["Sk_protocol"]), portid, int(nlk["Groups"]) & 0xffffffff, int(nlk["Dst_portid"]), int(q["Qlen"]),
            "%d/%d" % (int(sk["Sk_rmem_alloc"]), int(sk["Sk_rcvbuf"])), dump))
    out.append("%d AF_NETLINK sockets (%d allocated)" % (len(socks), int(kvar("Netlink_nr_socks"))))
    return out


def ctypes_i32(v):
    """A 32-bit port id as Linux prints it: signed (autobind's are negative)."""
    return v - (1 << 32) if v & 0x80000000 else v


@register
class GkVmallocinfo(GkCommand):
    """Print /proc/vmallocinfo: one line per vmalloc area, in address order.
Usage: gk-vmallocinfo
The range (with its guard page), the size, who allocated it, its pages and
kind, walking vmap_area_root as Linux's s_show does."""

    name = "gk-vmallocinfo"

    def run(self, arg, from_tty):
        slab_caches()  # vmalloc_init runs right after kmem_cache_init
        root = kvar("vmap_area_root", "the vmalloc areas", "vmalloc_init in mm_init")
        va_t = go_type("gokern/mm.VmapArea", "struct vmap_area")
        off = [f for f in va_t.fields() if f.name == "Rb_node"][0].bitpos // 8
        out = []

        def walk(node):
            stack = []
            while stack or int(node):
                while int(node):
                    stack.append(node)
                    node = node.dereference()["Rb_left"]
                node = stack.pop()
                yield gdb.Value(int(node) - off).cast(va_t.pointer()).dereference()
                node = node.dereference()["Rb_right"]

        for va in walk(root["Rb_node"]):
            start, end = int(va["Va_start"]), int(va["Va_end"])
            if not int(va["Vm"]):
                out.append("0x%016x-0x%016x %7d unpurged vm_area" % (start, end, end - start))
                continue
            vm = va["Vm"].dereference()
            addr, size, flags = int(vm["Addr"]), int(vm["Size"]), int(vm["Flags"])
            line = "0x%016x-0x%016x %7d" % (addr, addr + size, size)
            if int(vm["Caller"]):
                line += " " + symbol_sized(int(vm["Caller"]))
            if int(vm["Nr_pages"]):
                line += " pages=%d" % int(vm["Nr_pages"])
            if int(vm["Phys_addr"]):
                line += " phys=%#x" % int(vm["Phys_addr"])
            for bit, word in ((1, " ioremap"), (2, " vmalloc"), (4, " vmap")):
                if flags & bit:
                    line += word
            pages = int(vm["Pages"]["array"])
            if pages and 0xffffc90000000000 <= pages < 0xffffe90000000000:
                line += " vpages"
            out.append(line)
        gdb.write("\n".join(out) + "\n" if out else "no vmalloc area\n")


# ---------------------------------------------------------------------------
# Page tables. The format is the hardware's (SDM Vol. 3A §4.5, Tables 4-15
# to 4-20); the tables are read in physical memory from CR3 down.

PAGE_P, PAGE_RW, PAGE_US, PAGE_PWT, PAGE_PCD, PAGE_A, PAGE_D, PAGE_PS, PAGE_G = (1 << i for i in (0, 1, 2, 3, 4, 5, 6, 7, 8))
PAGE_PAT_LARGE = 1 << 12
PAGE_NX = 1 << 63
PFN_MASK = ((1 << 52) - 1) & ~0xFFF  # bits 51:12 (Linux PTE_PFN_MASK)
LEVELS = (("PGD", 39, "pgd"), ("PUD", 30, "pud"), ("PMD", 21, "pmd"), ("PTE", 12, "pte"))
SIZES = {39: "512G", 30: "1G", 21: "2M", 12: "4K"}


def flag_names(e, leaf_level):
    names = []
    for bit, n in ((PAGE_P, "P"), (PAGE_RW, "RW"), (PAGE_US, "USR"), (PAGE_PWT, "PWT"), (PAGE_PCD, "PCD"), (PAGE_A, "A"), (PAGE_D, "D")):
        if e & bit:
            names.append(n)
    if e & PAGE_PS:
        names.append("PAT" if leaf_level == 12 else "PSE")
    if e & PAGE_G:
        names.append("GLB")
    if e & PAGE_NX:
        names.append("NX")
    return " ".join(names)


def need_paging(cmd):
    cpu = Cpu()
    if not cpu.paging:
        raise GkError("paging is off (CR0.PG=0, %s): a linear address is the physical address" % cpu.mode_name())
    if not cpu.efer & (1 << 10):
        raise GkError("32-bit paging is on, not 4-level paging: gokern never runs so")
    if cpu.cr4 & (1 << 12):
        raise GkError("5-level paging (CR4.LA57) is on: %s walks 4 levels" % cmd)
    return cpu


def canonical(va):
    top = va >> 47
    return top == 0 or top == 0x1FFFF


def read_table(phys):
    b = read_phys(phys, 4096)
    return struct.unpack("<512Q", b)


@register
class GkPgtable(GkCommand):
    """Walk the live page tables for a virtual address, level by level.
Usage: gk-pgtable ADDRESS     (a number, $pc, &start_kernel, start_kernel, __log_buf, ...)
From CR3: each level's index, the entry's physical location, its value and
flags, then the page it maps and the effective permissions (writable only if
every level says RW, no-execute if any says NX). seeds/000 "Paging";
SDM Vol. 3A §4.5."""

    name = "gk-pgtable"

    def run(self, arg, from_tty):
        va = parse_addr(arg, self.name)
        if not canonical(va):
            raise GkError(
                "%#x is not canonical: with 4-level paging bits 63..47 must all equal bit 47 (SDM Vol. 3A §3.3.7.1); "
                "the CPU raises #GP, no page table is read" % va
            )
        cpu = need_paging(self.name)
        table = cpu.cr3 & PFN_MASK
        gdb.write("%#x: CR3 %#x, PGD at physical %#x\n" % (va, cpu.cr3, table))
        rw, us, nx = True, True, False
        for name, shift, _ in LEVELS:
            idx = (va >> shift) & 511
            e = read_table(table)[idx]
            loc = table + idx * 8
            if not e & PAGE_P:
                gdb.write("%-3s [%3d] @ %#x = %#018x  not present\n" % (name, idx, loc, e))
                gdb.write("%#x is not mapped: an access faults (#PF, error code P=0)\n" % va)
                return
            rw, us, nx = rw and bool(e & PAGE_RW), us and bool(e & PAGE_US), nx or bool(e & PAGE_NX)
            leaf = shift == 12 or (shift in (30, 21) and e & PAGE_PS)
            gdb.write("%-3s [%3d] @ %#x = %#018x  %s%s\n" % (
                name, idx, loc, e, flag_names(e, shift),
                "" if leaf else "  → table at %#x" % (e & PFN_MASK)))
            if leaf:
                size = 1 << shift
                mask = PFN_MASK & ~(size - 1)
                phys = (e & mask) | (va & (size - 1))
                gdb.write("%#x → physical %#x: %s page%s, %s, %s, %s, %s%s\n" % (
                    va, phys, SIZES[shift], "" if shift == 12 else " (large)",
                    "present", "writable" if rw else "read-only",
                    "no-execute (NX)" if nx else "executable",
                    "user" if us else "kernel-only",
                    ", global" if e & PAGE_G else ""))
                return
            table = e & PFN_MASK


@register
class GkPtdump(GkCommand):
    """Print the live page tables (CR3) as ranges, like the kernel's ptdump.
Usage: gk-ptdump
The format of the `ptdump` boot option (Linux /sys/kernel/debug/page_tables/kernel):
start-end, size, flags, level, with the kernel's address_markers as headings
once the kernel runs."""

    name = "gk-ptdump"

    def run(self, arg, from_tty):
        cpu = need_paging(self.name)
        markers = []
        try:
            am = kvar("address_markers", "address_markers")
            lo, hi = am.type.strip_typedefs().range()
            for i in range(lo, hi + 1):
                markers.append((int(am[i]["start"]), go_string(am[i]["name"])))
        except (GkError, gdb.error):
            pass  # before the kernel: no headings
        ranges = []
        cur = [None]

        def note(start, size, level, prot):
            c = cur[0]
            if c and c[1] == start and c[2] == level and c[3] == prot:
                c[1] += size
                return
            if c:
                ranges.append(tuple(c))
            cur[0] = [start, start + size, level, prot]

        def sext(va):
            return va | 0xFFFF000000000000 if va & (1 << 47) else va

        pgd = read_table(cpu.cr3 & PFN_MASK)
        for i, e1 in enumerate(pgd):
            va1 = sext(i << 39)
            if not e1 & PAGE_P:
                note(va1, 1 << 39, 39, e1 & ~PFN_MASK)
                continue
            pud = read_table(e1 & PFN_MASK)
            for j, e2 in enumerate(pud):
                va2 = va1 + (j << 30)
                if not e2 & PAGE_P or e2 & PAGE_PS:
                    note(va2, 1 << 30, 30, e2 & ~PFN_MASK)
                    continue
                pmd = read_table(e2 & PFN_MASK)
                for k, e3 in enumerate(pmd):
                    va3 = va2 + (k << 21)
                    if not e3 & PAGE_P or e3 & PAGE_PS:
                        note(va3, 1 << 21, 21, e3 & ~PFN_MASK)
                        continue
                    for l, e4 in enumerate(read_table(e3 & PFN_MASK)):
                        note(va3 + (l << 12), 1 << 12, 12, e4 & ~PFN_MASK)
        if cur[0]:
            ranges.append(tuple(cur[0]))
        out, m = [], 0
        for start, end, level, prot in ranges:
            end &= 0xFFFFFFFFFFFFFFFF
            while m < len(markers) and (start >= markers[m][0] or end == 0):
                out.append("---[ %s ]---" % markers[m][1])
                m += 1
            if prot & PAGE_P:
                out.append(ptdump_line(start, end, level, prot))
        gdb.write("\n".join(out) + "\n")


def ptdump_line(start, end, level, prot):
    """One line as paging.FormatRange (Linux printk_prot) writes it."""
    delta, u = (end - start) & 0xFFFFFFFFFFFFFFFF, 0
    while delta & 1023 == 0 and u < 6:
        delta >>= 10
        u += 1
    s = "0x%016x-0x%016x   %9d%s " % (start, end, delta, "BKMGTPE"[u])
    s += "USR " if prot & PAGE_US else "    "
    s += "RW " if prot & PAGE_RW else "ro "
    s += "PWT " if prot & PAGE_PWT else "    "
    s += "PCD " if prot & PAGE_PCD else "    "
    if level > 12:
        s += "PSE " if prot & PAGE_PS else "    "
        s += "PAT " if prot & PAGE_PAT_LARGE else "    "
    else:
        s += "    " + ("PAT " if prot & PAGE_PS else "    ")
    s += "GLB " if prot & PAGE_G else "    "
    s += "NX " if prot & PAGE_NX else "x  "
    return s + {39: "pgd", 30: "pud", 21: "pmd", 12: "pte"}[level]


# ---------------------------------------------------------------------------
# Descriptor tables and control registers (SDM Vol. 3A §3.4.5, §6.14, §2.5).


def decode_segment(lo, hi):
    """(text, is16byte) for the descriptor whose low quadword is lo."""
    base = ((lo >> 16) & 0xFFFFFF) | ((lo >> 56) << 24)
    limit = (lo & 0xFFFF) | (((lo >> 48) & 0xF) << 16)
    access, flags = (lo >> 40) & 0xFF, (lo >> 52) & 0xF
    p, dpl, s, typ = access >> 7, (access >> 5) & 3, (access >> 4) & 1, access & 0xF
    g, db, l = flags >> 3 & 1, flags >> 2 & 1, flags >> 1 & 1
    if lo == 0:
        return "null", False
    if g:
        limit = (limit << 12) | 0xFFF
    if s:
        if typ & 8:
            kind = "code %s" % ("64-bit" if l else "32-bit" if db else "16-bit")
            perm = ("R" if typ & 2 else "-") + "X" + ("C" if typ & 4 else "")
        else:
            kind = "data"
            perm = "R" + ("W" if typ & 2 else "-") + ("E" if typ & 4 else "")
        return "%-12s base %#x limit %#x %s DPL %d%s%s" % (kind, base, limit, perm, dpl, "" if p else " not-present", " A" if typ & 1 else ""), False
    names = {0x2: "LDT", 0x9: "TSS (64-bit, available)", 0xB: "TSS (64-bit, busy)", 0xC: "call gate", 0xE: "interrupt gate", 0xF: "trap gate"}
    base |= (hi & 0xFFFFFFFF) << 32
    return "%-12s base %#x limit %#x DPL %d%s" % (names.get(typ, "system type %#x" % typ), base, limit, dpl, "" if p else " not-present"), True


@register
class GkGdt(GkCommand):
    """Print the GDT that GDTR points at, decoded.
Usage: gk-gdt
Kind, base, limit, permissions and DPL of each descriptor (SDM Vol. 3A §3.4.5);
the selectors now in CS, DS, SS, ES, FS, GS and TR are marked."""

    name = "gk-gdt"

    def run(self, arg, from_tty):
        cpu = Cpu()
        base, limit = cpu.gdt
        if limit == 0 and base == 0:
            raise GkError("GDTR is empty (base 0, limit 0): no GDT is loaded yet (%s)" % cpu.mode_name())
        data = read(base, limit + 1)
        gdb.write("GDT at %#x, limit %#x (%d entries)\n" % (base, limit, (limit + 1) // 8))
        users = {}
        for r in ("CS", "DS", "SS", "ES", "FS", "GS", "TR"):
            if r in cpu.seg and cpu.mode != "real":
                users.setdefault(cpu.seg[r][0] & ~7, []).append(r)
        off, nulls = 0, 0
        while off + 8 <= len(data):
            lo = u64(data, off)
            hi = u64(data, off + 8) if off + 16 <= len(data) else 0
            text, wide = decode_segment(lo, hi)
            if cpu.mode not in ("long", "compat"):
                wide = False
            mark = "  ← " + ", ".join(users[off]) if off in users else ""
            if lo == 0 and off != 0 and not mark:
                nulls += 1
            else:
                gdb.write("%#06x %s%s\n" % (off, text, mark))
            off += 16 if wide else 8
        if nulls:
            gdb.write("(%d null descriptor%s not shown)\n" % (nulls, "" if nulls == 1 else "s"))


@register
class GkCpus(GkCommand):
    """List the CPUs: mode, RIP, GS base (per-CPU area), online, APIC ID.
Usage: gk-cpus
QEMU's gdb stub shows each CPU as a thread (`info threads`; thread N is CPU
N-1). For each CPU: its mode and where it is (`monitor info registers` on
that CPU), its GS base, which points at its per-CPU area
(__per_cpu_offset[cpu], setup_per_cpu_areas; the boot CPU's is the static
first unit before that) once the kernel has set it, the CPU number read
there (pcpu_hot.cpu_number, what smp_processor_id() reads), whether
cpu_online_mask has it, and its APIC ID (x86_cpu_to_apicid). docs/smp.md."""

    name = "gk-cpus"

    def run(self, arg, from_tty):
        threads = sorted(gdb.selected_inferior().threads(), key=lambda t: t.num)
        selected = gdb.selected_thread()
        online, apicids, offsets, first, cpu_number_off = None, None, [], None, 8
        try:
            online = u64(read(int(kvar("cpu_online_mask", "cpu_online_mask", "smp_init").address), 8))
            apicids = kvar("x86_cpu_to_apicid")
            offs = kvar("X__per_cpu_offset", "__per_cpu_offset", "setup_per_cpu_areas")
            offsets = [int(offs[j]) for j in range(offs.type.range()[1] + 1)]
            first = int(kvar("pcpu_first_unit").address)
            cpu_number_off = gdb.lookup_type("gokern/arch/amd64/asm.PcpuHot")["Cpu_number"].bitpos // 8
        except (GkError, gdb.error) as e:
            gdb.write("(%s)\n" % e)
        try:
            for i, t in enumerate(threads):
                monitor("cpu %d" % i)
                c = Cpu()
                gs = c.seg["GS"][1] if "GS" in c.seg else 0
                line = "CPU %d (thread %d): %-12s RIP %#018x %s GS base %#x" % (i, t.num, c.mode, c.ip, symbolize(c.ip), gs)
                if online is not None:
                    if gs and gs in offsets:
                        area = "per-CPU area of CPU %d" % offsets.index(gs)
                    elif gs and gs == first:
                        area = "the static first unit"
                    else:
                        area = "not a per-CPU area"
                    if area != "not a per-CPU area":
                        area += ", smp_processor_id %d" % u64(read(gs + cpu_number_off, 8))
                    line += " (%s), %s, APIC ID %#x" % (area, "online" if online >> i & 1 else "offline", int(apicids[i]) if i < apicids.type.range()[1] + 1 else -1)
                gdb.write(line + "\n")
        finally:
            monitor("cpu %d" % (threads.index(selected) if selected in threads else 0))


@register
class GkIdt(GkCommand):
    """Print the IDT that IDTR points at, decoded.
Usage: gk-idt [all]     (all: not-present gates too)
Vector, gate kind, handler with its symbol, selector, IST, DPL (SDM Vol. 3A
§6.14.1). In real mode IDTR describes the interrupt vector table at 0."""

    name = "gk-idt"

    def run(self, arg, from_tty):
        cpu = Cpu()
        base, limit = cpu.idt
        if cpu.mode == "real":
            gdb.write("real mode: IDTR base %#x limit %#x is the interrupt vector table\n" % (base, limit))
            data = read(base, min(limit + 1, 32 * 4))
            for v in range(len(data) // 4):
                off, seg = struct.unpack_from("<HH", data, v * 4)
                gdb.write("%3d  %04x:%04x (linear %#x)\n" % (v, seg, off, seg * 16 + off))
            return
        if limit == 0:
            raise GkError("IDTR limit is 0: a null IDT (setup_idt in go_to_protected_mode); any exception triple-faults")
        size = 16 if cpu.mode in ("long", "compat") else 8
        data = read(base, limit + 1)
        gdb.write("IDT at %#x, limit %#x (%d gates)\n" % (base, limit, (limit + 1) // size))
        for v in range((limit + 1) // size):
            lo = u64(data, v * size)
            hi = u64(data, v * size + 8) if size == 16 else 0
            p, dpl, typ, ist = (lo >> 47) & 1, (lo >> 45) & 3, (lo >> 40) & 0xF, (lo >> 32) & 7
            if not p and arg != "all":
                continue
            target = (lo & 0xFFFF) | ((lo >> 48) & 0xFFFF) << 16
            if size == 16:
                target |= (hi & 0xFFFFFFFF) << 32
            kind = {0xE: "interrupt", 0xF: "trap", 0x5: "task", 0x6: "interrupt (16-bit)", 0x7: "trap (16-bit)"}.get(typ, "type %#x" % typ)
            gdb.write("%3d  %-9s %#x%s  sel %#x IST %d DPL %d%s\n" % (
                v, kind, target, symbolize(target), (lo >> 16) & 0xFFFF, ist, dpl, "" if p else " not-present"))


CR0_BITS = ((0, "PE", "protection enable"), (1, "MP", "monitor coprocessor"), (2, "EM", "x87 emulation"), (3, "TS", "task switched"),
            (4, "ET", "extension type"), (5, "NE", "numeric error"), (16, "WP", "write protect"), (18, "AM", "alignment mask"),
            (29, "NW", "not write-through"), (30, "CD", "cache disable"), (31, "PG", "paging"))
CR4_BITS = ((0, "VME", ""), (1, "PVI", ""), (2, "TSD", ""), (3, "DE", ""), (4, "PSE", "4M pages (32-bit paging)"), (5, "PAE", "physical address extension"),
            (6, "MCE", "machine check"), (7, "PGE", "global pages"), (8, "PCE", ""), (9, "OSFXSR", "FXSAVE and SSE"), (10, "OSXMMEXCPT", "SSE exceptions"),
            (11, "UMIP", ""), (12, "LA57", "5-level paging"), (13, "VMXE", ""), (14, "SMXE", ""), (16, "FSGSBASE", ""), (17, "PCIDE", "PCIDs"),
            (18, "OSXSAVE", ""), (20, "SMEP", ""), (21, "SMAP", ""), (22, "PKE", ""), (23, "CET", ""), (24, "PKS", ""))
EFER_BITS = ((0, "SCE", "syscall/sysret"), (8, "LME", "long mode enable"), (10, "LMA", "long mode active"), (11, "NXE", "no-execute enable"),
             (12, "SVME", ""), (13, "LMSLE", ""), (14, "FFXSR", ""), (15, "TCE", ""))


def bit_names(v, table):
    return " ".join(n for b, n, _ in table if v >> b & 1)


@register
class GkCr(GkCommand):
    """Print CR0, CR2, CR3, CR4 and EFER with their bits named, and the mode they make.
Usage: gk-cr
SDM Vol. 3A §2.5 (control registers), Vol. 4 (IA32_EFER)."""

    name = "gk-cr"

    def run(self, arg, from_tty):
        cpu = Cpu()
        gdb.write("CR0  %#018x  %s\n" % (cpu.cr0, bit_names(cpu.cr0, CR0_BITS)))
        gdb.write("CR2  %#018x  last page-fault address\n" % cpu.cr2)
        pcid = " PCID %d" % (cpu.cr3 & 0xFFF) if cpu.cr4 & (1 << 17) else ""
        gdb.write("CR3  %#018x  page tables at physical %#x%s\n" % (cpu.cr3, cpu.cr3 & PFN_MASK, pcid))
        gdb.write("CR4  %#018x  %s\n" % (cpu.cr4, bit_names(cpu.cr4, CR4_BITS)))
        gdb.write("EFER %#018x  %s\n" % (cpu.efer, bit_names(cpu.efer, EFER_BITS)))
        gdb.write("mode: %s (CR0.PE=%d, CR0.PG=%d, EFER.LMA=%d, CS.L=%d, CS.D=%d), CPL %d\n" % (
            cpu.mode_name(), cpu.cr0 & 1, cpu.cr0 >> 31 & 1, cpu.efer >> 10 & 1, cpu.cs_l, cpu.cs_d, cpu.cpl))


@register
class GkNext(GkCommand):
    """Run the next instruction, over calls, where gdb cannot step (real mode).
Usage: gk-next [COUNT]
gdb's next, step and nexti cannot work in real mode: gdb sees IP while code,
breakpoints and line tables are at linear addresses (CS*16 + IP). In the
setup's assembly every source line is one instruction, so gk-next is next and
nexti for real mode: it steps one instruction, and runs a call, an int or a
rep-prefixed string instruction to the instruction after it. Each stop shows
the source line. It works in 32-bit mode too."""

    name = "gk-next"

    def run(self, arg, from_tty):
        try:
            count = int(arg or "1", 0)
        except ValueError:
            raise GkError("usage: gk-next [COUNT]")
        for _ in range(count):
            cpu = Cpu()
            if cpu.mode == "long":
                raise GkError("the CPU is in 64-bit mode: use next or nexti")
            ins = instructions(cpu, 1)
            if not ins:
                raise GkError("cannot decode the instruction at %#x" % cpu.linear)
            addr, length, text = ins[0]
            if re.match(r"(call|lcall|int|rep)", text):
                bp = gdb.Breakpoint("*%#x" % (addr + length), type=gdb.BP_HARDWARE_BREAKPOINT, internal=True)
                _internal_bps.append(bp)
                try:
                    gdb.execute("continue")
                finally:
                    _internal_bps.remove(bp)
                    bp.delete()
            else:
                gdb.execute("stepi")


@register
class GkHelp(GkCommand):
    """List gokern's gdb commands.
Usage: gk-help     (help gk-NAME for one of them)"""

    name = "gk-help"

    def run(self, arg, from_tty):
        for c in COMMANDS:
            gdb.write("%-22s %s\n" % (c.name, c.__doc__.split("\n")[0]))


class SymbolIn(gdb.Function):
    """$setup("name"), $boot("name"): the linear address of a symbol of the
real-mode setup (build/setup.elf) or of the boot stage
(build/compressed/vmlinux). The kernel's Linux names take precedence in
expressions, so `boot_params` is the kernel's copy; $setup("boot_params") is
the zeropage the setup fills: x/5wx $setup("boot_params") + 0x2d0."""

    def __init__(self, name, lookup):
        super().__init__(name)
        self.lookup = lookup

    def invoke(self, name):
        try:
            return gdb.Value(self.lookup(name.string()))
        except (GkError, gdb.error) as e:
            raise gdb.GdbError(str(e))


# ---------------------------------------------------------------------------
# Backtraces.
#
# - The bottom of the boot stack: the build marks startup_64_high's return
#   address undefined in DWARF (UNWIND_HINT_END_OF_STACK in head_64.s), so
#   gdb's own unwinder stops there.
# - Exceptions and interrupts: early_idt_handler_common (before
#   trap_init), and error_entry, paranoid_entry and common_interrupt
#   (arch/amd64/entry, after) save the interrupted registers as a PtRegs and call the Go
#   handler with a pointer to it at 0(SP); the unwinder below continues
#   from there into the code that was interrupted, as Linux's unwinder does
#   through pt_regs.
# - Go's ABI wrappers (<autogenerated>) and result pseudo-arguments (~r0)
#   are left out of `bt`.


class _FrameId:
    def __init__(self, sp, pc):
        self.sp, self.pc = sp, pc


# The code that calls a Go handler with a PtRegs pointer at 0(SP).
ENTRY_HANDLERS = ("early_idt_handler_common", "error_entry_regs", "paranoid_entry", "common_interrupt")


def trap_frame_regs(pc, sp, entry=False):
    """The PtRegs address of the trap frame whose handler call returns to
    pc with the stack at sp, or None: pc must be in one of ENTRY_HANDLERS,
    and 0(SP) must point at a frame the CPU pushed from kernel or user code
    (a CS gokern's GDT has). With entry, (address, the handler's entry)."""
    lo = next((lo for lo, hi in _unwinder.handler_ranges() if lo <= pc < hi), None)
    if lo is None:
        return (None, None) if entry else None
    try:
        regs_addr = u64(read(sp, 8))
        cs = u64(read(regs_addr + PTREGS_CS_OFFSET, 8))
    except GkError:
        regs_addr, cs = None, None
    if cs not in (0x10, 0x23, 0x33):
        regs_addr = None
    return (regs_addr, lo) if entry else regs_addr


# asm.PtRegs: 15 general registers, the vector, the error code, then RIP,
# CS (arch/amd64/asm/ptrace.go).
PTREGS_CS_OFFSET = 18 * 8


class PtRegsUnwinder(gdb.unwinder.Unwinder):
    def __init__(self):
        super().__init__("gokern-pt_regs")
        self.ranges = None

    def handler_ranges(self):
        if self.ranges is None:
            self.ranges = []
            for name in ENTRY_HANDLERS:
                ent = syms().linux.get(name)
                if ent:
                    self.ranges.append((ent[0], ent[0] + ent[1]))
        return self.ranges

    def __call__(self, pending):
        pc = int(pending.read_register("rip"))
        regs_t = ptregs_type()
        if regs_t is None:
            return None
        # At the return address of the handler call, 0(SP) holds regs
        # (early_idt_handler_common: SP+8; error_entry_regs and
        # paranoid_entry: above the saved SSE registers; common_interrupt:
        # on the interrupted stack).
        sp = int(pending.read_register("rsp"))
        regs_addr, lo = trap_frame_regs(pc, sp, entry=True)
        if regs_addr is None:
            return None
        regs = gdb.Value(regs_addr).cast(regs_t.pointer()).dereference()
        info = pending.create_unwind_info(_FrameId(gdb.Value(regs_addr), gdb.Value(lo)))
        for reg, f in (("rip", "IP"), ("rsp", "SP"), ("rbp", "BP"), ("rax", "AX"), ("rbx", "BX"), ("rcx", "CX"), ("rdx", "DX"),
                       ("rsi", "SI"), ("rdi", "DI"), ("r8", "R8"), ("r9", "R9"), ("r10", "R10"), ("r11", "R11"), ("r12", "R12"),
                       ("r13", "R13"), ("r14", "R14"), ("r15", "R15")):
            try:
                info.add_saved_register(reg, regs[f].cast(pending.read_register(reg).type))
            except gdb.error:
                pass
        return info


_ptregs = []


def ptregs_type():
    """struct pt_regs as the kernel defines it: the type of
    do_early_exception's argument, from DWARF."""
    if not _ptregs:
        t = None
        ent = syms().linux.get("do_early_exception")
        if ent:
            blk = gdb.block_for_pc(ent[0])
            while blk is not None and blk.function is None:
                blk = blk.superblock
            if blk is not None:
                for s in blk:
                    if s.is_argument:
                        t = s.type.target()
                        break
        _ptregs.append(t)
    return _ptregs[0]


class GkFrameDecorator(FrameDecorator):
    def __init__(self, fobj, interrupted_pc=None, vector=None):
        super().__init__(fobj)
        self.interrupted_pc = interrupted_pc
        self.vector = vector

    def frame_args(self):
        args = super().frame_args()
        if args is None:
            return None
        return [a for a in args if not str(a.symbol()).startswith("~r")]

    def function(self):
        f = super().function()
        if not isinstance(f, str):
            # No symbol gdb knows: ours may (setup, boot stage), else ?? as
            # gdb prints it.
            return syms().lookup(int(f)) or "??" if f is not None else "??"
        if self.vector is not None:
            return "%s [exception %s]" % (f, self.vector)
        return f

    def line(self):
        if self.interrupted_pc is not None:
            # The interrupted instruction itself, not the one before it as
            # for a return address.
            return gdb.find_pc_line(self.interrupted_pc).line
        return super().line()


class LinearFrameDecorator(FrameDecorator):
    """Frame #0 where gdb cannot unwind, at its linear address (gdb's $pc is
    IP in real mode)."""

    def __init__(self, fobj, cpu):
        super().__init__(fobj)
        self.cpu = cpu
        self.sal = gdb.find_pc_line(cpu.linear)

    def address(self):
        return self.cpu.linear

    def function(self):
        name = syms().lookup(self.cpu.linear)
        if name is None and self.cpu.mode == "long" and syms().lookup(self.cpu.linear + START_KERNEL_map):
            name = syms().lookup(self.cpu.linear + START_KERNEL_map) + " (physical)"
        return name or "??"

    def filename(self):
        return self.sal.symtab.filename if self.sal.symtab else None

    def line(self):
        return self.sal.line if self.sal.symtab else None

    def frame_args(self):
        return None


def vector_name(v):
    if v in EXCEPTIONS:
        return EXCEPTIONS[v]
    return "int $0x80" if v == 0x80 else ("?" if v < 32 else "interrupt")


EXCEPTIONS = {0: "#DE", 1: "#DB", 2: "NMI", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 7: "#NM", 8: "#DF", 10: "#TS", 11: "#NP",
              12: "#SS", 13: "#GP", 14: "#PF", 16: "#MF", 17: "#AC", 18: "#MC", 19: "#XM"}


class GkFrameFilter:
    def __init__(self):
        self.name = "gokern"
        self.priority = 100
        self.enabled = True
        gdb.frame_filters[self.name] = self

    def filter(self, frames):
        return self._gen(frames)

    def _gen(self, frames):
        try:
            cpu = Cpu()
        except (GkError, gdb.error):
            cpu = None
        if cpu is not None and (cpu.mode != "long" or cpu.ip < 0xFFFF800000000000):
            # gdb unwinds 64-bit frames with DWARF only: in 16- or 32-bit
            # code it would read the stack as 64-bit return addresses, and
            # the boot stage (and the kernel's startup_64 at its physical
            # address) has no unwind information.
            why = "the CPU is not in 64-bit mode" if cpu.mode != "long" else "no unwind information before the kernel runs at its virtual addresses"
            for fd in frames:
                yield LinearFrameDecorator(fd, cpu)
                gdb.write("(gokern: bt stops here: %s)\n" % why)
                return
        after_exception = None
        for fd in frames:
            frame = fd.inferior_frame()
            sal = frame.find_sal()
            if sal.symtab is not None and sal.symtab.filename.endswith("<autogenerated>") and frame.level() > 0:
                continue  # an ABI wrapper
            pc = frame.pc()
            vector, interrupted = None, None
            regs_addr = trap_frame_regs(pc, int(frame.read_register("rsp")))
            if regs_addr is not None:
                try:
                    regs_t = ptregs_type()
                    regs = gdb.Value(regs_addr).cast(regs_t.pointer()).dereference()
                    v = int(regs["Vector"])
                    what = "nr %d" % int(regs["Orig_ax"]) if v == 0x80 else "error %#x" % int(regs["Orig_ax"])
                    vector = "%s, vector %d, %s" % (vector_name(v), v, what)
                    after_exception = int(regs["IP"])
                except (gdb.error, AttributeError, TypeError):
                    pass
            elif after_exception is not None and pc == after_exception:
                interrupted = pc
                after_exception = None
            yield GkFrameDecorator(fd, interrupted, vector)


_unwinder = PtRegsUnwinder()


EFLAGS_BITS = ((0, "CF", ""), (2, "PF", ""), (4, "AF", ""), (6, "ZF", ""), (7, "SF", ""), (8, "TF", "single step"),
               (9, "IF", "interrupts on"), (10, "DF", ""), (11, "OF", ""), (14, "NT", ""), (16, "RF", ""), (17, "VM", ""),
               (18, "AC", ""), (19, "VIF", ""), (20, "VIP", ""), (21, "ID", ""))


@register
class GkPtregs(GkCommand):
    """Print a trap frame (struct pt_regs): where an exception or interrupt stopped the kernel.
Usage: gk-ptregs [ADDRESS]
Without ADDRESS, the innermost trap frame of the backtrace: stop in
do_page_fault, do_int3, do_IRQ, ... and gk-ptregs shows the registers of the
code the CPU interrupted, as the oops prints them (arch/amd64/asm/ptrace.go
for the layout, arch/amd64/entry for how the frame is built)."""

    name = "gk-ptregs"

    def run(self, arg, from_tty):
        if arg:
            addr = parse_addr(arg, self.name)
        else:
            addr, f = None, gdb.newest_frame()
            while f is not None and addr is None:
                addr = trap_frame_regs(f.pc(), int(f.read_register("rsp")))
                f = f.older()
            if addr is None:
                raise GkError("no trap frame in the backtrace: stop in an exception or interrupt handler first")
        names = ("R15", "R14", "R13", "R12", "BP", "BX", "R11", "R10", "R9", "R8", "AX", "CX", "DX", "SI", "DI",
                 "Vector", "Orig_ax", "IP", "CS", "Flags", "SP", "SS")
        v = dict(zip(names, struct.unpack("<22Q", read(addr, 22 * 8))))
        vec = v["Vector"]
        gdb.write("pt_regs at %#x: vector %d (%s), error code %#x\n" % (addr, vec, vector_name(vec), v["Orig_ax"]))
        gdb.write("RIP: %04x:%#018x%s\n" % (v["CS"], v["IP"], symbolize(v["IP"])))
        gdb.write("RSP: %04x:%016x EFLAGS: %08x [ %s ]\n" % (v["SS"], v["SP"], v["Flags"],
                  " ".join(n for b, n, _ in EFLAGS_BITS if v["Flags"] >> b & 1)))
        for row in (("AX", "BX", "CX"), ("DX", "SI", "DI"), ("BP", "R8", "R9"), ("R10", "R11", "R12"), ("R13", "R14", "R15")):
            gdb.write(" ".join("%s: %016x" % (("R" + r) if len(r) == 2 and not r[1].isdigit() else ("R0" + r[1:] if len(r) == 2 else r), v[r])
                               for r in row) + "\n")


# ---------------------------------------------------------------------------
# Start-up: symbol files, settings, hooks.


def load():
    for f in ("vmlinux", "setup.elf", os.path.join("compressed", "vmlinux"), "bzImage"):
        if not os.path.exists(os.path.join(BUILD, f)):
            raise gdb.GdbError("gokern: %s is missing: run ./qemu.sh build first" % os.path.join(BUILD, f))
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("set print pretty on")
    # An address 2 GB past a symbol is not "in" it: without a limit gdb
    # names real-mode addresses after a kernel symbol of the same name
    # (boot_params+2129400720).
    gdb.execute("set print max-symbolic-offset 0x10000")
    # The Go linker asks gdb to auto-load $GOROOT/src/runtime/runtime-gdb.py
    # (.debug_gdb_scripts). It is for Go programs with a scheduler: its
    # goroutine commands walk runtime.allgs, which the kernel never fills,
    # and it announces itself on stderr. gokern does not load it, on purpose.
    gdb.execute("set auto-load python-scripts off")
    gdb.execute("file %s" % os.path.join(BUILD, "vmlinux"))
    gdb.execute("set auto-load python-scripts on")
    gdb.execute("add-symbol-file %s -o %#x" % (os.path.join(BUILD, "setup.elf"), SETUP_BASE))
    gdb.execute("add-symbol-file %s -o %#x" % (os.path.join(BUILD, "compressed", "vmlinux"), code32_start()))
    gdb.execute("set $START_KERNEL_map = %#x" % START_KERNEL_map)
    for c in COMMANDS:
        c()
    StopReport()
    SymbolIn("setup", lambda n: syms().setup_symbol(n))
    SymbolIn("boot", lambda n: syms().boot_symbol(n))
    install_hooks()
    gdb.events.stop.connect(on_stop)
    gdb.events.breakpoint_modified.connect(_twin_sync)
    gdb.events.breakpoint_deleted.connect(_twin_delete)
    gdb.unwinder.register_unwinder(None, _unwinder, replace=True)
    GkFrameFilter()


load()
