#pragma once
// parleyd's log lines under systemd. Its log goes to stderr; when systemd
// connects stderr to the journal it says so in $JOURNAL_STREAM ("DEV:INODE"
// of that stream). Each line then starts with its syslog priority, "<3>"
// (error) to "<7>" (debug), which journald takes as the entry's priority, so
// `journalctl -u parleyd -p warning` shows the warnings and worse, and
// carries no timestamp of its own: the journal stamps each entry.
//
// Threads: call once from the main thread before the I/O threads start.

#include <spdlog/logger.h>

namespace parley::app {

// True when stderr is the stream $JOURNAL_STREAM names (not when the
// variable was inherited by a process whose stderr went elsewhere).
bool StderrIsJournal();

// Sets `logger`'s pattern to "<priority>[level] message".
void UseJournalPattern(spdlog::logger& logger);

}  // namespace parley::app
