# PowerShell completion for cove, written by `cove completion powershell`.
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
