//! The contract between generator and runtime holds: the methods the runtime's builder macros
//! add are listed once in the runtime (`__private::BUILDER_MACROS`), that list matches what the
//! macros in `runtime/src/contract/macros.rs` really define, and the generator's copy
//! (`voice_agents_codegen::contract`) is the same, so no parameter setter is given one of those
//! names; a spec whose parameters are named after them gets setters under other names.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{TokenStream, TokenTree};

/// Every `pub fn` each `macro_rules!` of the macros file defines, with the macros it expands.
fn macros_file() -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    let path = voice_agents_tests::root().join("runtime/src/contract/macros.rs");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let file = syn::parse_file(&text).expect("the macros file parses");
    let mut out = BTreeMap::new();
    for item in file.items {
        let syn::Item::Macro(m) = item else { continue };
        let Some(name) = m.ident.map(|i| i.to_string()) else { continue };
        let (mut fns, mut expands) = (BTreeSet::new(), BTreeSet::new());
        scan(m.mac.tokens, &mut fns, &mut expands);
        out.insert(name, (fns, expands));
    }
    out
}

/// Collects `fn <name>` and `__x!` invocations anywhere in `tokens`.
fn scan(tokens: TokenStream, fns: &mut BTreeSet<String>, expands: &mut BTreeSet<String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Ident(id) if id == "fn" => {
                if let Some(TokenTree::Ident(name)) = tokens.get(i + 1) {
                    fns.insert(name.to_string());
                }
            }
            TokenTree::Ident(id) if id.to_string().starts_with("__") => {
                if matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!') {
                    expands.insert(id.to_string());
                }
            }
            TokenTree::Group(g) => scan(g.stream(), fns, expands),
            _ => {}
        }
    }
}

/// The methods a macro adds to the type it expands on: its own `pub fn`s (helpers nested in
/// other items, such as the span functions of `__api_identity!`, are not methods) and those of
/// the builder macros it expands.
fn methods_of(name: &str, file: &BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>) -> BTreeSet<String> {
    let (fns, expands) = &file[name];
    let mut all = fns.clone();
    for inner in expands.iter().filter(|m| file.contains_key(*m) && *m != name) {
        all.extend(methods_of(inner, file));
    }
    // `IntoFuture::into_future` is an impl of a trait, listed with the builder's own names.
    all.remove("into_future");
    all
}

fn as_map(list: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
    list.iter().map(|(m, methods)| ((*m).to_owned(), methods.iter().map(|s| (*s).to_owned()).collect())).collect()
}

#[test]
fn the_runtimes_list_of_builder_methods_is_what_its_macros_define() {
    let file = macros_file();
    let listed = as_map(voice_agents_runtime::__private::BUILDER_MACROS);
    for (name, methods) in &listed {
        assert!(file.contains_key(name), "BUILDER_MACROS lists `{name}!`, which macros.rs does not define");
        assert_eq!(&methods_of(name, &file), methods, "`{name}!` adds other methods than BUILDER_MACROS says");
    }
    // Every macro that adds methods to a generated type is listed.
    for (name, (fns, _)) in &file {
        let builds_methods = fns.iter().any(|f| {
            f == "send" || f == "build" || f == "timeout" || f == "fetch_page" || f == "mount" || f == "verify"
        });
        assert!(!builds_methods || listed.contains_key(name), "`{name}!` adds methods but is not in BUILDER_MACROS");
    }
}

#[test]
fn the_generators_list_of_builder_methods_is_the_runtimes() {
    assert_eq!(
        as_map(voice_agents_codegen::contract::BUILDER_MACROS),
        as_map(voice_agents_runtime::__private::BUILDER_MACROS),
        "codegen/src/contract.rs and runtime/src/contract/mod.rs disagree: update the generator's copy"
    );
}

#[test]
fn parameters_named_like_builder_methods_get_param_setters() {
    let names: BTreeSet<&str> = voice_agents_codegen::contract::BUILDER_MACROS
        .iter()
        // The client builder's and the mock types' names do not constrain request builders.
        .filter(|(m, _)| *m != "__client_builder" && !m.starts_with("__mock_"))
        .flat_map(|(_, methods)| methods.iter().copied())
        .chain(voice_agents_codegen::contract::BUILDER_OWN_NAMES.iter().copied())
        .collect();
    let params: Vec<String> =
        names.iter().map(|n| format!("        - {{name: {n}, in: query, schema: {{type: string}}}}")).collect();
    let spec = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /things:\n    get:\n      operationId: listThings\n      parameters:\n{}\n      responses: {{'204': {{description: ok}}}}\n",
        params.join("\n")
    );
    let generated = voice_agents_codegen::generate(
        voice_agents_codegen::Input { file: "collisions.yaml", text: &spec, overlay: None },
        "test",
    )
    .expect("generates");
    let ops = generated.files.iter().find(|f| f.path.ends_with("operations/things.rs")).expect("operations file");
    for name in names {
        // The setter is renamed (`_param`, or the field's own suffix for the builder's fields).
        let taken = format!("pub fn {name}(mut self, value");
        assert!(!ops.contents.contains(&taken), "a parameter setter takes the builder method name `{name}`");
    }
    assert!(ops.contents.contains("pub fn timeout_param(mut self, value"), "{}", ops.contents);
}
