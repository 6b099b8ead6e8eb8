"""A small, bounded load generator for the benchmark: simulated visitors on threads, stdlib only.

Each visitor is a thread with its own keep-alive connection (as a browser keeps one) and its own
random sequence; it sends a GET, reads the whole answer, records status and latency, waits
``think_s`` and starts over until the duration is up. Everything about the load is fixed by the
caller (visitors, duration, think time, the request mix), and it only ever talks to the loopback
address: ``LoadGenerator`` refuses any other host.

All visitors come from one address (127.0.0.1); see bench/README.md for the rate limits.
"""

from __future__ import annotations

import http.client
import random
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LOOPBACK = "127.0.0.1"
MAX_VISITORS = 500
MAX_DURATION_S = 600.0
REQUEST_TIMEOUT_S = 30.0

# A request of the mix: (kind, path with query string).
Request = tuple[str, str]
Picker = Callable[[random.Random], Request]


@dataclass
class Sample:
    kind: str
    status: int  # 0: no answer (connection error or timeout)
    ms: float


@dataclass
class LoadResult:
    visitors: int
    duration_s: float
    think_s: float
    samples: list[Sample] = field(default_factory=list)
    wall_s: float = 0.0
    error_examples: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Requests, errors (status >= 400 or no answer), latency percentiles in ms, requests per second."""
        latencies = [s.ms for s in self.samples]
        errors = [s for s in self.samples if not 200 <= s.status < 400]
        by_kind: dict[str, list[float]] = defaultdict(list)
        for s in self.samples:
            by_kind[s.kind].append(s.ms)
        result: dict[str, Any] = {
            "visitors": self.visitors,
            "duration_s": self.duration_s,
            "think_s": self.think_s,
            "requests": len(self.samples),
            "errors": len(errors),
            "errors_by_status": dict(sorted(Counter(str(s.status) for s in errors).items())),
            "rps": round(len(self.samples) / self.wall_s, 1) if self.wall_s else 0.0,
            **percentiles(latencies),
            "by_kind": {
                kind: {"requests": len(values), **percentiles(values)} for kind, values in sorted(by_kind.items())
            },
        }
        if self.error_examples:
            result["error_examples"] = self.error_examples[:5]
        return result


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [values[0]] * 99
    return {
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
        "max_ms": round(max(values), 1),
    }


class LoadGenerator:
    """``visitors`` threads against ``http://127.0.0.1:port``, each request chosen by ``pick``."""

    def __init__(
        self,
        host: str,
        port: int,
        pick: Picker,
        visitors: int,
        duration_s: float,
        think_s: float = 0.0,
        seed: int = 1,
    ):
        if host != LOOPBACK:
            raise ValueError(f"Der Lastgenerator richtet sich nur an {LOOPBACK}, nicht an {host!r}.")
        if not 1 <= visitors <= MAX_VISITORS:
            raise ValueError(f"1 bis {MAX_VISITORS} Besucher, nicht {visitors}.")
        if not 0 < duration_s <= MAX_DURATION_S:
            raise ValueError(f"Dauer über 0 und höchstens {MAX_DURATION_S:.0f} s, nicht {duration_s}.")
        if think_s < 0:
            raise ValueError("Die Wartezeit darf nicht negativ sein.")
        self.host, self.port, self.pick = host, port, pick
        self.visitors, self.duration_s, self.think_s, self.seed = visitors, duration_s, think_s, seed
        self._lock = threading.Lock()

    def run(self) -> LoadResult:
        result = LoadResult(self.visitors, self.duration_s, self.think_s)
        stop_at = time.perf_counter() + self.duration_s
        threads = [
            threading.Thread(target=self._visitor, args=(i, stop_at, result), daemon=True) for i in range(self.visitors)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.duration_s + REQUEST_TIMEOUT_S + 5)
        result.wall_s = time.perf_counter() - started
        return result

    def _visitor(self, number: int, stop_at: float, result: LoadResult) -> None:
        rng = random.Random(self.seed * 100_003 + number)
        # Visitors arrive spread over the first think time, not all in the same millisecond.
        if self.think_s:
            time.sleep(rng.random() * self.think_s)
        connection: http.client.HTTPConnection | None = None
        samples: list[Sample] = []
        errors: list[str] = []
        while time.perf_counter() < stop_at:
            kind, path = self.pick(rng)
            if connection is None:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_S)
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Accept-Language": "de", "User-Agent": "smartcity-bench"})
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as exc:
                status = 0
                errors.append(f"{kind} {path[:120]}: {type(exc).__name__}: {exc}"[:300])
                connection.close()
                connection = None
            elapsed = (time.perf_counter() - started) * 1000
            samples.append(Sample(kind, status, elapsed))
            if status >= 400:
                errors.append(f"{kind} {path[:120]}: HTTP {status}")
            if self.think_s:
                time.sleep(min(self.think_s, max(0.0, stop_at - time.perf_counter())))
        if connection is not None:
            connection.close()
        with self._lock:
            result.samples += samples
            result.error_examples += errors[:2]
