"""What machine a result came from: recorded next to every timing and AUROC we publish.

Speed ratios move with the CPU (the same 2-core budget has been an Intel part with AVX-512 and
an AMD EPYC with AVX2 only, whose TensorFlow matmul peaks differ by 2.5x), so results name
the processor model and its widest vector instructions, not only the platform string.
"""

import os
import platform

# Vector extensions that decide float32 and bfloat16 matmul speed on x86, widest last.
_SIMD = ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16")


def describe():
    """``{"platform", "processor", "simd", "cpus", "python"}`` of this machine.

    ``processor`` is the CPU model name (``/proc/cpuinfo`` on Linux, ``platform.processor()``
    elsewhere) and ``simd`` the extensions of ``_SIMD`` the CPU reports (empty if unknown).
    """
    model, flags = platform.processor(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and value.strip():
                    model = value.strip()
                elif key == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    return {"platform": platform.platform(), "processor": model,
            "simd": [s for s in _SIMD if s in flags], "cpus": os.cpu_count(),
            "python": platform.python_version()}
