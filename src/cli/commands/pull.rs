//! `cove pull` and `cove push`.

use crate::cli::{PullArgs, PushArgs};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::manifest::Platform;
use crate::image::reference::Reference;
use crate::image::registry::progress::Progress;
use crate::image::registry::{pull as remote_pull, push as remote_push};

pub fn pull(ctx: &Ctx, args: &PullArgs) -> anyhow::Result<i32> {
    let platform = Platform::from_flags(
        args.platform.as_deref(),
        args.os.as_deref(),
        args.arch.as_deref(),
        args.variant.as_deref(),
    )?;
    let local = match crate::image::store::Store::open_existing(&ctx.paths.root) {
        Some(store) => store.catalog()?.resolve(&args.image)?.map(|i| i.id.clone()),
        None => None,
    };
    match remote_pull::decide(args.policy, local.as_deref()) {
        remote_pull::PolicyDecision::UseLocal(id) => {
            println!("{}", id.strip_prefix("sha256:").unwrap_or(&id));
            return Ok(0);
        }
        remote_pull::PolicyDecision::NotStored => {
            return Err(exit_error(
                125,
                format!(
                    "{}: image not known, and --policy never forbids pulling it",
                    args.image
                ),
            ));
        }
        remote_pull::PolicyDecision::Pull => {}
    }
    let conf = crate::image::registry::conf::RegistriesConf::load()?;
    let (store, unpack) = crate::image::store::open_for_writing(&ctx.paths.root)?;
    let req = remote_pull::PullRequest {
        input: &args.image,
        platform,
        registry: &args.registry.options(),
        progress: Progress::new(args.quiet),
        unpack,
    };
    let id = remote_pull::pull(&store, &conf, &req)?;
    let short = id.strip_prefix("sha256:").unwrap_or(&id);
    super::events::image(ctx, short, &args.image, "pull");
    println!("{short}");
    Ok(0)
}

pub fn push(ctx: &Ctx, args: &PushArgs) -> anyhow::Result<i32> {
    let conf = crate::image::registry::conf::RegistriesConf::load()?;
    let store = crate::image::store::Store::open_existing(&ctx.paths.root)
        .ok_or_else(|| exit_error(125, format!("{}: image not known", args.image)))?;
    let catalog = store.catalog()?;
    let entry = catalog
        .resolve(&args.image)?
        .ok_or_else(|| exit_error(125, format!("{}: image not known", args.image)))?;
    let dest_input = args.destination.as_deref().unwrap_or(&args.image);
    let dest_input = dest_input.strip_prefix("docker://").unwrap_or(dest_input);
    let dest = if args.destination.is_none() && entry.names.len() == 1 && !dest_input.contains('/')
    {
        // `cove push busybox` pushes to the name the image has.
        Reference::parse(&entry.names[0])?
    } else {
        Reference::parse(dest_input)?.with_default_tag()
    };
    let req = remote_push::PushRequest {
        registry: &args.registry.options(),
        progress: Progress::new(args.quiet),
    };
    let digest = remote_push::push(&store, &conf, entry, &dest, &req)?;
    if let Some(file) = &args.digestfile {
        std::fs::write(file, &digest)
            .map_err(|e| anyhow::anyhow!("writing digest file {}: {e}", file.display()))?;
    }
    Ok(0)
}
