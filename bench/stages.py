#!/usr/bin/env python3
"""Sorts perf samples of parleyd into the stages of a 1:1 message.

usage: stages.py STACKS [CHAT_JSON]
STACKS: `perf script -F comm,tid,ip,sym --no-inline` of a call-graph
recording. A sample belongs to the store writer's thread or to an io thread
(the thread whose stacks hold GroupCommitWriter::Run is the writer), then to
the first stage of that thread's list whose pattern matches any frame of its
stack. CHAT_JSON (parley-bench --json of the same run) turns shares into
microseconds per message.
"""
import collections
import json
import re
import sys

WRITER = [
    ("memtable inserts (RocksDB MemTable::Add into our skiplist)", r"WriteBatchInternal::InsertInto"),
    ("WAL append and fdatasync (RocksDB, with the kernel's part)",
     r"WriteToWAL|SyncWAL|fdatasync|WritableFileWriter|FlushWAL"),
    ("staging: msg_id lookup, keys, seq, inbox runs, the stored JSON", r"BatchStager::|InboxStager::"),
    ("waking the io threads with the results", r"CompletionBatch|Completion<|futex"),
    ("the queue and the rest of RocksDB's write", r"."),
]
IO = [
    ("socket writes: sendmsg, with the kernel's loopback TCP and the receiving side's softirq",
     r"sendmsg|__libc_send|writev"),
    ("socket reads: recvmsg", r"__libc_recv|recvmsg|readv|__libc_read"),
    ("epoll", r"epoll_wait|epoll_ctl|epoll_reactor::run"),
    ("JSON parse of the request", r"ParseObject|json::parse"),
    ("handing the append to the store writer", r"GroupCommitWriter::Submit|RocksStore::Append"),
    ("fan-out to the recipient's connection (bus, outbound queue)", r"LocalBus::Publish|Deliver|QueueLocal"),
    ("CHAT handling: checks, conversation, the ack's JSON",
     r"MessageService::Chat|Dispatcher::Handle|ResolveConversation|OkResponse"),
    ("connection: frame decoding, write batching", r"TcpConnection::|FrameDecoder|FrameBatch|Connection::"),
    ("event loop and coroutine resumption", r"."),
]


def samples(path):
    """Yields (tid, [frames, leaf first]) per sample."""
    tid, frames = None, []
    for line in open(path, errors="replace"):
        if not line.strip():
            if tid is not None:
                yield tid, frames
            tid, frames = None, []
        elif line[0] not in " \t":
            parts = line.split()
            tid, frames = (parts[1] if len(parts) > 1 else "?"), []
        else:
            parts = line.strip().split(None, 1)
            frames.append(parts[-1])
    if tid is not None:
        yield tid, frames


def main():
    all_samples = list(samples(sys.argv[1]))
    total = len(all_samples) or 1
    us_per_message = None
    if len(sys.argv) > 2:
        cpu = json.load(open(sys.argv[2]))["results"]["cpu_us_per_message"]
        us_per_message = cpu["server_user"] + cpu["server_kernel"]
    writers = {t for t, fr in all_samples if any("GroupCommitWriter::Run" in f for f in fr)}
    print("| thread | stage | share of parleyd's CPU |" + (" µs per message |" if us_per_message else ""))
    print("|---|---|---|" + ("---|" if us_per_message else ""))
    for label, is_writer, stages in (("store writer", True, WRITER), ("io threads", False, IO)):
        counts = collections.Counter()
        compiled = [(name, re.compile(pattern)) for name, pattern in stages]
        for tid, frames in all_samples:
            if (tid in writers) != is_writer:
                continue
            for name, pattern in compiled:
                if any(pattern.search(f) for f in frames):
                    counts[name] += 1
                    break
        for name, _ in stages:
            share = counts[name] / total
            extra = f" {share * us_per_message:.1f} |" if us_per_message else ""
            print(f"| {label} | {name} | {100 * share:.1f}% |{extra}")
    if us_per_message:
        print(f"\nServer CPU per message: {us_per_message:.1f} µs (user + kernel); {total} samples.")


if __name__ == "__main__":
    main()
