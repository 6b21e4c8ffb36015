"""What machine a result came from: recorded next to every timing and AUROC we publish.

Speed ratios move with the CPU (the same 2-core budget has been an Intel part with AVX-512, an
AMD EPYC with AVX2 only and an AMD EPYC with AVX-512, whose TensorFlow matmul peaks differ by
up to 2.5x), so results name the processor model, its family/model numbers (the two EPYCs
share a model name) and its widest vector instructions, not only the platform string.
"""

import os
import platform

# Vector extensions that decide float32 and bfloat16 matmul speed on x86, widest last.
_SIMD = ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16")


def describe():
    """``{"platform", "processor", "cpu_id", "simd", "cpus", "python"}`` of this machine.

    ``processor`` is the CPU model name (``/proc/cpuinfo`` on Linux, ``platform.processor()``
    elsewhere), ``cpu_id`` its ``"family F model M"`` (empty if unknown) and ``simd`` the
    extensions of ``_SIMD`` the CPU reports (empty if unknown).
    """
    model, flags, ids = platform.processor(), set(), {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and value.strip():
                    model = value.strip()
                elif key in ("cpu family", "model") and key not in ids:
                    ids[key] = value.strip()
                elif key == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    cpu_id = (f"family {ids['cpu family']} model {ids['model']}"
              if "cpu family" in ids and "model" in ids else "")
    return {"platform": platform.platform(), "processor": model, "cpu_id": cpu_id,
            "simd": [s for s in _SIMD if s in flags], "cpus": os.cpu_count(),
            "python": platform.python_version()}


def processor_label(description=None):
    """The processor as one string, ``"AMD EPYC (family 25 model 17)"``, from :func:`describe`."""
    d = describe() if description is None else description
    name = d.get("processor") or "processor not recorded"
    return f"{name} ({d['cpu_id']})" if d.get("cpu_id") else name
