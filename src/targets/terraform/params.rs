//! Deploy-time inputs as variables: the plan's inputs ([`crate::targets::params`]), each a
//! variable of the same name in `variables.tf`, referenced as `var.NAME`.

use super::Builder;
use crate::emit::hcl::{Block, Expr};
use crate::model::ParamValue;
use crate::targets::params::{InputType, LIST_SEPARATOR};

/// A param's value as HCL, of the variable's type.
fn value(kind: InputType, v: &ParamValue) -> Expr {
    match (kind, v) {
        (InputType::Number, ParamValue::Number(n)) => Expr::float(*n),
        (InputType::List, ParamValue::List(items)) => Expr::strings(items),
        (_, other) => Expr::string(other.to_text()),
    }
}

impl Builder<'_> {
    /// One variable per planned input, typed, hidden when secret, with its allowed values
    /// as a validation.
    pub(super) fn params(&mut self) {
        for p in &self.plan.params {
            let name = self.take("variable", p.name);
            let kind = p.kind;
            let block = Block::new("variable", &[&name]).with(|v| {
                v.attr("description", p.description.clone());
                v.attr(
                    "type",
                    match kind {
                        InputType::Text => Expr::reference("string"),
                        InputType::Number => Expr::reference("number"),
                        InputType::List => Expr::call("list", [Expr::reference("string")]),
                    },
                );
                if let Some(d) = p.default {
                    v.attr("default", value(kind, d));
                }
                if p.secret {
                    v.attr("sensitive", true);
                }
                if !p.allowed.is_empty() {
                    let allowed: Vec<Expr> = p
                        .allowed
                        .iter()
                        .map(|a| match kind {
                            InputType::Number => a
                                .parse::<f64>()
                                .map_or_else(|_| Expr::string(a), Expr::float),
                            _ => Expr::string(a),
                        })
                        .collect();
                    let var = Expr::path(&["var", name.as_str()]);
                    v.nested("validation", |c| {
                        c.attr(
                            "condition",
                            Expr::call("contains", [Expr::list(allowed), var]),
                        );
                        c.attr(
                            "error_message",
                            format!("{} must be one of: {}.", p.name, p.allowed.join(", ")),
                        );
                    });
                }
            });
            self.variables.block(block);
        }
    }

    /// A param's value inside a string: `var.NAME`, a list's items joined.
    pub(super) fn param_value(&self, name: &str) -> Expr {
        let var = Expr::path(&["var", name]);
        let list = self
            .plan
            .params
            .iter()
            .any(|p| p.name == name && p.kind == InputType::List);
        if list {
            Expr::call("join", [Expr::string(LIST_SEPARATOR), var])
        } else {
            var
        }
    }
}
