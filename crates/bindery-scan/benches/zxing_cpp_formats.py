"""zxing-cpp as the reference for the other symbologies (formats_bench.rs).

Reads lines "<repetitions>\t<formats>\t<image path>" on stdin, <formats> being a comma list
of qr, micro_qr, data_matrix, code128; for each prints one JSON line {"file", "ms" (median
thread CPU time over the repetitions of read_barcodes alone, after one untimed call),
"codes": [{"text", "format"}]}. Images are converted to 8-bit gray first, as the Rust side
does; zxing-cpp's other options stay at their defaults.
"""
import json
import statistics
import sys
import time

import numpy as np
import zxingcpp
from PIL import Image

NAMES = {
    "qr": zxingcpp.BarcodeFormat.QRCode,
    "micro_qr": zxingcpp.BarcodeFormat.MicroQRCode,
    "data_matrix": zxingcpp.BarcodeFormat.DataMatrix,
    "code128": zxingcpp.BarcodeFormat.Code128,
}
BACK = {v: k for k, v in NAMES.items()}


def main():
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line:
            continue
        reps, formats, path = line.split("\t", 2)
        wanted = [NAMES[f] for f in formats.split(",")]
        out = {"file": path, "codes": [], "ms": 0.0}
        try:
            gray = np.asarray(Image.open(path).convert("L"))
            results = zxingcpp.read_barcodes(gray, formats=wanted)
            times = []
            for _ in range(max(1, int(reps))):
                t = time.thread_time()
                results = zxingcpp.read_barcodes(gray, formats=wanted)
                times.append((time.thread_time() - t) * 1000.0)
            out["ms"] = statistics.median(times)
            out["codes"] = [{"text": r.text, "format": BACK.get(r.format, str(r.format))} for r in results]
        except Exception as e:  # a bad file is a miss, not a crash
            out["error"] = str(e)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
