"""Warm kernels: one IPython kernel per worker process, reused for every notebook it executes.

Starting a kernel and importing pandas, matplotlib and the library costs more than executing
a report, so each worker keeps one kernel (IPC transport, libraries pre-imported) and resets
its namespace between notebooks. The papermill engine ``evidence-warm`` runs a notebook on
that kernel instead of starting a new one.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from evidence_lib.errors import RenderError

logger = logging.getLogger(__name__)

KERNEL_NAME = "python3"
ENGINE_NAME = "evidence-warm"
WARM_UP = (
    "import matplotlib\n"
    "matplotlib.use('Agg')\n"
    "import pandas, matplotlib.pyplot\n"
    "import evidence_lib.reports.notebook, evidence_lib.reports.summary\n"
    "import evidence_lib.reports.investigate\n"
)
RESET = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import os as _os, matplotlib.pyplot as _plt\n"
    "_plt.close('all'); _os.chdir({cwd!r})\n"
    "del _os, _plt\n"
)


class WarmKernel:
    """One kernel over IPC, started once and reset between notebooks."""

    def __init__(self, startup_timeout: float = 60) -> None:
        self.startup_timeout = startup_timeout
        self._socket_dir = tempfile.mkdtemp(prefix="evk-")
        self.km: AsyncKernelManager | None = None
        self.kc: Any = None

    def start(self) -> None:
        """Start the kernel and its client, and pre-import the report libraries."""
        env = {**os.environ, "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        self.km = AsyncKernelManager(
            kernel_name=KERNEL_NAME, transport="ipc", ip=str(Path(self._socket_dir) / "k")
        )
        run_sync(self.km.start_kernel)(env=env, cwd=self._socket_dir)
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
        self.run_silently(WARM_UP)

    def run_silently(self, code: str, timeout: float = 60) -> None:
        """Execute ``code`` without output or history; raise RenderError if it fails."""
        reply = run_sync(self.kc.execute_interactive)(
            code, silent=True, store_history=False, timeout=timeout, output_hook=_ignore
        )
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise RenderError(
                f"kernel set-up failed: {content.get('ename')}: {content.get('evalue')}"
            )

    def reset(self, cwd: Path) -> None:
        """Clear the namespace, close figures and move the kernel to ``cwd``."""
        self.run_silently(RESET.format(cwd=str(cwd)))

    def restart(self) -> None:
        """Replace the kernel with a fresh one (after a failure or a timeout)."""
        self.stop()
        self._socket_dir = tempfile.mkdtemp(prefix="evk-")
        self.start()

    def stop(self) -> None:
        """Shut the kernel down and remove its sockets."""
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            run_sync(self.km.shutdown_kernel)(now=True)
            self.km = None
        shutil.rmtree(self._socket_dir, ignore_errors=True)


def _ignore(message: dict[str, Any]) -> None:
    """Drop the output messages of set-up code."""


class WarmKernelEngine(NBClientEngine):
    """Papermill engine that executes on the worker's warm kernel (``WarmKernelEngine.kernel``)."""

    kernel: ClassVar[WarmKernel | None] = None

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        **kwargs: Any,
    ) -> NotebookNode:
        """Execute ``nb_man.nb`` on the warm kernel; the kernel stays up afterwards."""
        if cls.kernel is None or cls.kernel.km is None:
            raise RenderError("no warm kernel in this process")
        client = PapermillNotebookClient(
            nb_man,
            km=cls.kernel.km,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
        )
        client.kc = cls.kernel.kc
        return client.execute()


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
