#!/usr/bin/env python3
"""Renders bench/results/<date>/report.md and latency.png from the JSON that
bench/run.sh collected (one file per scenario, server_<name>.json, meta.json)."""
import json
import os
import subprocess
import sys

import render_peers

out = sys.argv[1]


def load(name):
    path = os.path.join(out, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


meta = load("meta") or {}
res = {n: load(n) for n in ["connect_ws", "serial_tcp", "chat_tcp", "chat_ws", "chat_mixed",
                            "chat_tcp_open", "chat_tcp_half",
                            "fanout_tcp", "sync_tcp", "mqtt_chat"]
       + render_peers.CHAT_RUNS + render_peers.IDLE_RUNS}
srv = {n: load("server_" + n) for n in res}


def r(name, *keys):
    d = res.get(name)
    if d is None:
        return None
    d = d["results"]
    for k in keys:
        if d is None or k not in d:
            return None
        d = d[k]
    return d


def num(v, digits=0):
    if v is None:
        return "—"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ms(v):
    return "—" if v is None else f"{v:.3f}"


def met(ok):
    return "—" if ok is None else ("**met**" if ok else "missed")


def lat(name, which):
    return "/".join(ms(r(name, which, k)) for k in ["p50_ms", "p90_ms", "p99_ms", "p999_ms"])


lines = []
w = lines.append
w(f"# Parley benchmark report — {meta.get('date', '')}")
w("")
if meta.get("quick"):
    w("**Quick run (tiny sizes): these figures only show that the pipeline works.**")
    w("")
w("## Machine and build")
w("")
w(f"- CPU: {meta.get('cpu')} — {meta.get('cores')} cores; memory {meta.get('memory')}; "
  f"kernel {meta.get('kernel')}")
dirty = meta.get("dirty", "0")
w(f"- Commit: `{meta.get('commit')}`" + (f" (plus {dirty} files with uncommitted changes in the tree "
                                         "at run time)" if dirty not in ("0", 0) else ""))
w(f"- Build: {meta.get('build')}; parleyd in embedded mode (RocksDB), `--threads` = cores; a fresh "
  "server and data dir for every scenario")
w("- The load-average column shows how busy the machine was around each scenario (2.0 means both "
  "cores taken; the benchmark itself takes both); a figure taken while other work ran understates "
  "the server. Runs on this VM spread by ±20–30% (`spread.md` next to a report, when present, "
  "lists several runs): one run is a sample, compare medians.")
w("- Load generator (`parley-bench`, 2 threads) on the same machine: it shares the 2 cores with the "
  "server, so every figure is server + client CPU on 2 cores.")
w(f"- Mosquitto {meta.get('mosquitto', '')}, ejabberd {meta.get('ejabberd') or '(not run)'}, "
  f"Prosody {meta.get('prosody') or '(not run)'} (Debian packages; configs in bench/peers/)")
w(f"- Total run time: {meta.get('total_seconds')} s")
w("")
lines += render_peers.headline(r, meta)

chat_acked = r("chat_tcp", "acked_per_s")
chat_deliv = r("chat_tcp", "delivered_per_s")
mq_acked = r("mqtt_chat", "acked_per_s")
ratio_tp = chat_acked / mq_acked if chat_acked and mq_acked else None
p99_parley = r("chat_tcp", "ack_latency", "p99_ms")
p99_mq = r("mqtt_chat", "ack_latency", "p99_ms")
ratio_p99 = p99_parley / p99_mq if p99_parley and p99_mq else None
open_rate = (res["chat_tcp_open"] or {}).get("options", {}).get("rate")
conn_n = r("connect_ws", "connections")
per_conn = r("connect_ws", "server_bytes_per_connection")
fan_options = (res["fanout_tcp"] or {}).get("options", {})
fan_members = fan_options.get("members")
sync_n = r("sync_tcp", "messages")
pairs = (res["chat_tcp"] or {}).get("options", {}).get("pairs")

w("## Targets (issue part 4)")
w("")
w("| target | measured | |")
w("|---|---|---|")
w(f"| durable 1:1 acked and delivered ≥ 100,000 msg/s | acked {num(chat_acked)}/s, delivered "
  f"{num(chat_deliv)}/s (TCP, {pairs} pairs, closed loop) | "
  f"{met(None if chat_acked is None else min(chat_acked, chat_deliv or 0) >= 100000)} |")
open_p99 = r("chat_tcp_open", "ack_latency", "p99_ms")
open_acked = r("chat_tcp_open", "acked_per_s")
half_rate = (res["chat_tcp_half"] or {}).get("options", {}).get("rate")
half_p99 = r("chat_tcp_half", "ack_latency", "p99_ms")
half_text = (f"; at half of the closed-loop rate above ({num(half_rate)}/s offered): p99 "
             f"{ms(half_p99)} ms" if half_p99 is not None else "")
open_stored = r("chat_tcp_open", "server_stored_per_s")
stored_text = f", {num(open_stored)}/s stored by the server" if open_stored is not None else ""
w(f"| ack latency p99 ≤ 5 ms at 50,000 msg/s | p99 {ms(open_p99)} ms at {num(open_rate)}/s offered "
  f"({num(open_acked)}/s acked{stored_text}){half_text} | "
  f"{met(None if open_p99 is None else open_p99 <= 5 and open_acked >= 0.97 * open_rate)} |")
serial_p50 = r("serial_tcp", "ack_latency", "p50_ms")
w(f"| serial send→ack p50 ≤ 0.3 ms | p50 {ms(serial_p50)} ms | "
  f"{met(None if serial_p50 is None else serial_p50 <= 0.3)} |")
fan = r("fanout_tcp", "deliveries_per_s")
w(f"| group fan-out, 500 online members ≥ 1,000,000 deliveries/s | {num(fan)}/s ({fan_members} members) "
  f"| {met(None if fan is None else fan >= 1e6 and fan_members >= 500)} |")
w(f"| idle WebSocket ≤ 2 KiB server memory each, at 15,000+ | {num(per_conn)} bytes each at "
  f"{num(conn_n)} | {met(None if per_conn is None else per_conn <= 2048 and conn_n >= 15000)} |")
sync_rate = r("sync_tcp", "messages_per_s")
w(f"| sync catch-up ≥ 200,000 msg/s to one device | {num(sync_rate)} msg/s ({num(sync_n)} messages) | "
  f"{met(None if sync_rate is None else sync_rate >= 200000)} |")
w(f"| Parley / Mosquitto 1:1 throughput ≥ 2× | {num(ratio_tp, 2)}× | "
  f"{met(None if ratio_tp is None else ratio_tp >= 2)} |")
w("")

w("## All figures")
w("")
w("Latencies in ms as p50/p90/p99/p99.9 (log-linear histogram, < 1% bucket error). Ack latency: "
  "CHAT sent → its ack (the message is durable). Delivery latency: CHAT sent → PUSH received by "
  "the recipient. In open loop latency counts from the scheduled send time. \"The server stored\": "
  "its own count of messages made durable in the window, whether or not the load generator, which "
  "shares the CPUs, has read their acks yet. Server CPU: seconds of "
  "CPU the server process used over the whole scenario (set-up included).")
w("")
w("| scenario | throughput | ack latency ms | delivery latency ms | server CPU s | errors | load avg before → after |")
w("|---|---|---|---|---|---|---|")


def cpu(name):
    s = srv.get(name)
    return "—" if not s else f"{s['server_cpu_s']:.1f}"


def loadavg(name):
    s = srv.get(name)
    return "—" if not s else f"{s['loadavg_before']:.2f} → {s['loadavg_after']:.2f}"


for name, label in [("chat_tcp", f"chat TCP, {pairs} pairs, closed loop (window 1)"),
                    ("chat_ws", f"chat WebSocket, {pairs} pairs, closed loop (window 1)"),
                    ("chat_mixed", f"mixed TCP, {pairs} pairs, closed loop: 10% reactions, 1% images"),
                    ("chat_tcp_open", f"chat TCP, open loop at {num(open_rate)}/s"),
                    ("chat_tcp_half", f"chat TCP, open loop at {num(half_rate)}/s (half the "
                                      "closed-loop rate)"),
                    ("serial_tcp", "serial TCP, one message at a time"),
                    ("fanout_tcp", f"fanout TCP, {fan_members} members, {fan_options.get('senders')} "
                                  f"senders, window {fan_options.get('window')}"),
                    ("mqtt_chat", f"Mosquitto QoS 1, {pairs} pairs, closed loop (window 1)"),
                    ("xmpp_chat_ejabberd", f"ejabberd, {pairs} pairs, closed loop (window 1)"),
                    ("xmpp_chat_ejabberd_mam", f"ejabberd + MAM, {pairs} pairs, closed loop (window 1)"),
                    ("xmpp_chat_prosody", f"Prosody, {pairs} pairs, closed loop (window 1)"),
                    ("xmpp_chat_prosody_mam", f"Prosody + MAM, {pairs} pairs, closed loop (window 1)")]:
    if res.get(name) is None:
        w(f"| {label} | not run | | | | | |")
        continue
    tp = f"acked {num(r(name, 'acked_per_s'))}/s, delivered {num(r(name, 'delivered_per_s'))}/s"
    if r(name, "server_stored_per_s") is not None:
        tp += f" (the server stored {num(r(name, 'server_stored_per_s'))}/s)"
    w(f"| {label} | {tp} | {lat(name, 'ack_latency')} | {lat(name, 'delivery_latency')} | "
      f"{cpu(name)} | {num(r(name, 'errors'))} | {loadavg(name)} |")
for name, label in [("connect_ws", "connect WebSocket"), ("connect_tcp", "connect TCP"),
                    ("xmpp_connect_ejabberd", "ejabberd idle sessions"),
                    ("xmpp_connect_prosody", "Prosody idle sessions")]:
    if not res.get(name):
        continue
    w(f"| {label}: {num(r(name, 'connections'))} idle connections ({r(name, 'processes')} load "
      f"processes) | {num(r(name, 'connects_per_s'))} connects/s; server RSS "
      f"{num(r(name, 'server_rss_before_kib'))} → {num(r(name, 'server_rss_after_kib'))} KiB "
      f"= {num(r(name, 'server_bytes_per_connection'))} bytes/connection | | | {cpu(name)} | failed "
      f"{num(r(name, 'failed'))}, closed {num(r(name, 'closed_during_hold'))} | "
      f"{loadavg(name)} |")
if res.get("sync_tcp"):
    w(f"| sync TCP: {num(sync_n)} messages over {res['sync_tcp']['options']['conversations']} "
      f"conversations | {r('sync_tcp', 'seconds'):.3f} s = {num(sync_rate)} msg/s, "
      f"{num(r('sync_tcp', 'pages'))} pages (seeded at {num(r('sync_tcp', 'seed_acked_per_s'))} "
      f"msg/s, 32 in flight per sender) | | | {cpu('sync_tcp')} | | {loadavg('sync_tcp')} |")
w("")

w("## Where each message's CPU goes")
w("")
w("CPU microseconds per message (fan-out: per delivery) over the measured window: the server's "
  "own code (user), the server's kernel work (sockets, epoll, fsync), and the load generator "
  "(user + kernel), from `/proc/<pid>/stat` and `getrusage`. The last column is what the machine "
  f"({meta.get('cores')} cores) could reach if the server's own code cost nothing: its kernel work "
  "plus the load generator alone bound the rate, whatever the server does in user space.")
w("")
cores = meta.get("cores") or 2
w("| scenario | server user µs | server kernel µs | load generator µs | total µs | "
  f"{cores} cores ÷ total | ceiling without server user time |")
w("|---|---|---|---|---|---|---|")
for name, key, label in [("chat_tcp", "cpu_us_per_message", "chat TCP, closed loop (per message)"),
                         ("chat_ws", "cpu_us_per_message", "chat WebSocket, closed loop (per message)"),
                         ("chat_mixed", "cpu_us_per_message",
                          "mixed TCP (10% reactions, 1% images), closed loop (per message)"),
                         ("chat_tcp_open", "cpu_us_per_message", "chat TCP, open loop (per message)"),
                         ("chat_tcp_half", "cpu_us_per_message",
                          "chat TCP, open loop at half load (per message)"),
                         ("fanout_tcp", "cpu_us_per_delivery", "fanout TCP (per delivery)"),
                         ("mqtt_chat", "cpu_us_per_message", "Mosquitto QoS 1 (per message)"),
                         ("xmpp_chat_ejabberd", "cpu_us_per_message", "ejabberd (per message)"),
                         ("xmpp_chat_ejabberd_mam", "cpu_us_per_message",
                          "ejabberd + MAM (per message)"),
                         ("xmpp_chat_prosody", "cpu_us_per_message", "Prosody (per message)"),
                         ("xmpp_chat_prosody_mam", "cpu_us_per_message",
                          "Prosody + MAM (per message)")]:
    c = r(name, key)
    if not c or "server_user" not in c:
        continue
    loadgen = c["loadgen_user"] + c["loadgen_kernel"]
    total = c["server_user"] + c["server_kernel"] + loadgen
    floor = c["server_kernel"] + loadgen
    w(f"| {label} | {num(c['server_user'], 1)} | {num(c['server_kernel'], 1)} | {num(loadgen, 1)} "
      f"(kernel {num(c['loadgen_kernel'], 1)}) | {num(total, 1)} | "
      f"{num(cores * 1e6 / total if total > 0 else None)}/s | "
      f"{num(cores * 1e6 / floor if floor > 0 else None)}/s |")
w("")

w("## Parley vs Mosquitto, side by side")
w("")
w(f"Same workload: {pairs} sender → receiver pairs, 200-byte messages, each sender waiting for its "
  "ack before the next message, same load generator process layout (2 threads, epoll/Asio, no "
  "thread per connection), same machine, one after the other.")
w("")
w("| | Parley (TCP) | Mosquitto (MQTT QoS 1) | Parley / Mosquitto |")
w("|---|---|---|---|")
w(f"| acked msg/s | {num(chat_acked)} | {num(mq_acked)} | {num(ratio_tp, 2)}× |")
mq_deliv = r("mqtt_chat", "delivered_per_s")
w(f"| delivered msg/s | {num(chat_deliv)} | {num(mq_deliv)} | "
  f"{num(chat_deliv / mq_deliv if chat_deliv and mq_deliv else None, 2)}× |")
w(f"| ack p99 ms | {ms(p99_parley)} | {ms(p99_mq)} | {num(ratio_p99, 2)}× |")
w(f"| ack p50 ms | {ms(r('chat_tcp', 'ack_latency', 'p50_ms'))} | {ms(r('mqtt_chat', 'ack_latency', 'p50_ms'))} | |")
w(f"| delivery p99 ms | {ms(r('chat_tcp', 'delivery_latency', 'p99_ms'))} | "
  f"{ms(r('mqtt_chat', 'delivery_latency', 'p99_ms'))} | |")
w("")
w("What each side guarantees when it acks:")
w("")
w("- **Parley**: the ack (CHAT response with its `seq`) is written only after the message is in "
  "RocksDB's WAL and the WAL is fsync'd (group commit: one fsync serves every message that arrived "
  "meanwhile). A crash or power loss right after the ack loses nothing. It also assigns a dense "
  "per-conversation seq, deduplicates by `msg_id`, writes the recipient's inbox and conversation "
  "state, and keeps the timeline for PULL/SYNC.")
w("- **Mosquitto** (`persistence true`): PUBACK means the broker has the message in memory and "
  "queued it for the subscriber. Persistence writes the in-memory state to `mosquitto.db` only at "
  "`autosave_interval` (default 1800 s) and at shutdown, never fsync'd per message: a crash loses "
  "every message since the last autosave. No history is kept once delivered.")
w("")
w("## Latency")
w("")
w("![latency percentile spectrum](latency.png)")
w("")
w("## Exact commands")
w("")
w("`make bench` runs `bench/run.sh`, which ran:")
w("")
w("```")
with open(os.path.join(out, "commands.txt")) as f:
    w(f.read().rstrip())
w("```")
w("")
w("Each `parley-bench` run prints a one-line summary and writes the JSON next to this report.")

with open(os.path.join(out, "report.md"), "w") as f:
    f.write("\n".join(lines) + "\n")

# Percentile spectrum plot (as HdrHistogram draws it): x = 1/(1-q), log scale.
series = [("chat_tcp", "ack_latency", "Parley 1:1 ack, closed loop"),
          ("chat_tcp", "delivery_latency", "Parley 1:1 delivery, closed loop"),
          ("chat_tcp_open", "ack_latency", "Parley 1:1 ack, open loop"),
          ("chat_tcp_half", "ack_latency", "Parley 1:1 ack, open loop at half load"),
          ("serial_tcp", "ack_latency", "Parley serial ack"),
          ("fanout_tcp", "delivery_latency", "Parley fan-out delivery"),
          ("mqtt_chat", "ack_latency", "Mosquitto QoS 1 PUBACK"),
          ("xmpp_chat_ejabberd", "ack_latency", "ejabberd SM ack"),
          ("xmpp_chat_prosody", "ack_latency", "Prosody SM ack")]
plots = []
for name, which, title in series:
    cdf = r(name, which, "cdf")
    if not cdf:
        continue
    dat = os.path.join(out, f"latency_{name}_{which}.dat")
    with open(dat, "w") as f:
        for value, q in cdf:
            if q < 1.0:
                f.write(f"{1.0 / (1.0 - q):.6g} {max(value, 0.001):.6g}\n")
    plots.append(f"'{os.path.basename(dat)}' using 1:2 with lines lw 2 title '{title}'")
if plots:
    script = "\n".join([
        "set terminal pngcairo size 1000,600" if subprocess.run(
            ["gnuplot", "-e", "set terminal pngcairo"], capture_output=True).returncode == 0
        else "set terminal png size 1000,600",
        "set output 'latency.png'",
        "set logscale xy",
        "set xlabel 'percentile'",
        "set ylabel 'latency (ms)'",
        "set xtics ('50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000)",
        "set grid",
        "set key top left",
        "plot " + ", \\\n  ".join(plots),
    ])
    with open(os.path.join(out, "latency.gp"), "w") as f:
        f.write(script + "\n")
    subprocess.run(["gnuplot", "latency.gp"], cwd=out, check=False)
