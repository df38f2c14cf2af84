"""Build the one C extension: batch scanning against Debian's Hyperscan (libhyperscan-dev)."""

from pathlib import Path

from setuptools import Extension, setup

HEADER = Path("/usr/include/hs/hs.h")
if not HEADER.exists():
    raise SystemExit(f"harvestwatch needs Hyperscan's headers ({HEADER} is missing): "
                     "apt-get install gcc libhyperscan-dev (`make install` does this)")

setup(ext_modules=[Extension("harvestwatch.screen._hsbatch", ["src/harvestwatch/screen/_hsbatch.c"],
                             libraries=["hs"], include_dirs=[str(HEADER.parent)],
                             extra_compile_args=["-O2", "-std=c11"])])
