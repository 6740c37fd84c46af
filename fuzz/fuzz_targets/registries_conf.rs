//! registries.conf (v2 TOML, and v1 tables) and the lookups made on it.
#![no_main]

use cove::image::reference::Reference;
use cove::image::registry::conf::RegistriesConf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(conf) = RegistriesConf::parse_str(text, "fuzz.conf") else {
        return;
    };
    for name in ["docker.io/library/busybox", "quay.io/a/b", "localhost:5000/x", "example.com"] {
        let _ = conf.find(name);
        let _ = conf.is_blocked(name);
        let _ = conf.is_insecure(name);
    }
    for image in ["busybox:1.36", "quay.io/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"] {
        let reference = Reference::parse(image).expect("a valid reference");
        let _ = conf.pull_sources(&reference);
    }
});
