//! Terraform (hashicorp/aws): being written; see issue 5.

use super::{Input, Output, Target};
use crate::diag::{Code, Diagnostic};

pub struct Terraform;

impl Target for Terraform {
    fn name(&self) -> &'static str {
        "Terraform"
    }

    fn compile(&self, _input: &Input<'_>) -> Result<Output, Vec<Diagnostic>> {
        Err(vec![
            Diagnostic::new(Code::UnsupportedOnTarget, "Terraform: not implemented yet")
                .with_help("use --target cloudformation"),
        ])
    }
}
