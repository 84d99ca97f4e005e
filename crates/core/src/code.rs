//! Closed sets of values (statuses, kinds, decisions) that are stored and exchanged by a
//! stable English code and shown to people by a Chinese label. `coded!` declares one;
//! reading an unknown code is an error, never a silent default.
//!
//! With the `sea-orm` feature (the store turns it on) a coded enum is also a database
//! column type, stored as its code; with `utoipa` it documents itself in OpenAPI as a
//! string enum of its codes.

/// A value of a closed set with a stable code and a Chinese label.
pub trait Coded: Copy + Eq + 'static {
    /// Every value, in display order.
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// A stored or received code that names no value of its set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} code {code:?}")]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}

/// Declare a coded enum: `Variant("code", "标签")` for each value.
///
/// ```
/// jineng_core::coded! {
///     /// A colour.
///     pub enum Colour { Red("red", "红"), Blue("blue", "蓝") }
/// }
/// assert_eq!(Colour::parse("blue"), Some(Colour::Blue));
/// assert_eq!(Colour::Red.label(), "红");
/// ```
#[macro_export]
macro_rules! coded {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident ( $code:literal , $label:literal ) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $crate::code::Coded for $name {
            const ALL: &'static [Self] = &[ $( $name::$variant ),+ ];
            fn code(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }
            fn label(self) -> &'static str {
                match self { $( $name::$variant => $label ),+ }
            }
        }

        #[allow(dead_code)]
        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The stable code stored and exchanged.
            pub fn code(self) -> &'static str {
                <$name as $crate::code::Coded>::code(self)
            }

            /// The Chinese name shown to people.
            pub fn label(self) -> &'static str {
                <$name as $crate::code::Coded>::label(self)
            }

            /// The value with this code, if any.
            pub fn parse(code: &str) -> Option<$name> {
                <$name as $crate::code::Coded>::from_code(code)
            }

            /// The value with this code, or an error naming it.
            pub fn from_stored(code: &str) -> Result<$name, $crate::code::UnknownCode> {
                $name::parse(code).ok_or_else(|| $crate::code::UnknownCode {
                    kind: stringify!($name),
                    code: code.to_string(),
                })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as $crate::__private::serde::Deserialize>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    <D::Error as $crate::__private::serde::de::Error>::unknown_variant(&s, &[ $( $code ),+ ])
                })
            }
        }

        $crate::__coded_sea_orm!($name);
        $crate::__coded_utoipa!($name);
    };
}

#[cfg(feature = "sea-orm")]
#[doc(hidden)]
#[macro_export]
macro_rules! __coded_sea_orm {
    ($name:ident) => {
        impl ::std::convert::From<$name> for $crate::__private::sea_orm::Value {
            fn from(v: $name) -> Self {
                $crate::__private::sea_orm::Value::String(Some(v.code().to_string()))
            }
        }

        impl $crate::__private::sea_orm::TryGetable for $name {
            fn try_get_by<I: $crate::__private::sea_orm::ColIdx>(
                res: &$crate::__private::sea_orm::QueryResult,
                idx: I,
            ) -> Result<Self, $crate::__private::sea_orm::TryGetError> {
                let s = <String as $crate::__private::sea_orm::TryGetable>::try_get_by(res, idx)?;
                $name::from_stored(&s).map_err(|e| {
                    $crate::__private::sea_orm::TryGetError::DbErr(
                        $crate::__private::sea_orm::DbErr::TryIntoErr {
                            from: "String",
                            into: stringify!($name),
                            source: ::std::sync::Arc::new(e),
                        },
                    )
                })
            }
        }

        impl $crate::__private::sea_orm::sea_query::ValueType for $name {
            fn try_from(
                v: $crate::__private::sea_orm::Value,
            ) -> Result<Self, $crate::__private::sea_orm::sea_query::ValueTypeErr> {
                let s = <String as $crate::__private::sea_orm::sea_query::ValueType>::try_from(v)?;
                $name::parse(&s).ok_or($crate::__private::sea_orm::sea_query::ValueTypeErr)
            }
            fn type_name() -> String {
                stringify!($name).to_owned()
            }
            fn array_type() -> $crate::__private::sea_orm::sea_query::ArrayType {
                $crate::__private::sea_orm::sea_query::ArrayType::String
            }
            fn column_type() -> $crate::__private::sea_orm::sea_query::ColumnType {
                $crate::__private::sea_orm::sea_query::ColumnType::String(
                    $crate::__private::sea_orm::sea_query::StringLen::None,
                )
            }
        }

        impl $crate::__private::sea_orm::sea_query::Nullable for $name {
            fn null() -> $crate::__private::sea_orm::Value {
                $crate::__private::sea_orm::Value::String(None)
            }
        }

        impl $crate::__private::sea_orm::IntoActiveValue<$name> for $name {
            fn into_active_value(self) -> $crate::__private::sea_orm::ActiveValue<$name> {
                $crate::__private::sea_orm::ActiveValue::Set(self)
            }
        }
    };
}

#[cfg(not(feature = "sea-orm"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __coded_sea_orm {
    ($name:ident) => {};
}

#[cfg(feature = "utoipa")]
#[doc(hidden)]
#[macro_export]
macro_rules! __coded_utoipa {
    ($name:ident) => {
        impl $crate::__private::utoipa::PartialSchema for $name {
            fn schema() -> $crate::__private::utoipa::openapi::RefOr<
                $crate::__private::utoipa::openapi::schema::Schema,
            > {
                $crate::__private::utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type($crate::__private::utoipa::openapi::schema::Type::String)
                    .enum_values(Some($name::ALL.iter().map(|v| v.code())))
                    .description(Some(
                        $name::ALL
                            .iter()
                            .map(|v| format!("`{}` {}", v.code(), v.label()))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ))
                    .into()
            }
        }
        impl $crate::__private::utoipa::ToSchema for $name {}
    };
}

#[cfg(not(feature = "utoipa"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __coded_utoipa {
    ($name:ident) => {};
}

#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "sea-orm")]
    pub use sea_orm;
    pub use serde;
    #[cfg(feature = "utoipa")]
    pub use utoipa;
}

#[cfg(test)]
mod tests {
    use super::Coded;

    crate::coded! {
        enum Light { Red("red", "红灯"), Green("green", "绿灯") }
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_fail() {
        for l in Light::ALL {
            assert_eq!(Light::parse(l.code()), Some(*l));
            assert_eq!(<Light as Coded>::from_code(l.code()), Some(*l));
        }
        assert_eq!(Light::parse("amber"), None);
        let e = Light::from_stored("amber").unwrap_err();
        assert_eq!(e.kind, "Light");
        assert_eq!(serde_json::to_string(&Light::Green).unwrap(), "\"green\"");
        assert_eq!(
            serde_json::from_str::<Light>("\"red\"").unwrap(),
            Light::Red
        );
        let err = serde_json::from_str::<Light>("\"amber\"").unwrap_err();
        assert!(err.to_string().contains("unknown variant"), "{err}");
        assert_eq!(Light::Red.to_string(), "红灯");
    }
}
