//! `webhooks.rs` of an API that sends webhooks: the `WebhookEvent` enum (one variant per event
//! type of `x-webhooks` and OpenAPI 3.1 `webhooks`, plus `Unknown`), its serde impls keyed by
//! the `x-webhook-event-type` pointer, the runtime's `WebhookEvent` impl, and, from
//! `x-webhook-signature`, the `WEBHOOK_SIGNATURE` constant with a `webhook_verifier` helper.
//!
//! Decoding goes through `serde_json::Value` first: the event type is read at the pointer, then
//! the whole body is decoded as that event's type. The value's own nesting limit (serde_json's
//! 128) bounds a hostile body; nothing here indexes or unwraps.

use super::ctx::{ident, Ctx};
use super::docs;
use super::events::{code_text, payload_type, variant_doc};
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::BTreeSet;

/// The names `webhooks.rs` re-exports at the API module's root.
pub(crate) fn exported(w: &WebhookEvents) -> Vec<String> {
    let mut out = vec![w.events.name.clone()];
    if w.signature.is_some() {
        out.push("WEBHOOK_SIGNATURE".to_owned());
        out.push("webhook_verifier".to_owned());
    }
    out
}

/// The whole file.
pub(crate) fn file(ctx: &Ctx<'_>, w: &WebhookEvents) -> TokenStream {
    let events = &w.events;
    let name = format_ident!("{}", events.name);
    let mut mentioned = Vec::new();
    crate::ir::collect_event_names(events, &mut mentioned);
    let imported: BTreeSet<String> = mentioned.into_iter().collect();
    let imports = (!imported.is_empty()).then(|| {
        let idents = imported.iter().map(|n| ident(n));
        quote!(use super::{ #( #idents ),* };)
    });
    let deprecated = ctx.api.types.iter().any(|t| t.deprecated && imported.contains(&t.name));
    let allow = deprecated.then(|| quote!(#![allow(deprecated)]));

    let variants = events.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let ty = payload_type(v);
        let doc = variant_doc(ctx, "event", "the body", v);
        quote!(#doc #vname(#ty),)
    });
    let decode_arms = events.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let wire = &v.wire;
        quote!(#wire => Self::#vname(serde_json::from_value(body)?),)
    });
    let type_arms = events.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        let wire = &v.wire;
        quote!(Self::#vname(_) => Some(#wire),)
    });
    let ser_arms = events.variants.iter().map(|v| {
        let vname = format_ident!("{}", v.name);
        quote!(Self::#vname(event) => serde::Serialize::serialize(event, serializer),)
    });
    let (unknown_type, deserialize_body, where_type) = match &w.type_pointer {
        Some(ptr) => (
            quote!(Self::Unknown(body) => body.pointer(#ptr).and_then(serde_json::Value::as_str),),
            quote! {
                let body = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                let event_type = body.pointer(#ptr).and_then(serde_json::Value::as_str).map(str::to_owned);
                match event_type {
                    Some(event_type) => Self::from_value(&event_type, body)
                        .map_err(|e| serde::de::Error::custom(format!("`{event_type}` event: {e}"))),
                    None => Ok(Self::Unknown(body)),
                }
            },
            format!("The event type is the body's member at `{}`.", code_text(ptr)),
        ),
        None => (
            quote!(Self::Unknown(_) => None,),
            quote! {
                // The spec does not say where a body names its event type
                // (`x-webhook-event-type`): only the receiver knows (its URL, a header).
                <serde_json::Value as serde::Deserialize>::deserialize(deserializer).map(Self::Unknown)
            },
            "The spec does not say which body member names the event type (`x-webhook-event-type`), so deserializing gives [`Unknown`](Self::Unknown): decode with [`from_value`](Self::from_value) and the event type the endpoint receives.".to_owned(),
        ),
    };
    let verify_hint = match &w.signature {
        Some(_) => "Verify and decode a delivery with [`webhook_verifier`]`(secret).verify::<WebhookEvent>(&headers, &body)` (the raw body, exactly as received).",
        None => "The spec does not say how deliveries are signed (`x-webhook-signature`): check them with a `rt::WebhookVerifier` built for the API's scheme before trusting them.",
    };
    let enum_doc = docs::trusted_attrs(&format!(
        "A webhook delivery from {}, by event type.\n\n{where_type}\n\n{verify_hint} An event type the spec does not list (or a body without one) is kept as [`Unknown`](Self::Unknown), never an error.",
        docs::sanitize(&ctx.api.title),
    ));
    let signature = w.signature.as_ref().map(|s| signature(ctx, s));
    let module_doc = docs::trusted_inner_attrs(&module_doc(ctx, w));
    quote! {
        #module_doc
        #allow
        #imports

        #enum_doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #( #variants )*
            /// A body whose event type the spec does not list, or that names none, as received.
            Unknown(serde_json::Value),
        }

        impl #name {
            /// Decodes `body` as the event `event_type`; an event type the spec does not list
            /// gives [`Unknown`](Self::Unknown). For receivers that learn the event type from
            /// elsewhere than the body (the URL they were called on, a header).
            pub fn from_value(event_type: &str, body: serde_json::Value) -> Result<Self, serde_json::Error> {
                Ok(match event_type {
                    #( #decode_arms )*
                    _ => Self::Unknown(body),
                })
            }

            /// The event type: the listed name of a known event, or what an unknown body says
            /// (when the spec says where to look).
            pub fn event_type(&self) -> Option<&str> {
                match self {
                    #( #type_arms )*
                    #unknown_type
                }
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #( #ser_arms )*
                    Self::Unknown(body) => serde::Serialize::serialize(body, serializer),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #deserialize_body
            }
        }

        impl rt::WebhookEvent for #name {
            fn event_type(&self) -> Option<&str> {
                #name::event_type(self)
            }
        }

        #signature
    }
}

/// `WEBHOOK_SIGNATURE` and `webhook_verifier`.
fn signature(ctx: &Ctx<'_>, s: &WebhookSignature) -> TokenStream {
    let header = &s.header;
    let encoding = if s.base64 { quote!(Base64) } else { quote!(Hex) };
    let mut chain = quote! {
        rt::WebhookSignature::hmac_sha256(#header)
            .encoding(rt::SignatureEncoding::#encoding)
    };
    if let Some(p) = &s.prefix {
        chain = quote!(#chain.prefix(#p));
    }
    if let Some(h) = &s.timestamp_header {
        chain = quote!(#chain.timestamp_header(#h));
    }
    if s.timestamp_dot_body {
        chain = quote!(#chain.signed_payload(rt::SignedPayload::TimestampDotBody));
    }
    if let Some(secs) = s.tolerance_secs {
        let secs = proc_macro2::Literal::u64_unsuffixed(secs);
        chain = quote!(#chain.tolerance(::std::time::Duration::from_secs(#secs)));
    }
    let covers = if s.timestamp_dot_body { "`{timestamp}.{body}`" } else { "the raw body" };
    let mut how = format!(
        "How {} signs webhook deliveries (`x-webhook-signature`): HMAC-SHA256 over {covers}, {} in the `{}` header{}.",
        docs::sanitize(&ctx.api.title),
        if s.base64 { "base64" } else { "hex" },
        code_text(&s.header),
        s.prefix.as_deref().map(|p| format!(" after the prefix `{}`", code_text(p))).unwrap_or_default(),
    );
    match &s.timestamp_header {
        Some(h) => how.push_str(&format!(
            " The delivery time is in the `{}` header and must be within {} s of now (a replay is rejected).",
            code_text(h),
            s.tolerance_secs.unwrap_or(300)
        )),
        None => how
            .push_str(" No timestamp is sent, so there is no replay window: deduplicate deliveries on the event's id."),
    }
    let doc = docs::trusted_attrs(&how);
    quote! {
        /// A verifier for deliveries to one endpoint: [`WEBHOOK_SIGNATURE`] with the endpoint's
        /// signing secret (used as its UTF-8 bytes).
        pub fn webhook_verifier(secret: impl Into<String>) -> rt::WebhookVerifier {
            rt::WebhookVerifier::new(WEBHOOK_SIGNATURE, secret)
        }

        #doc
        pub const WEBHOOK_SIGNATURE: rt::WebhookSignature = #chain;
    }
}

/// The module docs, with a compiled example when a delivery can be verified and typed.
fn module_doc(ctx: &Ctx<'_>, w: &WebhookEvents) -> String {
    let mut text = format!(
        "Webhook events {} sends (`{}`), decoded into [`{}`].",
        docs::sanitize(&ctx.api.title),
        code_text(&w.events.origin.trim_start_matches('/').replace("~1", "/").replace("~0", "~")),
        w.events.name
    );
    let (Some(_), Some(_), Some(first)) = (&w.signature, &w.type_pointer, w.events.variants.first()) else {
        return text;
    };
    let module = ctx.module_path;
    let root = module.split("::").next().unwrap_or(module);
    text.push_str(&format!(
        "\n\n```no_run\n\
         use {module}::{{webhook_verifier, {name}}};\n\n\
         fn receive(headers: &{root}::http::HeaderMap, body: &[u8], secret: &str) -> Result<(), Box<dyn std::error::Error>> {{\n    \
         match webhook_verifier(secret).verify::<{name}>(headers, body)? {{\n        \
         {name}::{variant}(event) => println!(\"{{event:?}}\"),\n        \
         other => println!(\"not handled: {{:?}}\", other.event_type()),\n    \
         }}\n    \
         Ok(())\n\
         }}\n```",
        name = w.events.name,
        variant = first.name,
    ));
    text
}
