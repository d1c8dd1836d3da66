//! Knative: being written; see issue 6.

use super::{Input, Output, Target};
use crate::diag::{Code, Diagnostic};

pub struct Knative;

impl Target for Knative {
    fn name(&self) -> &'static str {
        "Knative"
    }

    fn compile(&self, _input: &Input<'_>) -> Result<Output, Vec<Diagnostic>> {
        Err(vec![
            Diagnostic::new(Code::UnsupportedOnTarget, "Knative: not implemented yet")
                .with_help("use --target cloudformation"),
        ])
    }
}
