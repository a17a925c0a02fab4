//! Events an API sends rather than answers with: the `x-sse-events` of a `text/event-stream`
//! response, and the webhook events of `x-webhooks` (plus OpenAPI 3.1 `webhooks`) with
//! `x-webhook-event-type` and `x-webhook-signature`. The extensions are defined in the header
//! of `specs/talkifai/openapi.yaml`. Each set of events becomes one [`EventEnum`]; payload
//! schemas are typed through the [`TypeSpace`] like any other schema.
//!
//! Malformed extensions are located errors (they are this project's own vocabulary, so a
//! mistake in them is a mistake to fix, not a vendor quirk to tolerate); a stream without
//! `x-sse-events` is a warning, and its events stay untyped.

use super::model::*;
use super::schema::Hint;
use super::space::TypeSpace;
use crate::naming::{self, Scope};
use crate::pointer;
use openapiv3::{ReferenceOr, Schema};
use serde_json::Value;

/// The media type of a Server-Sent Events stream.
const EVENT_STREAM: &str = "text/event-stream";

/// The name of the generated webhook event enum (claimed before any schema, so it is this).
pub(crate) const WEBHOOK_ENUM: &str = "WebhookEvent";

/// `text/event-stream`, parameters and case ignored.
fn is_event_stream(media: &str) -> bool {
    media.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case(EVENT_STREAM)
}

/// The events of a success response's `text/event-stream` content, per its `x-sse-events`.
///
/// `at` is the response's pointer, `json_too` whether the response also offers JSON (which the
/// operation then returns: one builder cannot answer both ways). Returns the pointer of the
/// extension and the events, or `None` (with a warning where one is due) when the response is
/// not an event stream the generator can type.
pub(crate) fn sse_events(
    space: &mut TypeSpace<'_>,
    content: &indexmap::IndexMap<String, openapiv3::MediaType>,
    at: &str,
    json_too: bool,
    op_name: &str,
    owner: &Owner,
) -> Option<(String, Vec<EventVariant>)> {
    let (media, m) = content.iter().find(|(m, _)| is_event_stream(m))?;
    let media_at = format!("{at}/content/{}", pointer::escape(media));
    let Some(ext) = m.extensions.get("x-sse-events") else {
        if !json_too {
            space.warn(
                &media_at,
                "`text/event-stream` response without `x-sse-events`: its events are untyped (`SseEvent`)",
            );
        }
        return None;
    };
    let ext_at = format!("{media_at}/x-sse-events");
    if json_too {
        space.warn(&ext_at, "the response also offers JSON, which the operation returns: `x-sse-events` is ignored");
        return None;
    }
    let Some(map) = ext.as_object() else {
        space.error(&ext_at, "`x-sse-events` must map event names to schemas");
        return None;
    };
    if map.is_empty() {
        space.warn(&ext_at, "`x-sse-events` declares no events: every event is kept raw");
    }
    let mut names = Scope::with_reserved(&["Unknown"]);
    let mut variants = Vec::new();
    for (event, node) in map {
        let event_at = pointer::append(&ext_at, event);
        let Some(schema) = read_schema(space, node, &event_at) else { continue };
        let name = names.claim(&naming::type_name(event));
        let hint = Hint { name: format!("{op_name}{name}Event"), owner: owner.clone(), pointer: event_at };
        let described = space.describe(&schema, &hint);
        let data =
            if is_plain_text(space, &described.shape) { EventData::Text } else { EventData::Json(described.shape) };
        variants.push(EventVariant { wire: event.clone(), name, data, docs: described.docs });
    }
    Some((ext_at, variants))
}

/// A plain `type: string` schema (directly or through an alias): the event's data is its text.
fn is_plain_text(space: &TypeSpace<'_>, shape: &Shape) -> bool {
    let mut ty = &shape.ty;
    // An alias chain visits each type at most once; a longer one is a cycle (reported elsewhere).
    for _ in 0..64 {
        match ty {
            TypeRef::String => return true,
            TypeRef::Named(n) => match space.get(n).map(|t| &t.kind) {
                Some(TypeKind::Alias(s)) => ty = &s.ty,
                _ => return false,
            },
            _ => return false,
        }
    }
    false
}

/// Parses one schema of an extension map; a value that is not a schema is an error at `at`.
fn read_schema(space: &mut TypeSpace<'_>, node: &Value, at: &str) -> Option<ReferenceOr<Schema>> {
    match serde_json::from_value::<ReferenceOr<Schema>>(node.clone()) {
        Ok(schema) => Some(schema),
        Err(e) => {
            space.error(at, &format!("not a valid schema: {e}"));
            None
        }
    }
}

/// The webhook events of the API: `x-webhooks` in document order, then the 3.1 `webhooks` not
/// already named there, with the event-type pointer and the signing scheme. `None` when the
/// API declares no webhook (then the other two extensions are ignored, with a warning).
pub(crate) fn webhook_events(
    space: &mut TypeSpace<'_>,
    document: &Value,
    webhooks: &[Webhook],
) -> Option<WebhookEvents> {
    let mut names = Scope::with_reserved(&["Unknown"]);
    let mut variants: Vec<EventVariant> = Vec::new();
    let mut origin = None;
    match document.get("x-webhooks") {
        None => {}
        Some(Value::Object(map)) => {
            origin = Some("/x-webhooks".to_owned());
            for (event, node) in map {
                let at = pointer::join(["x-webhooks", event]);
                let Some(schema) = read_schema(space, node, &at) else { continue };
                // An inline payload gets a models file of its own, named like a 3.1 webhook's.
                // Normalised again, so the owner is the name the type gets (`a.b` -> `AbWebhook`).
                let base = naming::type_name(&format!("{}Webhook", naming::type_name(event)));
                let hint = Hint { name: base.clone(), owner: Owner::Component(base), pointer: at };
                let described = space.describe(&schema, &hint);
                let name = names.claim(&naming::type_name(event));
                variants.push(EventVariant {
                    wire: event.clone(),
                    name,
                    data: EventData::Json(described.shape),
                    docs: described.docs,
                });
            }
        }
        Some(_) => space.error("/x-webhooks", "`x-webhooks` must map event type names to schemas"),
    }
    for w in webhooks {
        let Some(body) = &w.body else { continue };
        if variants.iter().any(|v| v.wire == w.name) {
            continue;
        }
        origin.get_or_insert_with(|| "/webhooks".to_owned());
        let name = names.claim(&naming::type_name(&w.name));
        variants.push(EventVariant {
            wire: w.name.clone(),
            name,
            data: EventData::Json(body.clone()),
            docs: w.docs.clone(),
        });
    }
    let type_pointer = event_type_pointer(space, document);
    let signature = signature(space, document);
    let Some(origin) = origin else {
        for (key, what) in
            [("x-webhook-event-type", type_pointer.is_some()), ("x-webhook-signature", signature.is_some())]
        {
            if what {
                space.warn(&pointer::join([key]), &format!("`{key}` is ignored: the API declares no webhooks"));
            }
        }
        return None;
    };
    Some(WebhookEvents {
        events: EventEnum { name: WEBHOOK_ENUM.to_owned(), origin, variants },
        type_pointer,
        signature,
    })
}

/// `x-webhook-event-type`: a JSON pointer into every webhook body.
fn event_type_pointer(space: &mut TypeSpace<'_>, document: &Value) -> Option<String> {
    let node = document.get("x-webhook-event-type")?;
    match node.as_str().filter(|p| pointer::parse(p).is_some()) {
        Some(p) => Some(p.to_owned()),
        None => {
            space.error("/x-webhook-event-type", "`x-webhook-event-type` must be a JSON pointer such as `/type`");
            None
        }
    }
}

/// `x-webhook-signature`: the signing scheme, checked member by member.
fn signature(space: &mut TypeSpace<'_>, document: &Value) -> Option<WebhookSignature> {
    const AT: &str = "/x-webhook-signature";
    let node = document.get("x-webhook-signature")?;
    let Some(map) = node.as_object() else {
        space.error(AT, "`x-webhook-signature` must be an object (header, algorithm, encoding, ...)");
        return None;
    };
    let mut ok = true;
    let mut text = |space: &mut TypeSpace<'_>, key: &str| -> Option<String> {
        match map.get(key) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                space.error(&pointer::append(AT, key), &format!("`{key}` must be a string"));
                ok = false;
                None
            }
        }
    };
    let header = text(space, "header");
    let algorithm = text(space, "algorithm");
    let encoding = text(space, "encoding");
    let prefix = text(space, "prefix");
    let signed_payload = text(space, "signedPayload");
    let timestamp_header = text(space, "timestampHeader");
    let mut error = |space: &mut TypeSpace<'_>, key: &str, message: &str| {
        space.error(&pointer::append(AT, key), message);
        ok = false;
    };
    match &header {
        None => error(space, "header", "`header` (the header carrying the signature) is required"),
        Some(h) if !is_header_name(h) => error(space, "header", &format!("`{h}` is not a valid header name")),
        Some(_) => {}
    }
    if let Some(h) = timestamp_header.as_deref().filter(|h| !is_header_name(h)) {
        error(space, "timestampHeader", &format!("`{h}` is not a valid header name"));
    }
    if algorithm.as_deref().is_some_and(|a| !a.eq_ignore_ascii_case("hmac-sha256")) {
        error(space, "algorithm", "only `hmac-sha256` is supported");
    }
    let base64 = match encoding.as_deref() {
        None | Some("hex") => false,
        Some("base64") => true,
        Some(other) => {
            error(space, "encoding", &format!("`{other}` is not an encoding: `hex` or `base64`"));
            false
        }
    };
    let timestamp_dot_body = match signed_payload.as_deref() {
        None | Some("body") => false,
        Some("timestampDotBody") => true,
        Some(other) => {
            error(space, "signedPayload", &format!("`{other}` is not a signed payload: `body` or `timestampDotBody`"));
            false
        }
    };
    if timestamp_dot_body && timestamp_header.is_none() {
        error(space, "signedPayload", "`timestampDotBody` needs `timestampHeader`");
    }
    let tolerance_secs = match map.get("tolerance") {
        None => None,
        Some(v) => match v.as_u64() {
            Some(secs) => Some(secs),
            None => {
                error(space, "tolerance", "`tolerance` must be a whole number of seconds");
                None
            }
        },
    };
    if tolerance_secs.is_some() && timestamp_header.is_none() {
        space.warn(&pointer::append(AT, "tolerance"), "`tolerance` is unused without `timestampHeader`");
    }
    const KNOWN: &[&str] =
        &["header", "algorithm", "encoding", "prefix", "signedPayload", "timestampHeader", "tolerance"];
    for key in map.keys().filter(|k| !KNOWN.contains(&k.as_str())) {
        space.warn(&pointer::append(AT, key), &format!("unknown member `{key}` of `x-webhook-signature` is ignored"));
    }
    Some(WebhookSignature {
        header: header.filter(|_| ok)?,
        base64,
        prefix,
        timestamp_dot_body,
        timestamp_header,
        tolerance_secs,
    })
}

/// An HTTP header name (RFC 9110 token characters), so the generated constant can be looked up.
fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_and_header_names() {
        assert!(is_event_stream("text/event-stream"));
        assert!(is_event_stream("Text/Event-Stream; charset=utf-8"));
        assert!(!is_event_stream("application/json"));
        assert!(is_header_name("X-TalkifAI-Signature"));
        assert!(!is_header_name("X Signature"));
        assert!(!is_header_name(""));
        assert!(!is_header_name("é"));
    }
}
