//! Serialization helpers of generated discriminated unions.

use serde::ser::{Serialize, Serializer};

/// Serializes one variant of a discriminated union with its tag set: the variant's type
/// decides `property`, whatever its own tag field says.
pub fn serialize_tagged<T, S>(value: &T, property: &str, tag: &str, serializer: S) -> Result<S::Ok, S::Error>
where
    T: Serialize,
    S: Serializer,
{
    let mut json = serde_json::to_value(value).map_err(serde::ser::Error::custom)?;
    if let Some(object) = json.as_object_mut() {
        object.insert(property.to_owned(), serde_json::Value::String(tag.to_owned()));
    }
    json.serialize(serializer)
}

/// Serializes one variant of a discriminated union whose variant several tags select: a tag
/// the value already holds in `property` stays (a dated alias, or the schema name it was read
/// with), anything else, or none, becomes the first. What decodes encodes back the same way,
/// and a value can still never go out under another variant's tag.
pub fn serialize_tagged_as<T, S>(value: &T, property: &str, tags: &[&str], serializer: S) -> Result<S::Ok, S::Error>
where
    T: Serialize,
    S: Serializer,
{
    let mut json = serde_json::to_value(value).map_err(serde::ser::Error::custom)?;
    if let Some(object) = json.as_object_mut() {
        let held = object.get(property).and_then(serde_json::Value::as_str).is_some_and(|t| tags.contains(&t));
        if !held {
            let first = tags.first().copied().unwrap_or_default();
            object.insert(property.to_owned(), serde_json::Value::String(first.to_owned()));
        }
    }
    json.serialize(serializer)
}

/// Serializes a unit variant of a discriminated union: an object holding only its tag.
pub fn serialize_tag<S: Serializer>(property: &str, tag: &str, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(property, tag)?;
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_variant_serializes_as_an_object_holding_its_tag() {
        struct Creating;
        impl Serialize for Creating {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serialize_tag("state", "creating", serializer)
            }
        }
        assert_eq!(serde_json::to_string(&Creating).unwrap(), r#"{"state":"creating"}"#);
    }
}
