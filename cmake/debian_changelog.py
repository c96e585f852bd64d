#!/usr/bin/env python3
"""Writes the Debian changelog of the package from CHANGELOG.md.

    debian_changelog.py CHANGELOG.md OUT PACKAGE VERSION "Name <mail>"

CHANGELOG.md is in Keep a Changelog's shape: one Debian entry is written per
"## [X.Y.Z] - YYYY-MM-DD" section, newest first ("Unreleased" is left out);
"### Added" becomes "[ Added ]", "- item" becomes "* item", a Markdown link
its text. Fails (exit 1) when the newest release is not VERSION, the
project's, so the package never names another version than its programs.
"""
import datetime
import email.utils
import re
import sys

HEADING = re.compile(r"^## \[([^]]+)\](?: - (\d{4}-\d{2}-\d{2}))?\s*$")
LINK_DEF = re.compile(r"^\[[^]]+\]: ")
LINK = re.compile(r"\[([^]]*)\]\([^)]*\)")


def fail(msg):
    print(f"debian_changelog.py: {msg}", file=sys.stderr)
    sys.exit(1)


def trailer(maintainer, path, version, date):
    try:
        day = datetime.datetime.strptime(date, "%Y-%m-%d")
    except ValueError:
        fail(f"{path}: [{version}]: bad date '{date}'")
    stamp = email.utils.format_datetime(day.replace(tzinfo=datetime.timezone.utc))
    return f" -- {maintainer}  {stamp}"


def convert(path, package, maintainer):
    entries = []  # [version, date, lines]
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip()
            m = HEADING.match(line)
            if m:
                if m.group(1) == "Unreleased":
                    entries.append(None)
                    continue
                if m.group(2) is None:
                    fail(f"{path}:{lineno}: [{m.group(1)}] has no date (## [X.Y.Z] - YYYY-MM-DD)")
                entries.append([m.group(1), m.group(2), []])
                continue
            if not entries or entries[-1] is None or LINK_DEF.match(line):
                continue
            line = LINK.sub(r"\1", line)
            if line.startswith("### "):
                out = f"  [ {line[4:]} ]"
            elif line.startswith("- "):
                out = f"  * {line[2:]}"
            elif line.startswith("  "):
                out = f"    {line.lstrip()}"
            elif line == "":
                out = ""
            else:
                out = f"  {line}"
            entries[-1][2].append(out)

    text = []
    for version, date, lines in (e for e in entries if e is not None):
        body = "\n".join(lines).strip("\n")
        body = re.sub(r"\n{3,}", "\n\n", body)
        text.append(
            f"{package} ({version}) unstable; urgency=medium\n\n{body}\n\n"
            f"{trailer(maintainer, path, version, date)}\n"
        )
    return [e[0] for e in entries if e is not None], "\n".join(text)


def main():
    if len(sys.argv) != 6:
        fail("usage: debian_changelog.py CHANGELOG.md OUT PACKAGE VERSION MAINTAINER")
    path, out, package, version, maintainer = sys.argv[1:]
    versions, text = convert(path, package, maintainer)
    if not versions or versions[0] != version:
        newest = versions[0] if versions else "none"
        fail(f"{path}: the newest release is {newest} but the project is {version}: "
             f"add a '## [{version}] - YYYY-MM-DD' entry")
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
