//! `cove container prune`, `cove system prune` and `cove system reset`.
//!
//! A container is pruned only if its lock can be taken (nobody runs or is
//! starting it) and is removed while the lock is held. Unprivileged, the
//! system-wide commands first enter cove's user namespace so that files
//! containers left owned by subordinate ids can be deleted; `reset` kills
//! running containers before that (signals must come from the initial
//! namespace, which owns the containers' namespaces).

use crate::cli::output::go_units_size;
use crate::cli::{ContainerPruneArgs, SystemPruneArgs, SystemResetArgs};
use crate::container::record::{self, ContainerDir};
use crate::container::{inspect, remove};
use crate::context::Ctx;
use crate::error::exit_error;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};

/// `container prune --filter`s: every label filter must match, and the
/// container must be created before `until`.
#[derive(Debug, Default)]
struct Filters {
    labels: Vec<String>,
    not_labels: Vec<String>,
    until: Option<f64>,
}

impl Filters {
    fn parse(raw: &[String]) -> anyhow::Result<Filters> {
        let mut f = Filters::default();
        for item in raw {
            let (key, value) = item.split_once('=').ok_or_else(|| {
                exit_error(
                    125,
                    format!("filter input must be in the form of filter=value: {item} is invalid"),
                )
            })?;
            match key {
                "label" => f.labels.push(value.to_string()),
                "label!" => f.not_labels.push(value.to_string()),
                "until" => {
                    f.until = Some(
                        crate::storage::volume::parse_timestamp(value)
                            .map_err(|e| exit_error(125, format!("{e:#}")))?,
                    )
                }
                _ => return Err(exit_error(125, format!("{key} is an invalid filter"))),
            }
        }
        Ok(f)
    }

    fn matches(&self, labels: &BTreeMap<String, String>, created: &str) -> bool {
        if !crate::storage::volume::labels_match(&self.labels, labels) {
            return false;
        }
        if self
            .not_labels
            .iter()
            .any(|l| crate::storage::volume::labels_match(std::slice::from_ref(l), labels))
        {
            return false;
        }
        match self.until {
            None => true,
            Some(until) => chrono::DateTime::parse_from_rfc3339(created)
                .map(|t| {
                    (t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9) < until
                })
                .unwrap_or(false),
        }
    }
}

/// Ask on stdout, read the answer from stdin as Podman does: end of input
/// before a full line is an error ("EOF"), and only an answer starting
/// with y (or Y) is a yes.
fn confirm(question: &str, eof_code: i32) -> anyhow::Result<bool> {
    let mut out = std::io::stdout().lock();
    write!(out, "{question}Are you sure you want to continue? [y/N] ")?;
    out.flush()?;
    drop(out);
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !answer.ends_with('\n') {
        return Err(exit_error(eof_code, "EOF"));
    }
    Ok(answer.to_lowercase().starts_with('y'))
}

/// What a prune of containers did: (id, bytes freed) of each container
/// removed, and whether some could not be (already reported on stderr).
struct Pruned {
    removed: Vec<(String, u64)>,
    failed: bool,
}

/// Remove every stopped container matching `filters`, oldest first.
fn prune_containers(ctx: &Ctx, filters: &Filters) -> anyhow::Result<Pruned> {
    let root = &ctx.paths.root;
    let image_sizes: BTreeMap<String, u64> =
        crate::image::store::Store::open_existing(&ctx.paths.root)
            .map(|s| s.catalog())
            .transpose()?
            .map(|c| c.images.into_iter().map(|i| (i.id, i.size)).collect())
            .unwrap_or_default();
    let all = record::list(root);
    let mut containers: Vec<&ContainerDir> = all
        .iter()
        .filter(|c| filters.matches(&c.config.labels, &c.config.created))
        // A pod's infra goes with its pod (`pod rm`, `pod prune`).
        .filter(|c| !c.config.infra)
        .collect();
    // Oldest first, but those sharing another's network before it.
    containers.sort_by_cached_key(|c| {
        (
            std::cmp::Reverse(crate::container::shared_network::depth(&all, c)),
            c.config.created.clone(),
        )
    });
    let mut removed = Vec::new();
    let mut gone_ids = Vec::new();
    let mut failed = false;
    for c in containers {
        // Running, or being started: not for pruning.
        let Some(_lock) = c.try_lock()? else {
            continue;
        };
        if !c.path.exists() {
            continue;
        }
        // Kept while a container that stays shares its network.
        if crate::container::shared_network::check_no_dependents(&all, &gone_ids, c).is_err() {
            continue;
        }
        let image_size = image_sizes.get(&c.config.image_id).copied().unwrap_or(0);
        let size = inspect::sizes(c, image_size).rw;
        match record::remove(root, c) {
            Ok(()) => {
                removed.push((c.config.id.clone(), size));
                gone_ids.push(c.config.id.clone());
            }
            Err(e) => {
                eprintln!("Error: {}", crate::error::describe(&e));
                failed = true;
            }
        }
    }
    Ok(Pruned { removed, failed })
}

/// Unprivileged, move into cove's user namespace (as root of it, every
/// file a container left is ours to delete). Nothing to do for a store
/// that does not exist.
fn enter_for_deletion(ctx: &Ctx) -> anyhow::Result<()> {
    if ctx.paths.root.exists() {
        crate::sys::userns::enter_for_storage(&ctx.paths.root)?;
    }
    Ok(())
}

pub fn container_prune(ctx: &Ctx, args: &ContainerPruneArgs) -> anyhow::Result<i32> {
    let filters = Filters::parse(&args.filter)?;
    if !args.force
        && !confirm(
            "WARNING! This will remove all non running containers.\n",
            125,
        )?
    {
        return Ok(0);
    }
    enter_for_deletion(ctx)?;
    let pruned = prune_containers(ctx, &filters)?;
    for (id, _) in &pruned.removed {
        println!("{id}");
    }
    if pruned.failed {
        return Err(crate::error::silent_exit(125));
    }
    Ok(0)
}

pub fn system_prune(ctx: &Ctx, args: &SystemPruneArgs) -> anyhow::Result<i32> {
    if !args.force {
        let mut question =
            String::from("WARNING! This command removes:\n\t- all stopped containers\n");
        if args.volumes {
            question.push_str("\t- all volumes not used by at least one container\n");
        }
        question.push_str(if args.all {
            "\t- all images without at least one container associated with them\n\n"
        } else {
            "\t- all dangling images\n\n"
        });
        if !confirm(&question, 125)? {
            return Ok(0);
        }
    }
    enter_for_deletion(ctx)?;
    let mut reclaimed = 0;
    // Pods with nothing running go first, with their containers (Podman).
    let (pods, pods_failed) = super::pod::prune_idle(ctx);
    if !pods.is_empty() {
        println!("Deleted Pods");
        for id in &pods {
            println!("{id}");
        }
    }
    let containers = prune_containers(ctx, &Filters::default())?;
    if !containers.removed.is_empty() {
        println!("Deleted Containers");
        for (id, size) in &containers.removed {
            println!("{id}");
            reclaimed += size;
        }
    }
    if args.volumes {
        let report = crate::storage::volume::prune_report(
            &ctx.paths.root,
            &crate::storage::volume::Filters::none(),
        )?;
        if !report.removed.is_empty() {
            println!("Deleted Volumes");
            for name in &report.removed {
                println!("{name}");
            }
        }
        reclaimed += report.reclaimed;
    }
    let images = super::images::prune_images(ctx, args.all)?;
    if !images.is_empty() {
        println!("Deleted Images");
        for (id, size) in &images {
            println!("{}", id.strip_prefix("sha256:").unwrap_or(id));
            reclaimed += size;
        }
    }
    println!("Total reclaimed space: {}", go_units_size(reclaimed, false));
    if containers.failed || pods_failed {
        return Err(crate::error::silent_exit(125));
    }
    Ok(0)
}

pub fn system_reset(ctx: &Ctx, args: &SystemResetArgs) -> anyhow::Result<i32> {
    let root = &ctx.paths.root;
    let runroot = &ctx.paths.runroot;
    for dir in [root, runroot] {
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        if dir.parent().is_none() || Some(dir) == home.as_ref() {
            return Err(exit_error(
                125,
                format!(
                    "refusing to reset: {} is not a directory cove may delete; give --root and --runroot their own directories",
                    dir.display()
                ),
            ));
        }
    }
    if !args.force {
        let question = format!(
            "WARNING! This will remove:\n        - all containers\n        - all images\n        - all volumes\n        - the graphRoot directory: {:?}\n        - the runRoot directory: {:?}\n",
            root.display().to_string(),
            runroot.display().to_string()
        );
        if !confirm(&question, 1)? {
            return Ok(0);
        }
    }
    // Stop everything first, from this namespace, and keep every
    // container locked so nothing starts again meanwhile.
    let mut locks = Vec::new();
    for c in record::list(root) {
        match c.try_lock()? {
            Some(lock) => locks.push(lock),
            None => match remove::kill_and_lock(&c) {
                Some(lock) => locks.push(lock),
                None if !c.path.exists() => {}
                None => {
                    return Err(exit_error(
                        125,
                        format!("container {} did not stop after SIGKILL", c.config.id),
                    ))
                }
            },
        }
    }
    enter_for_deletion(ctx)?;
    crate::sys::userns::remove_tree(root)?;
    crate::sys::userns::remove_tree(runroot)?;
    drop(locks);
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let labels: BTreeMap<String, String> = [("a".to_string(), "b".to_string())].into();
        let f = Filters::parse(&["label=a=b".into()]).unwrap();
        assert!(f.matches(&labels, "2020-01-01T00:00:00Z"));
        let f = Filters::parse(&["label=a=c".into()]).unwrap();
        assert!(!f.matches(&labels, "2020-01-01T00:00:00Z"));
        let f = Filters::parse(&["label!=a".into()]).unwrap();
        assert!(!f.matches(&labels, "2020-01-01T00:00:00Z"));
        let f = Filters::parse(&["until=2021-01-01T00:00:00Z".into()]).unwrap();
        assert!(f.matches(&labels, "2020-01-01T00:00:00Z"));
        assert!(!f.matches(&labels, "2022-01-01T00:00:00Z"));
        let err = Filters::parse(&["bogus=1".into()]).unwrap_err();
        assert_eq!(format!("{err}"), "bogus is an invalid filter");
        assert!(Filters::parse(&["label".into()]).is_err());
    }
}
