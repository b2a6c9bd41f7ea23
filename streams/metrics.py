"""Every Prometheus metric newswire exposes, defined together.

Names follow ``newswire_<what>_<unit>``: counters end in ``_total``,
durations are histograms in seconds. The worker serves them (with faust's own
sensor metrics, prefixed ``newswire_faust_``) on ``/metrics`` of its web port;
a looping replayer serves its own with ``--metrics-port``.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

from .deadletter import REASONS
from .route import table

disable_created_metrics()  # *_created series only add noise to every scrape

STAGES = ("normalise", "route")
_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

CONSUMED = Counter(
    "newswire_articles_consumed",
    "Articles a stage took in: normalise reads articles.raw, route gets what normalise accepted.", ["stage"],
)
ROUTED = Counter(
    "newswire_articles_routed", "Articles written to a feed (one per feed an article went to).", ["feed"]
)
DEAD_LETTERED = Counter(
    "newswire_articles_dead_lettered", "Messages sent to articles.dead-letter, by stage and reason.", ["stage", "reason"]
)
STAGE_SECONDS = Histogram(
    "newswire_stage_seconds", "Time a stage spent on one message (pure work, no I/O).", ["stage"],
    buckets=_LATENCY_BUCKETS,
)
END_TO_END_SECONDS = Histogram(
    "newswire_end_to_end_seconds", "From the replayer's publish time to the feed write.", buckets=_LATENCY_BUCKETS
)
CONSUMER_LAG = Gauge(
    "newswire_consumer_lag", "Messages behind the end of a partition, per input topic and partition.",
    ["topic", "partition"],
)
REPLAY_SENT = Counter("newswire_replay_sent", "Articles the replayer delivered (acknowledged by the broker).")
REPLAY_FAILED = Counter("newswire_replay_failed", "Articles the replayer gave up on after its retries.")


def _prime() -> None:
    # Series that exist from the start read 0 instead of being absent, which
    # keeps rate() and alert expressions meaningful before the first event.
    for stage in STAGES:
        CONSUMED.labels(stage)
        STAGE_SECONDS.labels(stage)
    for feed in table().feeds:
        ROUTED.labels(feed)
    for reason in REASONS:
        DEAD_LETTERED.labels("normalise", reason)


_prime()

__all__ = [
    "REGISTRY",
    "CollectorRegistry",
    "CONSUMED",
    "ROUTED",
    "DEAD_LETTERED",
    "STAGE_SECONDS",
    "END_TO_END_SECONDS",
    "CONSUMER_LAG",
    "REPLAY_SENT",
    "REPLAY_FAILED",
]
