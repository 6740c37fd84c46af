# fish completion for cove, written by `cove completion fish`. Each TAB
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
