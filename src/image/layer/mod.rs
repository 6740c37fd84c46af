//! Layer tar streams: safe extraction into the overlay on-disk format,
//! a guard against oversized metadata headers, and trees written as tar.

pub mod targuard;
pub mod tarstream;
pub mod unpack;
