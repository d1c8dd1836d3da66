//! The `gateways` section: HTTP APIs with CORS, a default auth, throttling and a domain.
//! CORS is also checked here for buckets.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::limits::{self, thousands};
use crate::model::{Cors, Gateway, Kind, Method};
use crate::spec;
use crate::spec::read::Spanned;

impl Checker {
    pub(super) fn cors(&mut self, cors: &spec::Cors) -> Cors {
        for origin in &cors.origins {
            let o = origin.value.as_str();
            if o != "*" && !(o.starts_with("https://") || o.starts_with("http://")) {
                self.error(
                    Diagnostic::new(Code::InvalidValue, format!("`{o}` is not an origin"))
                        .with_label(origin.span, "expected `https://host` or `*`")
                        .with_help(
                            "an origin is a scheme and host, for example `https://app.example.com`",
                        ),
                );
            }
        }
        let methods = cors
            .methods
            .iter()
            .filter_map(|m| self.cors_method(m))
            .collect();
        let max_age = cors.max_age.as_ref().and_then(|m| {
            self.seconds(
                m,
                limits::CORS_MAX_AGE_SECONDS,
                "cors max_age",
                Code::OutOfRange,
            )
        });
        Cors {
            origins: cors.origins.iter().map(|o| o.value.clone()).collect(),
            methods,
            headers: cors.headers.iter().map(|h| h.value.clone()).collect(),
            max_age,
            credentials: cors.credentials.as_ref().is_some_and(|c| c.value),
        }
    }

    /// A CORS method in upper case: an HTTP method other than `ANY`, or `*`.
    fn cors_method(&mut self, m: &Spanned<String>) -> Option<String> {
        let upper = m.value.to_ascii_uppercase();
        if upper == "*" || Method::parse(&upper).is_some_and(|m| m != Method::Any) {
            return Some(upper);
        }
        self.error(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{}` is not an HTTP method", m.value),
            )
            .with_label(m.span, "not a method")
            .with_help("use GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or `*`"),
        );
        None
    }

    pub(super) fn gateway(
        &mut self,
        name: &Spanned<String>,
        gateway: &spec::Gateway,
    ) -> Option<Gateway> {
        let default_auth = gateway
            .default_auth
            .as_ref()
            .and_then(|a| self.resolve(a, Kind::Auth, Code::UnknownAuth));
        let throttle = gateway.throttle.as_ref().map(|t| self.throttle(t));
        let cors = gateway.cors.as_ref().map(|c| self.cors(c));
        Some(Gateway {
            name: name.value.clone(),
            span: name.span,
            cors,
            default_auth,
            throttle,
            domain: gateway
                .domain
                .as_ref()
                .map(|d| (d.name.value.clone(), d.certificate.value.clone())),
            suppress: self.suppressions(&gateway.suppress),
        })
    }

    fn throttle(&mut self, t: &spec::Throttle) -> (f64, u32) {
        let max = limits::HTTP_API_THROTTLE_RATE_MAX;
        if !(t.rate.value > 0.0 && t.rate.value <= f64::from(max)) {
            self.error(
                Diagnostic::new(
                    Code::OutOfRange,
                    format!("throttle rate {} is out of range", t.rate.value),
                )
                .with_label(
                    t.rate.span,
                    format!("must be above 0 and at most {max} requests per second"),
                )
                .with_help(format!(
                    "the account-wide default quota is {} requests per second",
                    thousands(max)
                )),
            );
        }
        self.range(
            &t.burst,
            limits::HTTP_API_THROTTLE_BURST,
            "throttle burst",
            Code::OutOfRange,
        );
        (t.rate.value, t.burst.value)
    }
}
