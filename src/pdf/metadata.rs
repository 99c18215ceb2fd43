//! The PDF info dictionary as [`Metadata`], with PDF dates turned into ISO 8601.

use crate::document::Metadata;
use pdfium_render::prelude::*;

pub(super) fn read(doc: &PdfDocument, page_count: u32) -> Metadata {
    let tag = |t: PdfDocumentMetadataTagType| {
        doc.metadata()
            .get(t)
            .map(|v| clean(v.value()))
            .filter(|v| !v.is_empty())
    };
    Metadata {
        title: tag(PdfDocumentMetadataTagType::Title),
        author: tag(PdfDocumentMetadataTagType::Author),
        subject: tag(PdfDocumentMetadataTagType::Subject),
        keywords: tag(PdfDocumentMetadataTagType::Keywords),
        creator: tag(PdfDocumentMetadataTagType::Creator),
        producer: tag(PdfDocumentMetadataTagType::Producer),
        created: tag(PdfDocumentMetadataTagType::CreationDate).map(|d| pdf_date(&d)),
        modified: tag(PdfDocumentMetadataTagType::ModificationDate).map(|d| pdf_date(&d)),
        language: None,
        page_count,
    }
}

fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() && *c != '\u{feff}')
        .collect::<String>()
        .trim()
        .to_string()
}

/// `D:YYYYMMDDHHmmSSOHH'mm'` (every part after the year optional) → ISO 8601; anything else
/// is returned as written.
pub(crate) fn pdf_date(raw: &str) -> String {
    let s = raw.trim();
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 || !digits.len().is_multiple_of(2) {
        return raw.to_string();
    }
    let part =
        |i: usize, default: &'static str| digits.get(i..i + 2).unwrap_or(default).to_string();
    let (year, month, day) = (&digits[..4], part(4, "01"), part(6, "01"));
    let (hour, minute, second) = (part(8, "00"), part(10, "00"), part(12, "00"));
    let rest: String = s[digits.len()..].chars().filter(|c| *c != '\'').collect();
    let zone = match rest.chars().next() {
        Some('Z') => "Z".to_string(),
        Some(sign @ ('+' | '-')) => {
            let z: String = rest[1..].chars().filter(|c| c.is_ascii_digit()).collect();
            let hh = z.get(0..2).unwrap_or("00");
            let mm = z.get(2..4).unwrap_or("00");
            format!("{sign}{hh}:{mm}")
        }
        _ => String::new(),
    };
    format!("{year}-{month}-{day}T{hour}:{minute}:{second}{zone}")
}

#[cfg(test)]
mod tests {
    use super::pdf_date;

    #[test]
    fn parses_pdf_dates() {
        assert_eq!(
            pdf_date("D:20230415123000+02'00'"),
            "2023-04-15T12:30:00+02:00"
        );
        assert_eq!(pdf_date("D:20230415123000Z"), "2023-04-15T12:30:00Z");
        assert_eq!(pdf_date("D:2021"), "2021-01-01T00:00:00");
        assert_eq!(pdf_date("yesterday"), "yesterday");
    }
}
