//! `updraft lsp` driven over stdio as an editor drives it (JSON-RPC with Content-Length
//! framing): initialize, didOpen (diagnostics published), completion of `uses` names and
//! access levels and of `${...}` references, hover with a function's permissions and their
//! provenance, go to definition, references, rename, didChange (errors while typing), and
//! shutdown/exit.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next: u64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_updraft"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("updraft lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Client {
            child,
            stdin,
            stdout,
            next: 1,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_string(message).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn read(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        let mut message = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        message["params"] = params;
        self.send(&message);
        loop {
            let message = self.read();
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        let mut message = json!({ "jsonrpc": "2.0", "method": method });
        message["params"] = params;
        self.send(&message);
    }

    /// The next diagnostics the server publishes.
    fn diagnostics(&mut self) -> Vec<Value> {
        loop {
            let message = self.read();
            if message["method"] == "textDocument/publishDiagnostics" {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

const URI: &str = "file:///app/updraft.yaml";

const SPEC: &str = "app: shop
defaults: { runtime: python3.12, log_retention: 14d }
tables:
  orders: { partition_key: { name: id, type: string } }
queues:
  jobs: {}
functions:
  api:
    handler: src/api.handler
    uses: { orders: read, jobs: send }
    env: { TABLE: \"${tables.orders.name}\" }
  worker:
    handler: src/worker.handler
    events: [ { queue: { name: jobs } } ]
    uses: { orders: write }
";

fn at(line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": character } })
}

fn labels(result: &Value) -> Vec<String> {
    let items = result
        .as_array()
        .or_else(|| result["items"].as_array())
        .unwrap();
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_editor_session() {
    let mut c = Client::start();
    let init = c.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    assert_eq!(init["capabilities"]["renameProvider"], true);
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": URI, "languageId": "yaml", "version": 1, "text": SPEC } }),
    );
    // Valid spec: lint findings only (no check error), located, with codes.
    let found = c.diagnostics();
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|d| d["code"].as_str().unwrap().starts_with("UD4") && d["source"] == "updraft"),
        "{found:?}"
    );

    // `uses: { orders: read, jobs: send }` (line 9): a name after `{`, a level after `jobs: `.
    let names = labels(&c.request("textDocument/completion", at(9, 12)));
    assert_eq!(names, ["orders", "jobs", "api", "worker"]);
    let levels = labels(&c.request("textDocument/completion", at(9, 31)));
    assert_eq!(levels, ["send", "consume"]);
    // Inside `${tables.` (line 10, after the dot): the tables.
    let refs = labels(&c.request("textDocument/completion", at(10, 28)));
    assert_eq!(refs, ["orders"]);

    // Hover on `api` (line 7): its permissions and why.
    let hover = c.request("textDocument/hover", at(7, 3));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("dynamodb:GetItem"), "{text}");
    assert!(text.contains("sqs:SendMessage"), "{text}");
    assert!(
        text.contains("because uses table `orders` with `read` access (line 10)"),
        "{text}"
    );

    // Definition of `jobs` in `events: [ { queue: { name: jobs } } ]` (line 13): its key on line 5.
    let def = c.request("textDocument/definition", at(13, 32));
    assert_eq!(def["range"]["start"], json!({ "line": 5, "character": 2 }));

    // References and rename of `orders` from its use on line 14.
    let mut params = at(14, 13);
    params["context"] = json!({ "includeDeclaration": true });
    let refs = c.request("textDocument/references", params);
    let lines: Vec<u64> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 9, 10, 14]);
    let edit = c.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": URI }, "position": { "line": 14, "character": 13 }, "newName": "purchases" }),
    );
    let mut text = SPEC.to_string();
    let mut edits: Vec<&Value> = edit["documentChanges"][0]["edits"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    edits.sort_by_key(|e| {
        std::cmp::Reverse((
            e["range"]["start"]["line"].as_u64(),
            e["range"]["start"]["character"].as_u64(),
        ))
    });
    for e in edits {
        let offset = |p: &Value| {
            let line = usize::try_from(p["line"].as_u64().unwrap()).unwrap();
            let start: usize = SPEC.lines().take(line).map(|l| l.len() + 1).sum();
            start + usize::try_from(p["character"].as_u64().unwrap()).unwrap()
        };
        let (a, b) = (offset(&e["range"]["start"]), offset(&e["range"]["end"]));
        text.replace_range(a..b, e["newText"].as_str().unwrap());
    }
    assert_eq!(text, SPEC.replace("orders", "purchases"));
    let spec = updraft::source::SourceFile::new("renamed.yaml", text.clone());
    assert!(
        updraft::load(&spec, &updraft::Options::default()).is_ok(),
        "the rename broke the spec"
    );

    // While typing: an unknown table is an error at its line.
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": URI, "version": 2 }, "contentChanges": [ { "text": SPEC.replace("orders: write", "ordrs: write") } ] }),
    );
    let found = c.diagnostics();
    let unknown = found
        .iter()
        .find(|d| d["code"] == "UD2001")
        .expect("UD2001");
    assert_eq!(unknown["range"]["start"]["line"], 14);
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `orders`")
    );

    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert!(c.child.wait().unwrap().success());
}
