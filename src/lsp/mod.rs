//! `updraft lsp`: a language server over stdio for `updraft.yaml` files.
//!
//! Diagnostics come from the same pipeline as the CLI (`check` errors, or lint findings when
//! the spec is valid), with the same spans and codes. Completion, hover, definition,
//! references and rename work from an index of the spanned YAML tree ([`index`]), so they
//! keep working while the spec has errors; hover on a function shows its derived permissions
//! with their provenance, as `explain-access` does.

pub mod index;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    Completion, GotoDefinition, HoverRequest, References, Rename, Request as _,
};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionOptions, CompletionParams, CompletionResponse,
    Diagnostic as LspDiagnostic, DiagnosticSeverity, GotoDefinitionParams, GotoDefinitionResponse,
    Hover, HoverContents, HoverParams, HoverProviderCapability, InitializeParams, Location,
    MarkupContent, MarkupKind, NumberOrString, OneOf, Position, PublishDiagnosticsParams, Range,
    ReferenceParams, RenameParams, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextEdit, Uri, WorkspaceEdit,
};
use serde_json::Value;

use crate::Compilation;
use crate::diag::{Diagnostic, Severity};
use crate::model::{Kind, Model};
use crate::rules::Platform;
use crate::source::{SourceFile, Span};
use index::Index;

/// Runs the server on stdin/stdout until the client says `exit`.
///
/// # Errors
/// A broken connection or a malformed message from the client.
pub fn serve() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (connection, threads) = Connection::stdio();
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![":".into(), " ".into(), "{".into(), ".".into()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    };
    let init = connection.initialize(serde_json::to_value(capabilities)?)?;
    let _: InitializeParams = serde_json::from_value(init)?;
    let mut server = Server::default();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    break;
                }
                let response = server.request(request);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => {
                for out in server.notification(notification) {
                    connection.sender.send(Message::Notification(out))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(connection);
    threads.join()?;
    Ok(())
}

/// One open document.
struct Document {
    file: SourceFile,
    index: Index,
    /// The model when the spec is valid, else every problem found in it.
    compilation: Result<Compilation, Vec<Diagnostic>>,
}

#[derive(Default)]
struct Server {
    documents: BTreeMap<String, Document>,
}

impl Server {
    fn notification(&mut self, n: Notification) -> Vec<Notification> {
        let (uri, text) = match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                else {
                    return Vec::new();
                };
                (p.text_document.uri, p.text_document.text)
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                else {
                    return Vec::new();
                };
                // Full sync: the last change is the whole text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return Vec::new();
                };
                (p.text_document.uri, change.text)
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                {
                    self.documents.remove(p.text_document.uri.as_str());
                }
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        let document = open(&uri, text);
        let diagnostics = diagnostics(&document);
        self.documents.insert(uri.as_str().to_string(), document);
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        vec![Notification::new(PublishDiagnostics::METHOD.into(), params)]
    }

    fn request(&mut self, r: Request) -> Response {
        let id = r.id.clone();
        let result: Result<Value, String> = match r.method.as_str() {
            Completion::METHOD => parse::<CompletionParams>(r.params).map(|p| {
                let pos = p.text_document_position;
                json(
                    self.doc(&pos.text_document.uri)
                        .map(|d| completion(d, pos.position)),
                )
            }),
            HoverRequest::METHOD => parse::<HoverParams>(r.params).map(|p| {
                let pos = p.text_document_position_params;
                json(
                    self.doc(&pos.text_document.uri)
                        .and_then(|d| hover(d, pos.position)),
                )
            }),
            GotoDefinition::METHOD => parse::<GotoDefinitionParams>(r.params).map(|p| {
                let pos = p.text_document_position_params;
                let uri = pos.text_document.uri.clone();
                json(self.doc(&uri).and_then(|d| {
                    let (kind, name) = d.index.at(offset(&d.file, pos.position))?;
                    let span = d.index.declared.get(&(kind, name))?;
                    Some(GotoDefinitionResponse::Scalar(Location {
                        uri: uri.clone(),
                        range: range(&d.file, *span),
                    }))
                }))
            }),
            References::METHOD => parse::<ReferenceParams>(r.params).map(|p| {
                let pos = p.text_document_position;
                let uri = pos.text_document.uri.clone();
                let with_declaration = p.context.include_declaration;
                json(self.doc(&uri).and_then(|d| {
                    let (kind, name) = d.index.at(offset(&d.file, pos.position))?;
                    let declared = d.index.declared.get(&(kind, name.clone())).copied();
                    Some(
                        d.index
                            .occurrences(kind, &name)
                            .into_iter()
                            .filter(|s| with_declaration || Some(*s) != declared)
                            .map(|s| Location {
                                uri: uri.clone(),
                                range: range(&d.file, s),
                            })
                            .collect::<Vec<_>>(),
                    )
                }))
            }),
            Rename::METHOD => parse::<RenameParams>(r.params).and_then(|p| {
                let pos = p.text_document_position;
                let uri = pos.text_document.uri.clone();
                let Some(d) = self.doc(&uri) else {
                    return Ok(Value::Null);
                };
                rename(d, &uri, pos.position, &p.new_name).map(|e| json(Some(e)))
            }),
            _ => {
                return Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("updraft lsp does not answer {}", r.method),
                );
            }
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(message) => Response::new_err(id, ErrorCode::InvalidParams as i32, message),
        }
    }

    fn doc(&self, uri: &Uri) -> Option<&Document> {
        self.documents.get(uri.as_str())
    }
}

fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, String> {
    serde_json::from_value(params).map_err(|e| e.to_string())
}

fn json<T: serde::Serialize>(value: Option<T>) -> Value {
    value.map_or(Value::Null, |v| {
        serde_json::to_value(v).unwrap_or(Value::Null)
    })
}

/// Reads a document: its index (from the YAML tree, if it parses) and its model (if valid).
fn open(uri: &Uri, text: String) -> Document {
    let name = uri
        .path()
        .as_str()
        .rsplit('/')
        .next()
        .unwrap_or("updraft.yaml")
        .to_string();
    let file = SourceFile::new(name, text);
    let index = crate::syntax::parse(&file, crate::syntax::Limits::default())
        .map(|root| Index::of(&root))
        .unwrap_or_default();
    let compilation = Compilation::new(&file, &crate::Options::default());
    Document {
        file,
        index,
        compilation,
    }
}

/// Check errors when the spec is invalid; lint findings when it is valid.
fn diagnostics(d: &Document) -> Vec<LspDiagnostic> {
    let found: Vec<Diagnostic> = match &d.compilation {
        Ok(c) => c.lint(Platform::Aws).diagnostics(),
        Err(problems) => problems.clone(),
    };
    found
        .iter()
        .map(|diag| {
            let span = diag.primary_span().unwrap_or(Span::new(0, 0));
            let mut message = diag.message.clone();
            if let Some(help) = &diag.help {
                let _ = write!(message, "\nhelp: {help}");
            }
            LspDiagnostic {
                range: range(&d.file, span),
                severity: Some(match diag.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                    Severity::Note => DiagnosticSeverity::INFORMATION,
                }),
                code: Some(NumberOrString::String(diag.code.as_str().into())),
                code_description: format!(
                    "{}/{}.md",
                    crate::diag::render::DOCS_URL,
                    diag.code.as_str()
                )
                .parse::<Uri>()
                .ok()
                .map(|href| lsp_types::CodeDescription { href }),
                source: Some("updraft".into()),
                message,
                ..LspDiagnostic::default()
            }
        })
        .collect()
}

/// LSP positions count UTF-16 code units from 0.
fn position(file: &SourceFile, offset: usize) -> Position {
    let text = file.text();
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..line_start].matches('\n').count();
    let character: usize = text[line_start..offset].chars().map(char::len_utf16).sum();
    Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(character).unwrap_or(u32::MAX),
    )
}

fn offset(file: &SourceFile, pos: Position) -> usize {
    let text = file.text();
    let mut start = 0;
    for _ in 0..pos.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= pos.character as usize || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

fn range(file: &SourceFile, span: Span) -> Range {
    Range::new(
        position(file, span.start as usize),
        position(file, span.end as usize),
    )
}

/// The key a line sets, with its indentation: `    uses: { ph` → (4, "uses").
fn line_key(line: &str) -> Option<(usize, &str)> {
    let indent = line.len() - line.trim_start().len();
    let rest = line.trim_start().trim_start_matches("- ");
    let (key, _) = rest.split_once(':')?;
    Some((indent, key.trim().trim_matches('"')))
}

fn completion(d: &Document, pos: Position) -> CompletionResponse {
    let at = offset(&d.file, pos);
    let text = d.file.text();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    let item = |label: String, kind: CompletionItemKind, detail: String| CompletionItem {
        label,
        kind: Some(kind),
        detail: Some(detail),
        ..CompletionItem::default()
    };
    let names = |kinds: &[Kind]| -> Vec<CompletionItem> {
        kinds
            .iter()
            .flat_map(|k| {
                d.index.names(*k).map(|n| {
                    item(
                        n.to_string(),
                        CompletionItemKind::REFERENCE,
                        k.noun().into(),
                    )
                })
            })
            .collect()
    };
    // Inside `${`: kinds, then names, then attributes.
    if let Some(open) = before.rfind("${")
        && !before[open..].contains('}')
    {
        let inner = &before[open + 2..];
        let parts: Vec<&str> = inner.split('.').collect();
        let items = match parts.as_slice() {
            [_] => Kind::ALL
                .iter()
                .map(|k| {
                    item(
                        k.section().into(),
                        CompletionItemKind::MODULE,
                        "kind".into(),
                    )
                })
                .collect(),
            [section, _] => Kind::from_section(section)
                .map(|k| names(&[k]))
                .unwrap_or_default(),
            [section, _, _] => Kind::from_section(section)
                .map(|k| {
                    crate::model::env::Attr::of(k)
                        .iter()
                        .map(|a| {
                            item(
                                a.as_str().into(),
                                CompletionItemKind::FIELD,
                                "attribute".into(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        return CompletionResponse::Array(items);
    }
    // `uses:` on this line: after `name:` an access level, else a resource name.
    if let Some(uses) = before.find("uses:") {
        let inside = &before[uses + 5..];
        let last = inside.rsplit([',', '{']).next().unwrap_or("");
        if let Some((name, _)) = last.split_once(':') {
            let levels = d
                .index
                .kind_of(name.trim())
                .map(Kind::access_levels)
                .unwrap_or_default();
            return CompletionResponse::Array(
                levels
                    .iter()
                    .map(|a| {
                        item(
                            a.as_str().into(),
                            CompletionItemKind::ENUM_MEMBER,
                            "access".into(),
                        )
                    })
                    .collect(),
            );
        }
        return CompletionResponse::Array(names(&[
            Kind::Table,
            Kind::Bucket,
            Kind::Queue,
            Kind::Topic,
            Kind::Secret,
            Kind::Function,
        ]));
    }
    // A value after a key that names a resource.
    let last_key = before
        .rsplit([',', '{', '['])
        .next()
        .and_then(|s| s.split_once(':'))
        .map(|(k, _)| k.trim().trim_start_matches("- ").trim_matches('"'));
    let kinds: &[Kind] = match last_key {
        Some("gateway") => &[Kind::Gateway],
        Some("auth" | "default_auth") => &[Kind::Auth],
        Some("dead_letter") => &[Kind::Queue, Kind::Topic],
        Some("queue") => &[Kind::Queue],
        Some("topic") => &[Kind::Topic],
        Some("table") => &[Kind::Table],
        Some("bucket") => &[Kind::Bucket],
        _ => &[],
    };
    if !kinds.is_empty() {
        return CompletionResponse::Array(names(kinds));
    }
    // Keys: the top-level sections at indent 0, a function's keys under `functions:`.
    let indent = before.len() - before.trim_start().len();
    let section = text[..line_start]
        .lines()
        .rev()
        .filter_map(line_key)
        .find(|(i, _)| *i == 0)
        .map(|(_, k)| k);
    let keys = schema_keys(indent, section);
    CompletionResponse::Array(
        keys.into_iter()
            .map(|(k, doc)| CompletionItem {
                documentation: doc.map(lsp_types::Documentation::String),
                ..item(k, CompletionItemKind::PROPERTY, "key".into())
            })
            .collect(),
    )
}

/// Keys from the JSON Schema: the spec's sections at indent 0, a function's keys inside
/// `functions` (indent 4 under a function name).
fn schema_keys(indent: usize, section: Option<&str>) -> Vec<(String, Option<String>)> {
    // The schema is generated once per server, not once per completion request.
    static SCHEMA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let schema = SCHEMA
        .get_or_init(|| serde_json::from_str(&crate::schema::generate()).unwrap_or(Value::Null));
    let props = |v: &Value| -> Vec<(String, Option<String>)> {
        v["properties"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, p)| (k.clone(), p["description"].as_str().map(String::from)))
                    .collect()
            })
            .unwrap_or_default()
    };
    match (indent, section) {
        (0, _) => props(schema),
        (4.., Some("functions")) => props(&schema["definitions"]["Function"]),
        _ => Vec::new(),
    }
}

fn hover(d: &Document, pos: Position) -> Option<Hover> {
    let (kind, name) = d.index.at(offset(&d.file, pos))?;
    let c = d.compilation.as_ref().ok()?;
    let model = c.model();
    let text = match kind {
        Kind::Function => function_hover(d, model, &name)?,
        _ => resource_hover(model, kind, &name),
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: None,
    })
}

/// A function's permissions with provenance, as `explain-access` prints them.
fn function_hover(d: &Document, model: &Model, name: &str) -> Option<String> {
    let f = model.function(name)?;
    let policy = crate::access::aws::policy(model, f);
    let mut t = format!("**function `{name}`**: its role may\n\n");
    for s in &policy.statements {
        let resources: Vec<String> = s
            .resources
            .iter()
            .map(|a| crate::targets::aws::arn_text(model, a, "aws", "*", "*"))
            .collect();
        let _ = writeln!(
            t,
            "- `{}` on `{}`",
            s.actions.join("`, `"),
            resources.join("`, `")
        );
        for cause in &s.causes {
            let at = d.file.line_col(cause.span.start);
            let _ = writeln!(t, "  - because {} (line {})", cause.why, at.line);
        }
    }
    for r in &policy.raw {
        let at = d.file.line_col(r.span.start);
        let _ = writeln!(t, "- raw statement (line {})", at.line);
    }
    Some(t)
}

/// Who uses a resource, and how.
fn resource_hover(model: &Model, kind: Kind, name: &str) -> String {
    let mut t = format!("**{} `{name}`**\n\n", kind.noun());
    let mut any = false;
    for f in &model.functions {
        for u in f
            .uses
            .iter()
            .filter(|u| u.resource.kind == kind && u.resource.name == name)
        {
            any = true;
            let _ = writeln!(t, "- `{}` has `{}` access", f.name, u.access.as_str());
        }
        for e in &f.events {
            if e.trigger
                .source()
                .is_some_and(|s| s.kind == kind && s.name == name)
            {
                any = true;
                let _ = writeln!(t, "- triggers `{}` ({} event)", f.name, e.trigger.kind());
            }
        }
    }
    if !any {
        t.push_str("no function uses it or is triggered by it\n");
    }
    t
}

fn rename(d: &Document, uri: &Uri, pos: Position, new_name: &str) -> Result<WorkspaceEdit, String> {
    let (kind, name) = d
        .index
        .at(offset(&d.file, pos))
        .ok_or("no resource name here")?;
    let valid = !new_name.is_empty()
        && new_name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        return Err(format!(
            "`{new_name}` is not a valid name: use lowercase letters, digits and `-`"
        ));
    }
    if d.index.declared.contains_key(&(kind, new_name.to_string())) {
        return Err(format!(
            "a {} named `{new_name}` exists already",
            kind.noun()
        ));
    }
    let edits: Vec<OneOf<TextEdit, lsp_types::AnnotatedTextEdit>> = d
        .index
        .occurrences(kind, &name)
        .into_iter()
        .map(|s| OneOf::Left(TextEdit::new(range(&d.file, s), new_name.to_string())))
        .collect();
    Ok(WorkspaceEdit {
        document_changes: Some(lsp_types::DocumentChanges::Edits(vec![
            lsp_types::TextDocumentEdit {
                text_document: lsp_types::OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version: None,
                },
                edits,
            },
        ])),
        ..WorkspaceEdit::default()
    })
}
