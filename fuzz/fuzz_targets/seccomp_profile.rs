//! Seccomp profiles (`--security-opt seccomp=FILE`), parsed and compiled to BPF.
#![no_main]

use cove::runtime::seccomp::{compile, filter_flags, load_profile_json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let caps = ["CAP_CHOWN".to_string(), "CAP_SYS_ADMIN".to_string()];
    if let Ok(profile) = load_profile_json(text, &caps) {
        let _ = filter_flags(&profile);
        if let Ok(program) = compile(&profile) {
            assert!(!program.is_empty());
        }
    }
});
