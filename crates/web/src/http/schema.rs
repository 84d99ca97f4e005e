//! What the OpenAPI document says about the strings the server parses: the code lists
//! (as enums) and the shapes of identifiers (as patterns), written once here and used
//! by the request types with `#[schema(value_type = …)]` or `#[schema(pattern = …)]`.
//! Each pattern is a necessary condition of the parser it names (tests in
//! `crates/web/tests/it/api.rs` run both over the same samples); what a pattern cannot
//! say (check digits, a county that exists, a person's age) is still refused by the
//! server with a 422 that names the field.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// 手机号 (mainland mobile number).
pub const PHONE: &str = r"^1[3-9][0-9]{9}$";
/// 公民身份号码 (GB 11643): 17 digits and a check character; the check is the server's.
pub const ID_NUMBER: &str = r"^[1-9][0-9]{16}[0-9Xx]$";
/// 统一社会信用代码 (GB 32100): 18 characters of the code's alphabet (no I, O, S, V, Z).
pub const CREDIT_CODE: &str = r"^[0-9A-HJ-NP-RTUWXY]{18}$";
/// A county-level division code (GB/T 2260).
pub const REGION_CODE: &str = r"^(0[1-9]|[1-9][0-9])[0-9]{4}$";
/// A one-time SMS code.
pub const SMS_CODE: &str = r"^[0-9]{6}$";
/// A time of day, `HH:MM`.
pub const TIME_OF_DAY: &str = r"^([01][0-9]|2[0-3]):[0-5][0-9]$";
/// A person's name: Chinese (with the middle dot of minority names) or Latin letters
/// with spaces, hyphens and apostrophes. Rare characters beyond the Basic Multilingual
/// Plane are accepted by the server as well.
pub const PERSON_NAME: &str =
    r"^[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFFA-Za-z·•‧∙・･．' .\-]{2,40}$";
/// A username: letters, digits, `_ . -`.
pub const USERNAME: &str = r"^[A-Za-z0-9_.\-]{3,32}$";
/// An occupation code of the 2022 classification (`4-04-05-03`).
pub const OCCUPATION_CODE: &str = r"^[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}$";
/// A work type code.
pub const WORK_TYPE_CODE: &str = r"^[A-Za-z0-9\-]{2,30}$";
/// Yuan with at most two decimals (`1500`, `1500.50`).
pub const YUAN: &str = r"^[0-9]{1,12}(\.[0-9]{0,2})?$";

fn shaped(pattern: &str, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
        .into()
}

macro_rules! pattern_schema {
    ($(#[$doc:meta])* $name:ident, $pattern:expr, $description:expr) => {
        $(#[$doc])*
        pub struct $name;
        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                shaped($pattern, $description)
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}

pattern_schema!(PhoneNumber, PHONE, "手机号: 11 digits starting 13–19.");
pattern_schema!(
    IdNumberText,
    ID_NUMBER,
    "公民身份号码 (GB 11643); the server also checks the check character, the birth date, \
     the region and the minimum age."
);
pattern_schema!(
    CreditCodeText,
    CREDIT_CODE,
    "统一社会信用代码 (GB 32100); the server also checks both check characters and the region."
);
pattern_schema!(
    RegionCodeText,
    REGION_CODE,
    "Division code (GB/T 2260); the server checks that it exists and, where a county is \
     asked for, that it is one."
);
pattern_schema!(SmsCode, SMS_CODE, "The six-digit code sent by SMS.");
pattern_schema!(
    TimeOfDay,
    TIME_OF_DAY,
    "A time of day, HH:MM (China Standard Time)."
);
pattern_schema!(
    PersonNameText,
    PERSON_NAME,
    "A person's name: Chinese (minority names joined by the middle dot) or Latin letters; \
     2 to 40 characters, no digits or symbols. Rare characters beyond the Basic \
     Multilingual Plane are accepted too."
);
pattern_schema!(
    Username,
    USERNAME,
    "3 to 32 letters, digits, `_ . -`; not shaped like a phone or ID number."
);
pattern_schema!(
    OccupationCode,
    OCCUPATION_CODE,
    "An occupation of the 2022 classification (职业分类大典), e.g. `4-10-01-02`."
);
pattern_schema!(
    Yuan,
    YUAN,
    "An amount in yuan with at most two decimals, at most 100,000,000."
);
pattern_schema!(
    WorkTypeCode,
    WORK_TYPE_CODE,
    "2 to 30 letters, digits or `-`."
);

fn code_list(codes: &[(&str, &str)], empty_allowed: Option<&str>) -> RefOr<Schema> {
    let mut values: Vec<&str> = codes.iter().map(|(c, _)| *c).collect();
    let mut described: Vec<String> = codes.iter().map(|(c, l)| format!("`{c}` {l}")).collect();
    if let Some(when) = empty_allowed {
        values.insert(0, "");
        described.insert(0, format!("`` (empty) {when}"));
    }
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .description(Some(described.join("; ")))
        .into()
}

macro_rules! code_list_schema {
    ($(#[$doc:meta])* $name:ident, $list:expr, $empty:expr) => {
        $(#[$doc])*
        pub struct $name;
        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                code_list(&$list, $empty)
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}

code_list_schema!(
    /// 人员类别.
    PersonCategory,
    jineng_core::learners::PERSON_CATEGORIES,
    None
);
code_list_schema!(
    /// 文化程度.
    Education,
    jineng_core::learners::EDUCATION_LEVELS,
    None
);
code_list_schema!(
    /// 机构性质 (institutions; enterprises leave it empty).
    Nature,
    jineng_core::organizations::NATURES,
    Some("for an enterprise")
);
code_list_schema!(
    /// 机构类型 (institutions; enterprises leave it empty).
    InstitutionType,
    jineng_core::organizations::INSTITUTION_TYPES,
    Some("for an enterprise")
);
code_list_schema!(
    /// 培训类型.
    TrainingType,
    jineng_core::occupations::TRAINING_TYPES,
    None
);
code_list_schema!(
    /// 业务类别.
    BusinessCategory,
    jineng_core::occupations::BUSINESS_CATEGORIES,
    None
);
code_list_schema!(
    /// 讲师级别.
    TeacherLevel,
    jineng_core::teachers::TEACHER_LEVELS,
    None
);
code_list_schema!(
    /// What a one-time code is for.
    CodePurpose,
    jineng_app::learners::CODE_PURPOSES,
    None
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jineng_core::identity::{credit_code, id_number};
    use jineng_core::{CreditCode, IdNumber, PersonName, Phone, RegionCode};
    use proptest::prelude::*;

    fn matches(pattern: &str, s: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(s)
    }

    // Each property: whatever the parser accepts in its canonical form, the document's
    // pattern accepts too — a client that follows the document is never refused for the
    // shape alone.
    proptest! {
        #[test]
        fn accepted_names_match_the_pattern(
            s in "[张王李欧阳买提艾力娜依·•・ 'A-Za-z\\-0-9=@\u{200B}]{0,44}"
        ) {
            if let Ok(n) = PersonName::parse(&s)
                && n.as_str() == s
            {
                prop_assert!(matches(PERSON_NAME, &s), "{s:?}");
            }
        }

        #[test]
        fn accepted_id_numbers_match_the_pattern(
            d in "(11|52|65|83|00|99)[0-9]{4}(19[0-9]{2}|20[0-2][0-9])(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}"
        ) {
            let c = id_number::check_char(d.as_bytes()).unwrap();
            let s = format!("{d}{c}");
            if IdNumber::parse(&s).is_ok() {
                prop_assert!(matches(ID_NUMBER, &s), "{s}");
            }
        }

        #[test]
        fn accepted_credit_codes_match_the_pattern(first16 in "[0-9A-Z]{16}") {
            if let Some(s) = credit_code::complete(&first16)
                && CreditCode::parse(&s).is_ok()
            {
                prop_assert!(matches(CREDIT_CODE, &s), "{s}");
            }
        }

        #[test]
        fn accepted_phones_match_the_pattern(s in "[0-9]{10,12}") {
            if let Ok(p) = Phone::parse(&s)
                && p.as_str() == s
            {
                prop_assert!(matches(PHONE, &s), "{s}");
            }
        }

        #[test]
        fn accepted_region_codes_match_the_pattern(s in "[0-9]{5,7}") {
            if RegionCode::parse(&s).is_ok() {
                prop_assert!(matches(REGION_CODE, &s), "{s}");
            }
        }

        #[test]
        fn accepted_amounts_match_the_pattern(s in "[0-9]{1,13}(\\.[0-9]{0,3})?") {
            if jineng_core::Fen::parse_yuan(&s).is_ok() {
                prop_assert!(matches(YUAN, &s), "{s}");
            }
        }

        #[test]
        fn accepted_usernames_match_the_pattern(s in "[a-zA-Z0-9_.\\-@ ]{1,34}") {
            if jineng_app::accounts::users::check_username(&s).is_ok() {
                prop_assert!(matches(USERNAME, &s), "{s}");
            }
        }
    }

    #[test]
    fn patterns_refuse_what_no_parser_takes() {
        assert!(!matches(PHONE, "12812345678"));
        assert!(!matches(ID_NUMBER, "52010219900101123"));
        assert!(!matches(CREDIT_CODE, "91520102MA6DKXYZ1I"));
        assert!(!matches(REGION_CODE, "001234"));
        assert!(!matches(PERSON_NAME, "王\u{200B}五"));
        assert!(!matches(PERSON_NAME, "=王五"));
        assert!(!matches(TIME_OF_DAY, "24:00"));
        assert!(matches(PERSON_NAME, "买买提·艾力"));
        assert!(matches(OCCUPATION_CODE, "4-10-01-02"));
        assert!(matches(WORK_TYPE_CODE, "GZ-01"));
    }

    #[test]
    fn every_code_list_names_the_codes_the_server_knows() {
        use utoipa::PartialSchema;
        let json = serde_json::to_value(PersonCategory::schema()).unwrap();
        let values = json["enum"].as_array().unwrap();
        assert_eq!(values.len(), jineng_core::learners::PERSON_CATEGORIES.len());
        let json = serde_json::to_value(Nature::schema()).unwrap();
        assert_eq!(json["enum"][0], "");
        assert_eq!(json["pattern"], serde_json::Value::Null);
        let json = serde_json::to_value(PhoneNumber::schema()).unwrap();
        assert_eq!(json["pattern"], PHONE);
    }
}
