#!/usr/bin/env python3
"""Fails when a command-line option in the C sources is missing from docs/vitals.1.

Reads every `{"name", ...}` entry of a `struct option` table and every short option
string passed to getopt_long, and looks for each in the man page (zmap's
check_manfile.py does the same for its options).
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
man = (root / "docs" / "vitals.1").read_text()
# In roff, "-" is often written "\-".
man_plain = man.replace("\\-", "-")
missing = []
for src in sorted((root / "src").glob("*/*.c")):
    text = src.read_text()
    for table in re.findall(r"struct option \w+\[\] = \{(.*?)\n\};", text, re.S):
        for name in re.findall(r'\{"([a-z0-9-]+)",', table):
            if not re.search(r"--" + re.escape(name) + r"\b", man_plain):
                missing.append(f"{src.name}: --{name}")
    for shorts in re.findall(r'getopt_long\([^,]+,[^,]+,\s*"([^"]*)"', text):
        for ch in shorts.replace(":", ""):
            if not re.search(r"(^|[\s,(\\fB])-" + re.escape(ch) + r"\b", man_plain, re.M):
                missing.append(f"{src.name}: -{ch}")
for cmd in ("scan", "show", "report", "rescore", "compare", "trend", "tls"):
    if f"vitals {cmd}" not in man_plain and f"B vitals {cmd}" not in man:
        missing.append(f"command {cmd}")
if missing:
    print("options missing from docs/vitals.1:", *missing, sep="\n  ")
    sys.exit(1)
print("man page documents every option")
