#!/usr/bin/env python3
"""Writes a C file holding a text file as a byte array (for data compiled into vitals):
embed-text.py NAME INPUT OUTPUT gives `const char NAME[]` (NUL-terminated) and `const size_t NAME_len`."""
import sys

name, src, dst = sys.argv[1:4]
data = open(src, "rb").read()
lines = [", ".join(str(b) for b in data[i:i + 24]) for i in range(0, len(data), 24)]
with open(dst, "w") as f:
    f.write(f"/* Generated from {src.split('/')[-1]} by scripts/embed-text.py: do not edit. */\n")
    f.write("#include <stddef.h>\n\n")
    f.write(f"extern const char {name}[];\nextern const size_t {name}_len;\n")
    f.write(f"const char {name}[] = {{\n" + ",\n".join(lines) + (",\n" if lines else "") + "0};\n")
    f.write(f"const size_t {name}_len = {len(data)};\n")
