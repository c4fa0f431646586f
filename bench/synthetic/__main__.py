"""Run the synthetic AWS endpoint.

    python -m bench.synthetic --accounts 200 --regions us-east-1,us-west-2 --latency-ms 30-50 \
        --seed 1 [--scale 1.0] [--port 0] [--ready-file PATH] [--no-throttle]

Prints one JSON line (``EndpointInfo``) once listening, and writes it to ``--ready-file``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path

import uvloop
from aiohttp import web

from bench.synthetic.items import Inventory, load_templates
from bench.synthetic.organization import Organization
from bench.synthetic.server import Endpoint


def latency(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.synthetic", description=__doc__.split("\n")[1]
    )
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--regions", default="us-east-1,us-west-2,eu-west-1,ap-southeast-2")
    parser.add_argument("--latency-ms", type=latency, default=(30.0, 50.0))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready-file", type=Path)
    parser.add_argument("--no-throttle", action="store_true")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    org = Organization(args.accounts, args.regions.split(","), seed=args.seed, scale=args.scale)
    endpoint = Endpoint(Inventory(org, load_templates()), args.latency_ms, not args.no_throttle)
    loop = asyncio.get_running_loop()
    server = web.Server(endpoint.handle, access_log=None)
    listening = await loop.create_server(server, "127.0.0.1", args.port, backlog=2048)
    port = listening.sockets[0].getsockname()[1]
    info = org.info(f"http://127.0.0.1:{port}").to_json()
    endpoint.info = info
    line = json.dumps(info)
    if args.ready_file:
        args.ready_file.write_text(line + "\n")
    print(line, flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    listening.close()
    await server.shutdown(1.0)


def main(argv: list[str] | None = None) -> None:
    uvloop.run(serve(parse(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    main()
