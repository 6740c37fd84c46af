//! Keep an idle monitor small. Starting up (argument parsing, reading the
//! runtime spec, compiling the seccomp filter) touches megabytes of cove's
//! code that the monitor's loop never runs again; those pages stay mapped
//! and count in its RSS. Unmapping clean, read-only file pages with
//! MADV_DONTNEED is what the kernel itself does under memory pressure: the
//! pages stay in the page cache (shared with every other cove process) and
//! the few the loop needs fault back in.

/// Drop this process's mappings of clean read-only file pages.
pub fn drop_clean_file_pages() {
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return;
    };
    for mapping in parse(&smaps) {
        // SAFETY: only unwritable, file-backed mappings with no private
        // (COW) pages: their content is the file's, so dropping the
        // mapping's pages changes nothing but residency.
        unsafe {
            libc::madvise(
                mapping.0 as *mut libc::c_void,
                mapping.1 - mapping.0,
                libc::MADV_DONTNEED,
            )
        };
    }
}

/// The (start, end) of mappings safe to drop: file-backed, not writable,
/// without anonymous (copied-on-write) pages.
fn parse(smaps: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    let mut safe = false;
    let mut flush = |current: &mut Option<(usize, usize)>, safe: bool| {
        if let Some(range) = current.take() {
            if safe {
                out.push(range);
            }
        }
    };
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else {
            continue;
        };
        if let Some((start, end)) = first.split_once('-') {
            if let (Ok(start), Ok(end)) = (
                usize::from_str_radix(start, 16),
                usize::from_str_radix(end, 16),
            ) {
                flush(&mut current, safe);
                let perms = fields.next().unwrap_or("");
                let path = fields.nth(3).unwrap_or("");
                current = Some((start, end));
                safe = !perms.contains('w') && path.starts_with('/');
                continue;
            }
        }
        let dirtying = matches!(
            first,
            "Anonymous:" | "Private_Dirty:" | "Shared_Dirty:" | "Locked:"
        );
        if dirtying && fields.next() != Some("0") {
            safe = false;
        }
    }
    flush(&mut current, safe);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_clean_read_only_file_mappings() {
        let smaps = "\
55d0a0000000-55d0a0100000 r-xp 00001000 08:01 123 /usr/bin/cove
Rss:                1024 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
55d0a0100000-55d0a0200000 r--p 00101000 08:01 123 /usr/bin/cove
Private_Dirty:       472 kB
Anonymous:           472 kB
55d0a0200000-55d0a0201000 rw-p 00201000 08:01 123 /usr/bin/cove
Private_Dirty:         4 kB
7f0000000000-7f0000021000 rw-p 00000000 00:00 0 [heap]
Private_Dirty:         4 kB
7f0000100000-7f0000200000 r--p 00000000 08:01 9 /usr/lib/libc.so.6
Private_Dirty:         0 kB
Anonymous:             0 kB
";
        assert_eq!(
            parse(smaps),
            vec![
                (0x55d0a0000000, 0x55d0a0100000),
                (0x7f0000100000, 0x7f0000200000)
            ]
        );
    }

    #[test]
    fn dropping_our_own_pages_is_harmless() {
        drop_clean_file_pages();
        // Code and read-only data fault back in.
        assert_eq!(format!("{}", 6 * 7), "42");
    }
}
