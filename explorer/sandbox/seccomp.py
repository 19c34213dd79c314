"""prctl and seccomp through ctypes: the syscall filter a worker installs before it runs a program."""
from __future__ import annotations

import ctypes
import logging
import os
import platform

log = logging.getLogger(__name__)




# ---- prctl and seccomp, through ctypes ------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
_libc.prctl.restype = ctypes.c_int
_PR_SET_PDEATHSIG = 1
_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_MODE_FILTER = 2


def _prctl(option: int, *args: int) -> int:
    """prctl(2), every argument a full machine word (the kernel insists unused ones are 0)."""
    return _libc.prctl(option, *args, *(0,) * (4 - len(args)))


# The filter refuses (EPERM): new processes (fork, vfork, clone without CLONE_THREAD, execve), changes to
# files (opening for writing or creating, truncate, unlink, rename, mkdir, link, chmod, chown, ...) and new
# sockets. clone3 gets ENOSYS: its flags live in memory a filter cannot read, and glibc then falls back to
# clone, which is checked. Every syscall of a foreign ABI (x32, or i386 on x86_64) is refused too.
_SECCOMP_ARCHES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (
        0xC000003E,
        {
            "clone": 56, "clone3": 435, "open": 2, "openat": 257,
            "fork": 57, "vfork": 58, "execve": 59, "execveat": 322, "socket": 41, "openat2": 437,
            "creat": 85, "truncate": 76, "unlink": 87, "unlinkat": 263, "rename": 82, "renameat": 264,
            "renameat2": 316, "rmdir": 84, "mkdir": 83, "mkdirat": 258, "link": 86, "linkat": 265,
            "symlink": 88, "symlinkat": 266, "mknod": 133, "mknodat": 259, "chmod": 90, "fchmod": 91,
            "fchmodat": 268, "fchmodat2": 452, "chown": 92, "fchown": 93, "lchown": 94, "fchownat": 260,
        },
    ),
    "aarch64": (
        0xC00000B7,
        {
            "clone": 220, "clone3": 435, "openat": 56,
            "execve": 221, "execveat": 281, "socket": 198, "openat2": 437, "truncate": 45,
            "unlinkat": 35, "renameat": 38, "renameat2": 276, "mkdirat": 34, "linkat": 37, "symlinkat": 36,
            "mknodat": 33, "fchmod": 52, "fchmodat": 53, "fchmodat2": 452, "fchownat": 54, "fchown": 55,
        },
    ),
}  # fmt: skip
_CHECKED_SYSCALLS = ("clone", "clone3", "open", "openat")  # looked at more closely; all others are refused
_X32_SYSCALL_BIT = 0x40000000
_CLONE_THREAD = 0x00010000
_OPEN_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EPERM, _ENOSYS = 1, 38
_BPF_LD_W_ABS, _BPF_JEQ, _BPF_JGE, _BPF_JSET, _BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06
# offsets in struct seccomp_data (the low 32 bits of each 64-bit argument, little-endian)
_ARCH, _NR, _ARG0, _ARG1, _ARG2 = 4, 0, 16, 24, 32


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _seccomp_program(arch: int, numbers: dict[str, int]) -> list[tuple[int, int, int, int]]:
    """BPF as (code, jt, jf, k); jumps are written to labels (None = next instruction), resolved below."""
    refused = [number for name, number in numbers.items() if name not in _CHECKED_SYSCALLS]
    asm: list[tuple] = [
        ("ld", _ARCH),
        ("jeq", arch, None, "deny"),
        ("ld", _NR),
        ("jge", _X32_SYSCALL_BIT, "deny", None),
        *[("jeq", number, "deny", None) for number in refused],
        *([("jeq", numbers["open"], "open", None)] if "open" in numbers else []),
        ("jeq", numbers["openat"], "openat", None),
        ("jeq", numbers["clone3"], "enosys", None),
        ("jeq", numbers["clone"], None, "allow"),
        ("ld", _ARG0),  # clone(flags, ...)
        ("jset", _CLONE_THREAD, "allow", "deny"),
        ("label", "open"),
        ("ld", _ARG1),  # open(path, flags, mode)
        ("jset", _OPEN_WRITE_FLAGS, "deny", "allow"),
        ("label", "openat"),
        ("ld", _ARG2),  # openat(dirfd, path, flags, mode)
        ("jset", _OPEN_WRITE_FLAGS, "deny", "allow"),
        ("label", "allow"),
        ("ret", _SECCOMP_RET_ALLOW),
        ("label", "deny"),
        ("ret", _SECCOMP_RET_ERRNO | _EPERM),
        ("label", "enosys"),
        ("ret", _SECCOMP_RET_ERRNO | _ENOSYS),
    ]
    code: list[tuple] = []
    labels: dict[str, int] = {}
    for op in asm:
        if op[0] == "label":
            labels[op[1]] = len(code)
        else:
            code.append(op)

    def jump(here: int, label: str | None) -> int:
        return 0 if label is None else labels[label] - here - 1

    jumps = {"jeq": _BPF_JEQ, "jge": _BPF_JGE, "jset": _BPF_JSET}
    program = []
    for i, op in enumerate(code):
        if op[0] in jumps:
            program.append((jumps[op[0]], jump(i, op[2]), jump(i, op[3]), op[1]))
        else:
            program.append((_BPF_LD_W_ABS if op[0] == "ld" else _BPF_RET, 0, 0, op[1]))
    return program


# The filter as the kernel takes it (struct sock_fprog and the instructions it points to), made once in the zygote
# (prepare_seccomp_filter): a worker only hands it over, which spares every run the ctypes work of building it.
_prepared: tuple[_SockFprog, ctypes.Array] | None = None


def prepare_seccomp_filter() -> None:
    """Build the filter for this machine's architecture now (nothing on an unknown one)."""
    global _prepared
    arch = _SECCOMP_ARCHES.get(platform.machine())
    if arch is None or _prepared is not None:
        return
    program = _seccomp_program(*arch)
    filters = (_SockFilter * len(program))(*[_SockFilter(*op) for op in program])
    _prepared = (_SockFprog(len(program), filters), filters)  # the array too: the struct only points to it


def _install_seccomp_filter() -> bool:
    """Install the seccomp filter; False (nothing installed) on an unknown architecture or kernel."""
    prepare_seccomp_filter()
    if _prepared is None:
        return False
    if _prctl(_PR_SET_NO_NEW_PRIVS, 1) != 0:
        return False
    return _prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(_prepared[0])) == 0


