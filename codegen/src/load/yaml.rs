//! The only place that names the YAML parser. `serde_yaml` is archived upstream; swapping in a
//! maintained fork with the same API is a change to this file and `Cargo.toml` alone.

use serde_json::{Map, Number, Value};

/// Parses YAML into a JSON value; the error names line and column.
///
/// Goes through the YAML value model because YAML allows non-string keys (`200:` in `responses`
/// is an integer), which JSON objects do not: such keys are turned into their string form.
pub fn from_str(text: &str) -> Result<Value, String> {
    let yaml = serde_yaml::from_str::<serde_yaml::Value>(text).map_err(|e| match e.location() {
        Some(loc) => format!("invalid YAML at line {} column {}: {e}", loc.line(), loc.column()),
        None => format!("invalid YAML: {e}"),
    })?;
    to_json(yaml)
}

fn to_json(value: serde_yaml::Value) -> Result<Value, String> {
    use serde_yaml::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                Number::from_f64(f).map(Value::Number).ok_or_else(|| format!("number {f} cannot be represented in JSON"))?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(key_string(k)?, to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => to_json(tagged.value)?,
    })
}

fn key_string(key: serde_yaml::Value) -> Result<String, String> {
    use serde_yaml::Value as Y;
    match key {
        Y::String(s) => Ok(s),
        Y::Number(n) => Ok(n.to_string()),
        Y::Bool(b) => Ok(b.to_string()),
        Y::Null => Ok("null".to_owned()),
        other => Err(format!("unsupported mapping key {other:?}: keys must be scalars")),
    }
}
