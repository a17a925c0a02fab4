//! Media types: what kind of body each one is, which one an operation sends when a request
//! body offers several, and which one it reads from a response.

use openapiv3::{MediaType, ReferenceOr, Schema, SchemaKind, Type};

/// What a media type means for a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum MediaKind {
    /// `application/json`, `*+json`, or a wildcard with a JSON schema.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/*`.
    Multipart,
    /// Anything else: octet-stream, audio, images, archives, a wildcard with a binary schema.
    Binary,
    /// `text/*` and XML: a string.
    Text,
    /// `text/event-stream`.
    EventStream,
}

/// The media type without parameters, lower case (`Application/JSON; charset=utf-8` ->
/// `application/json`).
pub(crate) fn essence(media: &str) -> String {
    media.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// What `media` (with its schema) is.
pub(crate) fn kind(media: &str, content: &MediaType) -> MediaKind {
    let m = essence(media);
    match m.as_str() {
        "application/json" => MediaKind::Json,
        "application/x-www-form-urlencoded" => MediaKind::Form,
        "text/event-stream" => MediaKind::EventStream,
        "*/*" | "application/*" => {
            if is_json_schema(content.schema.as_ref()) {
                MediaKind::Json
            } else {
                MediaKind::Binary
            }
        }
        _ if m.ends_with("+json") => MediaKind::Json,
        _ if m.starts_with("multipart/") => MediaKind::Multipart,
        _ if m.starts_with("text/") || m == "application/xml" || m.ends_with("+xml") => MediaKind::Text,
        _ => MediaKind::Binary,
    }
}

/// A wildcard media type carries JSON when its schema describes a JSON value that is not a
/// plain string: an object, an array, a reference, a composition. A missing or empty schema, or
/// a string (binary or not), is bytes.
fn is_json_schema(schema: Option<&ReferenceOr<Schema>>) -> bool {
    match schema {
        None => false,
        Some(ReferenceOr::Reference { .. }) => true,
        Some(ReferenceOr::Item(s)) => match &s.schema_kind {
            SchemaKind::Type(Type::String(_)) => false,
            SchemaKind::Any(any) => {
                any.typ.is_some()
                    || !any.properties.is_empty()
                    || !any.one_of.is_empty()
                    || !any.any_of.is_empty()
                    || !any.all_of.is_empty()
                    || any.items.is_some()
            }
            _ => true,
        },
    }
}

/// The media type a request body is sent as: JSON, then form, then multipart, then binary,
/// then text; the first offered of the best kind. `None` for an empty `content`.
pub(crate) fn choose_request(content: &indexmap::IndexMap<String, MediaType>) -> Option<(&str, &MediaType, MediaKind)> {
    // An event stream is not a request body kind: sent as bytes.
    let rank = |k: MediaKind| if k == MediaKind::EventStream { MediaKind::Binary } else { k };
    content.iter().map(|(m, c)| (m.as_str(), c, rank(kind(m, c)))).min_by_key(|(_, _, k)| *k)
}

/// The kinds a response is read as, best first: JSON is decoded, an event stream is handled by
/// its caller, text is a string, binary a download.
pub(crate) fn choose_response(
    content: &indexmap::IndexMap<String, MediaType>,
) -> Option<(&str, &MediaType, MediaKind)> {
    let order = |k: MediaKind| match k {
        MediaKind::Json => 0,
        MediaKind::EventStream => 1,
        MediaKind::Text => 2,
        // Form and multipart responses are rare; read as bytes.
        MediaKind::Binary | MediaKind::Form | MediaKind::Multipart => 3,
    };
    content.iter().map(|(m, c)| (m.as_str(), c, kind(m, c))).min_by_key(|(_, _, k)| order(*k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(schema: serde_json::Value) -> MediaType {
        serde_json::from_value(serde_json::json!({ "schema": schema })).expect("a media type")
    }

    #[test]
    fn kinds_of_media_types() {
        let any = media(serde_json::json!({}));
        let object = media(serde_json::json!({"type": "object"}));
        let string = media(serde_json::json!({"type": "string"}));
        assert_eq!(kind("application/json; charset=utf-8", &any), MediaKind::Json);
        assert_eq!(kind("application/scim+json", &any), MediaKind::Json);
        assert_eq!(kind("application/x-www-form-urlencoded", &object), MediaKind::Form);
        assert_eq!(kind("multipart/form-data", &object), MediaKind::Multipart);
        assert_eq!(kind("text/plain", &string), MediaKind::Text);
        assert_eq!(kind("application/xml", &object), MediaKind::Text);
        assert_eq!(kind("audio/*", &string), MediaKind::Binary);
        assert_eq!(kind("application/octet-stream", &string), MediaKind::Binary);
        assert_eq!(kind("*/*", &any), MediaKind::Binary, "any value under a wildcard is bytes");
        assert_eq!(kind("*/*", &string), MediaKind::Binary);
        assert_eq!(kind("*/*", &object), MediaKind::Json);
        assert_eq!(kind("text/event-stream", &any), MediaKind::EventStream);
    }

    #[test]
    fn requests_prefer_json_then_form_then_multipart_then_binary_then_text() {
        let content = |types: &[&str]| -> indexmap::IndexMap<String, MediaType> {
            types.iter().map(|t| ((*t).to_owned(), media(serde_json::json!({"type": "object"})))).collect()
        };
        let chosen = |types: &[&str]| choose_request(&content(types)).map(|(m, _, _)| m.to_owned());
        assert_eq!(chosen(&["application/xml", "application/json"]).as_deref(), Some("application/json"));
        assert_eq!(
            chosen(&["multipart/form-data", "application/x-www-form-urlencoded"]).as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(chosen(&["application/sdp", "multipart/form-data"]).as_deref(), Some("multipart/form-data"));
        assert_eq!(chosen(&["text/plain", "text/x-markdown"]).as_deref(), Some("text/plain"));
        assert_eq!(chosen(&[]), None);
    }
}
