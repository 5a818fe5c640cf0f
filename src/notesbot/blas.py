"""Limit numpy's BLAS threads around small products, where thread hand-offs cost more than they save."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any


@contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Run the block with numpy's BLAS limited to ``n`` threads (``None``: unchanged).

    A single query's products are small: on two cores OpenBLAS's second thread makes them slower, and
    on a busy machine a waiting thread can stall them by tens of milliseconds. Uses threadpoolctl when
    it is installed and does nothing otherwise.
    """
    controller = _controller() if n is not None else None
    if controller is None:
        yield
        return
    with controller.limit(limits=n, user_api="blas"):
        yield


@lru_cache(maxsize=1)
def _controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


__all__ = ["blas_threads"]
