//! Small value types used by generated models.

use serde::de::{Deserialize, Deserializer, Error as _};
use serde::ser::{Serialize, Serializer};

/// Tri-state for optional+nullable request fields: left out, explicit null, or a value.
///
/// Partial updates need all three: leaving a field out keeps it, `null` clears it. Generated
/// fields carry `#[serde(default, skip_serializing_if = "Nullable::is_absent")]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Nullable<T> {
    /// Not sent at all.
    #[default]
    Absent,
    /// Sent as JSON `null`.
    Null,
    /// Sent as the value.
    Value(T),
}

impl<T> Nullable<T> {
    /// True when the field is left out.
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// True when the field is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// The value, if there is one.
    pub fn as_option(&self) -> Option<&T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if there is one, by value.
    pub fn into_option(self) -> Option<T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(v: T) -> Self {
        Nullable::Value(v)
    }
}

impl<T> From<Option<T>> for Nullable<T> {
    /// `None` becomes an explicit `null`: a caller who passes an `Option` means to send it.
    fn from(v: Option<T>) -> Self {
        v.map_or(Nullable::Null, Nullable::Value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Value(v) => v.serialize(s),
            // Absent is normally skipped by the field attribute; if not, null is the closest.
            Nullable::Null | Nullable::Absent => s.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(Nullable::from)
    }
}

/// A field the spec pins to the boolean `true` (`enum: [true]`): serializes as `true`,
/// deserializes only from `true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct True;

impl Serialize for True {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(true)
    }
}

impl<'de> Deserialize<'de> for True {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if bool::deserialize(d)? { Ok(True) } else { Err(D::Error::custom("expected `true`")) }
    }
}

/// The impls of a generated open string enum: `as_str`, `From<&str>`, `From<String>`, `FromStr`,
/// `Display` and serde as the wire string, with unknown values kept in the fallback variant.
/// Written once here because the orphan rule rules out a blanket impl over generated enums.
#[doc(hidden)]
#[macro_export]
macro_rules! __open_enum {
    ($name:ident, $fallback:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        impl $name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::$fallback(other) => other.as_str(),
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::$fallback(::std::borrow::ToOwned::to_owned(other)),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::$fallback(_) => Self::$fallback(value),
                    known => known,
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(Self::from(s))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = Self::from(<::std::string::String as $crate::__private::serde::Deserialize>::deserialize(deserializer)?);
                if let Self::$fallback(_) = &value {
                    $crate::__private::note_fallback();
                }
                ::std::result::Result::Ok(value)
            }
        }
    };
}

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
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Patch {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        name: Nullable<String>,
    }

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

    #[test]
    fn nullable_serializes_three_states() {
        let absent = Patch { name: Nullable::Absent };
        let null = Patch { name: Nullable::Null };
        let value = Patch { name: "x".to_string().into() };
        assert_eq!(serde_json::to_string(&absent).unwrap(), "{}");
        assert_eq!(serde_json::to_string(&null).unwrap(), r#"{"name":null}"#);
        assert_eq!(serde_json::to_string(&value).unwrap(), r#"{"name":"x"}"#);
        assert_eq!(serde_json::to_string(&Nullable::<u8>::Absent).unwrap(), "null");
    }

    #[test]
    fn nullable_deserializes_three_states() {
        let p: Patch = serde_json::from_str("{}").unwrap();
        assert!(p.name.is_absent());
        let p: Patch = serde_json::from_str(r#"{"name":null}"#).unwrap();
        assert!(p.name.is_null());
        let p: Patch = serde_json::from_str(r#"{"name":"y"}"#).unwrap();
        assert_eq!(p.name.as_option().map(String::as_str), Some("y"));
        assert_eq!(p.name.into_option(), Some("y".to_string()));
        assert!(serde_json::from_str::<Patch>(r#"{"name":3}"#).is_err());
    }

    #[test]
    fn nullable_conversions() {
        assert_eq!(Nullable::<u8>::from(None), Nullable::Null);
        assert_eq!(Nullable::<u8>::from(Some(1)), Nullable::Value(1));
        assert_eq!(Nullable::<u8>::from(2), Nullable::Value(2));
        assert_eq!(Nullable::<u8>::default(), Nullable::Absent);
    }

    #[test]
    fn true_only_accepts_true() {
        assert_eq!(serde_json::to_string(&True).unwrap(), "true");
        assert_eq!(serde_json::from_str::<True>("true").unwrap(), True);
        assert!(serde_json::from_str::<True>("false").is_err());
        assert!(serde_json::from_str::<True>("1").is_err());
        assert!(serde_json::from_str::<True>("null").is_err());
    }
}
