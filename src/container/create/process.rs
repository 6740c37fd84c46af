//! The container's process: command, environment, working directory,
//! stop signal and seccomp filter, from the image's configuration and
//! the flags.

use super::usage;
use crate::container::options::{self, SeccompChoice};
use crate::container::spec;
use crate::runtime::seccomp;
use oci_spec::runtime::LinuxSeccomp;

/// The image's entrypoint and command with `--entrypoint` and the
/// command line's over them: (entrypoint, cmd).
pub(super) fn command(
    image: &oci_spec::image::Config,
    entrypoint_flag: Option<&str>,
    command_flag: &[String],
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    spec::entrypoint_and_cmd(
        image.entrypoint().as_deref().unwrap_or_default(),
        image.cmd().as_deref().unwrap_or_default(),
        entrypoint_flag,
        command_flag,
    )
    .map_err(|e| usage(format!("{e:#}")))
}

/// What the environment depends on beyond the image's and the flags'.
pub(super) struct EnvInput<'a> {
    pub image_env: &'a [String],
    pub tty: bool,
    pub hostname: &'a str,
    /// The user's home directory, from the image's passwd.
    pub home: &'a str,
    pub flags: &'a [(String, String)],
}

/// Environment: image, then cove's defaults, then the flags.
pub(super) fn environment(input: &EnvInput) -> Vec<String> {
    let image_has = |key: &str| input.image_env.iter().any(|e| e.starts_with(key));
    let mut overrides: Vec<(String, String)> = Vec::new();
    if !image_has("PATH=") {
        overrides.push((
            "PATH".into(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        ));
    }
    if input.tty {
        overrides.push(("TERM".into(), "xterm".into()));
    }
    overrides.push(("container".into(), "cove".into()));
    overrides.push(("HOSTNAME".into(), input.hostname.to_string()));
    if !image_has("HOME=") {
        overrides.push(("HOME".into(), input.home.to_string()));
    }
    overrides.extend(input.flags.iter().cloned());
    options::merge_env(input.image_env, &overrides)
}

/// `--workdir`, else the image's, else `/`; it must be absolute.
pub(super) fn working_dir(flag: Option<&str>, image: Option<&str>) -> anyhow::Result<String> {
    let cwd = flag
        .or(image.filter(|w| !w.is_empty()))
        .unwrap_or("/")
        .to_string();
    if !cwd.starts_with('/') {
        return Err(usage(format!(
            "--workdir {cwd}: the working directory must be an absolute path"
        )));
    }
    Ok(cwd)
}

/// `--stop-signal`, else the image's, else SIGTERM.
pub(super) fn stop_signal(flag: Option<i32>, image: Option<&str>) -> anyhow::Result<i32> {
    match flag {
        Some(s) => Ok(s),
        None => Ok(image
            .map(options::parse_signal)
            .transpose()?
            .unwrap_or(libc::SIGTERM)),
    }
}

/// The seccomp profile to put in the spec: none, the default one for
/// these capabilities, or the user's JSON file.
pub(super) fn seccomp_profile(
    choice: &SeccompChoice,
    capabilities: &[String],
) -> anyhow::Result<Option<LinuxSeccomp>> {
    Ok(match choice {
        SeccompChoice::Unconfined => None,
        SeccompChoice::Default => Some(seccomp::default_profile(capabilities)),
        SeccompChoice::Profile(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("--security-opt seccomp={}: {e}", path.display())))?;
            Some(
                seccomp::load_profile_json(&text, capabilities).map_err(|e| {
                    usage(format!("--security-opt seccomp={}: {e:#}", path.display()))
                })?,
            )
        }
    })
}

/// The masked and the read-only paths: the defaults less `unmask=`, plus
/// `mask=`; nothing for `--privileged` or `unmask=ALL`.
pub(super) fn hidden_paths(
    privileged: bool,
    masked: &[String],
    unmasked: &[String],
) -> (Vec<String>, Vec<String>) {
    if privileged || unmasked.iter().any(|u| u == "ALL") {
        return (Vec::new(), Vec::new());
    }
    let defaults = |list: &[&str]| -> Vec<String> {
        list.iter()
            .map(|s| s.to_string())
            .filter(|p| !unmasked.contains(p))
            .collect()
    };
    let mut masked_paths = defaults(spec::MASKED_PATHS);
    masked_paths.extend(masked.iter().cloned());
    (masked_paths, defaults(spec::READONLY_PATHS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitError;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn environment_layers_image_defaults_and_flags() {
        let image_env = strings(&["PATH=/bin", "A=image"]);
        let flags = vec![("A".to_string(), "flag".to_string())];
        let env = environment(&EnvInput {
            image_env: &image_env,
            tty: true,
            hostname: "h",
            home: "/root",
            flags: &flags,
        });
        assert_eq!(
            env,
            strings(&[
                "PATH=/bin",
                "A=flag",
                "TERM=xterm",
                "container=cove",
                "HOSTNAME=h",
                "HOME=/root"
            ])
        );
        let env = environment(&EnvInput {
            image_env: &strings(&["HOME=/img"]),
            tty: false,
            hostname: "h",
            home: "/root",
            flags: &[],
        });
        assert!(env[0].starts_with("HOME=/img"), "{env:?}");
        assert!(env.iter().any(|e| e.starts_with("PATH=/usr/local/sbin:")));
        assert!(!env.iter().any(|e| e.starts_with("TERM=")));
        assert!(!env.iter().any(|e| e == "HOME=/root"));
    }

    #[test]
    fn working_dir_is_absolute() {
        assert_eq!(working_dir(None, None).unwrap(), "/");
        assert_eq!(working_dir(None, Some("")).unwrap(), "/");
        assert_eq!(working_dir(None, Some("/srv")).unwrap(), "/srv");
        assert_eq!(working_dir(Some("/w"), Some("/srv")).unwrap(), "/w");
        let e = working_dir(Some("rel"), None).err().unwrap();
        assert_eq!(e.downcast_ref::<ExitError>().map(|e| e.code), Some(125));
    }

    #[test]
    fn stop_signal_from_flag_image_or_sigterm() {
        assert_eq!(stop_signal(Some(9), Some("SIGINT")).unwrap(), 9);
        assert_eq!(stop_signal(None, Some("SIGINT")).unwrap(), libc::SIGINT);
        assert_eq!(stop_signal(None, None).unwrap(), libc::SIGTERM);
        assert!(stop_signal(None, Some("SIGNOPE")).is_err());
    }

    #[test]
    fn seccomp_profile_per_choice() {
        let caps = strings(&["CAP_CHOWN"]);
        assert!(seccomp_profile(&SeccompChoice::Unconfined, &caps)
            .unwrap()
            .is_none());
        assert!(seccomp_profile(&SeccompChoice::Default, &caps)
            .unwrap()
            .is_some());
        let dir = tempfile::tempdir().unwrap();
        let missing = SeccompChoice::Profile(dir.path().join("none.json"));
        let e = seccomp_profile(&missing, &caps).err().unwrap();
        assert!(format!("{e}").starts_with("--security-opt seccomp="), "{e}");
        let file = dir.path().join("p.json");
        std::fs::write(&file, r#"{"defaultAction":"SCMP_ACT_ALLOW"}"#).unwrap();
        assert!(seccomp_profile(&SeccompChoice::Profile(file), &caps)
            .unwrap()
            .is_some());
    }

    #[test]
    fn hidden_paths_follow_mask_and_unmask() {
        let (masked, readonly) = hidden_paths(false, &[], &[]);
        assert_eq!(masked.len(), spec::MASKED_PATHS.len());
        assert_eq!(readonly.len(), spec::READONLY_PATHS.len());
        let first = spec::MASKED_PATHS[0].to_string();
        let ro = spec::READONLY_PATHS[0].to_string();
        let (masked, readonly) =
            hidden_paths(false, &strings(&["/secret"]), &[first.clone(), ro.clone()]);
        assert!(!masked.contains(&first) && masked.last().unwrap() == "/secret");
        assert!(!readonly.contains(&ro));
        assert_eq!(hidden_paths(true, &strings(&["/s"]), &[]), (vec![], vec![]));
        assert_eq!(
            hidden_paths(false, &strings(&["/s"]), &strings(&["ALL"])),
            (vec![], vec![])
        );
    }
}
