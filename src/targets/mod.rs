//! Target backends. Each lowers the model (with the derived policies, never re-derived) to
//! its own output model, which `emit` turns into bytes. The AWS backends (CloudFormation,
//! Terraform) render one [`plan::Plan`], where every AWS decision is made once. A construct a
//! target cannot express is a diagnostic naming the target, never silently dropped.

pub mod aws;
pub mod cloudformation;
pub mod global_name;
pub mod knative;
pub mod name_limits;
pub mod naming;
pub mod params;
pub mod plan;
pub mod registry;
pub mod terraform;

use std::path::PathBuf;

use crate::access::aws::Policy;
use crate::diag::Diagnostic;
use crate::model::Model;

/// What every backend reads: the model and the policies derived from it (never re-derived).
/// A target's own options live on the target (see [`registry`]).
pub struct Input<'a> {
    pub model: &'a Model,
    pub policies: &'a [Policy],
}

/// The serialization of document targets that offer a choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Json,
    Yaml,
}

/// One output file, with its path relative to `--out`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// A compilation's result: the files, and a short human summary of what they hold.
#[derive(Clone, Debug, Default)]
pub struct Output {
    pub artifacts: Vec<Artifact>,
    pub summary: Vec<String>,
    /// Findings that do not stop the compilation (warnings).
    pub diagnostics: Vec<Diagnostic>,
}

/// A compilation target.
pub trait Target {
    /// The name used in messages, for example `CloudFormation`.
    fn name(&self) -> &'static str;

    /// Lowers the app to output files.
    ///
    /// # Errors
    /// Every construct the target cannot express, and every budget it would exceed.
    fn compile(&self, input: &Input<'_>) -> Result<Output, Vec<Diagnostic>>;
}
