//! Merging canonical services: a later `-f` file over an earlier one, and
//! a service over the one it `extends`, by the Compose Specification's
//! rules: scalars and commands are replaced, maps merge key by key,
//! volumes merge by target, other lists append without duplicates.

use yaml_serde::{Mapping, Value};

/// Lists that are replaced whole rather than appended to.
const REPLACED: &[&str] = &["command", "entrypoint", "test"];

/// `over` merged onto `base`.
pub fn service(base: &Mapping, over: &Mapping) -> Mapping {
    let mut out = base.clone();
    for (k, v) in over {
        let name = k.as_str().unwrap_or_default();
        let merged = match out.get(k) {
            Some(old) => value(name, old, v),
            None => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    out
}

fn value(key: &str, base: &Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => Value::Mapping(service(b, o)),
        (Value::Sequence(b), Value::Sequence(o)) if !REPLACED.contains(&key) => {
            let mut out = b.clone();
            for item in o {
                if key == "volumes" {
                    let target = item.get("target");
                    if let Some(slot) = out.iter_mut().find(|i| i.get("target") == target) {
                        *slot = item.clone();
                        continue;
                    }
                }
                if !out.contains(item) {
                    out.push(item.clone());
                }
            }
            Value::Sequence(out)
        }
        _ => over.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(yaml: &str) -> Mapping {
        yaml_serde::from_str(yaml).unwrap()
    }

    #[test]
    fn the_spec_rules() {
        let base = m("image: a\ncommand: [x, y]\nenvironment: {A: '1', B: '2'}\nports: ['80']\nvolumes: [{type: volume, source: d, target: /data}]\nhealthcheck: {test: [CMD, a], retries: 3}\n");
        let over = m("image: b\ncommand: [z]\nenvironment: {B: '3'}\nports: ['80', '81']\nvolumes: [{type: bind, source: ./x, target: /data}, {type: volume, target: /other}]\nhealthcheck: {test: [CMD, b]}\n");
        let got = service(&base, &over);
        let want = m("image: b\ncommand: [z]\nenvironment: {A: '1', B: '3'}\nports: ['80', '81']\nvolumes: [{type: bind, source: ./x, target: /data}, {type: volume, target: /other}]\nhealthcheck: {test: [CMD, b], retries: 3}\n");
        assert_eq!(got, want);
    }
}
