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
        Format::Json => serde_json::from_slice(bytes).map_err(|e| DecodeError::Json(e.to_string())),
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
