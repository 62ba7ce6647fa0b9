"""Build of maskrender's optional compiled rasteriser core (``maskrender.draw._core``).

Everything else about the package is in ``pyproject.toml``.  The extension is plain C against
the Python C API (no numpy headers): when the machine has no C compiler, or the build fails
for any reason, setuptools prints a warning and the install still succeeds; the numpy path then
draws the same bytes (``maskrender --version`` says which core is in use).
"""

from setuptools import Extension, setup

core = Extension(
    "maskrender.draw._core",
    sources=["maskrender/draw/_core.c"],
    depends=["maskrender/draw/_core_classify.h", "maskrender/draw/_core_module.h"],
    # no fused multiply-add: every float operation rounds as numpy's does, so both paths agree to the bit
    extra_compile_args=["-O2", "-ffp-contract=off", "-fno-fast-math"],
    optional=True,
)

setup(ext_modules=[core])
