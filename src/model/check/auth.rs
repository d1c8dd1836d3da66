//! The `auth` section: `jwt` auths name an outside issuer and audience; `cognito` auths get
//! a user pool that updraft creates.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::model::Auth;
use crate::spec::read::Spanned;
use crate::spec::{self, AuthKind};

impl Checker {
    pub(super) fn auth(&mut self, name: &Spanned<String>, auth: &spec::Auth) -> Option<Auth> {
        match auth.kind.value {
            AuthKind::Jwt => self.jwt_auth(name, auth),
            AuthKind::Cognito => self.cognito_auth(name, auth),
        }
    }

    fn jwt_auth(&mut self, name: &Spanned<String>, auth: &spec::Auth) -> Option<Auth> {
        let mut ok = true;
        match &auth.issuer {
            None => {
                self.error(
                    Diagnostic::new(
                        Code::MissingKey,
                        format!("jwt auth `{}` needs `issuer`", name.value),
                    )
                    .with_label(auth.kind.span, "a `jwt` auth checks tokens from one issuer")
                    .with_help("add `issuer: https://your-tenant.example.com/`"),
                );
                ok = false;
            }
            Some(issuer) if !issuer.value.starts_with("https://") => {
                self.error(
                    Diagnostic::new(Code::InvalidValue, "the issuer must be an https URL")
                        .with_label(issuer.span, "expected `https://...`")
                        .with_help("use the issuer URL from your identity provider's OIDC discovery document"),
                );
                ok = false;
            }
            Some(_) => {}
        }
        if auth.audience.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::MissingKey,
                    format!("jwt auth `{}` needs `audience`", name.value),
                )
                .with_label(
                    auth.kind.span,
                    "tokens are accepted only for listed audiences",
                )
                .with_help("add `audience: [my-api]` (the `aud` claim your tokens carry)"),
            );
            ok = false;
        }
        ok.then(|| Auth {
            name: name.value.clone(),
            span: name.span,
            kind: AuthKind::Jwt,
            issuer: auth.issuer.as_ref().map(|i| i.value.clone()),
            audience: auth.audience.iter().map(|a| a.value.clone()).collect(),
        })
    }

    fn cognito_auth(&mut self, name: &Spanned<String>, auth: &spec::Auth) -> Option<Auth> {
        if let Some(issuer) = &auth.issuer {
            self.error(
                Diagnostic::new(
                    Code::ConflictingKeys,
                    "`issuer` is for `jwt` auth; updraft creates the cognito issuer",
                )
                .with_label(issuer.span, "not used with `kind: cognito`")
                .with_help("remove `issuer`, or use `kind: jwt` for an existing identity provider"),
            );
            return None;
        }
        Some(Auth {
            name: name.value.clone(),
            span: name.span,
            kind: AuthKind::Cognito,
            issuer: None,
            audience: auth.audience.iter().map(|a| a.value.clone()).collect(),
        })
    }
}
