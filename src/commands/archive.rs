// TEMPORARY placeholder so the crate compiles until helper-4 writes this file.
use super::Ctx;
use crate::cli::{LoadArgs, SaveArgs};
pub fn save(_: &Ctx, _: &SaveArgs) -> anyhow::Result<i32> {
    anyhow::bail!("save: in progress")
}
pub fn load(_: &Ctx, _: &LoadArgs) -> anyhow::Result<i32> {
    anyhow::bail!("load: in progress")
}
