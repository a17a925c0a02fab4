//! Event enums: the one an event-stream operation (`x-sse-events`) yields, with its
//! `StreamEvent` impl, and the pieces the webhook enum (`webhooks.rs`) shares with it.
//!
//! Both keep what they do not know: an event the spec does not declare becomes `Unknown` with
//! its raw content, so a vendor adding an event never breaks a client that was generated before.

use super::ctx::Ctx;
use super::docs;
use super::types::rust_type;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The docs of one event variant: what it is on the wire, what its data decodes as (`what`
/// names the data: "its data", "the body"), and the first line of the payload's description
/// (the event's own schema, else the named type's).
pub(crate) fn variant_doc(ctx: &Ctx<'_>, kind: &str, what: &str, v: &EventVariant) -> TokenStream {
    let holds = match &v.data {
        EventData::Text => format!("{what} as text"),
        EventData::Json(Shape { ty: TypeRef::Named(n), .. }) => format!("{what} decodes as [`{n}`]"),
        EventData::Json(s) => format!("{what} decodes as `{}`", rust_type(&s.ty).to_string().replace(' ', "")),
    };
    let mut text = format!("The `{}` {kind}; {holds}.", code_text(&v.wire));
    let named_docs = match &v.data {
        EventData::Json(Shape { ty: TypeRef::Named(n), .. }) => {
            ctx.api.types.iter().find(|t| &t.name == n).map(|t| &t.docs)
        }
        _ => None,
    };
    let described = [Some(&v.docs), named_docs]
        .into_iter()
        .flatten()
        .find_map(|d| d.summary.as_deref().or(d.description.as_deref()).map(first_line).filter(|l| !l.is_empty()));
    if let Some(line) = described {
        text.push_str("\n\n");
        text.push_str(&docs::sanitize(line));
    }
    docs::trusted_attrs(&text)
}

fn first_line(text: &str) -> &str {
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default()
}

/// Text shown inside a code span of generated docs: a backtick or a line break in a spec's
/// name would end the span or the doc line.
pub(crate) fn code_text(text: &str) -> String {
    text.chars().map(|c| if c == '`' || c.is_control() { '?' } else { c }).collect()
}

/// The Rust type an event variant holds.
pub(crate) fn payload_type(v: &EventVariant) -> TokenStream {
    match &v.data {
        EventData::Text => quote!(String),
        EventData::Json(s) => rust_type(&s.ty),
    }
}

/// The event enum of an operation whose success response is an event stream, and its
/// `StreamEvent` impl: one `match` on the SSE `event:` field.
pub(crate) fn stream_enum(ctx: &Ctx<'_>, op: &Operation, events: &EventEnum) -> TokenStream {
    let name = format_ident!("{}", events.name);
    let variants = events.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let ty = payload_type(v);
        let doc = variant_doc(ctx, "event", "its data", v);
        quote!(#doc #vname(#ty),)
    });
    let arms = events.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let wire = &v.wire;
        match &v.data {
            EventData::Text => quote!(#wire => Self::#vname(event.data),),
            EventData::Json(_) => quote!(#wire => Self::#vname(event.json()?),),
        }
    });
    let names = events.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let wire = &v.wire;
        quote!(Self::#vname(_) => #wire,)
    });
    let doc = docs::trusted_attrs(&format!(
        "An event of the stream [`{op}`] yields (`x-sse-events` of `{id}`), named by the SSE `event:` field.\n\n\
         An event the spec does not declare is kept as [`Unknown`](Self::Unknown) with its raw name and data, \
         so a new event type on the server never breaks the stream; an event whose data does not decode ends \
         the stream with an error that names the event.",
        op = op.type_name,
        id = code_text(&op.id),
    ));
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #( #variants )*
            /// An event the spec does not declare, as received.
            Unknown {
                /// The `event:` field (`message` when the event has none).
                event: String,
                /// The `data:` lines joined with `\n`.
                data: String,
            },
        }

        impl #name {
            /// The event's name on the wire (the SSE `event:` field).
            pub fn event_name(&self) -> &str {
                match self {
                    #( #names )*
                    Self::Unknown { event, .. } => event,
                }
            }
        }

        impl rt::StreamEvent for #name {
            fn from_sse(event: rt::SseEvent) -> Result<Self, rt::Error> {
                Ok(match event.event.as_str() {
                    #( #arms )*
                    _ => Self::Unknown { event: event.event, data: event.data },
                })
            }
        }
    }
}
