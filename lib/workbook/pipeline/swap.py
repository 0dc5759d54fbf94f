"""Replacing a whole directory at once, so readers see the old reports or the new ones, never a mix."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with renameat2(RENAME_EXCHANGE); False where unsupported."""
    try:  # the running process's own symbols include libc's; find_library would run ldconfig (~20 ms)
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError, TypeError):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            fn = libc.renameat2
        except (OSError, AttributeError):
            return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def old_path(target: Path) -> Path:
    """Where the previous version of `target` waits during a swap."""
    return target.parent / f".{target.name}-old"


def recover(target: Path) -> None:
    """Restore `target` from its previous version if a swap was interrupted between its two renames."""
    old = old_path(target)
    if old.exists():
        if not target.exists():
            os.rename(old, target)
        else:
            shutil.rmtree(old, ignore_errors=True)


def swap_in(new: Path, target: Path) -> None:
    """Make `new` become `target`; the previous `target` is removed once the new one is in place."""
    old = old_path(target)
    if old.exists():
        shutil.rmtree(old)
    if target.exists() and _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)
        return
    if target.exists():
        os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)
