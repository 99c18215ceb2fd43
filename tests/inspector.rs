//! The web inspector in a real browser (headless Chromium over WebDriver) against a real
//! `folio serve` with an API key: the 401 message, the key, an upload through the page's
//! file input, one box per block of page 1, a click that shows the block's JSON, a search
//! whose hit opens its page with the chunk outlined, a 415 message, page images, the
//! page's weight. Screenshots go to target/inspector/.

mod common;

use common::server::{client, Server};
use common::webdriver::Browser;
use common::*;
use serde_json::{json, Value};

const KEY: &str = "inspector-key-0123456789";

#[test]
fn the_inspector_shows_boxes_json_and_search_hits() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&tmp.path().join("data"), &[], &[("FOLIO_API_KEYS", KEY)]);
    let shots = repo().join("target/inspector");

    // The page and its assets: small, served without a key, nothing from elsewhere.
    let mut weight = 0;
    for asset in ["/", "/inspector/app.js", "/inspector/app.css"] {
        let r = client().get(server.at(asset)).send().expect("asset");
        assert_eq!(r.status(), 200, "{asset}");
        let body = r.text().expect("text");
        assert!(!body.contains("://"), "{asset} refers to another site");
        weight += body.len();
    }
    assert!(weight < 200 * 1024, "{weight} bytes");

    let browser = Browser::start();
    browser.goto(&server.at("/"));
    browser.wait_for(30, "the 401 message", |b| {
        b.text("#status").contains("API key")
    });
    // Every control has a label or an accessible name (checked again once a document shows).
    let unlabelled = |browser: &Browser| {
        browser.run(
            "return [...document.querySelectorAll('input, select, button')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.textContent.trim())
            .map(e => e.outerHTML);",
            json!([]),
        )
    };
    assert_eq!(unlabelled(&browser), json!([]), "controls without a label");
    browser.type_into("#key", KEY);
    browser.click("#key-form button");

    // An upload through the file input, with the fast pipeline.
    browser.run(
        "document.querySelector('#pipeline').value = 'fast';",
        json!([]),
    );
    let pdf = fixture("docs/structure.pdf");
    browser.type_into("#file", &pdf.to_string_lossy());
    browser.click("#upload button");
    browser.wait_for(120, "boxes on page 1", |b| {
        b.count("#boxes [data-block-id]") > 0
    });
    browser.wait_for(30, "the page image", |b| {
        b.run(
            "const i = document.querySelector('#page-image'); return i.complete && i.naturalWidth > 0;",
            json!([]),
        ) == json!(true)
    });
    browser.screenshot(&shots.join("page.png"));
    assert_eq!(unlabelled(&browser), json!([]), "controls without a label");

    // As many boxes as the API has blocks on page 1.
    let hash = browser.run("return location.hash;", json!([]));
    let id = hash
        .as_str()
        .and_then(|h| h.strip_prefix("#/documents/"))
        .expect("a document view")
        .split('/')
        .next()
        .expect("id")
        .to_string();
    let doc: Value = client()
        .get(server.at(&format!("/v1/documents/{id}")))
        .bearer_auth(KEY)
        .send()
        .expect("document")
        .json()
        .expect("JSON");
    let on_page_1: Vec<&Value> = doc["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter(|b| b["page"] == 1)
        .collect();
    assert_eq!(browser.count("#boxes [data-block-id]"), on_page_1.len());

    // A click on a box shows that block's JSON.
    let block = on_page_1
        .iter()
        .find(|b| b["kind"] == "paragraph")
        .unwrap_or(&on_page_1[0]);
    let block_id = block["id"].as_str().expect("block id");
    browser.click(&format!("#boxes [data-block-id=\"{block_id}\"]"));
    let shown: Value = serde_json::from_str(&browser.text("#json")).expect("the JSON panel");
    assert_eq!(shown["id"].as_str(), Some(block_id));
    assert!(browser.count(&format!("#markdown [data-for=\"{block_id}\"].selected")) == 1);

    // A search: the hit's page is shown with its chunk outlined.
    let query = block["text"]
        .as_str()
        .unwrap_or("")
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ");
    browser.type_into("#query", &query);
    browser.run(
        "document.querySelector('#mode').value = 'keyword';",
        json!([]),
    );
    browser.click("#search button");
    browser.wait_for(30, "search hits", |b| b.count("#hits a") > 0);
    browser.click("#hits a");
    browser.wait_for(30, "the chunk outlined", |b| b.count("#boxes .hit") > 0);
    let shown = browser.run("return location.hash;", json!([]));
    assert!(
        shown
            .as_str()
            .is_some_and(|h| h.contains(&id) && h.contains("/pages/")),
        "{shown}"
    );
    browser.screenshot(&shots.join("search.png"));

    // A file folio does not read: the 415 message.
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "plain text, not a document").expect("write");
    browser.type_into("#file", &text.to_string_lossy());
    browser.click("#upload button");
    browser.wait_for(30, "the 415 message", |b| {
        b.text("#status").contains("Not a PDF or an image")
    });

    // Addressable views: a link to page 2 opens page 2.
    browser.goto(&server.at(&format!("/#/documents/{id}/pages/2")));
    browser.wait_for(30, "page 2", |b| {
        b.text("#page-label").starts_with("Page 2 of")
    });
}

/// Page images: PNG and WebP of a kept original; out-of-range pages, bad dpi, and another
/// key's tenant answer errors.
#[test]
fn page_images_are_drawn_from_the_kept_original() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start(&tmp.path().join("data"), &[], &[]);
    let r = client()
        .post(server.at("/v1/documents?pipeline=fast"))
        .multipart(common::server::file_form(&fixture("docs/outline.pdf")))
        .send()
        .expect("upload");
    let doc: Value = r.json().expect("JSON");
    let id = doc["id"].as_str().expect("id");
    let png = client()
        .get(server.at(&format!("/v1/documents/{id}/pages/1/image?dpi=50")))
        .send()
        .expect("image");
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().expect("bytes");
    assert!(bytes.starts_with(b"\x89PNG"));
    let webp = client()
        .get(server.at(&format!("/v1/documents/{id}/pages/2/image?format=webp")))
        .send()
        .expect("image");
    assert_eq!(webp.headers()["content-type"], "image/webp");
    for (path, status) in [
        (format!("/v1/documents/{id}/pages/3/image"), 404),
        (format!("/v1/documents/{id}/pages/1/image?dpi=5000"), 422),
        ("/v1/documents/doc_nope/pages/1/image".to_string(), 404),
    ] {
        let r = client().get(server.at(&path)).send().expect("image");
        assert_eq!(r.status().as_u16(), status, "{path}");
    }
    // Deleting the document deletes its original.
    let originals = tmp.path().join("data/originals");
    let count = |dir: &std::path::Path| walk_files(dir);
    assert_eq!(count(&originals), 1);
    let r = client()
        .delete(server.at(&format!("/v1/documents/{id}")))
        .send()
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(count(&originals), 0);
    drop(server);

    // With keep_originals off, nothing is kept and the answer says why.
    let cfg = tmp.path().join("server.toml");
    std::fs::write(&cfg, "keep_originals = false\n").expect("config");
    let data = tmp.path().join("other");
    let server = Server::start(&data, &["--config", &cfg.to_string_lossy()], &[]);
    let doc: Value = client()
        .post(server.at("/v1/documents?pipeline=fast"))
        .multipart(common::server::file_form(&fixture("docs/outline.pdf")))
        .send()
        .expect("upload")
        .json()
        .expect("JSON");
    let r = client()
        .get(server.at(&format!(
            "/v1/documents/{}/pages/1/image",
            doc["id"].as_str().expect("id")
        )))
        .send()
        .expect("image");
    assert_eq!(r.status(), 404);
    let body: Value = r.json().expect("JSON");
    assert_eq!(body["error"]["code"], "no_page_images");
    assert_eq!(count(&data.join("originals")), 0);
    drop(server);

    // A document from `folio ingest` is drawn from the file it was ingested from, while that
    // file holds the same bytes; nothing is copied.
    let ingested = tmp.path().join("ingested");
    std::fs::create_dir_all(&ingested).expect("dir");
    let pdf = ingested.join("outline.pdf");
    std::fs::copy(fixture("docs/outline.pdf"), &pdf).expect("copy");
    let data = tmp.path().join("cli");
    let out = folio(&[
        "ingest",
        "--pipeline",
        "fast",
        "--data",
        &data.to_string_lossy(),
        &ingested.to_string_lossy(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let server = Server::start(&data, &[], &[]);
    let listed: Value = client()
        .get(server.at("/v1/documents"))
        .send()
        .expect("list")
        .json()
        .expect("JSON");
    let id = listed["documents"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let page = |server: &Server| {
        client()
            .get(server.at(&format!("/v1/documents/{id}/pages/1/image?dpi=40")))
            .send()
            .expect("image")
            .status()
    };
    assert_eq!(page(&server), 200);
    assert_eq!(count(&data.join("originals")), 0, "nothing copied");
    drop(server);
    std::fs::write(&pdf, b"%PDF-1.4 changed since").expect("overwrite");
    let server = Server::start(&data, &[], &[]);
    assert_eq!(page(&server), 404, "a changed file is not this document");
}

fn walk_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                walk_files(&p)
            } else {
                1
            }
        })
        .sum()
}
