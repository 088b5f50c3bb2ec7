#!/bin/bash
# Train the reader on a lent GPU machine (the `device` tool) from what was made here; run there, from the
# repository root:
#   bash qa/reader/train_on_gpu.sh CARRY_DIR NAME [qa.reader.train options: --epochs, --lr, ...]
# CARRY_DIR holds base.xz (`python -m qa.reader.transfer send READER_DIR CARRY_DIR/base.xz`) and
# examples.pack (`python -m qa.reader.train ... --as-read K --pack CARRY_DIR/examples.pack`). The run is
# written to CARRY_DIR/NAME, its trained weights in parts to CARRY_DIR/NAME-parts, to be fetched and put
# together here with `python -m qa.reader.transfer join PARTS BASE_DIR OUT_DIR`.
set -euo pipefail
carry=$1 name=$2
shift 2
[ -f "$carry/base/reader.safetensors" ] || python3 -m qa.reader.transfer unpack "$carry/base.xz" "$carry/base"
python3 -m qa.reader.train --from-pack "$carry/examples.pack" --base "$carry/base" --out "$carry/$name" \
  --checkpoint-dir "$carry/$name-ckpt" --checkpoint-minutes 1000 "$@"
python3 -m qa.reader.transfer parts "$carry/$name" "$carry/$name-parts"
