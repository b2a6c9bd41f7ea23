"""The ``newswire`` command line: one sub-command per job.

    newswire broker [--kind embedded|kafka] [--port P]
    newswire worker --broker HOST:PORT [--web-port W]
    newswire replay PATH... --broker HOST:PORT [--rate N] [--repeat N] [--speedup X] [--loop]
    newswire tail TOPIC --broker HOST:PORT [--from-beginning] [--timeout S] [--json]
    newswire tag PATH... [--text]
    newswire evaluate CORPUS... [--json] [--min-f1 F]
    newswire bench [--kind embedded|kafka | --broker HOST:PORT] [--articles N] [--json]
    newswire demo [--keep-running]

``--broker`` defaults to NEWSWIRE_BROKER; every other setting is read by
``streams.settings`` from the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading
from pathlib import Path

from .settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        broker=getattr(args, "broker", None),
        web_port=getattr(args, "web_port", None),
        web_host=getattr(args, "web_host", None),
        partitions=getattr(args, "partitions", None),
    )


def cmd_broker(args: argparse.Namespace) -> int:
    from . import broker

    b = broker.create(args.kind, args.port, Path(args.data_dir) if args.data_dir else None)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    b.start()
    print(f"{args.kind} broker ready: bootstrap {b.bootstrap}", flush=True)
    print("press Ctrl-C to stop", file=sys.stderr, flush=True)
    try:
        stop.wait()
    finally:
        print("stopping broker…", file=sys.stderr, flush=True)
        getattr(b, "close", b.stop)()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from .app import run_worker

    run_worker(_settings(args))
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from .replay import replay

    settings = _settings(args)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(message)s")
    if args.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(args.metrics_port, addr=settings.web_host)
    outcome = asyncio.run(replay(
        args.paths, settings, rate=args.rate, speedup=args.speedup, repeat=args.repeat, loop=args.loop,
        raw=args.raw, retries=args.retries,
    ))
    for error in outcome.errors[:20]:
        print(f"  {error}", file=sys.stderr)
    print(outcome.summary(), file=sys.stderr)
    return 0 if outcome.ok else 1


def cmd_tail(args: argparse.Namespace) -> int:
    from .tail import tail

    settings = _settings(args)
    try:
        asyncio.run(tail(args.topic, settings, from_beginning=args.from_beginning, timeout=args.timeout,
                         as_json=args.json))
    except KeyboardInterrupt:
        pass
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    from .codec import dumps, loads
    from .normalise import Rejected, normalise, parse
    from .render import article_block
    from .replay import InputError, read_articles
    from .route import route

    settings = Settings.from_env()
    status = 0
    for item in read_articles(args.paths):
        if isinstance(item, InputError):
            print(f"tag: {item}", file=sys.stderr)
            status = 1
            continue
        try:
            article = normalise(parse(dumps(item), settings.max_message_bytes))
        except Rejected as exc:
            print(f"tag: {item.get('article_id')!r} rejected: {exc.reason}: {exc.detail}", file=sys.stderr)
            status = 1
            continue
        message = loads(dumps(route(article)))
        if args.text:
            print(article_block(message, evidence_per_category=10) + "\n")
        else:
            out = {"article_id": message["article_id"], "feeds": message["feeds"], "title": message["article"]["title"],
                   "language": message["article"]["language"], **message["tags"]}
            sys.stdout.write(dumps(out).decode() + "\n")
    return status


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .codec import dumps
    from .evaluate import is_sealed, load, render, score

    worst = 1.0
    for path in args.corpus:
        report = score(load(path), sealed=is_sealed(path))
        if args.json:
            print(dumps({"corpus": path, **report.as_dict()}).decode())
        else:
            print(render(report, path) + "\n")
        worst = min([worst, *(c.f1 for c in report.feeds.values())])
    if args.min_f1 is not None and worst < args.min_f1:
        print(f"evaluate: a feed's F1 is {worst:.3f}, below --min-f1 {args.min_f1}", file=sys.stderr)
        return 1
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(keep_running=args.keep_running, seeds=Path(args.seeds), web_port=args.web_port)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newswire", description="Stream news articles through Kafka into topic feeds.")
    sub = p.add_subparsers(dest="command", required=True)

    def broker_arg(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--broker", help="bootstrap servers host:port[,host:port] (default: $NEWSWIRE_BROKER)")

    b = sub.add_parser("broker", help="run a local broker on 127.0.0.1 in the foreground")
    b.add_argument("--kind", choices=("embedded", "kafka"), default="embedded")
    b.add_argument("--port", type=int, default=9092)
    b.add_argument("--data-dir", help="keep the broker's data here (default: a temporary directory)")
    b.set_defaults(func=cmd_broker)

    w = sub.add_parser("worker", help="run the stream agents (normalise, tag, route) and /metrics")
    broker_arg(w)
    w.add_argument("--web-port", type=int, help="port of /metrics, /healthz, /readyz (default: $NEWSWIRE_WEB_PORT or 6066)")
    w.set_defaults(func=cmd_worker)

    r = sub.add_parser("replay", help="publish articles to articles.raw")
    r.add_argument("paths", nargs="+", metavar="PATH", help="directory, .txt, .jsonl, or - for JSON lines on stdin")
    broker_arg(r)
    pace = r.add_mutually_exclusive_group()
    pace.add_argument("--rate", type=float, help="articles per second")
    pace.add_argument("--speedup", type=float, help="replay by the gaps between published_at, X times faster")
    r.add_argument("--repeat", type=int, default=1, help="N copies of each article, ids <id>-r1..<id>-rN")
    r.add_argument("--loop", action="store_true", help="start again at the end (later passes add -l<pass> to ids)")
    r.add_argument("--raw", action="store_true", help="send JSON lines as they are, without validation (to test bad input)")
    r.add_argument("--retries", type=int, default=5, help="retries per article before it counts as failed")
    r.add_argument("--metrics-port", type=int, help="serve the replayer's Prometheus metrics on this port")
    r.set_defaults(func=cmd_replay)

    t = sub.add_parser("tail", help="print the messages of a topic")
    t.add_argument("topic")
    broker_arg(t)
    t.add_argument("--from-beginning", action="store_true")
    t.add_argument("--timeout", type=float, help="exit after S seconds without a new message")
    t.add_argument("--json", action="store_true", help="one JSON object (the message value) per line")
    t.set_defaults(func=cmd_tail)

    g = sub.add_parser("tag", help="offline: normalise, tag and route articles, one JSON object per line")
    g.add_argument("paths", nargs="+", metavar="PATH")
    g.add_argument("--text", action="store_true", help="readable blocks instead of JSON lines")
    g.set_defaults(func=cmd_tag)

    e = sub.add_parser("evaluate", help="per-feed precision/recall/F1 and entity accuracy on a labelled corpus")
    e.add_argument("corpus", nargs="+", help="JSON lines with expected feeds and entities (see tests/corpus)")
    e.add_argument("--json", action="store_true", help="one JSON object per corpus")
    e.add_argument("--min-f1", type=float, help="exit 1 when any feed's F1 is below this")
    e.set_defaults(func=cmd_evaluate)

    bn = sub.add_parser("bench", help="throughput against raw aiokafka, tagging cost, latency, memory")
    where = bn.add_mutually_exclusive_group()
    where.add_argument("--kind", choices=("embedded", "kafka"), default="embedded", help="start this broker")
    where.add_argument("--broker", help="use a running broker instead (its feeds get synthetic articles)")
    bn.add_argument("--articles", type=int, default=20000, help="backlog size for the throughput runs")
    bn.add_argument("--rate", type=float, default=1000.0, help="offered rate (articles/s) for the latency run")
    bn.add_argument("--latency-seconds", type=float, default=10.0, help="length of the latency run")
    bn.add_argument("--partitions", type=int, default=4)
    bn.add_argument("--workers", type=int, choices=(1, 2), default=1,
                    help="2: also measure two worker processes in one group (use Apache Kafka)")
    bn.add_argument("--json", action="store_true", help="print one JSON object")
    bn.set_defaults(func=lambda args: __import__("streams.bench", fromlist=["main"]).main(args))

    d = sub.add_parser("demo", help="embedded broker + worker + replay of seeds/, then print the feeds")
    d.add_argument("--keep-running", action="store_true", help="leave broker and worker up until Ctrl-C")
    d.add_argument("--seeds", default=str(Path(__file__).resolve().parent.parent / "seeds"))
    d.add_argument("--web-port", type=int, default=6066)
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "repeat", 1) < 1:
        parser().error("--repeat must be at least 1")
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from aiokafka.errors import KafkaError

        if not isinstance(exc, (KafkaError, OSError)):
            raise
        # a broker we cannot reach or that refuses us: one clear line, not a traceback
        broker = getattr(args, "broker", None) or Settings.from_env().broker
        print(f"newswire {args.command}: broker {broker}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
