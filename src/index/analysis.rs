//! Language-aware analysis for the keyword store. A chunk's language is detected from its own
//! text (`whatlang`, ~70 languages) when the detection is confident, else it is its document's
//! language (the one most of the document's text is confidently in) — code listings and short
//! chunks are easily mistaken. In a language Snowball has a stemmer for, words then drop that
//! language's stop words, are stemmed and accent-folded, so "unfortunately" finds
//! "unfortunate" and "Befehle" finds "Befehl"; other languages and scripts (Polish, Ukrainian,
//! Japanese…) keep the plain tokens of [`super::tokenize`]. A query is analysed in its own
//! detected language and, because a short question is easily mistaken for a neighbouring
//! language, also in every language the index holds a sizeable share of.

use super::tokenize::FolioTokenizer;
use std::collections::{BTreeSet, HashMap};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, Stemmer, StopWordFilter, TextAnalyzer, Token,
};
use whatlang::Lang;

/// The languages with a stemmer, as `whatlang` and tantivy name them, and their BCP 47 tag.
const LANGUAGES: [(Lang, Language, &str); 18] = [
    (Lang::Ara, Language::Arabic, "ar"),
    (Lang::Dan, Language::Danish, "da"),
    (Lang::Nld, Language::Dutch, "nl"),
    (Lang::Eng, Language::English, "en"),
    (Lang::Fin, Language::Finnish, "fi"),
    (Lang::Fra, Language::French, "fr"),
    (Lang::Deu, Language::German, "de"),
    (Lang::Ell, Language::Greek, "el"),
    (Lang::Hun, Language::Hungarian, "hu"),
    (Lang::Ita, Language::Italian, "it"),
    (Lang::Nob, Language::Norwegian, "no"),
    (Lang::Por, Language::Portuguese, "pt"),
    (Lang::Ron, Language::Romanian, "ro"),
    (Lang::Rus, Language::Russian, "ru"),
    (Lang::Spa, Language::Spanish, "es"),
    (Lang::Swe, Language::Swedish, "sv"),
    (Lang::Tam, Language::Tamil, "ta"),
    (Lang::Tur, Language::Turkish, "tr"),
];

/// The tag of `lang` when it has a stemmer.
fn stemmed_tag(lang: Lang) -> Option<&'static str> {
    LANGUAGES
        .iter()
        .find(|&&(l, ..)| l == lang)
        .map(|&(.., tag)| tag)
}

/// The language tags the analysis stems.
pub fn tags() -> impl Iterator<Item = &'static str> {
    LANGUAGES.iter().map(|&(.., tag)| tag)
}

/// A language is searched for every query once it holds at least this share of the chunks.
const QUERY_LANGUAGE_SHARE: f64 = 0.05;

/// Detects languages and turns text into index terms.
pub struct Analysis {
    plain: TextAnalyzer,
    stemmed: Vec<TextAnalyzer>,
}

impl Default for Analysis {
    fn default() -> Self {
        let stemmed = LANGUAGES
            .iter()
            .map(|&(_, language, _)| {
                let mut builder = TextAnalyzer::builder(FolioTokenizer { fold: false }).dynamic();
                if let Some(stop) = StopWordFilter::new(language) {
                    builder = builder.filter_dynamic(stop);
                }
                builder
                    .filter_dynamic(Stemmer::new(language))
                    .filter_dynamic(AsciiFoldingFilter)
                    .build()
            })
            .collect();
        Self {
            plain: TextAnalyzer::builder(FolioTokenizer { fold: false })
                .filter(AsciiFoldingFilter)
                .build(),
            stemmed,
        }
    }
}

impl Analysis {
    /// The BCP 47 tag of the language `text` is written in when it has a stemmer; `None` for
    /// other languages and scripts, and when nothing is recognised.
    pub fn language(&self, text: &str) -> Option<&'static str> {
        whatlang::detect_lang(text).and_then(stemmed_tag)
    }

    /// The language of each of a document's `texts`: its own when detected confidently, else
    /// the language most of the document's confidently detected text is in.
    pub fn languages(&self, texts: &[&str]) -> Vec<Option<&'static str>> {
        let detected: Vec<Option<whatlang::Info>> =
            texts.iter().map(|t| whatlang::detect(t)).collect();
        let mut weight: HashMap<whatlang::Lang, usize> = HashMap::new();
        for (text, info) in texts.iter().zip(&detected) {
            if let Some(info) = info.as_ref().filter(|i| i.is_reliable()) {
                *weight.entry(info.lang()).or_default() += text.len();
            }
        }
        let document = weight
            .into_iter()
            .max_by_key(|&(lang, w)| (w, lang.code()))
            .map(|(lang, _)| lang);
        detected
            .into_iter()
            .map(|info| match info {
                Some(i) if i.is_reliable() => stemmed_tag(i.lang()),
                Some(i) => document.map_or(stemmed_tag(i.lang()), stemmed_tag),
                None => document.and_then(stemmed_tag),
            })
            .collect()
    }

    /// The index terms of `text` analysed as `language` (a tag from [`Self::language`]).
    pub fn terms(&self, text: &str, language: Option<&str>) -> Vec<Token> {
        let mut analyzer = LANGUAGES
            .iter()
            .position(|&(.., tag)| Some(tag) == language)
            .map_or_else(|| self.plain.clone(), |i| self.stemmed[i].clone());
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(token.clone());
        }
        out
    }

    /// The terms a query is searched by: analysed in its own language and in each language of
    /// `languages` (the index's chunk counts by language) holding a sizeable share. A word that
    /// is a stop word in any of them is left out in all (else "the", absent from English
    /// chunks, would be a rare and heavy term among German ones).
    pub fn query_terms(&self, query: &str, languages: &[(String, u64)]) -> BTreeSet<String> {
        let total: u64 = languages.iter().map(|(_, n)| n).sum();
        let mut tags: BTreeSet<Option<&str>> = BTreeSet::new();
        tags.insert(self.language(query));
        for (tag, n) in languages {
            if total > 0 && *n as f64 / total as f64 >= QUERY_LANGUAGE_SHARE {
                tags.extend(LANGUAGES.iter().find(|l| l.2 == tag).map(|l| Some(l.2)));
            }
        }
        let analysed: Vec<Vec<Token>> = tags.into_iter().map(|t| self.terms(query, t)).collect();
        let kept = |position: usize| {
            analysed
                .iter()
                .all(|terms| terms.iter().any(|t| t.position == position))
        };
        analysed
            .iter()
            .flatten()
            .filter(|t| kept(t.position))
            .map(|t| t.text.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Analysis;

    fn texts(a: &Analysis, s: &str, lang: Option<&str>) -> Vec<String> {
        a.terms(s, lang).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn languages_are_detected_and_words_stemmed_in_theirs() {
        let a = Analysis::default();
        assert_eq!(
            a.language("Unfortunately, this package destroys all hyperlinks in the document."),
            Some("en")
        );
        assert_eq!(
            a.language("Der Vorspann enthält Befehle, die für das ganze Dokument gelten."),
            Some("de")
        );
        assert_eq!(a.language("日本語の文書を検索する"), None);
        assert_eq!(
            a.language("Pierwszy rozdział opisuje, jak przygotować dokument do składu."),
            None,
            "Polish has no stemmer"
        );
        assert_eq!(
            texts(&a, "Unfortunately, the packages", Some("en")),
            vec!["unfortun", "packag"]
        );
        assert_eq!(
            texts(&a, "unfortunate side effects", Some("en")),
            vec!["unfortun", "side", "effect"]
        );
        assert_eq!(
            texts(&a, "die Befehle für Größe", Some("de")),
            vec!["befehl", "gross"]
        );
        assert_eq!(
            texts(&a, "日本語の文書", None),
            vec!["日本", "本語", "語の", "の文", "文書"]
        );
    }

    #[test]
    fn an_uncertain_chunk_takes_its_document_language() {
        let a = Analysis::default();
        let texts = [
            "The second chapter explains how the package prints tables and how their rules are drawn.",
            "\\usepackage{booktabs} \\toprule \\midrule",
            "Each command takes an optional width; the default follows the current line thickness.",
        ];
        assert_eq!(a.languages(&texts), vec![Some("en"); 3]);
    }

    #[test]
    fn a_query_is_also_read_in_the_index_main_languages() {
        let a = Analysis::default();
        let languages = vec![("en".to_string(), 90), ("de".to_string(), 10)];
        let terms = a.query_terms(
            "Welche Auflösung verwendet LilyPond für Bilder?",
            &languages,
        );
        assert!(terms.contains("bild"), "{terms:?}");
        assert!(terms.contains("auflosung"), "{terms:?}");
        assert!(!terms.contains("fur"), "a German stop word: {terms:?}");
        let terms = a.query_terms("What does the anonymous style hide?", &languages);
        assert!(terms.contains("anonym"), "{terms:?}");
        assert!(!terms.contains("the"), "an English stop word: {terms:?}");
    }
}
