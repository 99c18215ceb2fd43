#!/usr/bin/env bash
# CUDA vs CPU throughput of the `accurate` and `ocr` pipelines on an NVIDIA host that reaches
# no package registry and takes at most 64 MiB per transfer. Two steps (see benches/README.md):
#
#   benches/gpu.sh stage   here, with a registry and the corpus: builds folio with
#                          --features cuda, takes the CUDA build of ONNX Runtime out of the
#                          onnxruntime-gpu wheel, cuts ~200 corpus pages into bench PDFs, and
#                          packs all of it (xz) into parts of at most 48 MiB in bench-out/gpu/parts/
#   benches/gpu.sh run     on the GPU host, once every part is there: unpacks, points the loader
#                          at ONNX Runtime's CUDA provider and at the CUDA 13 / cuDNN 9 libraries
#                          of the host's Python environment (nvidia-*-cu13 wheels), checks that
#                          CUDA really starts, then prints pages/s per pipeline and device.
#
# Environment: PYTHON (default python3), ORT_GPU_VERSION (1.31.1), PAGES_ACCURATE (200),
# PAGES_OCR (60), PART_MB (48).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=bench-out/gpu
PYTHON=${PYTHON:-python3}
ORT_GPU_VERSION=${ORT_GPU_VERSION:-1.31.1}
PAGES_ACCURATE=${PAGES_ACCURATE:-200}
PAGES_OCR=${PAGES_OCR:-60}
PART_MB=${PART_MB:-48}
CORPUS=${CORPUS:-../shared/corpus/docs}
WHEELS=${FOLIO_WHEEL_CACHE:-$HOME/.cache/folio/wheels}

stage() {
    rm -rf "$OUT/root" "$OUT/parts"
    mkdir -p "$OUT/root/bin" "$OUT/root/ort" "$OUT/root/pdfs" "$OUT/parts" "$WHEELS"
    python3 models/fetch --quiet
    cargo build --release --locked --features cuda --bin folio
    cp target/release/folio "$OUT/root/bin/"
    # The CUDA build of ONNX Runtime and its provider libraries, from the wheel.
    pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux_2_17_x86_64 -d "$WHEELS" "onnxruntime-gpu==$ORT_GPU_VERSION"
    wheel=$(ls "$WHEELS"/onnxruntime_gpu-"$ORT_GPU_VERSION"-*.whl | head -n1)
    unzip -q -o -j "$wheel" "onnxruntime/capi/libonnxruntime.so.$ORT_GPU_VERSION" \
        "onnxruntime/capi/libonnxruntime_providers_cuda.so" \
        "onnxruntime/capi/libonnxruntime_providers_shared.so" -d "$OUT/root/ort"
    # The model files folio needs (not the CPU ONNX Runtime, not the embedding model).
    for dir in lib ocr layout; do cp -r "models/$dir" "$OUT/root/models-$dir"; done
    cp models/manifest.toml "$OUT/root/"
    rm -f "$OUT"/root/models-lib/libonnxruntime*
    # Bench pages: the first 25 pages of born-digital corpus documents until the totals are met.
    local left=$PAGES_ACCURATE
    for f in R-intro latex-clsguide booktabs acm-sample-sigconf revtex-aipsamp reportlab-userguide \
             beameruserguide lshort-it gap-tutorial maximabook; do
        [ "$left" -le 0 ] && break
        n=$(pdfinfo "$CORPUS/$f.pdf" | awk '/^Pages:/ {print $2}')
        take=$(( n < 25 ? n : 25 )); take=$(( take < left ? take : left ))
        qpdf --empty --pages "$CORPUS/$f.pdf" "1-$take" -- "$OUT/root/pdfs/$f.pdf"
        left=$(( left - take ))
    done
    tar -C "$OUT" -cf - root | xz -T0 -6 | split -b "${PART_MB}M" -d - "$OUT/parts/folio-gpu.tar.xz."
    (cd "$OUT/parts" && sha256sum folio-gpu.tar.xz.* > SHA256SUMS)
    ls -l "$OUT/parts"
    echo "Copy every file of $OUT/parts/ to the same path on the GPU host (one transfer each),"
    echo "plus this checkout, then run: benches/gpu.sh run"
}

run() {
    (cd "$OUT/parts" && sha256sum -c --quiet SHA256SUMS)
    rm -rf "$OUT/root"
    cat "$OUT"/parts/folio-gpu.tar.xz.* | xz -d | tar -C "$OUT" -xf -
    local root=$PWD/$OUT/root
    mkdir -p "$root/models"
    for dir in lib ocr layout; do cp -r "$root/models-$dir" "$root/models/$dir"; done
    cp "$root/manifest.toml" "$root/models/"
    # CUDA 13 and cuDNN 9 from the host's Python environment (nvidia-*-cu13 wheels).
    local site nvlibs
    site=$("$PYTHON" -c 'import nvidia, os; print(os.path.dirname(list(nvidia.__path__)[0]))')
    nvlibs=$(find "$site/nvidia" -maxdepth 3 -type d -name lib | paste -sd: -)
    export LD_LIBRARY_PATH="$root/ort:$nvlibs:${LD_LIBRARY_PATH:-}"
    export FOLIO_ORT_LIB="$root/ort/libonnxruntime.so.$ORT_GPU_VERSION"
    export FOLIO_MODELS_DIR="$root/models"
    local folio="$root/bin/folio"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
    # An explicit CUDA request fails loudly when the provider cannot start: check first.
    "$folio" extract "$root/pdfs/$(ls "$root/pdfs" | head -n1)" --pages 1 --device cuda >/dev/null
    echo "pipeline  device  pages  seconds  pages/s"
    for pipeline in accurate ocr; do
        local limit=$PAGES_ACCURATE
        [ "$pipeline" = ocr ] && limit=$PAGES_OCR
        for device in cuda cpu; do
            local pages=0 start end
            start=$(date +%s.%N)
            for pdf in "$root"/pdfs/*.pdf; do
                [ "$pages" -ge "$limit" ] && break
                n=$("$folio" extract "$pdf" --pipeline "$pipeline" --device "$device" \
                    | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["pages"]))')
                pages=$((pages + n))
            done
            end=$(date +%s.%N)
            "$PYTHON" -c "p=$pages; s=$end-$start; print(f'{\"$pipeline\":9s} {\"$device\":6s} {p:6d} {s:8.1f} {p/s:8.2f}')"
        done
    done
}

case "${1:-}" in
    stage) stage ;;
    run) run ;;
    *) echo "usage: benches/gpu.sh stage|run" >&2; exit 2 ;;
esac
