//! Keyword tokenisation for every script in the corpus: words of letters and digits,
//! lower-cased and with accents folded (so "Éléments" matches "elements"), and overlapping
//! character bigrams for scripts written without spaces (Chinese, Japanese, Korean), so a
//! Japanese query finds Japanese text without a dictionary.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization;

/// Name the tokenizer is registered under in the index.
pub const NAME: &str = "folio";

/// Splits text into words and CJK bigrams; `fold` also folds accents (lower-casing always).
#[derive(Clone, Default)]
pub struct FolioTokenizer {
    pub fold: bool,
}

pub struct Tokens {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for FolioTokenizer {
    type TokenStream<'a> = Tokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        Tokens {
            tokens: split(text, self.fold),
            next: 0,
        }
    }
}

impl TokenStream for Tokens {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// Characters of scripts written without spaces between words (letters of CJK scripts, not
/// their punctuation or full-width forms).
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3400..=0x4DBF   // CJK Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xF900..=0xFAFF   // CJK Compatibility Ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0xFF66..=0xFF9F) // half-width Katakana
}

/// Words of letters and digits, lower-cased (and accent-folded when `fold`), and bigrams of
/// CJK runs.
fn split(text: &str, fold: bool) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut word = String::new();
    let mut word_start = 0;
    let mut cjk: Vec<(usize, char)> = Vec::new();
    let push = |out: &mut Vec<Token>, from: usize, to: usize, text: String| {
        let position = out.len();
        out.push(Token {
            offset_from: from,
            offset_to: to,
            position,
            text,
            position_length: 1,
        });
    };
    let flush_word = |out: &mut Vec<Token>, word: &mut String, start: usize, end: usize| {
        if !word.is_empty() {
            let normalised: String = if fold {
                word.nfkd()
                    .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                    .flat_map(char::to_lowercase)
                    .collect()
            } else {
                word.chars().flat_map(char::to_lowercase).collect()
            };
            push(out, start, end, normalised);
            word.clear();
        }
    };
    let flush_cjk = |out: &mut Vec<Token>, run: &mut Vec<(usize, char)>| {
        match run.len() {
            0 => {}
            1 => push(
                out,
                run[0].0,
                run[0].0 + run[0].1.len_utf8(),
                run[0].1.to_string(),
            ),
            _ => {
                for pair in run.windows(2) {
                    let text: String = [pair[0].1, pair[1].1].iter().collect();
                    push(out, pair[0].0, pair[1].0 + pair[1].1.len_utf8(), text);
                }
            }
        }
        run.clear();
    };
    for (i, c) in text.char_indices() {
        if is_cjk(c) {
            flush_word(&mut out, &mut word, word_start, i);
            cjk.push((i, c));
        } else if c.is_alphanumeric() {
            flush_cjk(&mut out, &mut cjk);
            if word.is_empty() {
                word_start = i;
            }
            word.push(c);
        } else {
            flush_word(&mut out, &mut word, word_start, i);
            flush_cjk(&mut out, &mut cjk);
        }
    }
    flush_word(&mut out, &mut word, word_start, text.len());
    flush_cjk(&mut out, &mut cjk);
    out
}

#[cfg(test)]
mod tests {
    use super::split;

    fn texts(s: &str) -> Vec<String> {
        split(s, true).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn words_fold_case_and_accents_and_cjk_becomes_bigrams() {
        assert_eq!(
            texts("Éléments de R, v4.2!"),
            vec!["elements", "de", "r", "v4", "2"]
        );
        assert_eq!(
            texts("日本語の文書"),
            vec!["日本", "本語", "語の", "の文", "文書"]
        );
        assert_eq!(texts("PDFファイル"), vec!["pdf", "ファ", "ァイ", "イル"]);
        assert_eq!(texts("Größe"), vec!["große"]);
    }
}
