//! Hostile input: each is refused with a clear diagnostic, never a panic, hang or crash.
//! (Speed is measured in benchmarks, not asserted here.)

use updraft::diag::Code;
use updraft::source::SourceFile;

fn load(text: &str) -> Vec<updraft::diag::Diagnostic> {
    let file = SourceFile::new("hostile.yaml", text);
    match updraft::load(&file, &updraft::Options::default()) {
        Ok(_) => panic!("hostile input was accepted"),
        Err(d) => d,
    }
}

fn codes(d: &[updraft::diag::Diagnostic]) -> Vec<Code> {
    d.iter().map(|d| d.code).collect()
}

#[test]
fn alias_bomb_is_refused() {
    // "Billion laughs": nine levels of nine aliases expand to 9^9 nodes.
    let mut text = String::from("a0: &a0 [\"lol\"]\n");
    for i in 1..=9 {
        let refs: Vec<String> = (0..9).map(|_| format!("*a{}", i - 1)).collect();
        text.push_str(&format!("a{i}: &a{i} [{}]\n", refs.join(", ")));
    }
    text.push_str("app: bomb\n");
    let d = load(&text);
    assert_eq!(codes(&d), vec![Code::InputOverBudget], "{d:?}");
    assert!(d[0].message.contains("alias bomb"), "{}", d[0].message);
}

#[test]
fn alias_mistakes_each_get_their_own_message() {
    let message = |text: &str| {
        let d = load(text);
        assert_eq!(d.len(), 1, "{d:?}");
        (d[0].code, d[0].message.clone())
    };
    assert_eq!(
        message("app: *nope\n"),
        (Code::YamlSyntax, "alias `*nope` refers to no anchor".into())
    );
    assert_eq!(
        message("app: &a [*a]\n"),
        (
            Code::YamlSyntax,
            "alias `*a` is used inside its own anchor".into()
        )
    );
    let limit = updraft::syntax::Limits::default().max_aliases;
    let anchors: String = (0..=limit)
        .map(|i| format!("k{i}: &a{i} v\n"))
        .collect::<Vec<_>>()
        .concat();
    assert_eq!(
        message(&anchors),
        (
            Code::InputOverBudget,
            format!("the file defines more than {limit} anchors")
        )
    );
    let aliases: String = std::iter::once("k: &a v\n".to_string())
        .chain((0..=limit).map(|i| format!("r{i}: *a\n")))
        .collect();
    assert_eq!(
        message(&aliases),
        (
            Code::InputOverBudget,
            format!("the file uses more than {limit} aliases")
        )
    );
}

#[test]
fn deep_nesting_is_refused() {
    let depth = 10_000;
    let text = format!("app: deep\nx: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let d = load(&text);
    assert_eq!(codes(&d), vec![Code::InputOverBudget], "{d:?}");
    let block: String = (0..depth)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect::<Vec<_>>()
        .concat();
    let d = load(&block);
    assert!(
        matches!(codes(&d)[..], [Code::InputOverBudget | Code::YamlSyntax]),
        "{d:?}"
    );
}

#[test]
fn huge_file_is_refused_before_parsing() {
    let dir = std::env::temp_dir().join(format!("updraft-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.yaml");
    let line = "# padding padding padding padding padding padding padding padding\n";
    let text = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    std::fs::write(&path, &text).unwrap();
    let err = updraft::cli::read_spec(&path, updraft::syntax::Limits::default()).unwrap_err();
    assert_eq!(err.code, Code::InputOverBudget);
    assert!(err.message.contains("over the limit"), "{}", err.message);
    // The same text handed over in memory is refused by the parser's own size check.
    let d = load(&text);
    assert_eq!(codes(&d), vec![Code::InputOverBudget]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invalid_utf8_and_nul_bytes_are_refused() {
    let err = updraft::syntax::decode("x.yaml", b"app: caf\xe9\n".to_vec()).unwrap_err();
    assert_eq!(err.code, Code::InvalidEncoding);
    assert!(err.message.contains("offset 8"), "{}", err.message);
    let d = load("app: a\0b\n");
    assert_eq!(codes(&d), vec![Code::InvalidEncoding]);
    assert_eq!(d[0].primary_span().unwrap().start, 6);
}

#[test]
fn duplicate_keys_are_refused() {
    let d = load("app: a\nfunctions: {}\nfunctions: {}\n");
    assert_eq!(codes(&d), vec![Code::DuplicateKey]);
}

#[test]
fn documents_that_are_not_mappings_are_refused() {
    for text in ["- app: a\n", "just text\n", "42\n", "", "---\n...\n", "~\n"] {
        let d = load(text);
        assert_eq!(codes(&d), vec![Code::DocumentNotMapping], "{text:?}: {d:?}");
    }
}

#[test]
fn several_documents_are_refused() {
    let d = load("app: a\n---\napp: b\n");
    assert_eq!(codes(&d), vec![Code::YamlSyntax], "{d:?}");
}

#[test]
fn strings_crafted_to_break_out_are_kept_as_values() {
    // Quotes, template markers, backslashes and newlines are values, not syntax.
    let text = "app: shop\ndefaults: { runtime: nodejs24.x }\nfunctions:\n  api:\n    handler: src/api.handler\n    env:\n      NASTY: \"\\\"}; ${{x}} %{y} \\\\ \\n $${z} </script>\"\n";
    let file = SourceFile::new("t.yaml", text);
    let model = updraft::load(&file, &updraft::Options::default());
    // `${{x}}` is not a reference form: reported, not executed or dropped.
    let d = model.unwrap_err();
    assert_eq!(codes(&d), vec![Code::InvalidReference], "{d:?}");
}
