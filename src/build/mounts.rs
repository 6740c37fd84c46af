//! `RUN --mount=…` and `--secret`: what a RUN step gets mounted besides
//! its root filesystem. A cache mount is a directory kept under
//! `<root>/build-cache/mounts/` (per id) across builds; a bind mount shows
//! a context path read-only; a tmpfs is empty each time; a secret is a
//! file given with `--secret`, mounted read-only and never part of a
//! layer or of the cache key.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sharing {
    Shared,
    Private,
    Locked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mount {
    Cache {
        target: String,
        id: String,
        sharing: Sharing,
    },
    Bind {
        target: String,
        source: String,
    },
    Tmpfs {
        target: String,
    },
    Secret {
        id: String,
        target: String,
        required: bool,
    },
}

/// Where a `--secret` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    File(std::path::PathBuf),
    Env(String),
}

fn flag_bool(value: &str, key: &str) -> Result<bool, String> {
    match value {
        "" | "true" => Ok(true),
        "false" => Ok(false),
        v => Err(format!("{key}={v}: expected true or false")),
    }
}

/// One `--mount` value: `type=cache,target=/x,id=y,sharing=locked`…
pub fn parse(spec: &str) -> Result<Mount, String> {
    let mut kind = "bind".to_string();
    let mut target = None;
    let mut id = None;
    let mut source = None;
    let mut sharing = Sharing::Shared;
    let mut required = false;
    for field in spec.split(',').filter(|f| !f.is_empty()) {
        let (k, v) = field.split_once('=').unwrap_or((field, ""));
        match k {
            "type" => kind = v.to_string(),
            "target" | "dst" | "destination" => target = Some(v.to_string()),
            "id" => id = Some(v.to_string()),
            "source" | "src" => source = Some(v.to_string()),
            "sharing" => {
                sharing = match v {
                    "shared" => Sharing::Shared,
                    "private" => Sharing::Private,
                    "locked" => Sharing::Locked,
                    other => {
                        return Err(format!(
                            "sharing={other}: expected shared, private or locked"
                        ))
                    }
                }
            }
            "required" => required = flag_bool(v, k)?,
            "ro" | "readonly" => {
                flag_bool(v, k)?;
            }
            "rw" | "readwrite" if kind == "cache" => {}
            "mode" | "uid" | "gid" | "size" => {}
            "from" => return Err("from= is not supported yet".into()),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    let absolute = |t: &str| -> Result<String, String> {
        match t.starts_with('/') {
            true => Ok(super::ignore::clean(t)),
            false => Err(format!("target {t:?} must be an absolute path")),
        }
    };
    match kind.as_str() {
        "cache" => {
            let target = absolute(&target.ok_or("a cache mount needs target=")?)?;
            Ok(Mount::Cache {
                id: id.unwrap_or_else(|| target.clone()),
                target,
                sharing,
            })
        }
        "bind" => Ok(Mount::Bind {
            target: absolute(&target.ok_or("a bind mount needs target=")?)?,
            source: source.unwrap_or_else(|| ".".into()),
        }),
        "tmpfs" => Ok(Mount::Tmpfs {
            target: absolute(&target.ok_or("a tmpfs mount needs target=")?)?,
        }),
        "secret" => {
            let id = match (id, &target) {
                (Some(id), _) => id,
                (None, Some(t)) => t.rsplit('/').next().unwrap_or(t).to_string(),
                (None, None) => return Err("a secret mount needs id= or target=".into()),
            };
            let target = match target {
                Some(t) => absolute(&t)?,
                None => format!("/run/secrets/{id}"),
            };
            Ok(Mount::Secret {
                id,
                target,
                required,
            })
        }
        "ssh" => Err("type=ssh is not supported yet".into()),
        other => Err(format!("unknown mount type {other:?}")),
    }
}

/// `--secret id=ID,src=PATH` or `id=ID,env=VAR` (`type=file|env` too).
pub fn parse_secret(spec: &str) -> Result<(String, SecretSource), String> {
    let mut id = None;
    let mut src = None;
    let mut env = None;
    let mut kind = None;
    for field in spec.split(',') {
        let (k, v) = field
            .split_once('=')
            .ok_or_else(|| format!("--secret {spec:?}: expected KEY=VALUE fields"))?;
        match k {
            "id" => id = Some(v.to_string()),
            "src" | "source" => src = Some(v.to_string()),
            "env" => env = Some(v.to_string()),
            "type" => kind = Some(v.to_string()),
            other => return Err(format!("--secret {spec:?}: unknown field {other:?}")),
        }
    }
    let id = id.ok_or_else(|| format!("--secret {spec:?}: id= is required"))?;
    let source = match (kind.as_deref(), src, env) {
        (Some("env"), Some(v), None) | (_, None, Some(v)) => SecretSource::Env(v),
        (Some("file") | None, Some(p), None) => SecretSource::File(p.into()),
        (None, None, None) => SecretSource::Env(id.clone()),
        _ => return Err(format!("--secret {spec:?}: give one of src= or env=")),
    };
    Ok((id, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_table() {
        let cache = |t: &str, id: &str, sharing| Mount::Cache {
            target: t.into(),
            id: id.into(),
            sharing,
        };
        let table: &[(&str, Result<Mount, ()>)] = &[
            (
                "type=cache,target=/root/.cache",
                Ok(cache("/root/.cache", "/root/.cache", Sharing::Shared)),
            ),
            (
                "type=cache,dst=/c/,id=x,sharing=locked",
                Ok(cache("/c", "x", Sharing::Locked)),
            ),
            (
                "target=/src",
                Ok(Mount::Bind {
                    target: "/src".into(),
                    source: ".".into(),
                }),
            ),
            (
                "type=bind,source=a/b,target=/x,ro",
                Ok(Mount::Bind {
                    target: "/x".into(),
                    source: "a/b".into(),
                }),
            ),
            (
                "type=tmpfs,target=/tmp",
                Ok(Mount::Tmpfs {
                    target: "/tmp".into(),
                }),
            ),
            (
                "type=secret,id=tok",
                Ok(Mount::Secret {
                    id: "tok".into(),
                    target: "/run/secrets/tok".into(),
                    required: false,
                }),
            ),
            (
                "type=secret,target=/etc/key,required",
                Ok(Mount::Secret {
                    id: "key".into(),
                    target: "/etc/key".into(),
                    required: true,
                }),
            ),
            ("type=cache", Err(())),
            ("type=cache,target=rel", Err(())),
            ("type=cache,target=/a,sharing=odd", Err(())),
            ("type=nope,target=/a", Err(())),
            ("type=bind,target=/a,from=stage", Err(())),
            ("type=ssh", Err(())),
            ("type=tmpfs,target=/a,bogus=1", Err(())),
        ];
        for (spec, want) in table {
            match (parse(spec), want) {
                (Ok(got), Ok(want)) => assert_eq!(&got, want, "{spec}"),
                (Err(_), Err(())) => {}
                (got, _) => panic!("{spec}: {got:?}"),
            }
        }
    }

    #[test]
    fn secret_table() {
        let table: &[(&str, Option<(&str, SecretSource)>)] = &[
            ("id=a,src=/p", Some(("a", SecretSource::File("/p".into())))),
            (
                "id=a,type=file,source=/p",
                Some(("a", SecretSource::File("/p".into()))),
            ),
            (
                "id=a,env=TOKEN",
                Some(("a", SecretSource::Env("TOKEN".into()))),
            ),
            (
                "id=a,type=env,src=TOKEN",
                Some(("a", SecretSource::Env("TOKEN".into()))),
            ),
            (
                "id=TOKEN",
                Some(("TOKEN", SecretSource::Env("TOKEN".into()))),
            ),
            ("src=/p", None),
            ("id=a,src=/p,env=X", None),
            ("id=a,what=1", None),
            ("justtext", None),
        ];
        for (spec, want) in table {
            let got = parse_secret(spec).ok();
            let want = want.as_ref().map(|(i, s)| (i.to_string(), s.clone()));
            assert_eq!(got, want, "{spec}");
        }
    }
}
