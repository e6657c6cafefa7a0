"""`bench api`: the HTTP API under rising request rates (open loop), with /healthz as the baseline, and a check for lost decisions.

The server runs as a subprocess on a free loopback port over a fresh SQLite
database; the load comes from this process with asyncio and httpx. Requests
are sent on a fixed schedule whatever the answers (open loop), so a slow
server shows up as latency, not as a lower request rate. Every request is a
new single post; at the end the ledger must hold exactly the posts answered.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import httpx

GOAL_RATE = 200
GOAL_P99_MS = 50.0
MAX_IN_FLIGHT = 512

# A mix like a platform's traffic: most posts name nothing designated.
TEXTS = (
    "Lovely morning at the market, fresh bread and coffee.",
    "The match last night was unbelievable, what a goal!",
    "Reuters reports that Hamas claimed the attack; the government condemned it.",
    "New recipe: lentil soup with cumin and lemon.",
    "Glory to the heroes of the Flood, we kiss their hands.",
    "صباح الخير، الطقس جميل اليوم",
    "امروز هوا خیلی خوب است و به پارک رفتیم",
    "Analysis: what Hezbollah's statement means for the region.",
    "Traffic on the ring road again, leave early.",
    "Concert tickets are on sale from Friday.",
)


ServerCommand = Callable[[str, int], Sequence[str]]


def default_server(db_url: str, port: int, model: str | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "proscribe", "serve", "--db", db_url, "--port", str(port), "--host", "127.0.0.1", "--no-demo", "--log-level", "error"]
    return cmd + (["--model", model] if model else [])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Phase:
    """One rate: what was sent, what came back, and how fast."""

    rate: int
    seconds: float
    sent: int = 0
    ok: int = 0
    errors: int = 0
    overloaded: int = 0  # not sent: too many requests were still waiting
    elapsed: float = 0.0
    latencies: list[float] | None = None
    statuses: dict[str, int] | None = None

    def percentile(self, q: float) -> float | None:
        values = sorted(self.latencies or [])
        if not values:
            return None
        index = min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))
        return round(values[index] * 1000.0, 2)

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "seconds": self.seconds,
            "sent": self.sent,
            "ok": self.ok,
            "errors": self.errors,
            "overloaded": self.overloaded,
            "throughput": round(self.ok / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": self.percentile(0.50),
            "p99_ms": self.percentile(0.99),
            "max_ms": self.percentile(1.0),
            "statuses": dict(sorted((self.statuses or {}).items())),
        }


async def _drive(
    client: httpx.AsyncClient, rate: int, seconds: float, make: Callable[[int], httpx.Request], sent_ids: list[str] | None, ok_ids: list[str] | None = None
) -> Phase:
    phase = Phase(rate, seconds, latencies=[], statuses={})
    total = max(1, int(rate * seconds))
    in_flight = 0
    tasks = []

    async def one(i: int) -> None:
        nonlocal in_flight
        request = make(i)
        started = time.perf_counter()
        try:
            response = await client.send(request)
            latency = time.perf_counter() - started
            key = str(response.status_code)
            if response.status_code == 200:
                phase.ok += 1
                if ok_ids is not None:
                    ok_ids.append(request_id(rate, i))
                phase.latencies.append(latency)  # type: ignore[union-attr]
            else:
                phase.errors += 1
        except httpx.HTTPError as exc:
            key = type(exc).__name__
            phase.errors += 1
        finally:
            in_flight -= 1
        phase.statuses[key] = phase.statuses.get(key, 0) + 1  # type: ignore[index]

    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight >= MAX_IN_FLIGHT:
            phase.overloaded += 1
            continue
        in_flight += 1
        phase.sent += 1
        if sent_ids is not None:
            sent_ids.append(request_id(rate, i))
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    phase.elapsed = time.perf_counter() - start
    return phase


def request_id(rate: int, i: int) -> str:
    return f"bench-{rate}-{i}"


async def _run_rates(
    base: str, key: str, rates: Sequence[int], seconds: float, baseline_seconds: float, seed: int
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    rng = random.Random(seed)
    sent_ids: list[str] = []
    ok_ids: list[str] = []
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=64)
    out = []
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(30.0), headers={"X-API-Key": key}) as client:
        # Warm up: the first requests load nothing new, but open connections and pages.
        for i in range(5):
            warm = await client.post("/v1/posts?profile=meta", json=_post(f"warm-{i}", rng))
            if warm.status_code != 200:
                raise RuntimeError(f"the server cannot decide posts ({warm.status_code}): {warm.text[:500]}")
        sent_ids.extend(f"warm-{i}" for i in range(5))
        ok_ids.extend(f"warm-{i}" for i in range(5))
        for rate in rates:
            def make_post(i: int, rate: int = rate) -> httpx.Request:
                return client.build_request("POST", "/v1/posts?profile=meta", json=_post(request_id(rate, i), rng))

            posts = await _drive(client, rate, seconds, make_post, sent_ids, ok_ids)
            baseline = await _drive(client, rate, baseline_seconds, lambda i: client.build_request("GET", "/healthz"), None)
            row = posts.to_json()
            base_json = baseline.to_json()
            row["baseline"] = {"endpoint": "GET /healthz", "p50_ms": base_json["p50_ms"], "p99_ms": base_json["p99_ms"], "errors": base_json["errors"]}
            row["p99_ratio"] = round(row["p99_ms"] / base_json["p99_ms"], 2) if row["p99_ms"] and base_json["p99_ms"] else None
            out.append(row)
    return out, sent_ids, ok_ids


def _post(post_id: str, rng: random.Random) -> dict[str, Any]:
    author = rng.randrange(500)
    return {
        "id": post_id,
        "text": rng.choice(TEXTS),
        "author": {"id": f"bench-author-{author}", "followers": rng.choice((10, 200, 5000, 80000))},
    }


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode} before answering")
        try:
            if httpx.get(f"{base}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f} s")


def run(
    seconds: float = 60.0,
    rates: Sequence[int] = (50, 100, 200, 400),
    model: str | None = None,
    server: ServerCommand | None = None,
    baseline_seconds: float | None = None,
    seed: int = 7,
) -> dict[str, Any]:
    """Start a server on a fresh database, drive it at each rate, and check the ledger holds exactly the posts answered."""
    from proscribe.api import keys
    from proscribe.store import db
    from proscribe.store import ledger as ledger_store

    work = Path(tempfile.mkdtemp(prefix="proscribe-bench-api-"))
    url = f"sqlite:///{work / 'bench.db'}"
    with db.session(url) as s:
        key = keys.create(s, "platform", "bench").secret
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = list(server(url, port) if server else default_server(url, port, model))
    log = open(work / "server.log", "wb")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_ready(base, proc)
        rows, sent_ids, ok_ids = asyncio.run(_run_rates(base, key, rates, seconds, baseline_seconds if baseline_seconds is not None else min(seconds, 5.0), seed))
    except RuntimeError as exc:
        log.flush()
        tail = (work / "server.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{exc}; server log:\n{tail}") from None
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    with db.session(url) as s:
        stored = ledger_store.stored_decisions(s, sent_ids, "meta")
        total = ledger_store.count_decisions(s)
    lost = sorted(set(ok_ids) - set(stored))  # answered with a decision that the ledger does not hold
    goal = next((r for r in rows if r["rate"] == GOAL_RATE), None)
    return {
        "server": {"command": "proscribe serve (subprocess, 1 worker)", "database": "fresh SQLite file", "cpus": os.cpu_count()},
        "profile": "meta",
        "rates": rows,
        "decisions": {
            "sent": len(sent_ids),
            "answered_ok": len(ok_ids),
            "stored": total,
            "lost": len(lost),  # answered 200, but no decision stored
            "unanswered_stored": len(set(stored) - set(ok_ids)),  # a request that failed on the wire but was decided (it is idempotent)
            "extra": total - len(stored),  # stored, but never sent
            "lost_examples": lost[:5],
        },
        "goal": {"rate": GOAL_RATE, "p99_ms": GOAL_P99_MS, "met": bool(goal and goal["p99_ms"] is not None and goal["p99_ms"] <= GOAL_P99_MS and goal["errors"] == 0) if goal else None},
        "workdir": str(work),
    }
