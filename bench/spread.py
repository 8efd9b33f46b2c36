#!/usr/bin/env python3
"""Writes spread.md: the headline figures of several `make bench` runs side by
side, with their median. One run on a shared VM is a sample (runs here spread
by 20-30%); the verdict on a target should rest on the median.

usage: bench/spread.py OUT.md RUN_DIR [RUN_DIR ...]
Each RUN_DIR holds the JSON files of one run (what bench/run.sh writes).
"""
import json
import os
import statistics
import sys


def load(run, name):
    path = os.path.join(run, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def result(run, name, *keys):
    d = load(run, name)
    if d is None:
        return None
    d = d.get("results")
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def per_connection(run):
    return result(run, "connect_ws", "server_bytes_per_connection")


def ratio(run):
    p = result(run, "chat_tcp", "acked_per_s")
    m = result(run, "mqtt_chat", "acked_per_s")
    return p / m if p and m else None


def server_cpu_per_message(run, name):
    c = result(run, name, "cpu_us_per_message")
    if not c or "server_user" not in c:
        return None
    return c["server_user"] + c["server_kernel"]


def cpu_ratio(peer):
    """Parley's server CPU per message ÷ the peer's (bench/README.md "IM peers")."""
    def read(run):
        p, q = server_cpu_per_message(run, "chat_tcp"), server_cpu_per_message(run, peer)
        return p / q if p and q else None
    return read


# (label, how to read it from a run, format, target, higher is better)
FIGURES = [
    ("1:1 TCP, 200 pairs, closed loop (msg/s)", lambda r: result(r, "chat_tcp", "acked_per_s"),
     "{:,.0f}", 100000, True),
    ("open loop at 50,000/s offered: acked/s", lambda r: result(r, "chat_tcp_open", "acked_per_s"),
     "{:,.0f}", None, True),
    ("open loop at 50,000/s offered: stored by the server/s",
     lambda r: result(r, "chat_tcp_open", "server_stored_per_s"), "{:,.0f}", None, True),
    ("open loop at 50,000/s offered: ack p99 (ms)",
     lambda r: result(r, "chat_tcp_open", "ack_latency", "p99_ms"), "{:,.1f}", 5, False),
    ("open loop at half the closed-loop rate: ack p99 (ms)",
     lambda r: result(r, "chat_tcp_half", "ack_latency", "p99_ms"), "{:,.2f}", None, False),
    ("serial send→ack p50 (ms)", lambda r: result(r, "serial_tcp", "ack_latency", "p50_ms"),
     "{:.3f}", 0.3, False),
    ("fan-out, 500 members (deliveries/s)", lambda r: result(r, "fanout_tcp", "deliveries_per_s"),
     "{:,.0f}", 1000000, True),
    ("idle WebSocket at 16,000 (bytes each)", per_connection, "{:,.0f}", 2048, False),
    ("sync catch-up (msg/s)", lambda r: result(r, "sync_tcp", "messages_per_s"), "{:,.0f}", 200000,
     True),
    ("Mosquitto QoS 1, same 1:1 workload (msg/s)", lambda r: result(r, "mqtt_chat", "acked_per_s"),
     "{:,.0f}", None, True),
    ("Parley / Mosquitto (1:1 msg/s)", ratio, "{:.2f}×", 2, True),
    ("ejabberd, same 1:1 workload (msg/s)",
     lambda r: result(r, "xmpp_chat_ejabberd", "acked_per_s"), "{:,.0f}", None, True),
    ("Prosody, same 1:1 workload (msg/s)",
     lambda r: result(r, "xmpp_chat_prosody", "acked_per_s"), "{:,.0f}", None, True),
    ("server CPU per message: Parley / ejabberd", cpu_ratio("xmpp_chat_ejabberd"), "{:.2f}×",
     None, False),
    ("server CPU per message: Parley / ejabberd + MAM", cpu_ratio("xmpp_chat_ejabberd_mam"),
     "{:.3f}×", None, False),
    ("server CPU per message: Parley / Prosody", cpu_ratio("xmpp_chat_prosody"), "{:.2f}×", None,
     False),
    ("server CPU per message: Parley / Prosody + MAM", cpu_ratio("xmpp_chat_prosody_mam"),
     "{:.3f}×", None, False),
]


def main():
    out, runs = sys.argv[1], sys.argv[2:]
    lines = [f"# {len(runs)} `make bench` runs", ""]
    commits = []
    for run in runs:
        meta = load(run, "meta") or {}
        commits.append(f"{os.path.basename(os.path.normpath(run))}: {meta.get('commit', '?')} "
                       f"on {meta.get('date', '?')}")
    lines.append("Same machine, one run after the other (" + "; ".join(commits) + "). "
                 "Each run's JSON is in its folder; `report.md` next to this file is the last run. "
                 "A target counts as met when the median meets it.")
    lines.append("")
    header = "| figure | " + " | ".join(f"run {i + 1}" for i in range(len(runs))) + \
             " | median | target | met |"
    lines.append(header)
    lines.append("|" + "---|" * (len(runs) + 4))
    for label, read, fmt, target, higher in FIGURES:
        values = [read(r) for r in runs]
        shown = [fmt.format(v) if v is not None else "—" for v in values]
        present = [v for v in values if v is not None]
        median = statistics.median(present) if present else None
        if target is None or median is None:
            verdict, target_text = "", ""
        else:
            ok = median >= target if higher else median <= target
            verdict = "**yes**" if ok else "no"
            target_text = ("≥ " if higher else "≤ ") + fmt.format(target)
        lines.append(f"| {label} | " + " | ".join(shown) +
                     f" | {fmt.format(median) if median is not None else '—'} | {target_text} | "
                     f"{verdict} |")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
