//! A reader that refuses tar archives whose metadata entries would make the
//! tar crate allocate without bound.
//!
//! The tar crate reads the payload of GNU long-name (`L`), long-link (`K`)
//! and PAX (`x`, `g`) entries fully into memory, whatever size their header
//! declares: a few megabytes of gzip can ask for gigabytes. [`TarGuard`]
//! sits between the byte stream and `tar::Archive`, passes every byte through
//! unchanged, follows the 512-byte block structure exactly as the tar crate
//! does (including PAX `size` overrides and GNU sparse extension blocks) and
//! fails as soon as such a header declares more than [`MAX_META`] bytes,
//! before the tar crate reads the payload.

use std::fmt;
use std::io::{self, Read};

/// The largest payload accepted for a GNU long name / long link or a PAX
/// extended header. Real ones are a few hundred bytes.
pub const MAX_META: u64 = 1 << 20;

const BLOCK: usize = 512;
/// `isextended` in a GNU sparse header, and in each extension block.
const GNU_ISEXTENDED: usize = 482;
const EXT_ISEXTENDED: usize = 504;

/// A metadata entry larger than [`MAX_META`]; carried inside the
/// `io::Error` (kind `InvalidData`) that [`TarGuard`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetaTooLarge {
    /// The size the header declared.
    pub size: u64,
}

impl fmt::Display for MetaTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tar entry metadata of {} bytes (a GNU long name or PAX header) exceeds the {} MiB limit; the archive is hostile or corrupt",
            self.size,
            MAX_META >> 20
        )
    }
}

impl std::error::Error for MetaTooLarge {}

impl MetaTooLarge {
    fn io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }
}

/// The [`MetaTooLarge`] inside an error returned by [`TarGuard`], if that is
/// what it is.
pub fn meta_too_large(e: &io::Error) -> Option<MetaTooLarge> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<MetaTooLarge>())
        .copied()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Collecting a header block (`fill` bytes so far).
    Header,
    /// Collecting a GNU sparse extension block; the entry's data (`data`
    /// bytes, unpadded) follows the last one.
    SparseExt { data: u64 },
    /// Inside an entry's data and padding: `left` bytes to go.
    Data { left: u64 },
    /// Sync with the block structure is lost (a header the tar crate will
    /// refuse): pass everything through unchecked.
    Unchecked,
}

/// Passes a tar stream through, refusing oversized metadata entries.
/// See the module documentation.
pub struct TarGuard<R> {
    inner: R,
    state: State,
    block: [u8; BLOCK],
    fill: usize,
    /// The PAX `size` that applies to the next file entry, as the tar crate
    /// reads it.
    pax_size: Option<u64>,
    /// Payload of the PAX extended header being read (at most `MAX_META`
    /// bytes), reused from one to the next.
    pax: Vec<u8>,
    /// Payload bytes still to collect into `pax`.
    pax_left: u64,
    /// A PAX payload is being collected (parsed when its data ends).
    in_pax: bool,
    failed: Option<MetaTooLarge>,
}

impl<R: Read> TarGuard<R> {
    pub fn new(inner: R) -> Self {
        TarGuard {
            inner,
            state: State::Header,
            block: [0; BLOCK],
            fill: 0,
            pax_size: None,
            pax: Vec::new(),
            pax_left: 0,
            in_pax: false,
            failed: None,
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Follow the block structure over bytes that are being passed on.
    fn scan(&mut self, mut bytes: &[u8]) -> Result<(), MetaTooLarge> {
        while !bytes.is_empty() {
            match self.state {
                State::Unchecked => return Ok(()),
                State::Data { left } => {
                    let n = left.min(bytes.len() as u64) as usize;
                    if self.pax_left > 0 {
                        let k = self.pax_left.min(n as u64) as usize;
                        self.pax.extend_from_slice(&bytes[..k]);
                        self.pax_left -= k as u64;
                    }
                    bytes = &bytes[n..];
                    self.state = State::Data {
                        left: left - n as u64,
                    };
                    if left == n as u64 {
                        self.end_data();
                    }
                }
                State::Header | State::SparseExt { .. } => {
                    let n = (BLOCK - self.fill).min(bytes.len());
                    self.block[self.fill..self.fill + n].copy_from_slice(&bytes[..n]);
                    self.fill += n;
                    bytes = &bytes[n..];
                    if self.fill == BLOCK {
                        self.fill = 0;
                        if let State::SparseExt { data } = self.state {
                            if self.block[EXT_ISEXTENDED] != 1 {
                                self.start_data(data);
                            }
                        } else {
                            self.header()?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn start_data(&mut self, size: u64) {
        // The tar crate fails on an overflowing size: nothing to follow then.
        self.state = match size.checked_add(BLOCK as u64 - 1) {
            Some(n) => State::Data {
                left: n & !(BLOCK as u64 - 1),
            },
            None => State::Unchecked,
        };
        if self.state == (State::Data { left: 0 }) {
            self.end_data();
        }
    }

    fn end_data(&mut self) {
        self.state = State::Header;
        if self.in_pax {
            self.in_pax = false;
            self.pax_size = pax_size(&self.pax);
            self.pax.clear();
        }
    }

    /// A complete header block is in `self.block`; this mirrors
    /// `tar::Archive::entries` (tar 0.4), which decides what the next bytes are.
    fn header(&mut self) -> Result<(), MetaTooLarge> {
        if self.block.iter().all(|&b| b == 0) {
            // End-of-archive marker (or padding between concatenated tars).
            return Ok(());
        }
        let header = tar::Header::from_byte_slice(&self.block);
        let sum = self.block[..148]
            .iter()
            .chain(&self.block[156..])
            .fold(0u32, |a, &b| a + b as u32)
            + 8 * 32;
        if header.cksum().ok() != Some(sum) {
            // The tar crate reports the damage.
            self.state = State::Unchecked;
            return Ok(());
        }
        let Ok(field_size) = header.entry_size() else {
            self.state = State::Unchecked;
            return Ok(());
        };
        let kind = header.entry_type();
        let extension = kind.is_gnu_longname()
            || kind.is_gnu_longlink()
            || kind.is_pax_local_extensions()
            || kind.is_pax_global_extensions();
        // PAX `size` overrides the header's for the next entry that is not
        // itself an extension header.
        let size = match self.pax_size {
            Some(s) if !extension => s,
            _ => field_size,
        };
        let solaris_pax = kind.as_byte() == b'X';
        if (extension || solaris_pax) && size > MAX_META {
            return Err(MetaTooLarge { size });
        }
        let recognized = header.as_gnu().is_some() || header.as_ustar().is_some();
        // The tar crate collects L, K and x (with a ustar or GNU magic) and
        // applies them to the entry that follows; any other header ends that.
        let collected = recognized
            && (kind.is_gnu_longname() || kind.is_gnu_longlink() || kind.is_pax_local_extensions());
        if !collected {
            self.pax_size = None;
        }
        if recognized && kind.is_pax_local_extensions() {
            self.in_pax = true;
            self.pax.clear();
            self.pax_left = size;
        }
        if !collected
            && kind.is_gnu_sparse()
            && header.as_gnu().is_some()
            && self.block[GNU_ISEXTENDED] == 1
        {
            self.state = State::SparseExt { data: size };
        } else {
            self.start_data(size);
        }
        Ok(())
    }
}

/// The PAX `size` record, read as `tar` 0.4 reads it: the first record with
/// that key, and none at all when a record before it is malformed.
fn pax_size(data: &[u8]) -> Option<u64> {
    for ext in tar::PaxExtensions::new(data) {
        let ext = ext.ok()?;
        if ext.key() != Ok("size") {
            continue;
        }
        return ext.value().ok()?.parse().ok();
    }
    None
}

impl<R: Read> Read for TarGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = self.failed {
            return Err(e.io());
        }
        let n = self.inner.read(buf)?;
        if let Err(e) = self.scan(&buf[..n]) {
            self.failed = Some(e);
            return Err(e.io());
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tar::{EntryType, Header};

    /// Counts the bytes handed out by the wrapped reader.
    struct Counting<R> {
        inner: R,
        read: u64,
    }

    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n as u64;
            Ok(n)
        }
    }

    /// Hands out at most `chunk` bytes per read.
    struct Chunked<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Chunked<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn header(kind: EntryType, name: &str, size: u64) -> Header {
        let mut h = Header::new_gnu();
        h.set_entry_type(kind);
        h.set_path(name).unwrap();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_cksum();
        h
    }

    fn file(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
        let mut h = Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).unwrap();
    }

    /// A GNU sparse entry with `isextended` set and two extension blocks.
    fn sparse(out: &mut Vec<u8>, name: &str) {
        // 4 sparse regions in the header + 21 in the first extension block
        // + 3 in the second: 28 regions of 512 bytes, every 1024 bytes.
        let regions: Vec<u64> = (0..28).map(|i| i * 1024).collect();
        let mut h = Header::new_gnu();
        h.set_entry_type(EntryType::GNUSparse);
        h.set_path(name).unwrap();
        h.set_mode(0o644);
        h.set_size(regions.len() as u64 * 512);
        {
            let g = h.as_gnu_mut().unwrap();
            for (slot, off) in g.sparse.iter_mut().zip(&regions) {
                slot.offset = octal12(*off);
                slot.numbytes = octal12(512);
            }
            g.realsize = octal12(27 * 1024 + 512);
            g.isextended[0] = 1;
        }
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        let mut rest = &regions[4..];
        while !rest.is_empty() {
            let mut ext = [0u8; BLOCK];
            let n = rest.len().min(21);
            for (i, off) in rest[..n].iter().enumerate() {
                ext[i * 24..i * 24 + 12].copy_from_slice(&octal12(*off));
                ext[i * 24 + 12..i * 24 + 24].copy_from_slice(&octal12(512));
            }
            rest = &rest[n..];
            ext[EXT_ISEXTENDED] = u8::from(!rest.is_empty());
            out.extend_from_slice(&ext);
        }
        // The stored regions; one of them looks like an oversized header.
        let mut data: Vec<u8> = (0..regions.len() * 512).map(|i| (i / 512) as u8).collect();
        data[512..1024].copy_from_slice(header(EntryType::GNULongName, "x", 1 << 30).as_bytes());
        out.extend_from_slice(&data);
    }

    fn octal12(n: u64) -> [u8; 12] {
        let mut f = [0u8; 12];
        f[..11].copy_from_slice(format!("{n:011o}").as_bytes());
        f
    }

    /// A tar with a long name (GNU `L`), a PAX header, a PAX `size` override,
    /// a sparse file and a symlink with a long target.
    fn sample() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        file(&mut b, "short", b"hello");
        let long = format!("dir/{}", "n".repeat(150));
        file(&mut b, &long, &[7u8; 1500]);
        b.append_pax_extensions([("user.comment", &b"pax here"[..])])
            .unwrap();
        file(&mut b, "after-pax", &[1u8; 513]);
        let mut h = Header::new_gnu();
        h.set_entry_type(EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "link", "t".repeat(200)).unwrap();
        let mut out = b.into_inner().unwrap();
        out.truncate(out.len() - 1024); // the end-of-archive blocks
                                        // A PAX size that overrides a zero size field, as Go writes it for
                                        // files of more than 8 GiB; the data holds bytes that look like an
                                        // oversized long-name header, which must not be taken for one.
        let mut pax = Vec::new();
        let rec = "size=1024\n";
        pax.extend_from_slice(format!("{} {rec}", rec.len() + 3).as_bytes());
        out.extend_from_slice(
            header(EntryType::XHeader, "PaxHeader/big", pax.len() as u64).as_bytes(),
        );
        out.extend_from_slice(&pax);
        out.resize(out.len().next_multiple_of(BLOCK), 0);
        out.extend_from_slice(header(EntryType::Regular, "big", 0).as_bytes());
        out.extend_from_slice(header(EntryType::GNULongName, "fake", 1 << 30).as_bytes());
        out.extend_from_slice(&[0u8; 512]);
        sparse(&mut out, "holes");
        out.extend_from_slice(&[0u8; 1024]);
        out
    }

    fn through(data: &[u8], chunk: usize) -> io::Result<Vec<u8>> {
        let mut g = TarGuard::new(Chunked { data, chunk });
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk.max(4096)];
        loop {
            match g.read(&mut buf[..chunk])? {
                0 => return Ok(out),
                n => out.extend_from_slice(&buf[..n]),
            }
        }
    }

    #[test]
    fn normal_archives_pass_unchanged_at_any_read_size() {
        let data = sample();
        for chunk in [1, 7, 512, 4096, 1 << 20] {
            assert!(through(&data, chunk).unwrap() == data, "read size {chunk}");
        }
    }

    #[test]
    fn the_tar_crate_reads_the_sample_through_the_guard() {
        let data = sample();
        let mut archive = tar::Archive::new(TarGuard::new(&data[..]));
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let mut body = Vec::new();
            entry.read_to_end(&mut body).unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            seen.push((name, body.len()));
        }
        let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names.len(), 6, "{names:?}");
        assert_eq!(names[0], "short");
        assert_eq!(names[1].len(), 154);
        assert_eq!(seen[1].1, 1500);
        assert_eq!(names[2], "after-pax");
        assert_eq!(names[3], "link");
        assert_eq!((names[4], seen[4].1), ("big", 1024));
        assert_eq!((names[5], seen[5].1), ("holes", 27 * 1024 + 512));
    }

    /// A header claiming `size` bytes followed by only a few blocks.
    fn bomb(kind: EntryType, size: u64) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        file(&mut b, "first", b"ok");
        let mut out = b.into_inner().unwrap();
        out.truncate(out.len() - 1024); // the end-of-archive blocks
        out.extend_from_slice(header(kind, "././@LongLink", size).as_bytes());
        out.extend_from_slice(&[b'a'; 4096]);
        out
    }

    fn refused(data: &[u8], chunk: usize) -> (io::Error, u64) {
        let mut g = TarGuard::new(Counting {
            inner: Chunked { data, chunk },
            read: 0,
        });
        let mut buf = [0u8; 4096];
        loop {
            match g.read(&mut buf[..chunk]) {
                Ok(0) => panic!("no error"),
                Ok(_) => {}
                Err(e) => return (e, g.into_inner().read),
            }
        }
    }

    #[test]
    fn oversized_metadata_is_refused_at_its_header() {
        for kind in [
            EntryType::GNULongName,
            EntryType::GNULongLink,
            EntryType::XHeader,
            EntryType::XGlobalHeader,
            EntryType::new(b'X'),
        ] {
            let data = bomb(kind, 1 << 30);
            for chunk in [1, 7, 4096] {
                let (e, read) = refused(&data, chunk);
                assert_eq!(e.kind(), io::ErrorKind::InvalidData);
                assert_eq!(meta_too_large(&e), Some(MetaTooLarge { size: 1 << 30 }));
                assert!(e.to_string().starts_with(
                    "tar entry metadata of 1073741824 bytes (a GNU long name or PAX header) exceeds the 1 MiB limit"
                ));
                // Nothing of the payload was asked for beyond that read.
                assert!(read < 1536 + chunk as u64, "{kind:?} {chunk}: {read}");
            }
        }
        // Exactly the limit is fine.
        let data = bomb(EntryType::GNULongName, MAX_META);
        assert!(through(&data, 4096).is_ok());
    }

    #[test]
    fn the_error_stays() {
        let data = bomb(EntryType::XHeader, MAX_META + 1);
        let mut g = TarGuard::new(&data[..]);
        let mut buf = vec![0u8; 1 << 16];
        assert!(g.read(&mut buf).is_err());
        let e = g.read(&mut buf).unwrap_err();
        assert_eq!(meta_too_large(&e).unwrap().size, MAX_META + 1);
    }

    #[test]
    fn the_tar_crate_sees_the_error_before_allocating() {
        let data = bomb(EntryType::GNULongName, 1 << 30);
        let mut archive = tar::Archive::new(TarGuard::new(&data[..]));
        let mut entries = archive.entries().unwrap();
        let err = loop {
            match entries.next() {
                Some(Ok(_)) => {}
                Some(Err(e)) => break e,
                None => panic!("no error"),
            }
        };
        assert!(meta_too_large(&err).is_some(), "{err}");
    }

    #[test]
    fn base256_sizes_are_read() {
        let mut h = header(EntryType::GNULongName, "././@LongLink", 0);
        let size = &mut h.as_old_mut().size;
        *size = [0; 12];
        size[0] = 0x80;
        size[8] = 0x01; // 1 << 24
        h.set_cksum();
        let mut data = h.as_bytes().to_vec();
        data.extend_from_slice(&[0u8; 2048]);
        let (e, _) = refused(&data, 4096);
        assert_eq!(meta_too_large(&e).unwrap().size, 1 << 24);
    }

    #[test]
    fn space_terminated_octal_sizes_are_read() {
        let mut h = header(EntryType::XHeader, "PaxHeader/x", 0);
        h.as_old_mut().size = *b"10000000000 ";
        h.set_cksum();
        let mut data = h.as_bytes().to_vec();
        data.extend_from_slice(&[0u8; 2048]);
        let (e, _) = refused(&data, 7);
        assert_eq!(meta_too_large(&e).unwrap().size, 1 << 30);
    }

    #[test]
    fn a_bad_checksum_passes_unchecked() {
        let mut data = bomb(EntryType::GNULongName, 1 << 30);
        let at = data.len() - 4096 - BLOCK;
        data[at] ^= 1; // the name: the checksum no longer matches
        assert!(through(&data, 4096).unwrap() == data);
    }

    #[test]
    fn headers_hidden_in_data_are_data() {
        // A file whose content is an oversized long-name header.
        let evil = header(EntryType::GNULongName, "././@LongLink", 1 << 30);
        let mut b = tar::Builder::new(Vec::new());
        file(&mut b, "carrier", evil.as_bytes());
        file(&mut b, "after", b"x");
        let data = b.into_inner().unwrap();
        assert!(through(&data, 1).unwrap() == data);
    }

    #[test]
    fn a_pax_size_is_followed() {
        // PAX says 2048: the first of those blocks is data, not a header.
        let mut out = Vec::new();
        let rec = "size=2048\n";
        let pax = format!("{} {rec}", rec.len() + 3);
        out.extend_from_slice(
            header(EntryType::XHeader, "PaxHeader/f", pax.len() as u64).as_bytes(),
        );
        out.extend_from_slice(pax.as_bytes());
        out.resize(BLOCK * 2, 0);
        out.extend_from_slice(header(EntryType::Regular, "f", 0).as_bytes());
        out.extend_from_slice(header(EntryType::GNULongName, "x", 1 << 30).as_bytes());
        out.extend_from_slice(&[0u8; 1536]);
        // The real next header.
        out.extend_from_slice(header(EntryType::GNULongName, "y", 1 << 30).as_bytes());
        let (e, read) = refused(&out, 1);
        assert!(meta_too_large(&e).is_some());
        assert_eq!(read, out.len() as u64);
    }

    #[test]
    fn sparse_extension_blocks_are_followed() {
        // The extension blocks and data of a sparse entry, then a bomb: found
        // only if the blocks in between were counted right.
        let mut out = Vec::new();
        sparse(&mut out, "holes");
        let len = out.len();
        out.extend_from_slice(header(EntryType::GNULongLink, "x", 1 << 30).as_bytes());
        out.extend_from_slice(&[0u8; 2048]);
        let (e, read) = refused(&out, 7);
        assert!(meta_too_large(&e).is_some());
        assert!(read >= len as u64 + 512 && read < len as u64 + 512 + 7);
    }
}
