//! A function's Lambda `layers`: layer version ARNs, at most five, one version per layer,
//! zip functions only.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::limits;
use crate::model::Setting;
use crate::spec;
use crate::spec::read::Spanned;

/// The layer of a layer version ARN (the ARN without its version), or `None` when the text is
/// not `arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION`.
pub(crate) fn layer_of(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.split(':').collect();
    let [
        "arn",
        partition,
        "lambda",
        region,
        account,
        "layer",
        name,
        version,
    ] = parts.as_slice()
    else {
        return None;
    };
    let partition_ok = matches!(*partition, "aws" | "aws-cn" | "aws-us-gov");
    let region_ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let account_ok = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
    let name_ok = (1..=140).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let version_ok = !version.is_empty()
        && version.chars().all(|c| c.is_ascii_digit())
        && !version.starts_with('0');
    (partition_ok && region_ok && account_ok && name_ok && version_ok)
        .then(|| &arn[..arn.len() - version.len() - 1])
}

impl Checker {
    pub(super) fn function_layers(
        &mut self,
        name: &Spanned<String>,
        f: &spec::Function,
    ) -> Vec<Setting<String>> {
        if let (Some(image), Some(first)) = (&f.image, f.layers.first()) {
            self.error(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    format!(
                        "function `{}` is a container image and cannot have layers",
                        name.value
                    ),
                )
                .with_label(first.span, "a layer")
                .with_label(image.span, "`image` here")
                .with_help("build the layer's files into the image, or deploy the function from `handler` code"),
            );
            return Vec::new();
        }
        let most = limits::LAMBDA_LAYERS;
        if let Some(extra) = f.layers.get(most) {
            self.error(
                Diagnostic::new(
                    Code::OutOfRange,
                    format!(
                        "function `{}` has {} layers; Lambda takes at most {most}",
                        name.value,
                        f.layers.len()
                    ),
                )
                .with_label(extra.span, format!("layer {} of at most {most}", most + 1))
                .with_help("merge layers, or build what they hold into the function's code"),
            );
        }
        let mut out: Vec<Setting<String>> = Vec::new();
        for layer in &f.layers {
            let Some(of) = layer_of(&layer.value) else {
                self.error(
                    Diagnostic::new(
                        Code::InvalidValue,
                        format!("`{}` is not a layer version ARN", layer.value.escape_debug()),
                    )
                    .with_label(layer.span, "expected arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION")
                    .with_help("copy the layer version's ARN, version number included, for example `arn:aws:lambda:eu-west-1:123456789012:layer:shared-libs:3`"),
                );
                continue;
            };
            if let Some(first) = out.iter().find(|l| layer_of(&l.value) == Some(of)) {
                self.error(
                    Diagnostic::new(Code::InvalidValue, format!("layer `{of}` is given twice"))
                        .with_label(layer.span, "the same layer again")
                        .with_label(first.span, "first given here")
                        .with_help("a function takes one version of each layer: keep one"),
                );
                continue;
            }
            out.push(Setting::new(layer.value.clone(), layer.span));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::layer_of;

    #[test]
    fn layer_version_arns_are_recognised() {
        let arn = "arn:aws:lambda:eu-west-1:123456789012:layer:shared-libs:3";
        assert_eq!(
            layer_of(arn),
            Some("arn:aws:lambda:eu-west-1:123456789012:layer:shared-libs")
        );
        assert!(layer_of("arn:aws-cn:lambda:cn-north-1:123456789012:layer:x_y:12").is_some());
        for bad in [
            "arn:aws:lambda:eu-west-1:123456789012:layer:shared-libs",
            "arn:aws:lambda:eu-west-1:123456789012:layer:shared-libs:0",
            "arn:aws:lambda:eu-west-1:123456789012:layer:shared-libs:latest",
            "arn:aws:lambda:eu-west-1:12345678901:layer:shared-libs:3",
            "arn:aws:lambda:eu-west-1:123456789012:function:shared-libs:3",
            "arn:aws:s3:eu-west-1:123456789012:layer:shared-libs:3",
            "arn:aws:lambda:eu-west-1:123456789012:layer:shared.libs:3",
            "shared-libs:3",
        ] {
            assert_eq!(layer_of(bad), None, "{bad}");
        }
    }
}
