"""Reference implementations the benchmarks compare maskrender with.

Each peer is what a user would write with that library to draw the same masks over the
same photo with the same style (opacity 0.6, the masks' fill colours, point radius 0.35% and
line width 0.2% of the longer side, graded heatmap intensity). Every peer starts from
:class:`~benchmarks.peers.scene.Scene` (the masks as pixel-space numpy arrays, parsed with
``json`` outside the timed draw) and can be run as a script for the end-to-end timing::

    python -m benchmarks.peers.opencv_recipe result.json photo.jpg out.png
"""
