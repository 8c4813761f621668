// Which images keep their textures on the GPU: those in use (current, reference, metric map) and
// the most recently shown ones that fit a byte budget, so returning to one (the previous training
// step) needs no upload. Uploads themselves happen when a frame is drawn (Renderer.upload).

import type { ExrChannel, ExrImage } from "../decoder/types.js";
import type { Renderer } from "../render/renderer.js";
import type { Scene } from "./draw_plan.js";

export const DEFAULT_TEXTURE_BUDGET_BYTES = 256 * 1024 * 1024;

export class TextureResidency {
  /** Recently shown images, most recent last. */
  private recent: ExrImage[] = [];

  constructor(
    private readonly renderer: Renderer,
    private readonly budgetBytes: number = DEFAULT_TEXTURE_BUDGET_BYTES,
  ) {}

  /** Notes that `image` is shown now. */
  shown(image: ExrImage): void {
    this.recent = [...this.recent.filter((r) => r !== image), image];
  }

  /** Frees the textures of every image neither in use in `scene` nor recent enough to fit the budget. */
  release(scene: Scene): void {
    const keep = new Set<ExrChannel>();
    for (const slot of [scene.current, scene.reference, scene.metricImage]) {
      if (slot) channelsOf(slot.image).forEach((c) => keep.add(c));
    }
    let budget = this.budgetBytes;
    const kept: ExrImage[] = [];
    for (const image of [...this.recent].reverse()) {
      const bytes = channelsOf(image).reduce((sum, c) => sum + this.renderer.uploadedBytes(c), 0);
      const always = image === scene.current?.image || image === scene.reference?.image;
      if (!always && bytes > budget) continue;
      budget -= bytes;
      kept.push(image);
      channelsOf(image).forEach((c) => keep.add(c));
    }
    this.recent = kept.reverse();
    this.renderer.releaseExcept(keep);
  }
}

function channelsOf(image: ExrImage): ExrChannel[] {
  return image.parts.flatMap((p) => [...p.channels, ...(p.derived ?? []).flatMap((d) => d.colour)]);
}
