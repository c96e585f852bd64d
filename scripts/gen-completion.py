#!/usr/bin/env python3
"""Generates the bash completion of the kit's programs from their own --help.

Each program's options live in one table in its cli.c, and --help is printed
from that table; reading --help back (the top level's, then each command's)
means the completion cannot drift from the options: the build runs this
script again whenever a program is relinked.

    gen-completion.py --runtime scripts/completion-runtime.bash --out-dir DIR \
        --program vambe-harness=PATH [--program vambe-mock=PATH ...]

writes DIR/<program> for each program: the shared runtime (the bash that
walks the command line and produces the replies), then the program's data
(its commands, each context's flags and what each flag's value is), then the
`complete` line. A help text this script cannot read fails the build rather
than leaving a flag out.

What a flag's value completes to is decided from the flag's help row (the
metavariable in the table's "argument" column, and its help text), in
value_kind() below.
"""

import argparse
import collections
import os
import re
import subprocess
import sys

# An option row: indented, an optional short form, then the long name.
ROW = re.compile(r"^(?P<indent> {1,8})(?:(?P<short>-[A-Za-z0-9]),\s+)?"
                 r"(?P<long>--[A-Za-z0-9][A-Za-z0-9-]*)(?P<rest>.*)$")
# A heading that introduces the values of one flag, e.g. "flaws (--flaw NAME; ...):".
VALUES_HEADING = re.compile(r"^\S.*\((?P<flag>--[A-Za-z0-9][A-Za-z0-9-]*)\b[^)]*\):\s*$")
# "junit, json, md or html": the first such list in a help text.
PROSE_LIST = re.compile(r"\b([a-z0-9]+(?:, [a-z0-9]+)*,? or [a-z0-9]+)\b")
# Every word the generated bash holds unquoted must be plain ("_": the
# outcomes of vambe-mock calls --outcome, retry_scheduled and the like).
SAFE_WORD = re.compile(r"^[A-Za-z0-9_.+@-]+$")


class HelpError(Exception):
    pass


class Option:
    def __init__(self, long, short=None, arg=None, text=""):
        self.long = long
        self.short = short
        self.arg = arg  # the value's metavariable; None for a switch
        self.text = text  # the help text, continuation lines joined


class Help:
    """What one --help output says."""

    def __init__(self):
        self.options = collections.OrderedDict()  # long name -> Option
        self.commands = []
        self.values = {}  # long name -> values listed under a heading naming it
        self.usage = []  # (command or None, [tokens]), one per usage line and its continuations


def run(binary, args):
    """Runs binary with args and returns its standard output; a failure is fatal."""
    env = dict(os.environ, LC_ALL="C")
    # A sanitizer build's leak report is not the completion's business.
    env["ASAN_OPTIONS"] = "detect_leaks=0:" + env.get("ASAN_OPTIONS", "")
    try:
        p = subprocess.run([binary] + args, stdin=subprocess.DEVNULL, capture_output=True,
                           env=env, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HelpError("%s %s: %s" % (binary, " ".join(args), exc)) from exc
    if p.returncode != 0:
        raise HelpError("%s %s: exit status %d: %s" % (binary, " ".join(args), p.returncode,
                                                        p.stderr.decode(errors="replace").strip()))
    return p.stdout.decode()


def looks_like_metavar(tok):
    """FILE, NAME|FILE, FORMAT:PATH, 'NAME: VALUE', text|json: not a help word."""
    return (not re.search(r"[a-z]", tok) or "|" in tok or ":" in tok
            or tok[0] in "'<@[")


def help_column(lines):
    """Where the help text of option rows starts: the most common column
    after the gap that follows the left column. None when no row shows it."""
    seen = collections.Counter()
    for line in lines:
        m = ROW.match(line)
        if m:
            gap = re.search(r"\s{2,}(?=\S)", m.group("rest"))
            if gap:
                seen[m.start("rest") + gap.end()] += 1
    return seen.most_common(1)[0][0] if seen else None


def row_argument(m, col):
    """The metavariable of the option row m, or None for a switch.

    The formatters print "--name ARG" with one space, then pad to the help
    column; a value-less flag whose name fills the column exactly is also
    followed by one space, so a word at the column is help text, and a word
    past it (a left column that overflowed) counts only if it looks like a
    metavariable."""
    rest = m.group("rest")
    if rest.startswith("="):
        return rest[1:].split()[0].strip("[]") if rest[1:].split() else None
    tok = re.match(r" ('[^']*'|[^ ]+)", rest)
    if tok is None:  # nothing, or two blanks: the help text follows
        return None
    word = tok.group(1)
    start = m.start("rest") + 1
    at_end = not rest[tok.end():].strip()
    if col is None:
        return word if looks_like_metavar(word) else None
    if start < col:
        return word
    if start == col:
        return word if at_end and looks_like_metavar(word) else None
    return word if looks_like_metavar(word) else None


def parse_help(text, prog, known=()):
    """Reads one --help text of prog; known: the commands its top level listed."""
    h = Help()
    lines = text.splitlines()
    col = help_column(lines)
    cont_indent = col - 1 if col is not None else 12
    section = None  # "commands", or ("values", flag)
    last = None  # the option whose help text continues on the next lines
    usage = None  # the usage tokens being collected
    for line in lines:
        if not line.strip():
            section, last, usage = None, None, None
            continue
        body = line[len("usage:"):] if line.startswith("usage:") else None
        if body is not None or (usage is not None and line[0] == " "):
            words = (body if body is not None else line).split()
            if words and words[0] == prog:
                usage = []
                h.usage.append([None, usage])
                words = words[1:]
            if usage is not None:
                usage.extend(words)
            continue
        usage = None
        if line.strip().lower() == "commands:":
            section, last = "commands", None
            continue
        vh = VALUES_HEADING.match(line)
        if vh:
            section, last = ("values", vh.group("flag")), None
            h.values[vh.group("flag")] = []
            continue
        m = ROW.match(line)
        if m and (col is None or len(m.group("indent")) < col - 1):
            arg = row_argument(m, col)
            rest = m.group("rest").strip()
            if arg is not None and rest.startswith(arg):
                rest = rest[len(arg):].strip()
            opt = Option(m.group("long"), m.group("short"), arg, rest)
            h.options.setdefault(opt.long, opt)
            last = opt
            continue
        indent = len(line) - len(line.lstrip(" "))
        if last is not None and indent >= cont_indent:
            last.text = (last.text + " " + line.strip()).strip()
            continue
        last = None
        if section == "commands" and indent > 0:
            h.commands.append(line.split()[0])
        elif isinstance(section, tuple) and indent > 0:
            h.values[section[1]].append(line.split()[0])
        elif indent == 0:
            section = None
    # Now that the commands are known, say which usage line is whose.
    for entry in h.usage:
        toks = entry[1]
        if toks and (toks[0] in h.commands or toks[0] in known):
            entry[0] = toks.pop(0)
        elif toks and toks[0][0] not in "-[<":
            entry[0] = "?"  # another command's alternative form: not ours
    return h


def usage_parts(tokens):
    """The flags ({long: metavar or None}) and the operands a usage line names."""
    flags = collections.OrderedDict()
    operands = []
    i = 0
    while i < len(tokens):
        tok = tokens[i].lstrip("[")
        closed = tokens[i].rstrip(".").endswith("]")
        bare = tok.rstrip(".").rstrip("]")
        if bare.startswith("--"):
            arg = None
            if not closed and i + 1 < len(tokens) and tokens[i + 1][0] not in "-[|":
                arg = tokens[i + 1].rstrip(".").rstrip("]")
                i += 1
            flags[bare] = arg
        elif bare and bare[0] not in "-|<" and re.search(r"[A-Z]", bare):
            operands.append(bare)
        i += 1
    return flags, operands


def context(h, command, added_help):
    """The options and operand kind of one context from its help."""
    opts = collections.OrderedDict(h.options)
    operands = []
    for who, toks in h.usage:
        if who != command:
            continue
        flags, ops = usage_parts(toks)
        operands += ops
        for name, arg in flags.items():
            opts.setdefault(name, Option(name, None, arg, ""))
    if added_help and "--help" not in opts:
        opts["--help"] = Option("--help")
    return opts, operands


def operand_kind(operands):
    if not operands:
        return "none"
    parts = set(re.split(r"[|]", "|".join(operands)))
    if parts & {"FILE", "PATH"}:
        return "file"
    if "DIR" in parts:
        return "dir"
    return "word"


def value_kind(opt, values, schemes, commands):
    """What the value of opt completes to (see the runtime's _vambe_comp_value)."""
    meta = opt.arg or ""
    parts = meta.split("|")
    text = opt.text.lower()
    if opt.long in values and values[opt.long]:
        return "choice:" + ",".join(values[opt.long])
    if (meta == "IDS" or "case id" in text) and "list" in commands:
        return "ids"
    if meta == "TAGS" and "list" in commands:
        return "tags"
    if meta == "TOPICS" and "list-topics" in commands:
        return "topics"
    if "scheme" in opt.long and "NAME" in parts and schemes:
        return ("scheme-file:" if "FILE" in parts else "scheme:") + ",".join(schemes)
    if meta.startswith("FORMAT:"):
        found = PROSE_LIST.search(opt.text)
        if found:
            names = re.split(r",? or |, ", found.group(1))
            return "report:" + ",".join(names)
    if len(parts) > 1 and all(re.fullmatch(r"[a-z0-9][a-z0-9.-]*", p) for p in parts):
        return "choice:" + ",".join(parts)
    if any(p.startswith("@") for p in parts):
        return "atfile"
    if {"FILE", "PATH", "FILE:PATH"} & set(parts):
        return "file"
    if "DIR" in parts:
        return "dir"
    return "none"


def scheme_names(text):
    """The names in `schemes`' table: rows whose first word reaches the KIND column."""
    lines = text.splitlines()
    names = []
    if not lines or not lines[0].startswith("NAME"):
        return names
    kind_col = lines[0].find("KIND")
    for line in lines[1:]:
        m = re.match(r"([a-z0-9][a-z0-9._-]*) +(?=\S)", line)
        if m and m.end() == kind_col:
            names.append(m.group(1))
    return names


def program_data(name, binary, schemes):
    """[(context, opts, operand kind)] for one program, the top level first."""
    top = parse_help(run(binary, ["--help"]), name)
    if not top.options and not top.usage:
        raise HelpError("%s --help: no option rows and no usage line" % name)
    commands = top.commands
    opts, operands = context(top, None, False)
    contexts = [("", opts, "command" if commands else operand_kind(operands), top.values)]
    for cmd in commands:
        h = parse_help(run(binary, [cmd, "--help"]), name, commands)
        # The command answered --help with 0: it takes --help, shown or not.
        opts, operands = context(h, cmd, True)
        values = dict(top.values, **h.values)
        contexts.append((cmd, opts, operand_kind(operands), values))
    out = []
    for ctx, opts, operand, values in contexts:
        words = []
        for opt in opts.values():
            for flag in (opt.long, opt.short):
                if flag is None:
                    continue
                if opt.arg is None:
                    words.append(flag)
                else:
                    words.append(flag + "=" + value_kind(opt, values, schemes, commands))
        out.append((ctx, words, operand))
    return commands, out


def check_words(name, words):
    for w in words:
        for piece in re.split(r"[=:,]", w):
            if piece and not SAFE_WORD.match(piece):
                raise HelpError("%s: '%s' is not a plain word" % (name, w))


def bash_array(words, indent):
    """A bash array literal, wrapped at 100 columns under indent."""
    lines, cur = [], "("
    for w in ("'%s'" % w for w in words):
        if cur not in ("(", "") and len(indent) + len(cur) + 1 + len(w) > 96:
            lines.append(cur)
            cur = ""
        cur += (" " if cur not in ("(", "") else "") + w
    lines.append(cur + ")")
    return ("\n" + indent + "    ").join(lines)


def render(name, commands, contexts, runtime):
    fn = "_" + re.sub(r"[^A-Za-z0-9]", "_", name)
    # Contexts with the same data share one case branch.
    groups = collections.OrderedDict()
    for ctx, words, operand in contexts:
        check_words(name, words + [operand])
        groups.setdefault((tuple(words), operand), []).append(ctx)
    check_words(name, commands)
    out = [
        "# bash completion for %s" % name,
        "# Generated at build time by scripts/gen-completion.py from the program's",
        "# own --help (each command's too); edit the option tables in the sources",
        "# or the generator, never this file. Needs bash >= 4.3 and nothing else.",
        "",
        runtime.rstrip("\n"),
        "",
        "# %s's data, read from its --help. %s_spec CONTEXT" % (name, fn),
        "# sets _vc_commands, and for CONTEXT (a command, or \"\" before one)",
        "# _vc_opts (FLAG, or FLAG=KIND for a flag taking a value) and",
        "# _vc_operand (what its operands are: command, file, dir, word or none).",
        "%s_spec() {" % fn,
        "    _vc_commands=%s" % bash_array(commands, "    "),
        "    case $1 in",
    ]
    known = []
    for (words, operand), ctxs in groups.items():
        labels = " | ".join("'%s'" % c for c in ctxs)
        known += ctxs
        out += [
            "    %s)" % labels,
            "        _vc_opts=%s" % bash_array(list(words), "        "),
            "        _vc_operand='%s'" % operand,
            "        ;;",
        ]
    out += [
        "    *)",
        "        _vc_opts=()",
        "        _vc_operand='none'",
        "        ;;",
        "    esac",
        "}",
        "",
        "%s() {" % fn,
        "    _vambe_complete %s_spec" % fn,
        "}",
        "complete -F %s %s" % (fn, name),
        "",
    ]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--runtime", required=True, help="the shared bash runtime")
    ap.add_argument("--out-dir", required=True, help="where <program> files are written")
    ap.add_argument("--program", action="append", default=[], metavar="NAME=PATH",
                    help="a program and its built binary (repeatable)")
    a = ap.parse_args()
    programs = collections.OrderedDict()
    for spec in a.program:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            ap.error("--program wants NAME=PATH, not '%s'" % spec)
        programs[name] = path
    with open(a.runtime, encoding="utf-8") as f:
        runtime = f.read()
    try:
        # The built-in schemes are the same in every program (core/scheme):
        # read them from whichever program has a `schemes` command.
        schemes = []
        for name, binary in programs.items():
            if "schemes" in parse_help(run(binary, ["--help"]), name).commands:
                schemes = scheme_names(run(binary, ["schemes"]))
                if not schemes:
                    raise HelpError("%s schemes: no scheme in its table" % name)
                break
        os.makedirs(a.out_dir, exist_ok=True)
        for name, binary in programs.items():
            commands, contexts = program_data(name, binary, schemes)
            text = render(name, commands, contexts, runtime)
            path = os.path.join(a.out_dir, name)
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(path + ".tmp", path)
    except (HelpError, OSError) as exc:
        print("gen-completion: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
