//! Lenient field decoders for JSON logs: a field may arrive as a number or as a string of
//! digits, and `null` means absent. Out-of-range values are errors naming the field, never
//! silently wrapped.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

use super::scan::Value;
use super::time;

/// An integer type a lenient field can decode into.
pub trait Int: Sized + TryFrom<u64> {
    /// The largest accepted value.
    const MAX: u64;
}
impl Int for u8 {
    const MAX: u64 = u8::MAX as u64;
}
impl Int for u16 {
    const MAX: u64 = 999; // HTTP status codes are three digits
}
impl Int for u32 {
    const MAX: u64 = u32::MAX as u64;
}
impl Int for u64 {
    const MAX: u64 = u64::MAX;
}

struct IntVisitor<T>(PhantomData<T>);

impl<T: Int> Visitor<'_> for IntVisitor<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an integer between 0 and {}", T::MAX)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        if v > T::MAX {
            return Err(E::invalid_value(de::Unexpected::Unsigned(v), &self));
        }
        T::try_from(v).map(Some).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let u = u64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))?;
        self.visit_u64(u)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= T::MAX as f64 {
            self.visit_u64(v as u64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() || t == "-" {
            return Ok(None);
        }
        match t.parse::<u64>() {
            Ok(n) => self.visit_u64(n),
            Err(_) => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

/// Decodes an optional integer field leniently (`deserialize_with`).
pub fn int<'de, D: Deserializer<'de>, T: Int>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(IntVisitor::<T>(PhantomData))
}

struct TimeVisitor;

impl Visitor<'_> for TimeVisitor {
    type Value = Option<Result<i64, time::TimeError>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a timestamp (RFC 3339 or unix epoch)")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(time::from_epoch_int(i128::from(v))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(time::from_epoch_int(i128::from(v))))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(time::from_epoch_float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        Ok(Some(time::parse_str(v)))
    }
}

/// Decodes an optional timestamp field; the inner result keeps a bad value apart from an
/// absent one so the caller can name the field in its rejection.
pub fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Result<i64, time::TimeError>>, D::Error> {
    d.deserialize_any(TimeVisitor)
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Option<std::borrow::Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(std::borrow::Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(std::borrow::Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(std::borrow::Cow::Owned(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(std::borrow::Cow::Owned(v.to_string())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(std::borrow::Cow::Owned(v.to_string())))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(std::borrow::Cow::Owned(v.to_string())))
    }
}

struct OptStrVisitor;

impl<'de> Visitor<'de> for OptStrVisitor {
    type Value = Option<std::borrow::Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(StrVisitor)
    }
}

/// Decodes an optional string field, borrowing from the input when it holds no escapes.
/// Numbers and booleans are kept as their text.
pub fn cow_str<'de, D: Deserializer<'de>>(d: D) -> Result<Option<std::borrow::Cow<'de, str>>, D::Error> {
    d.deserialize_option(OptStrVisitor)
}

/// Decodes an optional integer that is evidence but not structure (a duration, a byte count
/// the aggregates do not use): a value of the wrong type or out of range becomes null instead of
/// rejecting the line, so every command accepts the same lines.
pub fn soft_int<'de, D: Deserializer<'de>, T: Int>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(SoftVisitor(IntVisitor::<T>(PhantomData)))
}

/// Decodes an optional string leniently: text is kept (borrowed when possible), numbers and
/// booleans become their text, arrays and objects become null.
pub fn soft_str<'de, D: Deserializer<'de>>(d: D) -> Result<Option<std::borrow::Cow<'de, str>>, D::Error> {
    d.deserialize_any(SoftVisitor(StrVisitor))
}

/// Decodes an optional list of strings (`["waf","botManagement"]`) as one comma-separated string;
/// a plain string is kept as it is, anything else becomes null.
pub fn soft_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<std::borrow::Cow<'de, str>>, D::Error> {
    d.deserialize_any(ListVisitor)
}

struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Option<std::borrow::Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of strings")
    }
    // Null and a plain string read as they do for a string field.
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        StrVisitor.visit_unit()
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        StrVisitor.visit_none()
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        StrVisitor.visit_borrowed_str(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        StrVisitor.visit_str(v)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        StrVisitor.visit_string(v)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = String::new();
        while let Some(v) = seq.next_element::<SoftItem>()? {
            if let Some(v) = v.0 {
                join(&mut out, &v);
            }
        }
        Ok(joined(out))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// Adds one item's text to a comma-separated list.
fn join(out: &mut String, item: &str) {
    if !out.is_empty() {
        out.push(',');
    }
    out.push_str(item);
}

/// A joined list, or null when it is empty.
fn joined<'a>(out: String) -> Option<std::borrow::Cow<'a, str>> {
    (!out.is_empty()).then_some(std::borrow::Cow::Owned(out))
}

/// One item of a list: its text when it is a string (or a number), else nothing.
struct SoftItem(Option<String>);

impl<'de> serde::Deserialize<'de> for SoftItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SoftVisitor(StrVisitor)).map(|v| SoftItem(v.map(std::borrow::Cow::into_owned)))
    }
}

/// Wraps a visitor so that values it refuses, arrays and objects become `None`.
struct SoftVisitor<V>(V);

impl<'de, V, T> Visitor<'de> for SoftVisitor<V>
where
    V: Visitor<'de, Value = Option<T>>,
{
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(self.0.visit_bool::<E>(v).ok().flatten())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.0.visit_u64::<E>(v).ok().flatten())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.0.visit_i64::<E>(v).ok().flatten())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.0.visit_f64::<E>(v).ok().flatten())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.visit_str::<E>(v).ok().flatten())
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(self.0.visit_borrowed_str::<E>(v).ok().flatten())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(self.0.visit_string::<E>(v).ok().flatten())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// A field's decoding on the fast path ([`super::scan`]): the lenient decoder's own visitor,
/// called with the value the scanner read, so the two cannot disagree; `None` when the fast path
/// leaves the value (and so the line) to the full decoder: a value it does not read (escaped
/// strings, fractions, objects), or one the visitor refuses (the full decoder then rejects the
/// line with its reason, or a soft field makes it null there).
pub trait Fast<'a>: Sized {
    /// The decoded field, or `None` to leave the line to the full decoder.
    fn fast(v: Value<'a>) -> Option<Self>;
}

/// The error type the visitors are called with on the fast path; its message is never read.
type Refused = de::value::Error;

impl<'a> Fast<'a> for Option<std::borrow::Cow<'a, str>> {
    fn fast(v: Value<'a>) -> Option<Self> {
        match v {
            Value::Null => StrVisitor.visit_unit::<Refused>().ok(),
            Value::Str(s) => StrVisitor.visit_borrowed_str::<Refused>(s).ok(),
            _ => None,
        }
    }
}

impl<'a> Fast<'a> for Option<Result<i64, time::TimeError>> {
    fn fast(v: Value<'a>) -> Option<Self> {
        match v {
            Value::Null => TimeVisitor.visit_unit::<Refused>().ok(),
            Value::Uint(n) => TimeVisitor.visit_u64::<Refused>(n).ok(),
            Value::Str(s) => TimeVisitor.visit_str::<Refused>(s).ok(),
            Value::Other | Value::List(_) => None,
        }
    }
}

macro_rules! fast_int {
    ($($t:ty),*) => {$(
        impl<'a> Fast<'a> for Option<$t> {
            fn fast(v: Value<'a>) -> Option<Self> {
                match v {
                    Value::Null => IntVisitor::<$t>(PhantomData).visit_unit::<Refused>().ok(),
                    Value::Uint(n) => IntVisitor::<$t>(PhantomData).visit_u64::<Refused>(n).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
fast_int!(u8, u16, u32, u64);

/// A list of strings read as one comma-separated string ([`soft_list`]), as a type of its own so
/// that the fast path can tell it from a plain string field.
#[derive(Debug, Default)]
pub struct List<'a>(pub Option<std::borrow::Cow<'a, str>>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for List<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        soft_list(d).map(List)
    }
}

impl<'a> Fast<'a> for List<'a> {
    fn fast(v: Value<'a>) -> Option<Self> {
        match v {
            Value::Null => ListVisitor.visit_unit::<Refused>().ok().map(List),
            Value::Str(s) => ListVisitor.visit_borrowed_str::<Refused>(s).ok().map(List),
            Value::List(items) => fast_list(items),
            Value::Uint(_) | Value::Other => None,
        }
    }
}

/// The items of a validated array (`["waf", "botManagement"]`) joined as [`ListVisitor`] joins
/// them, when every item is a string without escapes; `None` leaves the line to the full decoder.
fn fast_list(items: &str) -> Option<List<'_>> {
    let inner = items.strip_prefix('[')?.strip_suffix(']')?;
    let mut out = String::new();
    if !inner.trim_matches(' ').is_empty() {
        for item in inner.split(',') {
            let text = item.trim_matches(' ').strip_prefix('"')?.strip_suffix('"')?;
            if text.contains(['"', '\\']) {
                return None;
            }
            join(&mut out, text);
        }
    }
    Some(List(joined(out)))
}
