//! The one list of targets. The CLI's `--target` values (for `compile` and `lint`), the
//! platform whose limits lint applies, and which compile options a target takes all come from
//! here; adding a target is one entry.

use super::cloudformation::{CloudFormation, SplitMode};
use super::knative::Knative;
use super::terraform::Terraform;
use super::{Format, Target};
use crate::diag::{Code, Diagnostic};
use crate::rules::Platform;

/// A compile option that only some targets take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetOption {
    /// `--format`: JSON or YAML serialization of a document output.
    Format,
    /// `--split`: nested stacks when one template would exceed a budget.
    Split,
    /// `--namespace`: the Kubernetes namespace.
    Namespace,
    /// `--registry`: the image registry `handler` functions are built into.
    Registry,
    /// `--aws-region`: the region of the AWS resources an event source reads.
    AwsRegion,
    /// `--mesh`: the service mesh that enforces route auth.
    Mesh,
    /// `--provider`: the major version of the Terraform AWS provider.
    Provider,
}

impl TargetOption {
    /// The command-line flag.
    #[must_use]
    pub fn flag(self) -> &'static str {
        match self {
            TargetOption::Format => "--format",
            TargetOption::Split => "--split",
            TargetOption::Namespace => "--namespace",
            TargetOption::Registry => "--registry",
            TargetOption::AwsRegion => "--aws-region",
            TargetOption::Mesh => "--mesh",
            TargetOption::Provider => "--provider",
        }
    }
}

/// The options given for a compilation; `None` is the target's default. A target refuses an
/// option it does not take rather than ignoring it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    pub format: Option<Format>,
    pub split: Option<SplitMode>,
    pub namespace: Option<String>,
    pub registry: Option<String>,
    pub aws_region: Option<String>,
    pub mesh: Option<super::knative::mesh::Mesh>,
    pub provider: Option<super::terraform::Provider>,
    /// The spec's folder, which code paths are relative to (not an option: where the spec
    /// was read from).
    pub spec_dir: Option<std::path::PathBuf>,
}

impl Settings {
    /// The options that are set.
    fn given(&self) -> impl Iterator<Item = TargetOption> {
        [
            self.format.map(|_| TargetOption::Format),
            self.split.map(|_| TargetOption::Split),
            self.namespace.as_ref().map(|_| TargetOption::Namespace),
            self.registry.as_ref().map(|_| TargetOption::Registry),
            self.aws_region.as_ref().map(|_| TargetOption::AwsRegion),
            self.mesh.map(|_| TargetOption::Mesh),
            self.provider.map(|_| TargetOption::Provider),
        ]
        .into_iter()
        .flatten()
    }
}

/// One target: its name on the command line, what it is, the platform its limits come
/// from, the options it takes, and how to build its backend from them.
pub struct Entry {
    /// The `--target` value, for example `cloudformation`.
    pub name: &'static str,
    /// One line for `--help`.
    pub about: &'static str,
    /// Whose limits lint applies for this target.
    pub platform: Platform,
    /// The options this target takes.
    pub options: &'static [TargetOption],
    make: fn(&Settings) -> Box<dyn Target>,
}

impl Entry {
    /// The backend configured by `settings`.
    ///
    /// # Errors
    /// A usage diagnostic for every option given that this target does not take.
    pub fn backend(&self, settings: &Settings) -> Result<Box<dyn Target>, Vec<Diagnostic>> {
        let refused: Vec<Diagnostic> = settings
            .given()
            .filter(|o| !self.options.contains(o))
            .map(|o| {
                let takers: Vec<&str> = TARGETS
                    .iter()
                    .filter(|t| t.options.contains(&o))
                    .map(|t| t.name)
                    .collect();
                Diagnostic::new(
                    Code::UnsupportedOnTarget,
                    format!("`{}` does not apply to the {} target", o.flag(), self.name),
                )
                .with_help(format!(
                    "`{}` applies to: {}; remove it",
                    o.flag(),
                    takers.join(", ")
                ))
            })
            .collect();
        if refused.is_empty() {
            Ok((self.make)(settings))
        } else {
            Err(refused)
        }
    }
}

/// Every target, in the order `--help` lists them.
pub static TARGETS: [Entry; 3] = [
    Entry {
        name: "cloudformation",
        about: "AWS CloudFormation (one template, or nested stacks)",
        platform: Platform::Aws,
        options: &[TargetOption::Format, TargetOption::Split],
        make: |s| {
            Box::new(CloudFormation {
                split: s.split.unwrap_or_default(),
                format: s.format.unwrap_or_default(),
            })
        },
    },
    Entry {
        name: "terraform",
        about: "Terraform for the hashicorp/aws provider (a folder of .tf files)",
        platform: Platform::Aws,
        options: &[TargetOption::Provider],
        make: |s| {
            Box::new(Terraform {
                provider: s.provider.unwrap_or_default(),
            })
        },
    },
    Entry {
        name: "knative",
        about: "Knative Serving and Eventing manifests for any Kubernetes",
        platform: Platform::Knative,
        options: &[
            TargetOption::Namespace,
            TargetOption::Registry,
            TargetOption::AwsRegion,
            TargetOption::Mesh,
        ],
        make: |s| {
            Box::new(Knative {
                namespace: s.namespace.clone(),
                registry: s.registry.clone(),
                aws_region: s.aws_region.clone(),
                mesh: s.mesh,
                code_root: s.spec_dir.clone(),
            })
        },
    },
];

/// The target named `name`.
#[must_use]
pub fn find(name: &str) -> Option<&'static Entry> {
    TARGETS.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for t in &TARGETS {
            assert!(std::ptr::eq(find(t.name).expect("listed"), t));
        }
        assert!(find("pulumi").is_none());
    }

    #[test]
    fn an_option_a_target_does_not_take_is_refused_with_who_takes_it() {
        let settings = Settings {
            namespace: Some("prod".into()),
            split: Some(SplitMode::Always),
            ..Settings::default()
        };
        let Err(refused) = find("terraform").expect("listed").backend(&settings) else {
            panic!("terraform took --namespace and --split");
        };
        let messages: Vec<String> = refused
            .iter()
            .map(|d| format!("{} ({})", d.message, d.help.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            messages,
            [
                "`--split` does not apply to the terraform target (`--split` applies to: cloudformation; remove it)",
                "`--namespace` does not apply to the terraform target (`--namespace` applies to: knative; remove it)",
            ]
        );
        assert!(find("knative").expect("listed").backend(&settings).is_err());
        let namespace_only = Settings {
            namespace: Some("prod".into()),
            ..Settings::default()
        };
        let backend = find("knative")
            .expect("listed")
            .backend(&namespace_only)
            .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(backend.name(), "Knative");
    }
}
