//! The on-disk overlay format, shared with the unpacker and the kernel
//! overlay driver (mounted with `userxattr`): a whiteout is a character
//! device 0/0, an opaque directory carries `user.overlay.opaque=y`, and
//! every `user.overlay.*` / `trusted.overlay.*` xattr is ours, hidden from
//! the container.

/// xattr that marks a directory as opaque for overlayfs mounted with `userxattr`.
pub const OPAQUE_XATTR: &str = "user.overlay.opaque";

pub const OPAQUE_XATTR_C: &std::ffi::CStr = c"user.overlay.opaque";

/// A stat that is an overlay whiteout.
pub fn is_whiteout(mode: u32, rdev: u64) -> bool {
    mode & libc::S_IFMT == libc::S_IFCHR && rdev == 0
}

/// The value of the opaque xattr that means "opaque" (overlayfs accepts
/// only "y").
pub fn is_opaque_value(value: &[u8]) -> bool {
    value == b"y"
}

/// An xattr name the container must neither see nor set.
pub fn is_private_xattr(name: &[u8]) -> bool {
    name.starts_with(b"user.overlay.") || name.starts_with(b"trusted.overlay.")
}

/// Drop our private names from a NUL-separated listxattr buffer.
pub fn filter_xattr_list(list: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(list.len());
    for name in list.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        if !is_private_xattr(name) {
            out.extend_from_slice(name);
            out.push(0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whiteouts_are_char_devices_zero_zero() {
        assert!(is_whiteout(libc::S_IFCHR | 0o644, 0));
        assert!(!is_whiteout(libc::S_IFCHR | 0o644, libc::makedev(1, 3)));
        assert!(!is_whiteout(libc::S_IFREG | 0o644, 0));
        assert!(!is_whiteout(libc::S_IFBLK, 0));
    }

    #[test]
    fn opaque_marker_matches_the_unpacker() {
        assert_eq!(OPAQUE_XATTR_C.to_str().unwrap(), OPAQUE_XATTR);
        assert!(is_opaque_value(b"y"));
        assert!(!is_opaque_value(b"n"));
    }

    #[test]
    fn private_xattrs_are_hidden() {
        let list = b"user.a\0user.overlay.opaque\0trusted.overlay.redirect\0security.capability\0";
        assert_eq!(filter_xattr_list(list), b"user.a\0security.capability\0");
        assert!(is_private_xattr(b"user.overlay.opaque"));
        assert!(!is_private_xattr(b"user.overlayx"));
    }
}
