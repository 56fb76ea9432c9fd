#!/usr/bin/env bash
# Runs `sd bench` and the PyTorch equivalent back to back on this machine and prints the ratios.
# Usage: scripts/bench-vs-torch.sh [preset] [steps]   (needs torch + diffusers, see the .py file)
set -euo pipefail
preset=${1:-sd15}
steps=${2:-3}
cd "$(dirname "$0")/.."
swift build -c release --product sd >/dev/null
ours=$(.build/release/sd bench --preset "$preset" --steps "$steps" | tail -1)
theirs=$(OMP_NUM_THREADS=2 python3 scripts/bench-vs-torch.py --preset "$preset" --steps "$steps" | tail -1)
echo "sd:      $ours"
echo "pytorch: $theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for k in ("unet_step_s", "vae_decode_s", "text_s"):
    if a.get(k) and b.get(k):
        print(f"{k}: sd {a[k]:.3f} s, pytorch {b[k]:.3f} s, ratio {a[k] / b[k]:.2f}")
print(f"peak_rss_mb: sd {a['peak_rss_mb']:.0f}, pytorch {b['peak_rss_mb']:.0f}")
PY
