//! Course orders (课程订单): orders, their payments and the notifications received about
//! them, the seats they bought, refunds, and the sandbox gateway's own records.

pub mod invoice;
pub mod notice;
pub mod order;
pub mod payment;
pub mod reconciliation;
pub mod reconciliation_difference;
pub mod refund;
pub mod sandbox_refund;
pub mod sandbox_trade;
pub mod seat;
pub mod settlement;
