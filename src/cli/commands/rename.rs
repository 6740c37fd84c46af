//! `cove rename`: a new name for a container, running or not.

use crate::cli::RenameArgs;
use crate::container::{options, record};
use crate::context::Ctx;
use crate::error::exit_error;

pub fn rename(ctx: &Ctx, args: &RenameArgs) -> anyhow::Result<i32> {
    if options::validate_container_name(&args.name).is_err() {
        return Err(exit_error(
            125,
            format!(
                "{:?}: invalid container name: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*",
                args.name
            ),
        ));
    }
    let container = record::lookup(&ctx.paths.root, &args.container)?;
    record::rename(&ctx.paths.root, &container, &args.name)?;
    Ok(0)
}
