//! What one leaf of the log holds: a canonical, versioned encoding of a fact the platform
//! vouches for — which kind of record, its id, the SHA-256 of the record's canonical form,
//! when, and which organisation acted. Never personal data: a person appears only through
//! a record id, and the record's content only through its hash.
//!
//! Encoding, version 1 (all integers big-endian):
//!
//! ```text
//! 0x01                      version
//! u8 len, bytes             kind code (ASCII, e.g. `audit_head`)
//! u16 len, bytes            record id (UTF-8)
//! 32 bytes                  SHA-256 of the record's canonical form
//! i64                       time, microseconds since 1970-01-01T00:00:00Z
//! u16 len, bytes            acting organisation id (UTF-8, empty for the platform)
//! ```
//!
//! Decoding is strict: a different version, a short or long buffer, or a kind that is not
//! known is refused, so one fact has exactly one encoding.

use crate::Hash;

pub const VERSION: u8 = 1;

/// The kinds of fact the log records. Codes are part of the encoding: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The head of the audit trail (record id = its sequence number, hash = its chain hash).
    AuditHead,
    /// A learner's online hours per class and course as of a closed day, with the
    /// indexes of the day and clearing entries it adds up (`jineng_core::archive`).
    StudySummary,
    ExamResult,
    Certificate,
    Payment,
    Refund,
    SubsidyDecision,
    /// One learner's credited time on one closed day in one lesson.
    StudyDay,
    /// Hours cleared from a learner's course for an irregularity.
    StudyClearing,
    /// A certificate withdrawn, with the reason (record id = the certificate's number).
    CertificateRevocation,
    /// A class's offline assessment scores as published or later changed (record id =
    /// the class id, hash = of `jineng_core::assessment::canonical`).
    AssessmentScores,
    /// A subsidy paid to a learner's card account, as the bank answered (record id = the
    /// payout's reference, hash = of `jineng_core::subsidies::payout_record`).
    SubsidyPayout,
    /// A training voucher redeemed by the institution of the class it paid for (record
    /// id = the voucher's number, hash = of `jineng_core::vouchers::redemption_record`).
    VoucherRedemption,
    /// An institution paid for its redeemed vouchers (record id = the settlement's
    /// number, hash = of `jineng_core::vouchers::settlement_record`).
    VoucherSettlement,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::AuditHead,
        Kind::StudySummary,
        Kind::ExamResult,
        Kind::Certificate,
        Kind::Payment,
        Kind::Refund,
        Kind::SubsidyDecision,
        Kind::StudyDay,
        Kind::StudyClearing,
        Kind::CertificateRevocation,
        Kind::AssessmentScores,
        Kind::SubsidyPayout,
        Kind::VoucherRedemption,
        Kind::VoucherSettlement,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::AuditHead => "audit_head",
            Kind::StudySummary => "study_summary",
            Kind::ExamResult => "exam_result",
            Kind::Certificate => "certificate",
            Kind::Payment => "payment",
            Kind::Refund => "refund",
            Kind::SubsidyDecision => "subsidy_decision",
            Kind::StudyDay => "study_day",
            Kind::StudyClearing => "study_clearing",
            Kind::CertificateRevocation => "certificate_revocation",
            Kind::AssessmentScores => "assessment_scores",
            Kind::SubsidyPayout => "subsidy_payout",
            Kind::VoucherRedemption => "voucher_redemption",
            Kind::VoucherSettlement => "voucher_settlement",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    pub record_id: String,
    pub record_sha256: Hash,
    /// Microseconds since the Unix epoch, UTC.
    pub at_micros: i64,
    pub org_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("entry version {0} is not known")]
    Version(u8),
    #[error("entry is truncated or has trailing bytes")]
    Length,
    #[error("entry kind is not known")]
    Kind,
    #[error("entry text is not UTF-8")]
    Utf8,
    #[error("entry field is too long")]
    TooLong,
}

impl Entry {
    pub fn encode(&self) -> Result<Vec<u8>, EntryError> {
        let kind = self.kind.code().as_bytes();
        let id = self.record_id.as_bytes();
        let org = self.org_id.as_bytes();
        let (Ok(id_len), Ok(org_len)) = (u16::try_from(id.len()), u16::try_from(org.len())) else {
            return Err(EntryError::TooLong);
        };
        let mut out =
            Vec::with_capacity(1 + 1 + kind.len() + 2 + id.len() + 32 + 8 + 2 + org.len());
        out.push(VERSION);
        // Kind codes are short constants (checked by a test).
        out.push(kind.len() as u8);
        out.extend_from_slice(kind);
        out.extend_from_slice(&id_len.to_be_bytes());
        out.extend_from_slice(id);
        out.extend_from_slice(&self.record_sha256);
        out.extend_from_slice(&self.at_micros.to_be_bytes());
        out.extend_from_slice(&org_len.to_be_bytes());
        out.extend_from_slice(org);
        Ok(out)
    }

    pub fn decode(bytes: &[u8]) -> Result<Entry, EntryError> {
        let mut r = Reader(bytes);
        let v = r.take(1)?[0];
        if v != VERSION {
            return Err(EntryError::Version(v));
        }
        let n = r.take(1)?[0] as usize;
        let kind = std::str::from_utf8(r.take(n)?).map_err(|_| EntryError::Utf8)?;
        let kind = Kind::parse(kind).ok_or(EntryError::Kind)?;
        let record_id = r.text()?;
        let mut record_sha256 = [0u8; 32];
        record_sha256.copy_from_slice(r.take(32)?);
        let mut at = [0u8; 8];
        at.copy_from_slice(r.take(8)?);
        let org_id = r.text()?;
        if !r.0.is_empty() {
            return Err(EntryError::Length);
        }
        Ok(Entry {
            kind,
            record_id,
            record_sha256,
            at_micros: i64::from_be_bytes(at),
            org_id,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EntryError> {
        if self.0.len() < n {
            return Err(EntryError::Length);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn text(&mut self) -> Result<String, EntryError> {
        let len = self.take(2)?;
        let n = u16::from_be_bytes([len[0], len[1]]) as usize;
        let s = std::str::from_utf8(self.take(n)?).map_err(|_| EntryError::Utf8)?;
        Ok(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Entry {
        Entry {
            kind: Kind::AuditHead,
            record_id: "42".into(),
            record_sha256: [7; 32],
            at_micros: 1_764_750_000_000_000,
            org_id: String::new(),
        }
    }

    #[test]
    fn the_encoding_is_fixed() {
        let bytes = sample().encode().unwrap();
        let mut want = vec![1, 10];
        want.extend_from_slice(b"audit_head");
        want.extend_from_slice(&[0, 2, b'4', b'2']);
        want.extend_from_slice(&[7; 32]);
        want.extend_from_slice(&1_764_750_000_000_000i64.to_be_bytes());
        want.extend_from_slice(&[0, 0]);
        assert_eq!(bytes, want);
        assert_eq!(Entry::decode(&bytes).unwrap(), sample());
    }

    #[test]
    fn kind_codes_are_short_and_distinct() {
        for k in Kind::ALL {
            assert!(k.code().len() < 64);
            assert_eq!(Kind::parse(k.code()), Some(k));
        }
    }

    #[test]
    fn anything_but_one_exact_encoding_is_refused() {
        let bytes = sample().encode().unwrap();
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Entry::decode(&longer), Err(EntryError::Length));
        assert_eq!(
            Entry::decode(&bytes[..bytes.len() - 1]),
            Err(EntryError::Length)
        );
        let mut v2 = bytes.clone();
        v2[0] = 2;
        assert_eq!(Entry::decode(&v2), Err(EntryError::Version(2)));
        let mut kind = bytes;
        kind[2] = b'x';
        assert_eq!(Entry::decode(&kind), Err(EntryError::Kind));
    }

    proptest! {
        #[test]
        fn entries_round_trip(
            k in 0usize..7,
            id in "\\PC{0,40}",
            h in any::<[u8; 32]>(),
            at in any::<i64>(),
            org in "[a-z0-9-]{0,36}",
        ) {
            let e = Entry { kind: Kind::ALL[k], record_id: id, record_sha256: h, at_micros: at, org_id: org };
            prop_assert_eq!(Entry::decode(&e.encode().unwrap()).unwrap(), e);
        }

        #[test]
        fn decoding_any_bytes_never_panics(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Entry::decode(&b);
        }
    }
}
