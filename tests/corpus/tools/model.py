#!/usr/bin/env python3
"""Independent reference model of RFC 9669 used to check the expected outcomes in ../*.data.

It parses the same `.data` format (`-- asm`, `-- mem`, `-- result` / `-- error`), assembles the
conformance-style assembler text itself, and executes it with the runner conventions stated in
../README.md. It shares no code with the Rust implementation. Usage:

    python3 tests/corpus/tools/model.py [FILE.data ...]   # default: every ../*.data

Prints one line per mismatch and exits 1 if any file disagrees with the model.
"""
import glob
import os
import re
import sys

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1
BUDGET = 1_000_000
MAX_FRAMES = 8
# may_goto's budget per function call: Linux's BPF_MAX_LOOPS.
MAY_GOTO_BUDGET = 8 * 1024 * 1024
STACK = 512
INPUT_BASE = 0x7F00_0000_0000
STACK_BASE = 0x7E00_0000_0000  # frame k occupies [STACK_BASE + k*0x10000, +512)


class Fault(Exception):
    def __init__(self, kind, msg=""):
        super().__init__(f"{kind}: {msg}")
        self.kind = kind


def sx(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def parse_data(path):
    sections, cur = {}, None
    for line in open(path, encoding="utf-8").read().splitlines():
        if line.startswith("-- "):
            cur = line[3:].strip()
            sections[cur] = []
        elif cur is not None:
            sections[cur].append(line)
    return sections


# ---------------------------------------------------------------- assembler
REG = r"%r(\d+)"
ALU_OPS = "add sub mul div sdiv or and lsh rsh mod smod xor mov arsh".split()
JMP_OPS = "jeq jgt jge jset jne jsgt jsge jlt jle jslt jsle".split()
SIZES = {"b": 1, "h": 2, "w": 4, "dw": 8}


def parse_int(s):
    s = s.strip()
    return int(s, 0)


def reg(s):
    m = re.fullmatch(REG, s.strip())
    if not m or int(m.group(1)) > 10:
        raise ValueError(f"bad register {s!r}")
    return int(m.group(1))


def imm32(s):
    """Conformance assembler convention: a literal in [-2^31, 2^32) is stored as its low 32 bits."""
    v = parse_int(s)
    if not -(1 << 31) <= v < (1 << 32):
        raise ValueError(f"immediate {s} out of range")
    return sx(v, 32)


def mem_operand(s):
    m = re.fullmatch(r"\[\s*%r(\d+)\s*([+-]\s*(?:0x[0-9a-fA-F]+|\d+))?\s*\]", s.strip())
    if not m:
        raise ValueError(f"bad memory operand {s!r}")
    off = int(m.group(2).replace(" ", ""), 0) if m.group(2) else 0
    return int(m.group(1)), off


def assemble(lines):
    """Returns (insns, nslots); insns is a list of (pc, tuple) with jump targets still symbolic."""
    insns, labels, pc = [], {}, 0
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.endswith(":"):
            labels[line[:-1].strip()] = pc
            continue
        mn, _, rest = line.partition(" ")
        args = [a.strip() for a in split_args(rest)] if rest.strip() else []
        ins = parse_insn(mn, args)
        insns.append((pc, ins))
        pc += 2 if ins[0] == "lddw" else 1
    nslots, out = pc, []
    for pc, ins in insns:
        if ins[0] in ("ja", "ja32", "jcc", "calllocal", "maygoto"):
            tgt = ins[-1]
            if re.fullmatch(r"[+-]\d+", tgt):
                t = pc + 1 + int(tgt)
            elif tgt in labels:
                t = labels[tgt]
            elif tgt == "exit":  # bpf_conformance files use "exit" as the final instruction
                t = insns[-1][0]
            else:
                raise ValueError(f"unknown label {tgt}")
            ins = ins[:-1] + (t,)
        out.append((pc, ins))
    return out, nslots


def split_args(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def parse_insn(mn, a):
    if mn == "exit":
        return ("exit",)
    if mn == "lddw":
        return ("lddw", reg(a[0]), parse_int(a[1]) & M64)
    if mn in ("neg", "neg32"):
        return ("alu", "neg", mn == "neg", reg(a[0]), None)
    m = re.fullmatch(r"movsx(8|16|32)(32|64)", mn)
    if m:
        return ("movsx", int(m.group(1)), int(m.group(2)), reg(a[0]), reg(a[1]))
    m = re.fullmatch(r"(le|be|bswap|swap)(16|32|64)", mn)
    if m:
        kind = "bswap" if m.group(1) == "swap" else m.group(1)
        return ("end", kind, int(m.group(2)), reg(a[0]))
    m = re.fullmatch(r"([a-z]+?)(32)?", mn)
    if m and m.group(1) in ALU_OPS:
        src = ("r", reg(a[1])) if a[1].startswith("%") else ("i", imm32(a[1]))
        return ("alu", m.group(1), m.group(2) is None, reg(a[0]), src)
    if mn in ("ja", "ja32"):
        return (mn, a[0])
    if mn == "may_goto":
        return ("maygoto", a[0])
    if m and m.group(1) in JMP_OPS:
        src = ("r", reg(a[1])) if a[1].startswith("%") else ("i", imm32(a[1]))
        return ("jcc", m.group(1), m.group(2) is None, reg(a[0]), src, a[2])
    if mn == "call":
        if a[0] == "local" or a[0].startswith("local "):
            return ("calllocal", a[0].split()[1] if " " in a[0] else a[1])
        if a[0].startswith("%"):
            return ("callx", reg(a[0]))
        return ("call", parse_int(a[0]))
    if mn == "callx":
        return ("callx", reg(a[0]))
    m = re.fullmatch(r"ldx(s?)(b|h|w|dw)", mn)
    if m:
        r, off = mem_operand(a[1])
        return ("ldx", SIZES[m.group(2)], m.group(1) == "s", reg(a[0]), r, off)
    m = re.fullmatch(r"st(x?)(b|h|w|dw)", mn)
    if m:
        r, off = mem_operand(a[0])
        src = ("r", reg(a[1])) if m.group(1) else ("i", imm32(a[1]))
        return ("st", SIZES[m.group(2)], r, off, src)
    m = re.fullmatch(r"ld(abs|ind)(b|h|w)", mn)
    if m:
        if m.group(1) == "abs":
            return ("ldleg", SIZES[m.group(2)], None, imm32(a[0]))
        return ("ldleg", SIZES[m.group(2)], reg(a[0]), imm32(a[1]))
    if mn == "lock":
        words = a[0].split()
        # a[0] is e.g. "fetch add32 [%r10-8]" ; a[1] is the source register
        body = " ".join(words)
        m = re.fullmatch(r"(fetch\s+)?(add|or|and|xor|xchg|cmpxchg)(32)?\s+(\[.*\])", body)
        if not m:
            raise ValueError(f"bad atomic {a}")
        r, off = mem_operand(m.group(4))
        return ("atomic", m.group(2), bool(m.group(1)) or m.group(2) in ("xchg", "cmpxchg"),
                4 if m.group(3) else 8, r, off, reg(a[1]))
    raise ValueError(f"unknown mnemonic {mn}")


def fix_lock(lines):
    # "lock fetch add32 [%r10-8], %r1": the mnemonic is "lock", args split on the top-level comma.
    return lines


# ---------------------------------------------------------------- checks
def validate(prog, nslots):
    if nslots == 0:
        raise Fault("invalid-program", "empty program")
    starts = {pc for pc, _ in prog}
    for pc, ins in prog:
        if ins[0] in ("ja", "ja32", "jcc", "calllocal", "maygoto"):
            t = ins[-1]
            if not 0 <= t < nslots or t not in starts:
                raise Fault("invalid-program", f"pc {pc}: bad target {t}")
        if ins[0] in ("alu", "movsx", "end", "ldx", "lddw") and ins[3 if ins[0] in ("alu", "ldx", "end") else (1 if ins[0] == "lddw" else 3)] == 10:
            raise Fault("invalid-program", f"pc {pc}: writes r10")
    last = prog[-1][1]
    if last[0] not in ("exit", "ja", "ja32"):
        raise Fault("invalid-program", "last instruction can fall off the end")


# ---------------------------------------------------------------- machine
class Machine:
    def __init__(self, mem):
        self.input = bytearray(mem)
        self.frames = []  # list of bytearray, index = depth

    def region(self, addr, size):
        if INPUT_BASE <= addr and addr + size <= INPUT_BASE + len(self.input):
            return self.input, addr - INPUT_BASE
        for k, fr in enumerate(self.frames):
            base = STACK_BASE + k * 0x10000
            if base <= addr and addr + size <= base + STACK:
                return fr, addr - base
        raise Fault("out-of-bounds", f"access {addr:#x}+{size}")

    def load(self, addr, size):
        buf, o = self.region(addr, size)
        return int.from_bytes(buf[o:o + size], "little")

    def store(self, addr, size, val):
        buf, o = self.region(addr, size)
        buf[o:o + size] = (val & ((1 << (8 * size)) - 1)).to_bytes(size, "little")


def alu(op, is64, dst, src):
    bits = 64 if is64 else 32
    mask = M64 if is64 else M32
    d, s = dst & mask, src & mask
    if op == "add":
        r = d + s
    elif op == "sub":
        r = d - s
    elif op == "mul":
        r = d * s
    elif op == "div":
        r = 0 if s == 0 else d // s
    elif op == "sdiv":
        if s == 0:
            r = 0
        else:
            a, b = sx(d, bits), sx(s, bits)
            q = abs(a) // abs(b)
            r = q if (a < 0) == (b < 0) else -q
    elif op == "mod":
        r = d if s == 0 else d % s
    elif op == "smod":
        if s == 0:
            r = d
        else:
            a, b = sx(d, bits), sx(s, bits)
            rem = abs(a) % abs(b)
            r = -rem if a < 0 else rem
    elif op == "or":
        r = d | s
    elif op == "and":
        r = d & s
    elif op == "xor":
        r = d ^ s
    elif op == "lsh":
        r = d << (s & (bits - 1))
    elif op == "rsh":
        r = d >> (s & (bits - 1))
    elif op == "arsh":
        r = sx(d, bits) >> (s & (bits - 1))
    elif op == "mov":
        r = s
    elif op == "neg":
        r = -d
    else:
        raise ValueError(op)
    return r & mask


def bswap(v, bits):
    return int.from_bytes((v & ((1 << bits) - 1)).to_bytes(bits // 8, "little"), "big")


def cond(op, is64, a, b):
    bits = 64 if is64 else 32
    mask = M64 if is64 else M32
    a, b = a & mask, b & mask
    sa, sb = sx(a, bits), sx(b, bits)
    return {
        "jeq": a == b, "jne": a != b, "jgt": a > b, "jge": a >= b, "jlt": a < b, "jle": a <= b,
        "jset": (a & b) != 0, "jsgt": sa > sb, "jsge": sa >= sb, "jslt": sa < sb, "jsle": sa <= sb,
    }[op]


def run(prog, nslots, mem):
    validate(prog, nslots)
    at = {pc: ins for pc, ins in prog}
    m = Machine(mem)
    m.frames.append(bytearray(STACK))
    r = [0] * 11
    r[1] = INPUT_BASE
    r[2] = len(mem)
    r[10] = STACK_BASE + STACK
    calls = []  # (return pc, saved r6-r9)
    loops = [MAY_GOTO_BUDGET]  # may_goto budget of each live frame
    pc, count = 0, 0
    while True:
        count += 1
        if count > BUDGET:
            raise Fault("budget")
        ins = at[pc]
        k = ins[0]
        nxt = pc + (2 if k == "lddw" else 1)
        if k == "exit":
            if not calls:
                return r[0]
            nxt, saved = calls.pop()
            m.frames.pop()
            loops.pop()
            r[6:10] = saved
            r[10] = STACK_BASE + (len(m.frames) - 1) * 0x10000 + STACK
        elif k == "lddw":
            r[ins[1]] = ins[2]
        elif k == "alu":
            _, op, is64, d, src = ins
            if src is None:
                s = 0
            elif src[0] == "r":
                s = r[src[1]]
            else:
                s = src[1] & (M64 if is64 else M32)  # imm sign-extended for ALU64
            r[d] = alu(op, is64, r[d], s)
        elif k == "movsx":
            _, fb, tb, d, s = ins
            v = sx(r[s], fb)
            r[d] = v & (M32 if tb == 32 else M64)
        elif k == "end":
            _, kind, bits, d = ins
            if kind == "le":
                r[d] &= (1 << bits) - 1
            else:
                r[d] = bswap(r[d], bits)
        elif k in ("ja", "ja32"):
            nxt = ins[1]
        elif k == "maygoto":
            if loops[-1] == 0:
                nxt = ins[1]
            else:
                loops[-1] -= 1
        elif k == "jcc":
            _, op, is64, d, src, t = ins
            s = r[src[1]] if src[0] == "r" else src[1] & M64
            if cond(op, is64, r[d], s):
                nxt = t
        elif k == "call":
            if ins[1] != 5:
                raise Fault("unknown-helper", str(ins[1]))
            r[0] = r[1]
        elif k == "callx":
            if r[ins[1]] != 5:
                raise Fault("unknown-helper", str(r[ins[1]]))
            r[0] = r[1]
        elif k == "calllocal":
            if len(m.frames) >= MAX_FRAMES:
                raise Fault("call-depth")
            calls.append((nxt, r[6:10]))
            m.frames.append(bytearray(STACK))
            loops.append(MAY_GOTO_BUDGET)
            r[10] = STACK_BASE + (len(m.frames) - 1) * 0x10000 + STACK
            nxt = ins[1]
        elif k == "ldx":
            _, size, signed, d, s, off = ins
            v = m.load((r[s] + off) & M64, size)
            r[d] = (sx(v, size * 8) & M64) if signed else v
        elif k == "st":
            _, size, d, off, src = ins
            v = r[src[1]] if src[0] == "r" else src[1] & M64
            m.store((r[d] + off) & M64, size, v)
        elif k == "ldleg":
            _, size, s, imm = ins
            off = imm + (sx(r[s], 64) if s is not None else 0)
            if off < 0 or off + size > len(m.input):
                # Returns 0 from the current function (Linux's hidden `r0 = 0; exit`).
                if not calls:
                    return 0
                r[0] = 0
                nxt, saved = calls.pop()
                m.frames.pop()
                loops.pop()
                r[6:10] = saved
                r[10] = STACK_BASE + (len(m.frames) - 1) * 0x10000 + STACK
                pc = nxt
                continue
            r[0] = int.from_bytes(m.input[off:off + size], "big")
        elif k == "atomic":
            _, op, fetch, size, d, off, s = ins
            addr = (r[d] + off) & M64
            old = m.load(addr, size)
            mask = (1 << (8 * size)) - 1
            sv = r[s] & mask
            if op == "cmpxchg":
                if (r[0] & mask) == old:
                    m.store(addr, size, sv)
                r[0] = old
            else:
                new = {"add": old + sv, "or": old | sv, "and": old & sv, "xor": old ^ sv,
                       "xchg": sv}[op]
                m.store(addr, size, new)
                if fetch:
                    r[s] = old
        else:
            raise ValueError(k)
        pc = nxt


def expected(sections):
    if "result" in sections:
        vals = [l.strip() for l in sections["result"] if l.strip()]
        return ("result", int(vals[0], 16))
    vals = [l.strip() for l in sections["error"] if l.strip()]
    return ("error", vals[0])


def check(path):
    s = parse_data(path)
    mem = bytes(int(b, 16) for l in s.get("mem", []) for b in l.split())
    exp = expected(s)
    try:
        prog, nslots = assemble(s.get("asm", []))
        got = ("result", run(prog, nslots, mem))
    except Fault as f:
        got = ("error", f.kind)
    return exp, got


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(here, "..", "*.data")))
    bad = 0
    for f in files:
        exp, got = check(f)
        if exp != got:
            bad += 1
            fmt = lambda o: f"{o[0]} {o[1]:#x}" if o[0] == "result" else f"error {o[1]}"
            print(f"MISMATCH {os.path.basename(f)}: file says {fmt(exp)}, model gives {fmt(got)}")
    print(f"{len(files) - bad}/{len(files)} files agree with the model")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
