#!/usr/bin/env python3
"""Feeds help2man a program's whole help: what it prints for --help, then
what each of its commands prints for `COMMAND --help`.

    man_help.py PROGRAM --help | --version

help2man runs "man_help.py PROGRAM --help" in place of "PROGRAM --help".
The commands are the ones the program's help lists under "commands:"; a
command whose help is the program's own (vambe-harness run, list and
validate share one option table) is not repeated. The text is reshaped
into what help2man reads: "Usage:" and "or:" lines for the SYNOPSIS,
"Options:" for the OPTIONS section, and a "*PROGRAM COMMAND*" section per
command, whose own headings ("options:") become subsections. --version is
passed through.
"""
import os
import re
import subprocess
import sys

HEADING = re.compile(r"^([a-z][^:]*):$")
# Headings help2man turns into sections of their own.
SPECIAL = ("Options", "Environment", "Files", "Examples")


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit(f"man_help.py: {' '.join(argv)} exited {p.returncode}:\n{p.stdout}")
    return p.stdout


def commands(text):
    """The command names listed under a "commands:" heading."""
    names, inside = [], False
    for line in text.splitlines():
        if line.strip().lower() == "commands:":
            inside = True
        elif inside:
            m = re.match(r"^  ([a-z][\w-]*)(\s|$)", line)
            if not m:
                break
            names.append(m.group(1))
    return names


def synopsis(text, prog, label="Usage: "):
    """usage: lines become help2man's "Usage:" and "or:" lines; a usage
    line wrapped onto a deeper-indented line is joined back."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("usage: "):
        return text
    out = [label + lines[0][len("usage: "):]]
    i = 1
    while i < len(lines) and lines[i].startswith(" ") and lines[i].strip():
        rest = lines[i].strip()
        if rest.startswith(prog + " "):
            out.append("   or: " + rest)
        else:
            out[-1] += " " + rest
        i += 1
    return "\n".join(out + lines[i:])


def headings(text, command=None):
    """"options:" and other lower-case headings, capitalised. "Options:" is
    the heading help2man turns into the OPTIONS section: in a command's help
    it becomes "Serve options:", a subsection of the command's section."""
    out = []
    for line in text.splitlines():
        if HEADING.match(line):
            line = line[0].upper() + line[1:]
            if command is not None and line.split(":")[0] in SPECIAL:
                line = f"{command.capitalize()} {line[0].lower()}{line[1:]}"
        out.append(line)
    return "\n".join(out)


def paragraphs(text):
    """Blank lines where help2man would otherwise run two paragraphs into
    one: after the usage lines, and between an indented line of prose (an
    example) and an option line under it. And two spaces where a table's
    tag fills its column and only one space is left before the description
    ("--log-format text|json log lines ...") or overflows it: help2man needs
    two."""
    out = []
    prev = ""
    col = 0  # the description column of the table being read, 0 outside one
    for line in text.splitlines():
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        prev_stripped = prev.lstrip()
        prev_indent = len(prev) - len(prev_stripped)
        if prev.startswith(("Usage: ", "usage: ")) and line and indent == 0:
            out.append("")
        elif (stripped.startswith("-") and 0 < prev_indent < 8 and prev_stripped
              and not prev_stripped.startswith("-") and not HEADING.match(prev)):
            out.append("")
        tag_end = indent + len(stripped.split(" ")[0])
        if indent == 0:
            col = 0
        elif col and len(line) > col and line[col - 1] == " " and line[col - 2] != " " \
                and line[col] != " ":
            line = line[:col] + " " + line[col:]
        elif col and indent < col and tag_end >= col - 1 and line[tag_end:tag_end + 1] == " " \
                and line[tag_end + 1:tag_end + 2] not in ("", " "):
            line = line[:tag_end] + " " + line[tag_end:]
        m = re.match(r"^( +\S.*?\S  +)\S", line)
        if indent and m and indent < 12:
            col = len(m.group(1))
        out.append(line)
        prev = line
    return "\n".join(out)


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("--help", "--version"):
        sys.exit("usage: man_help.py PROGRAM --help|--version")
    prog_path, opt = sys.argv[1], sys.argv[2]
    if opt == "--version":
        sys.stdout.write(run([prog_path, "--version"]))
        return
    prog = os.path.basename(prog_path)
    main_help = run([prog_path, "--help"])
    parts = [paragraphs(headings(synopsis(main_help.rstrip("\n"), prog)))]
    for name in commands(main_help):
        sub = run([prog_path, name, "--help"])
        if sub != main_help:
            parts.append(f"*{prog} {name}*")
            text = synopsis(sub.rstrip("\n"), prog, "usage: ")
            parts.append(paragraphs(headings(text, name)))
    sys.stdout.write("\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
