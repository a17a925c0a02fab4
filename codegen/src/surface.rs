//! The public Rust surface of generated files, one line per item, so that a regeneration can
//! report what changed for users even when the spec did not (a generator change).
//!
//! Complements [`crate::diff`], which compares two specs' IRs: this compares the emitted code.

use std::collections::BTreeSet;

use quote::ToTokens;

/// The public items of a set of generated files: `struct GetService<'a>`,
/// `fn Client::get_service(&self, agent_name: impl Into<String>) -> GetService<'_>`,
/// `field Agent.name: String`, `variant Status::Active`, `macro __request_builder!(GetService, Agent)`,
/// and the methods such a runtime macro adds: `fn GetService::send (from __request_builder!)`.
///
/// Files that do not parse are skipped: generated files always do.
pub fn public_items<'a>(files: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for text in files {
        if let Ok(file) = syn::parse_file(text) {
            for item in &file.items {
                collect(item, &mut out);
            }
        }
    }
    out
}

/// `(removed, added)` between two surfaces, each sorted.
pub fn changes(before: &BTreeSet<String>, after: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    (before.difference(after).cloned().collect(), after.difference(before).cloned().collect())
}

/// Rust text of a type, a signature or generics, as prettyplease prints it.
fn pretty(t: &impl ToTokens) -> String {
    let tokens = t.to_token_stream();
    // prettyplease prints whole files: wrap the fragment in an item, print, and cut it back out.
    let (wrapped, start, end) = match syn::parse2::<syn::Type>(tokens.clone()) {
        Ok(_) => (format!("type __T = {tokens};"), "type __T = ", ";"),
        Err(_) => match syn::parse2::<syn::Signature>(tokens.clone()) {
            Ok(_) => (format!("{tokens} {{}}"), "", " {}"),
            Err(_) => return tokens.to_string(),
        },
    };
    match syn::parse_file(&wrapped) {
        Ok(file) => {
            let text = prettyplease::unparse(&file);
            let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let one_line = one_line.replace("( ", "(").replace(", )", ")");
            one_line.strip_prefix(start).and_then(|t| t.strip_suffix(end)).unwrap_or(&one_line).to_owned()
        }
        Err(_) => tokens.to_string(),
    }
}

fn generics(g: &syn::Generics) -> String {
    if g.params.is_empty() {
        return String::new();
    }
    let params: Vec<String> = g.params.iter().map(|p| p.to_token_stream().to_string().replace("' ", "'")).collect();
    format!("<{}>", params.join(", "))
}

fn variant_fields(fields: &syn::Fields) -> String {
    match fields {
        syn::Fields::Unit => String::new(),
        syn::Fields::Unnamed(u) => {
            format!("({})", u.unnamed.iter().map(|f| pretty(&f.ty)).collect::<Vec<_>>().join(", "))
        }
        syn::Fields::Named(n) => {
            let fields: Vec<String> = n
                .named
                .iter()
                .map(|f| {
                    format!("{}: {}", f.ident.as_ref().map(ToString::to_string).unwrap_or_default(), pretty(&f.ty))
                })
                .collect();
            format!(" {{ {} }}", fields.join(", "))
        }
    }
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn collect(item: &syn::Item, out: &mut BTreeSet<String>) {
    match item {
        syn::Item::Struct(s) if is_pub(&s.vis) => {
            let name = s.ident.to_string();
            out.insert(format!("struct {name}{}", generics(&s.generics)));
            for f in s.fields.iter().filter(|f| is_pub(&f.vis)) {
                if let Some(id) = &f.ident {
                    out.insert(format!("field {name}.{id}: {}", pretty(&f.ty)));
                }
            }
        }
        syn::Item::Enum(e) if is_pub(&e.vis) => {
            let name = e.ident.to_string();
            out.insert(format!("enum {name}{}", generics(&e.generics)));
            for v in &e.variants {
                out.insert(format!("variant {name}::{}{}", v.ident, variant_fields(&v.fields)));
            }
        }
        syn::Item::Type(t) if is_pub(&t.vis) => {
            out.insert(format!("type {} = {}", t.ident, pretty(&t.ty)));
        }
        syn::Item::Fn(f) if is_pub(&f.vis) => {
            out.insert(pretty(&f.sig));
        }
        syn::Item::Const(c) if is_pub(&c.vis) => {
            out.insert(format!("const {}: {}", c.ident, pretty(&c.ty)));
        }
        syn::Item::Static(s) if is_pub(&s.vis) => {
            out.insert(format!("static {}: {}", s.ident, pretty(&s.ty)));
        }
        syn::Item::Impl(i) => {
            let self_ty = pretty(&i.self_ty);
            match &i.trait_ {
                Some((_, path, _)) => {
                    out.insert(format!(
                        "impl {} for {self_ty}",
                        path.to_token_stream().to_string().replace(" :: ", "::")
                    ));
                }
                None => {
                    for f in &i.items {
                        if let syn::ImplItem::Fn(m) = f {
                            if is_pub(&m.vis) {
                                out.insert(format!("fn {self_ty}::{}", pretty(&m.sig).trim_start_matches("fn ")));
                            }
                        }
                    }
                }
            }
        }
        syn::Item::Macro(m) => {
            let name = m.mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            out.insert(format!("macro {name}!({})", m.mac.tokens.to_string().replace(" ,", ",")));
            // A runtime macro's methods are part of the type it expands on (its first argument):
            // a method added to or removed from the macro is a change of that type's surface.
            let target = m.mac.tokens.clone().into_iter().next().map(|t| t.to_string());
            if let (Some(methods), Some(target)) = (crate::contract::macro_methods(&name), target) {
                for method in methods {
                    out.insert(format!("fn {target}::{method} (from {name}!)"));
                }
            }
        }
        syn::Item::Mod(m) => {
            if let Some((_, items)) = &m.content {
                for item in items {
                    collect(item, out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_items_and_their_changes_read_like_code() {
        let before = public_items([
            "pub struct Agent { pub name: String, secret: u8 }\nimpl Client { pub fn get(&self, id: impl Into<String>) -> Call<'_, Get> { todo!() } }",
        ]);
        let after = public_items([
            "pub struct Agent { pub name: String }\npub struct Get<'a> { call: State<'a> }\nimpl Client { pub fn get(&self, id: impl Into<String>) -> Get<'_> { todo!() } }\nimpl Operation for Get<'_> {}",
        ]);
        assert!(before.contains("field Agent.name: String"), "{before:?}");
        assert!(!before.iter().any(|i| i.contains("secret")), "private fields are not surface");
        let (removed, added) = changes(&before, &after);
        assert_eq!(removed, ["fn Client::get(&self, id: impl Into<String>) -> Call<'_, Get>"]);
        assert_eq!(
            added,
            ["fn Client::get(&self, id: impl Into<String>) -> Get<'_>", "impl Operation for Get<'_>", "struct Get<'a>"]
        );
    }

    #[test]
    fn a_runtime_macro_counts_as_the_methods_it_adds_to_its_type() {
        let items = public_items(["rt::__paginated_builder!(ListAgents, Agent);"]);
        assert!(items.contains("macro __paginated_builder!(ListAgents, Agent)"), "{items:?}");
        for method in ["fetch_page", "pages", "items"] {
            assert!(items.contains(&format!("fn ListAgents::{method} (from __paginated_builder!)")), "{items:?}");
        }
    }
}
