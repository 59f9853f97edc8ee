"""Imported by the fork server before it forks a kernel (see :mod:`.kernels`)."""

from .kernel_child import preload

preload()
