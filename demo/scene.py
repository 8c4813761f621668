"""Procedural HDR scenes and a small vectorised Monte Carlo path tracer in numpy.

The demo needs the situation a production denoiser faces (Bako et al. 2017, KPCN): a few-sample
Monte Carlo render with noise and fireflies, its auxiliary feature buffers, and a converged
reference of the *same* estimator. Everything here is deterministic given a seed and needs no
downloads.

Scene: an infinite checkered ground, a handful of spheres with a diffuse + normalised-Phong
material, a small spherical emitter (radiance ~40), a sky (1-3) and a small sun disk (~5000), so
glossy spheres show tiny highlights of hundreds to thousands and exposure matters.

Estimator: paths of up to three segments (camera, two bounces, then an escape test) with next-event
estimation of the sun and the emitter at every vertex, combined with BSDF sampling by the balance
heuristic. Light reaching a diffuse surface through a glossy bounce (a caustic) is only found by
BSDF sampling, which is where the low-sample input gets its fireflies. The second bounce clamps
the Phong exponent (path regularisation), identically for input and reference, so the reference
converges in a few hundred samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

F32 = np.float32
EPS = 1e-3
# Depth written for rays that escape to the sky: a finite far plane keeps the depth layer finite
# (viewers' statistics and the network's features both dislike inf); the scenes span ~10 units.
FAR = 100.0
# Second-bounce Phong exponents are clamped to this (path regularisation, see module docstring).
REGULARISED_EXPONENT = 60.0
LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=F32)


@dataclass(frozen=True)
class Camera:
    """A pinhole camera looking from `eye` at `target` with a vertical field of view in degrees."""

    eye: tuple[float, float, float]
    target: tuple[float, float, float]
    fov_degrees: float = 40.0


@dataclass(frozen=True)
class Scene:
    """Geometry, materials and lights; object 0 is the ground, object i>0 is sphere i-1."""

    centers: np.ndarray  # (K, 3) sphere centres
    radii: np.ndarray  # (K,)
    diffuse: np.ndarray  # (K+1, 3) diffuse albedo; the ground's is replaced by its checker
    specular: np.ndarray  # (K+1, 3) Phong lobe weight (diffuse + specular <= 1 per channel)
    exponent: np.ndarray  # (K+1,) Phong exponent
    emitter: int  # object index of the spherical emitter
    emitter_radiance: np.ndarray  # (3,)
    sun_direction: np.ndarray  # (3,) unit vector towards the sun
    sun_cos_max: float  # cosine of the sun disk's angular radius
    sun_radiance: np.ndarray  # (3,)
    checker: tuple[np.ndarray, np.ndarray]  # the ground's two albedos
    sky_zenith: np.ndarray  # (3,)
    sky_horizon: np.ndarray  # (3,)

    @property
    def sphere_offsets(self) -> np.ndarray:
        """|c|^2 - r^2 per sphere, the constant term of the ray-sphere quadratic."""
        return (np.sum(self.centers**2, axis=1) - self.radii**2).astype(F32)


@dataclass(frozen=True)
class Render:
    """A Monte Carlo estimate with its feature buffers, all (H, W, C) float32 in linear units."""

    beauty: np.ndarray  # (H, W, 3) radiance
    albedo: np.ndarray  # (H, W, 3) diffuse + specular reflectance at the first hit (1 for sky and emitter)
    normal: np.ndarray  # (H, W, 3) world-space normal at the first hit (0 for sky)
    depth: np.ndarray  # (H, W, 1) camera-space z of the first hit (FAR for sky)


def _normalise(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise dot product of (N, 3) arrays (or with one 3-vector); 3x faster than einsum here."""
    return a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1] + a[..., 2] * b[..., 2]


def make_scene(seed: int) -> Scene:
    """A random scene: seed 0 is the hand-placed showcase used for validation, others are random."""
    rng = np.random.default_rng([7, seed])
    if seed == 0:
        # (x, y, z, radius, kind): kinds are diffuse, glossy, shiny (near-mirror Phong), emitter.
        layout = [
            (-1.6, 1.0, 0.0, 1.0, "diffuse"),
            (0.6, 0.8, -0.6, 0.8, "shiny"),
            (2.3, 0.6, 0.4, 0.6, "glossy"),
            (-0.3, 0.35, 1.5, 0.35, "shiny"),
            (1.0, 0.3, 1.6, 0.3, "diffuse"),
            (0.5, 1.5, 1.1, 0.15, "emitter"),
            (-3.2, 0.5, -1.8, 0.5, "glossy"),
        ]
        sun = np.array([-0.45, 0.33, -0.7])
    else:
        layout = []
        for _ in range(int(rng.integers(4, 8))):
            r = float(rng.uniform(0.25, 1.0))
            kind = str(rng.choice(["diffuse", "glossy", "shiny"], p=[0.4, 0.3, 0.3]))
            layout.append((float(rng.uniform(-3, 3)), r, float(rng.uniform(-2.5, 2)), r, kind))
        layout.append((float(rng.uniform(-2, 2)), float(rng.uniform(1.2, 2.6)), float(rng.uniform(-1, 1.5)),
                       float(rng.uniform(0.12, 0.25)), "emitter"))
        azimuth = rng.uniform(0, 2 * np.pi)
        elevation = rng.uniform(0.35, 1.1)
        sun = np.array([np.cos(azimuth) * np.cos(elevation), np.sin(elevation),
                        np.sin(azimuth) * np.cos(elevation)])
    k = len(layout)
    centers = np.array([[x, y, z] for x, y, z, _, _ in layout], dtype=F32)
    radii = np.array([r for *_, r, _ in layout], dtype=F32)
    diffuse = np.zeros((k + 1, 3), F32)
    specular = np.zeros((k + 1, 3), F32)
    exponent = np.ones(k + 1, F32)
    emitter = 0
    palette = np.array([[0.75, 0.2, 0.15], [0.2, 0.45, 0.75], [0.8, 0.75, 0.7], [0.25, 0.6, 0.3],
                        [0.85, 0.6, 0.2], [0.55, 0.3, 0.65]], dtype=F32)
    for i, (*_, kind) in enumerate(layout, start=1):
        colour = palette[(i * 5 + seed) % len(palette)] if seed == 0 else palette[rng.integers(len(palette))]
        if kind == "diffuse":
            diffuse[i] = colour
        elif kind == "glossy":
            diffuse[i] = 0.6 * colour
            specular[i] = 0.3
            exponent[i] = 80.0 if seed == 0 else float(rng.uniform(40, 150))
        elif kind == "shiny":
            diffuse[i] = 0.25 * colour
            specular[i] = 0.7 * np.array([1.0, 0.9, 0.75], F32) if i % 2 else 0.7
            exponent[i] = 3000.0 if seed == 0 else float(rng.uniform(800, 4000))
        else:
            emitter = i
    sun_angle = 0.02  # radians; the real sun is 0.0047, a larger disk keeps shadows visibly soft
    sun_cos_max = float(np.cos(sun_angle))
    sun_solid_angle = 2 * np.pi * (1 - sun_cos_max)
    # The sun delivers ~3 units of irradiance, so a white diffuse surface facing it reads ~1.
    sun_radiance = (3.0 / sun_solid_angle) * np.array([1.0, 0.93, 0.82], F32)
    return Scene(
        centers=centers,
        radii=radii,
        diffuse=diffuse,
        specular=specular,
        exponent=exponent,
        emitter=emitter,
        emitter_radiance=np.array([80.0, 56.0, 30.0], F32),
        sun_direction=_normalise(sun).astype(F32),
        sun_cos_max=sun_cos_max,
        sun_radiance=sun_radiance.astype(F32),
        checker=(np.array([0.7, 0.68, 0.62], F32), np.array([0.25, 0.25, 0.27], F32)),
        sky_zenith=np.array([0.2, 0.35, 0.8], F32),
        sky_horizon=np.array([0.9, 0.95, 1.1], F32),
    )


def _intersect(scene: Scene, origin: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest hit distance and object index (-1 for a miss) of N rays against the whole scene."""
    # |o + t d - c|^2 = r^2 expanded with (N, 3) @ (3, K) products, 6x faster than (N, K, 3)
    # temporaries -- if BLAS runs single-threaded: OpenBLAS threads even these tiny products, which
    # made rendering 3.6x slower on a busy 2-core machine (train_denoiser.py sets one thread).
    b = _dot(origin, direction)[:, None] - direction @ scene.centers.T
    c = _dot(origin, origin)[:, None] - 2 * (origin @ scene.centers.T) + scene.sphere_offsets[None]
    disc = b * b - c
    hit = disc > 0
    root = np.sqrt(disc, where=hit, out=np.zeros_like(disc))
    t_sphere = -b - root
    # Rays leaving a sphere's surface (shadow and bounce rays) take the far root.
    t_sphere = np.where(t_sphere > EPS, t_sphere, -b + root)
    t_sphere[~hit | (t_sphere <= EPS)] = np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        t_ground = np.where(direction[:, 1] < -1e-6, -origin[:, 1] / direction[:, 1], np.inf)
    t_ground = np.where(t_ground > EPS, t_ground, np.inf)
    nearest_sphere = np.argmin(t_sphere, axis=1)
    t_best = t_sphere[np.arange(len(origin)), nearest_sphere]
    obj = np.where(t_best < t_ground, nearest_sphere + 1, 0)
    t = np.minimum(t_best, t_ground)
    obj = np.where(np.isinf(t), -1, obj)
    return t.astype(F32), obj


def _basis(n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two tangents completing n to an orthonormal frame (Duff et al. 2017, branchless)."""
    sign = np.where(n[:, 2] >= 0, 1.0, -1.0).astype(F32)
    a = -1.0 / (sign + n[:, 2])
    b = n[:, 0] * n[:, 1] * a
    t = np.stack([1 + sign * n[:, 0] ** 2 * a, sign * b, -sign * n[:, 0]], axis=1)
    s = np.stack([b, sign + n[:, 1] ** 2 * a, -n[:, 1]], axis=1)
    return t, s


def _around(axis: np.ndarray, cos_theta: np.ndarray, phi: np.ndarray,
            sin2: np.ndarray | None = None) -> np.ndarray:
    """Directions at polar angle theta and azimuth phi around each unit axis."""
    if sin2 is None:
        sin2 = 1 - cos_theta**2
    sin_theta = np.sqrt(np.maximum(sin2, 0))
    t, s = _basis(axis)
    return (t * (sin_theta * np.cos(phi))[:, None] + s * (sin_theta * np.sin(phi))[:, None]
            + axis * cos_theta[:, None]).astype(F32)


def _sky(scene: Scene, direction: np.ndarray) -> np.ndarray:
    up = np.clip(direction[:, 1], 0, 1)[:, None]
    return (scene.sky_horizon * (1 - up) ** 3 + scene.sky_zenith * (1 - (1 - up) ** 3)).astype(F32)


@dataclass
class _Surface:
    position: np.ndarray
    normal: np.ndarray
    outgoing: np.ndarray
    diffuse: np.ndarray
    specular: np.ndarray
    exponent: np.ndarray

    def reflected(self) -> np.ndarray:
        return 2 * _dot(self.normal, self.outgoing)[:, None] * self.normal - self.outgoing

    def specular_probability(self) -> np.ndarray:
        kd = _dot(self.diffuse, LUMA)
        ks = _dot(self.specular, LUMA)
        return np.where(kd + ks > 0, ks / np.maximum(kd + ks, 1e-8), 0).astype(F32)

    def evaluate(self, wi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """BRDF value times cosine, and the BSDF-sampling pdf (solid angle) of direction wi."""
        cos_i = _dot(self.normal, wi)
        cos_a = np.clip(_dot(self.reflected(), wi), 0, 1)
        lobe = cos_a ** self.exponent
        f = (self.diffuse / np.pi + self.specular * ((self.exponent + 2) / (2 * np.pi) * lobe)[:, None])
        above = cos_i > 0
        p_spec = self.specular_probability()
        pdf = (1 - p_spec) * np.maximum(cos_i, 0) / np.pi + p_spec * (self.exponent + 1) / (2 * np.pi) * lobe
        return np.where(above[:, None], f * np.maximum(cos_i, 0)[:, None], 0).astype(F32), np.where(
            above, pdf, 0
        ).astype(F32)

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A direction from the diffuse/Phong mixture, its weight f*cos/pdf and its pdf."""
        n = len(self.position)
        u = rng.random((n, 3), dtype=F32)
        phi = 2 * np.pi * u[:, 1]
        diffuse_dir = _around(self.normal, np.sqrt(u[:, 0]), phi, sin2=1 - u[:, 0])
        cos_a = u[:, 0] ** (1 / (self.exponent + 1))
        specular_dir = _around(_normalise(self.reflected()), cos_a, phi)
        wi = np.where((u[:, 2] < self.specular_probability())[:, None], specular_dir, diffuse_dir)
        f_cos, pdf = self.evaluate(wi)
        weight = np.where(pdf[:, None] > 0, f_cos / np.maximum(pdf, 1e-12)[:, None], 0).astype(F32)
        return wi, weight, pdf


def _surface(scene: Scene, origin: np.ndarray, direction: np.ndarray, t: np.ndarray, obj: np.ndarray,
             regularise: bool) -> _Surface:
    position = origin + direction * t[:, None]
    sphere = np.maximum(obj - 1, 0)
    normal = np.where((obj == 0)[:, None], np.array([0, 1, 0], F32),
                      (position - scene.centers[sphere]) / scene.radii[sphere][:, None])
    normal = _normalise(normal).astype(F32)
    checker = ((np.floor(position[:, 0]) + np.floor(position[:, 2])) % 2 == 0)[:, None]
    ground = np.where(checker, scene.checker[0], scene.checker[1])
    diffuse = np.where((obj == 0)[:, None], ground, scene.diffuse[obj])
    exponent = scene.exponent[obj]
    if regularise:
        exponent = np.minimum(exponent, REGULARISED_EXPONENT)
    return _Surface(position.astype(F32), normal, -direction, diffuse.astype(F32), scene.specular[obj],
                    exponent)


def _emitter_cone(scene: Scene, position: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Axis towards the emitter, cosine of its angular radius, and 1 - that cosine, per point."""
    to_centre = scene.centers[scene.emitter - 1] - position
    distance = np.linalg.norm(to_centre, axis=1)
    sin2 = np.minimum((scene.radii[scene.emitter - 1] / distance) ** 2, 1)
    cos_max = np.sqrt(1 - sin2)
    # 1 - cos computed as sin^2 / (1 + cos) stays accurate for small, distant emitters.
    one_minus_cos = sin2 / (1 + cos_max)
    return (to_centre / distance[:, None]).astype(F32), cos_max.astype(F32), one_minus_cos.astype(F32)


def _direct(scene: Scene, surf: _Surface, rng: np.random.Generator) -> np.ndarray:
    """Next-event estimate of the sun and the emitter, each MIS-weighted against BSDF sampling."""
    n = len(surf.position)
    u = rng.random((n, 4), dtype=F32)
    total = np.zeros((n, 3), F32)
    origin = surf.position + surf.normal * EPS
    # Sun: uniform in its cone.
    one_minus_cos_sun = F32(1 - scene.sun_cos_max)
    pdf_sun = F32(1 / (2 * np.pi * (1 - scene.sun_cos_max)))
    one_minus = u[:, 0] * one_minus_cos_sun
    axis = np.broadcast_to(scene.sun_direction, (n, 3)).astype(F32)
    wi = _around(axis, 1 - one_minus, 2 * np.pi * u[:, 1], sin2=one_minus * (2 - one_minus))
    f_cos, pdf_bsdf = surf.evaluate(wi)
    _, obj = _intersect(scene, origin, wi)
    weight = pdf_sun / (pdf_sun + pdf_bsdf)
    total += np.where((obj == -1)[:, None], f_cos * scene.sun_radiance * (weight / pdf_sun)[:, None], 0)
    # Emitter: uniform in the cone it subtends.
    axis, _, one_minus_cos = _emitter_cone(scene, surf.position)
    one_minus = u[:, 2] * one_minus_cos
    wi = _around(axis, 1 - one_minus, 2 * np.pi * u[:, 3], sin2=one_minus * (2 - one_minus))
    pdf_light = 1 / (2 * np.pi * np.maximum(one_minus_cos, 1e-12))
    f_cos, pdf_bsdf = surf.evaluate(wi)
    _, obj = _intersect(scene, origin, wi)
    weight = pdf_light / (pdf_light + pdf_bsdf)
    total += np.where((obj == scene.emitter)[:, None],
                      f_cos * scene.emitter_radiance * (weight / pdf_light)[:, None], 0)
    return total


def _trace(scene: Scene, origin: np.ndarray, direction: np.ndarray, rng: np.random.Generator,
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Radiance along camera rays, plus first-hit albedo, normal, distance and object."""
    n = len(origin)
    radiance = np.zeros((n, 3), F32)
    t, obj = _intersect(scene, origin, direction)
    albedo = np.ones((n, 3), F32)
    normal = np.zeros((n, 3), F32)
    miss = obj == -1
    sun_disk = (_dot(direction, scene.sun_direction) >= scene.sun_cos_max)[:, None]
    radiance += np.where(miss[:, None], _sky(scene, direction) + np.where(sun_disk, scene.sun_radiance, 0), 0)
    radiance += np.where((obj == scene.emitter)[:, None], scene.emitter_radiance, 0)
    lamp = np.flatnonzero(obj == scene.emitter)
    normal[lamp] = (origin[lamp] + direction[lamp] * t[lamp, None] - scene.centers[scene.emitter - 1]) / (
        scene.radii[scene.emitter - 1])
    alive = np.flatnonzero((obj >= 0) & (obj != scene.emitter))
    throughput = np.ones((len(alive), 3), F32)
    o, d, ta, oa = origin[alive], direction[alive], t[alive], obj[alive]
    for bounce in range(2):
        surf = _surface(scene, o, d, ta, oa, regularise=bounce > 0)
        if bounce == 0:
            albedo[alive] = np.minimum(surf.diffuse + surf.specular, 1)
            normal[alive] = surf.normal
        radiance[alive] += throughput * _direct(scene, surf, rng)
        wi, weight, pdf_bsdf = surf.sample(rng)
        throughput = throughput * weight
        origin_next = surf.position + surf.normal * EPS
        t_next, obj_next = _intersect(scene, origin_next, wi)
        # Light found by BSDF sampling, MIS-weighted against the next-event estimates above.
        escaped = obj_next == -1
        in_sun = _dot(wi, scene.sun_direction) >= scene.sun_cos_max
        pdf_sun = 1 / (2 * np.pi * (1 - scene.sun_cos_max))
        w_sun = np.where(in_sun, pdf_bsdf / (pdf_bsdf + pdf_sun), 0)[:, None]
        sky = _sky(scene, wi) + w_sun * scene.sun_radiance
        radiance[alive] += np.where(escaped[:, None], throughput * sky, 0)
        _, _, one_minus_cos = _emitter_cone(scene, surf.position)
        pdf_light = 1 / (2 * np.pi * np.maximum(one_minus_cos, 1e-12))
        w_emitter = (pdf_bsdf / (pdf_bsdf + pdf_light))[:, None]
        hit_emitter = (obj_next == scene.emitter)[:, None]
        radiance[alive] += np.where(hit_emitter, throughput * scene.emitter_radiance * w_emitter, 0)
        keep = np.flatnonzero((obj_next >= 0) & (obj_next != scene.emitter) & (throughput.max(axis=1) > 0))
        alive, throughput = alive[keep], throughput[keep]
        o, d, ta, oa = origin_next[keep], wi[keep], t_next[keep], obj_next[keep]
    return radiance, albedo, normal, t, obj


def render(scene: Scene, camera: Camera, width: int, height: int, spp: int, seed: int) -> Render:
    """Render `spp` samples per pixel; same arguments give the same image on every machine run."""
    eye = np.array(camera.eye, F32)
    forward = _normalise(np.array(camera.target, F32) - eye)
    right = _normalise(np.cross(forward, np.array([0, 1, 0], F32)))
    up = np.cross(right, forward)
    tan_half = np.tan(np.radians(camera.fov_degrees) / 2)
    pixels = width * height
    # Several sample passes per chunk keep numpy's per-call overhead small at low resolutions.
    passes_per_chunk = max(1, min(spp, 65536 // pixels))
    ys, xs = np.divmod(np.arange(pixels), width)
    sums = {name: np.zeros((pixels, c), np.float64) for name, c in
            (("beauty", 3), ("albedo", 3), ("normal", 3), ("depth", 1))}
    for chunk, first in enumerate(range(0, spp, passes_per_chunk)):
        passes = min(passes_per_chunk, spp - first)
        rng = np.random.default_rng([seed, chunk])
        jitter = rng.random((passes * pixels, 2), dtype=F32)
        px = (np.tile(xs, passes) + jitter[:, 0]) / width * 2 - 1
        py = 1 - (np.tile(ys, passes) + jitter[:, 1]) / height * 2
        aspect = width / height
        direction = _normalise(forward + right * (px * tan_half * aspect)[:, None]
                               + up * (py * tan_half)[:, None]).astype(F32)
        origin = np.broadcast_to(eye, direction.shape).astype(F32)
        radiance, albedo, normal, t, obj = _trace(scene, origin, direction, rng)
        depth = np.where(obj >= 0, t * _dot(direction, forward), FAR)[:, None]
        for name, value in (("beauty", radiance), ("albedo", albedo), ("normal", normal), ("depth", depth)):
            sums[name] += value.reshape(passes, pixels, -1).sum(axis=0)
    out = {name: (value / spp).reshape(height, width, -1).astype(F32) for name, value in sums.items()}
    return Render(**out)
