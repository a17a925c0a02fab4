//! Operations -> one request builder type per operation (its own docs page: endpoint, arguments,
//! setters for optional parameters, an example), its `Operation` impl and a `Client` method.

use super::ctx::{ident, Ctx};
use super::docs;
use super::events;
use super::types::{check_value, rust_type};
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Emits one operation: its request builder, the `Operation` impl and the `Client` method.
pub fn operation(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let op_name = format_ident!("{}", op.type_name);
    let method_name = ident(&op.method_name);
    let method_text = op.method_name.trim_start_matches("r#");
    let endpoint = format!("`{} {}`", op.method, op.path);
    let deprecated = op.deprecated.then(|| quote!(#[deprecated(note = "deprecated in the API spec")]));
    let aliases = &op.doc_aliases;
    let doc_alias = (!aliases.is_empty()).then(|| quote!(#[doc(alias( #( #aliases ),* ))]));

    // Fields of the builder: the call state, every parameter, then the body.
    let mut fields = Vec::new();
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    let mut arg_docs = Vec::new();
    let mut example_params = Vec::new();
    for p in &op.params {
        let name = ident(&p.name);
        let ty = rust_type(&p.shape.ty);
        if p.required {
            fields.push(quote!(#name: #ty,));
            args.push(quote!(#name: impl Into<#ty>));
            inits.push(quote!(#name: #name.into()));
            arg_docs.push(format!("- `{}`: {}", p.name.trim_start_matches("r#"), param_summary(ctx, p)));
            example_params.push((p.name.clone(), example_type(&p.shape.ty)));
        } else {
            fields.push(quote!(#name: Option<#ty>,));
            inits.push(quote!(#name: None));
            let dep = p.deprecated.then(|| quote!(#[deprecated(note = "deprecated in the API spec")]));
            let setter = setter_name(&p.name);
            let pdoc = param_doc(p);
            setters.push(quote! {
                #pdoc #dep
                pub fn #setter(mut self, value: impl Into<#ty>) -> Self { self.#name = Some(value.into()); self }
            });
        }
    }
    if let Some(body) = &op.body {
        let ty = body_type(ctx, body);
        if body.required {
            fields.push(quote!(body: #ty,));
            args.push(quote!(body: impl Into<#ty>));
            inits.push(quote!(body: body.into()));
            let what = body.docs.description.as_deref().or(body.docs.summary.as_deref()).map(first_line);
            let what = what.map(|w| format!(": {}", docs::sanitize(w))).unwrap_or_default();
            arg_docs.push(format!("- `body`: {}, the request body{what}", type_link(&ty)));
            example_params.push(("body".to_owned(), type_text(&ty)));
        } else {
            fields.push(quote!(body: Option<#ty>,));
            inits.push(quote!(body: None));
            let bdoc = docs::attrs(
                &super::types::with_fallback(&body.docs, || {
                    "Sets the request body (optional for this operation).".to_owned()
                }),
                &[],
            );
            setters.push(quote! {
                #bdoc
                pub fn body(mut self, value: impl Into<#ty>) -> Self { self.body = Some(value.into()); self }
            });
        }
    }

    let (output_ty, output_item) = output(ctx, op);
    let builder_macro = match &op.output {
        Output::EventStream(events) => {
            let event = format_ident!("{}", events.name);
            quote!(rt::__stream_builder!(#op_name, #event);)
        }
        Output::RawEventStream => quote!(rt::__stream_builder!(#op_name, rt::SseEvent);),
        Output::Download => quote!(rt::__download_builder!(#op_name);),
        _ => quote!(rt::__request_builder!(#op_name, #output_ty);),
    };
    let info = info(op);
    let validate = validate_fn(ctx, op);
    let build = build_fn(ctx, op);
    let decode = decode_fn(op);
    let decode_error = decode_error_fn(ctx, op);
    let envelope_const = op.envelope.as_ref().map(|env| {
        let request_id = match &env.request_id_pointer {
            Some(p) => quote!(Some(#p)),
            None => quote!(None),
        };
        quote! {
            const ENVELOPE: Option<rt::EnvelopeInfo> =
                Some(rt::EnvelopeInfo { request_id: #request_id });
        }
    });
    let paginated = op.pagination.as_ref().map(|p| paginated_impl(op, p));
    let no_retry = (!op.retry).then(|| {
        quote!(
            const RETRY: bool = false;
        )
    });
    let sensitive = op.body.as_ref().is_some_and(|b| ctx.holds_secrets(&b.shape.ty)).then(|| {
        quote!(
            const SENSITIVE_BODY: bool = true;
        )
    });
    let builder_setters = (!setters.is_empty()).then(|| {
        quote! {
            impl #op_name<'_> {
                #( #setters )*
            }
        }
    });

    // The builder's page: what the operation does, its endpoint, its arguments and an example.
    let mut extra = vec![endpoint.clone()];
    if let Some(server) = ctx.api.servers.get(op.server).filter(|_| op.server != 0) {
        extra.push(format!("Served from `{}`.", server.url));
    }
    if op.deprecated {
        extra.push("**Deprecated** in the spec.".to_owned());
    }
    let summary = super::types::with_fallback(&op.docs, || format!("Calls `{}`.", op.id));
    let builder_doc = docs::attrs(&summary, &extra);
    let mut how = match &op.output {
        Output::EventStream(events) => format!(
            "Built by [`Client::{method_text}`]; set options, then `.await` it for the stream of [`{}`]s (a `Stream`: read it with `futures_util::StreamExt`) or call [`send_with_response`](Self::send_with_response) (status, headers and request id too). Retries stop once the response headers arrive; the client's idle timeout applies between events.",
            events.name
        ),
        Output::RawEventStream => format!(
            "Built by [`Client::{method_text}`]; set options, then `.await` it for the stream of untyped events ([`SseEvent`](rt::SseEvent)s: the spec does not describe them) or call [`send_with_response`](Self::send_with_response) (status, headers and request id too). Retries stop once the response headers arrive; the client's idle timeout applies between events."
        ),
        Output::Download => format!(
            "Built by [`Client::{method_text}`]; set options, then `.await` it for the body as a [`ByteStream`](rt::ByteStream) of chunks (`save_to(path)`, `bytes()`, `text()`, or read it as a `Stream`; it is never read whole unless you ask) or call [`send_with_response`](Self::send_with_response) (status, headers and request id too). Retries stop once the response headers arrive; the client's idle timeout applies between chunks."
        ),
        _ => format!(
            "Built by [`Client::{method_text}`]; set options, then `.await` it (the payload) or call [`send_with_response`](Self::send_with_response) (status, headers and request id too)."
        ),
    };
    if !arg_docs.is_empty() {
        // Each line is sanitized where it quotes the spec; its type links are the generator's own.
        how.push_str(&format!("\n\nArguments of [`Client::{method_text}`]:\n{}", arg_docs.join("\n")));
    }
    if let Some(text) = op.body.as_ref().and_then(body_sent_doc) {
        how.push_str(&format!("\n\n{text}"));
    }
    how.push_str(&format!("\n\n# Example\n\n{}", example(ctx, op, &example_params)));
    let builder_how = docs::trusted_attrs(&how);
    let headline =
        docs::sanitize(first_line(summary.summary.as_deref().or(summary.description.as_deref()).unwrap_or_default()));
    let method_doc = docs::trusted_attrs(&format!(
        "{} ({endpoint}); see [`{}`] for its options.",
        headline.trim_end_matches('.'),
        op.type_name
    ));
    quote! {
        #builder_doc
        ///
        #builder_how
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent or awaited"]
        #deprecated
        #doc_alias
        pub struct #op_name<'a> {
            call: rt::CallState<'a>,
            #( #fields )*
        }

        #builder_setters

        #output_item

        // The contract with the runtime, not something to call: hidden from the docs page.
        #[doc(hidden)]
        impl rt::Operation for #op_name<'_> {
            type Output = #output_ty;
            const INFO: &'static rt::OperationInfo = &#info;
            #envelope_const
            #no_retry
            #sensitive
            #validate
            #build
            #decode
            #decode_error
        }

        #builder_macro
        #paginated

        impl Client {
            #method_doc
            #deprecated
            #doc_alias
            pub fn #method_name(&self, #( #args ),*) -> #op_name<'_> {
                #op_name { call: rt::CallState::new(&self.core), #( #inits ),* }
            }
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default().trim()
}

/// One line on a required argument: its type, where it goes and the spec's description.
fn param_summary(ctx: &Ctx<'_>, p: &Param) -> String {
    let location = match p.location {
        ParamLocation::Path { .. } => "path parameter",
        ParamLocation::Query => "query parameter",
        ParamLocation::Header => "header",
    };
    let _ = ctx;
    let ty = type_link(&rust_type(&p.shape.ty));
    let what = p.docs.description.as_deref().or(p.docs.summary.as_deref()).map(first_line).unwrap_or_default();
    let what = if what.is_empty() { String::new() } else { format!(": {}", docs::sanitize(what)) };
    format!("{ty}, the `{}` {location}{what}", docs::sanitize(&p.wire))
}

/// A type as docs show it: a link for a type of this API (`[`Agent`]`), code for the rest.
fn type_link(ty: &TokenStream) -> String {
    let text = type_text(ty);
    let is_local =
        text.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && !text.contains(['<', ':']) && text != "String";
    if is_local {
        format!("[`{text}`]")
    } else if let Some(runtime) = text.strip_prefix("rt::") {
        format!("[`{runtime}`](rt::{runtime})")
    } else {
        format!("`{text}`")
    }
}

/// The type a required argument has in the example's hidden function signature.
fn example_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "&str".to_owned(),
        other => type_text(&rust_type(other)),
    }
}

/// A type's tokens as the text a person writes.
fn type_text(ty: &TokenStream) -> String {
    ty.to_string().replace(" < ", "<").replace(" >", ">").replace(" :: ", "::").replace(" ,", ",")
}

/// A compiled (`no_run`) example of the call; required arguments are parameters of a hidden
/// function, so the example shows the call itself and still type-checks.
fn example(ctx: &Ctx<'_>, op: &Operation, params: &[(String, String)]) -> String {
    let module = &ctx.module_path;
    let root = module.split("::").next().unwrap_or(module);
    let mut sig = format!("client: &{module}::Client");
    for (name, ty) in params {
        sig.push_str(&format!(", {name}: {ty}"));
    }
    let args: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
    let call = format!("client.{}({})", op.method_name, args.join(", "));
    let body = match &op.output {
        Output::Unit => format!("{call}.await?;"),
        Output::EventStream(_) | Output::RawEventStream => format!(
            "use futures_util::StreamExt;\n\nlet mut events = {call}.await?;\nwhile let Some(event) = events.next().await {{\n    println!(\"{{:?}}\", event?);\n}}"
        ),
        Output::Download => format!(
            "let download = {call}.await?;\nlet written = download.save_to(\"{}.bin\").await?;\nprintln!(\"{{written}} bytes\");",
            op.method_name.trim_start_matches("r#")
        ),
        _ => format!("let response = {call}.await?;\nprintln!(\"{{response:?}}\");"),
    };
    format!(
        "```no_run\n# #[allow(unused_imports)] use {root}::{{bytes, chrono, serde_json, uuid}};\n# use {module}::*;\n# async fn example({sig}) -> Result<(), Box<dyn std::error::Error>> {{\n{body}\n# Ok(())\n# }}\n```"
    )
}

fn paginated_impl(op: &Operation, p: &Pagination) -> TokenStream {
    let op_name = format_ident!("{}", op.type_name);
    let item = rust_type(&p.item.ty);
    let page = ident(&p.page_param);
    let page_default = proc_macro2::Literal::u64_unsuffixed(p.page_default.unwrap_or(1));
    // The page parameter's own integer type bounds the conversion from the runtime's u64.
    let page_ty = op
        .params
        .iter()
        .find(|q| q.name == p.page_param)
        .map(|q| rust_type(&q.shape.ty))
        .unwrap_or_else(|| quote!(i64));
    let has_next = match &p.has_next_pointer {
        Some(ptr) => quote!(Some(#ptr)),
        None => quote!(None),
    };
    let total = match &p.total_pointer {
        Some(ptr) => quote!(Some(#ptr)),
        None => quote!(None),
    };
    let size = match (&p.size_param, p.size_default) {
        (Some(name), Some(d)) => {
            let name = ident(name);
            let d = proc_macro2::Literal::u64_unsuffixed(d);
            quote!(self.#name.and_then(|v| u64::try_from(v).ok()).or(Some(#d)))
        }
        (Some(name), None) => {
            let name = ident(name);
            quote!(self.#name.and_then(|v| u64::try_from(v).ok()))
        }
        (None, Some(d)) => {
            let d = proc_macro2::Literal::u64_unsuffixed(d);
            quote!(Some(#d))
        }
        (None, None) => quote!(None),
    };
    let items = match p.items_path.as_slice() {
        [] => quote!(output),
        [step] if step.optional => {
            let f = ident(&step.field);
            quote!(output.#f.unwrap_or_default())
        }
        [step] => {
            let f = ident(&step.field);
            quote!(output.#f)
        }
        _ => quote!(Vec::new()),
    };
    quote! {
        #[doc(hidden)]
        impl rt::Paginated for #op_name<'_> {
            type Item = #item;
            const PAGES: rt::PageInfo = rt::PageInfo { has_next: #has_next, total: #total };
            fn page(&self) -> u64 {
                self.#page.and_then(|v| u64::try_from(v).ok()).unwrap_or(#page_default)
            }
            fn set_page(&mut self, page: u64) {
                self.#page = Some(page.try_into().unwrap_or(#page_ty::MAX));
            }
            fn page_size(&self) -> Option<u64> {
                #size
            }
            fn into_items(output: Self::Output) -> Vec<Self::Item> {
                #items
            }
        }

        rt::__paginated_builder!(#op_name, #item);
    }
}

/// A parameter setter's name: the field's, with a `_param` suffix when a method every request
/// builder has takes it (`GET /logs?query=` -> `.query_param(..)`; see [`crate::contract`]).
fn setter_name(field: &str) -> proc_macro2::Ident {
    let bare = field.trim_start_matches("r#");
    if crate::contract::is_taken_on_request_builders(bare) {
        format_ident!("{}_param", bare)
    } else {
        ident(field)
    }
}

fn param_doc(p: &Param) -> TokenStream {
    let mut extra = Vec::new();
    let location = match p.location {
        ParamLocation::Path { catch_all: true } => "path parameter, may contain `/`",
        ParamLocation::Path { .. } => "path parameter",
        ParamLocation::Query => "query parameter",
        ParamLocation::Header => "header",
    };
    extra.push(format!("`{}` ({location}).", p.wire));
    if let Some(d) = &p.default {
        extra.push(format!("Server default when left out: `{d}`."));
    }
    // The location line says which parameter it is; no "The `x` parameter." placeholder.
    docs::attrs(&p.docs, &extra)
}

fn info(op: &Operation) -> TokenStream {
    let id = &op.id;
    let method = format_ident!("{}", op.method);
    let path = &op.path;
    let server = proc_macro2::Literal::usize_unsuffixed(op.server);
    let alternatives = op.security.iter().map(|names| quote!(&[ #( #names ),* ]));
    let accept = &op.accept;
    quote! {
        rt::OperationInfo {
            id: #id,
            method: rt::Method::#method,
            path: #path,
            server: #server,
            security: &[ #( #alternatives ),* ],
            accept: #accept,
        }
    }
}

fn validate_fn(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    validate_fn_with(ctx, op, true)
}

/// The `validate` method of a type holding the operation's parameters in fields of their names
/// (and, when `with_body`, its body in `body`), as the builder does: also what the mock's typed
/// request checks a received request with. Empty when nothing needs checking.
pub(super) fn validate_fn_with(ctx: &Ctx<'_>, op: &Operation, with_body: bool) -> TokenStream {
    let mut checks = Vec::new();
    for p in op.params.iter().filter(|p| ctx.needs_check(&p.shape)) {
        let name = ident(&p.name);
        // Named like the runtime's own path-encoding errors: `path.agentName`, `query.limit`.
        let location = match p.location {
            ParamLocation::Path { .. } => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
        };
        let field = format!("{location}.{}", p.wire);
        let path = quote!(#field);
        if p.required {
            let inner = check_value(ctx, quote!(value), &p.shape, path);
            checks.push(quote!( { let value = &self.#name; #inner } ));
        } else {
            let inner = check_value(ctx, quote!(value), &p.shape, path);
            checks.push(quote!( if let Some(value) = &self.#name { #inner } ));
        }
    }
    if let Some(body) = op.body.as_ref().filter(|b| with_body && ctx.needs_check(&b.shape)) {
        let path = quote!("body");
        if body.required {
            let inner = check_value(ctx, quote!(value), &body.shape, path);
            checks.push(quote!( { let value = &self.body; #inner } ));
        } else {
            let inner = check_value(ctx, quote!(value), &body.shape, path);
            checks.push(quote!( if let Some(value) = &self.body { #inner } ));
        }
    }
    if checks.is_empty() {
        return quote!();
    }
    quote! {
        fn validate(&self) -> Result<(), rt::ValidationError> {
            #( #checks )*
            Ok(())
        }
    }
}

/// Text of a named type that is not an enum (a union or alias): its JSON form, unquoted
/// when it is a string.
fn json_text(value: TokenStream) -> TokenStream {
    quote!(rt::json_text(#value))
}

/// Expression turning a parameter value (a reference) into its text form.
fn to_text(ctx: &Ctx<'_>, ty: &TypeRef, value: TokenStream) -> TokenStream {
    if let TypeRef::Named(n) = ty {
        if let Some(aliased) = ctx.alias_of(n) {
            return to_text(ctx, &aliased.ty, value);
        }
    }
    match ty {
        TypeRef::Named(n) if !ctx.is_enum(n) => {
            let text = json_text(value);
            quote!(&#text)
        }
        TypeRef::String => quote!(#value.as_str()),
        TypeRef::DateTime => quote!(&#value.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        TypeRef::Json | TypeRef::JsonObject | TypeRef::Map(_) => {
            quote!(&serde_json::to_string(#value).unwrap_or_default())
        }
        _ => quote!(&#value.to_string()),
    }
}

/// Expression turning a parameter value (a reference) into an owned `String`.
fn to_owned_text(ctx: &Ctx<'_>, ty: &TypeRef, value: TokenStream) -> TokenStream {
    if let TypeRef::Named(n) = ty {
        if let Some(aliased) = ctx.alias_of(n) {
            return to_owned_text(ctx, &aliased.ty, value);
        }
    }
    match ty {
        TypeRef::Named(n) if !ctx.is_enum(n) => json_text(value),
        TypeRef::String => quote!(#value.clone()),
        TypeRef::DateTime => quote!(#value.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        TypeRef::Json | TypeRef::JsonObject | TypeRef::Map(_) => {
            quote!(serde_json::to_string(#value).unwrap_or_default())
        }
        _ => quote!(#value.to_string()),
    }
}

fn build_fn(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let mut steps = Vec::new();
    for p in &op.params {
        let name = ident(&p.name);
        let wire = &p.wire;
        let one = |value: TokenStream, ty: &TypeRef| -> TokenStream {
            match p.location {
                ParamLocation::Path { catch_all: false } => {
                    let text = to_text(ctx, ty, value);
                    quote!(req.path_param(#wire, #text)?;)
                }
                ParamLocation::Path { catch_all: true } => {
                    let text = to_text(ctx, ty, value);
                    quote!(req.path_param_multi(#wire, #text)?;)
                }
                ParamLocation::Query => {
                    let text = to_text(ctx, ty, value);
                    quote!(req.query(#wire, #text);)
                }
                ParamLocation::Header => {
                    let text = to_text(ctx, ty, value);
                    quote!(req.header(#wire, #text)?;)
                }
            }
        };
        let emit = |value: TokenStream| -> TokenStream {
            match &p.shape.ty {
                TypeRef::Array(item) if p.explode && p.location == ParamLocation::Query => {
                    let each = one(quote!(item), &item.ty);
                    quote!( for item in #value.iter() { #each } )
                }
                TypeRef::Array(item) => {
                    let joined = if item.ty == TypeRef::String {
                        quote!(&#value.join(","))
                    } else {
                        let text = to_owned_text(ctx, &item.ty, quote!(item));
                        quote!(&#value.iter().map(|item| #text).collect::<Vec<String>>().join(","))
                    };
                    match p.location {
                        ParamLocation::Query => quote!(req.query(#wire, #joined);),
                        ParamLocation::Header => quote!(req.header(#wire, #joined)?;),
                        ParamLocation::Path { .. } => quote!(req.path_param(#wire, #joined)?;),
                    }
                }
                ty => one(value, ty),
            }
        };
        // Struct and union parameters are turned into JSON text through a reference.
        let by_reference = matches!(&p.shape.ty, TypeRef::Named(n) if !ctx.is_enum(n) && ctx.alias_of(n).is_none());
        if p.required && by_reference {
            let inner = emit(quote!(value));
            steps.push(quote!( { let value = &self.#name; #inner } ));
        } else if p.required {
            steps.push(emit(quote!(self.#name)));
        } else {
            let inner = emit(quote!(value));
            steps.push(quote!( if let Some(value) = &self.#name { #inner } ));
        }
    }
    if let Some(body) = &op.body {
        if body.required {
            steps.push(send_body(ctx, body, quote!(&self.body)));
        } else {
            let send = send_body(ctx, body, quote!(body));
            steps.push(quote!( if let Some(body) = &self.body { #send } ));
        }
    }
    let req = if steps.is_empty() { quote!(_req) } else { quote!(req) };
    quote! {
        fn build(&self, #req: &mut rt::RequestParts) -> Result<(), rt::Error> {
            #( #steps )*
            Ok(())
        }
    }
}

fn decode_shape(shape: &Shape) -> TokenStream {
    match shape.ty {
        TypeRef::Bytes => quote!(Ok(resp.body.clone())),
        TypeRef::Text => quote!(rt::decode_text(resp)),
        _ => quote!(rt::decode_json(resp)),
    }
}

fn output(ctx: &Ctx<'_>, op: &Operation) -> (TokenStream, TokenStream) {
    match &op.output {
        Output::Unit => (quote!(()), quote!()),
        Output::Single(s) => (rust_type(&s.ty), quote!()),
        Output::Optional(s) => {
            let ty = rust_type(&s.ty);
            (quote!(Option<#ty>), quote!())
        }
        Output::PerStatus { name, variants } => {
            let enum_name = format_ident!("{}", name);
            let vs = variants.iter().map(|(code, v, body)| {
                let vname = format_ident!("{}", v);
                let vdoc = docs::lines_to_attrs(&format!("Status {code}."));
                match body {
                    Some(s) => {
                        let ty = rust_type(&s.ty);
                        quote!(#vdoc #vname(#ty),)
                    }
                    None => quote!(#vdoc #vname,),
                }
            });
            let doc = docs::lines_to_attrs(&format!("What `{}` returns, by status.", op.id));
            (
                quote!(#enum_name),
                quote! {
                    #doc
                    #[derive(Debug, Clone, PartialEq)]
                    #[non_exhaustive]
                    pub enum #enum_name { #( #vs )* }
                },
            )
        }
        // The runtime reads the stream itself (`__stream_builder!`); nothing is decoded.
        Output::EventStream(events) => (quote!(()), events::stream_enum(ctx, op, events)),
        Output::RawEventStream => (quote!(()), quote!()),
        // The runtime hands the body over as a stream (`__download_builder!`); nothing decodes it.
        Output::Download => (quote!(()), quote!()),
    }
}

/// `decode` and `decode_error` are `#[inline]`, like the builder methods the runtime's macros
/// expand: inline functions are compiled where they are called, so the serde code they
/// instantiate is built in the application for the operations it calls, not in the SDK crate
/// for all of them (a large SDK such as oxide-rs' rebuilds markedly faster; `cargo xtask bench`
/// times crate rebuilds).
fn decode_fn(op: &Operation) -> TokenStream {
    if let Some(env) = &op.envelope {
        // The wire body is the envelope; the caller gets its payload member, and the runtime
        // keeps the other members, all from one pass over the body.
        let member = crate::pointer::unescape(env.data_pointer.trim_start_matches('/'));
        return quote! {
            #[inline]
            fn decode_envelope(resp: &rt::RawResponse) -> Result<(Self::Output, rt::EnvelopeRest), rt::Error> {
                rt::decode_enveloped(resp, #member)
            }
        };
    }
    let body = match &op.output {
        // The runtime hands a stream or a download to the caller and never decodes it.
        Output::EventStream(_) | Output::RawEventStream | Output::Download => return quote!(),
        Output::Unit => quote!({
            let _ = resp;
            Ok(())
        }),
        Output::Single(s) => decode_shape(s),
        Output::Optional(s) => {
            let empty: Vec<u16> = op
                .responses
                .iter()
                .filter_map(|r| match (r.status, &r.body) {
                    (StatusSpec::Code(c), None) => Some(c),
                    _ => None,
                })
                .collect();
            let inner = decode_shape(s);
            quote! {
                match resp.status.as_u16() {
                    #( #empty )|* => Ok(None),
                    _ => { let value: Result<_, rt::Error> = #inner; value.map(Some) }
                }
            }
        }
        Output::PerStatus { name, variants } => {
            let enum_name = format_ident!("{}", name);
            let arms = variants.iter().map(|(code, v, body)| {
                let vname = format_ident!("{}", v);
                match body {
                    Some(s) => {
                        let inner = decode_shape(s);
                        quote!(#code => { let value: Result<_, rt::Error> = #inner; value.map(#enum_name::#vname) })
                    }
                    None => quote!(#code => Ok(#enum_name::#vname),),
                }
            });
            // Another 2xx than documented: read it as the first documented shape with a body.
            let fallback = variants.iter().find(|(_, _, b)| b.is_some()).map(|(_, v, b)| {
                let vname = format_ident!("{}", v);
                let inner = b.as_ref().map(decode_shape).unwrap_or_default();
                quote!(_ => { let value: Result<_, rt::Error> = #inner; value.map(#enum_name::#vname) })
            });
            quote!( match resp.status.as_u16() { #( #arms )* #fallback } )
        }
    };
    quote! {
        #[inline]
        fn decode(resp: &rt::RawResponse) -> Result<Self::Output, rt::Error> {
            #body
        }
    }
}

/// Sorts status intervals and joins the ones that touch (`4XX` + `5XX` -> `400..=599`).
fn merge_intervals(intervals: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut sorted = intervals.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::new();
    for (lo, hi) in sorted {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

fn decode_error_fn(ctx: &Ctx<'_>, op: &Operation) -> TokenStream {
    let mut arms: Vec<(Vec<(u16, u16)>, String)> = Vec::new();
    let mut default_arm = None;
    for r in op.responses.iter().filter(|r| !r.status.is_success()) {
        let Some(Shape { ty: TypeRef::Named(n), .. }) = &r.body else { continue };
        if !ctx.is_error_body(n) {
            continue;
        }
        let pattern = match r.status {
            StatusSpec::Code(c) => (c, c),
            StatusSpec::Range(d) => (d * 100, d * 100 + 99),
            StatusSpec::Default => {
                default_arm = Some(n.clone());
                continue;
            }
        };
        match arms.iter_mut().find(|(_, name)| name == n) {
            Some((patterns, _)) => patterns.push(pattern),
            None => arms.push((vec![pattern], n.clone())),
        }
    }
    if arms.is_empty() && default_arm.is_none() {
        return quote!();
    }
    // One error schema (and no `default`): every status decodes as it, including statuses the
    // spec forgot to list (servers send their usual error shape for an undocumented 401).
    let single = match (arms.as_slice(), &default_arm) {
        ([(_, name)], None) => Some(name.clone()),
        ([], Some(name)) => Some(name.clone()),
        _ => None,
    };
    if let Some(name) = single {
        let ty = format_ident!("{}", name);
        return quote! {
            #[inline]
            fn decode_error(_status: u16, body: &[u8]) -> Option<Box<dyn rt::ErrorBody>> {
                rt::decode_error_body::<#ty>(body)
            }
        };
    }
    let arms = arms.iter().map(|(intervals, name)| {
        let ty = format_ident!("{}", name);
        let patterns = merge_intervals(intervals).into_iter().map(|(lo, hi)| {
            let (l, h) = (proc_macro2::Literal::u16_unsuffixed(lo), proc_macro2::Literal::u16_unsuffixed(hi));
            if lo == hi {
                quote!(#l)
            } else {
                quote!(#l..=#h)
            }
        });
        quote!( #( #patterns )|* => rt::decode_error_body::<#ty>(body), )
    });
    let fallback = match default_arm {
        Some(name) => {
            let ty = format_ident!("{}", name);
            quote!(_ => rt::decode_error_body::<#ty>(body),)
        }
        None => quote!(_ => None,),
    };
    quote! {
        #[inline]
        fn decode_error(status: u16, body: &[u8]) -> Option<Box<dyn rt::ErrorBody>> {
            match status { #( #arms )* #fallback }
        }
    }
}

/// The Rust type of a request body: the body type for JSON and form bodies and typed multipart
/// bodies, a caller-built form for a multipart body whose schema is not an object, an upload for
/// binary bodies, a string for text.
fn body_type(ctx: &Ctx<'_>, body: &Body) -> TokenStream {
    match &body.encoding {
        BodyEncoding::Multipart(_) if multipart_struct(ctx, &body.shape.ty).is_none() => quote!(rt::Multipart),
        BodyEncoding::Binary => quote!(rt::Upload),
        BodyEncoding::Text => quote!(String),
        _ => rust_type(&body.shape.ty),
    }
}

/// The struct type a multipart body's type is (through aliases), if it is one.
fn multipart_struct<'c>(ctx: &Ctx<'c>, ty: &TypeRef) -> Option<&'c TypeDef> {
    let TypeRef::Named(name) = ty else { return None };
    if let Some(aliased) = ctx.alias_of(name) {
        return multipart_struct(ctx, &aliased.ty);
    }
    ctx.type_named(name).filter(|t| matches!(t.kind, TypeKind::Struct(_)))
}

/// One paragraph on what the builder sends as its body, unless it is JSON and the only choice.
fn body_sent_doc(body: &Body) -> Option<String> {
    let what = match &body.encoding {
        BodyEncoding::Json => "as JSON".to_owned(),
        BodyEncoding::Form(_) => "form-encoded (`application/x-www-form-urlencoded`)".to_owned(),
        BodyEncoding::Multipart(_) => "as `multipart/form-data`: one part per field, files from its `Upload` fields".to_owned(),
        BodyEncoding::Binary => format!("as the bytes of the [`Upload`](rt::Upload) (`{}`); an upload made from a stream is sent once, without retries", body.media_type),
        BodyEncoding::Text => format!("as text (`{}`)", body.media_type),
    };
    let others: Vec<String> =
        body.offered.iter().filter(|m| **m != body.media_type).map(|m| format!("`{m}`")).collect();
    if body.encoding == BodyEncoding::Json && others.is_empty() {
        return None;
    }
    let mut text = format!("The body is sent {what}.");
    if !others.is_empty() {
        text.push_str(&format!(" The spec also offers {}.", others.join(", ")));
    }
    Some(text)
}

/// Statements that set `body` (a reference to the builder's body) as the request's body.
fn send_body(ctx: &Ctx<'_>, body: &Body, value: TokenStream) -> TokenStream {
    let media = &body.media_type;
    match &body.encoding {
        BodyEncoding::Json => quote!(req.json(#value)?;),
        BodyEncoding::Form(encodings) => {
            let fields = encodings.iter().filter_map(form_field);
            quote!(req.form(#value, &[ #( #fields ),* ])?;)
        }
        BodyEncoding::Multipart(encodings) => match multipart_struct(ctx, &body.shape.ty) {
            Some(TypeDef { kind: TypeKind::Struct(s), usage, .. }) => {
                let parts =
                    s.fields.iter().filter(|f| !f.read_only).map(|f| multipart_field(ctx, f, *usage, encodings));
                quote! {
                    let fields = #value;
                    let mut form = rt::Multipart::new();
                    #( #parts )*
                    req.multipart(form);
                }
            }
            _ => quote!(req.multipart(rt::Multipart::clone(#value));),
        },
        BodyEncoding::Binary => quote!(req.upload(#value, #media)?;),
        BodyEncoding::Text => quote!(req.text(#value, #media)?;),
    }
}

/// The runtime's description of one form property's `encoding`, when it is not the default.
fn form_field(e: &PropertyEncoding) -> Option<TokenStream> {
    let style = match e.style.as_deref() {
        None | Some("form") => quote!(rt::FormStyle::Form),
        Some("spaceDelimited") => quote!(rt::FormStyle::SpaceDelimited),
        Some("pipeDelimited") => quote!(rt::FormStyle::PipeDelimited),
        Some("deepObject") => quote!(rt::FormStyle::DeepObject),
        Some(_) => quote!(rt::FormStyle::Form),
    };
    // OpenAPI: `explode` defaults to true for `form`, false for the other styles.
    let explode = e.explode.unwrap_or(matches!(e.style.as_deref(), None | Some("form")));
    let json = e.content_type.as_deref().is_some_and(|ct| {
        let m = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        m == "application/json" || m.ends_with("+json")
    });
    let default = explode && !json && matches!(e.style.as_deref(), None | Some("form"));
    let name = &e.property;
    (!default).then(|| quote!(rt::FormField { name: #name, style: #style, explode: #explode, json: #json }))
}

/// Statements adding one field of a typed multipart body to `form`; a field left out (or
/// `null`, which multipart cannot express) adds nothing.
fn multipart_field(ctx: &Ctx<'_>, f: &Field, usage: Usage, encodings: &[PropertyEncoding]) -> TokenStream {
    let name = ident(&f.name);
    let wire = &f.wire;
    let content_type = match encodings.iter().find(|e| &e.property == wire).and_then(|e| e.content_type.as_deref()) {
        Some(ct) => quote!(Some(#ct)),
        None => quote!(None),
    };
    let add = part_of(ctx, &f.shape.ty, quote!(value), wire, &content_type, 0);
    let unbox = f.boxed.then(|| quote!(let value = &**value;));
    match super::types::holder(f, usage) {
        super::types::Holder::Plain => quote!( { let value = &fields.#name; #unbox #add } ),
        super::types::Holder::Nullable => quote!( if let rt::Nullable::Value(value) = &fields.#name { #unbox #add } ),
        super::types::Holder::Option => quote!( if let Some(value) = &fields.#name { #unbox #add } ),
    }
}

/// Statements adding `value` (a reference to a value of `ty`) as the part(s) named `wire`.
fn part_of(
    ctx: &Ctx<'_>,
    ty: &TypeRef,
    value: TokenStream,
    wire: &str,
    content_type: &TokenStream,
    depth: usize,
) -> TokenStream {
    if depth < 8 && ctx.contains_upload(ty) {
        match ty {
            TypeRef::Upload => return quote!(form.add_upload(#wire, #value, #content_type);),
            TypeRef::Array(item) => {
                let each = part_of(ctx, &item.ty, quote!(item), wire, content_type, depth + 1);
                return quote!( for item in #value.iter() { #each } );
            }
            TypeRef::Named(n) => {
                if let Some(aliased) = ctx.alias_of(n) {
                    return part_of(ctx, &aliased.ty, value, wire, content_type, depth + 1);
                }
                if let Some(u) = ctx.union_named(n) {
                    // By its path from the operations file: the file imports only the types its
                    // signatures name.
                    let union_ident = format_ident!("{}", n);
                    let union_name = quote!(super::super::#union_ident);
                    let arms = u.variants.iter().map(|v| {
                        let variant = format_ident!("{}", v.name);
                        if v.shape.ty == TypeRef::Unit {
                            return quote!( #union_name::#variant => form.add_value(#wire, #value, #content_type)?, );
                        }
                        let inner = part_of(ctx, &v.shape.ty, quote!(inner), wire, content_type, depth + 1);
                        quote!( #union_name::#variant(inner) => { #inner } )
                    });
                    return quote!( match #value { #( #arms )* } );
                }
            }
            _ => {}
        }
    }
    quote!(form.add_value(#wire, #value, #content_type)?;)
}
