//! The wire codec: the same message types as bincode (compact, for the field client) or JSON
//! (for other clients and for people). This is the only module that names `bincode`, so the
//! binary encoding can be swapped without touching callers.
//!
//! A bincode message is framed as `b"FC"`, the [`WIRE_VERSION`] (u16, little endian), then the
//! bincode 2 "standard" encoding (varint integers) of the message. Decoding is bounded: no
//! length prefix in the input can make it allocate more than [`DECODE_LIMIT`] bytes.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::sync::WIRE_VERSION;

/// Media type of the bincode form.
pub const BINCODE_MEDIA_TYPE: &str = "application/x-firecheck-bincode";
/// Media type of the JSON form.
pub const JSON_MEDIA_TYPE: &str = "application/json";
/// Most bytes a decode may allocate.
pub const DECODE_LIMIT: usize = 16 * 1024 * 1024;

const MAGIC: [u8; 2] = *b"FC";

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<DECODE_LIMIT>()
}

/// Which encoding a body uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Bincode,
    Json,
}

impl Format {
    pub fn media_type(&self) -> &'static str {
        match self {
            Format::Bincode => BINCODE_MEDIA_TYPE,
            Format::Json => JSON_MEDIA_TYPE,
        }
    }

    /// The format a `Content-Type` (or one `Accept` entry) names, ignoring parameters.
    pub fn from_media_type(value: &str) -> Option<Format> {
        let essence = value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            BINCODE_MEDIA_TYPE => Some(Format::Bincode),
            JSON_MEDIA_TYPE => Some(Format::Json),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("body is empty")]
    Empty,
    #[error("not a firecheck bincode message (bad frame header)")]
    BadMagic,
    #[error(
        "wire version {found} is not supported (this side speaks {WIRE_VERSION}); update the app"
    )]
    UnsupportedVersion { found: u16 },
    #[error("malformed bincode: {0}")]
    Bincode(String),
    #[error("malformed JSON: {0}")]
    Json(String),
    #[error("{0} unexpected bytes after the message")]
    TrailingBytes(usize),
}

pub fn encode<T: Serialize>(format: Format, msg: &T) -> Vec<u8> {
    match format {
        Format::Bincode => {
            let mut out = Vec::with_capacity(256);
            out.extend_from_slice(&MAGIC);
            out.extend_from_slice(&WIRE_VERSION.to_le_bytes());
            bincode::serde::encode_into_std_write(msg, &mut out, config())
                .expect("encoding into a Vec cannot fail for firecheck's types");
            out
        }
        Format::Json => {
            serde_json::to_vec(msg).expect("firecheck's types always serialize to JSON")
        }
    }
}

pub fn decode<T: DeserializeOwned>(format: Format, bytes: &[u8]) -> Result<T, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    match format {
        Format::Bincode => {
            if bytes.len() < 4 || bytes[..2] != MAGIC {
                return Err(DecodeError::BadMagic);
            }
            let version = u16::from_le_bytes([bytes[2], bytes[3]]);
            if version != WIRE_VERSION {
                return Err(DecodeError::UnsupportedVersion { found: version });
            }
            decode_unframed(&bytes[4..])
        }
        Format::Json => decode_json(bytes),
    }
}

/// JSON with integers written as whole floats (`3494.0`, as some generators and JavaScript
/// clients write numbers) read as those integers: JSON Schema's `integer` allows them. Tried
/// only after the strict read failed on a float, so the usual path pays nothing.
fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let strict = match serde_json::from_slice(bytes) {
        Ok(msg) => return Ok(msg),
        Err(e) => e,
    };
    if !strict.to_string().contains("floating point") {
        return Err(DecodeError::Json(strict.to_string()));
    }
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| DecodeError::Json(e.to_string()))?;
    whole_floats_as_integers(&mut value);
    serde_json::from_value(value).map_err(|e| DecodeError::Json(e.to_string()))
}

fn whole_floats_as_integers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            // Only where a float holds every integer exactly (|f| < 2^53): a larger one may
            // not be the number that was written.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 && (0.0..EXACT).contains(&f) {
                *v = Value::from(f as u64);
            } else if f.fract() == 0.0 && f > -EXACT && f < 0.0 {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_floats_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_floats_as_integers),
        _ => {}
    }
}

/// Bincode without the frame: for values stored locally (logs, replicas), whose layout is
/// versioned by the store that keeps them.
pub fn encode_unframed<T: Serialize>(msg: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(msg, config())
        .expect("encoding into a Vec cannot fail for firecheck's types")
}

pub fn decode_unframed<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let (msg, used) = bincode::serde::decode_from_slice(bytes, config())
        .map_err(|e| DecodeError::Bincode(e.to_string()))?;
    if used != bytes.len() {
        return Err(DecodeError::TrailingBytes(bytes.len() - used));
    }
    Ok(msg)
}
