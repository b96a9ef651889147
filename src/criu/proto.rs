//! The protobuf wire format (proto2), as much of it as CRIU's RPC messages
//! use: varints (int32, uint32, bool, enum), length-delimited fields
//! (string, bytes, nested messages) and unpacked repeated fields.
//!
//! berth has no protobuf crate: the messages it exchanges with CRIU are a
//! handful (see [`super::rpc`]), and a codec of its own keeps protoc and a
//! generated-code crate out of the build and the binary. The decoder reads
//! bytes from another process, so it never panics: anything malformed is a
//! [`DecodeError`].

use serde::{Deserialize, Serialize};

/// The largest field number protobuf allows (2^29 - 1).
const MAX_FIELD: u64 = (1 << 29) - 1;

/// A varint is at most ten bytes: 64 bits in groups of 7.
const MAX_VARINT_LEN: usize = 10;

/// Why bytes could not be read as a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum DecodeError {
    /// The input ended inside a field: its key, its value, or the length
    /// a length-delimited field announced.
    #[error("protobuf message truncated")]
    Truncated,
    #[error("protobuf varint longer than 10 bytes")]
    VarintTooLong,
    /// 0, or above 2^29 - 1.
    #[error("protobuf field number {0} out of range")]
    FieldNumber(u64),
    /// Groups (3, 4), long deprecated, or a wire type protobuf does not
    /// define (6, 7): their length cannot be known, so nothing after them
    /// can be read either.
    #[error("protobuf field {field} has wire type {wire_type}, which is not read")]
    UnsupportedWireType { field: u32, wire_type: u8 },
    /// A field the schema knows came with another wire type than its own.
    #[error("protobuf field {field} has wire type {found}, expected {expected}")]
    WrongWireType { field: u32, found: u8, expected: u8 },
    /// A `required` field was absent: `message.field`, as the schema names it.
    #[error("required protobuf field {0} missing")]
    MissingField(String),
}

/// How a field's value is laid out after its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireType {
    Varint = 0,
    I64 = 1,
    Len = 2,
    I32 = 5,
}

/// One field's value as the wire has it; the schema says what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Varint(u64),
    I64(u64),
    Len(&'a [u8]),
    I32(u32),
}

impl Value<'_> {
    pub fn wire_type(&self) -> WireType {
        match self {
            Value::Varint(_) => WireType::Varint,
            Value::I64(_) => WireType::I64,
            Value::Len(_) => WireType::Len,
            Value::I32(_) => WireType::I32,
        }
    }
}

/// One field read from a message: its number and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    pub number: u32,
    pub value: Value<'a>,
}

impl<'a> Field<'a> {
    fn wrong(&self, expected: WireType) -> DecodeError {
        DecodeError::WrongWireType { field: self.number, found: self.value.wire_type() as u8, expected: expected as u8 }
    }

    pub fn varint(&self) -> Result<u64, DecodeError> {
        match self.value {
            Value::Varint(v) => Ok(v),
            _ => Err(self.wrong(WireType::Varint)),
        }
    }

    /// Keeps the low 32 bits, as protobuf's own decoders do: a negative
    /// int32 arrives sign-extended to 64 bits.
    pub fn int32(&self) -> Result<i32, DecodeError> {
        Ok(self.varint()? as i32)
    }

    pub fn uint32(&self) -> Result<u32, DecodeError> {
        Ok(self.varint()? as u32)
    }

    pub fn bool(&self) -> Result<bool, DecodeError> {
        Ok(self.varint()? != 0)
    }

    pub fn bytes(&self) -> Result<&'a [u8], DecodeError> {
        match self.value {
            Value::Len(b) => Ok(b),
            _ => Err(self.wrong(WireType::Len)),
        }
    }

    /// Invalid UTF-8 is replaced, not refused: CRIU (protobuf-c) does not
    /// check what it sends, and an error message with a stray byte from a
    /// path in it must not hide the failure it reports.
    pub fn string(&self) -> Result<String, DecodeError> {
        Ok(String::from_utf8_lossy(self.bytes()?).into_owned())
    }
}

/// Splits `buf` at `n`, or says the input is too short.
fn take(buf: &[u8], n: usize) -> Result<(&[u8], &[u8]), DecodeError> {
    if n > buf.len() {
        return Err(DecodeError::Truncated);
    }
    Ok(buf.split_at(n))
}

/// Reads a varint off the front of `buf`; returns it and the rest.
fn read_varint(buf: &[u8]) -> Result<(u64, &[u8]), DecodeError> {
    let mut v = 0u64;
    for (i, &b) in buf.iter().take(MAX_VARINT_LEN).enumerate() {
        // Bits past the 64th (in the tenth byte) are dropped, as upb and
        // protobuf-c do.
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((v, &buf[i + 1..]));
        }
    }
    if buf.len() < MAX_VARINT_LEN {
        Err(DecodeError::Truncated)
    } else {
        Err(DecodeError::VarintTooLong)
    }
}

/// The fields of one encoded message, in the order they were written.
///
/// Yields an error at most once, then ends: after a malformed field, where
/// the next one starts cannot be known.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { rest: buf, failed: false }
    }

    fn field(&mut self) -> Result<Field<'a>, DecodeError> {
        let (key, rest) = read_varint(self.rest)?;
        let number = key >> 3;
        if number == 0 || number > MAX_FIELD {
            return Err(DecodeError::FieldNumber(number));
        }
        // Checked against MAX_FIELD above.
        let number = number as u32;
        let (value, rest) = match key & 7 {
            0 => {
                let (v, rest) = read_varint(rest)?;
                (Value::Varint(v), rest)
            }
            1 => {
                let (b, rest) = take(rest, 8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                (Value::I64(u64::from_le_bytes(a)), rest)
            }
            2 => {
                let (len, rest) = read_varint(rest)?;
                let len = usize::try_from(len).map_err(|_| DecodeError::Truncated)?;
                let (b, rest) = take(rest, len)?;
                (Value::Len(b), rest)
            }
            5 => {
                let (b, rest) = take(rest, 4)?;
                let mut a = [0u8; 4];
                a.copy_from_slice(b);
                (Value::I32(u32::from_le_bytes(a)), rest)
            }
            wire_type => return Err(DecodeError::UnsupportedWireType { field: number, wire_type: wire_type as u8 }),
        };
        self.rest = rest;
        Ok(Field { number, value })
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<Field<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let field = self.field();
        self.failed = field.is_err();
        Some(field)
    }
}

/// The fields of the concatenation of `parts`, without copying them.
///
/// Protobuf merges a singular message field that occurs more than once, and
/// merging is the same as decoding the concatenation of the occurrences.
pub fn fields<'a, 'p>(parts: &'p [&'a [u8]]) -> impl Iterator<Item = Result<Field<'a>, DecodeError>> + 'p
where
    'a: 'p,
{
    parts.iter().flat_map(|part| Reader::new(part))
}

/// A required field's value, or the error that names it.
pub fn required<T>(value: Option<T>, name: &str) -> Result<T, DecodeError> {
    value.ok_or_else(|| DecodeError::MissingField(name.to_owned()))
}

/// A singular message field from all its occurrences (see [`fields`]); none
/// if it did not occur.
pub fn nested<M: Message>(parts: &[&[u8]]) -> Result<Option<M>, DecodeError> {
    if parts.is_empty() {
        return Ok(None);
    }
    M::decode_parts(parts).map(Some)
}

/// A message type: how it writes its fields and reads them back.
pub trait Message: Sized {
    /// Writes the fields in field-number order, as protoc's encoders do, so
    /// that the bytes are theirs.
    fn encode_fields(&self, e: &mut Encoder);

    /// Decodes the concatenation of `parts` (see [`fields`]). Unknown field
    /// numbers are skipped, never parsed, so input cannot nest deeper than
    /// the schema does; a `required` field that never occurred is an error.
    fn decode_parts(parts: &[&[u8]]) -> Result<Self, DecodeError>;

    fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        self.encode_fields(&mut e);
        e.finish()
    }

    fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_parts(&[buf])
    }
}

/// Writes one message's fields.
///
/// Each scalar writer takes an `Option`: `None` writes nothing, which is
/// how proto2 leaves an optional field out (a plain value converts to
/// `Some`). A repeated field is its writer called once per element: proto2
/// does not pack repeated fields unless told to.
#[derive(Debug, Default, Clone)]
pub struct Encoder {
    buf: Vec<u8>,
}

impl Encoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn finish(self) -> Vec<u8> {
        self.buf
    }

    fn raw_varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    fn key(&mut self, field: u32, wire_type: WireType) {
        self.raw_varint(u64::from(field) << 3 | wire_type as u64);
    }

    pub fn varint(&mut self, field: u32, v: impl Into<Option<u64>>) {
        if let Some(v) = v.into() {
            self.key(field, WireType::Varint);
            self.raw_varint(v);
        }
    }

    /// A negative value takes ten bytes: int32 is sign-extended to 64 bits
    /// on the wire, so that it reads back the same as an int64.
    pub fn int32(&mut self, field: u32, v: impl Into<Option<i32>>) {
        self.varint(field, v.into().map(|v| i64::from(v) as u64));
    }

    pub fn uint32(&mut self, field: u32, v: impl Into<Option<u32>>) {
        self.varint(field, v.into().map(u64::from));
    }

    pub fn bool(&mut self, field: u32, v: impl Into<Option<bool>>) {
        self.varint(field, v.into().map(u64::from));
    }

    /// An enum is its number, written as an int32.
    pub fn enumeration(&mut self, field: u32, v: impl Into<Option<i32>>) {
        self.int32(field, v);
    }

    pub fn bytes<'b>(&mut self, field: u32, v: impl Into<Option<&'b [u8]>>) {
        if let Some(v) = v.into() {
            self.key(field, WireType::Len);
            self.raw_varint(v.len() as u64);
            self.buf.extend_from_slice(v);
        }
    }

    pub fn string<'s>(&mut self, field: u32, v: impl Into<Option<&'s str>>) {
        self.bytes(field, v.into().map(str::as_bytes));
    }

    pub fn message<M: Message>(&mut self, field: u32, m: Option<&M>) {
        if let Some(m) = m {
            // Its length comes first, so the message is written aside.
            self.bytes(field, m.encode().as_slice());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_all(buf: &[u8]) -> Result<Vec<Field<'_>>, DecodeError> {
        Reader::new(buf).collect()
    }

    #[test]
    fn varint_edges() {
        let mut e = Encoder::new();
        e.varint(1, 0);
        e.varint(1, 127);
        e.varint(1, 128);
        e.varint(1, u64::MAX);
        assert_eq!(
            e.finish(),
            [
                0x08, 0x00, 0x08, 0x7f, 0x08, 0x80, 0x01, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0x01
            ]
        );
    }

    #[test]
    fn negative_int32_is_ten_bytes() {
        let mut e = Encoder::new();
        e.int32(1, -1);
        let bytes = e.finish();
        assert_eq!(bytes, [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        let f = read_all(&bytes).unwrap();
        assert_eq!(f[0].int32(), Ok(-1));
        assert_eq!(f[0].varint(), Ok(u64::MAX));
    }

    #[test]
    fn none_writes_nothing_and_some_false_writes_the_field() {
        let mut e = Encoder::new();
        e.bool(3, None);
        e.string(4, None);
        e.bool(3, false);
        e.string(4, "");
        assert_eq!(e.finish(), [0x18, 0x00, 0x22, 0x00]);
    }

    #[test]
    fn large_field_numbers() {
        let mut e = Encoder::new();
        e.uint32(MAX_FIELD as u32, 1);
        let bytes = e.finish();
        assert_eq!(read_all(&bytes).unwrap(), [Field { number: MAX_FIELD as u32, value: Value::Varint(1) }]);
        // One past the largest: key (2^29 << 3), varint-encoded.
        assert_eq!(read_all(&[0x80, 0x80, 0x80, 0x80, 0x10, 0x00]), Err(DecodeError::FieldNumber(MAX_FIELD + 1)));
        assert_eq!(read_all(&[0x00, 0x00]), Err(DecodeError::FieldNumber(0)));
    }

    #[test]
    fn fixed_width_fields_are_read_and_can_be_skipped() {
        let buf = [0x09, 1, 0, 0, 0, 0, 0, 0, 0x80, 0x15, 2, 0, 0, 0x80, 0x18, 0x01];
        assert_eq!(
            read_all(&buf).unwrap(),
            [
                Field { number: 1, value: Value::I64(0x8000_0000_0000_0001) },
                Field { number: 2, value: Value::I32(0x8000_0002) },
                Field { number: 3, value: Value::Varint(1) },
            ]
        );
    }

    #[test]
    fn malformed_input() {
        assert_eq!(read_all(&[0x08]), Err(DecodeError::Truncated));
        assert_eq!(read_all(&[0x08, 0x80]), Err(DecodeError::Truncated));
        assert_eq!(read_all(&[0x0a, 0x03, b'a', b'b']), Err(DecodeError::Truncated));
        assert_eq!(read_all(&[0x0d, 0, 0, 0]), Err(DecodeError::Truncated));
        assert_eq!(
            read_all(&[0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            Err(DecodeError::VarintTooLong)
        );
        // A length that does not fit in memory is as truncated as any other.
        let mut huge = vec![0x0a];
        huge.extend([0xff; 9]);
        huge.push(0x01);
        assert_eq!(read_all(&huge), Err(DecodeError::Truncated));
        assert_eq!(read_all(&[0x0b, 0x0c]), Err(DecodeError::UnsupportedWireType { field: 1, wire_type: 3 }));
        assert_eq!(read_all(&[0x0e]), Err(DecodeError::UnsupportedWireType { field: 1, wire_type: 6 }));
    }

    #[test]
    fn the_reader_stops_after_an_error() {
        let mut r = Reader::new(&[0x08, 0x01, 0x0f, 0x08, 0x01]);
        assert!(matches!(r.next(), Some(Ok(_))));
        assert!(matches!(r.next(), Some(Err(_))));
        assert_eq!(r.next(), None);
    }

    #[test]
    fn wrong_wire_type() {
        let f = read_all(&[0x0a, 0x00]).unwrap();
        assert_eq!(f[0].int32(), Err(DecodeError::WrongWireType { field: 1, found: 2, expected: 0 }));
        let f = read_all(&[0x08, 0x00]).unwrap();
        assert_eq!(f[0].string(), Err(DecodeError::WrongWireType { field: 1, found: 0, expected: 2 }));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let f = read_all(&[0x0a, 0x02, b'a', 0xff]).unwrap();
        assert_eq!(f[0].string(), Ok("a\u{fffd}".to_owned()));
    }

    #[test]
    fn fields_walks_every_part_in_order() {
        let parts: [&[u8]; 3] = [&[0x08, 0x01], &[], &[0x10, 0x02, 0x08, 0x03]];
        let numbers: Vec<_> = fields(&parts).map(|f| f.map(|f| (f.number, f.varint()))).collect();
        assert_eq!(numbers, [Ok((1, Ok(1))), Ok((2, Ok(2))), Ok((1, Ok(3)))]);
    }

    /// A field the encoder can write: a varint or a length-delimited one.
    fn field_strategy() -> impl Strategy<Value = (u32, Result<u64, Vec<u8>>)> {
        let number = prop_oneof![1u32..32, 1u32..=MAX_FIELD as u32];
        let value = prop_oneof![any::<u64>().prop_map(Ok), proptest::collection::vec(any::<u8>(), 0..40).prop_map(Err)];
        (number, value)
    }

    fn encode_all(fields: &[(u32, Result<u64, Vec<u8>>)]) -> Vec<u8> {
        let mut e = Encoder::new();
        for (n, v) in fields {
            match v {
                Ok(v) => e.varint(*n, *v),
                Err(b) => e.bytes(*n, b.as_slice()),
            }
        }
        e.finish()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn any_bytes_read_without_panic(buf in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = read_all(&buf);
            for f in Reader::new(&buf).flatten() {
                let _ = (f.int32(), f.uint32(), f.bool(), f.string());
            }
        }

        #[test]
        fn written_fields_read_back(fields in proptest::collection::vec(field_strategy(), 0..12)) {
            let bytes = encode_all(&fields);
            let read: Vec<_> = read_all(&bytes)
                .unwrap()
                .into_iter()
                .map(|f| match f.value {
                    Value::Varint(v) => (f.number, Ok(v)),
                    Value::Len(b) => (f.number, Err(b.to_vec())),
                    other => panic!("not written: {other:?}"),
                })
                .collect();
            prop_assert_eq!(read, fields);
        }

        /// Cut anywhere, a message is either whole fields or truncated.
        #[test]
        fn a_cut_message_is_truncated_or_whole(fields in proptest::collection::vec(field_strategy(), 1..8), cut in any::<prop::sample::Index>()) {
            let bytes = encode_all(&fields);
            let cut = cut.index(bytes.len());
            match read_all(&bytes[..cut]) {
                Ok(read) => prop_assert!(read.len() < fields.len()),
                Err(e) => prop_assert_eq!(e, DecodeError::Truncated),
            }
        }
    }
}
