# folio — the two commands a fresh machine needs are `make run` and `make test`.
# Both fetch the native runtime and the models first (a no-op when they are present).

CARGO   ?= cargo
FOLIO   := target/release/folio
OUT     := out
# What `make run` extracts: the real documents and images among the fixtures.
RUN_INPUTS := $(wildcard fixtures/docs/*.pdf fixtures/images/*.png fixtures/images/*.jpg \
                         fixtures/images/*.tiff fixtures/images/*.webp fixtures/images/*.bmp)

.PHONY: run test fetch build schema lint bench-text clean

fetch:
	@python3 models/fetch --quiet

build: fetch
	$(CARGO) build --release --locked

# Extract every fixture to out/NAME.json and out/NAME.md; one summary line per file.
run: build
	@mkdir -p $(OUT)
	@for f in $(RUN_INPUTS); do \
	  name=$$(basename "$$f"); \
	  start=$$(date +%s%N); \
	  if $(FOLIO) extract "$$f" > "$(OUT)/$$name.json"; then \
	    ms=$$(( ($$(date +%s%N) - start) / 1000000 )); \
	    $(FOLIO) extract "$$f" --format markdown > "$(OUT)/$$name.md"; \
	    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%-44s pages=%-4d blocks=%-5d ms=%s" % (sys.argv[2], len(d["pages"]), len(d["blocks"]), sys.argv[3]))' "$(OUT)/$$name.json" "$$name" "$$ms"; \
	  else echo "$$name: FAILED"; fi; \
	done
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

clean:
	rm -rf $(OUT) bench-out
