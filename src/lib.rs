//! updraft: compile one YAML spec of a serverless app into CloudFormation, Terraform or
//! Knative, with a least-privilege role per function and lint. See ARCHITECTURE.md.
//!
//! The pipeline, one module per stage: [`syntax`] (text to spanned YAML) → [`spec`] (the
//! public format) → [`model`] (checked, defaults and stage applied) → `graph` → `access` →
//! `rules` → `targets` → `emit`. [`Compilation`] is the one entry point that runs it: the
//! CLI, the tests and the benches all go through it. Only the CLI touches the file system.

#![forbid(unsafe_code)]

pub mod access;
pub mod cli;
pub mod cost;
pub mod diag;
pub mod emit;
pub mod graph;
pub mod limits;
pub mod lsp;
pub mod model;
pub mod package;
pub mod rules;
pub mod schema;
pub mod source;
pub mod spec;
pub mod syntax;
pub mod targets;

use std::cell::OnceCell;

use access::aws::Policy;
use diag::Diagnostic;
use graph::Graph;
use model::Model;
use rules::Platform;
use source::SourceFile;
use targets::{Input, Output, Target};

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
        misspelt: model::misspelt_sections(&node),
    };
    match model::build(&spec, &model_options) {
        Ok(model) if diagnostics.is_empty() => {
            // Every composed AWS name within its service's limit.
            let stage = (options.stage.as_ref()).and_then(|s| {
                (spec.stages.entries.iter())
                    .find(|(name, _)| name.value == *s)
                    .map(|(name, _)| name.span)
            });
            let names = targets::name_limits::check(&model, spec.app.span, stage);
            if names.is_empty() {
                Ok(model)
            } else {
                Err(sorted(names))
            }
        }
        Ok(_) => Err(sorted(diagnostics)),
        Err(more) => {
            diagnostics.extend(more);
            Err(sorted(diagnostics))
        }
    }
}

/// One spec through the pipeline: the checked model, and on demand its graph and derived
/// policies (each built at most once), from which lint and every target read.
pub struct Compilation {
    model: Model,
    graph: OnceCell<Graph>,
    policies: OnceCell<Vec<Policy>>,
}

impl Compilation {
    /// Reads, checks and models a spec.
    ///
    /// # Errors
    /// Every problem found in the spec, sorted by position.
    pub fn new(file: &SourceFile, options: &Options) -> Result<Self, Vec<Diagnostic>> {
        load(file, options).map(Self::from_model)
    }

    /// A compilation of a model already built.
    #[must_use]
    pub fn from_model(model: Model) -> Self {
        Compilation {
            model,
            graph: OnceCell::new(),
            policies: OnceCell::new(),
        }
    }

    #[must_use]
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Packages each handler function's code and records the packages in the model
    /// ([`package::attach_beside`]); the graph and the policies do not depend on them.
    ///
    /// # Errors
    /// A located diagnostic for every missing code folder or handler file.
    pub fn package(
        &mut self,
        spec: &std::path::Path,
        out: Option<&std::path::Path>,
    ) -> Result<Vec<package::Package>, Vec<Diagnostic>> {
        package::attach_beside(&mut self.model, spec, out)
    }

    /// The app graph (built on first use).
    pub fn graph(&self) -> &Graph {
        self.graph.get_or_init(|| Graph::build(&self.model))
    }

    /// One least-privilege policy per function (derived on first use).
    pub fn policies(&self) -> &[Policy] {
        self.policies
            .get_or_init(|| access::aws_policies(&self.model))
    }

    /// Lints the app for a platform's limits.
    #[must_use]
    pub fn lint(&self, platform: Platform) -> rules::Report {
        rules::run(&rules::Context {
            model: &self.model,
            graph: self.graph(),
            policies: self.policies(),
            platform,
        })
    }

    /// Lowers the app with a target's backend.
    ///
    /// # Errors
    /// Every construct the target cannot express, and every budget it would exceed.
    pub fn compile(&self, target: &dyn Target) -> Result<Output, Vec<Diagnostic>> {
        target.compile(&self.input())
    }

    /// What a backend reads, for timing one backend's stages on their own (benches).
    pub fn input(&self) -> Input<'_> {
        Input {
            model: &self.model,
            policies: self.policies(),
        }
    }
}

fn sorted(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diag::sort(&mut diagnostics);
    diagnostics
}
