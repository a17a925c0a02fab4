//! `mock.rs` of every API (`#[cfg(feature = "mock")]`): a typed mock server of the API for
//! users' tests, made of the runtime's generic mock layer (`rt::mock`) and, per operation, the
//! little the generator knows that the runtime does not:
//!
//! - `<Op>Received`: the operation's request as the mock received it, parameters typed, the
//!   body decoded (JSON into its type, text as a `String`, anything else as bytes), with its
//!   `Received::decode` checking the request against the spec (required parameters, parameter
//!   types, the body's type and the constraints the SDK validates before sending);
//! - `<Op>Expectation`: its expectation builder, with a matcher per parameter, `body`, and a
//!   typed `respond` per declared response (`respond`, `respond_not_found`, `respond_error`);
//! - a method per operation on `MockServer`, the static `MockApi` the engine routes with, the
//!   conversion of each event enum into the events a stream reply writes, and `deliver_webhook`
//!   over the API's `WebhookEvent` when the spec says how deliveries are signed. (What the mock
//!   answers is built with the response types' own constructors, in the models.)
//!
//! The rest (routing, matching, replies, the client pointed at the mock) is generic in the
//! runtime and compiled where a test uses it, so the generated file stays a description.

use super::ctx::{ident, Ctx};
use super::docs;
use super::types::rust_type;
use crate::ir::*;
use crate::naming::Scope;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, ToTokens};
use std::collections::BTreeSet;

/// Names the module re-exports from the runtime's mock layer: what tests hold or pass.
const RE_EXPORTS: &[&str] = &["Delivery", "MockEvent", "Mounted", "RecordedRequest", "Reply", "RouteHandle", "Times"];

/// The media type a reply uses for a declared response, or the body kind's default (empty) when
/// the spec declares a range (`audio/*`, `*/*`).
fn concrete_media(media: Option<&str>) -> String {
    match media {
        Some(m) if !m.contains('*') => m.to_owned(),
        _ => String::new(),
    }
}

/// The URL path of a server (`https://api.example.com/v1/` -> `/v1`, `https://x.dev` -> ``),
/// which the mock serves that server's operations under.
fn server_prefix(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path =
        if url.contains("://") { after_scheme.find('/').map_or("", |i| &after_scheme[i..]) } else { after_scheme };
    let path = path.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
    if path.is_empty() || path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}

/// One declared response, as a reply method writes it: its body's kind and media type.
struct ReplyShape {
    kind: ReplyKind,
    /// Media type written (empty: the kind's default).
    media: String,
}

/// What a reply method takes, and which of the runtime's `respond_` methods writes it.
enum ReplyKind {
    /// No body: no argument.
    Empty,
    /// `body: impl Into<T>`, encoded as JSON.
    Json(TokenStream),
    /// `body: impl Into<String>`.
    Text,
    /// `body: impl Into<bytes::Bytes>`.
    Bytes,
    /// `events: impl IntoIterator<Item = E>`, an event stream.
    Events(TokenStream),
}

impl ReplyShape {
    /// The parameters of a reply method after `self` (`, body: impl Into<T>`, or nothing).
    fn param(&self) -> TokenStream {
        match &self.kind {
            ReplyKind::Empty => quote!(),
            ReplyKind::Json(ty) => quote!(, body: impl Into<#ty>),
            ReplyKind::Text => quote!(, body: impl Into<String>),
            ReplyKind::Bytes => quote!(, body: impl Into<bytes::Bytes>),
            ReplyKind::Events(event) => quote!(, events: impl IntoIterator<Item = #event>),
        }
    }

    /// The call on the wrapped `Expect` (`inner`) that answers `status`.
    fn call(&self, inner: TokenStream, status: TokenStream) -> TokenStream {
        let media = &self.media;
        match &self.kind {
            ReplyKind::Empty => quote!(#inner.respond_empty(#status)),
            ReplyKind::Json(_) => quote!(#inner.respond_json(#status, #media, body.into())),
            ReplyKind::Text => quote!(#inner.respond_text(#status, #media, body.into())),
            ReplyKind::Bytes => quote!(#inner.respond_bytes(#status, #media, body.into())),
            ReplyKind::Events(_) => quote!(#inner.respond_events(#status, events)),
        }
    }

    fn has_body(&self) -> bool {
        !matches!(self.kind, ReplyKind::Empty)
    }

    /// Whether a reply method takes a generic argument (then it needs no `#[inline]` to be
    /// compiled only where it is used).
    fn inline(&self) -> TokenStream {
        if self.has_body() {
            quote!()
        } else {
            quote!(#[inline])
        }
    }
}

/// How the body of `response` is written, for operation `op`.
fn reply_shape(op: &Operation, response: &Response) -> ReplyShape {
    let media = concrete_media(response.media_type.as_deref());
    let essence =
        response.media_type.as_deref().map(|m| m.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    let kind = if response.is_success && essence.as_deref() == Some("text/event-stream") {
        match &op.output {
            Output::EventStream(events) => {
                let name = format_ident!("{}", events.name);
                ReplyKind::Events(quote!(#name))
            }
            _ => ReplyKind::Events(quote!(rt::SseEvent)),
        }
    } else {
        match &response.body {
            None => ReplyKind::Empty,
            Some(Shape { ty: TypeRef::Text, .. }) => ReplyKind::Text,
            Some(Shape { ty: TypeRef::Bytes, .. }) => ReplyKind::Bytes,
            Some(shape) => ReplyKind::Json(rust_type(&shape.ty)),
        }
    };
    ReplyShape { kind, media }
}

/// The operation's default success status: its lowest declared 2xx code (`200` for a `2XX`
/// range or a `default` answering success).
fn success_status(op: &Operation) -> u16 {
    op.responses
        .iter()
        .filter(|r| r.is_success)
        .filter_map(|r| match r.status {
            StatusSpec::Code(c) => Some(c),
            _ => None,
        })
        .min()
        .unwrap_or(200)
}

/// The response [`success_status`] answers with, if the spec declares one.
fn success_response(op: &Operation) -> Option<&Response> {
    let status = success_status(op);
    op.responses
        .iter()
        .find(|r| r.is_success && r.status == StatusSpec::Code(status))
        .or_else(|| op.responses.iter().find(|r| r.is_success))
}

/// `respond_not_found` for 404: the status's reason phrase in snake case, or its number.
fn status_method(code: u16) -> String {
    let reason = match code {
        200 => "ok",
        201 => "created",
        202 => "accepted",
        203 => "non_authoritative_information",
        204 => "no_content",
        205 => "reset_content",
        206 => "partial_content",
        207 => "multi_status",
        300 => "multiple_choices",
        301 => "moved_permanently",
        302 => "found",
        303 => "see_other",
        304 => "not_modified",
        307 => "temporary_redirect",
        308 => "permanent_redirect",
        400 => "bad_request",
        401 => "unauthorized",
        402 => "payment_required",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        406 => "not_acceptable",
        408 => "request_timeout",
        409 => "conflict",
        410 => "gone",
        411 => "length_required",
        412 => "precondition_failed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        416 => "range_not_satisfiable",
        417 => "expectation_failed",
        422 => "unprocessable_entity",
        423 => "locked",
        424 => "failed_dependency",
        425 => "too_early",
        426 => "upgrade_required",
        428 => "precondition_required",
        429 => "too_many_requests",
        431 => "request_header_fields_too_large",
        451 => "unavailable_for_legal_reasons",
        500 => "internal_server_error",
        501 => "not_implemented",
        502 => "bad_gateway",
        503 => "service_unavailable",
        504 => "gateway_timeout",
        507 => "insufficient_storage",
        _ => return format!("respond_{code}"),
    };
    format!("respond_{reason}")
}

/// The spec's description of a response, as a parenthesis for docs (` (Agent not found)`).
fn described(r: &Response) -> String {
    let line = r.description.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    if line.is_empty() {
        String::new()
    } else {
        format!(" ({})", docs::sanitize(line.trim_end_matches('.')))
    }
}

/// `text` ending as a sentence does.
fn sentence(text: &str) -> String {
    if text.ends_with(['.', '!', '?', ':']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

fn first_line(docs: &Docs) -> Option<String> {
    [docs.summary.as_deref(), docs.description.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|t| t.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_owned))
}

/// What one operation contributes: its items, its `MockApi` entry, its `MockServer` method.
struct OpItems {
    items: TokenStream,
    entry: TokenStream,
    method: TokenStream,
}

/// The names one operation's items take in the module.
struct OpNames {
    received: String,
    expectation: String,
    method: proc_macro2::Ident,
}

fn location(p: &Param) -> (&'static str, TokenStream) {
    match p.location {
        ParamLocation::Path { .. } => ("path parameter", quote!(rt::mock::In::Path)),
        ParamLocation::Query => ("query parameter", quote!(rt::mock::In::Query)),
        ParamLocation::Header => ("header", quote!(rt::mock::In::Header)),
    }
}

/// How the received struct holds the body: typed JSON, text, or raw bytes.
enum BodyHold {
    Json(TokenStream),
    Text,
    Bytes,
}

fn body_hold(body: &Body) -> BodyHold {
    match body.encoding {
        BodyEncoding::Json => BodyHold::Json(rust_type(&body.shape.ty)),
        BodyEncoding::Text => BodyHold::Text,
        _ => BodyHold::Bytes,
    }
}

fn operation(ctx: &Ctx<'_>, op: &Operation, names: &OpNames) -> OpItems {
    let received = format_ident!("{}", names.received);
    let expectation = format_ident!("{}", names.expectation);
    let method = &names.method;
    let id = &op.id;
    let endpoint = format!("`{} {}`", op.method, op.path);
    let op_link = format!("[`Client::{}`](super::Client::{})", op.method_name.trim_start_matches("r#"), op.method_name);

    // The received struct: one field per parameter, then the body.
    let mut fields = Vec::new();
    let mut reads = Vec::new();
    let mut matchers = Vec::new();
    let mut matcher_names = Scope::new();
    for p in &op.params {
        let name = ident(&p.name);
        let bare = p.name.trim_start_matches("r#");
        let ty = rust_type(&p.shape.ty);
        let (where_, loc) = location(p);
        let wire = &p.wire;
        let what = first_line(&p.docs).map(|l| format!(": {}", sentence(&docs::sanitize(&l)))).unwrap_or_default();
        let field_doc = docs::trusted_attrs(&format!(
            "The `{}` {where_}{}{what}{}",
            super::events::code_text(wire),
            if p.required { "" } else { " (`None` when the request does not send it)" },
            if what.is_empty() { "." } else { "" }
        ));
        let full = if p.required { quote!(#ty) } else { quote!(Option<#ty>) };
        fields.push(quote!(#field_doc pub #name: #full,));
        let read = match (&p.shape.ty, p.location, p.required) {
            (TypeRef::Array(_), _, true) => {
                let explode = p.explode;
                quote!(rt::mock::required_list(request, #loc, #wire, #explode)?)
            }
            (TypeRef::Array(_), _, false) => {
                let explode = p.explode;
                quote!(rt::mock::list(request, #loc, #wire, #explode)?)
            }
            (_, ParamLocation::Path { .. }, _) => quote!(rt::mock::path(request, #wire)?),
            (_, ParamLocation::Query, true) => quote!(rt::mock::required_query(request, #wire)?),
            (_, ParamLocation::Query, false) => quote!(rt::mock::query(request, #wire)?),
            (_, ParamLocation::Header, true) => quote!(rt::mock::required_header(request, #wire)?),
            (_, ParamLocation::Header, false) => quote!(rt::mock::header(request, #wire)?),
        };
        reads.push(quote!(#name: #read,));
        let setter = if crate::contract::is_taken_on_mock_expectations(bare) {
            format!("{bare}_param")
        } else {
            bare.to_owned()
        };
        let setter = ident(&crate::naming::Ident::new(matcher_names.claim(&setter)).rust());
        let doc = docs::trusted_attrs(&format!(
            "Matches only requests whose `{}` {where_} is `value`{}.",
            super::events::code_text(wire),
            if p.required { "" } else { " (requests without it do not match)" }
        ));
        let get = if p.required { quote!(|r| &r.#name) } else { quote!(|r| r.#name.as_ref()) };
        let call = if p.required { quote!(field_is) } else { quote!(field_is_set) };
        matchers.push(quote! {
            #doc
            pub fn #setter(self, value: impl Into<#ty>) -> Self {
                Self(self.0.#call(#wire, value.into(), #get))
            }
        });
    }
    if let Some(body) = &op.body {
        let (ty, doc, read) = match body_hold(body) {
            BodyHold::Json(ty) => {
                let text = format!(
                    "The request body, decoded as `{}`.",
                    super::events::code_text(&ty.to_string().replace(' ', ""))
                );
                let read =
                    if body.required { quote!(request.json_body()?) } else { quote!(request.optional_json_body()?) };
                (ty, text, read)
            }
            BodyHold::Text => {
                let read = if body.required {
                    quote!(rt::mock::required(rt::mock::text_body(request)?, "body")?)
                } else {
                    quote!(rt::mock::text_body(request)?)
                };
                (
                    quote!(String),
                    format!("The request body (`{}`), as text.", super::events::code_text(&body.media_type)),
                    read,
                )
            }
            BodyHold::Bytes => {
                let read = if body.required {
                    quote!(rt::mock::required(rt::mock::bytes_body(request), "body")?)
                } else {
                    quote!(rt::mock::bytes_body(request))
                };
                let text = format!(
                    "The request body (`{}`) as sent: the mock keeps form, multipart and binary bodies raw.",
                    super::events::code_text(&body.media_type)
                );
                (quote!(bytes::Bytes), text, read)
            }
        };
        let optional = if body.required { "" } else { " `None` when the request has none." };
        let doc = docs::trusted_attrs(&format!("{doc}{optional}"));
        let full = if body.required { quote!(#ty) } else { quote!(Option<#ty>) };
        fields.push(quote!(#doc pub body: #full,));
        reads.push(quote!(body: #read,));
        let (doc, get, call) = if body.required {
            (
                "Matches only requests whose body is `expected` (compared decoded: key order and spacing do not matter).",
                quote!(|r| &r.body),
                quote!(field_is),
            )
        } else {
            (
                "Matches only requests whose body is `expected` (compared decoded; requests without a body do not match).",
                quote!(|r| r.body.as_ref()),
                quote!(field_is_set),
            )
        };
        let doc = docs::trusted_attrs(doc);
        matchers.push(quote! {
            #doc
            pub fn body(self, expected: impl Into<#ty>) -> Self {
                Self(self.0.#call("body", expected.into(), #get))
            }
        });
    }

    // Checks beyond decoding: the constraints the SDK validates before sending (a raw body has
    // none the mock can check).
    let json_body = op.body.as_ref().is_some_and(|b| b.encoding == BodyEncoding::Json);
    let validate = super::operations::validate_fn_with(ctx, op, json_body);
    let (checks, check_call) = if validate.is_empty() {
        (quote!(), quote!())
    } else {
        (quote!(impl #received { #validate }), quote!(received.validate()?;))
    };

    // Replies: the default success, then every other declared status.
    let success = success_status(op);
    let mut responds = Vec::new();
    if let Some(r) = success_response(op) {
        let shape = reply_shape(op, r);
        let doc = match shape.kind {
            ReplyKind::Events(_) => format!(
                "Answers `{success}`{} with an event stream of `events`, each written as `event:` and `data:` lines the SDK's decoder reads back into the same value. Space them with [`event_delay`](Self::event_delay), hold the connection open after them with [`stall`](Self::stall).",
                described(r)
            ),
            ReplyKind::Empty => format!("Answers `{success}`{} without a body.", described(r)),
            _ => format!("Answers `{success}`{} with `body`.", described(r)),
        };
        responds.push(reply_method(&quote!(respond), &doc, &shape, success));
    }
    // Every other declared status gets a method of its own (`respond_created`) when it is a
    // success, or an error whose body differs from the others'; errors sharing one body are
    // answered by `respond_error(status, body)`.
    let uniform_errors = respond_error(op);
    let mut respond_names = Scope::with_reserved(&["respond", "respond_error"]);
    for r in &op.responses {
        let StatusSpec::Code(code) = r.status else { continue };
        if (r.is_success && code == success) || (!r.is_success && uniform_errors.is_some()) {
            continue;
        }
        let shape = reply_shape(op, r);
        let name = format_ident!("{}", respond_names.claim(&status_method(code)));
        let doc = if !shape.has_body() {
            format!("Answers with the declared `{code}` response{} (no body).", described(r))
        } else {
            format!("Answers with the declared `{code}` response{} and `body`.", described(r))
        };
        responds.push(reply_method(&quote!(#name), &doc, &shape, code));
    }
    responds.extend(uniform_errors);

    let received_doc = docs::trusted_attrs(&format!(
        "A `{}` request ({endpoint}, what {op_link} sends) as the mock received it: its parameters typed and its body decoded, after the checks against the spec. What [`{}`]'s matchers see and [`Mounted::requests`] returns.",
        super::events::code_text(id),
        names.expectation,
    ));
    let summary =
        first_line(&op.docs).map(|l| format!(": {}", docs::sanitize(l.trim_end_matches('.')))).unwrap_or_default();
    let expectation_doc = docs::trusted_attrs(&format!(
        "An expectation of `{}` requests ({endpoint}{summary}), from [`MockServer::{}`]: narrow it with the matchers, answer with `respond` (or a `respond_` method per declared status, or [`reply`](Self::reply)), then [`mount`](Self::mount) it.",
        super::events::code_text(id),
        method,
    ));
    let method_doc = docs::trusted_attrs(&format!(
        "Expects `{}` requests ({endpoint}{summary}); see [`{}`] for how to match and answer them.",
        super::events::code_text(id),
        names.expectation,
    ));
    let success_lit = Literal::u16_unsuffixed(success);
    let server = Literal::usize_unsuffixed(op.server);
    let path = &op.path;
    let http_method = format_ident!("{}", op.method);
    let catch_all: Vec<&str> = op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Path { catch_all: true })
        .map(|p| p.wire.as_str())
        .collect();
    let deprecated = op.deprecated.then(|| quote!(#[deprecated(note = "deprecated in the API spec")]));

    // An operation without parameters or body reads nothing from the request.
    let request_arg = if reads.is_empty() { format_ident!("_request") } else { format_ident!("request") };
    let items = quote! {
        #received_doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub struct #received {
            #( #fields )*
        }

        impl rt::mock::Received for #received {
            const OPERATION: &'static str = #id;
            const SUCCESS_STATUS: u16 = #success_lit;

            fn decode(#request_arg: &rt::mock::MockRequest) -> Result<Self, rt::mock::Violation> {
                let received = Self { #( #reads )* };
                #check_call
                Ok(received)
            }
        }

        #checks

        #expectation_doc
        #[derive(Debug)]
        pub struct #expectation<'s>(rt::mock::Expect<'s, #received>);

        rt::__mock_expectation!(#expectation, #received);

        impl #expectation<'_> {
            #( #matchers )*
            #( #responds )*
        }
    };
    let entry = quote! {
        rt::mock::MockOperation {
            id: #id,
            method: rt::Method::#http_method,
            path: #path,
            server: #server,
            catch_all: &[ #( #catch_all ),* ],
            decode: rt::mock::decode::<#received>,
        },
    };
    let method = quote! {
        #method_doc
        #deprecated
        pub fn #method(&self) -> #expectation<'_> {
            #expectation(rt::mock::Expect::new(&self.server))
        }
    };
    OpItems { items, entry, method }
}

fn reply_method(name: &TokenStream, doc: &str, shape: &ReplyShape, status: u16) -> TokenStream {
    let doc = docs::trusted_attrs(doc);
    let param = shape.param();
    let inline = shape.inline();
    let call = shape.call(quote!(self.0), Literal::u16_unsuffixed(status).into_token_stream());
    quote! {
        #doc
        #inline
        pub fn #name(self #param) -> Self {
            Self(#call)
        }
    }
}

/// `respond_error(status, body)` when every declared error response has the same body (or all
/// have none), covering the listed statuses, the ranges and `default`.
fn respond_error(op: &Operation) -> Option<TokenStream> {
    let errors: Vec<&Response> = op.responses.iter().filter(|r| !r.is_success).collect();
    let first = errors.first()?;
    if !errors.iter().all(|r| r.body == first.body) {
        return None;
    }
    let mut intervals: Vec<(u16, u16)> = errors
        .iter()
        .map(|r| match r.status {
            StatusSpec::Code(c) => (c, c),
            StatusSpec::Range(d) => (d * 100, d * 100 + 99),
            StatusSpec::Default => (400, 599),
        })
        .collect();
    intervals.sort_unstable();
    intervals.dedup();
    let listed: Vec<String> = errors
        .iter()
        .map(|r| match r.status {
            StatusSpec::Code(c) => c.to_string(),
            StatusSpec::Range(d) => format!("{d}XX"),
            StatusSpec::Default => "default".to_owned(),
        })
        .collect();
    // A media type shared by all, else the body kind's default.
    let media = if errors.iter().all(|r| r.media_type == first.media_type) {
        concrete_media(first.media_type.as_deref())
    } else {
        String::new()
    };
    let mut shape = reply_shape(op, first);
    shape.media = media;
    let param = shape.param();
    let inline = shape.inline();
    let pairs = intervals.iter().map(|(lo, hi)| {
        let (lo, hi) = (Literal::u16_unsuffixed(*lo), Literal::u16_unsuffixed(*hi));
        quote!((#lo, #hi))
    });
    let call = shape.call(quote!(self.0.declared(&[ #( #pairs ),* ], status)), quote!(status));
    let what = if shape.has_body() { " and `body`" } else { " (no body)" };
    let doc = docs::trusted_attrs(&format!(
        "Answers with `status`, one of the error responses the spec declares ({}){what}.\n\n# Panics\n\nWhen `status` is not one of them (send an undeclared status with [`reply`](Self::reply)).",
        listed.join(", ")
    ));
    Some(quote! {
        #doc
        #inline
        pub fn respond_error(self, status: u16 #param) -> Self {
            Self(#call)
        }
    })
}

/// `impl IntoMockEvent` for an event enum: each variant under its `event:` name, its data as the
/// decoder reads it (text verbatim, JSON encoded).
fn event_impl(events: &EventEnum) -> TokenStream {
    let name = format_ident!("{}", events.name);
    let arms = events.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let wire = &v.wire;
        match v.data {
            EventData::Text => quote!(#name::#vname(data) => rt::mock::MockEvent::new(#wire, data),),
            EventData::Json(_) => quote!(#name::#vname(data) => rt::mock::MockEvent::json(#wire, &data),),
        }
    });
    quote! {
        impl rt::mock::IntoMockEvent for #name {
            fn into_mock_event(self) -> rt::mock::MockEvent {
                match self {
                    #( #arms )*
                    #name::Unknown { event, data } => rt::mock::MockEvent::new(event, data),
                }
            }
        }
    }
}

/// `deliver_webhook`, `deliver_webhook_as` and `unknown_event`, when deliveries can be signed.
fn webhook_items(ctx: &Ctx<'_>, w: &WebhookEvents) -> TokenStream {
    let Some(signature) = &w.signature else { return quote!() };
    let name = format_ident!("{}", w.events.name);
    let title = docs::sanitize(&ctx.api.title);
    let timestamps = if signature.timestamp_header.is_some() {
        "`Delivery::StaleTimestamp` and `Delivery::FutureTimestamp` (correctly signed, timestamped outside the replay window)"
            .to_owned()
    } else {
        format!(
            "`Delivery::StaleTimestamp` and `Delivery::FutureTimestamp` return an `Error::Config`: {title} sends no timestamp"
        )
    };
    let deliver_doc = docs::trusted_attrs(&format!(
        "POSTs `event` as JSON to `url`, signed with `secret` as {title} signs deliveries ([`WEBHOOK_SIGNATURE`](super::WEBHOOK_SIGNATURE)), and returns the status the endpoint answered: to test a webhook endpoint with the deliveries it will receive.\n\nErrors: an `Error::Config` for an empty secret or a bad URL, an `Error::Connection` when the endpoint cannot be reached. No timeout is set: wrap the call in `tokio::time::timeout` against an endpoint that may hang."
    ));
    let as_doc = docs::trusted_attrs(&format!(
        "Like [`deliver_webhook`], tampered with as `how` says, to test that the endpoint refuses what it must: `Delivery::BadSignature` (a well-formed signature that does not match the body), `Delivery::Replay` (the same delivery twice; the second answer is returned), {timestamps}. `Delivery::Signed` is [`deliver_webhook`]."
    ));
    let unknown = w.type_pointer.as_ref().map(|ptr| {
        let doc = docs::trusted_attrs(&format!(
            "`like` with its event type (the body's member at `{}`) replaced by `event_type`, as a [`{}::Unknown`]: a delivery of an event type the spec does not declare (one the vendor adds later), for [`deliver_webhook`]. A body without that member is kept as it is.",
            super::events::code_text(ptr),
            w.events.name,
        ));
        quote! {
            #doc
            pub fn unknown_event(event_type: &str, like: &#name) -> #name {
                match rt::mock::retyped_event(like, #ptr, event_type) {
                    Some(body) => #name::Unknown(body),
                    None => like.clone(),
                }
            }
        }
    });
    quote! {
        #deliver_doc
        pub async fn deliver_webhook(url: &str, event: &#name, secret: &str) -> Result<rt::mock::StatusCode, rt::Error> {
            deliver_webhook_as(url, event, secret, rt::mock::Delivery::Signed).await
        }

        #as_doc
        pub async fn deliver_webhook_as(
            url: &str,
            event: &#name,
            secret: &str,
            how: rt::mock::Delivery,
        ) -> Result<rt::mock::StatusCode, rt::Error> {
            rt::mock::deliver_event(url, event, &super::WEBHOOK_SIGNATURE, secret, how).await
        }

        #unknown
    }
}

/// The module docs, with an example of one operation.
fn module_doc(ctx: &Ctx<'_>, names: &[OpNames]) -> String {
    let module = ctx.module_path;
    let root = module.split("::").next().unwrap_or(module);
    let title = docs::api_name(&ctx.api.title);
    let mut text = format!(
        "A mock of the {title} for your tests, on a real HTTP server on loopback (`mock` feature: enable it in your `[dev-dependencies]`).\n\n\
         [`MockServer::start`] runs it and [`MockServer::client`] gives a [`Client`] pointed at it with placeholder credentials. \
         Each operation has an expectation builder, named after it on [`MockServer`]: it matches on the operation's parameters and body (or a closure over the typed request), \
         answers with the operation's typed responses (or any [`Reply`]: a `503` with `Retry-After`, a delay, a dropped connection, a sequence of them), \
         counts its hits and keeps the typed requests it answered.\n\n\
         Every request is checked against the spec before it is matched: a path that is no operation is answered `404`, a method the path does not have `405`, \
         a missing required parameter, a parameter that does not parse or a body that does not decode or breaks a constraint `400` naming the field, \
         and a request no expectation matches `501` naming the closest one. [`MockServer::verify`], and dropping the server, fail on each of those and on every expectation hit the wrong number of times."
    );
    if let Some((op, n)) = ctx.api.operations.iter().zip(names).find(|(op, _)| {
        success_response(op)
            .is_some_and(|r| r.body.is_some() && !matches!(op.output, Output::EventStream(_) | Output::RawEventStream))
    }) {
        let response =
            success_response(op).and_then(|r| r.body.as_ref()).map(|s| rust_type(&s.ty).to_string().replace(' ', ""));
        let response = response.unwrap_or_default();
        let mut sig = format!("body: {module}::{response}");
        if !response.chars().next().is_some_and(|c| c.is_ascii_uppercase()) || response.contains(['<', ':']) {
            sig = format!("body: {response}");
        }
        let mut args = Vec::new();
        for p in op.params.iter().filter(|p| p.required) {
            let ty = rust_type(&p.shape.ty).to_string().replace(' ', "");
            let ty = if ty == "String" { "&str".to_owned() } else { ty };
            sig.push_str(&format!(", {}: {ty}", p.name));
            args.push(p.name.clone());
        }
        if let Some(b) = op.body.as_ref().filter(|b| b.required) {
            let ty = match body_hold(b) {
                BodyHold::Json(ty) => ty.to_string().replace(' ', ""),
                BodyHold::Text => "String".to_owned(),
                // A raw body is sent through the client as the builder's own type.
                BodyHold::Bytes => return text,
            };
            sig.push_str(&format!(", request_body: {ty}"));
            args.push("request_body".to_owned());
        }
        let client_call = format!("client.{}({})", op.method_name, args.join(", "));
        text.push_str(&format!(
            "\n\n```no_run\n\
             # #[allow(unused_imports)] use {root}::{{bytes, chrono, serde_json, uuid}};\n\
             # use {module}::*;\n\
             use {module}::mock::MockServer;\n\n\
             # async fn example({sig}) -> Result<(), Box<dyn std::error::Error>> {{\n\
             let server = MockServer::start().await;\n\
             let expectation = server.{method}().respond(body.clone()).times(1).mount();\n\n\
             // The code under test, given a client pointed at the mock:\n\
             let answer = {client_call}.await?;\n\n\
             assert_eq!(expectation.hits(), 1);\n\
             println!(\"{{answer:?}}, after {{:?}}\", expectation.requests());\n\
             server.verify();\n\
             # Ok(())\n\
             # }}\n\
             ```",
            method = n.method,
        ));
        text = text.replace("let answer = client.", "let client = server.client();\nlet answer = client.");
    }
    text
}

/// The whole `mock.rs`.
pub(crate) fn file(ctx: &Ctx<'_>) -> TokenStream {
    let api = ctx.api;
    // The event enums the module names: those of streamed operations, and the webhook events
    // when deliveries can be signed. They live beside the operations, not among the types.
    let mut event_enums: BTreeSet<String> = api
        .operations
        .iter()
        .filter_map(|op| match &op.output {
            Output::EventStream(events) => Some(events.name.clone()),
            _ => None,
        })
        .collect();
    if let Some(w) = api.webhook_events.as_ref().filter(|w| w.signature.is_some()) {
        event_enums.insert(w.events.name.clone());
    }
    // Names taken in the module: the API's types and events (imported) and its own items.
    let type_names: BTreeSet<&str> = api.types.iter().map(|t| t.name.as_str()).collect();
    let taken: Vec<&str> = type_names.iter().copied().chain(event_enums.iter().map(String::as_str)).collect();
    let mut scope = Scope::with_reserved(&taken);
    for n in ["MockServer", "Client", "ClientBuilder", "MOCK_API", "WEBHOOK_SIGNATURE"] {
        scope.claim(n);
    }
    let re_exports: Vec<&str> = RE_EXPORTS.iter().copied().filter(|n| !taken.contains(n)).collect();
    for n in &re_exports {
        scope.claim(n);
    }
    let mut methods = Scope::new();
    let names: Vec<OpNames> = api
        .operations
        .iter()
        .map(|op| {
            let bare = op.method_name.trim_start_matches("r#");
            let wanted =
                if crate::contract::is_taken_on_mock_servers(bare) { format!("{bare}_op") } else { bare.to_owned() };
            let method = crate::naming::Ident::new(methods.claim(&wanted));
            OpNames {
                received: scope.claim(&format!("{}Received", op.type_name)),
                expectation: scope.claim(&format!("{}Expectation", op.type_name)),
                method: ident(&method.rust()),
            }
        })
        .collect();

    let per_op: Vec<OpItems> = api.operations.iter().zip(&names).map(|(op, n)| operation(ctx, op, n)).collect();
    let items = per_op.iter().map(|o| &o.items);
    let entries = per_op.iter().map(|o| &o.entry);
    let server_methods = per_op.iter().map(|o| &o.method);

    let events: Vec<TokenStream> = api
        .operations
        .iter()
        .filter_map(|op| match &op.output {
            Output::EventStream(events) => Some(event_impl(events)),
            _ => None,
        })
        .collect();
    let webhooks = api.webhook_events.as_ref().map(|w| webhook_items(ctx, w));

    // Imports: every type of the API the items name.
    let mut mentioned = Vec::new();
    for op in &api.operations {
        for p in &op.params {
            collect_names(&p.shape.ty, &mut mentioned);
        }
        if let Some(b) = &op.body {
            collect_names(&b.shape.ty, &mut mentioned);
        }
        for r in &op.responses {
            if let Some(s) = &r.body {
                collect_names(&s.ty, &mut mentioned);
            }
        }
    }
    let mut imported: BTreeSet<String> = mentioned.into_iter().filter(|n| type_names.contains(n.as_str())).collect();
    imported.extend(event_enums.iter().cloned());
    let import_idents = imported.iter().map(|n| ident(n));
    let imports = (!imported.is_empty()).then(|| quote!(use super::{ #( #import_idents ),* };));
    let re_export_idents = re_exports.iter().map(|n| format_ident!("{}", n));

    let deprecated = api.operations.iter().any(|o| o.deprecated || o.params.iter().any(|p| p.deprecated))
        || api
            .types
            .iter()
            .any(|t| t.deprecated || matches!(&t.kind, TypeKind::Struct(s) if s.fields.iter().any(|f| f.deprecated)));
    let allow = deprecated.then(|| quote!(#![allow(deprecated)]));
    let module_doc = docs::trusted_inner_attrs(&module_doc(ctx, &names));
    let api_name = &api.title;
    let servers = api.servers.iter().map(|s| server_prefix(&s.url));
    let server_doc = docs::trusted_attrs(&format!(
        "A mock of the {} on loopback, serving until dropped. Start it with [`start`](Self::start); each operation's method (`{}()`...) returns its expectation builder.\n\nDropping it checks it as [`verify`](Self::verify) does, and panics when something is wrong (unless the thread is already panicking).",
        docs::api_name(&api.title),
        names.first().map(|n| n.method.to_string()).unwrap_or_default().trim_start_matches("r#"),
    ));

    quote! {
        #module_doc
        #allow

        #imports
        use super::{Client, ClientBuilder};

        pub use rt::mock::{ #( #re_export_idents ),* };

        /// The operations as the mock routes them: each under its server's path prefix, with the
        /// decoder of its typed request.
        static MOCK_API: rt::mock::MockApi = rt::mock::MockApi {
            name: #api_name,
            servers: &[ #( #servers ),* ],
            operations: &[ #( #entries )* ],
        };

        #server_doc
        #[derive(Debug)]
        pub struct MockServer {
            server: rt::mock::MockServer,
        }

        rt::__mock_server!(MockServer, MOCK_API, Client, ClientBuilder);

        impl MockServer {
            #( #server_methods )*
        }

        #( #items )*

        #( #events )*

        #webhooks
    }
}
