"""Build the one C extension: batch scanning against Debian's Hyperscan (libhyperscan-dev)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("harvestwatch.screen._hsbatch", ["src/harvestwatch/screen/_hsbatch.c"],
                             libraries=["hs"], include_dirs=["/usr/include/hs"],
                             extra_compile_args=["-O2", "-std=c11"])])
