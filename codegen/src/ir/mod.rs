//! The API as Rust sees it: named types, operations with classified parameters, bodies and
//! responses. Loaders feed it, emitters read it, and a change report is a diff of two of them.
//!
//! Nothing here knows about tokens or files, so the IR is testable on its own.
//!
//! Modules, each depending only on the ones listed before it: `model` (the data types),
//! `media` (which kind of body a media type is, and which one an operation sends or reads; it
//! needs only `openapiv3`), `walk` (passes over built types), `merge` (identical inline enums
//! made one type), `space` (the `TypeSpace` that owns the types being built), `schema`
//! (schemas -> types, methods of the space), `events` (SSE and webhook events from the vendor
//! extensions), `build` (the operations, and the passes run over the finished types).
//! This file only declares and re-exports them.

mod build;
mod events;
mod media;
mod merge;
mod model;
mod schema;
mod space;
mod walk;

pub use build::build;
pub use model::*;
pub(crate) use walk::{collect_event_names, collect_names, referenced_names};
#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load, Input};

    fn api(text: &str) -> Api {
        let loaded = load(Input { file: "t.yaml", text, overlay: None }).expect("loads");
        let (api, diags) = build(&loaded);
        api.unwrap_or_else(|| panic!("{diags:?}"))
    }

    #[test]
    fn nested_all_of_merges_every_part_once() {
        let api = api(r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Base:
      type: object
      required: [id]
      properties:
        id: {type: string}
    Pet:
      allOf:
        - $ref: '#/components/schemas/Base'
        - allOf:
            - type: object
              properties:
                tag: {type: object, properties: {label: {type: string}}}
            - type: object
              properties:
                age: {type: integer}
"#);
        let pet = api.types.iter().find(|t| t.name == "Pet").expect("Pet");
        let TypeKind::Struct(s) = &pet.kind else { panic!("Pet is a struct: {:?}", pet.kind) };
        let fields: Vec<(&str, bool)> = s.fields.iter().map(|f| (f.wire.as_str(), f.required)).collect();
        assert_eq!(fields, [("id", true), ("tag", false), ("age", false)]);
        let tags = api.types.iter().filter(|t| t.name.starts_with("PetTag")).count();
        assert_eq!(
            tags,
            1,
            "the inline `tag` object is synthesized once: {:?}",
            api.types.iter().map(|t| &t.name).collect::<Vec<_>>()
        );
    }

    #[test]
    fn all_of_with_a_part_that_contains_it_is_not_copied_into_itself() {
        // Merging copies Tree's properties into `same`, which is one of them: once would
        // recurse forever (a stack overflow the fuzzer found).
        let text = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Tree:
      type: object
      properties:
        same:
          allOf:
            - $ref: '#/components/schemas/Tree'
            - type: object
              properties:
                depth: {type: integer}
"#;
        let loaded = load(Input { file: "t.yaml", text, overlay: None }).expect("loads");
        let (api, diags) = build(&loaded);
        let api = api.expect("builds");
        let tree = api.types.iter().find(|t| t.name == "Tree").expect("Tree");
        let TypeKind::Struct(s) = &tree.kind else { panic!("Tree is a struct: {:?}", tree.kind) };
        assert_eq!(s.fields[0].shape.ty, TypeRef::Named("TreeSame".to_owned()));
        let same = api.types.iter().find(|t| t.name == "TreeSame").expect("TreeSame");
        assert_eq!(same.kind, TypeKind::Alias(Shape::plain(TypeRef::Json)), "not merged: free-form JSON");
        let warned: Vec<&str> = diags.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(warned, ["/components/schemas/Tree/properties/same"]);
    }

    #[test]
    fn schemes_sharing_an_x_credential_are_one_credential_with_one_setter() {
        let api = api(r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  securitySchemes:
    BearerAuth: {type: http, scheme: bearer, x-credential: api key}
    KeyHeader: {type: apiKey, in: header, name: X-API-Key, x-credential: api key}
    Session: {type: http, scheme: bearer}
"#);
        assert_eq!(
            api.credentials,
            [Credential {
                name: "api key".into(),
                setter: "api_key".into(),
                schemes: vec!["BearerAuth".into(), "KeyHeader".into()]
            }]
        );
        let setters: Vec<&str> = api.security_schemes.iter().map(|s| s.setter.as_str()).collect();
        assert_eq!(setters, ["bearer_auth", "key_header", "session"], "the per-scheme setters stay");
    }

    #[test]
    fn x_doc_alias_names_become_doc_aliases_and_other_text_is_left_out_with_a_warning() {
        let text = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /agents:
    post: {operationId: createService, x-doc-alias: [create_agent, "an agent"], responses: {'204': {description: ok}}}
    get: {operationId: listServices, x-doc-alias: list_agents, responses: {'204': {description: ok}}}
"#;
        let loaded = load(Input { file: "t.yaml", text, overlay: None }).expect("loads");
        let (api, diags) = build(&loaded);
        let api = api.expect("builds");
        let aliases: Vec<&[String]> = api.operations.iter().map(|o| o.doc_aliases.as_slice()).collect();
        // Operations come in path item order: `get` before `post`.
        assert_eq!(aliases, [&["list_agents".to_owned()][..], &["create_agent".to_owned()][..]]);
        assert!(diags.iter().any(|d| d.pointer == "/paths/~1agents/post/x-doc-alias"), "{diags:?}");
    }
}
