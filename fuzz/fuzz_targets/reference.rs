//! Image references as users and registries.conf write them.
#![no_main]

use cove::image::reference::{local_name, parse_name, Reference};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = parse_name(text) {
        let search = ["quay.io".to_string(), "localhost:5000".to_string()];
        assert!(!parsed.candidates(&search).is_empty());
    }
    let _ = local_name(text);
    if let Ok(reference) = Reference::parse(text) {
        // What cove prints (and stores) must read back as the same image.
        let printed = reference.to_string();
        let again = Reference::parse(&printed)
            .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which fails: {e}"));
        assert_eq!(again, reference, "{text:?} printed as {printed:?}");
        let _ = reference.with_default_tag().name();
    }
});
