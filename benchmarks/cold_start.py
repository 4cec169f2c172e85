"""Cold start in a fresh process: migrate a new database, load, validate and index the content.

Run as ``python -m benchmarks.cold_start CONTENT_DIR DB_PATH``; prints one JSON line with the
seconds spent importing the bot, the seconds ``StudyService.open`` took (migrate + load +
validate + index + card-version sync; the sentence model's weights are loaded afterwards, by
the background encoding, as in the bot), the seconds after that until search ranks by meaning
(null without the sentence model), and the process's peak RSS in MiB. The service opens as
the bot opens it, with the bundled sentence model and the vector cache in
``DEFAULT_CACHE_DIR``; opening does not wait for the passages to be encoded (a background
thread does it), so that wait is reported on its own, and the peak RSS, read after it,
includes the model's weights. A process of its own per start keeps each corpus's peak RSS
separate and every in-memory cache cold (the vector cache on disk stays warm, as on a restart).
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ColdStart:
    """One cold start: import time, open time, meaning wait (seconds) and peak RSS (MiB)."""

    import_seconds: float
    open_seconds: float
    peak_rss_mib: float
    meaning_seconds: float | None
    """From ``open`` returning until search ranks by meaning; None without the sentence model."""


def cold_start(content_dir: Path, db_path: Path) -> ColdStart:
    """Start the service on ``content_dir`` with a new database in a child process."""
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.cold_start", str(content_dir), str(db_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"cold start failed:\n{completed.stderr[-2000:]}")
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    return ColdStart(figures["import_seconds"], figures["open_seconds"], figures["peak_rss_mib"],
                     figures["meaning_seconds"])


def _child(content_dir: Path, db_path: Path) -> None:
    """Measure this process's own cold start and print it as JSON."""
    started = time.perf_counter()
    from bot.core.lookup.semantic.meaning import MeaningModel
    from bot.core.service.study_service import StudyService
    from bot.settings import DEFAULT_CACHE_DIR, MIGRATIONS_DIR

    imported = time.perf_counter()

    async def start_and_stop() -> tuple[float, float | None]:
        meaning = MeaningModel.bundled(DEFAULT_CACHE_DIR)
        service = await StudyService.open(db_path=db_path, content_dir=content_dir, migrations_dir=MIGRATIONS_DIR,
                                          meaning=meaning)
        opened = time.perf_counter()
        ranks_by_meaning = await asyncio.to_thread(service.library.wait_for_meaning)
        waited = time.perf_counter() - opened
        await service.close()
        if meaning is not None and not ranks_by_meaning:
            raise RuntimeError("the passages were not encoded (see the log above)")
        return opened, waited if meaning is not None else None

    opened, meaning_seconds = asyncio.run(start_and_stop())
    print(json.dumps({
        "import_seconds": imported - started,
        "open_seconds": opened - imported,
        "meaning_seconds": meaning_seconds,
        "peak_rss_mib": peak_rss_mib(),
    }))


def peak_rss_mib() -> float:
    """This process's peak resident set size so far, in MiB.

    On Linux this is ``VmHWM`` from ``/proc/self/status``: ``ru_maxrss`` of a freshly started
    child can still report the parent's size (the fork it was exec'd from), which would give
    every cold start the benchmark process's own peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere


if __name__ == "__main__":
    _child(Path(sys.argv[1]), Path(sys.argv[2]))
