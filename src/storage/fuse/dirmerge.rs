//! Merging a directory's listings from its layers, top first: the first
//! layer to name an entry wins, whiteouts hide the name in every layer
//! below. The result is a snapshot held by the open directory handle, so
//! offsets (index + 1) stay stable while the directory changes.

use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    /// DT_* type.
    pub kind: u32,
}

/// One raw entry of a layer's directory.
#[derive(Debug, Clone)]
pub struct RawEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub kind: u32,
    pub whiteout: bool,
}

/// Merge layer listings (top first). `.` and `..` are not expected in the
/// input; the result starts with them.
pub fn merge(dir_ino: u64, layers: Vec<Vec<RawEntry>>) -> Vec<MergedEntry> {
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut out = vec![
        MergedEntry {
            name: b".".to_vec(),
            ino: dir_ino,
            kind: libc::DT_DIR as u32,
        },
        MergedEntry {
            name: b"..".to_vec(),
            ino: 1,
            kind: libc::DT_DIR as u32,
        },
    ];
    for layer in layers {
        let mut here = Vec::new();
        for e in layer {
            if e.name == b"." || e.name == b".." || seen.contains(&e.name) {
                continue;
            }
            here.push(e.name.clone());
            if !e.whiteout {
                out.push(MergedEntry {
                    name: e.name,
                    ino: e.ino,
                    kind: e.kind,
                });
            }
        }
        // Names of this layer hide lower ones only once the layer is done
        // (a layer never names an entry twice).
        seen.extend(here);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(name: &str, whiteout: bool) -> RawEntry {
        RawEntry {
            name: name.as_bytes().to_vec(),
            ino: name.len() as u64,
            kind: libc::DT_REG as u32,
            whiteout,
        }
    }

    fn names(m: &[MergedEntry]) -> Vec<String> {
        m.iter()
            .map(|e| String::from_utf8_lossy(&e.name).to_string())
            .collect()
    }

    #[test]
    fn upper_wins_and_whiteouts_hide() {
        let merged = merge(
            7,
            vec![
                vec![e("a", false), e("gone", true)],
                vec![e("a", false), e("b", false), e("gone", false)],
                vec![e("c", false), e("gone", false), e("b", false)],
            ],
        );
        assert_eq!(names(&merged), vec![".", "..", "a", "b", "c"]);
        assert_eq!(merged[0].ino, 7);
    }

    #[test]
    fn dots_from_layers_are_ignored() {
        let merged = merge(1, vec![vec![e(".", false), e("..", false), e("x", false)]]);
        assert_eq!(names(&merged), vec![".", "..", "x"]);
    }
}
