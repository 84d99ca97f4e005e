//! Course orders (课程订单): an institution buys seats of a listed course for one of its
//! filed classes, pays through a payment channel, assigns the seats to its learners, and
//! may get unused seats refunded. Money is integer fen (`crate::money::Fen`).
//!
//! This module holds the rules that need no storage: the states, the price of an order,
//! what a refund may take back, and the sandbox gateway's notification format and
//! signature (a gateway-faithful stand-in for Alipay / WeChat Pay on one machine).

use crate::money::Fen;
use chrono::Datelike;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;

/// The most seats one order may buy.
pub const MAX_SEATS: i64 = 2000;
/// The longest free text a buyer may give (why the quantity differs, why a refund).
pub const MAX_REASON_CHARS: usize = 200;

crate::coded! {
    /// Where an order stands.
    pub enum OrderStatus {
        /// Created, not yet paid; may be paid or closed.
        Unpaid("unpaid", "待支付"),
        /// Paid; its seats exist. Some may since have been refunded.
        Paid("paid", "已支付"),
        /// Every seat refunded.
        Refunded("refunded", "已全部退款"),
        /// Closed unpaid by the buyer.
        Closed("closed", "已关闭"),
    }
}

crate::coded! {
    /// The channels a payment can go through.
    pub enum Channel {
        /// The embedded sandbox gateway: its own cashier page, signed asynchronous
        /// notifications, a query and refunds, with no real money.
        Sandbox("sandbox", "沙箱支付（模拟）"),
    }
}

crate::coded! {
    /// Where one attempt to pay an order stands.
    pub enum PaymentStatus {
        /// Sent to the channel; waiting for its notification (or a query).
        Pending("pending", "等待支付"),
        Succeeded("succeeded", "支付成功"),
        /// Abandoned: the order was closed or paid by another attempt.
        Closed("closed", "已关闭"),
    }
}

crate::coded! {
    /// Where a seat stands.
    pub enum SeatStatus {
        /// Paid, not given to anyone: refundable.
        Free("free", "未分配"),
        /// Given to a learner of the class: it opens the course to them.
        Assigned("assigned", "已分配"),
        /// Held by a refund request awaiting the operator.
        Refunding("refunding", "退款中"),
        Refunded("refunded", "已退款"),
    }
}

crate::coded! {
    /// Where a refund request stands.
    pub enum RefundStatus {
        /// Asked by the buyer; the operator decides.
        Requested("requested", "待审核"),
        /// Approved and paid back through the channel.
        Succeeded("succeeded", "已退款"),
        Rejected("rejected", "已驳回"),
    }
}

crate::coded! {
    /// What became of a notification the platform received.
    pub enum NoticeOutcome {
        /// Verified, and it paid the order.
        Applied("applied", "已入账"),
        /// Verified, but the payment was already recorded (a repeat or a late copy).
        Duplicate("duplicate", "重复通知"),
        /// The signature did not verify.
        Forged("forged", "签名无效"),
        /// Signed, but it names no payment of ours, or another amount.
        Mismatch("mismatch", "与订单不符"),
        /// Signed, for a trade not (yet) paid: nothing to do.
        Ignored("ignored", "未支付，忽略"),
    }
}

crate::coded! {
    /// The kinds of VAT invoice a buyer may ask for (seed 000 §1.5).
    pub enum InvoiceKind {
        Ordinary("ordinary", "增值税普通发票"),
        /// Needs the buyer's address, telephone, bank and account as well.
        Special("special", "增值税专用发票"),
    }
}

crate::coded! {
    /// Where an invoice stands.
    pub enum InvoiceStatus {
        /// Asked by the buyer; the seller issues it or returns it.
        Requested("requested", "待开票"),
        /// Returned by the seller with a reason; the buyer may ask again.
        Rejected("rejected", "已退回"),
        Issued("issued", "已开票"),
        /// Seats were refunded after it was issued: the seller issues a red-letter
        /// (cancelling) invoice, after which the buyer may ask for one of the new amount.
        RedPending("red_pending", "待红冲"),
        Reversed("reversed", "已红冲"),
    }
}

/// What a buyer types to ask for an invoice, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRequest {
    pub kind: InvoiceKind,
    pub title: String,
    pub tax_id: String,
    pub address_phone: String,
    pub bank_account: String,
}

/// Check an invoice request: (field, message) for each problem.
pub fn check_invoice(
    kind: &str,
    title: &str,
    tax_id: &str,
    address_phone: &str,
    bank_account: &str,
) -> Result<InvoiceRequest, Vec<(&'static str, String)>> {
    let mut e = Vec::new();
    let kind = InvoiceKind::parse(kind.trim());
    if kind.is_none() {
        e.push((
            "kind",
            "请选择发票类型（增值税普通发票或专用发票）".to_string(),
        ));
    }
    let title = title.trim();
    let n = title.chars().count();
    if !(2..=100).contains(&n) {
        e.push(("title", "发票抬头应为2至100个字".to_string()));
    } else if let Some(m) = crate::text::plain_text_problem(title) {
        e.push(("title", format!("发票抬头{m}")));
    }
    let tax_id = tax_id.trim().to_uppercase();
    if crate::identity::credit_code::CreditCode::parse(&tax_id).is_err() {
        e.push((
            "tax_id",
            "纳税人识别号应为18位统一社会信用代码，且校验位正确".to_string(),
        ));
    }
    let address_phone = address_phone.trim();
    let bank_account = bank_account.trim();
    for (field, v, what) in [
        ("address_phone", address_phone, "地址、电话"),
        ("bank_account", bank_account, "开户行及账号"),
    ] {
        if v.chars().count() > 150 {
            e.push((field, format!("{what}不能超过150个字")));
        } else if let Some(m) = crate::text::plain_text_problem(v) {
            e.push((field, format!("{what}{m}")));
        } else if kind == Some(InvoiceKind::Special) && v.chars().count() < 4 {
            e.push((field, format!("增值税专用发票须填写{what}")));
        }
    }
    match kind {
        Some(kind) if e.is_empty() => Ok(InvoiceRequest {
            kind,
            title: title.to_string(),
            tax_id,
            address_phone: address_phone.to_string(),
            bank_account: bank_account.to_string(),
        }),
        _ => Err(e),
    }
}

/// An invoice number as printed (数电票 20 digits; older ones 8 or 12): digits only.
pub fn check_invoice_number(n: &str) -> Result<String, &'static str> {
    let n = n.trim();
    if (8..=20).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) {
        Ok(n.to_string())
    } else {
        Err("发票号码应为8至20位数字")
    }
}

crate::coded! {
    /// Where a provider's settlement statement stands (代收代付、协议结算).
    pub enum SettlementStatus {
        /// Drawn up by the operator; the provider confirms or disputes it.
        Issued("issued", "待确认"),
        Confirmed("confirmed", "已确认"),
        /// The provider disagrees, with why; the operator draws it up again.
        Disputed("disputed", "有异议"),
        /// The amount due was paid out to the provider.
        Paid("paid", "已付款"),
    }
}

/// The platform's service fee, in basis points of the period's net sales, at most 50%.
pub const MAX_FEE_RATE_BP: i64 = 5000;

/// A settlement period: a calendar month, `YYYY-MM`, from 2020 on.
pub fn check_period(p: &str) -> Result<chrono::NaiveDate, &'static str> {
    let p = p.trim();
    chrono::NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d")
        .ok()
        .filter(|d| p.len() == 7 && d.year_ce().1 >= 2020)
        .ok_or("结算期间应为年月，如 2026-11")
}

/// The figures of a statement: (fee, amount due) from the period's sales and refunds at a
/// fee rate in basis points; the fee is rounded half up to the fen and never negative.
pub fn settle(sales: Fen, refunds: Fen, rate_bp: i64) -> Result<(Fen, Fen), &'static str> {
    if !(0..=MAX_FEE_RATE_BP).contains(&rate_bp) {
        return Err("服务费率应在0至50%之间");
    }
    let net = sales.0 - refunds.0;
    let fee = if net <= 0 {
        0
    } else {
        (i128::from(net) * i128::from(rate_bp) + 5000) / 10_000
    };
    let fee = i64::try_from(fee).map_err(|_| "金额超出上限")?;
    Ok((Fen(fee), Fen(net - fee)))
}

/// Why an order cannot be created as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("购买数量应为1至{MAX_SEATS}之间的整数")]
    Quantity,
    #[error("购买数量与班级学员人数（{0}人）不同，请填写原因")]
    ReasonNeeded(i64),
    #[error("原因不能超过{MAX_REASON_CHARS}个字")]
    ReasonTooLong,
    #[error("金额超出上限")]
    Overflow,
}

/// The total of `quantity` seats at `unit`, checked: the quantity is 1..=MAX_SEATS, and a
/// quantity other than the class's learners needs a reason.
pub fn price(quantity: i64, unit: Fen, learners: i64, reason: &str) -> Result<Fen, OrderError> {
    if !(1..=MAX_SEATS).contains(&quantity) {
        return Err(OrderError::Quantity);
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(OrderError::ReasonTooLong);
    }
    if quantity != learners && reason.trim().is_empty() {
        return Err(OrderError::ReasonNeeded(learners));
    }
    unit.0
        .checked_mul(quantity)
        .filter(|t| *t >= 0)
        .map(Fen)
        .ok_or(OrderError::Overflow)
}

/// The money a refund of `seats` seats gives back: the seats at the price paid for each,
/// except that the last seats of an order take what is left, so the refunds of an order
/// add up exactly to what was paid (no fen lost to rounding, none paid twice).
pub fn refund_amount(
    seats: i64,
    quantity: i64,
    paid: Fen,
    refunded_seats: i64,
    refunded: Fen,
) -> Fen {
    if seats <= 0 || quantity <= 0 {
        return Fen(0);
    }
    let left_seats = quantity - refunded_seats;
    let left_money = paid.0 - refunded.0;
    if seats >= left_seats {
        return Fen(left_money.max(0));
    }
    // Each seat's share of what was paid, rounded down; the remainder stays with the last.
    Fen((paid.0 / quantity * seats).min(left_money).max(0))
}

/// How many days after payment unused seats may still be refunded, by default.
pub const DEFAULT_REFUND_DAYS: i64 = 30;

/// The platform's order rules, set by its operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrderRules {
    /// Days after payment during which unused seats may be refunded (0: no refunds).
    pub refund_days: i64,
}

impl Default for OrderRules {
    fn default() -> Self {
        OrderRules {
            refund_days: DEFAULT_REFUND_DAYS,
        }
    }
}

impl OrderRules {
    /// Every bound, named by its field.
    pub fn check(&self) -> Result<(), (&'static str, &'static str)> {
        if !(0..=365).contains(&self.refund_days) {
            return Err(("refund_days", "退款期限须在0至365天之间"));
        }
        Ok(())
    }
}

/// The sandbox gateway's parameters are signed like Alipay's: every parameter except
/// `sign` and `sign_type`, sorted by name, as `k=v` joined by `&`, without empty values.
pub fn canonical(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .filter(|(k, v)| k.as_str() != "sign" && k.as_str() != "sign_type" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The sandbox's signature: HMAC-SHA256 with the merchant key over [`canonical`], in hex.
pub fn sandbox_sign(key: &[u8], params: &BTreeMap<String, String>) -> String {
    let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return String::new();
    };
    m.update(canonical(params).as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// Whether `params` carry a valid sandbox signature (compared in constant time).
pub fn sandbox_verify(key: &[u8], params: &BTreeMap<String, String>) -> bool {
    let Some(sig) = params.get("sign").and_then(|s| hex::decode(s).ok()) else {
        return false;
    };
    let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return false;
    };
    m.update(canonical(params).as_bytes());
    m.verify_slice(&sig).is_ok()
}

/// A payment notification as the sandbox sends it (the fields a real gateway sends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The gateway's id of this notification (a repeat carries the same one).
    pub notify_id: String,
    /// Our payment id, as we gave it to the gateway.
    pub out_trade_no: String,
    /// The gateway's trade number.
    pub trade_no: String,
    pub amount: Fen,
    /// `TRADE_SUCCESS` when paid.
    pub trade_status: String,
}

impl Notice {
    /// Read a verified notification's fields; `None` when one is missing or malformed.
    pub fn from_params(p: &BTreeMap<String, String>) -> Option<Notice> {
        let get = |k: &str| p.get(k).filter(|v| !v.is_empty() && v.len() <= 64).cloned();
        Some(Notice {
            notify_id: get("notify_id")?,
            out_trade_no: get("out_trade_no")?,
            trade_no: get("trade_no")?,
            amount: Fen::parse_yuan(&get("total_amount")?).ok()?,
            trade_status: get("trade_status")?,
        })
    }

    pub fn params(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("notify_id".to_string(), self.notify_id.clone()),
            ("out_trade_no".to_string(), self.out_trade_no.clone()),
            ("trade_no".to_string(), self.trade_no.clone()),
            ("total_amount".to_string(), self.amount.to_string()),
            ("trade_status".to_string(), self.trade_status.clone()),
            ("sign_type".to_string(), "HMAC-SHA256".to_string()),
        ])
    }

    pub fn paid(&self) -> bool {
        self.trade_status == "TRADE_SUCCESS"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn price_checks_quantity_and_reason() {
        assert_eq!(price(30, Fen(19_900), 30, ""), Ok(Fen(597_000)));
        assert_eq!(price(0, Fen(100), 0, "x"), Err(OrderError::Quantity));
        assert_eq!(
            price(MAX_SEATS + 1, Fen(100), 1, "x"),
            Err(OrderError::Quantity)
        );
        assert_eq!(
            price(31, Fen(100), 30, " "),
            Err(OrderError::ReasonNeeded(30))
        );
        assert_eq!(price(31, Fen(100), 30, "预留插班"), Ok(Fen(3100)));
        assert_eq!(
            price(2, Fen(100), 30, &"长".repeat(MAX_REASON_CHARS + 1)),
            Err(OrderError::ReasonTooLong)
        );
        assert_eq!(
            price(2, Fen(i64::MAX / 2 + 1), 2, ""),
            Err(OrderError::Overflow)
        );
    }

    #[test]
    fn signature_covers_every_field_but_sign() {
        let key = b"merchant-key";
        let n = Notice {
            notify_id: "N1".into(),
            out_trade_no: "P1".into(),
            trade_no: "T1".into(),
            amount: Fen(12_345),
            trade_status: "TRADE_SUCCESS".into(),
        };
        let mut p = n.params();
        p.insert("sign".into(), sandbox_sign(key, &p));
        assert!(sandbox_verify(key, &p));
        assert_eq!(Notice::from_params(&p), Some(n));
        assert!(!sandbox_verify(b"other-key", &p));
        let mut q = p.clone();
        q.insert("total_amount".into(), "1.00".into());
        assert!(!sandbox_verify(key, &q));
        let mut r = p.clone();
        r.remove("sign");
        assert!(!sandbox_verify(key, &r));
        assert_eq!(
            canonical(&p),
            "notify_id=N1&out_trade_no=P1&total_amount=123.45&trade_no=T1&trade_status=TRADE_SUCCESS"
        );
    }

    #[test]
    fn invoice_requests_are_checked() {
        let code = crate::identity::credit_code::complete("91520102MA6DL5XK").unwrap();
        let ok = check_invoice(
            "ordinary",
            " 南明职业技能培训学校 ",
            &code.to_lowercase(),
            "",
            "",
        )
        .unwrap();
        assert_eq!(ok.title, "南明职业技能培训学校");
        assert_eq!(ok.tax_id, code);
        assert_eq!(ok.kind, InvoiceKind::Ordinary);
        let e = check_invoice("special", "x", "123", "", "").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["title", "tax_id", "address_phone", "bank_account"]);
        let e = check_invoice("vat", "南明学校", "123", "", "").unwrap_err();
        assert_eq!(e[0].0, "kind");
        assert_eq!(
            check_invoice_number(" 26522000000012345678 "),
            Ok("26522000000012345678".into())
        );
        assert!(check_invoice_number("1234567").is_err());
        assert!(check_invoice_number("12345678a").is_err());
    }

    #[test]
    fn statements_add_up() {
        assert_eq!(
            settle(Fen(100_000), Fen(20_000), 1000),
            Ok((Fen(8_000), Fen(72_000)))
        );
        // Half a fen rounds up; no fee on a net loss (refunds of earlier sales).
        assert_eq!(settle(Fen(5), Fen(0), 1000), Ok((Fen(1), Fen(4))));
        assert_eq!(settle(Fen(0), Fen(300), 1000), Ok((Fen(0), Fen(-300))));
        assert!(settle(Fen(1), Fen(0), 5001).is_err());
        assert!(settle(Fen(1), Fen(0), -1).is_err());
        assert!(check_period("2026-11").is_ok());
        for bad in ["2026-13", "2026-1", "2019-12", "202611", "2026-11-01", ""] {
            assert!(check_period(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        /// However an order is refunded in parts, the refunds never exceed what was paid,
        /// and refunding every seat gives back exactly what was paid.
        #[test]
        fn refunds_add_up_to_what_was_paid(
            quantity in 1i64..300,
            unit in 0i64..100_000,
            parts in proptest::collection::vec(1i64..50, 1..20),
        ) {
            let paid = Fen(unit * quantity + (quantity % 7));
            let (mut seats, mut money) = (0i64, Fen(0));
            for p in parts {
                let take = p.min(quantity - seats);
                if take == 0 { break; }
                let a = refund_amount(take, quantity, paid, seats, money);
                prop_assert!(a.0 >= 0);
                seats += take;
                money = Fen(money.0 + a.0);
                prop_assert!(money <= paid);
            }
            let rest = quantity - seats;
            if rest > 0 {
                money = Fen(money.0 + refund_amount(rest, quantity, paid, seats, money).0);
            }
            prop_assert_eq!(money, paid);
        }
    }
}
