# folio — the two commands a fresh machine needs are `make run` and `make test`.
# Both fetch the native runtime and the models first (a no-op when they are present).

CARGO   ?= cargo
FOLIO   := target/release/folio
OUT     := out
# What `make run` extracts: the real documents and images among the fixtures.
RUN_INPUTS := $(wildcard fixtures/docs/*.pdf fixtures/images/*.png fixtures/images/*.jpg \
                         fixtures/images/*.tiff fixtures/images/*.webp fixtures/images/*.bmp)

.PHONY: run test fetch build schema lint bench-text bench-ocr bench-layout bench-retrieval clean

fetch:
	@python3 models/fetch --quiet

# --all-targets builds the tests too, so this and `make test` share one set of artifacts
# (dev-dependencies change dependency features; without it each target rebuilds the other's).
build: fetch
	$(CARGO) build --release --locked --all-targets

# Extract every fixture to out/NAME.json and out/NAME.md; one summary line per file.
run: build
	@mkdir -p $(OUT)
	@for f in $(RUN_INPUTS); do $(FOLIO) extract "$$f" --out $(OUT) || echo "$$(basename $$f): FAILED"; done
	@echo "JSON and Markdown written to $(OUT)/"

test: fetch
	$(CARGO) test --release --locked

# Regenerate the committed JSON Schema from the Rust types.
schema: build
	$(FOLIO) schema > schemas/document.schema.json

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --all-targets --locked -- -D warnings

# Text layer vs pdftotext over ../shared/corpus/docs (needs poppler-utils; see benches/README.md).
bench-text: build
	python3 benches/text_layer.py --folio $(FOLIO)

# OCR accuracy and CPU per page vs tesseract over ../shared/corpus/scans (needs tesseract-ocr).
bench-ocr: build
	python3 benches/ocr.py --folio $(FOLIO)

# Layout: accurate vs fast throughput, table cells vs tabula-py's labels, memory on long scans.
bench-layout: build
	python3 benches/accurate.py --folio $(FOLIO)
	python3 benches/tables.py --folio $(FOLIO)
	python3 benches/scan_memory.py --folio $(FOLIO)

# Ingest the corpus, QA recall@1/5/10 per mode, vector search latency at 10k/100k/1M chunks.
bench-retrieval: build
	python3 benches/retrieval.py --folio $(FOLIO)
	$(CARGO) bench --bench vectors -- bench-out/retrieval/data

clean:
	rm -rf $(OUT) bench-out
