//! Kubernetes resource quantities (`500m`, `2Gi`, `1e3`): validation against the API server's
//! grammar (`k8s.io/apimachinery/pkg/api/resource/quantity.go`) and values for comparisons
//! and totals. Values are `f64`: exact enough for sums of requests and sizes, which is all
//! this tool computes. (`kube_quantity` was tried and rejected: it fails on `0Ei` and accepts
//! `inf`.)

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::cmp::Ordering;

/// A quantity that parsed.
#[derive(Clone, Debug)]
pub struct Amount {
    text: String,
    value: f64,
}

/// Why a string is not a quantity.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a Kubernetes quantity (examples: 500m, 2, 10Gi, 1Ti)")]
pub struct NotAQuantity {
    /// What was written.
    pub text: String,
}

/// Suffixes and their factors; binary ones first so `Mi` is not read as `M` + `i`.
const SUFFIXES: [(&str, f64); 15] = [
    ("Ki", 1024.0),
    ("Mi", 1_048_576.0),
    ("Gi", 1_073_741_824.0),
    ("Ti", 1_099_511_627_776.0),
    ("Pi", 1_125_899_906_842_624.0),
    ("Ei", 1_152_921_504_606_846_976.0),
    ("n", 1e-9),
    ("u", 1e-6),
    ("m", 1e-3),
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
    ("P", 1e15),
    ("E", 1e18),
];

impl Amount {
    /// Parses `text` with the API server's grammar:
    /// `[+-]digits[.digits](binarySI | decimalSI | e[+-]digits)`.
    pub fn parse(text: &str) -> Result<Amount, NotAQuantity> {
        let value = value_of(text).ok_or_else(|| NotAQuantity {
            text: text.to_owned(),
        })?;
        Ok(Amount {
            text: text.to_owned(),
            value,
        })
    }

    /// The quantity as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the quantity is greater than zero.
    pub fn is_positive(&self) -> bool {
        self.value > 0.0
    }

    /// The value as a float (bytes for memory, cores for CPU).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The typed k8s-openapi value.
    pub fn to_quantity(&self) -> Quantity {
        Quantity(self.text.clone())
    }

    /// Compares two amounts by value.
    pub fn cmp_value(&self, other: &Amount) -> Ordering {
        self.value.total_cmp(&other.value)
    }
}

impl PartialEq for Amount {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

fn value_of(text: &str) -> Option<f64> {
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    let (number, factor) = match SUFFIXES.iter().find(|(s, _)| body.ends_with(s)) {
        Some((s, f)) => (&body[..body.len() - s.len()], *f),
        None => match body.find(['e', 'E']) {
            Some(at) => {
                let exponent = &body[at + 1..];
                let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
                if !all_digits(digits) {
                    return None;
                }
                (&body[..at], 10f64.powi(exponent.parse::<i32>().ok()?))
            }
            None => (body, 1.0),
        },
    };
    let number_ok = match number.split_once('.') {
        Some((int, frac)) => {
            (int.is_empty() || all_digits(int))
                && (frac.is_empty() || all_digits(frac))
                && !(int.is_empty() && frac.is_empty())
        }
        None => all_digits(number),
    };
    if !number_ok {
        return None;
    }
    let value = sign * number.parse::<f64>().ok()? * factor;
    value.is_finite().then_some(value)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Formats a byte count in binary units for people (`1.5 TiB`).
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if (value - value.round()).abs() < 0.05 {
        format!("{:.0} {}", value.round(), UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_what_the_api_server_accepts() {
        for ok in [
            "500m", "2", "0.5", "10Gi", "1Ti", "1e3", "1.5E-2", "+1", ".5", "5.", "100Mi", "3k",
            "0Ei", "1E",
        ] {
            assert!(Amount::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_what_the_api_server_rejects() {
        for bad in [
            "10Gb", "", "Gi", "inf", "nan", "1 Gi", "ten", "1.2.3", "--1", "1e", "0x10", ".",
        ] {
            assert!(Amount::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_and_sign() {
        assert_eq!(
            Amount::parse("2Gi").unwrap().value(),
            2.0 * 1024.0 * 1024.0 * 1024.0
        );
        assert_eq!(Amount::parse("500m").unwrap().value(), 0.5);
        assert!(!Amount::parse("0").unwrap().is_positive());
        assert!(!Amount::parse("-1Gi").unwrap().is_positive());
        assert_eq!(
            Amount::parse("1Gi")
                .unwrap()
                .cmp_value(&Amount::parse("1024Mi").unwrap()),
            Ordering::Equal
        );
    }

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(5.0 * 1024f64.powi(4)), "5 TiB");
        assert_eq!(human_bytes(1536.0 * 1024f64.powi(2)), "1.5 GiB");
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,12}") {
            let _ = Amount::parse(&text);
        }

        #[test]
        fn integers_with_suffixes_parse(n in 0u32..100_000, s in prop::sample::select(SUFFIXES.map(|(s, _)| s).to_vec())) {
            let text = format!("{n}{s}");
            prop_assert!(Amount::parse(&text).is_ok());
        }
    }
}
