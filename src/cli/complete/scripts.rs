//! The shell side: small scripts that hand the command line to
//! `cove __complete` on every TAB and turn its answer into the shell's
//! candidates. All the knowledge is in cove; these only translate (the
//! directive bits are those of `super::directive`).

/// The shells `cove completion` writes a script for, and the file name
/// each looks for (`make install` puts them where the shells do).
pub const SHELLS: &[(&str, &str)] = &[
    ("bash", "cove.bash"),
    ("zsh", "_cove"),
    ("fish", "cove.fish"),
    ("powershell", "cove.ps1"),
];

/// The completion script for `shell` (one of [`SHELLS`]).
pub fn script(shell: &str) -> Option<&'static str> {
    Some(match shell {
        "bash" => BASH,
        "zsh" => ZSH,
        "fish" => FISH,
        "powershell" => POWERSHELL,
        _ => return None,
    })
}

const BASH: &str = r#"# bash completion for cove                                -*- shell-script -*-
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
"#;

const ZSH: &str = r#"#compdef cove
# zsh completion for cove, written by `cove completion zsh`. Each TAB asks
# cove itself (`cove __complete WORD...`): candidates are the containers,
# images and volumes you have now, described by image, state, size and age.

_cove() {
    local out line value desc directive=0
    local -a lines candidates
    # cove sees the words unquoted, as the command will.
    out=$("${words[1]}" __complete "${(@Q)words[2,CURRENT]}" 2>/dev/null)
    # zsh may complete only the end of the word (after `{{`, which it
    # takes for a brace expansion): candidates lose what comes before.
    local word=${(Q)words[CURRENT]} lead=
    [[ $word == *"$PREFIX$SUFFIX" ]] && lead=${word%"$PREFIX$SUFFIX"}
    lines=("${(@f)out}")
    if [[ ${lines[-1]} == :<-> ]]; then
        directive=${lines[-1]#:}
        lines[-1]=()
    fi
    for line in "${lines[@]}"; do
        [[ -z $line ]] && continue
        value=${${line%%$'\t'*}#"$lead"}
        desc=
        [[ $line == *$'\t'* ]] && desc=${line#*$'\t'}
        candidates+=("${value//:/\\:}${desc:+:$desc}")
    done
    local -a nospace
    (( directive & 2 )) && nospace=(-S '')
    local ret=1
    if (( ${#candidates} )); then
        _describe -t values 'cove' candidates "${nospace[@]}" && ret=0
    fi
    if (( directive & 16 )); then
        _files -/ && ret=0
    elif (( directive & 8 )) || { (( ${#candidates} == 0 )) && ! (( directive & 4 )) }; then
        _files && ret=0
    fi
    return ret
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _cove "$@"
else
    compdef _cove cove
fi
"#;

const FISH: &str = r#"# fish completion for cove, written by `cove completion fish`. Each TAB
# asks cove itself (`cove __complete WORD...`): candidates are the
# containers, images and volumes you have now, described by image, state,
# size and age.

function __cove_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l out ($tokens[1] __complete $tokens[2..-1] $cur 2>/dev/null)
    set -l directive 0
    if test (count $out) -gt 0; and string match -qr '^:[0-9]+$' -- $out[-1]
        set directive (string sub -s 2 -- $out[-1])
        set -e out[-1]
    end
    for line in $out
        test -n "$line"; and printf '%s\n' $line
    end
    if test (math "bitand($directive, 16)") -ne 0
        __fish_complete_directories $cur
    else if test (math "bitand($directive, 8)") -ne 0
        __fish_complete_path $cur
    else if test (count $out) -eq 0; and test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path $cur
    end
end

complete -c cove -e
complete -c cove -f -a '(__cove_complete)'
"#;

const POWERSHELL: &str = r#"# PowerShell completion for cove, written by `cove completion powershell`.
# Each TAB asks cove itself (`cove __complete WORD...`).

Register-ArgumentCompleter -Native -CommandName cove -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.StartOffset -lt $cursorPosition } |
        ForEach-Object { $_.Extent.Text })
    if ($wordToComplete -ne '') {
        $words = @($words | Select-Object -SkipLast 1)
    }
    $program = $words[0]
    $rest = @($words | Select-Object -Skip 1)
    # Windows PowerShell drops empty arguments to native programs.
    $current = if ($wordToComplete -eq '') { '""' } else { $wordToComplete }
    $out = @(& $program __complete @rest $current 2>$null)
    $directive = 0
    if ($out.Count -gt 0 -and $out[-1] -match '^:(\d+)$') {
        $directive = [int]$Matches[1]
        $out = @($out | Select-Object -SkipLast 1)
    }
    foreach ($line in $out) {
        if ($line -eq '') { continue }
        $value, $desc = $line -split "`t", 2
        if (-not $desc) { $desc = $value }
        $text = if ($directive -band 2) { $value } else { "$value " }
        [System.Management.Automation.CompletionResult]::new($text, $value, 'ParameterValue', $desc)
    }
}
"#;
