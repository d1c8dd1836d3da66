//! Renderers: the same diagnostics as rustc-style text (miette), JSON, SARIF 2.1.0 and GitHub
//! workflow annotations. Renderers only format; they never decide what is reported.

use std::fmt;
use std::fmt::Write as _;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde_json::{Value, json};

use super::{Code, Diagnostic, Severity};
use crate::source::SourceFile;

/// Where the rules' doc pages live, for SARIF `helpUri` and human output.
pub const DOCS_URL: &str = "https://github.com/updraft-dev/updraft/blob/main/docs/codes";

/// rustc-style text. `color` is off in tests and when stdout is not a terminal.
#[must_use]
pub fn human(file: Option<&SourceFile>, diagnostics: &[Diagnostic], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_urls(false)
        .with_wrap_lines(false);
    let mut out = String::new();
    for diagnostic in diagnostics {
        // miette pads to a label's column with a format width, which panics past 65,535; a
        // line that long cannot be read in a terminal anyway. Such a diagnostic is printed
        // with its position instead of the source line.
        let (file, position) = match file {
            Some(f) if touches_long_line(f, diagnostic) => {
                let at = diagnostic.primary_span().map(|span| {
                    let lc = f.line_col(span.start);
                    format!("{}:{}:{}", f.name(), lc.line, lc.column)
                });
                (None, at)
            }
            other => (other, None),
        };
        let report = Report {
            diagnostic,
            file,
            position,
        };
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", diagnostic.code, diagnostic.message));
        }
    }
    out
}

/// A one-line summary for the end of human output, e.g. `2 errors, 1 warning`.
#[must_use]
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    format!(
        "{}, {}, {}",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Note), "note")
    )
}

/// `1 function`, `2 functions`: a count and its noun (plural by `s`).
#[must_use]
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// One line per code found, most severe first, with its count: the table at the end of
/// `updraft lint`'s human output (like ruff's `--statistics`).
#[must_use]
pub fn rule_summary(diagnostics: &[Diagnostic]) -> String {
    let mut counts: Vec<(Severity, crate::diag::Code, usize)> = Vec::new();
    for d in diagnostics {
        match counts
            .iter_mut()
            .find(|(s, c, _)| *s == d.severity && *c == d.code)
        {
            Some((_, _, n)) => *n += 1,
            None => counts.push((d.severity, d.code, 1)),
        }
    }
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let width = counts
        .iter()
        .map(|(_, c, _)| c.name().len())
        .max()
        .unwrap_or(0);
    counts
        .iter()
        .fold(String::new(), |mut out, (severity, code, n)| {
            let _ = writeln!(
                out,
                "{n:>5}  {code} {:<width$}  {}",
                code.name(),
                severity.as_str()
            );
            out
        })
}

/// Diagnostics grouped by rule for people: most severe first, then by code, each group in
/// file order.
#[must_use]
pub fn by_rule(diagnostics: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut ordered = diagnostics.to_vec();
    ordered.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
    ordered
}

/// The longest source line drawn under a diagnostic, in bytes.
const MAX_DRAWN_LINE: usize = 1_000;

/// Whether a label of the diagnostic starts or ends on a line longer than [`MAX_DRAWN_LINE`].
fn touches_long_line(file: &SourceFile, diagnostic: &Diagnostic) -> bool {
    let text = file.text();
    let line_len = |offset: usize| {
        let offset = offset.min(text.len());
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        end - start
    };
    diagnostic.labels.iter().any(|l| {
        line_len(l.span.start as usize) > MAX_DRAWN_LINE
            || line_len(l.span.end as usize) > MAX_DRAWN_LINE
    })
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    file: Option<&'a SourceFile>,
    /// `file:line:column`, printed after the message when the source line is not drawn.
    position: Option<String>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)?;
        if let Some(at) = &self.position {
            write!(
                f,
                "\n  at {at} (the line is over {MAX_DRAWN_LINE} characters, not drawn)"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let code = self.diagnostic.code;
        Some(Box::new(format!("{code} {}", code.name())))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.file.map(|f| f as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.file?;
        // miette draws labels best in file order; the first of ours stays primary.
        let mut ordered: Vec<(usize, &super::Label)> =
            self.diagnostic.labels.iter().enumerate().collect();
        ordered.sort_by_key(|(_, l)| (l.span.start, l.span.end));
        let labels = ordered.into_iter().map(|(i, l)| {
            let span = SourceSpan::new((l.span.start as usize).into(), l.span.len());
            let text = (!l.message.is_empty()).then(|| l.message.clone());
            if i == 0 {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        });
        Some(Box::new(labels))
    }
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // miette scans from the first byte of what it is given; start it a line above the
        // context instead, so each diagnostic costs its own lines, not the whole file before
        // it. Started at a line start with at least `before` breaks before the span, its scan
        // reaches the same state as from the top, offsets and line numbers shifted.
        let offset = u32::try_from(span.offset()).unwrap_or(u32::MAX);
        let (base, line) = self.line_start_above(offset, before + 1);
        let rest = &self.text()[base..];
        let local = SourceSpan::new((span.offset().saturating_sub(base)).into(), span.len());
        let inner = rest.read_span(&local, before, after)?;
        let found = inner.span();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name().to_string(),
            inner.data(),
            SourceSpan::new((found.offset() + base).into(), found.len()),
            inner.line() + line,
            inner.column(),
            inner.line_count() + line,
        )))
    }
}

/// One JSON object per diagnostic: code, name, severity, message, file, 1-based line and
/// column, byte span, every label and the help.
#[must_use]
pub fn json_value(file: Option<&SourceFile>, diagnostic: &Diagnostic) -> Value {
    let position = |span: crate::source::Span| {
        file.map(|f| {
            let start = f.line_col(span.start);
            let end = f.line_col(span.end);
            json!({
                "line": start.line, "column": start.column,
                "end_line": end.line, "end_column": end.column,
                "span": { "start": span.start, "end": span.end },
            })
        })
    };
    let mut object = json!({
        "code": diagnostic.code.as_str(),
        "name": diagnostic.code.name(),
        "severity": diagnostic.severity.as_str(),
        "message": diagnostic.message,
        "file": file.map(SourceFile::name),
    });
    let map = object.as_object_mut().expect("literal object");
    if let Some(Value::Object(pos)) = diagnostic.primary_span().and_then(position) {
        map.extend(pos);
    }
    let labels: Vec<Value> = diagnostic
        .labels
        .iter()
        .map(|l| {
            let mut label = json!({ "message": l.message });
            if let Some(Value::Object(pos)) = position(l.span) {
                label.as_object_mut().expect("literal object").extend(pos);
            }
            label
        })
        .collect();
    map.insert("labels".into(), Value::Array(labels));
    map.insert("help".into(), json!(diagnostic.help));
    object
}

/// `{"diagnostics": [...], "summary": {...}}`, pretty-printed, newline-terminated.
#[must_use]
pub fn json(file: Option<&SourceFile>, diagnostics: &[Diagnostic]) -> String {
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let value = json!({
        "diagnostics": diagnostics.iter().map(|d| json_value(file, d)).collect::<Vec<_>>(),
        "summary": {
            "errors": count(Severity::Error),
            "warnings": count(Severity::Warning),
            "notes": count(Severity::Note),
        },
    });
    let mut out = serde_json::to_string_pretty(&value).expect("JSON values always serialize");
    out.push('\n');
    out
}

/// GitHub Actions workflow commands, one line per diagnostic.
#[must_use]
pub fn github(file: Option<&SourceFile>, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = Vec::new();
        if let Some(file) = file {
            props.push(format!("file={}", escape_property(file.name())));
            if let Some(span) = d.primary_span() {
                let (start, end) = (file.line_col(span.start), file.line_col(span.end));
                props.push(format!("line={}", start.line));
                props.push(format!("col={}", start.column));
                props.push(format!("endLine={}", end.line));
                props.push(format!("endColumn={}", end.column));
            }
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("{} {}", d.code, d.code.name()))
        ));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    out
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A SARIF 2.1.0 log with one run: every code that can be reported as a rule (with its
/// help URI and default level), and one result per diagnostic with a region in the spec.
#[must_use]
pub fn sarif(file: Option<&SourceFile>, diagnostics: &[Diagnostic], version: &str) -> String {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|code| {
            json!({
                "id": code.as_str(),
                "name": code.name(),
                "shortDescription": { "text": code.summary() },
                "helpUri": format!("{DOCS_URL}/{}.md", code.as_str()),
                "help": { "text": code.doc() },
                "defaultConfiguration": { "level": level(code.default_severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let index = Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": index,
                "level": level(d.severity),
                "message": { "text": text },
            });
            if let Some(file) = file {
                let mut location = json!({
                    "physicalLocation": { "artifactLocation": { "uri": sarif_uri(file.name()) } }
                });
                if let Some(span) = d.primary_span() {
                    let (start, end) = (file.line_col(span.start), file.line_col(span.end));
                    location["physicalLocation"]["region"] = json!({
                        "startLine": start.line, "startColumn": start.column,
                        "endLine": end.line, "endColumn": end.column,
                        "charOffset": span.start, "charLength": span.len(),
                    });
                }
                result["locations"] = json!([location]);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "updraft",
                "version": version,
                "informationUri": "https://github.com/updraft-dev/updraft",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).expect("JSON values always serialize");
    out.push('\n');
    out
}

/// A relative URI for the spec: forward slashes, spaces and reserved characters escaped.
fn sarif_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn github_annotations_escape_newlines_and_separators() {
        let file = SourceFile::new("dir,a:b.yaml", "app: x\n");
        let d = Diagnostic::new(Code::UnknownKey, "50% bad\nline").with_label(Span::new(0, 3), "");
        let out = github(Some(&file), &[d]);
        assert_eq!(
            out,
            "::error file=dir%2Ca%3Ab.yaml,line=1,col=1,endLine=1,endColumn=4,\
             title=UD1001 unknown-key::50%25 bad%0Aline\n"
        );
    }

    #[test]
    fn spans_read_from_a_line_above_match_a_read_from_the_top() {
        // `SourceFile::read_span` starts miette's scan near the span; every field must be what
        // a scan of the whole text gives, for LF, CRLF and lone-CR texts, spans of every
        // position and length, with and without context lines.
        for text in [
            "app: a\nfunctions:\n  f:\n    handler: x.y\n\n    memory: 9\nend",
            "a: 1\r\nb:\r\n  c: 2\r\n  d: ç\r\ne: 3\r\n",
            "a: 1\rb: 2\r\nc: 3\nd: 4\r",
        ] {
            let file = SourceFile::new("t.yaml", text);
            for start in 0..=text.len() {
                for len in [0, 1, 3, 9] {
                    for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                        let span = SourceSpan::new(start.into(), len);
                        let ours = file.read_span(&span, before, after);
                        let theirs = text.read_span(&span, before, after);
                        match (ours, theirs) {
                            (Ok(o), Ok(t)) => {
                                let at = format!("{text:?} {start}+{len} ({before}, {after})");
                                assert_eq!(o.data(), t.data(), "{at}");
                                assert_eq!(o.span(), t.span(), "{at}");
                                assert_eq!(o.line(), t.line(), "{at}");
                                assert_eq!(o.column(), t.column(), "{at}");
                                assert_eq!(o.line_count(), t.line_count(), "{at}");
                            }
                            (Err(_), Err(_)) => {}
                            (o, t) => panic!(
                                "{text:?} {start}+{len}: ours {:?}, miette's {:?}",
                                o.is_ok(),
                                t.is_ok()
                            ),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn sarif_uris_are_relative_and_escaped() {
        assert_eq!(sarif_uri("./my app/updraft.yaml"), "my%20app/updraft.yaml");
    }
}
