//! Small pure helpers shared by every layer.

pub mod digest;
pub mod duration;
pub mod glob;
pub mod size;
