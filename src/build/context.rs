//! The build context: a directory walked once (minus what the ignore file
//! leaves out), COPY/ADD sources chosen from it, and the digest of their
//! contents and modes for the step cache. File digests are remembered by
//! (inode, size, mtime) in `<root>/build-cache/context-<hash>`, so an
//! unchanged context is not read again, and a touched but unchanged file
//! still gives the same digest. Files that must be read are hashed on a
//! few threads (joined before this returns: the build forks afterwards).

use super::ignore::{self, Matcher};
use crate::error::exit_error;
use crate::util::glob::{glob_match, Slash};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::Metadata;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Entry {
    /// Path relative to the context, cleaned ("a/b").
    pub rel: String,
    pub meta: Metadata,
}

pub struct Context {
    pub root: PathBuf,
    pub matcher: Matcher,
    /// Where the ignore rules came from (for messages).
    pub ignore_file: Option<String>,
    /// Every entry not ignored, sorted by path.
    pub entries: Vec<Entry>,
}

impl Context {
    /// Walk `root`, leaving out what `matcher` excludes.
    pub fn open(
        root: &Path,
        matcher: Matcher,
        ignore_file: Option<String>,
    ) -> anyhow::Result<Context> {
        let mut entries = Vec::new();
        walk(root, "", &matcher, &mut entries)?;
        entries.sort_by(|a, b| a.rel.cmp(&b.rel));
        Ok(Context {
            root: root.to_path_buf(),
            matcher,
            ignore_file,
            entries,
        })
    }

    /// The entries a COPY source names: a path (a directory brings its
    /// whole tree) or a pattern. Each match comes with the entries under it.
    pub fn select(&self, source: &str, keyword: &str) -> anyhow::Result<Vec<Selected>> {
        let cleaned = ignore::clean(source.trim_start_matches('/'));
        if cleaned == ".." || cleaned.starts_with("../") {
            return Err(exit_error(
                125,
                format!("{keyword} {source}: the path is outside the build context"),
            ));
        }
        let wild = cleaned.contains(['*', '?', '[']);
        let mut out = Vec::new();
        if cleaned == "." {
            out.push(Selected {
                rel: String::new(),
                is_dir: true,
                tree: (0..self.entries.len()).collect(),
            });
            return Ok(out);
        }
        for (n, e) in self.entries.iter().enumerate() {
            let hit = match wild {
                true => glob_match(&cleaned, &e.rel, Slash::Literal),
                false => e.rel == cleaned,
            };
            if !hit {
                continue;
            }
            let prefix = format!("{}/", e.rel);
            let tree = match e.meta.is_dir() {
                true => self.entries[n + 1..]
                    .iter()
                    .enumerate()
                    .take_while(|(_, x)| x.rel.starts_with(&prefix))
                    .map(|(k, _)| n + 1 + k)
                    .collect(),
                false => Vec::new(),
            };
            out.push(Selected {
                rel: e.rel.clone(),
                is_dir: e.meta.is_dir(),
                tree,
            });
        }
        if out.is_empty() {
            let on_disk = self.root.join(&cleaned).symlink_metadata().is_ok();
            let why = match (on_disk, self.matcher.matching(&cleaned), &self.ignore_file) {
                (true, Some(p), Some(f)) => format!("it is excluded by {f} (pattern {p:?})"),
                _ => "no such file or directory in the build context".into(),
            };
            return Err(exit_error(125, format!("{keyword} {source}: {why}")));
        }
        Ok(out)
    }
}

/// A source match: the entry itself ("" = the context root) and the
/// indexes of the entries beneath it.
#[derive(Debug, Clone)]
pub struct Selected {
    pub rel: String,
    pub is_dir: bool,
    pub tree: Vec<usize>,
}

fn walk(root: &Path, rel: &str, matcher: &Matcher, out: &mut Vec<Entry>) -> anyhow::Result<()> {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let read = std::fs::read_dir(&dir).map_err(|e| {
        exit_error(
            125,
            format!("reading the build context {}: {e}", dir.display()),
        )
    })?;
    for item in read {
        let item = item?;
        let name = item.file_name();
        let name = name.to_string_lossy();
        let child = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        let meta = item.metadata()?;
        let excluded = !matcher.is_empty() && matcher.excluded(&child);
        if meta.is_dir() {
            if excluded && !matcher.has_exclusions() {
                continue;
            }
            if !excluded {
                out.push(Entry {
                    rel: child.clone(),
                    meta,
                });
            }
            walk(root, &child, matcher, out)?;
        } else if !excluded {
            out.push(Entry { rel: child, meta });
        }
    }
    Ok(())
}

/// Digests of file contents remembered by (inode, size, mtime).
pub struct DigestCache {
    path: PathBuf,
    known: HashMap<String, (u64, u64, i64, String)>,
    changed: bool,
}

impl DigestCache {
    /// The cache of the context at `context` (by its canonical path).
    pub fn load(cache_dir: &Path, context: &Path) -> DigestCache {
        let canon = context
            .canonicalize()
            .unwrap_or_else(|_| context.to_path_buf());
        let key = hex::encode(Sha256::digest(canon.to_string_lossy().as_bytes()));
        let path = cache_dir.join(format!("context-{}", &key[..32]));
        let mut known = HashMap::new();
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in text.lines() {
                let mut parts = line.splitn(5, ' ');
                let (Some(ino), Some(size), Some(mtime), Some(digest), Some(rel)) = (
                    parts.next(),
                    parts.next(),
                    parts.next(),
                    parts.next(),
                    parts.next(),
                ) else {
                    continue;
                };
                if let (Ok(ino), Ok(size), Ok(mtime)) = (ino.parse(), size.parse(), mtime.parse()) {
                    known.insert(rel.to_string(), (ino, size, mtime, digest.to_string()));
                }
            }
        }
        DigestCache {
            path,
            known,
            changed: false,
        }
    }

    /// Write the cache back if something was learnt (best effort).
    pub fn save(&self) {
        if !self.changed {
            return;
        }
        let mut text = String::new();
        for (rel, (ino, size, mtime, digest)) in &self.known {
            if !rel.contains('\n') {
                text.push_str(&format!("{ino} {size} {mtime} {digest} {rel}\n"));
            }
        }
        if let Some(dir) = self.path.parent() {
            let _ = crate::sys::fsutil::create_dir_all_mode(dir, 0o700);
        }
        let _ = crate::sys::fsutil::write_atomic(&self.path, text.as_bytes(), 0o600);
    }

    /// The digest of `entries`' paths (relative to `base`), kinds, modes
    /// and contents (symlink targets), in order.
    pub fn digest(&mut self, ctx: &Context, entries: &[(String, usize)]) -> anyhow::Result<String> {
        let stamp = |m: &Metadata| {
            (
                m.ino(),
                m.size(),
                m.mtime() * 1_000_000_000 + m.mtime_nsec(),
            )
        };
        // Files whose remembered digest does not fit any more.
        let mut todo: Vec<&Entry> = Vec::new();
        for (_, n) in entries {
            let e = &ctx.entries[*n];
            if !e.meta.is_file() {
                continue;
            }
            let (ino, size, mtime) = stamp(&e.meta);
            let fresh = self
                .known
                .get(&e.rel)
                .is_some_and(|k| k.0 == ino && k.1 == size && k.2 == mtime);
            if !fresh {
                todo.push(e);
            }
        }
        todo.dedup_by(|a, b| a.rel == b.rel);
        let results = hash_files(&ctx.root, &todo)?;
        for (e, digest) in todo.iter().zip(results) {
            let (ino, size, mtime) = stamp(&e.meta);
            self.known.insert(e.rel.clone(), (ino, size, mtime, digest));
            self.changed = true;
        }
        let mut h = Sha256::new();
        for (name, n) in entries {
            let e = &ctx.entries[*n];
            let mode = e.meta.permissions().mode();
            h.update(name.as_bytes());
            h.update([0]);
            h.update(format!("{mode:o}").as_bytes());
            h.update([0]);
            if e.meta.is_file() {
                h.update(self.known[&e.rel].3.as_bytes());
            } else if e.meta.file_type().is_symlink() {
                let target = std::fs::read_link(ctx.root.join(&e.rel))?;
                h.update(target.to_string_lossy().as_bytes());
            }
            h.update([0]);
        }
        Ok(hex::encode(h.finalize()))
    }
}

/// sha256 of each file, on up to 4 threads for many files.
fn hash_files(root: &Path, files: &[&Entry]) -> anyhow::Result<Vec<String>> {
    let one = |e: &Entry| -> anyhow::Result<String> {
        let path = root.join(&e.rel);
        let mut f = std::fs::File::open(&path)
            .map_err(|err| exit_error(125, format!("reading {}: {err}", path.display())))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 64 << 10];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(hex::encode(h.finalize()))
    };
    if files.len() < 64 {
        return files.iter().map(|e| one(e)).collect();
    }
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    let chunk = files.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|e| one(e))
                        .collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(files.len());
        for h in handles {
            out.extend(
                h.join()
                    .map_err(|_| anyhow::anyhow!("hashing the context failed"))??,
            );
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_with(files: &[(&str, &str)], ignore: &str) -> (tempfile::TempDir, Context) {
        let dir = tempfile::tempdir().unwrap();
        for (p, content) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        let m = Matcher::parse(".containerignore", ignore).unwrap();
        let ctx = Context::open(dir.path(), m, Some(".containerignore".into())).unwrap();
        (dir, ctx)
    }

    #[test]
    fn walk_and_select() {
        let (_d, ctx) = ctx_with(
            &[
                ("a.txt", "a"),
                ("src/x.rs", "x"),
                ("src/y.rs", "y"),
                ("logs/1.log", "l"),
                ("logs/keep", "k"),
            ],
            "logs\n!logs/keep\n*.md",
        );
        let rels: Vec<&str> = ctx.entries.iter().map(|e| e.rel.as_str()).collect();
        assert_eq!(rels, ["a.txt", "logs/keep", "src", "src/x.rs", "src/y.rs"]);
        let s = ctx.select("src", "COPY").unwrap();
        assert_eq!(s.len(), 1);
        assert!(s[0].is_dir);
        assert_eq!(s[0].tree.len(), 2);
        assert_eq!(ctx.select("src/*.rs", "COPY").unwrap().len(), 2);
        assert_eq!(ctx.select("/a.txt", "COPY").unwrap()[0].rel, "a.txt");
        assert_eq!(ctx.select(".", "COPY").unwrap()[0].tree.len(), 5);
        let e = ctx.select("logs/1.log", "COPY").unwrap_err().to_string();
        assert!(
            e.contains("excluded by .containerignore (pattern \"logs\")"),
            "{e}"
        );
        let e = ctx.select("nope", "COPY").unwrap_err().to_string();
        assert!(e.contains("no such file"), "{e}");
        assert!(ctx.select("../x", "COPY").is_err());
    }

    #[test]
    fn digests_follow_content_not_mtime() {
        let (dir, ctx) = ctx_with(&[("a", "one"), ("b", "two")], "");
        let cache_dir = dir.path().join(".cache");
        let all = |ctx: &Context| -> Vec<(String, usize)> {
            ctx.entries
                .iter()
                .enumerate()
                .filter(|(_, e)| !e.rel.starts_with('.'))
                .map(|(n, e)| (e.rel.clone(), n))
                .collect()
        };
        let mut cache = DigestCache::load(&cache_dir, dir.path());
        let first = cache.digest(&ctx, &all(&ctx)).unwrap();
        cache.save();
        // Touched, same content: same digest (read again: the mtime moved).
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(dir.path().join("a"))
            .unwrap()
            .set_modified(later)
            .unwrap();
        let ctx = Context::open(dir.path(), Matcher::default(), None).unwrap();
        let mut cache = DigestCache::load(&cache_dir, dir.path());
        assert_eq!(cache.digest(&ctx, &all(&ctx)).unwrap(), first);
        // Changed content or mode: another digest.
        std::fs::write(dir.path().join("b"), "TWO").unwrap();
        let ctx = Context::open(dir.path(), Matcher::default(), None).unwrap();
        let changed = cache.digest(&ctx, &all(&ctx)).unwrap();
        assert_ne!(changed, first);
        std::fs::set_permissions(dir.path().join("b"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        let ctx = Context::open(dir.path(), Matcher::default(), None).unwrap();
        assert_ne!(cache.digest(&ctx, &all(&ctx)).unwrap(), changed);
    }
}
