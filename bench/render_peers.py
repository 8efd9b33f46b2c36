"""The report's headline table: Parley against the servers a team would run
instead (bench/README.md "IM peers"), from the JSON bench/run.sh collected.
render_report.py calls headline()."""

# The runs of the table: (label, chat JSON, idle-connection JSON, what an ack
# guarantees). Mosquitto has no idle-connection run.
PEERS = [
    ("Mosquitto {mosquitto} (MQTT QoS 1)", "mqtt_chat", None,
     "in memory (`persistence true` saves every 30 min); no history"),
    ("ejabberd {ejabberd}", "xmpp_chat_ejabberd", "xmpp_connect_ejabberd",
     "in memory; no history"),
    ("ejabberd {ejabberd} + MAM (mnesia)", "xmpp_chat_ejabberd_mam", "xmpp_connect_ejabberd",
     "history kept (mnesia: written, no fsync per message)"),
    ("Prosody {prosody}", "xmpp_chat_prosody", "xmpp_connect_prosody", "in memory; no history"),
    ("Prosody {prosody} + MAM (internal file store)", "xmpp_chat_prosody_mam",
     "xmpp_connect_prosody", "history kept (files written, no fsync)"),
]
PARLEY = ("Parley (TCP)", "chat_tcp", "connect_tcp",
          "fsync'd (RocksDB WAL, group commit); history kept")
CHAT_RUNS = [p[1] for p in PEERS] + [PARLEY[1]]
IDLE_RUNS = ["xmpp_connect_ejabberd", "xmpp_connect_prosody", "connect_tcp"]


def _fmt(v, digits=0):
    if v is None:
        return "—"
    return f"{v:,.{digits}f}"


def headline(r, meta):
    """Markdown lines. `r(name, *keys)` reads a run's results (None if absent)."""
    def cpu(name, part):
        c = r(name, "cpu_us_per_message")
        return c.get(part) if c else None

    def cpu_total(name):
        u, k = cpu(name, "server_user"), cpu(name, "server_kernel")
        return u + k if u is not None and k is not None else None

    def lat(name, which):
        return f"{_fmt(r(name, which, 'p50_ms'), 2)} / {_fmt(r(name, which, 'p99_ms'), 2)}"

    def memory(idle):
        b = r(idle, "server_bytes_per_connection") if idle else None
        return None if b is None else b / 1024

    def ratio(a, b):
        if not a or not b or a <= 0 or b <= 0:
            return "—"
        x = a / b
        return f"{x:,.{3 if x < 0.1 else 2}f}×"

    parley_rate = r(PARLEY[1], "acked_per_s")
    parley_cpu = cpu_total(PARLEY[1])
    parley_mem = memory(PARLEY[2])
    lines = []
    w = lines.append
    w("## Headline: Parley and the servers a team would run instead")
    w("")
    w("The same 1:1 workload on each server, one after another in this run, each on a fresh "
      "server: the pairs of the Parley run below, 200-byte messages, each sender waiting for its "
      "ack before the next (window 1), same load generator and thread layout. Ack: Parley's CHAT "
      "response; Mosquitto's PUBACK; XMPP: the stream-management `<a h/>` answering the `<r/>` "
      "sent after each message (XEP-0198: the server has handled the stanza). Delivery: the "
      "receiver has the message. Server CPU per acked message over the measured window, from "
      "`/proc/<pid>/stat`. Memory per idle connection: the server's RSS growth over "
      f"{_fmt(r('connect_tcp', 'connections'))} logged-in idle connections (XMPP: bound, stream "
      "management on, presence sent), on a fresh server. The load generator shares the two "
      "cores with every server, and other work ran on this machine: read the ratios more than "
      "the absolute figures (bench/README.md).")
    w("")
    w("| server | ack means | acked msg/s | ack p50 / p99 ms | delivery p50 / p99 ms | server CPU "
      "µs/msg (user + kernel) | memory per idle connection | Parley ÷ server: msg/s | Parley ÷ "
      "server: CPU per msg | Parley ÷ server: idle memory |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for label, chat, idle, guarantee in [PARLEY] + PEERS:
        name = " ".join(label.format(mosquitto=meta.get("mosquitto", ""),
                                     ejabberd=meta.get("ejabberd", ""),
                                     prosody=meta.get("prosody", "")).split())
        if r(chat, "acked_per_s") is None:
            w(f"| {name} | {guarantee} | not run | | | | | | | |")
            continue
        mem = memory(idle)
        is_parley = chat == PARLEY[1]
        w(f"| {name} | {guarantee} | {_fmt(r(chat, 'acked_per_s'))} | {lat(chat, 'ack_latency')} | "
          f"{lat(chat, 'delivery_latency')} | {_fmt(cpu(chat, 'server_user'))} + "
          f"{_fmt(cpu(chat, 'server_kernel'))} = {_fmt(cpu_total(chat))} | "
          f"{'—' if mem is None else _fmt(mem, 1) + ' KiB'} | "
          f"{'' if is_parley else ratio(parley_rate, r(chat, 'acked_per_s'))} | "
          f"{'' if is_parley else ratio(parley_cpu, cpu_total(chat))} | "
          f"{'' if is_parley or mem is None else ratio(parley_mem, mem)} |")
    w("")
    w("Parley ÷ server above 1× in msg/s: Parley moved more messages; below 1× in CPU or memory: "
      "Parley spent less. Each XMPP session enables stream management (as mobile clients do), so "
      "the server also asks the receiver for acks and keeps unacked stanzas queued. Parley's "
      "idle WebSocket connections (`connect_ws` below) cost less than its TCP ones; the table "
      "compares TCP with TCP.")
    w("")
    return lines
