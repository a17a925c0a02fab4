//! Where in a JSON document a serde_json error happened, as a JSONPath (`$.items[1].id`).
//!
//! `serde_path_to_error` says the same by wrapping the deserializer, but the wrapper
//! instantiates a tracking copy of every type's `Deserialize` impl in the crate that decodes
//! it (for an SDK the size of oxide-rs's, a large share of all the functions compiled), for the
//! rare failed decode. serde_json already reports where it stopped (line and column), which is
//! just after the value it rejected (or the `}` of an object missing a field); walking the text
//! up to that point, only when decoding failed, names the same value.

/// One open container on the way to the error.
enum Frame {
    /// An object; `key` is the member being read, `None` before its first key.
    Object { key: Option<String>, expecting_key: bool },
    /// An array and the index of the element being read.
    Array { index: usize },
}

/// The path of the value that was being read, or had just been read, at byte `offset`.
pub(crate) fn path_at(json: &[u8], offset: usize) -> String {
    // `offset` is the last byte serde_json read: it belongs to the path.
    let end = offset.saturating_add(1).min(json.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match json[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < json.len() && json[i] != b'"' {
                    i += if json[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, expecting_key: expecting @ true }) = stack.last_mut() {
                    let raw = json.get(start..=i).unwrap_or(&json[start..]);
                    *key =
                        Some(serde_json::from_slice(raw).unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned()));
                    *expecting = false;
                }
            }
            b'{' => stack.push(Frame::Object { key: None, expecting_key: true }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            // A bracket that does not close the innermost container is the syntax error itself.
            b'}' if matches!(stack.last(), Some(Frame::Object { .. })) => {
                stack.pop();
            }
            b']' if matches!(stack.last(), Some(Frame::Array { .. })) => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut path = String::from("$");
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key), .. } => {
                path.push('.');
                path.push_str(key);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// The path of the value a serde_json error on `json` is about.
pub(crate) fn path_of_error(json: &[u8], error: &serde_json::Error) -> String {
    path_at(json, byte_offset(json, error.line(), error.column()))
}

/// serde_json reports 1-based lines and columns; turn them into a byte offset.
pub(crate) fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in body.split(|b| *b == b'\n').enumerate() {
        if i + 1 >= line {
            return offset + column.saturating_sub(1).min(l.len());
        }
        offset += l.len() + 1;
    }
    body.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde_json reports for decoding `json` as `T`, as a path.
    fn path_for<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        let error = serde_json::from_str::<T>(json).expect_err("the JSON does not fit");
        path_of_error(json.as_bytes(), &error)
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Thing {
        id: String,
        tags: Vec<u8>,
        #[serde(default)]
        inner: Option<Box<Thing>>,
    }

    #[test]
    fn a_wrong_value_is_named_by_its_path() {
        assert_eq!(path_for::<Thing>(r#"{"id": 1, "tags": []}"#), "$.id");
        assert_eq!(path_for::<Thing>(r#"{"id": "a", "tags": [1, "x"]}"#), "$.tags[1]");
        assert_eq!(path_for::<Thing>(r#"{"id":"a","tags":[],"inner":{"id":"b","tags":[1,2,300]}}"#), "$.inner.tags[2]");
        assert_eq!(path_for::<Vec<Thing>>(r#"[{"id":"a","tags":[]},{"id":"b","tags":[-1]}]"#), "$[1].tags[0]");
        // A container where a scalar belongs: the path of the container, not of its content.
        assert_eq!(path_for::<Thing>(r#"{"id": ["a"], "tags": []}"#), "$.id");
        assert_eq!(path_for::<Thing>(r#"{"id": {"a": 1}, "tags": []}"#), "$.id");
        assert_eq!(path_for::<Thing>(r#"{"id": "a", "tags": {}}"#), "$.tags");
    }

    #[test]
    fn a_missing_field_is_named_by_its_object() {
        assert_eq!(path_for::<Thing>(r#"{"tags": []}"#), "$");
        assert_eq!(path_for::<Vec<Thing>>(r#"[{"id":"a","tags":[]}, {"id":"b"}]"#), "$[1]");
    }

    #[test]
    fn syntax_errors_and_keys_with_escapes_and_brackets_in_strings() {
        assert_eq!(path_for::<Thing>(r#"{"id": "1", "tags": oops}"#), "$.tags");
        assert_eq!(
            path_for::<serde_json::Map<String, serde_json::Value>>(r#"{"a\"]},[": {"b": [1, 2, }}"#),
            "$.a\"]},[.b[2]"
        );
        assert_eq!(path_for::<Vec<u8>>("[1, 2] trailing"), "$");
        assert_eq!(path_for::<Vec<u8>>(""), "$");
    }
}
