//! Builds the [`Api`] from a loaded spec: servers, security, operations, parameters, bodies
//! and responses. Types are added to and looked up in the [`TypeSpace`]; schema conversion is
//! the space's own (`schema.rs`); passes over the finished types are in `walk.rs`.

use super::events;
use super::media::{self, MediaKind};
use super::merge;
use super::model::*;
use super::schema::Hint;
use super::space::TypeSpace;
use super::walk;
use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::naming::{self, Scope};
use crate::pointer;
use crate::resolve::{Component, RefError, Resolver};
use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, PathItem, ReferenceOr, RequestBody, Schema,
    SecurityScheme as OaScheme,
};
use std::collections::BTreeMap;

/// Turns a loaded spec into the IR. Errors stop generation; warnings come back with the IR.
pub fn build(loaded: &Loaded) -> (Option<Api>, Vec<Diagnostic>) {
    let resolver = Resolver::new(&loaded.document, &loaded.spec);
    let mut b = Builder {
        spec: &loaded.spec,
        document: &loaded.document,
        space: TypeSpace::new(&loaded.file, resolver),
        servers: Vec::new(),
    };
    let api = b.api();
    let failed = b.space.failed();
    let (mut types, diags, mut untyped) = b.space.finish();
    for u in &mut untyped {
        u.pointer = loaded.origins.original(&u.pointer);
    }
    let mut api = Api { types: Vec::new(), untyped, ..api };
    // Origins are shown in docs: they point into the file as written, not as rewritten (3.1).
    for t in &mut types {
        t.origin = loaded.origins.original(&t.origin);
    }
    for w in &mut api.webhooks {
        w.origin = loaded.origins.original(&w.origin);
    }
    api.types = types;
    (if failed { None } else { Some(api) }, diags)
}

struct Builder<'a> {
    spec: &'a OpenAPI,
    document: &'a serde_json::Value,
    space: TypeSpace<'a>,
    servers: Vec<Server>,
}

impl<'a> Builder<'a> {
    fn warn(&mut self, at: &str, message: &str) {
        self.space.warn(at, message);
    }

    fn error(&mut self, at: &str, message: &str) {
        self.space.error(at, message);
    }

    fn api(&mut self) -> Api {
        let spec = self.spec;
        self.servers.push(Server {
            url: spec.servers.first().map(server_url).unwrap_or_else(|| "/".to_owned()),
            description: spec.servers.first().and_then(|s| s.description.clone()).unwrap_or_default(),
        });
        let (security_schemes, credentials) = self.security_schemes();
        // The webhook enum's name is the API module's; a schema of that name moves aside.
        if self.document.get("x-webhooks").is_some() || self.document.get("webhooks").is_some() {
            self.space.claim_type_name(events::WEBHOOK_ENUM);
        }
        self.components();
        let operations = self.operations(&security_schemes);
        let webhooks = self.webhooks();
        let webhook_events = events::webhook_events(&mut self.space, self.document, &webhooks);
        let extensions = self.root_extensions();
        for (origin, message) in walk::break_alias_cycles(self.space.types_mut()) {
            self.warn(&origin, &message);
        }
        let mut operations = operations;
        let mut webhook_events = webhook_events;
        self.merge_identical_enums(&mut operations, webhook_events.as_mut());
        walk::compute_usage(self.space.types_mut(), &operations, &webhooks, webhook_events.as_ref());
        walk::box_recursive_fields(self.space.types_mut());
        self.error_accessors(&operations, &extensions);
        Api {
            title: spec.info.title.clone(),
            version: spec.info.version.clone(),
            description: spec.info.description.clone(),
            servers: std::mem::take(&mut self.servers),
            security_schemes,
            credentials,
            // Filled in from the type space by `build`.
            types: Vec::new(),
            operations,
            webhooks,
            webhook_events,
            extensions,
            untyped: Vec::new(),
        }
    }

    /// Identical inline enums become one type named after what they share; each old name stays
    /// as an alias of it (see `merge`). A merge whose name is taken already is skipped.
    fn merge_identical_enums(&mut self, operations: &mut [Operation], webhooks: Option<&mut WebhookEvents>) {
        let merges = merge::identical_enums(self.space.types_mut());
        let mut renames: BTreeMap<String, String> = BTreeMap::new();
        for m in merges {
            // A member already named what the group is called stays the enum; the others alias it.
            let keeper = m.members.iter().copied().find(|&i| self.space.types_mut()[i].name == m.name);
            if keeper.is_none() && self.space.name_taken(&m.name) {
                continue;
            }
            let name = match keeper {
                Some(_) => m.name.clone(),
                None => self.space.claim_type_name(&m.name),
            };
            let first = self.space.types_mut()[m.members[0]].clone();
            for &i in m.members.iter().filter(|&&i| Some(i) != keeper) {
                let member = &mut self.space.types_mut()[i];
                renames.insert(member.name.clone(), name.clone());
                member.docs = Docs {
                    // An explicit link target: the docs sanitizer keeps `[text](target)` links.
                    summary: Some(format!(
                        "Another name for [`{name}`]({name}): the spec repeats the same enum in several places."
                    )),
                    description: None,
                };
                member.kind = TypeKind::Alias(Shape::plain(TypeRef::Named(name.clone())));
            }
            if keeper.is_none() {
                self.space.push_type(TypeDef { name: name.clone(), owner: Owner::Component(name.clone()), ..first });
            }
        }
        if renames.is_empty() {
            return;
        }
        for t in self.space.types_mut().iter_mut().filter(|t| !renames.contains_key(&t.name)) {
            merge::rename_in_kind(&mut t.kind, &renames);
        }
        for op in operations {
            merge::rename_in_operation(op, &renames);
        }
        if let Some(w) = webhooks {
            merge::rename_in_events(&mut w.events, &renames);
        }
    }

    /// OpenAPI 3.1 `webhooks` (kept in the document as data: the typed reader knows 3.0 only).
    fn webhooks(&mut self) -> Vec<Webhook> {
        let mut out = Vec::new();
        let Some(hooks) = self.document.get("webhooks").and_then(serde_json::Value::as_object) else { return out };
        for (name, node) in hooks {
            let read: PathItem;
            let (item, item_at) = match crate::resolve::alias_of(node) {
                Some(reference) => {
                    let Some((item, at)) = self.path_item(reference) else { continue };
                    read = item;
                    (&read, at)
                }
                None => {
                    let at = pointer::join(["webhooks", name]);
                    match serde_json::from_value::<PathItem>(node.clone()) {
                        Ok(item) => {
                            read = item;
                            (&read, at)
                        }
                        Err(e) => {
                            self.error(&at, &format!("not a valid path item: {e}"));
                            continue;
                        }
                    }
                }
            };
            // Inline payload types live in a models file of their own, named after the webhook.
            let base = format!("{}Webhook", naming::type_name(name));
            let owner = Owner::Component(base.clone());
            for (method, op) in item.iter() {
                let at = format!("{item_at}/{method}");
                let body = match &op.request_body {
                    None => None,
                    Some(rb) => self.body(rb, &owner, &base, &format!("{at}/requestBody")).map(|b| b.shape),
                };
                out.push(Webhook {
                    name: name.clone(),
                    method: method.to_ascii_uppercase(),
                    body,
                    docs: Docs { summary: op.summary.clone(), description: op.description.clone() },
                    origin: at,
                });
            }
        }
        out
    }

    fn root_extensions(&self) -> ApiExtensions {
        let x_error = self.document.get("x-error");
        let get = |k: &str| x_error.and_then(|e| e.get(k)).and_then(|v| v.as_str()).map(str::to_owned);
        ApiExtensions { error_code_pointer: get("code"), error_message_pointer: get("message") }
    }

    /// The security schemes, and the credentials schemes share (`x-credential`).
    fn security_schemes(&mut self) -> (Vec<SecurityScheme>, Vec<Credential>) {
        let mut out = Vec::new();
        let mut credentials: Vec<Credential> = Vec::new();
        let Some(components) = &self.spec.components else { return (out, credentials) };
        // The generated `ClientBuilder`'s own methods (`voice_agents_runtime::__client_builder!`).
        let builder_methods = crate::contract::macro_methods("__client_builder").unwrap_or_default();
        let reserved: Vec<&str> = ["new", "credential"].into_iter().chain(builder_methods.iter().copied()).collect();
        let mut setters = Scope::with_reserved(&reserved);
        for (name, scheme) in &components.security_schemes {
            let at = pointer::join(["components", "securitySchemes", name]);
            let ReferenceOr::Item(scheme) = scheme else {
                self.error(&at, "referenced security schemes are not supported");
                continue;
            };
            let (kind, description) = match scheme {
                OaScheme::HTTP { scheme, description, .. } if scheme.eq_ignore_ascii_case("bearer") => {
                    (SecurityKind::Bearer, description)
                }
                OaScheme::HTTP { scheme, description, .. } if scheme.eq_ignore_ascii_case("basic") => {
                    (SecurityKind::Basic, description)
                }
                OaScheme::APIKey { location: openapiv3::APIKeyLocation::Header, name: header, description, .. } => {
                    (SecurityKind::ApiKeyHeader(header.clone()), description)
                }
                OaScheme::APIKey { location: openapiv3::APIKeyLocation::Query, name: q, description, .. } => {
                    (SecurityKind::ApiKeyQuery(q.clone()), description)
                }
                OaScheme::OAuth2 { description, .. } | OaScheme::OpenIDConnect { description, .. } => {
                    // The access token is sent as a bearer token; obtaining it is the caller's job.
                    (SecurityKind::Bearer, description)
                }
                other => {
                    self.warn(
                        &at,
                        &format!("security scheme {other:?} is not supported; operations using it get no credential"),
                    );
                    continue;
                }
            };
            out.push(SecurityScheme {
                name: name.clone(),
                setter: setters.claim_ident(naming::snake_name(name)).rust(),
                kind,
                description: description.clone(),
            });
            match scheme_extensions(scheme).get("x-credential") {
                None => {}
                Some(serde_json::Value::String(group)) => match credentials.iter_mut().find(|c| &c.name == group) {
                    Some(c) => c.schemes.push(name.clone()),
                    None => credentials.push(Credential {
                        name: group.clone(),
                        setter: String::new(),
                        schemes: vec![name.clone()],
                    }),
                },
                Some(_) => {
                    self.error(&format!("{at}/x-credential"), "`x-credential` must be a string naming the secret")
                }
            }
        }
        for c in &mut credentials {
            c.setter = setters.claim_ident(naming::snake_name(&c.name)).rust();
        }
        (out, credentials)
    }

    fn components(&mut self) {
        let Some(components) = &self.spec.components else { return };
        // Names first, so references between components (and cycles) resolve to names.
        // A schema may not take a name the generated module or the prelude already uses.
        for name in components.schemas.keys() {
            self.space.declare_component(name);
        }
        for (name, schema) in &components.schemas {
            let rust = self.space.component_type(name).unwrap_or_default().to_owned();
            let at = pointer::join(["components", "schemas", name]);
            match schema {
                ReferenceOr::Item(schema) => self.space.define_component(&rust, schema, &at),
                ReferenceOr::Reference { reference } => {
                    let target = self.space.resolve_schema_ref(reference, &at);
                    let _ = self.space.push_type(TypeDef {
                        name: rust.clone(),
                        origin: at,
                        owner: Owner::Component(rust),
                        docs: Docs::default(),
                        deprecated: false,
                        kind: TypeKind::Alias(Shape::plain(target)),
                        usage: Usage::default(),
                    });
                }
            }
        }
    }

    fn operations(&mut self, schemes: &[SecurityScheme]) -> Vec<Operation> {
        let mut out = Vec::new();
        let mut method_scope = Scope::with_reserved(&["builder", "core", "raw", "new", "clone"]);
        let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
        for (path, item) in &self.spec.paths.paths {
            let referenced: PathItem;
            let (item, item_at) = match item {
                ReferenceOr::Item(item) => (item, pointer::join(["paths", path])),
                ReferenceOr::Reference { reference } => {
                    let Some((item, item_at)) = self.path_item(reference) else { continue };
                    referenced = item;
                    (&referenced, item_at)
                }
            };
            for (method, op) in item.iter() {
                let at = format!("{item_at}/{method}");
                let id = op.operation_id.clone().unwrap_or_else(|| naming::operation_name_from_path(method, path));
                if let Some(first) = seen_ids.insert(id.clone(), at.clone()) {
                    self.error(&format!("{at}/operationId"), &format!("operationId `{id}` is also used at {first}"));
                    continue;
                }
                let ctx = OpContext {
                    path,
                    method,
                    at: &at,
                    id: &id,
                    item_params: &item.parameters,
                    item_servers: &item.servers,
                };
                if let Some(mut operation) = self.operation(&ctx, op, schemes) {
                    // Operation structs share the module namespace with models: one scope for both.
                    operation.type_name = self.space.claim_type_name(&id);
                    operation.method_name = method_scope.claim_ident(naming::snake_name(&id)).rust();
                    out.push(operation);
                }
            }
        }
        out
    }

    /// A path item given by reference (`components.pathItems` in 3.1, or anywhere local), read
    /// from the document: `openapiv3` has no typed home for it.
    fn path_item(&mut self, reference: &str) -> Option<(PathItem, String)> {
        match self.space.resolver().follow(reference) {
            Ok(target) => match serde_json::from_value::<PathItem>(target.node.clone()) {
                Ok(item) => Some((item, target.pointer())),
                Err(e) => {
                    self.error(&target.pointer(), &format!("not a valid path item: {e}"));
                    None
                }
            },
            // Dangling, external and cyclic references are reported by validate.
            Err(_) => None,
        }
    }

    fn operation(
        &mut self,
        ctx: &OpContext<'_>,
        op: &openapiv3::Operation,
        schemes: &[SecurityScheme],
    ) -> Option<Operation> {
        let group = naming::snake_name(&group_of(op, ctx.path)).text;
        let owner = Owner::Group(group.clone());
        let op_name = naming::type_name(ctx.id);
        let server = self.server_index(&op.servers, ctx.item_servers);
        let security = self.security(op, schemes, ctx.at);
        let params = self.params(ctx, op, &owner, &op_name);
        let body = match &op.request_body {
            None => None,
            Some(rb) => self.body(rb, &owner, &op_name, &format!("{}/requestBody", ctx.at)),
        };
        let read = self.responses(op, &owner, &op_name, ctx.at);
        let responses = read.responses;
        let mut output = output_of(&responses, &op_name);
        match read.stream {
            Some(Stream::Typed(origin, variants)) => {
                let others = responses.iter().filter(|r| r.status.is_success() && r.body.is_some()).count();
                if others > 1 {
                    self.warn(
                        &origin,
                        "the operation returns the event stream; its other success responses are not decoded",
                    );
                }
                let name = self.space.claim_type_name(&format!("{op_name}Event"));
                output = Output::EventStream(EventEnum { name, origin, variants });
            }
            Some(Stream::Raw) => output = Output::RawEventStream,
            None => {}
        }
        if let Output::PerStatus { name, .. } = &mut output {
            *name = self.space.claim_type_name(name);
        }
        let envelope = self.envelope(op, &output, ctx.at);
        if let Some(env) = &envelope {
            if let Some(payload) = self.member_shape(&env.type_name, &env.data_field) {
                output = if env.data_optional { Output::Optional(payload) } else { Output::Single(payload) };
            }
        }
        let pagination = self.pagination(op, &params, &output, envelope.as_ref(), ctx.at);
        Some(Operation {
            id: ctx.id.to_owned(),
            method_name: String::new(),
            type_name: String::new(),
            method: ctx.method.to_ascii_uppercase(),
            path: ctx.path.to_owned(),
            server,
            group,
            docs: Docs { summary: op.summary.clone(), description: op.description.clone() },
            deprecated: op.deprecated,
            security,
            params,
            body,
            responses,
            output,
            envelope,
            pagination,
            retry: op.extensions.get("x-retry") != Some(&serde_json::Value::Bool(false)),
            doc_aliases: self.doc_aliases(op, ctx.at),
            accept: read.accept,
        })
    }

    /// `x-doc-alias`: a name or a list of names. rustdoc takes words (letters, digits, `_`, `-`,
    /// `:`), so anything else is left out with a warning.
    fn doc_aliases(&mut self, op: &openapiv3::Operation, at: &str) -> Vec<String> {
        let Some(ext) = op.extensions.get("x-doc-alias") else { return Vec::new() };
        let at = format!("{at}/x-doc-alias");
        let names: Vec<&serde_json::Value> = match ext {
            serde_json::Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        let mut out = Vec::new();
        for name in names {
            match name.as_str() {
                Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || "_-:".contains(c)) => {
                    out.push(n.to_owned())
                }
                _ => self.warn(
                    &at,
                    &format!(
                        "`{name}` is not a name rustdoc can search for (letters, digits, `_`, `-`, `:`): left out"
                    ),
                ),
            }
        }
        out
    }

    /// The envelope of this operation's success body, if `x-envelope` applies to it.
    fn envelope(&mut self, op: &openapiv3::Operation, output: &Output, at: &str) -> Option<Envelope> {
        let root = self.document.get("x-envelope")?;
        // Envelopes wrap JSON bodies; an event stream's events carry their own payloads.
        if matches!(output, Output::EventStream(_)) {
            return None;
        }
        if op.extensions.get("x-envelope").is_some_and(|v| v == &serde_json::Value::Bool(false)) {
            return None;
        }
        let data_pointer = root.get("data").and_then(|v| v.as_str())?.to_owned();
        let request_id_pointer = root.get("requestId").and_then(|v| v.as_str()).map(str::to_owned);
        let Output::Single(Shape { ty: TypeRef::Named(type_name), .. }) = output else {
            if *output != Output::Unit {
                self.warn(at, "x-envelope applies, but the success response is not one object type: returned whole");
            }
            return None;
        };
        let token = data_pointer.strip_prefix('/').filter(|t| !t.contains('/')).map(pointer::unescape)?;
        let Some(field) =
            self.space.struct_named(type_name).and_then(|s| s.fields.iter().find(|f| f.wire == token)).cloned()
        else {
            self.warn(
                at,
                &format!("x-envelope names `{data_pointer}`, which `{type_name}` does not have: returned whole"),
            );
            return None;
        };
        Some(Envelope {
            type_name: type_name.clone(),
            data_field: field.name,
            data_optional: !field.required || field.nullable,
            data_pointer,
            request_id_pointer,
        })
    }

    fn member_shape(&self, type_name: &str, field: &str) -> Option<Shape> {
        self.space.struct_named(type_name)?.fields.iter().find(|f| f.name == field).map(|f| f.shape.clone())
    }

    /// Page-number pagination declared with `x-pagination`.
    fn pagination(
        &mut self,
        op: &openapiv3::Operation,
        params: &[Param],
        output: &Output,
        envelope: Option<&Envelope>,
        at: &str,
    ) -> Option<Pagination> {
        let ext = op.extensions.get("x-pagination")?;
        let at = format!("{at}/x-pagination");
        let get = |k: &str| ext.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let find = |wire: &str| params.iter().find(|p| p.wire == wire && p.location == ParamLocation::Query);
        let Some(page) = get("page").as_deref().and_then(find).cloned() else {
            self.error(&at, "`page` must name a query parameter of the operation");
            return None;
        };
        let size = get("size").as_deref().and_then(find).cloned();
        let items_pointer = get("items").unwrap_or_default();
        let (Output::Single(out_shape) | Output::Optional(out_shape)) = output else {
            self.error(&at, "paginated operations need one success body type");
            return None;
        };
        // The items are the payload itself (enveloped `data`), or a member of the body.
        let (items_path, array) = if envelope.is_some_and(|e| e.data_pointer == items_pointer) {
            (Vec::new(), out_shape.clone())
        } else {
            let token = items_pointer.trim_start_matches('/');
            let TypeRef::Named(n) = &out_shape.ty else {
                self.error(&at, &format!("cannot find items `{items_pointer}` in the response"));
                return None;
            };
            let Some(f) = self.space.struct_named(n).and_then(|s| s.fields.iter().find(|f| f.wire == token)).cloned()
            else {
                self.error(&at, &format!("`{n}` has no member `{token}` for the items"));
                return None;
            };
            (vec![AccessStep { field: f.name, optional: !f.required || f.nullable }], f.shape)
        };
        let TypeRef::Array(item) = array.ty else {
            self.error(&at, "the items pointer must lead to an array");
            return None;
        };
        let int_default = |p: &Param| p.default.as_ref().and_then(|d| d.as_u64());
        Some(Pagination {
            page_param: page.name.clone(),
            page_default: int_default(&page),
            size_param: size.as_ref().map(|s| s.name.clone()),
            size_default: size.as_ref().and_then(int_default),
            items_path,
            item: *item,
            has_next_pointer: get("hasNext"),
            total_pointer: get("total"),
        })
    }

    fn server_index(&mut self, op_servers: &[openapiv3::Server], item_servers: &[openapiv3::Server]) -> usize {
        let chosen = op_servers.first().or_else(|| item_servers.first());
        let Some(server) = chosen else { return 0 };
        let url = server_url(server);
        if let Some(i) = self.servers.iter().position(|s| s.url == url) {
            return i;
        }
        self.servers.push(Server { url, description: server.description.clone().unwrap_or_default() });
        self.servers.len() - 1
    }

    fn security(&mut self, op: &openapiv3::Operation, schemes: &[SecurityScheme], at: &str) -> Vec<Vec<String>> {
        let reqs = op.security.as_ref().or(self.spec.security.as_ref());
        let mut out = Vec::new();
        for req in reqs.into_iter().flatten() {
            let mut names = Vec::new();
            for name in req.keys() {
                let declared = self.spec.components.as_ref().is_some_and(|c| c.security_schemes.contains_key(name));
                if schemes.iter().any(|s| &s.name == name) {
                    names.push(name.clone());
                } else if declared {
                    // Declared but of a kind the runtime cannot send (warned where it is declared):
                    // the requirement is kept so the operation still asks for it, and fails clearly.
                    names.push(name.clone());
                } else {
                    self.error(
                        &format!("{at}/security"),
                        &format!("security scheme `{name}` is not declared in components.securitySchemes"),
                    );
                }
            }
            out.push(names);
        }
        out
    }

    fn params(&mut self, ctx: &OpContext<'_>, op: &openapiv3::Operation, owner: &Owner, op_name: &str) -> Vec<Param> {
        // Operation-level parameters override path-level ones with the same name and location.
        let mut merged: Vec<(Parameter, String)> = Vec::new();
        let item_at = ctx.at.rsplit_once('/').map(|(p, _)| p.to_owned()).unwrap_or_default();
        for (i, p) in ctx.item_params.iter().enumerate() {
            if let Some(p) = self.resolve_param(p, &format!("{item_at}/parameters/{i}")) {
                merged.push(p);
            }
        }
        for (i, p) in op.parameters.iter().enumerate() {
            if let Some((p, at)) = self.resolve_param(p, &format!("{}/parameters/{i}", ctx.at)) {
                let key = (p.parameter_data_ref().name.clone(), location_key(&p));
                merged.retain(|(q, _)| (q.parameter_data_ref().name.clone(), location_key(q)) != key);
                merged.push((p, at));
            }
        }
        let mut scope = Scope::with_reserved(&["body", "call"]);
        let mut out = Vec::new();
        for (p, at) in merged {
            let data = p.parameter_data_ref();
            let location = match &p {
                Parameter::Path { .. } => {
                    let catch_all = data.extensions.get("x-path-catch-all").and_then(|v| v.as_bool()).unwrap_or(false);
                    ParamLocation::Path { catch_all }
                }
                Parameter::Query { .. } => ParamLocation::Query,
                Parameter::Header { .. } => ParamLocation::Header,
                Parameter::Cookie { .. } => {
                    self.warn(&at, "cookie parameters are not supported; the parameter is left out");
                    continue;
                }
            };
            let schema = match &data.format {
                ParameterSchemaOrContent::Schema(s) => s.clone(),
                ParameterSchemaOrContent::Content(content) => {
                    match content.values().next().and_then(|m| m.schema.clone()) {
                        Some(s) => s,
                        None => {
                            self.warn(&at, "parameter without a schema is sent as a string");
                            ReferenceOr::Item(Schema {
                                schema_data: Default::default(),
                                schema_kind: openapiv3::SchemaKind::Type(openapiv3::Type::String(Default::default())),
                            })
                        }
                    }
                }
            };
            let hint = Hint {
                name: format!("{op_name}{}", naming::type_name(&data.name)),
                owner: owner.clone(),
                pointer: format!("{at}/schema"),
            };
            let d = self.space.describe(&schema, &hint);
            let mut shape = d.shape;
            if shape.ty == TypeRef::Uuid {
                // Kept as text so values read from other responses pass straight in; checked before sending.
                shape.ty = TypeRef::String;
                shape.constraints.format_uuid = true;
            }
            let explode = match &p {
                Parameter::Query { .. } | Parameter::Cookie { .. } => data.explode.unwrap_or(true),
                _ => data.explode.unwrap_or(false),
            };
            out.push(Param {
                wire: data.name.clone(),
                name: scope.claim_ident(naming::snake_name(&data.name)).rust(),
                required: data.required || matches!(location, ParamLocation::Path { .. }),
                location,
                shape,
                docs: Docs { summary: None, description: data.description.clone().or(d.docs.description) },
                default: d.default,
                deprecated: data.deprecated.unwrap_or(false),
                explode,
            });
        }
        self.check_path_template(ctx, &mut out, &mut scope);
        out
    }

    /// Template and declared path parameters must agree. Real specs get this wrong both ways;
    /// the operation is still generated: an undeclared `{name}` becomes a required string
    /// parameter, and a declared one missing from the template is dropped, each with a warning.
    fn check_path_template(&mut self, ctx: &OpContext<'_>, params: &mut Vec<Param>, scope: &mut Scope) {
        let in_template: Vec<String> =
            ctx.path.split('{').skip(1).filter_map(|s| s.split('}').next()).map(str::to_owned).collect();
        for name in &in_template {
            if !params.iter().any(|p| &p.wire == name && matches!(p.location, ParamLocation::Path { .. })) {
                self.warn(ctx.at, &format!("path template names `{{{name}}}` but no path parameter `{name}` is declared: generated as a required string"));
                params.push(Param {
                    wire: name.clone(),
                    name: scope.claim_ident(naming::snake_name(name)).rust(),
                    location: ParamLocation::Path { catch_all: false },
                    required: true,
                    shape: Shape::plain(TypeRef::String),
                    docs: Docs::default(),
                    default: None,
                    deprecated: false,
                    explode: false,
                });
            }
        }
        let before = params.len();
        params.retain(|p| !matches!(p.location, ParamLocation::Path { .. }) || in_template.contains(&p.wire));
        if params.len() != before {
            self.warn(ctx.at, "a declared path parameter does not appear in the path template: left out");
        }
    }

    fn resolve_param(&mut self, p: &ReferenceOr<Parameter>, at: &str) -> Option<(Parameter, String)> {
        self.item_or_ref(p, at, at)
    }

    /// A component given inline or by reference, with the pointer it lives at. A reference to
    /// something else than a `T` is an error here; dangling, external and cyclic references
    /// are reported once, by validate, and just leave the item out.
    fn item_or_ref<T: Component + Clone>(
        &mut self,
        value: &ReferenceOr<T>,
        at: &str,
        error_at: &str,
    ) -> Option<(T, String)> {
        match self.space.resolver().item_or_ref(value, at) {
            Ok((item, pointer)) => Some((item.clone(), pointer)),
            Err(RefError::NotA(what)) => {
                let reference = match value {
                    ReferenceOr::Reference { reference } => reference.as_str(),
                    ReferenceOr::Item(_) => "",
                };
                self.error(error_at, &format!("$ref `{reference}` does not resolve to {what}"));
                None
            }
            Err(_) => None,
        }
    }

    /// The request body in the media type the operation sends (see [`media::choose_request`]).
    /// `None` when there is none (or its `$ref` is broken, which validate reports).
    fn body(&mut self, rb: &ReferenceOr<RequestBody>, owner: &Owner, op_name: &str, at: &str) -> Option<Body> {
        let (rb, at) = self.item_or_ref(rb, at, at)?;
        let (media, content, kind) = media::choose_request(&rb.content)?;
        let media_at = format!("{at}/content/{}", pointer::escape(media));
        let hint =
            Hint { name: format!("{op_name}Request"), owner: owner.clone(), pointer: format!("{media_at}/schema") };
        let mut describe = |free_form: TypeRef| match &content.schema {
            Some(s) => self.space.describe(s, &hint).shape,
            None => Shape::plain(free_form),
        };
        let (shape, encoding) = match kind {
            MediaKind::Json => (describe(TypeRef::Json), BodyEncoding::Json),
            MediaKind::Form => (describe(TypeRef::JsonObject), BodyEncoding::Form(self.encodings(&media_at))),
            MediaKind::Multipart => (describe(TypeRef::Json), BodyEncoding::Multipart(self.encodings(&media_at))),
            MediaKind::Text => (Shape::plain(TypeRef::String), BodyEncoding::Text),
            MediaKind::Binary | MediaKind::EventStream => (Shape::plain(TypeRef::Upload), BodyEncoding::Binary),
        };
        Some(Body {
            shape,
            required: rb.required,
            docs: Docs { summary: None, description: rb.description.clone() },
            encoding,
            media_type: media.to_owned(),
            offered: rb.content.keys().cloned().collect(),
        })
    }

    /// A media type's `encoding` object, read from the document: `openapiv3` reads an absent
    /// `explode` as `false`, where OpenAPI's default for `style: form` is `true`.
    fn encodings(&self, media_at: &str) -> Vec<PropertyEncoding> {
        let Some(map) = self.document.pointer(&format!("{media_at}/encoding")).and_then(|v| v.as_object()) else {
            return Vec::new();
        };
        map.iter()
            .map(|(property, e)| {
                let text = |k: &str| e.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                PropertyEncoding {
                    property: property.clone(),
                    content_type: text("contentType"),
                    style: text("style"),
                    explode: e.get("explode").and_then(|v| v.as_bool()),
                }
            })
            .collect()
    }

    /// The documented responses, how the success response is streamed (if it is an event
    /// stream), and the `Accept` header: the media types read, success first.
    ///
    /// Each response is read in its best media type ([`media::choose_response`]): JSON is
    /// decoded, text is a `String`, anything else is bytes (a download when it is the output).
    /// An operation without any 2xx response reads its `default` response as the success too.
    fn responses(&mut self, op: &openapiv3::Operation, owner: &Owner, op_name: &str, at: &str) -> ReadResponses {
        let mut out = Vec::new();
        let mut stream = None;
        let mut entries: Vec<(StatusSpec, &ReferenceOr<openapiv3::Response>)> = Vec::new();
        for (code, r) in &op.responses.responses {
            let status = match code {
                openapiv3::StatusCode::Code(c) => StatusSpec::Code(*c),
                openapiv3::StatusCode::Range(r) => StatusSpec::Range(*r),
            };
            entries.push((status, r));
        }
        if let Some(r) = &op.responses.default {
            entries.push((StatusSpec::Default, r));
        }
        let success_count = entries.iter().filter(|(s, _)| s.is_success()).count();
        let (mut success_media, mut error_media) = (Vec::new(), Vec::new());
        for (status, r) in entries {
            let key = match status {
                StatusSpec::Code(c) => c.to_string(),
                StatusSpec::Range(r) => format!("{r}XX"),
                StatusSpec::Default => "default".to_owned(),
            };
            let r_at = format!("{at}/responses/{key}");
            let Some((resp, resp_at)) = self.item_or_ref(r, &r_at, &r_at) else { continue };
            let as_success = status.is_success() || (status == StatusSpec::Default && success_count == 0);
            let name = if status.is_success() {
                if success_count > 1 {
                    format!("{op_name}Response{key}")
                } else {
                    format!("{op_name}Response")
                }
            } else {
                format!("{op_name}Error{}", if key == "default" { "Default".to_owned() } else { key.clone() })
            };
            let chosen = media::choose_response(&resp.content);
            let body = chosen.map(|(media, content, kind)| match kind {
                MediaKind::Json => {
                    let hint = Hint {
                        name,
                        owner: owner.clone(),
                        pointer: format!("{r_at}/content/{}/schema", pointer::escape(media)),
                    };
                    match &content.schema {
                        Some(s) => self.space.describe(s, &hint).shape,
                        None => Shape::plain(TypeRef::Json),
                    }
                }
                MediaKind::Text => Shape::plain(TypeRef::Text),
                _ => Shape::plain(TypeRef::Bytes),
            });
            if as_success && stream.is_none() {
                let json_too = chosen.is_some_and(|(_, _, k)| k == MediaKind::Json);
                stream = match events::sse_events(&mut self.space, &resp.content, &resp_at, json_too, op_name, owner) {
                    Some((origin, variants)) => Some(Stream::Typed(origin, variants)),
                    None if chosen.is_some_and(|(_, _, k)| k == MediaKind::EventStream) => Some(Stream::Raw),
                    None => None,
                };
            }
            // What the client reads of this response, for `Accept`.
            let read: Vec<String> = match chosen {
                Some((_, _, MediaKind::Binary | MediaKind::Text)) => resp
                    .content
                    .iter()
                    .filter(|(m, c)| matches!(media::kind(m, c), MediaKind::Binary | MediaKind::Text))
                    .map(|(m, _)| media::essence(m))
                    .collect(),
                Some((m, _, _)) => vec![media::essence(m)],
                None => Vec::new(),
            };
            let list = if as_success { &mut success_media } else { &mut error_media };
            for m in read {
                if !list.contains(&m) {
                    list.push(m);
                }
            }
            let media_type = chosen.map(|(m, _, _)| m.to_string());
            out.push(Response {
                status,
                body,
                media_type,
                description: resp.description.clone(),
                is_success: as_success,
            });
        }
        let mut accept = success_media.clone();
        for m in error_media.iter().filter(|m| !success_media.contains(m) && *m != "*/*") {
            accept.push(if success_media.is_empty() { m.clone() } else { format!("{m};q=0.9") });
        }
        ReadResponses { responses: out, stream, accept: accept.join(", ") }
    }

    /// Gives error-body structs `code()`/`message()` accessors (from `x-error` or by field name).
    fn error_accessors(&mut self, operations: &[Operation], ext: &ApiExtensions) {
        let mut names = Vec::new();
        for op in operations {
            for r in op.responses.iter().filter(|r| !r.status.is_success()) {
                if let Some(Shape { ty: TypeRef::Named(n), .. }) = &r.body {
                    if !names.contains(n) {
                        names.push(n.clone());
                    }
                }
            }
        }
        for name in names {
            let code = self.access_path(&name, ext.error_code_pointer.as_deref(), &["code", "error_code", "errorCode"]);
            let message = self.access_path(
                &name,
                ext.error_message_pointer.as_deref(),
                &["message", "error", "detail", "error_description"],
            );
            if let Some(TypeDef { kind: TypeKind::Struct(s), .. }) = self.space.get_mut(&name) {
                s.error_accessors = Some(ErrorAccessors { code, message });
            }
        }
    }

    fn access_path(&self, type_name: &str, at: Option<&str>, fallbacks: &[&str]) -> Option<Vec<AccessStep>> {
        let tokens: Vec<String> = match at {
            Some(p) => pointer::parse(p)?,
            None => {
                let s = self.space.struct_named(type_name)?;
                let hit = fallbacks
                    .iter()
                    .find(|w| s.fields.iter().any(|f| f.wire == **w && f.shape.ty == TypeRef::String))?;
                vec![(*hit).to_owned()]
            }
        };
        let mut steps = Vec::new();
        let mut current = type_name.to_owned();
        for (i, token) in tokens.iter().enumerate() {
            let s = self.space.struct_named(&current)?;
            let f = s.fields.iter().find(|f| &f.wire == token)?;
            steps.push(AccessStep { field: f.name.clone(), optional: !f.required || f.nullable });
            let last = i + 1 == tokens.len();
            match (&f.shape.ty, last) {
                (TypeRef::String, true) => return Some(steps),
                (TypeRef::Named(n), false) => current = n.clone(),
                _ => return None,
            }
        }
        None
    }
}

/// What [`Builder::responses`] found.
struct ReadResponses {
    responses: Vec<Response>,
    stream: Option<Stream>,
    accept: String,
}

/// A success response that is an event stream.
enum Stream {
    /// Typed by `x-sse-events`: the extension's pointer and the events.
    Typed(String, Vec<EventVariant>),
    /// Without `x-sse-events`: untyped events.
    Raw,
}

/// A security scheme's `x-` extensions.
fn scheme_extensions(scheme: &OaScheme) -> &indexmap::IndexMap<String, serde_json::Value> {
    match scheme {
        OaScheme::APIKey { extensions, .. }
        | OaScheme::HTTP { extensions, .. }
        | OaScheme::OAuth2 { extensions, .. }
        | OaScheme::OpenIDConnect { extensions, .. } => extensions,
    }
}

struct OpContext<'a> {
    path: &'a str,
    method: &'a str,
    at: &'a str,
    id: &'a str,
    item_params: &'a [ReferenceOr<Parameter>],
    item_servers: &'a [openapiv3::Server],
}

fn location_key(p: &Parameter) -> u8 {
    match p {
        Parameter::Query { .. } => 0,
        Parameter::Header { .. } => 1,
        Parameter::Path { .. } => 2,
        Parameter::Cookie { .. } => 3,
    }
}

fn group_of(op: &openapiv3::Operation, path: &str) -> String {
    if let Some(tag) = op.tags.first() {
        return tag.clone();
    }
    path.split('/')
        .find(|s| !s.is_empty() && !s.starts_with('{'))
        .map(str::to_owned)
        .unwrap_or_else(|| "default".to_owned())
}

fn server_url(server: &openapiv3::Server) -> String {
    let mut url = server.url.clone();
    if let Some(vars) = &server.variables {
        for (name, var) in vars {
            url = url.replace(&format!("{{{name}}}"), &var.default);
        }
    }
    url
}

fn output_of(responses: &[Response], op_name: &str) -> Output {
    let success: Vec<&Response> = responses.iter().filter(|r| r.is_success).collect();
    let mut distinct: Vec<&Shape> = Vec::new();
    for r in &success {
        if let Some(s) = &r.body {
            if !distinct.iter().any(|d| d.ty == s.ty) {
                distinct.push(s);
            }
        }
    }
    let some_without_body = success.iter().any(|r| r.body.is_none());
    match distinct.as_slice() {
        [] => Output::Unit,
        // Bytes are streamed when they are the whole output; an empty success is an empty stream.
        [one] if one.ty == TypeRef::Bytes => Output::Download,
        [one] if !some_without_body => Output::Single((*one).clone()),
        [one] => Output::Optional((*one).clone()),
        _ => Output::PerStatus {
            name: format!("{op_name}Output"),
            variants: success
                .iter()
                .filter_map(|r| match r.status {
                    StatusSpec::Code(c) => Some((c, status_variant(c), r.body.clone())),
                    _ => None,
                })
                .collect(),
        },
    }
}

fn status_variant(code: u16) -> String {
    match code {
        200 => "Ok".to_owned(),
        201 => "Created".to_owned(),
        202 => "Accepted".to_owned(),
        203 => "NonAuthoritative".to_owned(),
        204 => "NoContent".to_owned(),
        206 => "PartialContent".to_owned(),
        c => format!("Status{c}"),
    }
}
