# bash completion for cove                                -*- shell-script -*-
# Written by `cove completion bash`. Each TAB asks cove itself
# (`cove __completeNoDesc WORD...`), so the names of containers, images and
# volumes are the ones you have now.

# The words up to the cursor, with what COMP_WORDBREAKS split (`=`, `:`)
# joined again: `--network=container:web` is one word to cove.
__cove_words() {
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1 && [[ -n ${COMP_LINE-} ]]; then
        _get_comp_words_by_ref -n =: cur words cword
        return
    fi
    words=()
    local i w glue=0
    for ((i = 0; i <= COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if ((i > 0)) && { ((glue)) || [[ $w == [=:]* ]]; }; then
            words[${#words[@]} - 1]+=$w
        else
            words+=("$w")
        fi
        glue=0
        [[ $w == *[=:] && $i -lt $COMP_CWORD ]] && glue=1
    done
    cword=$((${#words[@]} - 1))
    cur=${words[cword]}
}

__cove_complete() {
    local cur words cword
    __cove_words
    local -a lines=()
    mapfile -t lines < <("${words[0]}" __completeNoDesc "${words[@]:1:cword}" 2>/dev/null)
    local directive=0
    if ((${#lines[@]})) && [[ ${lines[-1]} == :* ]]; then
        directive=${lines[-1]#:}
        unset 'lines[-1]'
    fi
    [[ $directive == +([0-9]) ]] || directive=0
    COMPREPLY=("${lines[@]}")
    local files=0
    if ((directive & 16)); then
        files=1
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur")
    elif ((directive & 8)) || { ((${#COMPREPLY[@]} == 0)) && ! ((directive & 4)); }; then
        files=1
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
    fi
    ((files)) && compopt -o filenames 2>/dev/null
    ((directive & 2)) && compopt -o nospace 2>/dev/null
    # Bash replaces only what follows the last `=` or `:` it splits on.
    local breaks=
    [[ $COMP_WORDBREAKS == *=* ]] && breaks+='='
    [[ $COMP_WORDBREAKS == *:* ]] && breaks+=':'
    if [[ -n $breaks && $cur == *["$breaks"]* ]]; then
        local keep=${cur%"${cur##*["$breaks"]}"}
        COMPREPLY=("${COMPREPLY[@]#"$keep"}")
    fi
    return 0
}

complete -F __cove_complete cove
