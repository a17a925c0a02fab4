//! The only place that names the YAML parser. `serde_yaml` is archived upstream; swapping in a
//! maintained fork with the same API is a change to this file and `Cargo.toml` alone.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Parses YAML into a JSON value; the error names line and column.
///
/// YAML allows what JSON objects do not: non-string keys (`200:` in `responses` is an
/// integer) and integers beyond 64 bits (`minimum: -9223372036854776000` in real specs).
/// Keys become their string form; out-of-range integers become floats.
pub fn from_str(text: &str) -> Result<Value, String> {
    serde_yaml::from_str::<Json>(text).map(|j| j.0).map_err(|e| match e.location() {
        Some(loc) => format!("invalid YAML at line {} column {}: {e}", loc.line(), loc.column()),
        None => format!("invalid YAML: {e}"),
    })
}

/// A JSON value read from any self-describing format.
struct Json(Value);

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor).map(Json)
    }
}

struct JsonVisitor;

fn float<E: de::Error>(f: f64) -> Result<Value, E> {
    Number::from_f64(f).map(Value::Number).ok_or_else(|| E::custom(format!("number {f} cannot be represented in JSON")))
}

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Number(i.into()))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        Ok(Value::Number(u.into()))
    }
    fn visit_i128<E: de::Error>(self, i: i128) -> Result<Value, E> {
        match i64::try_from(i) {
            Ok(small) => Ok(Value::Number(small.into())),
            Err(_) => float(i as f64),
        }
    }
    fn visit_u128<E: de::Error>(self, u: u128) -> Result<Value, E> {
        match u64::try_from(u) {
            Ok(small) => Ok(Value::Number(small.into())),
            Err(_) => float(u as f64),
        }
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        float(f)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Json(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some((Json(k), Json(v))) = map.next_entry()? {
            let key = match k {
                Value::String(s) => s,
                Value::Null => "null".to_owned(),
                Value::Bool(_) | Value::Number(_) => k.to_string(),
                other => {
                    return Err(de::Error::custom(format!("unsupported mapping key {other}: keys must be scalars")))
                }
            };
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::from_str;

    #[test]
    fn integer_keys_and_huge_integers_become_json() {
        let v = from_str("responses:\n  200: ok\nminimum: -9223372036854776000\n").expect("parses");
        assert_eq!(v["responses"]["200"], "ok");
        assert!(v["minimum"].as_f64().is_some_and(|f| f < -9.2e18));
    }
}
