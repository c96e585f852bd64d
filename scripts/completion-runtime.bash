# The runtime shared by the kit's bash completions (scripts/gen-completion.py
# puts it at the top of each generated file, followed by the program's data).
# It uses bash's own COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT only,
# not the bash-completion package's helpers, so it works where that package
# is not installed. Every variable it sets is local to _vambe_complete; the
# helpers below fill the caller's _vc_* variables (bash's dynamic scope).
#
# A flag's KIND (FLAG=KIND in the data) says what its value completes to:
#   none                 nothing (numbers, durations, URLs, secrets...)
#   file, dir            paths (compgen -f, compgen -d)
#   atfile               "@FILE": a path after the @, nothing before it
#   choice:A,B,...       one of the words
#   scheme:A,B,...       a built-in scheme name
#   scheme-file:A,B,...  a built-in scheme name, or a path
#   report:A,B,...       FORMAT:PATH: "A:" first, then a path after the colon
#   ids, tags            comma-separated case ids or tags, from `PROGRAM list`
#   topics               comma-separated event types, from `PROGRAM list-topics`

# _vambe_comp_words: the command line as the program will see it. Bash cuts
# COMP_WORDS at every COMP_WORDBREAKS character, so "--scheme=vambe" arrives
# as "--scheme" "=" "vambe" and "json:out.xml" as "json" ":" "out.xml"; the
# pieces are glued back wherever COMP_LINE has no blank between them. Sets
# _vc_words, _vc_cword, _vc_cur (the current word up to the cursor) and
# _vc_keep: the start of _vc_cur that readline keeps, since it replaces only
# the text after the last word-break character; every reply drops it.
# Needs bash >= 4.3.
_vambe_comp_words() {
    local LC_ALL=C # COMP_POINT counts bytes
    local line=$COMP_LINE p=0 i w start s
    local -a starts=()
    _vc_words=()
    _vc_cword=0
    _vc_cur=
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        start=$p
        while [[ ${line:p:1} == [[:space:]] ]]; do
            p=$((p + 1))
        done
        if [[ ${line:p:${#w}} != "$w" ]]; then
            # Lost track of the line (a quoting this does not follow): take
            # bash's words as they are.
            _vc_words=("${COMP_WORDS[@]}")
            _vc_cword=$COMP_CWORD
            _vc_cur=${COMP_WORDS[COMP_CWORD]}
            break
        fi
        if ((i > 0 && p == start)); then
            _vc_words[${#_vc_words[@]} - 1]+=$w
        else
            _vc_words+=("$w")
            starts+=("$p")
        fi
        if ((i == COMP_CWORD)); then
            _vc_cword=$((${#_vc_words[@]} - 1))
            s=${starts[${#starts[@]} - 1]}
            _vc_cur=
            if ((COMP_POINT > s)); then
                _vc_cur=${line:s:COMP_POINT-s}
            fi
        fi
        p=$((p + ${#w}))
    done
    local breaks=${COMP_WORDBREAKS-$' \t\n"\'><=;|&(:'}
    local tail=${_vc_cur##*[[:space:]"$breaks"]}
    _vc_keep=${_vc_cur:0:${#_vc_cur}-${#tail}}
    # Except "@" and "$": bash's readline keeps those in the word it replaces.
    if [[ $_vc_keep == *[@\$] ]]; then
        _vc_keep=${_vc_keep%?}
    fi
}

# _vambe_comp_kind FLAG: 0 when FLAG takes a value (its kind in _vc_kind),
# 1 when it is a switch or unknown.
_vambe_comp_kind() {
    local o
    for o in "${_vc_opts[@]}"; do
        if [[ $o == "$1="* ]]; then
            _vc_kind=${o#*=}
            return 0
        fi
    done
    return 1
}

# _vambe_comp_dequote WORD: WORD as the program receives it, in _vc_plain,
# when it is plain enough to tell without running the shell on it.
_vambe_comp_dequote() {
    local w=$1
    if [[ $w =~ ^\'([^\']*)\'$ || $w =~ ^\"([^\"\$\`\\]*)\"$ ]]; then
        _vc_plain=${BASH_REMATCH[1]}
    elif [[ $w =~ ^[A-Za-z0-9_./~@%+,:=-]+$ ]]; then
        _vc_plain=$w
        if [[ $w == \~/* ]]; then
            _vc_plain=$HOME/${w#"~/"}
        fi
    else
        return 1
    fi
}

# _vambe_comp_given FLAG...: appends FLAG VALUE to _vc_args for every FLAG
# the command line gives before the cursor (as "FLAG VALUE" or FLAG=VALUE).
_vambe_comp_given() {
    local flag i w v
    for flag; do
        for ((i = 1; i < _vc_cword; i++)); do
            w=${_vc_words[i]}
            if [[ $w == "$flag" ]] && ((i + 1 < _vc_cword)); then
                v=${_vc_words[i + 1]}
            elif [[ $w == "$flag="* ]]; then
                v=${w#*=}
            else
                continue
            fi
            if _vambe_comp_dequote "$v"; then
                _vc_args+=("$flag" "$_vc_plain")
            fi
        done
    done
}

# _vambe_comp_program: the program being completed, to run for its lists
# (in _vc_prog): the command word itself when it is a path.
_vambe_comp_program() {
    _vc_prog=${_vc_words[0]}
    if _vambe_comp_dequote "$_vc_prog"; then
        _vc_prog=$_vc_plain
    fi
}

# _vambe_comp_items KIND: the case ids, tags or topics to offer, in _vc_items.
# ids and tags come from `list`, with the --suite and --scenario of the
# command line; topics from `list-topics`, with its --scheme or --profile.
_vambe_comp_items() {
    local -a _vc_args=()
    local line id tags tags_col=-1 head
    local -a t=()
    _vc_items=()
    _vambe_comp_program
    if [[ $1 == topics ]]; then
        _vambe_comp_given --scheme --profile
        # list-topics takes one of them: the profile says more.
        if ((${#_vc_args[@]} > 2)); then
            _vc_args=("${_vc_args[@]: -2}")
        fi
        while IFS= read -r line; do
            if [[ $line =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
                _vc_items+=("$line")
            fi
        done < <("$_vc_prog" list-topics "${_vc_args[@]}" 2>/dev/null </dev/null)
        return
    fi
    _vambe_comp_given --suite --scenario
    # `list` prints "ID  LEVEL  TAGS  TITLE" and a row per case; the tags
    # column is read where the heading puts it (an empty one is blank).
    while IFS= read -r line; do
        if ((tags_col < 0)) && [[ $line == ID* && $line == *TAGS* ]]; then
            head=${line%%TAGS*}
            tags_col=${#head}
            continue
        fi
        id=${line%%[[:space:]]*}
        if [[ ! $id =~ ^[A-Z]+-[0-9]+$ ]]; then
            continue
        fi
        if [[ $1 == ids ]]; then
            _vc_items+=("$id")
        elif ((tags_col >= 0)) && [[ ${line:tags_col:1} == [![:space:]] ]]; then
            tags=${line:tags_col}
            tags=${tags%%[[:space:]]*}
            IFS=, read -r -a t <<<"$tags"
            _vc_items+=("${t[@]}")
        fi
    done < <("$_vc_prog" list "${_vc_args[@]}" 2>/dev/null </dev/null)
    if [[ $1 == tags && ${#_vc_items[@]} -gt 0 ]]; then
        mapfile -t _vc_items < <(printf '%s\n' "${_vc_items[@]}" | sort -u)
    fi
}

# _vambe_comp_paths PREFIX WORD -f|-d [mark]: PREFIX + each path (file or
# folder) starting with WORD. With mark, folders get a "/" here (the
# reply is not a plain path, so readline's filename handling cannot do it);
# without, readline is told the replies are file names.
_vambe_comp_paths() {
    local pre=$1 word=$2 path
    while IFS= read -r path; do
        if [[ -n ${4-} && -d $path ]]; then
            path+=/
            _vc_nospace=1
        fi
        _vc_out+=("$pre$path")
    done < <(compgen "$3" -- "$word")
    if [[ -z ${4-} ]]; then
        _vc_files=1
    fi
}

# _vambe_comp_value KIND PREFIX VALUE: the replies for VALUE, a value of
# kind KIND, each led by PREFIX (the "--flag=" the value is glued to).
_vambe_comp_value() {
    local kind=$1 pre=$2 val=$3 list head last item
    local -a names=() _vc_items=()
    case $kind in
    file) _vambe_comp_paths "$pre" "$val" -f ;;
    dir) _vambe_comp_paths "$pre" "$val" -d ;;
    atfile)
        if [[ $val == @* ]]; then
            _vambe_comp_paths "$pre@" "${val#@}" -f mark
        fi
        ;;
    choice:* | scheme:* | scheme-file:*)
        list=${kind#*:}
        IFS=, read -r -a names <<<"$list"
        for item in "${names[@]}"; do
            if [[ $item == "$val"* ]]; then
                _vc_out+=("$pre$item")
            fi
        done
        # A scheme file: when the word looks like a path or names no scheme.
        if [[ $kind == scheme-file:* ]] &&
            [[ ${#_vc_out[@]} -eq 0 || $val == */* || $val == .* || $val == "~"* ]]; then
            _vambe_comp_paths "$pre" "$val" -f
        fi
        ;;
    report:*)
        if [[ $val == *:* ]]; then
            _vambe_comp_paths "$pre${val%%:*}:" "${val#*:}" -f
        else
            IFS=, read -r -a names <<<"${kind#report:}"
            for item in "${names[@]}"; do
                if [[ $item == "$val"* ]]; then
                    _vc_out+=("$pre$item:")
                fi
            done
            _vc_nospace=1
        fi
        ;;
    ids | tags | topics)
        # A comma-separated list: complete its last item, keep the others
        # and do not offer them twice.
        head=
        if [[ $val == *,* ]]; then
            head=${val%,*},
        fi
        last=${val##*,}
        _vambe_comp_items "$kind"
        for item in "${_vc_items[@]}"; do
            if [[ $item == "$last"* && ",$head" != *",$item,"* ]]; then
                _vc_out+=("$pre$head$item")
            fi
        done
        ;;
    esac
}

# _vambe_comp_flags: the flags of the context starting with _vc_cur. A
# single flag that takes a value is offered as "--flag=", the cursor left
# after the "=" for its value.
_vambe_comp_flags() {
    local o name
    for o in "${_vc_opts[@]}"; do
        name=${o%%=*}
        if [[ $name == "$_vc_cur"* && ($name == --* || $_vc_cur == -*) ]]; then
            _vc_out+=("$name")
        fi
    done
    if ((${#_vc_out[@]} == 1)) && [[ ${_vc_out[0]} == --* ]] &&
        _vambe_comp_kind "${_vc_out[0]}"; then
        _vc_out=("${_vc_out[0]}=")
        _vc_nospace=1
    fi
}

# _vambe_complete SPEC: completes the current word of a program whose data
# function is SPEC (see gen-completion.py) into COMPREPLY.
_vambe_complete() {
    local spec=$1
    local -a _vc_words=() _vc_commands=() _vc_opts=() _vc_out=()
    local -a _vc_args=() _vc_items=()
    local _vc_cword _vc_cur _vc_keep _vc_operand _vc_kind _vc_plain _vc_prog
    local _vc_nospace=0 _vc_files=0
    local ctx='' pending='' ended=0 i w item
    COMPREPLY=()
    _vambe_comp_words
    "$spec" ""
    # Walk the words before the cursor: the command, and whether the word
    # under the cursor is the value of the flag before it.
    for ((i = 1; i < _vc_cword; i++)); do
        w=${_vc_words[i]}
        if [[ -n $pending ]]; then
            pending=
        elif ((ended)); then
            continue
        elif [[ $w == -- ]]; then
            ended=1
        elif [[ $w == -?* ]]; then
            if [[ $w != *=* ]] && _vambe_comp_kind "$w"; then
                pending=$_vc_kind
            fi
        elif [[ -z $ctx ]]; then
            for item in "${_vc_commands[@]}"; do
                if [[ $w == "$item" ]]; then
                    ctx=$w
                    "$spec" "$ctx"
                    break
                fi
            done
        fi
    done
    if [[ -n $pending ]]; then
        _vambe_comp_value "$pending" "" "$_vc_cur"
    elif ((!ended)) && [[ $_vc_cur == --*=* ]]; then
        if _vambe_comp_kind "${_vc_cur%%=*}"; then
            _vambe_comp_value "$_vc_kind" "${_vc_cur%%=*}=" "${_vc_cur#*=}"
        fi
    elif ((!ended)) && [[ $_vc_cur == -* ]]; then
        _vambe_comp_flags
    elif [[ -z $ctx && ${#_vc_commands[@]} -gt 0 ]]; then
        for item in "${_vc_commands[@]}"; do
            if [[ $item == "$_vc_cur"* ]]; then
                _vc_out+=("$item")
            fi
        done
    else
        case $_vc_operand in
        file) _vambe_comp_paths "" "$_vc_cur" -f ;;
        dir) _vambe_comp_paths "" "$_vc_cur" -d ;;
        none)
            if [[ -z $_vc_cur ]] && ((!ended)); then
                _vambe_comp_flags
            fi
            ;;
        esac
    fi
    # Readline replaces only the text after the last word break: drop what
    # it keeps (the "--flag=" of "--flag=value", the "json:" of a report).
    for item in "${_vc_out[@]}"; do
        COMPREPLY+=("${item#"$_vc_keep"}")
    done
    if ((_vc_nospace)); then
        compopt -o nospace 2>/dev/null || :
    fi
    if ((_vc_files)); then
        compopt -o filenames 2>/dev/null || :
    fi
    return 0
}
