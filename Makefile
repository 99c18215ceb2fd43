# folio — the two commands a fresh machine needs are `make run` and `make test`.
# Both fetch the native runtime and the models first (a no-op when they are present).

CARGO   ?= cargo
FOLIO   := target/release/folio
OUT     := out
# What `make extract` extracts: the real documents and images among the fixtures.
RUN_INPUTS := $(wildcard fixtures/docs/*.pdf fixtures/images/*.png fixtures/images/*.jpg \
                         fixtures/images/*.tiff fixtures/images/*.webp fixtures/images/*.bmp)

.PHONY: run extract test test-qdrant fetch build schema lint bench-text bench-ocr bench-layout bench-retrieval bench-load bench-batches bench-headings bench-fidelity clean

fetch:
	@python3 models/fetch --quiet

# --all-targets builds the tests too, so this and `make test` share one set of artifacts
# (dev-dependencies change dependency features; without it each target rebuilds the other's).
build: fetch
	$(CARGO) build --release --locked --all-targets

# Ingest the fixture documents and images into $(DATA) (a re-run only checks them), then
# serve the API on $(ADDR) until Ctrl-C. `make extract` writes the fixtures' JSON and
# Markdown to out/ instead.
DATA ?= folio-data
ADDR ?= 127.0.0.1:8080
run: build
	$(FOLIO) ingest fixtures/docs fixtures/images fixtures/tables --data $(DATA)
	@echo
	@echo "Serving on http://$(ADDR) (Ctrl-C stops). Open http://$(ADDR)/ in a browser for the inspector,"
	@echo "or try, from another terminal:"
	@echo "  curl -F file=@fixtures/docs/quantum-template.pdf http://$(ADDR)/v1/documents"
	@echo "  curl -H 'content-type: application/pdf' --data-binary @fixtures/docs/R-data.pdf 'http://$(ADDR)/v1/documents?wait=0'"
	@echo "  curl -H 'content-type: application/json' -d '{\"query\": \"How do I import a spreadsheet?\", \"top_k\": 3}' http://$(ADDR)/v1/retrieve"
	@echo "  curl -H 'content-type: application/json' -d '{\"input\": \"hello\", \"model\": \"all-MiniLM-L6-v2\"}' http://$(ADDR)/v1/embeddings"
	@echo "  curl http://$(ADDR)/openapi.json"
	@echo
	$(FOLIO) serve --addr $(ADDR) --data $(DATA)

extract: build
	@mkdir -p $(OUT)
	@for f in $(RUN_INPUTS); do $(FOLIO) extract "$$f" --out $(OUT) || echo "$$(basename $$f): FAILED"; done
	@echo "JSON and Markdown written to $(OUT)/"

# OpenAI's Python SDK, for tests/openai_sdk.rs (the Batches API as its users call it).
PYENV := target/pyenv
OPENAI_SDK_VERSION := 3.57.0
$(PYENV)/.openai-$(OPENAI_SDK_VERSION):
	python3 -m venv $(PYENV)
	$(PYENV)/bin/pip install --quiet openai==$(OPENAI_SDK_VERSION)
	@touch $@

test: fetch $(PYENV)/.openai-$(OPENAI_SDK_VERSION)
	$(CARGO) test --release --locked

# Qdrant as the chunk index, against a real server: FOLIO_TEST_QDRANT_URL (a running server's
# gRPC URL), else a `qdrant` binary (QDRANT_BIN, on the PATH, or ~/qdrant-build/bin/qdrant) the
# tests start themselves. Fails when there is neither. README, "Scaling out".
test-qdrant: fetch
	$(CARGO) test --release --locked --features qdrant-tests --test qdrant

# Regenerate the committed JSON Schema from the Rust types.
schema: build
	$(FOLIO) schema > schemas/document.schema.json

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --all-targets --locked -- -D warnings

# Text layer vs pdftotext over ../shared/corpus/docs (needs poppler-utils; see benches/README.md).
bench-text: build
	python3 benches/text_layer.py --folio $(FOLIO)

# OCR accuracy and CPU per page vs tesseract on page images of ../shared/corpus/docs and of the
# documents benches/ocr_docs.tsv names (fetched with apt-get download when missing), clean and
# degraded, a third of the documents held out (needs tesseract-ocr, poppler-utils, poppler-data,
# fonts-ipafont-gothic and fonts-ipafont-mincho for the PDFs that do not embed their Japanese
# fonts, Pillow, numpy).
# OCR_ARGS passes options to benches/ocr.py (--split tune, --sets clean-300, --reuse tesseract ...).
OCR_ARGS ?=
bench-ocr: build
	python3 benches/ocr_set.py
	python3 benches/ocr.py --folio $(FOLIO) $(OCR_ARGS)

# Layout: accurate vs fast throughput, table cells vs tabula-py's labels, memory on long scans.
bench-layout: build
	python3 benches/accurate.py --folio $(FOLIO)
	python3 benches/tables.py --folio $(FOLIO)
	python3 benches/scan_memory.py --folio $(FOLIO)

# Ingest the corpus, QA recall@1/5/10 per mode, vector search latency at 10k/100k/1M chunks.
bench-retrieval: build
	python3 benches/retrieval.py --folio $(FOLIO)
	$(CARGO) bench --bench vectors -- bench-out/retrieval/data

# Concurrent uploads and queries against a local server: uploads/s, retrieval latency under
# load vs idle, peak RSS (loopback only; bounded in count and time).
bench-load: build
	python3 benches/load.py --folio $(FOLIO)

# A 10,000-line batch: lines/s, a single upload's latency while it runs vs idle, SIGTERM time.
bench-batches: build
	python3 benches/batches.py --folio $(FOLIO)

# Headings vs the PDFs' own outlines: folio (accurate, fast) and pymupdf4llm on the first 40
# pages, outline stripped with qpdf (needs qpdf, pypdfium2, rapidfuzz, pymupdf4llm).
bench-headings: build
	python3 benches/headings.py --folio $(FOLIO)

# Fidelity unit tests over ~70 single PDF pages (generated LaTeX/reportlab pages with known ground
# truth + pages of ../shared/corpus/docs): folio fast/accurate vs pdftotext and pymupdf4llm, pass
# rates per test type for the tune and held-out splits. Needs pdflatex + texlive-latex-extra,
# texlive-pictures, qpdf, poppler-utils and `pip install reportlab pymupdf rapidfuzz` (the script
# names what is missing). Regenerates the pages when missing; engine outputs are cached in
# bench-out/fidelity/out/ (FIDELITY_ARGS=--force re-runs them). See benches/README.md.
FIDELITY_ARGS ?=
bench-fidelity: build
	python3 benches/fidelity/run.py --folio $(FOLIO) $(FIDELITY_ARGS)

clean:
	rm -rf $(OUT) bench-out
