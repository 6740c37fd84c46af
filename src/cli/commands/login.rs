//! `cove login` verifies credentials against the registry before storing
//! them in the auth file Podman and Docker read; `cove logout` removes them.

use crate::cli::{LoginArgs, LogoutArgs};
use crate::context::Ctx;
use crate::error::exit_error;
use crate::image::registry::auth::{self, Credentials};
use crate::image::registry::is_loopback;
use anyhow::Context;
use std::io::{BufRead, IsTerminal, Write};

/// The key credentials are stored under: the registry host, as Podman.
fn registry_key(input: &str) -> String {
    let s = input
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("docker://");
    let host = s.split('/').next().unwrap_or(s);
    match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".into(),
        h => h.to_string(),
    }
}

pub fn login(ctx: &Ctx, args: &LoginArgs) -> anyhow::Result<i32> {
    let _ = ctx;
    let key = registry_key(&args.registry);
    let authfile = args
        .authfile
        .clone()
        .unwrap_or_else(auth::default_auth_file);
    if args.get_login {
        return match auth::lookup(&key, "", Some(&authfile))? {
            Some(c) => {
                println!("{}", c.username);
                Ok(0)
            }
            None => Err(exit_error(125, format!("not logged into {key}"))),
        };
    }
    let username = match &args.username {
        Some(u) => u.clone(),
        None => prompt("Username: ")?,
    };
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        line.trim_end_matches(['\n', '\r']).to_string()
    } else if let Some(p) = &args.password {
        p.clone()
    } else {
        prompt_hidden("Password: ")?
    };
    if username.is_empty() || password.is_empty() {
        anyhow::bail!("login needs a username and a password");
    }
    let relaxed = match args.tls_verify {
        Some(v) => !v,
        None => {
            crate::image::registry::conf::RegistriesConf::load()?.is_insecure(&key)
                || is_loopback(&key)
        }
    };
    verify(&key, &username, &password, relaxed)?;
    auth::store(&authfile, &key, &Credentials { username, password })?;
    println!("Login Succeeded!");
    Ok(0)
}

pub fn logout(args: &LogoutArgs) -> anyhow::Result<i32> {
    let authfile = args
        .authfile
        .clone()
        .unwrap_or_else(auth::default_auth_file);
    if args.all {
        auth::remove_all(&authfile)?;
        println!("Removed login credentials for all registries");
        return Ok(0);
    }
    let key = registry_key(args.registry.as_deref().unwrap_or_default());
    if auth::remove(&authfile, &key)? {
        println!("Removed login credentials for {key}");
        Ok(0)
    } else {
        Err(exit_error(125, format!("not logged into {key}")))
    }
}

fn prompt(label: &str) -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("no terminal to ask for credentials; use --username and --password-stdin");
    }
    eprint!("{label}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn prompt_hidden(label: &str) -> anyhow::Result<String> {
    use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg};
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("no terminal to ask for the password; use --password-stdin");
    }
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin)?;
    let mut quiet = saved.clone();
    quiet.local_flags.remove(LocalFlags::ECHO);
    tcsetattr(&stdin, SetArg::TCSANOW, &quiet)?;
    let result = prompt(label);
    let _ = tcsetattr(&stdin, SetArg::TCSANOW, &saved);
    eprintln!();
    result
}

/// Check credentials as Podman does: GET /v2/ with them; when the
/// registry answers with a bearer challenge, ask its token service.
fn verify(registry: &str, username: &str, password: &str, relaxed: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        // Relaxed TLS: HTTPS without certificate checks if the registry
        // speaks it, plain HTTP otherwise.
        let plain_http = relaxed && !crate::image::registry::speaks_https(registry).await;
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(relaxed)
            .connect_timeout(std::time::Duration::from_secs(30))
            .user_agent(concat!("cove/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let host = if registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            registry
        };
        let scheme = if plain_http { "http" } else { "https" };
        let url = format!("{scheme}://{host}/v2/");
        let unreachable = |e: reqwest::Error| {
            anyhow::anyhow!(
                "cannot reach registry {registry}: {e}; is it running, and does it speak {}?",
                if plain_http {
                    "plain HTTP"
                } else {
                    "HTTPS (use --tls-verify=false for plain HTTP)"
                }
            )
        };
        let resp = client
            .get(&url)
            .basic_auth(username, Some(password))
            .send()
            .await
            .map_err(unreachable)?;
        if resp.status().is_success() {
            return Ok(());
        }
        let challenge = resp
            .headers()
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_string();
        if resp.status() == 401 && challenge.to_ascii_lowercase().starts_with("bearer") {
            let params = parse_challenge(&challenge);
            let realm = params
                .iter()
                .find(|(k, _)| k == "realm")
                .map(|(_, v)| v.clone())
                .ok_or_else(|| anyhow::anyhow!("{registry}: bearer challenge without a realm"))?;
            let mut req = client.get(&realm).basic_auth(username, Some(password));
            if let Some((_, service)) = params.iter().find(|(k, _)| k == "service") {
                req = req.query(&[("service", service)]);
            }
            let token = req.send().await.map_err(unreachable)?;
            if token.status().is_success() {
                return Ok(());
            }
        }
        let status = resp.status();
        let message = match status.as_u16() {
            401 | 403 => format!("logging into {registry}: invalid username or password"),
            404 => format!(
                "logging into {registry}: {url} was not found; is this a container registry?"
            ),
            _ => {
                format!("logging into {registry}: the registry answered {status}; try again later")
            }
        };
        Err(exit_error(125, message))
    })
}

/// `Bearer realm="…",service="…"` into key/value pairs.
fn parse_challenge(header: &str) -> Vec<(String, String)> {
    let rest = header.split_once(' ').map(|(_, r)| r).unwrap_or("");
    let mut out = Vec::new();
    for part in rest.split(',') {
        if let Some((k, v)) = part.trim().split_once('=') {
            out.push((
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_string(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hosts() {
        assert_eq!(registry_key("https://quay.io/v1/"), "quay.io");
        assert_eq!(registry_key("localhost:5000"), "localhost:5000");
        assert_eq!(registry_key("index.docker.io"), "docker.io");
    }

    #[test]
    fn parses_bearer_challenge() {
        let p = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example""#,
        );
        assert_eq!(p[0], ("realm".into(), "https://auth.example/token".into()));
        assert_eq!(p[1], ("service".into(), "registry.example".into()));
    }
}
