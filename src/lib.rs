//! updraft: compile one YAML spec of a serverless app into CloudFormation, Terraform or
//! Knative, with a least-privilege role per function and lint. See ARCHITECTURE.md.
//!
//! The pipeline, one module per stage: [`syntax`] (text to spanned YAML) → [`spec`] (the
//! public format) → [`model`] (checked, defaults and stage applied) → `graph` → `access` →
//! `rules` → `targets` → `emit`. Only the CLI touches the file system.

pub mod access;
pub mod cli;
pub mod diag;
pub mod emit;
pub mod graph;
pub mod model;
pub mod package;
pub mod rules;
pub mod schema;
pub mod source;
pub mod spec;
pub mod syntax;
pub mod targets;

use diag::Diagnostic;
use source::SourceFile;

/// What shapes a compilation besides the spec itself.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The stage to apply (`--stage`).
    pub stage: Option<String>,
    /// Input limits (size, nodes, depth, aliases).
    pub limits: syntax::Limits,
}

/// Reads, checks and models a spec.
///
/// # Errors
/// Every problem found, sorted by position.
pub fn load(file: &SourceFile, options: &Options) -> Result<model::Model, Vec<Diagnostic>> {
    let node = syntax::parse(file, options.limits).map_err(|d| vec![d])?;
    let (spec, mut diagnostics) = spec::read(&node);
    let Some(spec) = spec else {
        return Err(sorted(diagnostics));
    };
    let model_options = model::Options {
        stage: options.stage.clone(),
    };
    match model::build(&spec, &model_options) {
        Ok(model) if diagnostics.is_empty() => Ok(model),
        Ok(_) => Err(sorted(diagnostics)),
        Err(more) => {
            diagnostics.extend(more);
            Err(sorted(diagnostics))
        }
    }
}

fn sorted(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diag::sort(&mut diagnostics);
    diagnostics
}
