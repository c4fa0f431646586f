"""A light load generator for the synthetic endpoint: keep-alive connections, raw HTTP/1.1.

    python -m bench.synthetic.loadgen --url http://127.0.0.1:PORT --accounts 200 \
        --regions us-east-1,eu-west-1 [--connections 400] [--seconds 3] [--rounds 3]

Each connection sends one request at a time (signed-looking catalog calls spread over every
account and region, so no throttling bucket is the limit) and reads the whole answer.
Prints one JSON line: calls/s of each round and the best round. botocore would cost far
more CPU per call than the server, so it is not used here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit

import uvloop

_AUTH = (
    "AWS4-HMAC-SHA256 Credential=ASIA{account}LOAD/20250101/{region}/{service}/aws4_request,"
    " SignedHeaders=host, Signature=0"
)
_JSON = "application/x-amz-json-1.0"
_CALLS = (
    ("ec2", "POST", "/", {"Content-Type": "application/x-www-form-urlencoded"},
     b"Action=DescribeVpcs&Version=2016-11-15&MaxResults=5"),
    ("sqs", "POST", "/", {"Content-Type": _JSON, "X-Amz-Target": "AmazonSQS.ListQueues"},
     b'{"MaxResults": 1000}'),
    ("lambda", "GET", "/2015-03-31/functions/?MaxItems=50", {}, b""),
)  # fmt: skip


def requests(host: str, accounts: list[str], regions: list[str]) -> list[bytes]:
    built = []
    for account in accounts:
        for region in regions:
            for service, method, path, headers, body in _CALLS:
                lines = [
                    f"{method} {path} HTTP/1.1",
                    f"Host: {host}",
                    f"Content-Length: {len(body)}",
                ]
                lines += [f"{k}: {v}" for k, v in headers.items()]
                lines.append(
                    "Authorization: "
                    + _AUTH.format(account=account, region=region, service=service)
                )
                built.append(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    return built


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _calls(
    connection: Connection, batch: list[bytes], clock: list[float], counts: list[int]
) -> None:
    reader, writer = connection
    i = 0
    while time.monotonic() < clock[0]:
        writer.write(batch[i % len(batch)])
        i += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await reader.readexactly(length)
        counts[0 if head.startswith(b"HTTP/1.1 200") else 1] += 1


async def burst(
    connections: list[Connection], built: list[bytes], seconds: float
) -> dict[str, float]:
    """Calls for ``seconds`` on connections already open (opening them is not timed)."""
    counts = [0, 0]
    started = time.monotonic()
    clock = [started + seconds]
    n = len(connections)
    await asyncio.gather(
        *(_calls(c, built[i::n] or built, clock, counts) for i, c in enumerate(connections))
    )
    elapsed = time.monotonic() - started
    calls = counts[0] + counts[1]
    return {"calls_per_second": calls / elapsed, "ok": counts[0], "errors": counts[1]}


async def main(args: argparse.Namespace) -> None:
    host = urlsplit(args.url).netloc
    built = requests(host, args.accounts_list, args.regions.split(","))
    parts = urlsplit(args.url)
    connections = [
        await asyncio.open_connection(parts.hostname, parts.port) for _ in range(args.connections)
    ]
    # One untimed pass first: the endpoint serialises each page once, then serves it cached.
    await burst(connections, built, args.warm_up)
    rounds = [await burst(connections, built, args.seconds) for _ in range(args.rounds)]
    for _reader, writer in connections:
        writer.close()
    best = max(r["calls_per_second"] for r in rounds)
    print(json.dumps({"best_calls_per_second": best, "rounds": rounds}), flush=True)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.synthetic.loadgen")
    parser.add_argument("--url", required=True)
    parser.add_argument("--accounts", required=True, help="comma-separated account ids")
    parser.add_argument("--regions", required=True)
    parser.add_argument("--connections", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm-up", type=float, default=1.0, help="untimed seconds first")
    args = parser.parse_args()
    args.accounts_list = args.accounts.split(",")
    return args


if __name__ == "__main__":
    uvloop.run(main(parse()))
