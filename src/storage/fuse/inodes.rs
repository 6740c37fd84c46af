//! The inode table: every entry the kernel has looked up, by node id.
//!
//! A node knows its parent and name (so renames are one update and paths
//! are rebuilt on demand) and the layers it is visible in, top first:
//! layer 0 is the upper dir, 1.. the image's layers. A directory lists
//! every layer it merges (up to an opaque one); anything else only its
//! top layer.

use std::collections::HashMap;
use std::ffi::{CStr, CString};

pub const ROOT: u64 = 1;

pub struct Node {
    pub parent: u64,
    pub name: CString,
    pub layers: Vec<usize>,
    pub is_dir: bool,
    /// The kernel's lookup count.
    refs: u64,
    /// Removed from the tree (unlinked, renamed over) but still known to
    /// the kernel.
    pub detached: bool,
    /// Other names of the same file (hard links made through us), so the
    /// kernel sees one inode with one set of attributes.
    pub aliases: Vec<(u64, CString)>,
}

impl Node {
    pub fn in_upper(&self) -> bool {
        self.layers.first() == Some(&0)
    }

    pub fn has_lower(&self) -> bool {
        self.layers.iter().any(|l| *l > 0)
    }

    pub fn top(&self) -> usize {
        self.layers.first().copied().unwrap_or(0)
    }
}

pub struct Tree {
    nodes: HashMap<u64, Node>,
    children: HashMap<(u64, CString), u64>,
    next: u64,
}

impl Tree {
    pub fn new(root_layers: Vec<usize>) -> Tree {
        let mut nodes = HashMap::new();
        nodes.insert(
            ROOT,
            Node {
                parent: ROOT,
                name: c".".to_owned(),
                layers: root_layers,
                is_dir: true,
                refs: 1 << 40,
                detached: false,
                aliases: Vec::new(),
            },
        );
        Tree {
            nodes,
            children: HashMap::new(),
            next: ROOT + 1,
        }
    }

    pub fn get(&self, ino: u64) -> Option<&Node> {
        self.nodes.get(&ino)
    }

    pub fn get_mut(&mut self, ino: u64) -> Option<&mut Node> {
        self.nodes.get_mut(&ino)
    }

    pub fn child(&self, parent: u64, name: &CStr) -> Option<u64> {
        self.children.get(&(parent, name.to_owned())).copied()
    }

    /// Record a lookup of `name` in `parent`: the existing node (updated)
    /// or a new one. Returns its id.
    pub fn remember(&mut self, parent: u64, name: &CStr, layers: Vec<usize>, is_dir: bool) -> u64 {
        if let Some(ino) = self.child(parent, name) {
            if let Some(n) = self.nodes.get_mut(&ino) {
                n.refs += 1;
                n.layers = layers;
                n.is_dir = is_dir;
                return ino;
            }
        }
        let ino = self.next;
        self.next += 1;
        self.nodes.insert(
            ino,
            Node {
                parent,
                name: name.to_owned(),
                layers,
                is_dir,
                refs: 1,
                detached: false,
                aliases: Vec::new(),
            },
        );
        self.children.insert((parent, name.to_owned()), ino);
        ino
    }

    /// `parent`/`name` is a new hard link to `ino`.
    pub fn add_alias(&mut self, ino: u64, parent: u64, name: &CStr) {
        if let Some(n) = self.nodes.get_mut(&ino) {
            n.refs += 1;
            n.aliases.push((parent, name.to_owned()));
            self.children.insert((parent, name.to_owned()), ino);
        }
    }

    pub fn forget(&mut self, ino: u64, count: u64) {
        if ino == ROOT {
            return;
        }
        let gone = match self.nodes.get_mut(&ino) {
            Some(n) => {
                n.refs = n.refs.saturating_sub(count);
                n.refs == 0
            }
            None => false,
        };
        if let Some(n) = gone.then(|| self.nodes.remove(&ino)).flatten() {
            for key in std::iter::once((n.parent, n.name)).chain(n.aliases) {
                if self.children.get(&key) == Some(&ino) {
                    self.children.remove(&key);
                }
            }
        }
    }

    /// The entry at `parent`/`name` is gone from the filesystem.
    pub fn detach(&mut self, parent: u64, name: &CStr) {
        let key = (parent, name.to_owned());
        if let Some(ino) = self.children.remove(&key) {
            if let Some(n) = self.nodes.get_mut(&ino) {
                if let Some(i) = n.aliases.iter().position(|a| *a == key) {
                    n.aliases.remove(i);
                } else if let Some((p, nm)) = n.aliases.pop() {
                    // The primary name went: another link takes over.
                    n.parent = p;
                    n.name = nm;
                } else {
                    n.detached = true;
                }
            }
        }
    }

    /// Move a node to `new_parent`/`new_name` (the target, if any, must
    /// have been detached first).
    pub fn rename(
        &mut self,
        ino: u64,
        old_parent: u64,
        old_name: &CStr,
        new_parent: u64,
        new_name: &CStr,
    ) {
        let Some(n) = self.nodes.get_mut(&ino) else {
            return;
        };
        let old = (old_parent, old_name.to_owned());
        let new = (new_parent, new_name.to_owned());
        if let Some(alias) = n.aliases.iter_mut().find(|a| **a == old) {
            *alias = new;
        } else {
            n.parent = new_parent;
            n.name = new_name.to_owned();
        }
        if self.children.get(&old) == Some(&ino) {
            self.children.remove(&old);
        }
        self.children.insert((new_parent, new_name.to_owned()), ino);
    }

    /// Swap the places of two nodes (RENAME_EXCHANGE).
    pub fn exchange(&mut self, a: u64, b: u64) {
        let (pa, na) = match self.nodes.get(&a) {
            Some(n) => (n.parent, n.name.clone()),
            None => return,
        };
        let (pb, nb) = match self.nodes.get(&b) {
            Some(n) => (n.parent, n.name.clone()),
            None => return,
        };
        if let Some(n) = self.nodes.get_mut(&a) {
            n.parent = pb;
            n.name = nb.clone();
        }
        if let Some(n) = self.nodes.get_mut(&b) {
            n.parent = pa;
            n.name = na.clone();
        }
        self.children.insert((pb, nb), a);
        self.children.insert((pa, na), b);
    }

    /// Path relative to the layer roots ("." for the root).
    pub fn path(&self, ino: u64) -> Option<CString> {
        let mut parts: Vec<&[u8]> = Vec::new();
        let mut cur = ino;
        let mut guard = 0;
        while cur != ROOT {
            let n = self.nodes.get(&cur)?;
            parts.push(n.name.to_bytes());
            cur = n.parent;
            guard += 1;
            if guard > 4096 {
                return None;
            }
        }
        if parts.is_empty() {
            return Some(c".".to_owned());
        }
        parts.reverse();
        CString::new(parts.join(&b'/')).ok()
    }

    /// True when `ino` lies strictly beneath `ancestor`.
    pub fn is_beneath(&self, ino: u64, ancestor: u64) -> bool {
        let mut cur = ino;
        let mut guard = 0;
        while cur != ROOT && guard < 4096 {
            let Some(n) = self.nodes.get(&cur) else {
                return false;
            };
            if n.parent == ancestor {
                return true;
            }
            cur = n.parent;
            guard += 1;
        }
        false
    }

    /// Every node below `dir` now lives in the upper dir only (after a
    /// whole-tree copy-up).
    pub fn all_upper_beneath(&mut self, dir: u64) {
        let below: Vec<u64> = self
            .nodes
            .keys()
            .copied()
            .filter(|i| self.is_beneath(*i, dir))
            .collect();
        for i in below {
            if let Some(n) = self.nodes.get_mut(&i) {
                n.layers = vec![0];
            }
        }
    }
}

/// `parent/name`, or `name` under the root.
pub fn join(parent: &CStr, name: &CStr) -> std::io::Result<CString> {
    if parent.to_bytes() == b"." {
        return Ok(name.to_owned());
    }
    let mut v = parent.to_bytes().to_vec();
    v.push(b'/');
    v.extend_from_slice(name.to_bytes());
    super::sys::cstring(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_renames() {
        let mut t = Tree::new(vec![0, 1]);
        let a = t.remember(ROOT, c"a", vec![1], true);
        let b = t.remember(a, c"b", vec![1], false);
        assert_eq!(t.path(b).unwrap().as_bytes(), b"a/b");
        let c = t.remember(ROOT, c"c", vec![0], true);
        t.rename(a, ROOT, c"a", c, c"z");
        assert_eq!(t.path(b).unwrap().as_bytes(), b"c/z/b");
        assert_eq!(t.child(c, c"z"), Some(a));
        assert_eq!(t.child(ROOT, c"a"), None);
        assert!(t.is_beneath(b, c));
        t.all_upper_beneath(c);
        assert_eq!(t.get(b).unwrap().layers, vec![0]);
    }

    #[test]
    fn lookups_are_counted() {
        let mut t = Tree::new(vec![0]);
        let a = t.remember(ROOT, c"a", vec![0], false);
        assert_eq!(t.remember(ROOT, c"a", vec![0], false), a);
        t.forget(a, 1);
        assert!(t.get(a).is_some());
        t.forget(a, 1);
        assert!(t.get(a).is_none());
        assert_eq!(t.child(ROOT, c"a"), None);
    }

    #[test]
    fn hard_links_share_a_node() {
        let mut t = Tree::new(vec![0]);
        let a = t.remember(ROOT, c"a", vec![0], false);
        t.add_alias(a, ROOT, c"b");
        assert_eq!(t.child(ROOT, c"b"), Some(a));
        t.detach(ROOT, c"a");
        assert!(!t.get(a).unwrap().detached);
        assert_eq!(t.path(a).unwrap().as_bytes(), b"b");
        t.detach(ROOT, c"b");
        assert!(t.get(a).unwrap().detached);
    }

    #[test]
    fn exchange_swaps_places() {
        let mut t = Tree::new(vec![0]);
        let a = t.remember(ROOT, c"a", vec![0], false);
        let b = t.remember(ROOT, c"b", vec![0], true);
        t.exchange(a, b);
        assert_eq!(t.child(ROOT, c"a"), Some(b));
        assert_eq!(t.path(a).unwrap().as_bytes(), b"b");
        assert_eq!(join(c".", c"x").unwrap().as_bytes(), b"x");
        assert_eq!(join(c"a/b", c"x").unwrap().as_bytes(), b"a/b/x");
    }
}
