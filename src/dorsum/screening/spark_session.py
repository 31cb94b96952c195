"""The SparkSession a Spark screening run uses: the one already running, or a quiet one of its own.

Under `spark-submit`, in a notebook or in a test fixture a session already exists and belongs to
its owner, so the run borrows it and leaves it running. Otherwise the run starts one on the
master it is given (else the one `spark-submit`/`spark-defaults.conf` chose, else `local[*]`) and
stops it afterwards, whatever happens.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from pyspark import SparkConf, SparkContext
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from dorsum.core.errors import DorsumError

LOCAL_MASTER = "local[*]"
PANDAS_WARNING = "PySpark does not yet fully support pandas"
LOCAL_SHUFFLE_PARTITIONS = "8"
QUIET = {
    "spark.api.mode": "classic",  # the engine uses RDDs, which Spark Connect does not offer
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.app.name": "dorsum-screen",
}


PY4J_ERROR: type[Exception] = importlib.import_module("py4j.protocol").Py4JError
"""What a failed Spark job raises when PySpark has no finer exception for it (looked up rather
than imported: py4j ships no type information)."""


class SparkError(DorsumError):
    """Spark could not start (no Java 17?) or a Spark job failed; the message is Spark's first
    line, never the data (an executor's traceback may quote a resource)."""


@contextmanager
def spark_errors() -> Iterator[None]:
    """Spark's failures as a `SparkError` with a one-line reason, for the CLI to show."""
    try:
        yield
    except (PySparkException, PY4J_ERROR) as error:
        raise SparkError(f"Spark failed: {first_line(error)}") from None


def first_line(error: BaseException) -> str:
    """The first line of an error's message (Spark's messages go on for pages)."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


@contextmanager
def spark_session(
    master: str | None = None, conf: Mapping[str, str] | None = None
) -> Iterator[SparkSession]:
    """The active session if there is one (left running), else a new one stopped on exit.

    `conf`: more settings for a new session (tests make splits small with it).
    """
    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    with spark_errors(), warnings.catch_warnings():
        # PySpark warns at start-up that it does not fully support pandas 3; dorsum's Spark
        # path uses no pandas, and the person running a screen cannot act on it.
        warnings.filterwarnings("ignore", PANDAS_WARNING, FutureWarning)
        chosen = master or _configured_master() or LOCAL_MASTER
        with _workers_run_this_python(local=chosen.startswith("local")):
            session = _builder(chosen, conf or {}).getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    try:
        yield session
    finally:
        session.stop()


def _builder(master: str, conf: Mapping[str, str]) -> SparkSession.Builder:
    builder = SparkSession.builder.master(master)
    if master.startswith("local"):
        # One machine: a few shuffle partitions, not the 200 meant for a cluster.
        builder = builder.config("spark.sql.shuffle.partitions", LOCAL_SHUFFLE_PARTITIONS)
    for key, value in {**QUIET, **conf}.items():
        builder = builder.config(key, value)
    return builder


@contextmanager
def _workers_run_this_python(*, local: bool) -> Iterator[None]:
    """In local mode, Python workers run this interpreter (where dorsum is installed), not
    whichever `python3` is first on the PATH; PySpark reads PYSPARK_PYTHON once, at start."""
    if not local or "PYSPARK_PYTHON" in os.environ:
        yield
        return
    os.environ["PYSPARK_PYTHON"] = sys.executable
    try:
        yield
    finally:
        del os.environ["PYSPARK_PYTHON"]


def _configured_master() -> str | None:
    """The master `spark-submit`, `PYSPARK_SUBMIT_ARGS` or `spark-defaults.conf` set, if any."""
    SparkContext._ensure_initialized()  # joins spark-submit's JVM, or starts one with its settings
    return SparkConf().get("spark.master", None)
