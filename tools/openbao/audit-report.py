#!/usr/bin/env python3
"""Who asked OpenBao for what, when: a report from its audit log (JSON lines).

    tools/openbao/audit-report.py [LOG ...] [--since ISO] [--events | --denied] [--json]
                                  [--fail-on-denied]

LOG defaults to $ECOTRACK_STATE_DIR/openbao/audit.log (<repo>/.stack/openbao/audit.log);
"-" reads stdin (e.g. `kubectl logs openbao-0 | audit-report.py -`: lines that are not
audit entries are skipped).

  (default)         per identity, each path with its operation, outcome, count, first and last time
  --events          one line per request, in time order
  --denied          denied requests counted per identity and path
  --json            the same, machine-readable
  --since ISO       only requests at or after this time (2026-01-31T12:00:00Z; no zone = UTC)
  --fail-on-denied  exit 1 if any (selected) request was denied

Identity: the token's display name (approle, kubernetes-<ns>-<sa>, root, token) and its auth
role (approle's role_name, kubernetes' role). Outcome: ok, denied (permission denied: HTTP
403) or error. A request and its response share an id and count once.

Only paths, identities, operations and times are printed: never request or response data,
error texts or tokens (the audit device HMACs those anyway). Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path

UNAUTHENTICATED = "(unauthenticated)"


def default_log() -> Path:
    root = Path(__file__).resolve().parents[2]
    state = Path(os.environ.get("ECOTRACK_STATE_DIR") or root / ".stack")
    return state / "openbao" / "audit.log"


def parse_time(text: str) -> datetime:
    """RFC 3339 with up to nanoseconds (OpenBao) or a user's ISO time; naive means UTC."""
    text = text.strip().replace("z", "Z")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if "." in text:  # datetime takes at most microseconds
        head, _, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}" if digits else head + zone
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def identity_of(entry: dict) -> dict:
    """The caller, from the entry's auth block (a login's is in its response)."""
    auth = entry.get("auth") or {}
    if not auth.get("display_name"):
        auth = (entry.get("response") or {}).get("auth") or auth
    display = auth.get("display_name") or ""
    metadata = auth.get("metadata") or {}
    role = metadata.get("role_name") or metadata.get("role") or ""
    label = f"{display}/{role}" if display and role else (display or role or UNAUTHENTICATED)
    return {
        "identity": label,
        "display_name": display,
        "role_name": role,
        "metadata": {k: v for k, v in metadata.items() if isinstance(v, str) and not v.startswith("hmac-")},
        "entity_id": auth.get("entity_id") or "",
        "policies": auth.get("policies") or [],
    }


def outcome_of(entry: dict) -> str:
    error = entry.get("error") or ""
    allowed = ((entry.get("auth") or {}).get("policy_results") or {}).get("allowed")
    if "permission denied" in error or allowed is False:
        return "denied"
    return "error" if error else "ok"


def read_entries(sources: list[str]):
    for source in sources:
        handle = sys.stdin if source == "-" else open(source, encoding="utf-8", errors="replace")
        try:
            for line in handle:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(entry, dict) and entry.get("type") in ("request", "response") and entry.get("request"):
                    yield entry
        finally:
            if handle is not sys.stdin:
                handle.close()


def collect(sources: list[str], since: datetime | None) -> list[dict]:
    """One event per request id: the response entry when there is one, else the request's."""
    events: "OrderedDict[str, dict]" = OrderedDict()
    for n, entry in enumerate(read_entries(sources)):
        request = entry["request"]
        key = request.get("id") or f"#{n}"
        previous = events.get(key)
        if previous is not None and previous["_type"] == "response" and entry["type"] == "request":
            continue
        try:
            when = previous["_when"] if previous else parse_time(entry.get("time", ""))
        except ValueError:
            continue
        event = {
            "time": iso(when),
            **identity_of(entry),
            "operation": request.get("operation") or "",
            "path": request.get("path") or "",
            "mount_type": request.get("mount_type") or "",
            "remote_address": request.get("remote_address") or "",
            "outcome": outcome_of(entry),
            "_when": when,
            "_type": entry["type"],
        }
        if previous is not None and previous["outcome"] != "ok" and event["outcome"] == "ok":
            event["outcome"] = previous["outcome"]
        events[key] = event
    selected = [e for e in events.values() if since is None or e["_when"] >= since]
    selected.sort(key=lambda e: e["_when"])
    return selected


def public(event: dict) -> dict:
    return {k: v for k, v in event.items() if not k.startswith("_")}


def grouped(events: list[dict]) -> list[dict]:
    identities: "OrderedDict[str, dict]" = OrderedDict()
    for e in sorted(events, key=lambda e: (e["identity"], e["path"], e["operation"], e["outcome"], e["_when"])):
        who = identities.setdefault(e["identity"], {
            "identity": e["identity"], "display_name": e["display_name"], "role_name": e["role_name"],
            "policies": e["policies"], "requests": 0, "denied": 0, "paths": OrderedDict(),
        })
        who["requests"] += 1
        who["denied"] += e["outcome"] == "denied"
        row = who["paths"].setdefault((e["path"], e["operation"], e["outcome"]), {
            "path": e["path"], "operation": e["operation"], "outcome": e["outcome"],
            "count": 0, "first": e["time"], "last": e["time"],
        })
        row["count"] += 1
        row["last"] = e["time"]
    result = []
    for who in identities.values():
        who["paths"] = list(who["paths"].values())
        result.append(who)
    return result


def denied_counts(events: list[dict]) -> list[dict]:
    rows: "OrderedDict[tuple, dict]" = OrderedDict()
    for e in events:
        if e["outcome"] != "denied":
            continue
        row = rows.setdefault((e["identity"], e["path"], e["operation"]), {
            "identity": e["identity"], "display_name": e["display_name"], "role_name": e["role_name"],
            "path": e["path"], "operation": e["operation"], "count": 0, "first": e["time"], "last": e["time"],
        })
        row["count"] += 1
        row["last"] = e["time"]
    return sorted(rows.values(), key=lambda r: (-r["count"], r["identity"], r["path"]))


def table(rows: list[list[str]], indent: str = "") -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Report on an OpenBao audit log.", usage=__doc__.split("\n\n")[1].strip())
    parser.add_argument("logs", nargs="*", help="audit log files ('-' for stdin)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--denied", action="store_true", help="count denied requests per identity and path")
    mode.add_argument("--events", action="store_true", help="one line per request, in time order")
    parser.add_argument("--since", metavar="ISO", help="only requests at or after this time")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--fail-on-denied", action="store_true", help="exit 1 if any request was denied")
    args = parser.parse_args(argv)

    sources = args.logs or [str(default_log())]
    for source in sources:
        if source != "-" and not Path(source).is_file():
            print(f"audit-report: no audit log at {source}", file=sys.stderr)
            return 2
    try:
        since = parse_time(args.since) if args.since else None
    except ValueError:
        print(f"audit-report: --since {args.since!r} is not an ISO 8601 time", file=sys.stderr)
        return 2

    events = collect(sources, since)
    denied = sum(e["outcome"] == "denied" for e in events)
    header = {"logs": sources, "since": iso(since) if since else None, "requests": len(events), "denied": denied}

    if args.denied:
        rows = denied_counts(events)
        if args.json:
            print(json.dumps({**header, "by_identity_path": rows}, indent=2))
        else:
            print(f"denied requests: {denied} of {len(events)}" + (f" since {header['since']}" if since else ""))
            if rows:
                print(table([["count", "identity", "operation", "path", "first", "last"]]
                            + [[str(r["count"]), r["identity"], r["operation"], r["path"], r["first"], r["last"]] for r in rows], "  "))
    elif args.events:
        if args.json:
            print(json.dumps({**header, "events": [public(e) for e in events]}, indent=2))
        else:
            rows = [[e["time"], e["identity"], e["operation"], e["path"], e["outcome"]] for e in events]
            print(table([["time", "identity", "operation", "path", "outcome"]] + rows) if rows else "no requests")
    else:
        groups = grouped(events)
        if args.json:
            print(json.dumps({**header, "identities": groups}, indent=2))
        else:
            print(f"OpenBao audit: {len(events)} requests, {denied} denied, {len(groups)} identities"
                  + (f", since {header['since']}" if since else "") + f" ({', '.join(sources)})")
            for who in groups:
                policies = ", ".join(who["policies"]) or "-"
                print(f"\n{who['identity']}  ({who['requests']} requests, {who['denied']} denied; policies: {policies})")
                print(table([["first", "last", "count", "outcome", "operation", "path"]]
                            + [[p["first"], p["last"], str(p["count"]), p["outcome"], p["operation"], p["path"]] for p in who["paths"]], "  "))

    return 1 if args.fail_on_denied and denied else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:  # `| head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
