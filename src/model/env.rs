//! Environment values with `${kind.name.attribute}` references, parsed into parts so each
//! target can write its own reference syntax (`Fn::GetAtt`, `aws_sqs_queue.jobs.url`, ...).

use super::{Kind, Ref};
use crate::source::Span;

/// An attribute of a resource that an env value can reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attr {
    Name,
    Arn,
    Url,
    Id,
    StreamArn,
    UserPoolId,
    ClientId,
    Issuer,
}

impl Attr {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Attr::Name => "name",
            Attr::Arn => "arn",
            Attr::Url => "url",
            Attr::Id => "id",
            Attr::StreamArn => "stream_arn",
            Attr::UserPoolId => "user_pool_id",
            Attr::ClientId => "client_id",
            Attr::Issuer => "issuer",
        }
    }

    /// The attributes each kind offers.
    #[must_use]
    pub fn of(kind: Kind) -> &'static [Attr] {
        match kind {
            Kind::Table => &[Attr::Name, Attr::Arn, Attr::StreamArn],
            Kind::Queue => &[Attr::Name, Attr::Url, Attr::Arn],
            Kind::Topic | Kind::Bucket | Kind::Function | Kind::Secret => &[Attr::Name, Attr::Arn],
            Kind::Gateway => &[Attr::Url, Attr::Id],
            Kind::Auth => &[Attr::UserPoolId, Attr::ClientId, Attr::Issuer],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvPart {
    Literal(String),
    Ref {
        target: Ref,
        attr: Attr,
    },
    /// `${app.name}`
    AppName,
    /// `${app.stage}`: the stage name, or `default` without one.
    Stage,
    /// `${params.NAME}`: a value given at deploy.
    Param(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvValue {
    pub parts: Vec<EnvPart>,
    pub span: Span,
}

impl EnvValue {
    /// The value when it holds no reference.
    #[must_use]
    pub fn as_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [EnvPart::Literal(s)] => Some(s),
            _ => None,
        }
    }

    /// The params the value references.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            EnvPart::Param(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// The resources the value references.
    pub fn refs(&self) -> impl Iterator<Item = &Ref> {
        self.parts.iter().filter_map(|p| match p {
            EnvPart::Ref { target, .. } => Some(target),
            _ => None,
        })
    }
}

/// A piece of an env value before names are resolved.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum RawPart<'a> {
    Literal(String),
    /// The text between `${` and `}`.
    Reference(&'a str),
}

/// Splits `a${x.y.z}b` into parts; `$${` is a literal `${`.
///
/// # Errors
/// The unterminated tail, when a `${` has no closing `}`.
pub(super) fn split(text: &str) -> Result<Vec<RawPart<'_>>, &str> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        literal.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$${") {
            literal.push_str("${");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let Some(end) = after.find('}') else {
                return Err(tail);
            };
            if !literal.is_empty() {
                parts.push(RawPart::Literal(std::mem::take(&mut literal)));
            }
            parts.push(RawPart::Reference(&after[..end]));
            rest = &after[end + 1..];
        } else {
            literal.push('$');
            rest = &tail[1..];
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(RawPart::Literal(literal));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_references_and_escapes() {
        assert_eq!(
            split("t=${tables.orders.name};$${x} $5").unwrap(),
            vec![
                RawPart::Literal("t=".into()),
                RawPart::Reference("tables.orders.name"),
                RawPart::Literal(";${x} $5".into()),
            ]
        );
        assert_eq!(
            split("plain").unwrap(),
            vec![RawPart::Literal("plain".into())]
        );
        assert!(split("oops ${tables.x").is_err());
    }
}
