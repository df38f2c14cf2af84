"""Debian command-line readers run as subprocesses under limits (as LibreOffice is run).

``run_tool`` runs one command in its own process group with a memory limit, a per-file size
limit and a time limit, and kills the group when the time passes. A tool that is not installed
is refused with the Debian package that provides it.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
from dataclasses import dataclass

from harvestwatch.core.errors import CorruptInput, InputError, UnsupportedFormat

TOOL_TIMEOUT = 180.0
TOOL_MEMORY = 2 * 1024 * 1024 * 1024
TOOL_FILE_SIZE = 1024 * 1024 * 1024  # no single file a tool writes may pass this

PACKAGES = {"unar": "unar", "lsar": "unar", "djvutxt": "djvulibre-bin", "readpst": "pst-utils",
            "mdb-tables": "mdbtools", "mdb-export": "mdbtools"}


@dataclass(frozen=True)
class ToolResult:
    """A finished command's exit status and its output."""

    returncode: int
    stdout: bytes
    stderr: bytes


def require(tool: str, source: str, what: str) -> str:
    """The path of ``tool``, or UnsupportedFormat naming the Debian package to install."""
    path = shutil.which(tool)
    if path is None:
        package = PACKAGES.get(tool, tool)
        raise UnsupportedFormat(source, f"reading this {what} needs {tool} (Debian package "
                                        f"{package}: apt-get install {package}; make install)")
    return path


def _limits(file_size: int, memory: int) -> None:
    os.setsid()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # die with the worker
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))


def run_tool(cmd: list[str], source: str, *, timeout: float = TOOL_TIMEOUT,
             file_size: int = TOOL_FILE_SIZE, memory: int = TOOL_MEMORY,
             cwd: str | None = None) -> ToolResult:
    """Run ``cmd`` under the limits; InputError when it runs past ``timeout``."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, cwd=cwd,
                            preexec_fn=lambda: _limits(file_size, memory))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise InputError(source, f"{os.path.basename(cmd[0])} took over {timeout:.0f} s; "
                                 "stopped") from None
    return ToolResult(proc.returncode, out, err)


def failure(result: ToolResult, source: str, what: str) -> CorruptInput:
    """A one-line CorruptInput from a failed command's last line of errors."""
    lines = [ln.strip() for ln in result.stderr.decode("utf-8", "replace").splitlines()
             if ln.strip()]
    why = "".join(c if c.isprintable() else "?" for c in (lines[-1] if lines else
                                                          f"exit status {result.returncode}"))
    return CorruptInput(source, f"unreadable {what} ({why[:120]})")
