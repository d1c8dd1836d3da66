//! updraft: compile one YAML spec of a serverless app into CloudFormation, Terraform or
//! Knative, with a least-privilege role per function and lint. See ARCHITECTURE.md.

pub mod diag;
pub mod source;
pub mod spec;
pub mod syntax;
