//! Page selections like `1-3,5,8-`.

use crate::error::{Error, Result};

/// A parsed `--pages` argument: inclusive 1-based ranges, open-ended where the end is omitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRange(Vec<(u32, Option<u32>)>);

impl std::str::FromStr for PageRange {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::BadPageRange(s.to_string());
        let num = |t: &str| t.trim().parse::<u32>().ok().filter(|n| *n >= 1);
        let mut parts = Vec::new();
        for part in s.split(',') {
            let part = part.trim();
            let range = match part.split_once('-') {
                Some((a, "")) => (num(a).ok_or_else(bad)?, None),
                Some((a, b)) => {
                    let (a, b) = (num(a).ok_or_else(bad)?, num(b).ok_or_else(bad)?);
                    if b < a {
                        return Err(bad());
                    }
                    (a, Some(b))
                }
                None => {
                    let n = num(part).ok_or_else(bad)?;
                    (n, Some(n))
                }
            };
            parts.push(range);
        }
        Ok(Self(parts))
    }
}

impl PageRange {
    /// Whether page `n` is selected (open ranges run to any end).
    pub fn contains(&self, n: u32) -> bool {
        self.0
            .iter()
            .any(|&(start, end)| n >= start && end.is_none_or(|e| n <= e))
    }

    /// The selected page numbers, ascending and unique, checked against the page count.
    pub fn resolve(&self, count: u32) -> Result<Vec<u32>> {
        let mut pages = Vec::new();
        for &(start, end) in &self.0 {
            let end = end.unwrap_or(count);
            if start > count || end > count {
                return Err(Error::PageOutOfRange {
                    page: start.max(end),
                    count,
                });
            }
            pages.extend(start..=end);
        }
        pages.sort_unstable();
        pages.dedup();
        Ok(pages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_resolves() {
        let r: PageRange = "1-3,5,8-".parse().expect("valid");
        assert_eq!(r.resolve(10).expect("in range"), vec![1, 2, 3, 5, 8, 9, 10]);
        assert!(matches!(r.resolve(4), Err(Error::PageOutOfRange { .. })));
        assert!("0".parse::<PageRange>().is_err());
        assert!("3-1".parse::<PageRange>().is_err());
        assert!("a-b".parse::<PageRange>().is_err());
    }
}
