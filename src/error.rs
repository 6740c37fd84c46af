//! Errors that carry the exit code Podman and Docker users script against.
//!
//! 125 is a cove error, 126 a command that cannot be invoked, 127 a command
//! not found; some commands use 1 and 2 as Podman does (`image exists`,
//! `rmi` of an image in use). Anything not wrapped in [`ExitError`] exits 125.

use std::fmt;

/// Exit code for an error in cove itself.
pub const EXIT_COVE: i32 = 125;
/// Exit code when the container command exists but cannot be invoked.
pub const EXIT_CANNOT_INVOKE: i32 = 126;
/// Exit code when the container command is not found.
pub const EXIT_NOT_FOUND: i32 = 127;

/// An error with an explicit exit code; its message is printed as is.
#[derive(Debug)]
pub struct ExitError {
    pub code: i32,
    pub message: String,
}

impl fmt::Display for ExitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExitError {}

/// Build an error that exits with `code`.
pub fn exit_error(code: i32, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(ExitError {
        code,
        message: message.into(),
    })
}

/// A silent exit with `code` (the command already said what it had to say,
/// or the code is the answer, as in `image exists`).
pub fn silent_exit(code: i32) -> anyhow::Error {
    exit_error(code, "")
}

/// The exit code an error maps to.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    err.chain()
        .find_map(|e| e.downcast_ref::<ExitError>())
        .map(|e| e.code)
        .unwrap_or(EXIT_COVE)
}

/// One line for the user: the outermost context first, then the causes,
/// joined with ": " as Podman prints them.
pub fn describe(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.is_empty() {
            continue;
        }
        // Skip a cause whose text is already contained in the previous one
        // (libraries often repeat their source in their own message).
        if parts.last().is_some_and(|p| p.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn plain_errors_exit_125() {
        let e = anyhow::anyhow!("boom");
        assert_eq!(exit_code(&e), 125);
    }

    #[test]
    fn exit_error_code_survives_context() {
        let e = Err::<(), _>(exit_error(2, "in use"))
            .context("removing image")
            .unwrap_err();
        assert_eq!(exit_code(&e), 2);
        assert_eq!(describe(&e), "removing image: in use");
    }

    #[test]
    fn describe_drops_repeated_causes() {
        let inner = std::io::Error::other("disk full");
        let e = anyhow::Error::new(inner).context("writing blob: disk full");
        assert_eq!(describe(&e), "writing blob: disk full");
    }
}
