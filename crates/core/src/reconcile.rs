//! Reconciliation (对账): one day's money movements as the platform recorded them against
//! the same day as a payment channel's bill shows them. Each payment and refund is known
//! on both sides by the platform's own number (the payment's `out_trade_no`, the refund's
//! number), so the comparison is by number: a movement found on one side only, or with
//! two amounts, is a difference for the operator.
//!
//! A movement near midnight may fall on different days on the two sides (a notification
//! that arrived after midnight for a trade paid before): the caller therefore also gives,
//! for each number seen on one side only, what the other side holds for it on any day, and
//! a movement present on both sides with the same amount is not a difference whatever its
//! day.

use crate::Fen;
use std::collections::{BTreeMap, BTreeSet};

crate::coded! {
    /// What kind of movement.
    pub enum Movement {
        Payment("payment", "收款"),
        Refund("refund", "退款"),
    }
}

crate::coded! {
    /// How the two sides differ about one movement.
    pub enum DifferenceKind {
        /// The channel has the money; the platform does not count it as paid (a lost
        /// notification, or one still to come).
        OnlyAtChannel("only_at_channel", "渠道有记录，平台无记录"),
        /// The platform counts it; the channel has no such movement.
        OnlyAtPlatform("only_at_platform", "平台有记录，渠道无记录"),
        /// Both have it, with different amounts.
        AmountDiffers("amount_differs", "金额不一致"),
    }
}

/// One movement as one side records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub movement: Movement,
    pub amount: Fen,
}

/// One difference: the movement's number, and the amount on each side (`None` where the
/// side has nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub kind: DifferenceKind,
    pub movement: Movement,
    pub reference: String,
    pub platform: Option<Fen>,
    pub channel: Option<Fen>,
}

/// Both sides of one day, and for numbers seen on one side only what the other side holds
/// on any day (`platform_any`, `channel_any`; numbers absent there have nothing anywhere).
#[derive(Debug, Clone, Default)]
pub struct Sides {
    pub platform_day: BTreeMap<String, Line>,
    pub channel_day: BTreeMap<String, Line>,
    pub platform_any: BTreeMap<String, Line>,
    pub channel_any: BTreeMap<String, Line>,
}

/// Totals of one side's day: (payments, their sum, refunds, their sum).
pub fn totals(day: &BTreeMap<String, Line>) -> (i64, Fen, i64, Fen) {
    let mut t = (0, Fen(0), 0, Fen(0));
    for l in day.values() {
        match l.movement {
            Movement::Payment => {
                t.0 += 1;
                t.1 = Fen(t.1.0.saturating_add(l.amount.0));
            }
            Movement::Refund => {
                t.2 += 1;
                t.3 = Fen(t.3.0.saturating_add(l.amount.0));
            }
        }
    }
    t
}

/// Every difference of the day, ordered by number.
pub fn compare(s: &Sides) -> Vec<Difference> {
    let numbers: BTreeSet<&String> = s.platform_day.keys().chain(s.channel_day.keys()).collect();
    let mut out = Vec::new();
    for n in numbers {
        let here = s.platform_day.get(n).or_else(|| s.platform_any.get(n));
        let there = s.channel_day.get(n).or_else(|| s.channel_any.get(n));
        let (kind, movement) = match (here, there) {
            (Some(h), Some(t)) if h.movement == t.movement && h.amount == t.amount => continue,
            (Some(h), Some(_)) => (DifferenceKind::AmountDiffers, h.movement),
            (Some(h), None) => (DifferenceKind::OnlyAtPlatform, h.movement),
            (None, Some(t)) => (DifferenceKind::OnlyAtChannel, t.movement),
            (None, None) => continue,
        };
        out.push(Difference {
            kind,
            movement,
            reference: n.clone(),
            platform: here.map(|l| l.amount),
            channel: there.map(|l| l.amount),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pay(f: i64) -> Line {
        Line {
            movement: Movement::Payment,
            amount: Fen(f),
        }
    }

    fn refund(f: i64) -> Line {
        Line {
            movement: Movement::Refund,
            amount: Fen(f),
        }
    }

    fn map(v: &[(&str, Line)]) -> BTreeMap<String, Line> {
        v.iter().map(|(k, l)| (k.to_string(), *l)).collect()
    }

    #[test]
    fn each_kind_of_difference_is_named_once() {
        let s = Sides {
            platform_day: map(&[
                ("P1", pay(100)),
                ("P2", pay(200)),
                ("P3", pay(300)),
                ("R1", refund(50)),
            ]),
            channel_day: map(&[
                ("P1", pay(100)),
                ("P2", pay(250)),
                ("P4", pay(400)),
                ("R2", refund(60)),
            ]),
            ..Default::default()
        };
        let d = compare(&s);
        let got: Vec<(&str, DifferenceKind, Option<i64>, Option<i64>)> = d
            .iter()
            .map(|d| {
                (
                    d.reference.as_str(),
                    d.kind,
                    d.platform.map(|f| f.0),
                    d.channel.map(|f| f.0),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("P2", DifferenceKind::AmountDiffers, Some(200), Some(250)),
                ("P3", DifferenceKind::OnlyAtPlatform, Some(300), None),
                ("P4", DifferenceKind::OnlyAtChannel, None, Some(400)),
                ("R1", DifferenceKind::OnlyAtPlatform, Some(50), None),
                ("R2", DifferenceKind::OnlyAtChannel, None, Some(60)),
            ]
        );
        assert_eq!(d[3].movement, Movement::Refund);
        assert_eq!(totals(&s.platform_day), (3, Fen(600), 1, Fen(50)));
    }

    #[test]
    fn a_movement_on_another_day_at_the_other_side_is_no_difference() {
        // Paid at 23:59:58 at the channel; the notification came after midnight.
        let s = Sides {
            channel_day: map(&[("P1", pay(100))]),
            platform_any: map(&[("P1", pay(100))]),
            ..Default::default()
        };
        assert!(compare(&s).is_empty());
        // The same on another day but with another amount still differs.
        let s = Sides {
            channel_day: map(&[("P1", pay(100))]),
            platform_any: map(&[("P1", pay(90))]),
            ..Default::default()
        };
        assert_eq!(compare(&s)[0].kind, DifferenceKind::AmountDiffers);
    }

    proptest! {
        /// Identical sides never differ; changing one side's amount for one number yields
        /// exactly one difference, for that number.
        #[test]
        fn only_what_differs_is_reported(
            amounts in proptest::collection::btree_map("[A-Z][0-9]{1,4}", 1i64..1_000_000, 1..40),
            pick in any::<prop::sample::Index>(),
            delta in 1i64..1000,
        ) {
            let day: BTreeMap<String, Line> = amounts.iter().map(|(k, v)| (k.clone(), pay(*v))).collect();
            let same = Sides { platform_day: day.clone(), channel_day: day.clone(), ..Default::default() };
            prop_assert!(compare(&same).is_empty());
            let key = pick.get(&day.keys().cloned().collect::<Vec<_>>()).clone();
            let mut changed = day.clone();
            if let Some(l) = changed.get_mut(&key) {
                l.amount = Fen(l.amount.0 + delta);
            }
            let d = compare(&Sides { platform_day: day, channel_day: changed, ..Default::default() });
            prop_assert_eq!(d.len(), 1);
            prop_assert_eq!(&d[0].reference, &key);
            prop_assert_eq!(d[0].kind, DifferenceKind::AmountDiffers);
        }
    }
}
