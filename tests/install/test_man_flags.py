#!/usr/bin/env python3
"""install.man_flags: every flag a program's help shows is in its man page.

    test_man_flags.py MAN_DIR PROGRAM...

For each PROGRAM, reads its --help and the --help of each command its help
lists under "commands:", collects every flag (-v, --target), and looks for
each in MAN_DIR/<program>.1.gz, the page help2man wrote at build time. A
flag missing from a page fails the test and is named.
"""
import gzip
import os
import re
import subprocess
import sys

# The command list is read as the man pages' generator reads it: one parser.
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "cmake"))
from man_help import commands  # noqa: E402

FLAG = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def run_help(argv):
    p = subprocess.run(argv + ["--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=30)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(argv)} --help exited {p.returncode}")
    return p.stdout


def page_text(path):
    """The man page's words with roff's escapes taken out: \\- is a dash,
    font changes and \\& vanish."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        text = f.read()
    text = text.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")
    return re.sub(r"\\f(\(..|\[[^]]*\]|.)", "", text)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: test_man_flags.py MAN_DIR PROGRAM...")
    man_dir, programs = sys.argv[1], sys.argv[2:]
    missing = []
    checked = 0
    for prog in programs:
        name = os.path.basename(prog)
        page = os.path.join(man_dir, name + ".1.gz")
        if not os.path.isfile(page):
            missing.append(f"{name}: no man page {page}")
            continue
        text = page_text(page)
        main_help = run_help([prog])
        helps = {"--help": main_help}
        for cmd in commands(main_help):
            helps[f"{cmd} --help"] = run_help([prog, cmd])
        if not re.search(rf"^\.TH {re.escape(name.upper())} ", text, re.M):
            missing.append(f"{name}: the page has no .TH {name.upper()} line")
        for where, help_text in helps.items():
            for flag in sorted(set(FLAG.findall(help_text))):
                checked += 1
                if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text):
                    missing.append(f"{name}: {flag} (in '{name} {where}') is not in {page}")
    for m in missing:
        print(f"FAIL: {m}")
    if checked == 0:
        print("FAIL: no flag found in any help")
        return 1
    print(f"{checked} flags checked in {len(programs)} man pages, {len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
