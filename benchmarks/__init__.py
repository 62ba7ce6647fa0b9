"""Benchmarks of maskrender against reference recipes, all measured in the same run.

Run ``python -m benchmarks`` (``--quick`` for a short run, ``--help`` for the options). See
``benchmarks/run.py`` for what is measured and ``benchmarks/peers/`` for the reference
implementations (OpenCV, matplotlib, plain Pillow, resvg).
"""
