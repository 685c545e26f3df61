"""zxing-cpp as the bench's reference decoder.

Reads lines "<repetitions>\t<image path>" on stdin; for each prints one JSON line
{"file", "ms" (median over the repetitions of read_barcodes alone, after one
untimed call), "codes": [{"text",
"corners"}]} on stdout. Images are converted to 8-bit gray first, as the Rust side does,
and only QR codes are searched for (zxing-cpp's other options at their defaults).
"""
import json
import statistics
import sys
import time

import numpy as np
import zxingcpp
from PIL import Image

FORMATS = zxingcpp.BarcodeFormat.QRCode


def corners(pos):
    return [[p.x, p.y] for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]


def main():
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line:
            continue
        reps, path = line.split("\t", 1)
        out = {"file": path, "codes": [], "ms": 0.0}
        try:
            gray = np.asarray(Image.open(path).convert("L"))
            # One untimed call first, as the Rust side does: steady state, warm caches.
            results = zxingcpp.read_barcodes(gray, formats=FORMATS)
            times = []
            for _ in range(max(1, int(reps))):
                # CPU time of this thread, as the Rust side measures (shared machine).
                t = time.thread_time()
                results = zxingcpp.read_barcodes(gray, formats=FORMATS)
                times.append((time.thread_time() - t) * 1000.0)
            out["ms"] = statistics.median(times)
            out["codes"] = [{"text": r.text, "corners": corners(r.position)} for r in results]
        except Exception as e:  # a bad file is a miss, not a crash
            out["error"] = str(e)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
