// A small stable number per decoded image object: keys that say "the same images as before"
// (what the statistics measured, what auto exposure fitted) without holding the images.

const ids = new WeakMap<object, number>();
let next = 1;

/** The image's number (0 for none). */
export function imageId(image: object | null | undefined): number {
  if (!image) return 0;
  let id = ids.get(image);
  if (id === undefined) ids.set(image, (id = next++));
  return id;
}
