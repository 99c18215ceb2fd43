use super::units::sentences;
use super::*;
use crate::document::*;

/// One token per word: enough to test the packing rules.
struct Words;

impl TokenCount for Words {
    fn count(&self, text: &str) -> usize {
        text.split_whitespace().count()
    }
}

fn block(id: usize, kind: BlockKind, text: &str, page: u32) -> Block {
    Block {
        id: format!("b{id}"),
        page,
        kind,
        bbox: [0.0, 0.0, 10.0, 10.0],
        text: text.into(),
        confidence: 1.0,
        source: BlockSource::Pdf,
        level: (kind == BlockKind::SectionHeader).then_some(1),
        parent: None,
        table: None,
        caption_of: None,
        heading_from: None,
        marker: None,
        toc: None,
        latex: None,
    }
}

fn doc(blocks: Vec<Block>) -> Document {
    Document {
        schema_version: "1".into(),
        id: "doc_x".into(),
        source: SourceInfo {
            filename: None,
            media_type: "application/pdf".into(),
            bytes: 0,
            sha256: String::new(),
        },
        metadata: Metadata::default(),
        pages: Vec::new(),
        blocks,
        pipeline: PipelineInfo {
            name: "t".into(),
            version: "t".into(),
            models: Default::default(),
        },
        stats: Stats::default(),
        warnings: Vec::new(),
    }
}

fn cell(text: &str, header: bool) -> Cell {
    Cell {
        text: text.into(),
        bbox: [0.0; 4],
        row_span: 1,
        col_span: 1,
        header,
    }
}

#[test]
fn sentences_split_at_full_stops_but_not_abbreviations() {
    assert_eq!(
        sentences("See Fig. 2 for details. It shows e.g. a plot. Done! 3 more."),
        vec![
            "See Fig. 2 for details.",
            "It shows e.g. a plot.",
            "Done!",
            "3 more."
        ]
    );
    assert_eq!(sentences("一つ目。二つ目。"), vec!["一つ目。", "二つ目。"]);
}

#[test]
fn chunks_follow_sections_and_never_split_sentences() {
    let sentence = "One two three four five six seven eight nine ten.";
    let para = [sentence; 5].join(" ");
    let d = doc(vec![
        block(1, BlockKind::Title, "Manual", 1),
        block(2, BlockKind::PageHeader, "Running head", 1),
        block(3, BlockKind::SectionHeader, "Install", 1),
        block(4, BlockKind::Paragraph, &para, 1),
        block(5, BlockKind::SectionHeader, "Use", 2),
        block(6, BlockKind::Paragraph, "Short text.", 2),
    ]);
    let options = ChunkOptions {
        max_tokens: 2 + 25,
        overlap_tokens: 0,
    };
    let chunks = chunk(&d, &Words, options);
    // 50 words of "Install" in sentences of 10 → two chunks of 20 and one of 10; then "Use".
    assert_eq!(chunks.len(), 4, "{chunks:#?}");
    for c in &chunks[..3] {
        assert_eq!(c.headings, vec!["Manual", "Install"]);
        assert!(c.text.ends_with("ten."), "{}", c.text);
        assert!(c.tokens as usize <= options.max_tokens);
        assert!(!c.text.contains("Running head"));
    }
    assert_eq!(chunks[3].headings, vec!["Manual", "Use"]);
    assert_eq!(chunks[3].pages, vec![2]);
    assert_eq!(chunks[3].id, "doc_x:3");
    assert_eq!(chunk(&d, &Words, options), chunks, "deterministic");
}

#[test]
fn overlap_repeats_trailing_sentences() {
    let para = (1..=6)
        .map(|i| format!("Sentence number {i} has six words."))
        .collect::<Vec<_>>()
        .join(" ");
    let d = doc(vec![block(1, BlockKind::Paragraph, &para, 1)]);
    let chunks = chunk(
        &d,
        &Words,
        ChunkOptions {
            max_tokens: 2 + 18,
            overlap_tokens: 6,
        },
    );
    assert!(chunks.len() >= 2);
    assert!(
        chunks[1].text.starts_with("Sentence number 3"),
        "{chunks:#?}"
    );
}

#[test]
fn long_tables_split_between_rows_with_the_header_and_caption() {
    let mut table = block(2, BlockKind::Table, "", 1);
    let mut rows = vec![vec![cell("Name", true), cell("Value", true)]];
    for i in 0..10 {
        rows.push(vec![
            cell(&format!("item{i}"), false),
            cell(&format!("{i}"), false),
        ]);
    }
    table.table = Some(Table { rows });
    let mut caption = block(1, BlockKind::Caption, "Table 1: Items", 1);
    caption.caption_of = Some("b2".into());
    let d = doc(vec![caption, table]);
    let chunks = chunk(
        &d,
        &Words,
        ChunkOptions {
            max_tokens: 2 + 20,
            overlap_tokens: 0,
        },
    );
    assert!(chunks.len() >= 2, "{chunks:#?}");
    assert!(chunks[0]
        .text
        .starts_with("Table 1: Items\nName\tValue\nitem0\t0"));
    assert!(chunks[0].block_ids.contains(&"b1".to_string()));
    for c in &chunks[1..] {
        assert!(c.text.starts_with("Name\tValue\n"), "{}", c.text);
        assert!(c.text.lines().skip(1).all(|l| l.starts_with("item")));
    }
    let rows: usize = chunks.iter().map(|c| c.text.matches("item").count()).sum();
    assert_eq!(rows, 10, "every row once");
}

#[test]
fn the_heading_path_counts_against_the_budget() {
    // Embedded as "heading path\ntext": the whole must fit the model's input.
    let heading = "A rather long section title that takes up ten words here";
    let sentence = "Every sentence in this section holds exactly eight words.";
    let mut blocks = vec![block(0, BlockKind::SectionHeader, heading, 1)];
    for i in 1..40 {
        blocks.push(block(i, BlockKind::Paragraph, sentence, 1));
    }
    let options = ChunkOptions {
        max_tokens: 42,
        overlap_tokens: 0,
    };
    let chunks = chunk(&doc(blocks), &Words, options);
    assert!(chunks.len() > 1);
    for c in &chunks {
        assert_eq!(c.headings, vec![heading.to_string()]);
        let embedded = Words.count(&embedding_text(c));
        assert!(embedded <= 40, "{embedded} tokens embedded: {c:?}");
        // Without the path counted, 5 sentences (40 words) would have been packed.
        assert!(c.tokens <= 30, "{}", c.tokens);
    }
}
