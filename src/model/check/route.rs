//! HTTP routes: `METHOD /path`, with `{param}` and a final greedy `{param+}`, or the
//! catch-all `$default`.

use std::collections::BTreeSet;

use super::Checker;
use crate::diag::{Code, Diagnostic, suggest};
use crate::model::{DEFAULT_ROUTE, Method};
use crate::spec::read::Spanned;

/// Why `path` (after its leading `/`) is not a route path, if it is not.
fn path_problem(path: &str) -> Option<String> {
    let segments: Vec<&str> = path[1..].split('/').collect();
    let mut params = BTreeSet::new();
    for (i, seg) in segments.iter().enumerate() {
        if seg.is_empty() {
            if path == "/" {
                break;
            }
            return Some("empty path segment (`//` or a trailing `/`)".into());
        }
        if let Some(inner) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let name = inner.strip_suffix('+').unwrap_or(inner);
            let greedy = inner.ends_with('+');
            if name.is_empty() {
                return Some(format!("`{seg}` has no parameter name"));
            }
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Some(format!(
                    "parameter name `{name}` may have only letters, digits, `_` and `-`"
                ));
            }
            if greedy && i + 1 != segments.len() {
                return Some("a greedy parameter `{name+}` must be the last segment".into());
            }
            if !params.insert(name) {
                return Some(format!("parameter `{name}` appears twice"));
            }
        } else if !seg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~$@".contains(c))
        {
            return Some(format!("`{seg}` has characters a path segment cannot have"));
        }
    }
    None
}

/// Why `text` is not `METHOD /path`, if it is not; else the method and the path.
fn parse(text: &str) -> Result<(Method, &str), String> {
    if text == DEFAULT_ROUTE {
        return Ok((Method::Any, DEFAULT_ROUTE));
    }
    let Some((method, path)) = text.split_once(' ') else {
        return Err("a method and a path are separated by a space".into());
    };
    let method = method.trim();
    let path = path.trim();
    let Some(method) = Method::parse(method) else {
        return Err(
            match suggest(
                &method.to_ascii_uppercase(),
                Method::ALL.iter().map(|m| m.as_str()),
            ) {
                Some(m) if m != method => {
                    format!("`{method}` is not a method (did you mean `{m}`?)")
                }
                _ => format!("`{method}` is not a method"),
            },
        );
    };
    if !path.starts_with('/') {
        return Err("the path must start with `/`".into());
    }
    match path_problem(path) {
        Some(why) => Err(why),
        None => Ok((method, path)),
    }
}

impl Checker {
    pub(super) fn route(&mut self, route: &Spanned<String>) -> Option<(Method, String)> {
        let text = route.value.trim();
        match parse(text) {
            Ok((method, path)) => Some((method, path.to_string())),
            Err(why) => {
                self.error(
                    Diagnostic::new(
                        Code::InvalidRoute,
                        format!("`{text}` is not a route: {why}"),
                    )
                    .with_label(route.span, "expected `METHOD /path`")
                    .with_help("for example `GET /photos/{id}`, `ANY /{proxy+}`, or `$default` for every request no other route matches"),
                );
                None
            }
        }
    }
}
