#!/usr/bin/env bash
# completion.bash: the bash completion the build writes into BUILD/completion,
# driven the way bash drives it: COMP_WORDS cut at COMP_WORDBREAKS as bash
# cuts them, COMP_CWORD, COMP_LINE and COMP_POINT set, the function that
# `complete -p` names called, COMPREPLY checked. The build's programs come
# first on PATH, so the case ids, tags and topics are the built suite's.
# Then the drift check: every flag that a program's --help (or a command's)
# shows is offered after "-", and every flag offered is in that help.
# Runs in a plain bash, without the bash-completion package.
#
#   tests/completion/test_completion.sh BUILD_DIR
#
# VAMBE_HARNESS_BIN, VAMBE_MOCK_BIN and VAMBE_RECEIVER_BIN name the
# programs (ctest sets them); by default they are looked for in BUILD_DIR.
set -uo pipefail # not -e: completion functions run with errexit off in a shell

build=${1:?usage: test_completion.sh BUILD_DIR}
build=$(cd "$build" && pwd) || exit 2
src=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
harness=${VAMBE_HARNESS_BIN:-$build/harness/vambe-harness}
mock=${VAMBE_MOCK_BIN:-$build/mock_server/vambe-mock}
receiver=${VAMBE_RECEIVER_BIN:-$build/examples/receiver/vambe-receiver}
for bin in "$harness" "$mock" "$receiver"; do
    if [[ ! -x $bin ]]; then
        echo "test_completion: $bin: not built" >&2
        exit 2
    fi
done
PATH=$(dirname "$harness"):$(dirname "$mock"):$(dirname "$receiver"):$PATH
export PATH
hash -r

failures=0
checks=0
fail() {
    failures=$((failures + 1))
    printf 'FAIL: %s\n' "$*"
}

for prog in vambe-harness vambe-mock vambe-receiver; do
    file=$build/completion/$prog
    if [[ ! -f $file ]]; then
        echo "test_completion: $file: not written by the build" >&2
        exit 2
    fi
    # shellcheck source=/dev/null
    source "$file"
    if grep -Eq '_init_completion|_get_comp_words_by_ref|_filedir|__ltrim_colon' "$file"; then
        fail "$file uses the bash-completion package's helpers"
    fi
done
if declare -F _init_completion >/dev/null; then
    echo "test_completion: _init_completion is defined: not a plain bash" >&2
    exit 2
fi

declare -A HAVE=()  # the replies of the last complete_line, as keys
declare -A FUNCS=() # program -> its completion function, from complete -p

# compopt works only while bash itself is completing; record what is asked.
COMPOPTS=
compopt() {
    COMPOPTS+=" $*"
}

# complete_line LINE: completes LINE with the cursor at its end, as bash
# would; the replies are the keys of HAVE, and REPLIES lists them for messages.
complete_line() {
    local line=$1 breaks c word='' run='' i spec fn w
    breaks=${COMP_WORDBREAKS//[[:space:]]/}
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMP_WORDS=()
    # Bash's cut: blanks end a word, and each run of word-break characters
    # ("=", ":", "@", ...) is a word of its own.
    for ((i = 0; i < ${#line}; i++)); do
        c=${line:i:1}
        if [[ $c == [[:space:]] ]]; then
            [[ -n $word ]] && COMP_WORDS+=("$word")
            [[ -n $run ]] && COMP_WORDS+=("$run")
            word='' run=''
        elif [[ $breaks == *"$c"* ]]; then
            [[ -n $word ]] && COMP_WORDS+=("$word")
            word=''
            run+=$c
        else
            [[ -n $run ]] && COMP_WORDS+=("$run")
            run=''
            word+=$c
        fi
    done
    [[ -n $word ]] && COMP_WORDS+=("$word")
    [[ -n $run ]] && COMP_WORDS+=("$run")
    [[ $line == *[[:space:]] ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    COMPOPTS=
    HAVE=()
    fn=${FUNCS[${COMP_WORDS[0]}]-}
    if [[ -z $fn ]]; then
        spec=$(complete -p "${COMP_WORDS[0]}" 2>/dev/null)
        if [[ ! $spec =~ -F\ ([^ ]+) ]]; then
            fail "no completion registered for ${COMP_WORDS[0]}"
            REPLIES=
            return
        fi
        fn=${BASH_REMATCH[1]}
        FUNCS[${COMP_WORDS[0]}]=$fn
    fi
    "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    REPLIES="${COMPREPLY[*]}"
    for w in "${COMPREPLY[@]}"; do
        HAVE[$w]=1
    done
}

# expect_has LINE WORD...: every WORD is among the replies to LINE.
expect_has() {
    local line=$1 w
    shift
    complete_line "$line"
    for w; do
        checks=$((checks + 1))
        if [[ -z ${HAVE[$w]+set} ]]; then
            fail "'$line<TAB>' does not offer '$w' (got: $REPLIES)"
        fi
    done
}

# expect_lacks LINE WORD...: no WORD is among the replies to LINE.
expect_lacks() {
    local line=$1 w
    shift
    complete_line "$line"
    for w; do
        checks=$((checks + 1))
        if [[ -n ${HAVE[$w]+set} ]]; then
            fail "'$line<TAB>' offers '$w'"
        fi
    done
}

# expect_only LINE [WORD...]: the replies to LINE are exactly the WORDs.
expect_only() {
    local line=$1 w ok=1
    local -A want=()
    shift
    complete_line "$line"
    checks=$((checks + 1))
    for w; do
        [[ -n $w ]] && want[$w]=1
    done
    for w in "${!want[@]}"; do
        [[ -n ${HAVE[$w]+set} ]] || ok=0
    done
    for w in "${!HAVE[@]}"; do
        [[ -n ${want[$w]+set} ]] || ok=0
    done
    if ((!ok || ${#COMPREPLY[@]} != ${#HAVE[@]})); then
        fail "'$line<TAB>': want [$*], got [$REPLIES]"
    fi
}

# expect_set LINE LIST: the replies to LINE are the words of LIST, one a line.
expect_set() {
    local -a words=()
    mapfile -t words <<<"$2"
    expect_only "$1" "${words[@]}"
}

# expect_opt LINE OPTION: completing LINE asks readline for compopt OPTION.
expect_opt() {
    complete_line "$1"
    checks=$((checks + 1))
    if [[ $COMPOPTS != *"-o $2"* ]]; then
        fail "'$1<TAB>' does not set -o $2 (compopt:$COMPOPTS)"
    fi
}

# The programs' own lists, read here independently of the generator.
mapfile -t case_ids < <(vambe-harness list | awk '$1 ~ /^[A-Z]+-[0-9]+$/ { print $1 }')
mapfile -t schemes < <(vambe-harness schemes | awk 'NR > 1 && NF >= 3 && $1 !~ /^[0-9]/ { print $1 }')
mapfile -t flaws < <(vambe-receiver --help | awk '/^flaws / { on = 1; next } /^$/ { on = 0 } on { print $1 }')
mapfile -t topics < <(vambe-harness list-topics)
if ((${#case_ids[@]} < 10 || ${#schemes[@]} < 2 || ${#flaws[@]} < 10 || ${#topics[@]} < 2)); then
    echo "test_completion: the programs' lists look wrong: ${#case_ids[@]} case ids," \
        "${#schemes[@]} schemes, ${#flaws[@]} flaws, ${#topics[@]} topics" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/work/reports" "$tmp/work/suite"
: >"$tmp/work/schemes.json"
: >"$tmp/work/body.json"
cp "$src/scenarios/IDM/IDM-001"*.json "$tmp/work/suite/" 2>/dev/null ||
    fail "no IDM-001 scenario to build a suite of one"
cd "$tmp/work" || exit 2

# ---- commands and flags ---------------------------------------------------
expect_only "vambe-harness ru" run
expect_only "vambe-harness li" list list-topics
expect_has "vambe-harness " run list validate sign schemes list-topics
expect_only "vambe-harness run --sch" --scheme=
expect_opt "vambe-harness run --sch" nospace
expect_only "vambe-harness run --sc" --scenario --scheme
expect_only "vambe-harness run --stri" --strict
expect_has "vambe-harness run -" -t -s -v --target --only
expect_lacks "vambe-harness run " -t -v
expect_only "vambe-harness --scheme vambe ru" run
expect_has "vambe-harness sign --" --scheme --secret --timestamp --id --type --help
expect_lacks "vambe-harness sign --" --target --only
expect_only "vambe-harness schemes --" --help
expect_only "vambe-mock " serve trigger webhooks calls
expect_only "vambe-mock w" webhooks
expect_has "vambe-mock webhooks --" --topic --url --secret --active --json --server --api-key
expect_lacks "vambe-mock webhooks --" --port --data --follow
expect_has "vambe-mock calls --" --follow --webhook --topic --outcome --event --limit --page
expect_lacks "vambe-mock calls --" --url --secret
expect_only "vambe-mock serve --po" --port --port-file
expect_only "vambe-mock serve --port-f" --port-file=
# Options follow a command: the mock refuses "vambe-mock --port".
expect_only "vambe-mock --po"
expect_only "vambe-mock --" --help --version
expect_has "vambe-mock trigger --" --data --count --server --help
expect_lacks "vambe-mock trigger --" --port --backoff
expect_has "vambe-receiver --" --secret --scheme --flaw --port --port-file --version
expect_only "vambe-receiver --fl" --flaw=
expect_only "vambe-receiver nothing"

# ---- values ---------------------------------------------------------------
expect_has "vambe-harness run --scheme " "${schemes[@]}"
expect_set "vambe-harness run --scheme st" "$(compgen -W "${schemes[*]}" -- st)"
expect_set "vambe-harness run --scheme=st" "$(compgen -W "${schemes[*]}" -- st)"
expect_only "vambe-harness run --scheme ./sch" ./schemes.json
expect_has "vambe-receiver --scheme " vambe none
expect_has "vambe-mock serve --scheme=" vambe github
expect_has "vambe-harness list-topics --scheme " vambe
expect_has "vambe-harness run --only IDM-00" IDM-001 IDM-002
expect_set "vambe-harness run --only IDM-00" "$(compgen -W "${case_ids[*]}" -- IDM-00)"
expect_has "vambe-harness run --only IDM-001," IDM-001,IDM-002 IDM-001,SIG-001
expect_lacks "vambe-harness run --only IDM-001," IDM-001,IDM-001 IDM-002
expect_set "vambe-harness run --only=IDM-001,IDM-00" \
    "$(compgen -W "${case_ids[*]/#/IDM-001,}" -- IDM-001,IDM-00 | grep -vx IDM-001,IDM-001)"
expect_has "vambe-harness list --skip " "${case_ids[@]}"
expect_has "vambe-harness --only SIG-00" SIG-001
expect_only "vambe-harness run --suite suite --only " IDM-001
expect_has "vambe-harness run --tags sig" signature
expect_has "vambe-harness run --tags=idempotency," idempotency,signature
expect_has "vambe-harness run --ignored-topics " "${topics[@]}"
expect_has "vambe-harness run --ignored-topics ${topics[0]}," "${topics[0]},${topics[1]}"
expect_only "vambe-harness run --report " junit: json: md: html:
expect_opt "vambe-harness run --report j" nospace
expect_only "vambe-harness run --report=j" junit: json:
expect_only "vambe-harness run --report json:rep" reports
expect_only "vambe-harness run --report=md:bo" body.json
expect_opt "vambe-harness run --report=md:bo" filenames
expect_only "vambe-harness run --report-dir " reports suite
expect_only "vambe-harness run --suite=s" suite
expect_has "vambe-harness run --scenario " body.json schemes.json reports
expect_only "vambe-harness run --seed "
expect_only "vambe-harness run --timeout 5"
expect_only "vambe-harness run --target "
expect_only "vambe-harness run -t "
expect_has "vambe-harness validate " body.json suite
expect_only "vambe-harness sign --scheme vambe bo" body.json
expect_has "vambe-receiver --flaw no-d" no-dedupe
expect_set "vambe-receiver --flaw no-d" "$(compgen -W "${flaws[*]}" -- no-d)"
expect_has "vambe-receiver --flaw=" "${flaws[@]}"
expect_only "vambe-receiver --port "
expect_only "vambe-receiver --state sch" schemes.json
expect_only "vambe-mock serve --port "
expect_only "vambe-mock serve --log-format " text json
expect_only "vambe-mock serve --backoff=l" linear
expect_only "vambe-mock serve --timestamp-unit " ms s
expect_only "vambe-mock serve --db b" body.json
expect_only "vambe-mock trigger contact.created --data @b" @body.json
expect_only "vambe-mock trigger contact.created --data @rep" @reports/
expect_only "vambe-mock trigger contact.created --data {"
expect_only "vambe-mock trigger contact.created --count "
expect_only "vambe-mock webhooks update --active " true false
expect_only "vambe-mock calls --outcome re" retry_scheduled
expect_has "vambe-mock calls --outcome=" succeeded gave_up webhook_disabled dropped
expect_only "vambe-mock calls --limit "

# A shell whose COMP_WORDBREAKS lacks ":" and "=" (as some setups make it):
# readline then replaces the whole word, so the replies are whole words.
saved_breaks=$COMP_WORDBREAKS
COMP_WORDBREAKS=${COMP_WORDBREAKS//[:=]/}
expect_only "vambe-harness run --report json:rep" json:reports
expect_set "vambe-harness run --scheme=st" "$(compgen -W "${schemes[*]/#/--scheme=}" -- --scheme=st)"
COMP_WORDBREAKS=$saved_breaks

# The completion leaves nothing behind in the shell.
checks=$((checks + 1))
if leaked=$(compgen -v | grep '^_vc_'); then
    fail "variables left in the shell: $leaked"
fi

# ---- drift: the flags each --help shows, and only those ---------------------
# help_flags PROGRAM [COMMAND]: the flags of the option rows of its --help,
# and of the usage lines naming it, one per line.
help_flags() {
    local prog=$1 cmd=${2:-}
    "$prog" ${cmd:+"$cmd"} --help | awk -v prog="$prog" -v cmd="$cmd" '
        /^usage:/ { inusage = 1; sub(/^usage:/, "") }
        /^[^ ]/ || /^$/ { inusage = 0 } # the block goes on over indented lines
        inusage {
            if ($1 == prog) {
                mine = (cmd == "") ? ($2 ~ /^[-<[]/) : ($2 == cmd)
            }
            if (mine) {
                for (i = 1; i <= NF; i++) {
                    f = $i
                    gsub(/[][.]/, "", f)
                    if (f ~ /^--?[A-Za-z0-9]/) {
                        print f
                    }
                }
            }
            next
        }
        {
            # An option row: indented 1 to 8 columns, "-x, --long" or "--long".
            indent = match($0, /[^ ]/) - 1
            if (indent < 1 || indent > 8) {
                next
            }
            if ($1 ~ /^-[A-Za-z0-9],$/ && $2 ~ /^--[A-Za-z0-9]/) {
                print substr($1, 1, 2)
                print $2
            } else if ($1 ~ /^--[A-Za-z0-9]/) {
                print $1
            }
        }' | sed 's/[=,].*//' | sort -u
}

# help_commands PROGRAM: the commands its --help lists.
help_commands() {
    "$1" --help | awk '/^commands:/ { on = 1; next } /^[^ ]/ || /^$/ { on = 0 } on { print $1 }'
}

drift() {
    local prog=$1 cmd=${2:-} flag help_text
    local -a want=()
    mapfile -t want < <(help_flags "$prog" "$cmd")
    help_text=$("$prog" ${cmd:+"$cmd"} --help)
    checks=$((checks + 1))
    if [[ -z $cmd ]] && ((${#want[@]} == 0)); then
        fail "$prog --help: no flag found in it"
    fi
    complete_line "$prog ${cmd:+$cmd }-"
    for flag in "${want[@]}"; do
        checks=$((checks + 1))
        if [[ -z ${HAVE[$flag]+set} ]]; then
            fail "$prog ${cmd:+$cmd }--help shows $flag; the completion does not offer it"
        fi
    done
    for flag in "${!HAVE[@]}"; do
        checks=$((checks + 1))
        # Every command takes --help, whether its help says so or not.
        if [[ $flag != --help || -z $cmd ]] &&
            [[ ! $help_text =~ (^|[^A-Za-z0-9-])$flag([^A-Za-z0-9-]|$) ]]; then
            fail "the completion offers $flag, which $prog ${cmd:+$cmd }--help does not show"
        fi
    done
}

for prog in vambe-harness vambe-mock vambe-receiver; do
    drift "$prog"
    mapfile -t cmds < <(help_commands "$prog")
    for cmd in "${cmds[@]}"; do
        drift "$prog" "$cmd"
    done
    if ((${#cmds[@]} > 0)); then
        expect_only "$prog " "${cmds[@]}"
    fi
done

echo "completion: $checks checks, $failures failed"
((failures == 0))
