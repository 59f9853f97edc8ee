"""Page kernels forked from a process that has already imported torch.

MyST-NB runs each page in a fresh Jupyter kernel, and each kernel pays its own start and
torch import (about 2 CPU seconds) before the page's first line runs.  Here a kernel is
still a fresh process with a fresh IPython and an empty namespace, but it is forked by
:mod:`multiprocessing`'s fork server, which imported torch and ipykernel once.  The
kernel itself is the same ipykernel, talked to by the same nbclient, so outputs do not
change; :mod:`.warm` uses it to execute the pages a build is about to read.

The hook is jupyter_client's own: a kernel provisioner (the object that starts, signals
and waits for the kernel process) set on the kernel manager before the kernel starts.
"""

from __future__ import annotations

import ast
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from . import kernel_child

# Imported once, by the fork server, before it forks any kernel.
PRELOAD = ["autograd_docs.kernel_preload"]
# Read by torch when it is imported: a kernel asked to run with other values than the
# fork server had cannot be forked from it, and starts the usual way.
IMPORT_TIME_VARIABLES = ("CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY")
LAUNCHER = ["-m", "ipykernel_launcher"]

_context: multiprocessing.context.ForkServerContext | None = None
_server_environment: dict[str, str | None] = {}
_fresh_path: list[str] = []
_lock = threading.Lock()


def context() -> multiprocessing.context.ForkServerContext:
    """The fork server's context; the server itself starts with the first kernel."""
    global _context
    with _lock:
        if _context is not None:
            return _context
        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload(PRELOAD)
        _server_environment.update({name: os.environ.get(name) for name in IMPORT_TIME_VARIABLES})
        # What sys.path holds in a started kernel: the interpreter's own, less the first
        # entry, which ipykernel_launcher removes.
        shown = subprocess.run([sys.executable, "-c", "import sys; print(repr(sys.path))"],
                               capture_output=True, text=True, check=True).stdout
        _fresh_path[:] = ast.literal_eval(shown)[1:]
        _context = server
        return _context


def start_server() -> None:
    """Start the fork server (and its imports) now, before the first kernel needs it."""
    context()
    multiprocessing.forkserver.ensure_running()


def forkable(cmd: list[str], env: dict[str, str]) -> bool:
    """Whether a kernel command can run in a child of the fork server.

    >>> forkable([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"], dict(os.environ))
    True
    >>> forkable(["/other/python", "-m", "ipykernel_launcher", "-f", "k.json"], dict(os.environ))
    False
    """
    context()
    return (
        len(cmd) >= 3
        and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
        and cmd[1:3] == LAUNCHER
        and all(env.get(name) == value for name, value in _server_environment.items())
    )


class ForkedProcess:
    """The part of :class:`subprocess.Popen` that jupyter_client uses, for a forked kernel."""

    stdin = stdout = stderr = None

    def __init__(self, process: multiprocessing.process.BaseProcess) -> None:
        self._process = process
        self.pid = process.pid

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
        return self._process.exitcode

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkedProvisioner(LocalProvisioner):
    """LocalProvisioner whose kernels are forked from the fork server when they can be."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        env = dict(kwargs.get("env") or os.environ)
        if not forkable(cmd, env):
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launch_kernel sets it
        process = context().Process(target=kernel_child.main, args=(cmd[3:], env, cwd, _fresh_path),
                                    daemon=False)
        process.start()
        self.process = ForkedProcess(process)
        self.pid = self.pgid = process.pid
        self.cwd = cwd
        return self.connection_info


class ForkedKernelManager(AsyncKernelManager):
    """The kernel manager nbclient is given: an ordinary one, with the forking provisioner.

    It talks to its kernel over Unix sockets, not TCP ports: two kernels started at the
    same time by two builds could otherwise be given the same free port.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = os.path.join(tempfile.gettempdir(), f"autograd-kernel-{uuid.uuid4().hex[:12]}")

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
            self.provisioner = ForkedProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)
