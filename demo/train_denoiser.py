"""Train a small kernel-predicting Monte Carlo denoiser and log it as EXR summaries for TensorBoard.

    python demo/train_denoiser.py --logdir demo/logs           # the demo: ~2 minutes on 2 CPU cores
    python demo/train_denoiser.py --logdir /tmp/logs --quick   # a few seconds, for tests

Scenes are rendered by `scene.py` (numpy, no downloads) and cached under `--cache`. Two runs are
trained from the same data and seed, differing only in the loss: `kpcn-smape` (symmetric absolute
percentage error, Vogels et al. 2018) and `kpcn-relmse` (relative squared error, Rousselle et al.
2011); both are relative losses, because a plain MSE on HDR radiance is dominated by the sun and
highlights (tried: its validation error rose during training).
Every `log_every` steps, each validation view is logged as one comparison group
`val/view<i>` with the roles `input` (noisy radiance plus albedo, normal and depth layers),
`output` and `reference`; the training loss and the validation SMAPE are ordinary scalars.
A full run ends by writing `<logdir>/.complete`, which scripts/demo.sh checks.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import multiprocessing
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# Before numpy loads: the renderer's tiny matrix products are slower when OpenBLAS threads them
# (3.6x on a busy 2-core machine); rendering is parallelised by processes instead.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.utils.tensorboard import SummaryWriter  # noqa: E402

DEMO_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DEMO_DIR))

from denoiser import LOSSES, KernelPredictingDenoiser, smape  # noqa: E402
from scene import Camera, Render, make_scene, render  # noqa: E402

from tensorboard_exr import summary as exr_summary  # noqa: E402

SEED = 2017  # the year KPCN was published
COMPLETE_MARKER = ".complete"
VALIDATION_CAMERAS = (
    Camera((0.5, 2.2, 7.5), (0.0, 0.7, 0.0)),
    Camera((3.6, 1.1, 5.6), (-0.5, 1.5, -0.8)),  # towards the sun: a disk of ~2400 in the frame
    Camera((4.5, 4.2, 3.0), (-0.2, 0.3, 0.2)),  # from above, with the emitter's warm light pool
)


@dataclasses.dataclass(frozen=True)
class Config:
    """Sizes and sample counts of one mode (full demo or quick test)."""

    val_size: int
    input_spp: int
    val_reference_spp: int
    train_views: int
    train_size: int
    train_reference_spp: int
    steps: int
    log_every: int
    crop: int
    batch: int


FULL = Config(val_size=256, input_spp=4, val_reference_spp=96, train_views=12, train_size=128,
              train_reference_spp=32, steps=320, log_every=40, crop=64, batch=8)
QUICK = Config(val_size=64, input_spp=4, val_reference_spp=32, train_views=4, train_size=64,
               train_reference_spp=16, steps=40, log_every=20, crop=32, batch=4)


@dataclasses.dataclass(frozen=True)
class Run:
    """One training run: its directory name under the logdir, its loss and learning rate."""

    name: str
    loss: str
    learning_rate: float


RUNS = (Run("kpcn-smape", "smape", 1e-3), Run("kpcn-relmse", "relmse", 1e-3))


def random_camera(rng: np.random.Generator) -> Camera:
    """A viewpoint somewhere around the origin, looking roughly at the scene's centre."""
    azimuth = rng.uniform(0, 2 * np.pi)
    distance = rng.uniform(4.5, 9.0)
    eye = (distance * np.cos(azimuth), rng.uniform(0.6, 4.5), distance * np.sin(azimuth))
    target = (rng.uniform(-1.5, 1.5), rng.uniform(0.2, 1.5), rng.uniform(-1.5, 1.5))
    return Camera(tuple(map(float, eye)), tuple(map(float, target)), float(rng.uniform(30, 50)))


# Reference renders are split into jobs of this many samples per pixel so that the worker
# processes share the work evenly; the split is fixed, so the images do not depend on the core count.
REFERENCE_JOB_SPP = 16


def _render_job(job: tuple[int, Camera, int, int, int]) -> Render:
    scene_seed, camera, size, spp, seed = job
    return render(make_scene(scene_seed), camera, size, size, spp, seed)


def _render_set(views: list[tuple[int, Camera]], size: int, input_spp: int, reference_spp: int,
                seed: int) -> dict[str, np.ndarray]:
    jobs = []
    for i, (scene_seed, camera) in enumerate(views):
        jobs.append((scene_seed, camera, size, input_spp, seed + 1000 * i))
        for k in range(-(-reference_spp // REFERENCE_JOB_SPP)):
            spp = min(REFERENCE_JOB_SPP, reference_spp - k * REFERENCE_JOB_SPP)
            jobs.append((scene_seed, camera, size, spp, seed + 1000 * i + 1 + k))
    # numpy renders on one core; worker processes use the others (fork: no re-import of torch).
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            renders = list(pool.map(_render_job, jobs))
    else:
        renders = [_render_job(job) for job in jobs]
    out: dict[str, list[np.ndarray]] = {"input": [], "albedo": [], "normal": [], "depth": [], "reference": []}
    per_view = len(jobs) // len(views)
    for i in range(len(views)):
        noisy, *reference_parts = renders[i * per_view:(i + 1) * per_view]
        out["input"].append(noisy.beauty)
        out["albedo"].append(noisy.albedo)
        out["normal"].append(noisy.normal)
        out["depth"].append(noisy.depth)
        weights = [part_spp for *_, part_spp, _ in jobs[i * per_view + 1:(i + 1) * per_view]]
        reference = sum(w * part.beauty.astype(np.float64) for w, part in zip(weights, reference_parts,
                                                                              strict=True))
        out["reference"].append((reference / sum(weights)).astype(np.float32))
    return {name: np.stack(arrays) for name, arrays in out.items()}


def load_or_render(config: Config, cache_dir: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Validation and training views, rendered once and cached by renderer source and settings."""
    key = hashlib.sha256((DEMO_DIR / "scene.py").read_bytes())
    key.update(repr((dataclasses.astuple(config)[:6], VALIDATION_CAMERAS, SEED, REFERENCE_JOB_SPP)).encode())
    path = cache_dir / f"scenes-{key.hexdigest()[:16]}.npz"
    if path.exists():
        with np.load(path) as data:
            sets = ({k[4:]: data[k] for k in data.files if k.startswith("val_")},
                    {k[6:]: data[k] for k in data.files if k.startswith("train_")})
        print(f"scenes: cached {path}", flush=True)
        return sets
    start = time.perf_counter()
    validation = _render_set([(0, camera) for camera in VALIDATION_CAMERAS], config.val_size,
                             config.input_spp, config.val_reference_spp, seed=SEED)
    rng = np.random.default_rng(SEED)
    # Half the training views show the validation scene from other viewpoints, half other scenes.
    train_views = [(0 if i % 2 == 0 else i, random_camera(rng)) for i in range(config.train_views)]
    training = _render_set(train_views, config.train_size, config.input_spp, config.train_reference_spp,
                           seed=SEED + 1000)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, **{f"val_{k}": v for k, v in validation.items()},
             **{f"train_{k}": v for k, v in training.items()})
    partial.replace(path)
    print(f"scenes: rendered in {time.perf_counter() - start:.1f} s, cached {path}", flush=True)
    return validation, training


def _to_tensors(views: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.ascontiguousarray(v.transpose(0, 3, 1, 2))) for k, v in views.items()}


def _random_crops(data: dict[str, torch.Tensor], count: int, size: int, rng: np.random.Generator,
                  ) -> dict[str, torch.Tensor]:
    n, _, h, w = data["input"].shape
    views = rng.integers(0, n, count)
    ys = rng.integers(0, h - size + 1, count)
    xs = rng.integers(0, w - size + 1, count)
    return {k: torch.stack([v[i, :, y:y + size, x:x + size] for i, y, x in zip(views, ys, xs, strict=True)])
            for k, v in data.items()}


def train_run(run: Run, config: Config, validation: dict[str, np.ndarray], training: dict[str, np.ndarray],
              logdir: Path) -> list[float]:
    """Trains one model and logs it; returns the validation SMAPE at every logged step."""
    run_dir = logdir / run.name
    if run_dir.exists():
        shutil.rmtree(run_dir)  # a rerun replaces the run instead of appending duplicate steps
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = KernelPredictingDenoiser()
    optimiser = torch.optim.Adam(model.parameters(), lr=run.learning_rate)
    loss_fn = LOSSES[run.loss]
    train = _to_tensors(training)
    val = _to_tensors(validation)
    history: list[float] = []
    start = time.perf_counter()
    # The suffix keeps the two writers' file names apart: both name files by time, host, pid and a
    # per-process counter starting at 0, so in the same second they would pick the same name.
    with (exr_summary.Writer(run_dir) as exr_writer,
          SummaryWriter(str(run_dir), filename_suffix=".scalars") as scalars):
        for step in range(config.steps + 1):
            if step % config.log_every == 0 or step == config.steps:
                model.eval()
                with torch.no_grad():
                    output = model(val["input"], val["albedo"], val["normal"], val["depth"])
                error = float(smape(output, val["reference"]))
                history.append(error)
                scalars.add_scalar("val/smape", error, step)
                images = output.permute(0, 2, 3, 1).numpy()
                for i in range(len(images)):
                    exr_summary.comparison(
                        f"val/view{i}", step, writer=exr_writer,
                        input={"beauty": validation["input"][i], "albedo": validation["albedo"][i],
                               "normal": validation["normal"][i], "depth": validation["depth"][i]},
                        output=images[i], reference=validation["reference"][i],
                    )
                print(f"{run.name}: step {step:4d}  val SMAPE {error:.4f}  "
                      f"({time.perf_counter() - start:.1f} s)", flush=True)
                model.train()
            if step == config.steps:
                break
            batch = _random_crops(train, config.batch, config.crop, rng)
            output = model(batch["input"], batch["albedo"], batch["normal"], batch["depth"])
            loss = loss_fn(output, batch["reference"])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            if step % 10 == 0:
                scalars.add_scalar(f"train/loss_{run.loss}", loss.item(), step)
    return history


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logdir", type=Path, required=True,
                        help="TensorBoard log directory (runs go below it)")
    parser.add_argument("--quick", action="store_true", help="tiny images and few steps (for tests)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads for training (default: torch's choice; 1 in --quick mode)")
    parser.add_argument("--cache", type=Path, default=DEMO_DIR / ".cache",
                        help="where rendered scenes are cached")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    threads = args.threads or (1 if args.quick else None)
    if threads:
        # Quick mode's tiny tensors gain nothing from threads, and on a busy machine (tests beside
        # other jobs) OpenMP threads waiting for each other made training steps ~5x slower.
        torch.set_num_threads(threads)
    validation, training = load_or_render(config, args.cache)
    args.logdir.mkdir(parents=True, exist_ok=True)
    (args.logdir / COMPLETE_MARKER).unlink(missing_ok=True)
    for run in RUNS:
        train_run(run, config, validation, training, args.logdir)
    if not args.quick:
        (args.logdir / COMPLETE_MARKER).write_text("demo logs complete\n")
    print(f"logs in {args.logdir}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
