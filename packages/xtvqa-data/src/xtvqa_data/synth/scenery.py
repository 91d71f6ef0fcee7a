"""Scene-text surroundings: a cluttered street background and a perspective warp.

Signs and book covers are drawn flat and upright, then warped onto a background as if
photographed at an angle; TextVQA-style scene text is rarely fronto-parallel. `clutter` (0-1)
scales the number of background shapes and the corner displacement of the warp; at 0 the board is
pasted flat on a plain wall. The background has no text, so it can never contain a wrong answer.

The perspective coefficients come from a pure-Python 8x8 solve rather than `numpy.linalg`:
LAPACK kernels differ by CPU, and a last-bit difference could move a pixel between machines.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from xtvqa_data.synth.sampling import jitter

Point = tuple[float, float]
WALLS = ((214, 204, 190), (188, 196, 204), (222, 214, 200), (170, 160, 150), (200, 190, 170))


def background(rng: np.random.Generator, size: int, clutter: float) -> Image.Image:
    """A street-like backdrop: sky, facades with windows, ground, poles and trees."""
    wall = WALLS[int(rng.integers(len(WALLS)))]
    image = Image.new("RGB", (size, size), wall)
    if clutter <= 0:
        return image
    draw = ImageDraw.Draw(image)
    horizon = int(size * rng.uniform(0.12, 0.3))
    top, bottom = np.array([120, 165, 215]), np.array([205, 225, 240])
    for y in range(horizon):  # vertical sky gradient, one line per row
        c = top + (bottom - top) * y / max(1, horizon)
        draw.line([(0, y), (size, y)], fill=tuple(int(v) for v in c))
    x = 0
    while x < size:  # facades of random width, each with a grid of windows
        width = int(size * rng.uniform(0.2, 0.45))
        shade = int(rng.integers(-25, 25))
        color = tuple(int(np.clip(v + shade, 0, 255)) for v in wall)
        roof = horizon - int(size * rng.uniform(0, 0.08))
        draw.rectangle([x, roof, x + width, size], fill=color)
        pane = tuple(int(v * 0.55) for v in color)
        step = max(8, int(size * rng.uniform(0.07, 0.11)))
        for wy in range(roof + step // 2, size - step, step):
            for wx in range(x + step // 3, x + width - step // 2, step):
                draw.rectangle([wx, wy, wx + step // 2, wy + int(step * 0.6)], fill=pane)
        x += width
    ground = int(size * rng.uniform(0.82, 0.92))
    draw.rectangle([0, ground, size, size], fill=(110, 110, 112))
    for _ in range(round(6 * clutter)):  # poles, trees and plain posters
        kind, cx = int(rng.integers(3)), float(rng.uniform(0, size))
        if kind == 0:
            draw.rectangle([cx, size * 0.2, cx + size * 0.015, ground], fill=(70, 70, 75))
        elif kind == 1:
            r = size * rng.uniform(0.05, 0.1)
            cy = ground - r * 1.6
            draw.rectangle([cx - r * 0.12, cy, cx + r * 0.12, ground], fill=(95, 70, 50))
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(60, int(rng.integers(110, 150)), 60))
        else:
            w, h = size * rng.uniform(0.06, 0.14), size * rng.uniform(0.08, 0.16)
            cy = float(rng.uniform(horizon, ground - h))
            draw.rectangle([cx, cy, cx + w, cy + h], fill=tuple(int(v) for v in rng.integers(40, 230, size=3)))
    return image


WOODS = ((150, 105, 70), (120, 85, 60), (185, 150, 110), (95, 75, 60), (200, 195, 185))


def desk(rng: np.random.Generator, size: int, clutter: float) -> Image.Image:
    """A table top with wood grain and, with clutter, a mug, a pen and a sheet of paper."""
    wood = np.array(WOODS[int(rng.integers(len(WOODS)))])
    image = Image.new("RGB", (size, size), tuple(int(v) for v in wood))
    draw = ImageDraw.Draw(image)
    y = 0.0
    while y < size:  # grain: bands of slightly varying shade
        band = float(rng.uniform(0.01, 0.05)) * size
        shade = wood * float(rng.uniform(0.9, 1.08))
        draw.rectangle([0, y, size, y + band], fill=tuple(int(np.clip(v, 0, 255)) for v in shade))
        y += band
    for _ in range(round(3 * clutter)):
        kind, cx, cy = int(rng.integers(3)), float(rng.uniform(0, size)), float(rng.uniform(0, size))
        if kind == 0:
            r = size * float(rng.uniform(0.06, 0.1))
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=tuple(int(v) for v in rng.integers(60, 240, size=3)))
            draw.ellipse([cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7], fill=(70, 45, 30))
        elif kind == 1:
            dx, dy = size * float(rng.uniform(-0.25, 0.25)), size * float(rng.uniform(-0.1, 0.1))
            draw.line([(cx, cy), (cx + dx, cy + dy)], fill=(30, 30, 90), width=max(2, size // 80))
        else:
            w, h = size * float(rng.uniform(0.3, 0.5)), size * float(rng.uniform(0.3, 0.5))
            draw.rectangle([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], fill=(240, 238, 232))
    return image


def warp_quad(rng: np.random.Generator, box: tuple[float, float, float, float], size: int, clutter: float) -> list[Point]:
    """The four corners (tl, tr, br, bl) where `box` lands after a random perspective.

    A common lean (one vertical edge up to 24 % shorter than the other: the board turned away
    from the camera) plus small independent corner offsets; both scale with `clutter`."""
    x0, y0, x1, y1 = box
    lean = jitter(rng, 0.06 * (y1 - y0) * clutter)
    corner = 0.02 * size * clutter
    quad = [
        (x0 + jitter(rng, corner), y0 - lean + jitter(rng, corner)),
        (x1 + jitter(rng, corner), y0 + lean + jitter(rng, corner)),
        (x1 + jitter(rng, corner), y1 - lean + jitter(rng, corner)),
        (x0 + jitter(rng, corner), y1 + lean + jitter(rng, corner)),
    ]
    return inside(quad, size, margin=0.01 * size)


def inside(quad: list[Point], size: int, margin: float) -> list[Point]:
    """`quad` moved (and, if it is too big, shrunk about its centre) to lie within the image,
    so no part of a board, and no answer on it, is cut off."""
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    span = max(max(xs) - min(xs), max(ys) - min(ys))
    scale = min(1.0, (size - 2 * margin) / span)
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    quad = [(cx + (x - cx) * scale, cy + (y - cy) * scale) for x, y in quad]
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    dx = max(0.0, margin - min(xs)) - max(0.0, max(xs) - (size - margin))
    dy = max(0.0, margin - min(ys)) - max(0.0, max(ys) - (size - margin))
    return [(x + dx, y + dy) for x, y in quad]


def paste_warped(base: Image.Image, layer: Image.Image, quad: list[Point]) -> Image.Image:
    """Composite RGBA `layer` onto `base` with its corners moved to `quad` (tl, tr, br, bl)."""
    w, h = layer.size
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    left, top = int(np.floor(min(xs))), int(np.floor(min(ys)))
    right, bottom = int(np.ceil(max(xs))), int(np.ceil(max(ys)))
    local = [(x - left, y - top) for x, y in quad]  # warp only the quad's bounding box (speed)
    coeffs = perspective_coefficients(local, [(0, 0), (w, 0), (w, h), (0, h)])
    warped = layer.transform((right - left, bottom - top), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR)
    out = base.convert("RGBA")
    out.alpha_composite(warped, dest=(max(0, left), max(0, top)), source=(max(0, -left), max(0, -top)))
    return out.convert("RGB")


def perspective_coefficients(dst: list[Point], src: list[Point]) -> tuple[float, ...]:
    """PIL's 8 PERSPECTIVE coefficients mapping output points `dst` to input points `src`:
    x_in = (a x + b y + c) / (g x + h y + 1), y_in = (d x + e y + f) / (g x + h y + 1)."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y])
        rhs.append(v)
    return tuple(_solve(rows, rhs))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting, in Python floats (bit-identical everywhere)."""
    n = len(b)
    m = [[float(v) for v in row] + [float(r)] for row, r in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12:
            raise ValueError("degenerate perspective quad (three corners on a line)")
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x
