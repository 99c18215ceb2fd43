//! Text clean-up shared by every stage that emits text: ligatures and typographic variants
//! expanded, odd spaces and invisible characters removed, hyphenated line ends joined.

use super::lines::is_cjk;
use unicode_normalization::UnicodeNormalization;

/// Appends `raw`, normalised, to `out`: ligatures expanded, compatibility spaces turned into
/// plain spaces, zero-width and soft-hyphen characters dropped, then NFC.
pub fn normalize_into(raw: &str, out: &mut String) {
    let mut expanded = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\u{fb00}' => expanded.push_str("ff"),
            '\u{fb01}' => expanded.push_str("fi"),
            '\u{fb02}' => expanded.push_str("fl"),
            '\u{fb03}' => expanded.push_str("ffi"),
            '\u{fb04}' => expanded.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => expanded.push_str("st"),
            '\u{0132}' => expanded.push_str("IJ"),
            '\u{0133}' => expanded.push_str("ij"),
            '\u{00a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}' => {
                expanded.push(' ')
            }
            '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{00ad}' => {}
            '\u{2044}' => expanded.push('/'),
            c if c.is_control() => {}
            c => expanded.push(c),
        }
    }
    let mut last_space = out.ends_with(' ');
    for c in expanded.nfc() {
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
}

/// Hyphen-like characters that may end a line inside a word.
fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{00ad}')
}

/// Joins the lines of a paragraph: a line ending in a hyphen after a letter, followed by a line
/// starting with a lower-case letter, is one word broken in two; other lines join with a space
/// (none between CJK characters).
pub fn join_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if out.is_empty() {
            out.push_str(line);
            continue;
        }
        let mut tail = out.chars().rev();
        let last = tail.next();
        let before = tail.next();
        let next = line.chars().next();
        let hyphenated = matches!(last, Some(h) if is_hyphen(h))
            && before.is_some_and(char::is_alphanumeric)
            && next.is_some_and(char::is_alphanumeric);
        if hyphenated {
            // A word broken in two loses its hyphen; a compound ("Smith-Jones", "3-5") keeps it.
            if before.is_some_and(char::is_alphabetic) && next.is_some_and(char::is_lowercase) {
                out.pop();
            }
        } else if !joins_without_space(last, next) {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// Scripts written without spaces between words (CJK) join lines directly.
fn joins_without_space(last: Option<char>, next: Option<char>) -> bool {
    last.is_some_and(is_cjk) && next.is_some_and(is_cjk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_ligatures_and_spaces() {
        let mut s = String::new();
        normalize_into("e\u{fb03}cient\u{00a0}\u{00a0}o\u{fb03}ce\u{200b}", &mut s);
        assert_eq!(s, "efficient office");
    }

    #[test]
    fn joins_hyphenated_words_only() {
        assert_eq!(join_lines(["the docu-", "ment is"]), "the document is");
        assert_eq!(join_lines(["see Smith-", "Jones"]), "see Smith-Jones");
        assert_eq!(join_lines(["pages 3-", "5"]), "pages 3-5");
        assert_eq!(join_lines(["日本語の", "文章"]), "日本語の文章");
    }
}
