//! Names that must be unique across every AWS account: S3 bucket names.
//!
//! One decision, in one place: a globally named resource is called
//! `<app>[-<stage>]-<name>-<account>-<region>`, so two stages of one app, two apps that
//! declare the same bucket, and one app deployed to two regions or two accounts never
//! collide, and the name stays the same on every deploy. The account and region are filled
//! in by the engine (`${AWS::AccountId}`, `data.aws_caller_identity.current.account_id`).
//! S3 allows 63 characters; when `<app>[-<stage>]-<name>` is longer than [`MAX_BASE`], it is
//! cut and ends in 8 hex digits of a hash of the whole, so long names stay distinct and
//! stable. Every part is already lowercase letters, digits and single hyphens (the model
//! checks names), which is what S3 asks for.
//!
//! Other AWS names in the output are unique per account and region already (functions,
//! tables, queues, topics, log groups: all carry the app and stage), or are chosen by the
//! engine (IAM roles: generated names or `name_prefix`), so they need no suffix.

use super::aws::{ArnPart, prefix};
use crate::model::Model;

/// S3's limit on a bucket name.
pub const BUCKET_MAX: usize = 63;

/// The longest region code the suffix must make room for (`us-isof-south-1` is 15).
const REGION_MAX: usize = 16;

/// An account id is always 12 digits.
const ACCOUNT_LEN: usize = 12;

/// The room left for `<app>[-<stage>]-<name>` before `-<account>-<region>`.
pub const MAX_BASE: usize = BUCKET_MAX - ACCOUNT_LEN - REGION_MAX - 2;

/// The name of bucket `name`, in parts: text, then the account and region.
#[must_use]
pub fn bucket(model: &Model, name: &str) -> Vec<ArnPart> {
    vec![
        ArnPart::Lit(format!(
            "{}-",
            shorten(&format!("{}-{name}", prefix(model)))
        )),
        ArnPart::Account,
        ArnPart::Lit("-".into()),
        ArnPart::Region,
    ]
}

/// `base` itself when it fits in [`MAX_BASE`], else its start and a hash of the whole.
fn shorten(base: &str) -> String {
    if base.len() <= MAX_BASE {
        return base.to_string();
    }
    // FNV-1a, 32 bits: stable across platforms and releases, unlike `std`'s hasher.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in base.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    let keep = base[..MAX_BASE - 9].trim_end_matches('-');
    format!("{keep}-{hash:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept_and_long_ones_cut_with_a_hash() {
        assert_eq!(MAX_BASE, 33);
        assert_eq!(shorten("photo-share-photos"), "photo-share-photos");
        let long = "a-very-long-application-name-prod-uploaded-originals";
        let cut = shorten(long);
        assert!(cut.len() <= MAX_BASE);
        assert!(cut.starts_with("a-very-long-application"));
        assert_ne!(cut, shorten(&format!("{long}x")));
        assert_eq!(cut, shorten(long));
        // The longest possible name still fits S3's limit.
        let full = format!("{cut}-123456789012-us-isof-south-1");
        assert!(full.len() <= BUCKET_MAX, "{full}");
    }

    /// Two stages of one app and two apps with the same bucket get different names; the
    /// same app and stage gets the same name every time.
    #[test]
    fn stages_and_apps_side_by_side() {
        let name = |app: &str, stage: Option<&str>| {
            let text = format!(
                "app: {app}\nstages: {{ dev: {{}}, prod: {{}} }}\nbuckets: {{ photos: {{}} }}\n"
            );
            let file = crate::source::SourceFile::new("u.yaml", text);
            let options = crate::Options {
                stage: stage.map(String::from),
                ..crate::Options::default()
            };
            let model = crate::load(&file, &options).expect("valid");
            bucket(&model, "photos")
                .into_iter()
                .map(|p| p.text("aws", "eu-west-1", "123456789012"))
                .collect::<String>()
        };
        assert_eq!(name("shop", None), "shop-photos-123456789012-eu-west-1");
        assert_eq!(
            name("shop", Some("dev")),
            "shop-dev-photos-123456789012-eu-west-1"
        );
        assert_ne!(name("shop", Some("dev")), name("shop", Some("prod")));
        assert_ne!(name("shop", None), name("blog", None));
        assert_eq!(name("shop", Some("prod")), name("shop", Some("prod")));
    }
}
