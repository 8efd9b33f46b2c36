#!/usr/bin/env python3
"""deploy/parleyd.toml (the package's /etc/parley/parleyd.toml) against
`parleyd --help`, so a new flag without its entry, a changed default or help
text, or an entry parleyd no longer knows fails here:

- every long option of --help (but --help and --config) has exactly one
  `name = value` line, commented or not, and every such line is an option;
- the comment above it holds the option's help text;
- a commented line shows the default of --help (options without one, and
  lists, show an example);
- parleyd accepts the file as shipped, and with every line uncommented
  (`--config FILE --help`: CLI11 parses and checks the file, then prints
  the help and exits 0; a bad key or value exits non-zero), and refuses it
  with a key that is no option.

usage: parleyd_toml_test.py PARLEYD CONFIG
"""
import re
import subprocess
import sys
import tempfile

parleyd, config_path = sys.argv[1], sys.argv[2]
failures = []


def fail(message):
    failures.append(message)


def words(text):
    return " ".join(text.split())


# --help: "  --name TYPE[=DEFAULT][ ...] (Env:...)" and the help text on the
# next line.
help_lines = subprocess.run([parleyd, "--help"], check=True, capture_output=True,
                            text=True).stdout.splitlines()
options = {}
for line, following in zip(help_lines, help_lines[1:] + [""]):
    match = re.match(r"^  --([a-z0-9-]+) (.*?)(?: \.\.\.)?(?: \(Env:\S+\))?$", line)
    if not match or "  " in line.strip() or not following.startswith(" " * 20):
        continue
    name, signature = match.groups()
    default = signature.rsplit("=", 1)[1] if "=" in signature else None
    options[name] = (default, following.strip())
if len(options) < 40:
    sys.exit(f"FAIL: only {len(options)} options parsed from parleyd --help")

# The file: each `[# ]name = value` line and the comment block above it.
entries = {}
comment = []
for number, line in enumerate(open(config_path).read().splitlines(), 1):
    match = re.match(r"^(# )?([a-z0-9-]+) = (.*)$", line)
    if match:
        commented, name, value = match.groups()
        if name in entries:
            fail(f"line {number}: {name} appears twice")
        entries[name] = (bool(commented), value, words(" ".join(comment)), number)
        comment = []
    elif line.startswith("#"):
        comment.append(line[1:])
    else:
        comment = []

for name, (default, help_text) in options.items():
    if name not in entries:
        fail(f"--{name} has no line in {config_path}")
        continue
    commented, value, comment_text, number = entries[name]
    if words(help_text) not in comment_text:
        fail(f"line {number}: the comment above {name} lacks its help text: {help_text!r}")
    if commented and default is not None and default != "[]":
        shown = value[1:-1] if value.startswith('"') and value.endswith('"') else value
        if shown != default:
            fail(f"line {number}: {name} shows {value}, parleyd's default is {default}")
for name, (_, _, _, number) in entries.items():
    if name not in options:
        fail(f"line {number}: {name} is not an option of parleyd --help")


def check_file(text, what, accept=True):
    with tempfile.NamedTemporaryFile("w", suffix=".toml") as file:
        file.write(text)
        file.flush()
        run = subprocess.run([parleyd, "--config", file.name, "--help"], capture_output=True,
                             text=True)
    if accept and run.returncode != 0:
        fail(f"parleyd refuses {what}: {run.stderr.strip()}")
    if not accept and run.returncode == 0:
        fail(f"parleyd accepts {what}")


shipped = open(config_path).read()
check_file(shipped, "the file as shipped")
check_file(re.sub(r"(?m)^# ([a-z0-9-]+ = )", r"\1", shipped),
           "the file with every line uncommented")
# A misspelt key is an error, not a setting silently ignored.
check_file(shipped + 'log-levle = "debug"\n', "a key that is no option", accept=False)

for message in failures:
    print("FAIL:", message)
if failures:
    sys.exit(1)
print(f"PASS: {len(options)} options, each with its line, default and help text")
