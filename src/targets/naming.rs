//! Names every target derives from spec names: logical ids, the ids of a function's event
//! resources, bounded names and the one hash they use. Physical names and ARN shapes are in
//! [`super::aws`]; this module only turns names into other names.

/// FNV-1a (32 bits) of some bytes: stable across runs, machines and versions.
#[must_use]
pub fn fnv32(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// FNV-1a (64 bits) of some bytes.
#[must_use]
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A short, stable hash of a text (8 hex digits), for ids that must change with content.
#[must_use]
pub fn content_hash(text: &str) -> String {
    format!("{:08x}", fnv64(text.as_bytes()) >> 32)
}

/// A name of at most `max` characters (at least 9): a long one keeps a readable start and a
/// hash of the whole. Names are ASCII, so byte indexes are character boundaries.
#[must_use]
pub fn bounded_name(name: String, max: usize) -> String {
    if name.len() <= max {
        return name;
    }
    format!("{}-{:08x}", &name[..max - 9], fnv32(name.as_bytes()))
}

/// A logical id from a spec name: `make-thumbnail` + `Function` → `MakeThumbnailFunction`.
#[must_use]
pub fn logical_id(name: &str, suffix: &str) -> String {
    let mut out = String::new();
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out.push_str(suffix);
    out
}

/// The id of a resource of a function's `index`-th event (0-based): `<Function>Event<n><what>`.
#[must_use]
pub fn event_id(function: &str, index: usize, what: &str) -> String {
    logical_id(function, &format!("Event{}{what}", index + 1))
}

/// The logical id of the Lambda permission of a function's `index`-th event (0-based).
#[must_use]
pub fn permission_id(function: &str, index: usize) -> String {
    event_id(function, index, "Permission")
}

/// The logical id of a gateway's JWT authorizer for an auth.
#[must_use]
pub fn authorizer_id(gateway: &str, auth: &str) -> String {
    logical_id(gateway, "") + &logical_id(auth, "Authorizer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids_are_pascal_case() {
        assert_eq!(
            logical_id("make-thumbnail", "Function"),
            "MakeThumbnailFunction"
        );
        assert_eq!(logical_id("api", "HttpApi"), "ApiHttpApi");
        assert_eq!(permission_id("api", 0), "ApiEvent1Permission");
    }

    #[test]
    fn hashes_are_fnv1a() {
        assert_eq!(fnv32(b""), 0x811c_9dc5);
        assert_eq!(fnv32(b"a"), 0xe40c_292c);
        assert_eq!(fnv64(b"a"), 0xaf63_dc4c_8601_ec8c);
        let long = "x".repeat(80);
        assert_eq!(bounded_name(long, 64).len(), 64);
    }
}
