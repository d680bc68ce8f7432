//! Exact fixed-point decimals matching `tidegate.market.v1.Decimal{units, scale}`
//! (value = units / 10^scale). Arithmetic runs on i128 so products of two wire values never
//! overflow; converting back to the wire checks that the result fits an i64.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::proto::market;

/// Largest scale accepted: 10^38 is past i128, and no venue quotes 30 decimals.
pub const MAX_SCALE: u32 = 30;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("scale {0} is over the maximum of {MAX_SCALE}")]
    Scale(u32),
    #[error("decimal overflow")]
    Overflow,
    #[error("value {0} does not fit the wire format (i64 units)")]
    WireOverflow(Dec),
    #[error("cannot parse {0:?} as a decimal")]
    Parse(String),
}

/// An exact decimal: `units / 10^scale`.
#[derive(Debug, Clone, Copy)]
pub struct Dec {
    units: i128,
    scale: u32,
}

fn pow10(exp: u32) -> Result<i128, DecimalError> {
    10i128.checked_pow(exp).ok_or(DecimalError::Overflow)
}

impl Dec {
    pub const ZERO: Dec = Dec { units: 0, scale: 0 };

    pub fn new(units: i128, scale: u32) -> Result<Self, DecimalError> {
        if scale > MAX_SCALE {
            return Err(DecimalError::Scale(scale));
        }
        Ok(Dec { units, scale })
    }

    pub fn units(&self) -> i128 {
        self.units
    }

    pub fn scale(&self) -> u32 {
        self.scale
    }

    pub fn is_zero(&self) -> bool {
        self.units == 0
    }

    pub fn is_positive(&self) -> bool {
        self.units > 0
    }

    /// The same value at a larger scale (exact).
    fn upscale(&self, scale: u32) -> Result<Dec, DecimalError> {
        debug_assert!(scale >= self.scale);
        let units = self
            .units
            .checked_mul(pow10(scale - self.scale)?)
            .ok_or(DecimalError::Overflow)?;
        Ok(Dec { units, scale })
    }

    fn aligned(a: &Dec, b: &Dec) -> Result<(i128, i128, u32), DecimalError> {
        let scale = a.scale.max(b.scale);
        Ok((a.upscale(scale)?.units, b.upscale(scale)?.units, scale))
    }

    pub fn checked_add(&self, other: &Dec) -> Result<Dec, DecimalError> {
        let (a, b, scale) = Self::aligned(self, other)?;
        Dec::new(a.checked_add(b).ok_or(DecimalError::Overflow)?, scale)
    }

    pub fn checked_sub(&self, other: &Dec) -> Result<Dec, DecimalError> {
        let (a, b, scale) = Self::aligned(self, other)?;
        Dec::new(a.checked_sub(b).ok_or(DecimalError::Overflow)?, scale)
    }

    /// Exact product: scales add.
    pub fn checked_mul(&self, other: &Dec) -> Result<Dec, DecimalError> {
        let units = self
            .units
            .checked_mul(other.units)
            .ok_or(DecimalError::Overflow)?;
        Dec::new(units, self.scale + other.scale)
    }

    /// Rounds to `scale` decimals, half to even (banker's rounding); exact when not reducing.
    pub fn round_to(&self, scale: u32) -> Result<Dec, DecimalError> {
        if scale >= self.scale {
            return self.upscale(scale);
        }
        let div = pow10(self.scale - scale)?;
        let q = self.units / div;
        let r = self.units % div;
        let twice = r.abs() * 2;
        let round_away = match twice.cmp(&div) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => q % 2 != 0,
        };
        let units = if round_away {
            q + self.units.signum()
        } else {
            q
        };
        Dec::new(units, scale)
    }

    /// Drops trailing zeros of the fraction (`1.2300` → `1.23`); same value.
    pub fn normalized(&self) -> Dec {
        let mut d = *self;
        while d.scale > 0 && d.units % 10 == 0 {
            d.units /= 10;
            d.scale -= 1;
        }
        if d.units == 0 {
            d.scale = 0;
        }
        d
    }

    pub fn from_proto(d: &market::Decimal) -> Result<Dec, DecimalError> {
        Dec::new(i128::from(d.units), d.scale)
    }

    pub fn to_proto(&self) -> Result<market::Decimal, DecimalError> {
        let units = i64::try_from(self.units).map_err(|_| DecimalError::WireOverflow(*self))?;
        Ok(market::Decimal {
            units,
            scale: self.scale,
        })
    }
}

impl PartialEq for Dec {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Dec {}

impl PartialOrd for Dec {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dec {
    fn cmp(&self, other: &Self) -> Ordering {
        match Self::aligned(self, other) {
            Ok((a, b, _)) => a.cmp(&b),
            // Aligning overflowed: compare integer parts, then the fraction digit by digit.
            Err(_) => cmp_by_digits(self, other),
        }
    }
}

fn cmp_by_digits(a: &Dec, b: &Dec) -> Ordering {
    if a.units.signum() != b.units.signum() {
        return a.units.signum().cmp(&b.units.signum());
    }
    let negative = a.units < 0;
    // |units| / 10^scale as integer part and remainder, without building 10^(sa - sb).
    let split = |d: &Dec| {
        let div = 10u128.pow(d.scale);
        let abs = d.units.unsigned_abs();
        (abs / div, abs % div, div)
    };
    let (ia, mut ra, da) = split(a);
    let (ib, mut rb, db) = split(b);
    let mut ord = ia.cmp(&ib);
    let (mut pa, mut pb) = (da, db);
    while ord == Ordering::Equal && (ra > 0 || rb > 0) {
        // Next decimal digit of each fraction.
        pa /= 10;
        pb /= 10;
        let (xa, xb) = (
            ra.checked_div(pa).unwrap_or(0),
            rb.checked_div(pb).unwrap_or(0),
        );
        ra = ra.checked_rem(pa).unwrap_or(0);
        rb = rb.checked_rem(pb).unwrap_or(0);
        ord = xa.cmp(&xb);
    }
    if negative {
        ord.reverse()
    } else {
        ord
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.units);
        }
        let sign = if self.units < 0 { "-" } else { "" };
        let digits = self.units.unsigned_abs().to_string();
        let scale = self.scale as usize;
        let padded = if digits.len() <= scale {
            format!("{}{}", "0".repeat(scale + 1 - digits.len()), digits)
        } else {
            digits
        };
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

impl FromStr for Dec {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DecimalError::Parse(s.to_string());
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        let scale = u32::try_from(frac.len()).map_err(|_| bad())?;
        let digits = format!("{int}{frac}");
        let units: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| bad())?
        };
        Dec::new(if neg { -units } else { units }, scale)
    }
}

/// Shorthand for wire decimals in code and tests: `dec("100.25")`.
pub fn parse_proto(s: &str) -> Result<market::Decimal, DecimalError> {
    s.parse::<Dec>()?.to_proto()
}

/// Renders a wire decimal, or the reason it is invalid.
pub fn display_proto(d: Option<&market::Decimal>) -> String {
    match d.map(Dec::from_proto) {
        Some(Ok(v)) => v.to_string(),
        Some(Err(e)) => format!("<{e}>"),
        None => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        s.parse().expect("valid decimal")
    }

    #[test]
    fn parses_and_displays() {
        assert_eq!(d("100.25").units(), 10025);
        assert_eq!(d("100.25").scale(), 2);
        assert_eq!(d("-0.005").to_string(), "-0.005");
        assert_eq!(d("0.5").to_string(), "0.5");
        assert_eq!(d("7").to_string(), "7");
        assert_eq!(d(".5").to_string(), "0.5");
        assert!("1.2.3".parse::<Dec>().is_err());
        assert!("abc".parse::<Dec>().is_err());
        assert!("".parse::<Dec>().is_err());
        assert!("-".parse::<Dec>().is_err());
    }

    #[test]
    fn compares_across_scales() {
        assert_eq!(d("1.50"), d("1.5"));
        // Scales far apart: aligning would overflow i128, so digits are compared.
        let tiny = Dec::new(1, 30).unwrap();
        let huge = Dec::new(i128::from(i64::MAX), 0).unwrap();
        assert!(tiny < huge);
        assert!(huge > tiny);
        let a = Dec::new(i128::from(i64::MAX) * 1000 + 1, 30).unwrap();
        let b = Dec::new(i128::from(i64::MAX) * 1000 + 2, 30).unwrap();
        assert!(a < b);
        assert!(Dec::new(-5, 30).unwrap() < Dec::new(-4, 30).unwrap());
        assert!(d("100.6") > d("100.59"));
        assert!(d("-1") < d("0.001"));
    }

    #[test]
    fn exact_arithmetic() {
        // 0.1 + 0.2 is exactly 0.3, unlike binary floating point.
        assert_eq!(d("0.1").checked_add(&d("0.2")).unwrap(), d("0.3"));
        assert_eq!(d("100.60").checked_sub(&d("0.6")).unwrap(), d("100"));
        let notional = d("0.5").checked_mul(&d("100.60")).unwrap();
        assert_eq!(notional.to_string(), "50.300");
        let fee = notional.checked_mul(&d("0.001")).unwrap();
        assert_eq!(fee.normalized().to_string(), "0.0503");
    }

    #[test]
    fn rounds_half_to_even() {
        assert_eq!(d("0.125").round_to(2).unwrap(), d("0.12"));
        assert_eq!(d("0.135").round_to(2).unwrap(), d("0.14"));
        assert_eq!(d("0.1251").round_to(2).unwrap(), d("0.13"));
        assert_eq!(d("-0.125").round_to(2).unwrap(), d("-0.12"));
        assert_eq!(d("-0.135").round_to(2).unwrap(), d("-0.14"));
        assert_eq!(d("1.5").round_to(4).unwrap().to_string(), "1.5000");
    }

    #[test]
    fn wire_round_trip_and_overflow() {
        let p = parse_proto("12345.678").unwrap();
        assert_eq!((p.units, p.scale), (12345678, 3));
        assert_eq!(Dec::from_proto(&p).unwrap(), d("12345.678"));
        let big = Dec::new(i128::from(i64::MAX) + 1, 0).unwrap();
        assert!(matches!(big.to_proto(), Err(DecimalError::WireOverflow(_))));
        let bad = market::Decimal {
            units: 1,
            scale: 99,
        };
        assert_eq!(Dec::from_proto(&bad), Err(DecimalError::Scale(99)));
        assert_eq!(display_proto(None), "-");
    }

    #[test]
    fn normalizes() {
        assert_eq!(d("1.2300").normalized().to_string(), "1.23");
        assert_eq!(d("0.000").normalized().to_string(), "0");
        assert_eq!(d("100").normalized().to_string(), "100");
    }
}
