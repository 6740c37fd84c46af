//! Go templates as `--format` takes them, executed on Podman-like data.
#![no_main]

use cove::cli::template::{align_columns, normalize_format, Template};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::sync::OnceLock;

fn data() -> &'static Value {
    static DATA: OnceLock<Value> = OnceLock::new();
    DATA.get_or_init(|| {
        json!({
            "ID": "0123456789ab",
            "Names": ["web", "db"],
            "Image": "docker.io/library/busybox:latest",
            "Created": 1_700_000_000,
            "Size": 1.5e9,
            "Negative": -3,
            "Running": true,
            "Null": null,
            "Labels": {"a": "1", "b": "", "com.example.x": "y"},
            "Mounts": [{"Source": "/a", "Destination": "/b", "RW": false}],
            "Nested": {"Deeper": {"List": [1, 2, [3, {"k": "v"}]]}},
            "Empty": [],
            "EmptyMap": {}
        })
    })
}

fuzz_target!(|data_in: &[u8]| {
    let Ok(text) = std::str::from_utf8(data_in) else {
        return;
    };
    let _ = normalize_format(text);
    if let Ok(template) = Template::parse(text) {
        if let Ok(out) = template.execute(data()) {
            let _ = align_columns(&out);
        }
    }
});
